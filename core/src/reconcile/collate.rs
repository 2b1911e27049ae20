//! Groups camera reads into envelopes the way a file-based inserter does: each read is looked up
//! in the manifest (payload to sheet, n of m) and the envelope closes after the read of an
//! item's last sheet. Line breaks and markers in the log never decide a group. Then each
//! envelope is judged: one item's sheets 1..m, once each, in order, and nothing else.

use serde::Serialize;

use super::scanlog::ScanRead;
use crate::lookup::{PayloadLookup, SheetRef};

/// The longest payload text kept in a report for an unknown read.
const MAX_SHOWN_PAYLOAD: usize = 64;

/// One read as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "read", rename_all = "kebab-case")]
pub enum EnvelopeRead {
    /// A sheet of this job.
    Sheet { line: u64, sheet_seq: usize, item: usize, sheet: usize, of: usize },
    /// A sheet of another job given for comparison.
    OtherJob { line: u64, job: String, item_id: String, sheet: usize, of: usize },
    /// A payload no known job has.
    Unknown { line: u64, payload: String },
    /// The camera read nothing.
    NoRead { line: u64 },
}

/// What is wrong with an envelope; stable codes (docs/reconcile.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum Problem {
    /// Sheets of its item that were not read in it.
    MissingSheet { sheets: Vec<usize> },
    /// Sheets of its item read more than once (double feed, re-read).
    DuplicateSheet { sheets: Vec<usize> },
    /// Its item's sheets were read in this order, not 1..m.
    OutOfOrder { order: Vec<usize> },
    /// Sheets of other items of this job in it.
    OtherItem { items: Vec<usize> },
    /// Sheets of another job (of the same account, or accounts not recorded).
    OtherJob { jobs: Vec<String> },
    /// Sheets of a job of another account: two customers in one envelope.
    OtherAccount { accounts: Vec<String> },
    /// Reads that are no sheet of any known job.
    UnknownPayload { count: usize },
    /// Failed reads in it: sheets that cannot be accounted for.
    NoRead { count: usize },
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::MissingSheet { .. } => "missing-sheet",
            Problem::DuplicateSheet { .. } => "duplicate-sheet",
            Problem::OutOfOrder { .. } => "out-of-order",
            Problem::OtherItem { .. } => "other-item",
            Problem::OtherJob { .. } => "other-job",
            Problem::OtherAccount { .. } => "other-account",
            Problem::UnknownPayload { .. } => "unknown-payload",
            Problem::NoRead { .. } => "no-read",
        }
    }
}

/// What ended an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Closure {
    /// The read of an item's last sheet.
    EndOfCollation,
    /// The log ended first.
    LogEnded,
    /// More reads than any envelope of the job can hold, without an end of collation.
    TooManyReads,
}

/// One envelope as reconstructed from the log.
#[derive(Debug, Clone, Serialize)]
pub struct Envelope {
    /// 1-based position in the log.
    pub envelope: u64,
    /// First and last line of the log it covers.
    pub lines: [u64; 2],
    /// The inserter's marker on its first and last read, when the log has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markers: Option<[String; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamps: Option<[String; 2]>,
    /// The item it was collated for (the item of this job with most sheets in it).
    pub item: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    pub complete: bool,
    pub problems: Vec<Problem>,
    pub closed_by: Closure,
    pub reads: Vec<EnvelopeRead>,
    /// The distinct items of this job with sheets in it, in reading order.
    #[serde(skip)]
    pub items: Vec<usize>,
}

/// Builds envelopes from reads, one at a time.
pub struct Collator<'a> {
    lookup: &'a PayloadLookup<'a>,
    reads: Vec<(ScanRead, Option<SheetRef>)>,
    number: u64,
    max_reads: usize,
}

impl<'a> Collator<'a> {
    pub fn new(lookup: &'a PayloadLookup<'a>) -> Self {
        let job = &lookup.jobs()[0].manifest;
        let largest = job.items.iter().map(|i| i.sheets).max().unwrap_or(1);
        Collator { lookup, reads: Vec::new(), number: 0, max_reads: 2 * largest + 16 }
    }

    /// Adds a read; returns the envelope it closes, if it closes one.
    pub fn push(&mut self, read: ScanRead) -> Option<Envelope> {
        let at = read.payload.as_deref().and_then(|p| self.lookup.get(p));
        let end_of_collation = at.is_some_and(|at| {
            let sheet = self.lookup.sheet(at);
            at.job == 0 && sheet.sheet == sheet.of
        });
        self.reads.push((read, at));
        if end_of_collation {
            Some(self.close(Closure::EndOfCollation))
        } else if self.reads.len() >= self.max_reads {
            Some(self.close(Closure::TooManyReads))
        } else {
            None
        }
    }

    /// Closes the envelope still open when the log ends.
    pub fn finish(&mut self) -> Option<Envelope> {
        (!self.reads.is_empty()).then(|| self.close(Closure::LogEnded))
    }

    fn close(&mut self, closed_by: Closure) -> Envelope {
        self.number += 1;
        let reads = std::mem::take(&mut self.reads);
        let lookup = self.lookup;
        let main = &lookup.jobs()[0].manifest;
        let pair = |f: fn(&ScanRead) -> Option<&String>| {
            let first = reads.iter().find_map(|(r, _)| f(r))?;
            let last = reads.iter().rev().find_map(|(r, _)| f(r))?;
            Some([first.clone(), last.clone()])
        };
        let markers = pair(|r| r.marker.as_ref());
        let timestamps = pair(|r| r.timestamp.as_ref());

        // Items of this job in reading order, with how many reads each.
        let mut items: Vec<(usize, usize)> = Vec::new();
        for (_, at) in &reads {
            if let Some(at) = at.filter(|at| at.job == 0) {
                let item = lookup.sheet(at).item_seq;
                match items.iter_mut().find(|(i, _)| *i == item) {
                    Some((_, count)) => *count += 1,
                    None => items.push((item, 1)),
                }
            }
        }
        let owner = items.iter().fold(None, |best: Option<(usize, usize)>, &(item, count)| match best {
            Some((_, most)) if most >= count => best,
            _ => Some((item, count)),
        });
        let owner = owner.map(|(item, _)| item);

        let mut problems = Vec::new();
        if let Some(owner) = owner {
            let of = main.items[owner - 1].sheets;
            let order: Vec<usize> = reads
                .iter()
                .filter_map(|(_, at)| at.filter(|at| at.job == 0))
                .map(|at| lookup.sheet(at))
                .filter(|s| s.item_seq == owner)
                .map(|s| s.sheet)
                .collect();
            let mut seen = vec![0usize; of + 1];
            for &n in &order {
                seen[n.min(of)] += 1;
            }
            let missing: Vec<usize> = (1..=of).filter(|&n| seen[n] == 0).collect();
            let duplicate: Vec<usize> = (1..=of).filter(|&n| seen[n] > 1).collect();
            // A sheet read twice in a row (double feed) is a duplicate, not disorder.
            let mut collapsed = order.clone();
            collapsed.dedup();
            let in_order = collapsed.windows(2).all(|w| w[0] < w[1]);
            if !missing.is_empty() {
                problems.push(Problem::MissingSheet { sheets: missing });
            }
            if !duplicate.is_empty() {
                problems.push(Problem::DuplicateSheet { sheets: duplicate });
            }
            if !in_order {
                problems.push(Problem::OutOfOrder { order });
            }
        }
        let others: Vec<usize> = items.iter().map(|&(i, _)| i).filter(|&i| Some(i) != owner).collect();
        if !others.is_empty() {
            problems.push(Problem::OtherItem { items: others });
        }
        let (mut jobs, mut accounts) = (Vec::new(), Vec::new());
        for at in reads.iter().filter_map(|(_, at)| *at).filter(|at| at.job != 0) {
            let other = &lookup.job(at).manifest;
            match (&main.account, &other.account) {
                (Some(ours), Some(theirs)) if ours != theirs => push_unique(&mut accounts, theirs),
                _ => push_unique(&mut jobs, &other.job),
            }
        }
        if !jobs.is_empty() {
            problems.push(Problem::OtherJob { jobs });
        }
        if !accounts.is_empty() {
            problems.push(Problem::OtherAccount { accounts });
        }
        let unknown = reads.iter().filter(|(r, at)| r.payload.is_some() && at.is_none()).count();
        if unknown > 0 {
            problems.push(Problem::UnknownPayload { count: unknown });
        }
        let no_reads = reads.iter().filter(|(r, _)| r.payload.is_none()).count();
        if no_reads > 0 {
            problems.push(Problem::NoRead { count: no_reads });
        }

        let shown = reads.iter().map(|(read, at)| describe(lookup, read, *at)).collect();
        Envelope {
            envelope: self.number,
            lines: [reads.first().map_or(0, |(r, _)| r.line), reads.last().map_or(0, |(r, _)| r.line)],
            markers,
            timestamps,
            item: owner,
            item_id: owner.map(|i| main.items[i - 1].id.clone()),
            complete: owner.is_some() && problems.is_empty(),
            problems,
            closed_by,
            reads: shown,
            items: items.into_iter().map(|(i, _)| i).collect(),
        }
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

fn describe(lookup: &PayloadLookup, read: &ScanRead, at: Option<SheetRef>) -> EnvelopeRead {
    let line = read.line;
    match (at, &read.payload) {
        (Some(at), _) if at.job == 0 => {
            let s = lookup.sheet(at);
            EnvelopeRead::Sheet { line, sheet_seq: s.seq, item: s.item_seq, sheet: s.sheet, of: s.of }
        }
        (Some(at), _) => {
            let s = lookup.sheet(at);
            let job = lookup.job(at).manifest.job.clone();
            EnvelopeRead::OtherJob { line, job, item_id: s.item_id.clone(), sheet: s.sheet, of: s.of }
        }
        (None, Some(payload)) => EnvelopeRead::Unknown {
            line,
            payload: payload.chars().filter(|c| !c.is_control()).take(MAX_SHOWN_PAYLOAD).collect(),
        },
        (None, None) => EnvelopeRead::NoRead { line },
    }
}
