//! What happened to every item, gathered from the envelopes as they close: memory is a few words
//! an item of the manifest, whatever the length of the log.

use std::collections::BTreeMap;

use serde::Serialize;

use super::collate::Envelope;
use crate::manifest::Manifest;

/// Envelope numbers listed per item in the report; more are counted.
const LISTED_ENVELOPES: usize = 8;

/// Item problems beyond those of its own envelope.
const IN_OTHER_ENVELOPE: &str = "in-other-envelope";
const SEVERAL_ENVELOPES: &str = "several-envelopes";
const NEVER_SEEN: &str = "never-seen";

/// Every problem code an item can carry, in report order.
const CODES: [&str; 11] = [
    "missing-sheet",
    "duplicate-sheet",
    "out-of-order",
    "other-item",
    "other-job",
    "other-account",
    "unknown-payload",
    "no-read",
    IN_OTHER_ENVELOPE,
    SEVERAL_ENVELOPES,
    NEVER_SEEN,
];

fn bit(code: &str) -> u16 {
    1 << CODES.iter().position(|c| *c == code).expect("a known problem code")
}

/// Where an item stands after the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStatus {
    /// Exactly one envelope, with exactly its sheets, in order.
    Complete,
    /// No envelope holds it whole and alone: reprint it (and pull what was inserted).
    Incomplete,
    /// One good envelope, but its sheets were also read elsewhere: pull the extra envelope(s).
    Duplicated,
    /// None of its sheets was read.
    NeverSeen,
}

#[derive(Debug, Clone, Default)]
struct ItemTally {
    envelopes: u32,
    clean: u32,
    flags: u16,
    listed: Vec<u64>,
}

/// An item's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct ItemOutcome {
    pub seq: usize,
    pub id: String,
    pub sheets: usize,
    pub status: ItemStatus,
    pub problems: Vec<&'static str>,
    /// Envelopes (numbers) holding its sheets, the first few.
    pub envelopes: Vec<u64>,
    pub envelope_count: u32,
}

/// Counts over the whole log.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub reads: u64,
    pub sheet_reads: u64,
    pub no_reads: u64,
    pub unknown_reads: u64,
    pub other_job_reads: u64,
    pub envelopes: u64,
    pub envelopes_complete: u64,
    /// Envelopes with each problem.
    pub envelope_problems: BTreeMap<&'static str, u64>,
}

/// The running tally.
pub struct Tally {
    items: Vec<ItemTally>,
    pub counts: Counts,
}

impl Tally {
    pub fn new(manifest: &Manifest) -> Self {
        Tally { items: vec![ItemTally::default(); manifest.items.len()], counts: Counts::default() }
    }

    pub fn add(&mut self, envelope: &Envelope) {
        let c = &mut self.counts;
        c.envelopes += 1;
        c.envelopes_complete += envelope.complete as u64;
        for problem in &envelope.problems {
            *c.envelope_problems.entry(problem.code()).or_insert(0) += 1;
        }
        for read in &envelope.reads {
            c.reads += 1;
            match read {
                super::collate::EnvelopeRead::Sheet { .. } => c.sheet_reads += 1,
                super::collate::EnvelopeRead::OtherJob { .. } => c.other_job_reads += 1,
                super::collate::EnvelopeRead::Unknown { .. } => c.unknown_reads += 1,
                super::collate::EnvelopeRead::NoRead { .. } => c.no_reads += 1,
            }
        }
        let envelope_flags = envelope.problems.iter().fold(0u16, |f, p| f | bit(p.code()));
        for &item in &envelope.items {
            let tally = &mut self.items[item - 1];
            tally.envelopes += 1;
            if tally.listed.len() < LISTED_ENVELOPES {
                tally.listed.push(envelope.envelope);
            }
            if envelope.item == Some(item) {
                tally.flags |= envelope_flags;
                tally.clean += envelope.complete as u32;
            } else {
                tally.flags |= bit(IN_OTHER_ENVELOPE);
            }
            if tally.envelopes > 1 {
                tally.flags |= bit(SEVERAL_ENVELOPES);
            }
        }
    }

    /// Every item's outcome, in job order.
    pub fn items(&self, manifest: &Manifest) -> Vec<ItemOutcome> {
        self.items
            .iter()
            .zip(&manifest.items)
            .map(|(tally, item)| {
                let flags = if tally.envelopes == 0 { bit(NEVER_SEEN) } else { tally.flags };
                let status = match (tally.envelopes, tally.clean) {
                    (0, _) => ItemStatus::NeverSeen,
                    (_, 0) => ItemStatus::Incomplete,
                    (1, 1) => ItemStatus::Complete,
                    _ => ItemStatus::Duplicated,
                };
                ItemOutcome {
                    seq: item.seq,
                    id: item.id.clone(),
                    sheets: item.sheets,
                    status,
                    problems: CODES
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| flags & (1 << i) != 0)
                        .map(|(_, c)| *c)
                        .collect(),
                    envelopes: tally.listed.clone(),
                    envelope_count: tally.envelopes,
                }
            })
            .collect()
    }
}
