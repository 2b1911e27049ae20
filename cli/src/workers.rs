//! Worker processes of this same program, for work that pdfium serialises within a process
//! (page renders for `preview`, page text for a text split): started with a request, read line
//! by line, and made to say why when they fail.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// Runs `command` (a `what` worker) to the end: `request` goes to its standard input, and every
/// line it prints goes to `on_line`. A worker that fails is reported with what it said on
/// standard error (a worker that dies before reading its request is reported so too, not as a
/// closed pipe); an error from `on_line` stops the worker and is the one reported.
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
    if let Some(mut stdin) = stdin {
        // A worker that cannot take its request has failed: its status and words say why.
        let _ = stdin.write_all(request);
    }
    let mut read = || -> Result<()> {
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines() {
                on_line(line?)?;
            }
        }
        Ok(())
    };
    if let Err(error) = read() {
        let _ = child.kill();
        let _ = child.wait();
        return Err(error);
    }
    let status = child.wait()?;
    let said = said.join().unwrap_or_default();
    if !status.success() {
        bail!("a {what} worker failed ({status}): {}", said.trim().trim_start_matches("error: "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn lines_reach_the_caller_and_a_failing_worker_says_why() {
        let mut lines = Vec::new();
        run(sh("cat; echo two"), "test", b"one\n", |line| {
            lines.push(line);
            Ok(())
        })
        .unwrap();
        assert_eq!(lines, ["one", "two"]);

        let error = run(sh("echo 'error: no such page' >&2; exit 1"), "test", b"", |_| Ok(())).unwrap_err();
        assert_eq!(error.to_string(), "a test worker failed (exit status: 1): no such page");

        // A worker gone before reading its request: its own words, not a closed pipe.
        let request = vec![b'x'; 1 << 20];
        let error =
            run(sh("echo 'error: cannot start' >&2; exit 1"), "test", &request, |_| Ok(())).unwrap_err();
        assert!(error.to_string().ends_with("cannot start"), "{error}");

        let error = run(sh("echo bad"), "test", b"", |line| bail!("unreadable line {line:?}")).unwrap_err();
        assert_eq!(error.to_string(), "unreadable line \"bad\"");
    }
}
