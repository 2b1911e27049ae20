//! Running a child process while measuring what it costs: wall time and peak memory (its
//! maximum resident set size, from `wait4`), with a time limit. Used by `robustness-report`,
//! and by the end-to-end tests (which include this file).

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What a measured run did.
pub struct Measured {
    pub status: ExitStatus,
    #[allow(dead_code)] // read by the tests
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Peak resident memory of the process, in KiB.
    pub max_rss_kib: u64,
}

/// Runs `command` to its end, capturing its output; kills it and fails with `TimedOut` after
/// `limit`.
pub fn run_measured(mut command: Command, limit: Duration) -> std::io::Result<Measured> {
    let started = Instant::now();
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let pid = child.id() as libc::pid_t;
    loop {
        let mut status = 0;
        // SAFETY: a plain system call on our own child; `usage` is a valid out-pointer.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if done == pid {
            return Ok(Measured {
                status: ExitStatus::from_raw(status),
                stdout: stdout.join().unwrap_or_default(),
                stderr: stderr.join().unwrap_or_default(),
                elapsed: started.elapsed(),
                max_rss_kib: usage.ru_maxrss as u64,
            });
        }
        if done != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("{command:?} did not finish within {limit:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
