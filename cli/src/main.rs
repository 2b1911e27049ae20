//! The `sheetseal` command: a thin layer of argument parsing and reporting over sheetseal-core.

mod cmd_marks;
mod commands;
mod mark_args;
mod readability;

use std::process::ExitCode;

use clap::Parser;

/// Exit status for bad input or usage.
const EXIT_INPUT: u8 = 1;
/// Exit status for an internal error.
const EXIT_INTERNAL: u8 = 2;

fn main() -> ExitCode {
    let cli = match commands::Cli::try_parse() {
        Ok(cli) => cli,
        Err(usage) => {
            // Help and version go to stdout with success; a usage error is bad input.
            let _ = usage.print();
            return if usage.use_stderr() { ExitCode::from(EXIT_INPUT) } else { ExitCode::SUCCESS };
        }
    };
    let outcome = std::panic::catch_unwind(|| commands::run(cli));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            eprintln!("error: {error:#}");
            let internal =
                error.downcast_ref::<sheetseal_core::Error>().is_some_and(sheetseal_core::Error::is_internal);
            ExitCode::from(if internal { EXIT_INTERNAL } else { EXIT_INPUT })
        }
        Err(_) => {
            eprintln!(
                "error: internal error (a bug in sheetseal); no output was completed. Please report it."
            );
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}
