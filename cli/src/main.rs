//! The `sheetseal` command: a thin layer of argument parsing and reporting over sheetseal-core.

/// `println!` for a command's report that fails instead of panicking when standard output is
/// closed (a pager quit early, `| head`): the command stops there, its clean-up runs, and `main`
/// exits quietly with status 141, as a program stopped by SIGPIPE does, so that a script never
/// takes an unfinished report for a finished one.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// The command's allocator. The job builds millions of small objects on every core (the inputs'
/// parsed objects, the plan, the records); glibc's `malloc` grows each worker thread's heap a
/// page at a time while ingest parses, one `mprotect` call for each (12,637 in a 10,000-letter
/// job, where mimalloc makes 26), each taking the address space's lock for writing while the
/// other core faults pages in. mimalloc 2 without transparent huge pages: version 3, or huge
/// pages, cost 12-60 MB more peak memory (docs/performance.md, stop 26). The C library keeps
/// the host process's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
/// Exit status when standard output was closed before the report was written (128 + SIGPIPE).
const EXIT_STDOUT_CLOSED: u8 = 141;

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
        Ok(Err(error)) if stdout_closed(&error) => ExitCode::from(EXIT_STDOUT_CLOSED),
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

/// Whether `error` is a write to a closed standard output.
fn stdout_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
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
