//! The `sheetseal` command: a thin layer of argument parsing and reporting over sheetseal-core.

mod cmd_purge;
mod cmd_robustness;
mod commands;
mod limits_args;
mod measure;

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
            eprintln!("error: {}", message(&error));
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

/// The error and its causes, each cause once: a cause whose text an outer message already
/// quotes is not repeated.
fn message(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}
