//! `sheetseal reconcile DIR --scans FILE`: what the inserter did with every envelope and item,
//! from its camera log; a reprint list for what went wrong (docs/reconcile.md).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use sheetseal_core::control::{ControlSpec, Format, Per};
use sheetseal_core::jobdir::JobDir;
use sheetseal_core::lookup::PayloadLookup;
use sheetseal_core::mark::payload::validate_job_id;
use sheetseal_core::reconcile::collate::{Envelope, Problem};
use sheetseal_core::reconcile::scanlog::{Column, LogFormat, LogOptions};
use sheetseal_core::reconcile::{self, ReconcileOutcome};
use sheetseal_core::write::atomic::AtomicFile;

use crate::cmd_export::{parse_format, parse_per, write_records};
use crate::findings::Findings;

#[derive(Args)]
pub struct ReconcileArgs {
    /// The job's output folder (holding manifest.json).
    dir: PathBuf,
    /// The inserter camera log ('-' for standard input).
    #[arg(long)]
    scans: PathBuf,
    #[command(flatten)]
    log: ScanLogArgs,
    /// Another job's folder whose sheets may turn up (same run, other customers); repeatable.
    #[arg(long = "other-job", value_name = "DIR")]
    other_jobs: Vec<PathBuf>,
    /// Write the full report (every envelope and item) as JSON to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Write the items to reprint to this file ('-' for standard output).
    #[arg(long, value_name = "FILE")]
    reprint: Option<PathBuf>,
    /// Format of the reprint list: csv, jsonl or fixed:SPEC (as export).
    #[arg(long, default_value = "csv", value_parser = parse_format)]
    reprint_format: Format,
    /// One reprint record per sheet or per envelope.
    #[arg(long, default_value = "envelope", value_parser = parse_per)]
    reprint_per: Per,
    /// Open-loop reprint: renumber the items into this new child job (default: closed loop,
    /// same job, same ids).
    #[arg(long, value_name = "JOB")]
    reprint_job: Option<String>,
}

/// How to read a camera log (shared with `returns --scans`).
#[derive(Args)]
pub struct ScanLogArgs {
    /// auto (CSV when the first line is a header naming a payload column), text or csv.
    #[arg(long, default_value = "auto", value_parser = parse_log_format)]
    log_format: LogFormat,
    /// The log's columns in order, for logs without a header: payload, timestamp, marker, or
    /// anything else to ignore a column (e.g. timestamp,payload,marker).
    #[arg(long, value_delimiter = ',')]
    columns: Option<Vec<String>>,
    /// The CSV delimiter (default: guessed from the first line among , ; tab |).
    #[arg(long, value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// A payload value that means the camera read nothing (repeatable; default NOREAD).
    #[arg(long = "noread", value_name = "TOKEN")]
    noread: Vec<String>,
}

fn parse_log_format(text: &str) -> Result<LogFormat, String> {
    text.parse()
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(format!("'{text}': the delimiter is one ASCII character, or tab")),
    }
}

impl ScanLogArgs {
    pub fn options(&self) -> LogOptions {
        let defaults = LogOptions::default();
        LogOptions {
            format: self.log_format,
            columns: self.columns.as_ref().map(|c| c.iter().map(|name| Column::from_name(name)).collect()),
            delimiter: self.delimiter,
            noread: if self.noread.is_empty() { defaults.noread } else { self.noread.clone() },
        }
    }

    /// Opens a log file, or standard input for `-`.
    pub fn open(path: &Path) -> Result<Box<dyn Read>> {
        if path == Path::new("-") {
            return Ok(Box::new(std::io::stdin().lock()));
        }
        let file =
            File::open(path).with_context(|| format!("cannot open the scan log {}", path.display()))?;
        Ok(Box::new(file))
    }
}

/// The job in `dir` and the other jobs, opened and checked.
pub fn open_jobs(dir: &Path, others: &[PathBuf]) -> Result<Vec<JobDir>> {
    std::iter::once(dir).chain(others.iter().map(PathBuf::as_path)).map(|d| Ok(JobDir::open(d)?)).collect()
}

pub fn run(args: ReconcileArgs) -> Result<()> {
    if let Some(child) = &args.reprint_job {
        validate_job_id(child).context("--reprint-job")?;
    }
    let jobs = open_jobs(&args.dir, &args.other_jobs)?;
    let lookup = PayloadLookup::new(&jobs)?;
    let scans = ScanLogArgs::open(&args.scans)?;
    let context = || format!("reading the scan log {}", args.scans.display());
    let outcome = match &args.report {
        Some(path) => {
            let mut file =
                AtomicFile::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let (writer, outcome) =
                reconcile::reconcile(&lookup, scans, args.log.options(), Some(file.writer()))
                    .with_context(context)?;
            let written = writer.expect("the report writer is given back").finish()?;
            file.commit(written).with_context(|| format!("cannot write {}", path.display()))?;
            outcome
        }
        None => {
            let no_report: Option<std::io::Sink> = None;
            reconcile::reconcile(&lookup, scans, args.log.options(), no_report).with_context(context)?.1
        }
    };
    print_summary(&args, &jobs[0], &outcome)?;
    if let Some(path) = &args.reprint {
        let picks = outcome.reprint();
        let spec = ControlSpec { per: args.reprint_per, format: args.reprint_format.clone(), fields: None };
        let records = write_records(&jobs[0], &spec, Some(&picks), args.reprint_job.as_deref(), path)?;
        let mode = match &args.reprint_job {
            Some(child) => format!("open loop, child job {child}"),
            None => "closed loop, same ids".to_string(),
        };
        say!("  reprint list: {} item(s), {records} record(s) in {} ({mode})", picks.len(), path.display())?;
    }
    if outcome.summary.complete {
        say!("  COMPLETE")?;
        Ok(())
    } else {
        say!("  NOT COMPLETE")?;
        let s = &outcome.summary;
        Err(Findings(format!(
            "reconcile: not complete: {} of {} items need attention ({} incomplete, {} duplicated, {} never seen)",
            s.items - s.items_complete,
            s.items,
            s.items_incomplete,
            s.items_duplicated,
            s.items_never_seen
        ))
        .into())
    }
}

fn print_summary(args: &ReconcileArgs, job: &JobDir, outcome: &ReconcileOutcome) -> std::io::Result<()> {
    let s = &outcome.summary;
    let c = &s.counts;
    say!(
        "reconcile {} (job {}) with {} ({} bytes, sha256 {})",
        args.dir.display(),
        job.manifest.job,
        args.scans.display(),
        s.scans_bytes,
        s.scans_sha256
    )?;
    say!(
        "  reads: {} ({} sheets of the job, {} no-reads, {} unknown, {} of other jobs)",
        c.reads,
        c.sheet_reads,
        c.no_reads,
        c.unknown_reads,
        c.other_job_reads
    )?;
    let problems: Vec<String> = c.envelope_problems.iter().map(|(code, n)| format!("{code} {n}")).collect();
    say!(
        "  envelopes: {}, complete {}{}",
        c.envelopes,
        c.envelopes_complete,
        if problems.is_empty() { String::new() } else { format!("; with problems: {}", problems.join(", ")) }
    )?;
    say!(
        "  items: {}: complete {}, incomplete {}, duplicated {}, never seen {}",
        s.items,
        s.items_complete,
        s.items_incomplete,
        s.items_duplicated,
        s.items_never_seen
    )?;
    for envelope in &outcome.problem_envelopes {
        say!("  {}", describe(envelope))?;
    }
    let (with_problems, shown) = (c.envelopes - c.envelopes_complete, outcome.problem_envelopes.len() as u64);
    if with_problems > shown {
        say!("  ... {} more envelopes with problems (see --report)", with_problems - shown)?;
    }
    Ok(())
}

fn describe(envelope: &Envelope) -> String {
    let item = match (&envelope.item, &envelope.item_id) {
        (Some(seq), Some(id)) => format!("item {seq} '{id}'"),
        _ => "no sheet of the job".to_string(),
    };
    let marker = envelope.markers.as_ref().map(|[a, b]| format!(", marker {a}..{b}")).unwrap_or_default();
    let problems: Vec<String> = envelope.problems.iter().map(describe_problem).collect();
    format!(
        "envelope {} (lines {}-{}{marker}): {item}: {}",
        envelope.envelope,
        envelope.lines[0],
        envelope.lines[1],
        problems.join("; ")
    )
}

fn describe_problem(problem: &Problem) -> String {
    let list = |v: &[usize]| v.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(",");
    match problem {
        Problem::MissingSheet { sheets } => format!("missing sheet(s) {}", list(sheets)),
        Problem::DuplicateSheet { sheets } => format!("sheet(s) {} read more than once", list(sheets)),
        Problem::OutOfOrder { order } => format!("sheets out of order ({})", list(order)),
        Problem::OtherItem { items } => format!("sheets of other item(s) {}", list(items)),
        Problem::OtherJob { jobs } => format!("sheets of other job(s) {}", jobs.join(",")),
        Problem::OtherAccount { accounts } => {
            format!("sheets of another customer account {}", accounts.join(","))
        }
        Problem::UnknownPayload { count } => format!("{count} unknown payload(s)"),
        Problem::NoRead { count } => format!("{count} no-read(s)"),
    }
}
