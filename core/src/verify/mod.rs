//! `verify`: the closed-loop check of a finished job before it goes to the printer.
//!
//! The manifest must agree with itself ([`crate::manifest_check`]); every output must be present
//! with the size, SHA-256 and page count recorded; every sheet's mark, rendered from the PDF by
//! pdfium and decoded by rxing ([`marks`]), must read exactly the payload the manifest gives that
//! sheet, in the manifest's order; inputs still present must match their records (page
//! conservation against the inputs). Every disagreement is a [`Finding`] naming the sheet or
//! file (docs/verify.md).

pub mod decode;
pub mod files;
pub mod marks;

use std::collections::HashMap;

use serde::Serialize;

use crate::jobdir::JobDir;
use crate::lookup::PayloadLookup;
use files::{FileCheck, FileState};
use marks::{MarkRead, MarkResult};

/// The schema identifier of the JSON report.
pub const REPORT_SCHEMA: &str = "sheetseal-verify/1";

/// What a disagreement is about; stable codes (docs/verify.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingCode {
    /// The manifest contradicts itself: edited by hand or damaged.
    ManifestInconsistent,
    OutputMissing,
    OutputUnreadable,
    /// The output's size differs from the manifest's.
    OutputSize,
    /// The output's SHA-256 differs from the manifest's.
    OutputSha256,
    /// The output's page count differs from the manifest's.
    OutputPages,
    /// The sheet's mark reads the payload of another sheet of the job.
    MarkWrong,
    /// The sheet's mark reads a payload the job does not have.
    MarkForeign,
    /// No readable mark where the sheet's mark should be.
    MarkUnreadable,
    /// The page that should carry the sheet's front is not in the output.
    MarkPageMissing,
    InputSize,
    InputSha256,
    InputPages,
}

impl FindingCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::ManifestInconsistent => "manifest-inconsistent",
            FindingCode::OutputMissing => "output-missing",
            FindingCode::OutputUnreadable => "output-unreadable",
            FindingCode::OutputSize => "output-size",
            FindingCode::OutputSha256 => "output-sha256",
            FindingCode::OutputPages => "output-pages",
            FindingCode::MarkWrong => "mark-wrong",
            FindingCode::MarkForeign => "mark-foreign",
            FindingCode::MarkUnreadable => "mark-unreadable",
            FindingCode::MarkPageMissing => "mark-page-missing",
            FindingCode::InputSize => "input-size",
            FindingCode::InputSha256 => "input-sha256",
            FindingCode::InputPages => "input-pages",
        }
    }
}

/// One disagreement between the manifest and what is on disk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: FindingCode,
    /// The sheet (`seq`) concerned, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<usize>,
    pub message: String,
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub schema: &'static str,
    pub job: String,
    pub sheets: usize,
    /// Marks that read exactly the manifest's payload.
    pub marks_matched: usize,
    pub outputs: Vec<FileCheck>,
    pub inputs: Vec<FileCheck>,
    pub findings: Vec<Finding>,
    /// What could not be checked, and why (absent inputs are normal: they are deleted after
    /// printing).
    pub notes: Vec<String>,
}

impl VerifyReport {
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    /// How many findings of each code, in code order.
    pub fn tally(&self) -> Vec<(FindingCode, usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for f in &self.findings {
            *counts.entry(f.code).or_insert(0) += 1;
        }
        counts.into_iter().collect()
    }
}

/// Builds the report from the file checks and the marks read (in any order, one per sheet).
pub fn report(
    job: &JobDir,
    outputs: Vec<FileCheck>,
    inputs: Vec<FileCheck>,
    reads: &[MarkRead],
) -> VerifyReport {
    let m = &job.manifest;
    let mut findings: Vec<Finding> = job
        .problems()
        .into_iter()
        .map(|p| Finding { code: FindingCode::ManifestInconsistent, sheet: p.sheet, message: p.to_string() })
        .collect();
    let mut notes = Vec::new();

    for check in &outputs {
        let o = &m.outputs[check.index];
        compare_file(check, Role::Output, (o.bytes, &o.sha256, o.pages), &mut findings, &mut notes);
    }
    for check in &inputs {
        let i = &m.inputs[check.index];
        compare_file(check, Role::Input, (i.bytes, &i.sha256, i.pages), &mut findings, &mut notes);
    }

    let marks_matched = compare_marks(job, reads, &mut findings);
    VerifyReport {
        schema: REPORT_SCHEMA,
        job: m.job.clone(),
        sheets: m.sheets.len(),
        marks_matched,
        outputs,
        inputs,
        findings,
        notes,
    }
}

/// Outputs must be there and readable; inputs are usually deleted after printing, so an input
/// that cannot be checked is a note, one that differs a finding.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Output,
    Input,
}

/// A file against its record: size, SHA-256 and page count.
fn compare_file(
    check: &FileCheck,
    role: Role,
    (want_bytes, want_sha256, want_pages): (u64, &str, usize),
    findings: &mut Vec<Finding>,
    notes: &mut Vec<String>,
) {
    use FindingCode::*;
    let (name, [size, hash, page_count]) = match role {
        Role::Output => (check.path.display().to_string(), [OutputSize, OutputSha256, OutputPages]),
        Role::Input => (format!("input {}", check.path.display()), [InputSize, InputSha256, InputPages]),
    };
    // (code, message, whether it says the file differs rather than that it could not be checked)
    let mut found: Vec<(FindingCode, String, bool)> = Vec::new();
    match &check.state {
        FileState::Absent => {
            let message = match role {
                Role::Output => format!("{name} is missing"),
                Role::Input => {
                    format!("{name} is not present: page conservation checked against the manifest's records only")
                }
            };
            found.push((OutputMissing, message, false));
        }
        FileState::Unreadable { detail } => {
            found.push((OutputUnreadable, format!("{name} cannot be read: {detail}"), false))
        }
        FileState::Read { bytes, sha256, pages, pages_error } => {
            if *bytes != want_bytes {
                found.push((size, format!("{name} has {bytes} bytes, the manifest says {want_bytes}"), true));
            }
            if sha256 != want_sha256 {
                found.push((
                    hash,
                    format!("{name} has SHA-256 {sha256}, the manifest says {want_sha256}"),
                    true,
                ));
            }
            match pages {
                Some(pages) if *pages != want_pages => found.push((
                    page_count,
                    format!("{name} has {pages} pages, the manifest says {want_pages}"),
                    true,
                )),
                Some(_) => {}
                None => found.push((
                    OutputUnreadable,
                    format!("{name}: pages not counted: {}", pages_error.as_deref().unwrap_or("unknown")),
                    false,
                )),
            }
        }
    }
    for (code, message, differs) in found {
        if differs || role == Role::Output {
            findings.push(Finding { code, sheet: None, message });
        } else {
            notes.push(message);
        }
    }
}

/// Each sheet's mark against its payload; returns how many matched. Sheets in a row whose
/// output cannot be rendered for the same reason make one finding.
fn compare_marks(job: &JobDir, reads: &[MarkRead], findings: &mut Vec<Finding>) -> usize {
    let jobs = std::slice::from_ref(job);
    // One job: payload collisions are within it, reported by the manifest check, never an error.
    let lookup = PayloadLookup::new(jobs).ok();
    let by_sheet: HashMap<usize, &MarkResult> = reads.iter().map(|r| (r.sheet, &r.result)).collect();
    let mut matched = 0;
    let mut unrenderable: Option<(usize, usize, &str)> = None;
    let flush = |run: &mut Option<(usize, usize, &str)>, findings: &mut Vec<Finding>| {
        if let Some((first, last, detail)) = run.take() {
            let sheets = if first == last {
                "its mark".to_string()
            } else {
                format!("the marks of sheets {first}-{last}")
            };
            findings.push(Finding {
                code: FindingCode::OutputUnreadable,
                sheet: Some(first),
                message: format!("{sheets} cannot be rendered: {detail}"),
            });
        }
    };
    for sheet in &job.manifest.sheets {
        let result = by_sheet.get(&sheet.seq);
        if let Some(MarkResult::OutputUnreadable { detail }) = result {
            match &mut unrenderable {
                Some((_, last, same)) if *same == detail.as_str() && *last + 1 == sheet.seq => {
                    *last = sheet.seq
                }
                _ => {
                    flush(&mut unrenderable, findings);
                    unrenderable = Some((sheet.seq, sheet.seq, detail.as_str()));
                }
            }
            continue;
        }
        flush(&mut unrenderable, findings);
        let mut find =
            |code, message: String| findings.push(Finding { code, sheet: Some(sheet.seq), message });
        match result {
            Some(MarkResult::Decoded { text }) if *text == sheet.payload => matched += 1,
            Some(MarkResult::Decoded { text }) => match lookup.as_ref().and_then(|l| l.get(text).map(|at| l.sheet(at))) {
                Some(other) => find(
                    FindingCode::MarkWrong,
                    format!(
                        "the mark on page {} reads '{text}', the mark of sheet {} (item '{}', sheet {} of {}); expected '{}'",
                        sheet.front_page, other.seq, other.item_id, other.sheet, other.of, sheet.payload
                    ),
                ),
                None => find(
                    FindingCode::MarkForeign,
                    format!(
                        "the mark on page {} reads '{text}', which is no sheet of job {}; expected '{}'",
                        sheet.front_page, job.manifest.job, sheet.payload
                    ),
                ),
            },
            Some(MarkResult::Unreadable) => find(
                FindingCode::MarkUnreadable,
                format!("no readable mark on page {} where '{}' should be", sheet.front_page, sheet.payload),
            ),
            Some(MarkResult::PageMissing { pages }) => find(
                FindingCode::MarkPageMissing,
                format!("its front should be page {}, but the output has {pages} pages", sheet.front_page),
            ),
            Some(MarkResult::OutputUnreadable { .. }) => unreachable!("handled above"),
            None => find(FindingCode::MarkUnreadable, "its mark was not read".to_string()),
        }
    }
    flush(&mut unrenderable, findings);
    matched
}
