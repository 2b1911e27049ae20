//! `sheetseal verify DIR`: check a finished job before it goes to the printer (docs/verify.md).
//!
//! pdfium serialises rendering within a process, so the marks are read by worker processes of
//! this same program (`--jobs N`, at least one), each over a contiguous range of sheets, while
//! this process hashes the files. A worker that dies (a pdfium crash) costs one sheet, not the
//! run.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use sheetseal_core::jobdir::JobDir;
use sheetseal_core::verify::{self, files, marks, VerifyReport};
use sheetseal_core::write::atomic::AtomicFile;

use crate::findings::Findings;

/// After this many renderer crashes in one range, its remaining sheets are not tried.
const MAX_WORKER_CRASHES: usize = 20;
/// Fewer sheets than this per worker process do not pay for starting it.
const MIN_SHEETS_PER_WORKER: usize = 400;
/// Findings printed in the summary; the JSON report has all of them.
const SHOWN_FINDINGS: usize = 20;

#[derive(Args)]
pub struct VerifyArgs {
    /// The job's output folder (holding manifest.json).
    dir: PathBuf,
    /// Worker processes reading marks (default: one per core, fewer for small jobs).
    #[arg(long)]
    jobs: Option<usize>,
    /// Rendering resolution of the mark zones, dots per inch.
    #[arg(long, default_value_t = marks::DEFAULT_DPI, value_parser = parse_dpi)]
    dpi: f32,
    /// Folder to look for the job's inputs in, by file name, when they are not at their recorded
    /// path (repeatable).
    #[arg(long = "inputs", value_name = "DIR")]
    input_dirs: Vec<PathBuf>,
    /// Also write the full report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Internal: read the marks of sheets FROM..TO and print them as JSON lines.
    #[arg(long, hide = true, value_name = "FROM..TO", value_parser = parse_range)]
    worker: Option<Range<usize>>,
}

fn parse_dpi(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(dpi) if (50.0..=1200.0).contains(&dpi) => Ok(dpi),
        _ => Err(format!("'{text}': give a resolution between 50 and 1200 dpi")),
    }
}

fn parse_range(text: &str) -> Result<Range<usize>, String> {
    let (from, to) = text.split_once("..").ok_or("expected FROM..TO")?;
    let number = |t: &str| t.parse::<usize>().map_err(|_| format!("'{t}' is not a sheet index"));
    Ok(number(from)?..number(to)?)
}

pub fn run(args: VerifyArgs) -> Result<()> {
    let started = Instant::now();
    let job = JobDir::load(&args.dir)?;
    if let Some(range) = args.worker {
        return worker(&job, range, args.dpi);
    }
    // Refuse early, with the way to get it, when pdfium is missing.
    sheetseal_core::pdfium::pdfium().context("verify renders the marks with pdfium")?;

    let sheets = job.manifest.sheets.len();
    let jobs = args.jobs.unwrap_or_else(|| default_jobs(sheets)).clamp(1, sheets.max(1));
    let (reads, (outputs, inputs)) = std::thread::scope(|scope| {
        let hashing =
            scope.spawn(|| (files::check_outputs(&job), files::check_inputs(&job, &args.input_dirs)));
        let reads = read_all_marks(&job, &args.dir, jobs, args.dpi);
        (reads, hashing.join().expect("hashing thread"))
    });
    let report = verify::report(&job, outputs, inputs, &reads?);
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.report {
        let mut json = serde_json::to_vec_pretty(&report)?;
        json.push(b'\n');
        AtomicFile::write_all(path, &json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    print_summary(&report, &args.dir, jobs, seconds)?;
    if report.passed() {
        Ok(())
    } else {
        Err(Findings(format!(
            "verify: {} finding(s): {} must not be printed as it is",
            report.findings.len(),
            args.dir.display()
        ))
        .into())
    }
}

fn default_jobs(sheets: usize) -> usize {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    cores.min(sheets.div_ceil(MIN_SHEETS_PER_WORKER)).max(1)
}

/// Reads every sheet's mark in `jobs` worker processes, each over a contiguous range of sheets.
/// Rendering always happens in a worker: if pdfium crashes on a page, the sheet it was reading is
/// reported as unreadable and a new worker carries on after it.
fn read_all_marks(job: &JobDir, dir: &Path, jobs: usize, dpi: f32) -> Result<Vec<marks::MarkRead>> {
    let sheets = job.manifest.sheets.len();
    let exe = std::env::current_exe().context("cannot find the sheetseal program to start workers")?;
    let chunk = sheets.div_ceil(jobs.max(1)).max(1);
    let ranges: Vec<Range<usize>> =
        (0..sheets).step_by(chunk).map(|from| from..(from + chunk).min(sheets)).collect();
    let results: Vec<Result<Vec<marks::MarkRead>>> = std::thread::scope(|scope| {
        let workers: Vec<_> =
            ranges.into_iter().map(|range| scope.spawn(|| read_range(job, &exe, dir, range, dpi))).collect();
        workers.into_iter().map(|w| w.join().expect("worker thread")).collect()
    });
    let mut reads = Vec::with_capacity(sheets);
    for result in results {
        reads.extend(result?);
    }
    Ok(reads)
}

/// Runs workers over `range` until every sheet of it is read or known unreadable.
fn read_range(
    job: &JobDir,
    exe: &Path,
    dir: &Path,
    range: Range<usize>,
    dpi: f32,
) -> Result<Vec<marks::MarkRead>> {
    let mut reads = Vec::with_capacity(range.len());
    let mut from = range.start;
    let mut crashes = 0;
    while from < range.end {
        let output = Command::new(exe)
            .arg("verify")
            .arg(dir)
            .args(["--worker", &format!("{from}..{}", range.end), "--dpi", &dpi.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .with_context(|| format!("cannot run a verify worker ({})", exe.display()))?;
        let before = reads.len();
        for line in output.stdout.split(|&b| b == b'\n').filter(|l| l.ends_with(b"}")) {
            reads.push(serde_json::from_slice(line).context("a verify worker wrote an unreadable line")?);
        }
        from += reads.len() - before;
        if output.status.success() || from >= range.end {
            break;
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.code() == Some(1) && reads.len() == before {
            bail!("a verify worker failed: {}", stderr.trim());
        }
        // The worker died on sheet `from`: report it and go on after it.
        crashes += 1;
        let detail = format!("the renderer (pdfium) crashed on it ({})", output.status);
        let last = if crashes >= MAX_WORKER_CRASHES { range.end } else { from + 1 };
        for sheet in &job.manifest.sheets[from..last] {
            let result = marks::MarkResult::OutputUnreadable { detail: detail.clone() };
            reads.push(marks::MarkRead { sheet: sheet.seq, result });
        }
        from = last;
    }
    Ok(reads)
}

/// Prints each read as a JSON line as soon as it is made, so that a crash loses nothing before it.
fn worker(job: &JobDir, range: Range<usize>, dpi: f32) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    marks::read_marks(job, range, dpi, |read| {
        let mut line = serde_json::to_vec(&read).map_err(std::io::Error::other)?;
        line.push(b'\n');
        out.write_all(&line)?;
        out.flush()
    })?;
    Ok(())
}

fn print_summary(report: &VerifyReport, dir: &Path, jobs: usize, seconds: f64) -> std::io::Result<()> {
    say!(
        "verify {} (job {}): {} sheets, {} marks read as the manifest says, {} finding(s)",
        dir.display(),
        report.job,
        report.sheets,
        report.marks_matched,
        report.findings.len()
    )?;
    for output in &report.outputs {
        say!("  output {}: {}", output.path.display(), describe(&output.state))?;
    }
    for input in &report.inputs {
        say!("  input {}: {}", input.path.display(), describe(&input.state))?;
    }
    for (code, count) in report.tally() {
        say!("  {:>7} x {}", count, code.as_str())?;
    }
    for finding in report.findings.iter().take(SHOWN_FINDINGS) {
        match finding.sheet {
            Some(sheet) => say!("  sheet {sheet}: {} ({})", finding.message, finding.code.as_str())?,
            None => say!("  {} ({})", finding.message, finding.code.as_str())?,
        }
    }
    if report.findings.len() > SHOWN_FINDINGS {
        say!("  ... {} more (see --report)", report.findings.len() - SHOWN_FINDINGS)?;
    }
    for note in &report.notes {
        say!("  note: {note}")?;
    }
    say!(
        "  {:.2} s, {:.0} sheets/s with {} worker process(es)",
        seconds,
        report.sheets as f64 / seconds.max(1e-9),
        jobs
    )?;
    say!("  {}", if report.passed() { "PASSED" } else { "FAILED" })
}

fn describe(state: &files::FileState) -> String {
    match state {
        files::FileState::Absent => "absent".to_string(),
        files::FileState::Unreadable { detail } => format!("unreadable: {detail}"),
        files::FileState::Read { bytes, sha256, pages, pages_error } => match pages {
            Some(pages) => format!("{bytes} bytes, {pages} pages, sha256 {sha256}"),
            None => format!(
                "{bytes} bytes, sha256 {sha256}, pages not counted: {}",
                pages_error.as_deref().unwrap_or("unknown")
            ),
        },
    }
}
