//! Inserter control files: a job's sheets or envelopes as records, for the mail house's inserter
//! software (a "mail run data file"), and reprint lists in the same formats (docs/export.md).
//!
//! ```no_run
//! use sheetseal_core::control::{write_control, ControlSpec, Per};
//! use sheetseal_core::jobdir::JobDir;
//!
//! let job = JobDir::open("job42".as_ref())?;
//! let spec = ControlSpec { per: Per::Envelope, format: "fixed:item_seq:6,sheets:2".parse()?, fields: None };
//! let (bytes, records) = write_control(&job, &spec, None, None, Vec::new())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod fields;
pub mod format;

use std::io::Write;

pub use fields::{Field, Per, Value};
pub use format::Format;

use crate::jobdir::{JobDir, JobDirError};
use fields::{Numbering, Subject};
use format::RecordWriter;

/// What to write.
#[derive(Debug, Clone)]
pub struct ControlSpec {
    pub per: Per,
    pub format: Format,
    /// The fields of every record; `None` for the defaults (fixed-width formats name their own).
    pub fields: Option<Vec<Field>>,
}

/// An item chosen for a list, and why (reprint lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub item_seq: usize,
    pub reason: String,
}

/// Why a control file cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    #[error("field {field} does not exist in per-{per} records")]
    FieldNotHere { field: String, per: &'static str },
    #[error("field {0} only exists in reprint lists")]
    ReprintOnly(String),
    #[error("no item of the job has metadata key '{key}'{known}")]
    NoSuchMetadata { key: String, known: String },
    #[error("record {record}, field {field}: '{value}' is longer than its {width} characters; widen the slot (a fixed-width file never truncates an identifier)")]
    TooWide { record: usize, field: String, value: String, width: usize },
    #[error("record {record}, field {field}: the value is not ASCII, which fixed-width files carry")]
    NotAscii { record: usize, field: String },
    #[error("item {0} is not in the job")]
    NoSuchItem(usize),
    #[error(transparent)]
    JobDir(#[from] JobDirError),
    #[error("cannot write the records")]
    Io(#[from] std::io::Error),
    #[error("cannot write the records")]
    Csv(#[from] csv::Error),
}

/// Writes one record per sheet or per envelope of `job` to `out`: every item, or the `picks`
/// (with their reasons), renumbered into `child_job` when one is given (an open-loop reprint).
/// Returns the output and the number of records.
pub fn write_control<W: Write>(
    job: &JobDir,
    spec: &ControlSpec,
    picks: Option<&[Pick]>,
    child_job: Option<&str>,
    out: W,
) -> Result<(W, usize), ControlError> {
    let m = &job.manifest;
    let fields = spec.format.own_fields().or_else(|| spec.fields.clone()).unwrap_or_else(|| {
        let mut defaults = Field::defaults(spec.per, m.account.is_some());
        if picks.is_some() {
            defaults.push(Field::Reason);
        }
        if child_job.is_some() {
            defaults.extend([Field::ParentJob, Field::ParentItemSeq]);
            if spec.per == Per::Sheet {
                defaults.push(Field::ParentPayload);
            }
        }
        defaults
    });
    check_fields(&fields, spec.per, picks.is_some() || child_job.is_some())?;
    let metadata = if fields.iter().any(|f| matches!(f, Field::Metadata(_))) {
        let metadata = job.item_metadata()?;
        check_metadata_keys(&fields, &metadata)?;
        Some(metadata)
    } else {
        None
    };
    let all: Vec<Pick>;
    let picks = match picks {
        Some(picks) => picks,
        None => {
            all = m.items.iter().map(|i| Pick { item_seq: i.seq, reason: String::new() }).collect();
            &all
        }
    };
    let listing_reasons = fields.contains(&Field::Reason);
    let mut writer = RecordWriter::new(spec.format.clone(), fields.clone(), out)?;
    let mut child_first_sheet = 1;
    let mut values = Vec::new();
    for (position, pick) in picks.iter().enumerate() {
        let item = pick
            .item_seq
            .checked_sub(1)
            .and_then(|i| m.items.get(i))
            .ok_or(ControlError::NoSuchItem(pick.item_seq))?;
        let subject = |sheet| Subject {
            manifest: m,
            item,
            sheet,
            metadata: metadata.as_ref().and_then(|all| all.get(item.seq - 1)).and_then(Option::as_ref),
            reason: listing_reasons.then_some(pick.reason.as_str()),
            numbering: Numbering { child_job, child_item_seq: position + 1, child_first_sheet },
        };
        match spec.per {
            Per::Envelope => {
                let subject = subject(None);
                values.clear();
                values.extend(fields.iter().map(|f| subject.value(f)));
                writer.write(&values)?;
            }
            Per::Sheet => {
                let first = item.first_sheet - 1;
                for sheet in &m.sheets[first..first + item.sheets] {
                    let subject = subject(Some(sheet));
                    values.clear();
                    values.extend(fields.iter().map(|f| subject.value(f)));
                    writer.write(&values)?;
                }
            }
        }
        child_first_sheet += item.sheets;
    }
    writer.finish()
}

fn check_fields(fields: &[Field], per: Per, reprint: bool) -> Result<(), ControlError> {
    let per_name = match per {
        Per::Sheet => "sheet",
        Per::Envelope => "envelope",
    };
    for field in fields {
        if !field.fits(per) {
            return Err(ControlError::FieldNotHere { field: field.name(), per: per_name });
        }
        let reprint_only =
            matches!(field, Field::Reason | Field::ParentJob | Field::ParentItemSeq | Field::ParentPayload);
        if reprint_only && !reprint {
            return Err(ControlError::ReprintOnly(field.name()));
        }
    }
    Ok(())
}

fn check_metadata_keys(
    fields: &[Field],
    metadata: &[Option<std::collections::BTreeMap<String, serde_json::Value>>],
) -> Result<(), ControlError> {
    for field in fields {
        if let Field::Metadata(key) = field {
            if !metadata.iter().flatten().any(|m| m.contains_key(key)) {
                let mut keys: Vec<&String> = metadata.iter().flatten().flat_map(|m| m.keys()).collect();
                keys.sort();
                keys.dedup();
                let known = if keys.is_empty() {
                    " (the manifest records no item metadata)".to_string()
                } else {
                    format!(
                        " (keys: {})",
                        keys.iter().take(20).map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                    )
                };
                return Err(ControlError::NoSuchMetadata { key: key.clone(), known });
            }
        }
    }
    Ok(())
}
