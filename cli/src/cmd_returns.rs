//! `sheetseal returns DIR --scan PAYLOAD` (or `--scans FILE`): record returned mail in the job's
//! append-only ledger (docs/returns.md).

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use sheetseal_core::lookup::PayloadLookup;
use sheetseal_core::reconcile::scanlog::ScanLog;
use sheetseal_core::returns::{RefusedBecause, ReturnsDesk, ScanOutcome};

use crate::cmd_reconcile::{open_jobs, ScanLogArgs};
use crate::findings::Findings;

#[derive(Args)]
pub struct ReturnsArgs {
    /// The job's output folder (holding manifest.json).
    dir: PathBuf,
    /// A payload read from a returned envelope (repeatable).
    #[arg(long, value_name = "PAYLOAD", required_unless_present = "scans")]
    scan: Vec<String>,
    /// A file of scans, one a line (text or CSV, as reconcile reads; '-' for standard input).
    #[arg(long, value_name = "FILE", conflicts_with = "scan")]
    scans: Option<PathBuf>,
    #[command(flatten)]
    log: ScanLogArgs,
    /// Who is scanning (default: the USER or LOGNAME environment variable).
    #[arg(long)]
    operator: Option<String>,
    /// Another job's folder, to name the job of a misplaced envelope; repeatable.
    #[arg(long = "other-job", value_name = "DIR")]
    other_jobs: Vec<PathBuf>,
}

pub fn run(args: ReturnsArgs) -> Result<()> {
    let operator = match args
        .operator
        .clone()
        .or_else(|| ["USER", "LOGNAME"].iter().find_map(|v| std::env::var(v).ok()))
    {
        Some(name) if !name.trim().is_empty() => name,
        _ => bail!("who is scanning? give --operator NAME (neither USER nor LOGNAME is set)"),
    };
    let jobs = open_jobs(&args.dir, &args.other_jobs)?;
    let lookup = PayloadLookup::new(&jobs)?;
    let job = &jobs[0];
    let mut desk = ReturnsDesk::open(&lookup, &operator)?;
    if !desk.damaged_lines.is_empty() {
        eprintln!(
            "warning: {} line(s) of the returns ledger are not entries and were left as they are (lines {:?})",
            desk.damaged_lines.len(),
            desk.damaged_lines.iter().take(10).collect::<Vec<_>>()
        );
    }
    let mut metadata: Option<Vec<Option<BTreeMap<String, serde_json::Value>>>> = None;
    let (mut recorded, mut already, mut refused, mut no_reads) = (0usize, 0usize, 0usize, 0usize);
    let mut handle = |payload: &str, desk: &mut ReturnsDesk| -> Result<()> {
        let outcome = desk.scan(payload)?;
        let item_line = |seq: usize, metadata: &mut Option<Vec<_>>| -> Result<String> {
            let item = &job.manifest.items[seq - 1];
            if metadata.is_none() {
                *metadata = Some(job.item_metadata()?);
            }
            let fields: Vec<String> = metadata
                .as_ref()
                .and_then(|all| all.get(seq - 1))
                .and_then(Option::as_ref)
                .map(|m: &BTreeMap<String, serde_json::Value>| {
                    m.iter()
                        .map(|(k, v)| {
                            format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let meta = if fields.is_empty() { String::new() } else { format!("; {}", fields.join(", ")) };
            Ok(format!("item {seq} id '{}'{meta}", item.id))
        };
        match outcome {
            ScanOutcome::Recorded { item_seq, sheet, of } => {
                recorded += 1;
                println!(
                    "returned: {payload}: {} (sheet {sheet} of {of}); recorded",
                    item_line(item_seq, &mut metadata)?
                );
            }
            ScanOutcome::AlreadyRecorded { item_seq, at, operator } => {
                already += 1;
                println!(
                    "already returned: {payload}: {}; recorded at {at} by {operator}; not recorded again",
                    item_line(item_seq, &mut metadata)?
                );
            }
            ScanOutcome::Refused { reason } => {
                refused += 1;
                let why = match reason {
                    RefusedBecause::UnknownPayload => format!("not a sheet of job {}", job.manifest.job),
                    RefusedBecause::OtherJob { job: other } => {
                        format!(
                            "a sheet of job {other}, not of job {}: return it to that job",
                            job.manifest.job
                        )
                    }
                };
                println!(
                    "REFUSED: '{}': {why}; the refusal is logged",
                    payload.chars().filter(|c| !c.is_control()).take(80).collect::<String>()
                );
            }
        }
        Ok(())
    };
    let result = (|| -> Result<()> {
        match &args.scans {
            None => {
                for payload in &args.scan {
                    handle(payload, &mut desk)?;
                }
            }
            Some(path) => {
                let log = ScanLog::new(BufReader::new(ScanLogArgs::open(path)?), args.log.options())?;
                for read in log {
                    let read = read.with_context(|| format!("reading {}", path.display()))?;
                    match read.payload {
                        Some(payload) => handle(&payload, &mut desk)?,
                        None => no_reads += 1,
                    }
                }
            }
        }
        Ok(())
    })();
    desk.close()?;
    result?;
    let ledger = job.dir.join(sheetseal_core::returns::ledger::LEDGER_FILE);
    println!(
        "returns: {recorded} recorded, {already} already recorded, {refused} refused{} ({}; operator {operator})",
        if no_reads > 0 { format!(", {no_reads} no-read line(s) skipped") } else { String::new() },
        ledger.display()
    );
    if refused > 0 {
        return Err(Findings(format!(
            "returns: {refused} scan(s) refused: not sheets of job {}",
            job.manifest.job
        ))
        .into());
    }
    Ok(())
}
