//! The `sheetseal` command: a thin layer of argument parsing and reporting over sheetseal-core.

mod cmd_bench;
mod cmd_export;
mod cmd_marks;
mod cmd_preview;
mod cmd_purge;
mod cmd_reconcile;
mod cmd_returns;
mod cmd_robustness;
mod cmd_split_check;
mod cmd_verify;
mod commands;
mod findings;
mod job_progress;
mod limits_args;
mod mark_args;
mod measure;
mod readability;
mod split_args;
mod text_workers;
mod workers;

use std::process::ExitCode;

use clap::Parser;

/// Exit status for bad input or usage.
const EXIT_INPUT: u8 = 1;
/// Exit status for an internal error.
const EXIT_INTERNAL: u8 = 2;
/// Exit status of a check that ran and found problems (verify, reconcile, returns).
const EXIT_FINDINGS: u8 = 3;

fn main() -> ExitCode {
    // Usage errors are bad input (status 1), like every other refusal; help and version are not.
    let cli = match commands::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_INPUT } else { 0 });
        }
    };
    let outcome = std::panic::catch_unwind(|| commands::run(cli));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) if error.is::<findings::Findings>() => {
            eprintln!("{error}");
            ExitCode::from(EXIT_FINDINGS)
        }
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
