//! The `sheetseal` command: a thin layer of argument parsing and reporting over sheetseal-core.

mod commands;
mod limits_args;

use std::process::ExitCode;

use clap::Parser;

/// Exit status for bad input or usage.
const EXIT_INPUT: u8 = 1;
/// Exit status for an internal error.
const EXIT_INTERNAL: u8 = 2;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
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
