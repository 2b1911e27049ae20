//! Closing the loop: export, verify, reconcile and returns, on real jobs made by `corpus` and
//! `impose`, with outputs altered by real tools (qpdf) or rewritten through lopdf.

mod export;
mod reconcile;
mod returns;
mod verify;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use sheetseal_core::manifest::Manifest;

use crate::util::*;

/// Makes a sample of `letters` letters and imposes it (duplex, index split) as `job` into
/// `root/name`; returns the job folder and its manifest.
pub fn make_job(
    root: &Path,
    name: &str,
    letters: usize,
    seed: u64,
    job: &str,
    account: Option<&str>,
) -> (PathBuf, Manifest) {
    let sample = root.join(format!("{name}-sample"));
    run_ok(&[
        "corpus",
        "--letters",
        &letters.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        sample.to_str().unwrap(),
    ]);
    let out = root.join(name);
    let index = format!("index:{}", sample.join("letters.csv").display());
    let input = sample.join("letters.pdf");
    let mut args = vec![
        "impose",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--job",
        job,
        "--split",
        &index,
    ];
    if let Some(account) = account {
        args.extend(["--account", account]);
    }
    run_ok(&args);
    let manifest = read_manifest(&out);
    (out, manifest)
}

/// Runs the binary with `args`, whatever its exit status.
pub fn run(args: &[&str]) -> Output {
    let mut command = sheetseal();
    command.args(args);
    run_with_limit(command, Duration::from_secs(300))
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}
