//! `sheetseal returns DIR --scan PAYLOAD` (or `--scans FILE`): record returned mail in the job's
//! append-only ledger (docs/returns.md).

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use sheetseal_core::jobdir::JobDir;
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
    let mut session = Session { job, metadata: None, recorded: 0, already: 0, refused: 0, no_reads: 0 };
    let result = session.scan_all(&args, &mut desk);
    desk.close()?;
    result?;
    let ledger = job.dir.join(sheetseal_core::returns::ledger::LEDGER_FILE);
    let Session { recorded, already, refused, no_reads, .. } = session;
    say!(
        "returns: {recorded} recorded, {already} already recorded, {refused} refused{} ({}; operator {operator})",
        if no_reads > 0 { format!(", {no_reads} no-read line(s) skipped") } else { String::new() },
        ledger.display()
    )?;
    if refused > 0 {
        let message = format!("returns: {refused} scan(s) refused: not sheets of job {}", job.manifest.job);
        return Err(Findings(message).into());
    }
    Ok(())
}

/// What a run has done so far.
struct Session<'a> {
    job: &'a JobDir,
    /// Item metadata, read on the first scan that needs it.
    metadata: Option<Vec<Option<BTreeMap<String, serde_json::Value>>>>,
    recorded: usize,
    already: usize,
    refused: usize,
    no_reads: usize,
}

impl Session<'_> {
    fn scan_all(&mut self, args: &ReturnsArgs, desk: &mut ReturnsDesk) -> Result<()> {
        let Some(path) = &args.scans else {
            return args.scan.iter().try_for_each(|payload| self.scan(payload, desk));
        };
        let log = ScanLog::new(BufReader::new(ScanLogArgs::open(path)?), args.log.options())?;
        for read in log {
            match read.with_context(|| format!("reading {}", path.display()))?.payload {
                Some(payload) => self.scan(&payload, desk)?,
                None => self.no_reads += 1,
            }
        }
        Ok(())
    }

    fn scan(&mut self, payload: &str, desk: &mut ReturnsDesk) -> Result<()> {
        let job = &self.job.manifest.job;
        match desk.scan(payload)? {
            ScanOutcome::Recorded { item_seq, sheet, of } => {
                self.recorded += 1;
                say!("returned: {payload}: {} (sheet {sheet} of {of}); recorded", self.describe(item_seq)?)?;
            }
            ScanOutcome::AlreadyRecorded { item_seq, at, operator } => {
                self.already += 1;
                say!(
                    "already returned: {payload}: {}; recorded at {at} by {operator}; not recorded again",
                    self.describe(item_seq)?
                )?;
            }
            ScanOutcome::Refused { reason } => {
                self.refused += 1;
                let why = match reason {
                    RefusedBecause::UnknownPayload => format!("not a sheet of job {job}"),
                    RefusedBecause::OtherJob { job: other } => {
                        format!("a sheet of job {other}, not of job {job}: return it to that job")
                    }
                };
                let shown: String = payload.chars().filter(|c| !c.is_control()).take(80).collect();
                say!("REFUSED: '{shown}': {why}; the refusal is logged")?;
            }
        }
        Ok(())
    }

    /// The item's number, id and index metadata.
    fn describe(&mut self, seq: usize) -> Result<String> {
        if self.metadata.is_none() {
            self.metadata = Some(self.job.item_metadata()?);
        }
        let fields: Vec<String> = self
            .metadata
            .as_ref()
            .and_then(|all| all.get(seq - 1))
            .and_then(Option::as_ref)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                    .collect()
            })
            .unwrap_or_default();
        let metadata = if fields.is_empty() { String::new() } else { format!("; {}", fields.join(", ")) };
        Ok(format!("item {seq} id '{}'{metadata}", self.job.manifest.items[seq - 1].id))
    }
}
