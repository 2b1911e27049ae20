//! `reconcile`: what the inserter did with every envelope and item, from its camera log
//! (docs/reconcile.md).
//!
//! The log is streamed: [`scanlog`] reads one line at a time, [`collate`] closes envelopes at
//! each end of collation, each envelope is written to the report as it closes and [`tally`]
//! keeps a few words per item. Memory depends on the manifest, not on the log's length.

pub mod collate;
pub mod scanlog;
pub mod tally;

use std::io::{BufReader, Read, Write};

use serde::Serialize;

use crate::control::Pick;
use crate::lookup::PayloadLookup;
use collate::{Collator, Envelope};
use scanlog::{HashingReader, LogOptions, ScanLog, ScanLogError};
use tally::{Counts, ItemOutcome, ItemStatus, Tally};

/// The schema identifier of the JSON report.
pub const REPORT_SCHEMA: &str = "sheetseal-reconcile/1";
/// Envelopes with problems kept for the human summary (all are in the JSON report).
pub const KEPT_PROBLEM_ENVELOPES: usize = 20;

/// Why reconciliation could not run to the end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReconcileError {
    #[error(transparent)]
    Log(#[from] ScanLogError),
    #[error("cannot write the report")]
    Report(#[from] std::io::Error),
}

/// The whole job at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Every item complete and every envelope complete.
    pub complete: bool,
    pub items: usize,
    pub items_complete: usize,
    pub items_incomplete: usize,
    pub items_duplicated: usize,
    pub items_never_seen: usize,
    #[serde(flatten)]
    pub counts: Counts,
    /// The scan log's size and SHA-256.
    pub scans_bytes: u64,
    pub scans_sha256: String,
}

/// What reconciliation found.
#[derive(Debug, Clone)]
pub struct ReconcileOutcome {
    pub summary: Summary,
    pub items: Vec<ItemOutcome>,
    /// The first envelopes with problems.
    pub problem_envelopes: Vec<Envelope>,
}

impl ReconcileOutcome {
    /// Items to reprint: those no envelope holds whole and alone, including those never seen;
    /// the reason lists their problems.
    pub fn reprint(&self) -> Vec<Pick> {
        self.items
            .iter()
            .filter(|i| matches!(i.status, ItemStatus::Incomplete | ItemStatus::NeverSeen))
            .map(|i| Pick { item_seq: i.seq, reason: i.problems.join("+") })
            .collect()
    }
}

/// Reads the scan log `scans` against the first job of `lookup` (the others are jobs whose
/// sheets may turn up by mistake) and streams the JSON report into `report`, if one is given.
pub fn reconcile<R: Read, W: Write>(
    lookup: &PayloadLookup,
    scans: R,
    options: LogOptions,
    report: Option<W>,
) -> Result<(Option<W>, ReconcileOutcome), ReconcileError> {
    let job = &lookup.jobs()[0];
    let manifest = &job.manifest;
    let mut log = ScanLog::new(BufReader::with_capacity(256 * 1024, HashingReader::new(scans)), options)?;
    let mut collator = Collator::new(lookup);
    let mut tally = Tally::new(manifest);
    let mut problem_envelopes = Vec::new();
    let mut report = report.map(ReportWriter::new);
    if let Some(report) = &mut report {
        report.start(&ReportHeader {
            schema: REPORT_SCHEMA,
            job: &manifest.job,
            account: manifest.account.as_deref(),
            manifest_sha256: &job.manifest_sha256,
            other_jobs: lookup.jobs()[1..].iter().map(|j| j.manifest.job.as_str()).collect(),
        })?;
    }
    let mut close = |envelope: Envelope| -> std::io::Result<()> {
        tally.add(&envelope);
        if let Some(report) = &mut report {
            report.element(&envelope)?;
        }
        if !envelope.complete && problem_envelopes.len() < KEPT_PROBLEM_ENVELOPES {
            problem_envelopes.push(envelope);
        }
        Ok(())
    };
    for read in log.by_ref() {
        if let Some(envelope) = collator.push(read?) {
            close(envelope)?;
        }
    }
    if let Some(envelope) = collator.finish() {
        close(envelope)?;
    }

    let items = tally.items(manifest);
    let count = |status| items.iter().filter(|i| i.status == status).count();
    let (scans_bytes, scans_sha256) = log.get_ref().get_ref().digest();
    let counts = tally.counts;
    let summary = Summary {
        complete: items.iter().all(|i| i.status == ItemStatus::Complete)
            && counts.envelopes == counts.envelopes_complete,
        items: items.len(),
        items_complete: count(ItemStatus::Complete),
        items_incomplete: count(ItemStatus::Incomplete),
        items_duplicated: count(ItemStatus::Duplicated),
        items_never_seen: count(ItemStatus::NeverSeen),
        counts,
        scans_bytes,
        scans_sha256,
    };
    let report = match report {
        Some(report) => Some(report.finish(&items, &summary)?),
        None => None,
    };
    Ok((report, ReconcileOutcome { summary, items, problem_envelopes }))
}

#[derive(Serialize)]
struct ReportHeader<'a> {
    schema: &'static str,
    job: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
    manifest_sha256: &'a str,
    other_jobs: Vec<&'a str>,
}

/// The JSON report, written as it goes: header fields, the envelopes one by one, then the
/// items and the summary.
struct ReportWriter<W: Write> {
    out: W,
    elements: u64,
}

impl<W: Write> ReportWriter<W> {
    fn new(out: W) -> Self {
        ReportWriter { out, elements: 0 }
    }

    fn start(&mut self, header: &ReportHeader) -> std::io::Result<()> {
        let header = serde_json::to_string(header).map_err(std::io::Error::other)?;
        // The header object, left open for the arrays.
        self.out.write_all(&header.as_bytes()[..header.len() - 1])?;
        self.out.write_all(b",\"envelopes\":[")
    }

    fn element<T: Serialize>(&mut self, value: &T) -> std::io::Result<()> {
        self.out.write_all(if self.elements == 0 { b"\n" } else { b",\n" })?;
        self.elements += 1;
        serde_json::to_writer(&mut self.out, value).map_err(std::io::Error::other)
    }

    fn finish(mut self, items: &[ItemOutcome], summary: &Summary) -> std::io::Result<W> {
        self.out.write_all(b"\n],\"items\":[")?;
        self.elements = 0;
        for item in items {
            self.element(item)?;
        }
        self.out.write_all(b"\n],\"summary\":")?;
        serde_json::to_writer_pretty(&mut self.out, summary).map_err(std::io::Error::other)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}
