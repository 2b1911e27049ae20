//! Worker processes of this same program, for work that pdfium serialises within a process
//! (page renders for `preview`, page text for a text split): started with a request, read line
//! by line, and made to say why when they fail.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// Runs `command` (a `what` worker) to the end: `request` goes to its standard input, and every
/// line it prints goes to `on_line`. A worker that fails is reported with what it said on
/// standard error; an error from `on_line` stops the worker.
pub fn run(
    mut command: Command,
    what: &str,
    request: &[u8],
    mut on_line: impl FnMut(String) -> Result<()>,
) -> Result<()> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start a {what} worker"))?;
    let stdin = child.stdin.take();
    let stderr = child.stderr.take();
    let said = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_string(&mut text);
        }
        text
    });
    let read = || -> Result<()> {
        if let Some(mut stdin) = stdin {
            stdin.write_all(request)?;
        }
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines() {
                on_line(line?)?;
            }
        }
        Ok(())
    };
    let outcome = read();
    if outcome.is_err() {
        let _ = child.kill();
    }
    let status = child.wait()?;
    let said = said.join().unwrap_or_default();
    if !status.success() {
        bail!("a {what} worker failed ({status}): {}", said.trim().trim_start_matches("error: "));
    }
    outcome
}
