//! `returns`: undelivered mail scanned back in. Each scan is looked up in the manifest; the item
//! is recorded once in the job's append-only ledger ([`ledger`]) with who and when; a second
//! scan of the same item says when it was recorded and records nothing; a payload that is no
//! sheet of the job is refused and the refusal is recorded (docs/returns.md).

pub mod ledger;

use std::collections::HashMap;
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::lookup::PayloadLookup;
use ledger::{EntryOutcome, Ledger, LedgerEntry};

/// The longest operator name.
pub const MAX_OPERATOR_LEN: usize = 64;
/// The longest payload text kept in the ledger for a refused scan.
const MAX_LOGGED_PAYLOAD: usize = 256;

/// Why the returns desk cannot work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReturnsError {
    #[error("operator '{0}' is invalid: give 1 to {MAX_OPERATOR_LEN} printable characters")]
    Operator(String),
    #[error("returns ledger {path}: {source}")]
    Ledger { path: String, source: std::io::Error },
}

/// What one scan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    /// Recorded as returned now.
    Recorded { item_seq: usize, sheet: usize, of: usize },
    /// The item was already recorded: nothing added.
    AlreadyRecorded { item_seq: usize, at: String, operator: String },
    /// Not a sheet of this job; the refusal is in the ledger.
    Refused { reason: RefusedBecause },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusedBecause {
    /// No known job has this payload.
    UnknownPayload,
    /// A sheet of another job given for comparison.
    OtherJob { job: String },
}

/// A returns session: the ledger locked, its entries read.
pub struct ReturnsDesk<'a> {
    lookup: &'a PayloadLookup<'a>,
    ledger: Ledger,
    operator: String,
    /// Item seq to (when, who) of its returned entry.
    returned: HashMap<usize, (String, String)>,
    /// Ledger lines that are not entries.
    pub damaged_lines: Vec<u64>,
}

impl<'a> ReturnsDesk<'a> {
    /// Locks the ledger of the first job of `lookup` (waiting for another session to finish)
    /// and reads what it holds.
    pub fn open(lookup: &'a PayloadLookup<'a>, operator: &str) -> Result<Self, ReturnsError> {
        let operator = operator.trim();
        if operator.is_empty()
            || operator.chars().count() > MAX_OPERATOR_LEN
            || operator.chars().any(char::is_control)
        {
            return Err(ReturnsError::Operator(
                operator.chars().filter(|c| !c.is_control()).take(40).collect(),
            ));
        }
        let job = &lookup.jobs()[0];
        let ledger_err = |source| ReturnsError::Ledger {
            path: job.dir.join(ledger::LEDGER_FILE).display().to_string(),
            source,
        };
        let mut ledger = Ledger::lock(&job.dir).map_err(ledger_err)?;
        let (entries, damaged_lines) = ledger.read().map_err(ledger_err)?;
        let mut returned = HashMap::new();
        for entry in entries {
            let ours = entry.job == job.manifest.job && entry.outcome == EntryOutcome::Returned;
            if let (true, Some(seq), Some(id)) = (ours, entry.item_seq, &entry.item_id) {
                let same_item = job.manifest.items.get(seq.wrapping_sub(1)).is_some_and(|i| i.id == *id);
                if same_item {
                    returned.entry(seq).or_insert((entry.at, entry.operator));
                }
            }
        }
        Ok(ReturnsDesk { lookup, ledger, operator: operator.to_string(), returned, damaged_lines })
    }

    /// Handles one scan.
    pub fn scan(&mut self, payload: &str) -> Result<ScanOutcome, ReturnsError> {
        let job = &self.lookup.jobs()[0];
        let at = now();
        let payload = payload.trim();
        let mut entry = LedgerEntry {
            at: at.clone(),
            operator: self.operator.clone(),
            payload: payload.chars().filter(|c| !c.is_control()).take(MAX_LOGGED_PAYLOAD).collect(),
            outcome: EntryOutcome::Returned,
            job: job.manifest.job.clone(),
            manifest_sha256: job.manifest_sha256.clone(),
            item_seq: None,
            item_id: None,
            sheet: None,
            reason: None,
            other_job: None,
        };
        let outcome = match self.lookup.get(payload) {
            Some(found) if found.job == 0 => {
                let sheet = self.lookup.sheet(found);
                if let Some((at, operator)) = self.returned.get(&sheet.item_seq) {
                    return Ok(ScanOutcome::AlreadyRecorded {
                        item_seq: sheet.item_seq,
                        at: at.clone(),
                        operator: operator.clone(),
                    });
                }
                entry.item_seq = Some(sheet.item_seq);
                entry.item_id = Some(sheet.item_id.clone());
                entry.sheet = Some(sheet.sheet);
                self.returned.insert(sheet.item_seq, (at, self.operator.clone()));
                ScanOutcome::Recorded { item_seq: sheet.item_seq, sheet: sheet.sheet, of: sheet.of }
            }
            Some(found) => {
                let other = self.lookup.job(found).manifest.job.clone();
                entry.outcome = EntryOutcome::Refused;
                entry.reason = Some("other-job".to_string());
                entry.other_job = Some(other.clone());
                ScanOutcome::Refused { reason: RefusedBecause::OtherJob { job: other } }
            }
            None => {
                entry.outcome = EntryOutcome::Refused;
                entry.reason = Some("unknown-payload".to_string());
                ScanOutcome::Refused { reason: RefusedBecause::UnknownPayload }
            }
        };
        self.ledger.append(&entry).map_err(|source| self.error(source))?;
        Ok(outcome)
    }

    /// Flushes the ledger to disk and releases it.
    pub fn close(self) -> Result<(), ReturnsError> {
        let path = self.ledger.path().display().to_string();
        self.ledger.close().map_err(|source| ReturnsError::Ledger { path, source })
    }

    fn error(&self, source: std::io::Error) -> ReturnsError {
        ReturnsError::Ledger { path: self.ledger.path().display().to_string(), source }
    }
}

/// The current time, UTC, RFC 3339 with milliseconds.
fn now() -> String {
    DateTime::<Utc>::from(SystemTime::now()).to_rfc3339_opts(SecondsFormat::Millis, true)
}
