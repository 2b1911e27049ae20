//! The fields a control record can carry, and their values for one sheet or one envelope.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde_json::Value as Json;

use crate::manifest::{ItemRecord, Manifest, SheetRecord};

/// One record a sheet, or one record an envelope (a postal item: all its sheets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    Sheet,
    Envelope,
}

impl FromStr for Per {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "sheet" => Ok(Per::Sheet),
            "envelope" => Ok(Per::Envelope),
            other => Err(format!("'{other}': records are per sheet or per envelope")),
        }
    }
}

/// A named field of a control record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Job,
    Account,
    /// The sheet's job-wide sequence number (per sheet).
    Seq,
    ItemSeq,
    ItemId,
    /// Sheet n (per sheet).
    Sheet,
    /// ... of m (per sheet).
    Of,
    /// `Y` on an item's last sheet (end of collation), else `N` (per sheet).
    Last,
    /// The output file's path in the job folder.
    Output,
    FrontPage,
    BackPage,
    Payload,
    /// The item's sheet count (per envelope).
    Sheets,
    /// Printed source pages: on the sheet, or of the item.
    Pages,
    FirstSheet,
    LastSheet,
    FirstPayload,
    LastPayload,
    /// The input file's path as recorded.
    Input,
    /// The item's first and last source page (per envelope; per sheet: front and back).
    FirstPage,
    LastPage,
    /// Why an item is to be reprinted (reprint lists).
    Reason,
    /// The job and item the record reprints (open-loop reprint lists).
    ParentJob,
    ParentItemSeq,
    ParentPayload,
    /// A value of the item's `metadata`.
    Metadata(String),
    /// A fixed text (fixed-width specs only: `=TEXT`).
    Literal(String),
}

impl Field {
    pub fn name(&self) -> String {
        let plain = match self {
            Field::Job => "job",
            Field::Account => "account",
            Field::Seq => "seq",
            Field::ItemSeq => "item_seq",
            Field::ItemId => "item_id",
            Field::Sheet => "sheet",
            Field::Of => "of",
            Field::Last => "last",
            Field::Output => "output",
            Field::FrontPage => "front_page",
            Field::BackPage => "back_page",
            Field::Payload => "payload",
            Field::Sheets => "sheets",
            Field::Pages => "pages",
            Field::FirstSheet => "first_sheet",
            Field::LastSheet => "last_sheet",
            Field::FirstPayload => "first_payload",
            Field::LastPayload => "last_payload",
            Field::Input => "input",
            Field::FirstPage => "first_page",
            Field::LastPage => "last_page",
            Field::Reason => "reason",
            Field::ParentJob => "parent_job",
            Field::ParentItemSeq => "parent_item_seq",
            Field::ParentPayload => "parent_payload",
            Field::Metadata(key) => return format!("metadata.{key}"),
            Field::Literal(text) => return format!("={text}"),
        };
        plain.to_string()
    }

    /// Whether the field exists in records of this kind.
    pub fn fits(&self, per: Per) -> bool {
        let sheet_only = matches!(
            self,
            Field::Seq
                | Field::Sheet
                | Field::Of
                | Field::Last
                | Field::Payload
                | Field::FrontPage
                | Field::BackPage
                | Field::ParentPayload
        );
        let envelope_only = matches!(
            self,
            Field::Sheets | Field::FirstSheet | Field::LastSheet | Field::FirstPayload | Field::LastPayload
        );
        match per {
            Per::Sheet => !envelope_only,
            Per::Envelope => !sheet_only,
        }
    }

    /// The fields a record has by default.
    pub fn defaults(per: Per, has_account: bool) -> Vec<Field> {
        let mut fields = vec![Field::Job];
        if has_account {
            fields.push(Field::Account);
        }
        fields.extend(match per {
            Per::Sheet => vec![
                Field::Seq,
                Field::ItemSeq,
                Field::ItemId,
                Field::Sheet,
                Field::Of,
                Field::Last,
                Field::Output,
                Field::FrontPage,
                Field::BackPage,
                Field::Pages,
                Field::Payload,
            ],
            Per::Envelope => vec![
                Field::ItemSeq,
                Field::ItemId,
                Field::Sheets,
                Field::Pages,
                Field::FirstSheet,
                Field::LastSheet,
                Field::FirstPayload,
                Field::LastPayload,
                Field::Output,
                Field::Input,
                Field::FirstPage,
                Field::LastPage,
            ],
        });
        fields
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Field {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if let Some(key) = text.strip_prefix("metadata.") {
            return if key.is_empty() {
                Err("metadata. needs a key, e.g. metadata.postcode".to_string())
            } else {
                Ok(Field::Metadata(key.to_string()))
            };
        }
        let field = match text {
            "job" => Field::Job,
            "account" => Field::Account,
            "seq" => Field::Seq,
            "item_seq" => Field::ItemSeq,
            "item_id" => Field::ItemId,
            "sheet" => Field::Sheet,
            "of" => Field::Of,
            "last" => Field::Last,
            "output" => Field::Output,
            "front_page" => Field::FrontPage,
            "back_page" => Field::BackPage,
            "payload" => Field::Payload,
            "sheets" => Field::Sheets,
            "pages" => Field::Pages,
            "first_sheet" => Field::FirstSheet,
            "last_sheet" => Field::LastSheet,
            "first_payload" => Field::FirstPayload,
            "last_payload" => Field::LastPayload,
            "input" => Field::Input,
            "first_page" => Field::FirstPage,
            "last_page" => Field::LastPage,
            "reason" => Field::Reason,
            "parent_job" => Field::ParentJob,
            "parent_item_seq" => Field::ParentItemSeq,
            "parent_payload" => Field::ParentPayload,
            other => {
                return Err(format!(
                    "unknown field '{other}'; fields: job, account, seq, item_seq, item_id, sheet, of, last, output, \
                     front_page, back_page, payload, sheets, pages, first_sheet, last_sheet, first_payload, \
                     last_payload, input, first_page, last_page, reason, parent_job, parent_item_seq, \
                     parent_payload, metadata.KEY"
                ))
            }
        };
        Ok(field)
    }
}

/// A field's value in one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(u64),
    /// Not applicable (a simplex sheet's back page) or not known yet (an open-loop reprint's
    /// payload, known once the child job is imposed).
    Empty,
    /// A metadata value that is neither text nor a number.
    Json(Json),
}

impl Value {
    /// The value as text, as CSV and fixed-width records carry it.
    pub fn text(&self) -> String {
        match self {
            Value::Text(text) => text.clone(),
            Value::Number(n) => n.to_string(),
            Value::Empty => String::new(),
            Value::Json(json) => json.to_string(),
        }
    }

    pub fn to_json(&self) -> Json {
        match self {
            Value::Text(text) => Json::String(text.clone()),
            Value::Number(n) => Json::from(*n),
            Value::Empty => Json::Null,
            Value::Json(json) => json.clone(),
        }
    }

    fn from_json(json: Option<&Json>) -> Value {
        match json {
            None | Some(Json::Null) => Value::Empty,
            Some(Json::String(text)) => Value::Text(text.clone()),
            Some(Json::Number(n)) if n.is_u64() => Value::Number(n.as_u64().unwrap_or_default()),
            Some(other) => Value::Json(other.clone()),
        }
    }
}

/// How a record relates to the job: as printed, or renumbered into a child job (open-loop
/// reprint).
#[derive(Debug, Clone, Copy)]
pub struct Numbering<'a> {
    /// The child job's id, for an open-loop reprint.
    pub child_job: Option<&'a str>,
    /// The record's item number in the child job (1-based).
    pub child_item_seq: usize,
    /// The record's first sheet number in the child job (1-based).
    pub child_first_sheet: usize,
}

/// What one record is about.
pub struct Subject<'a> {
    pub manifest: &'a Manifest,
    pub item: &'a ItemRecord,
    /// The sheet, for a per-sheet record.
    pub sheet: Option<&'a SheetRecord>,
    pub metadata: Option<&'a BTreeMap<String, Json>>,
    pub reason: Option<&'a str>,
    pub numbering: Numbering<'a>,
}

impl Subject<'_> {
    fn item_sheets(&self) -> &[SheetRecord] {
        let first = self.item.first_sheet - 1;
        &self.manifest.sheets[first..first + self.item.sheets]
    }

    fn output_path(&self, index: usize) -> Value {
        self.manifest.outputs.get(index).map_or(Value::Empty, |o| Value::Text(o.path.clone()))
    }

    /// The value of `field` for this record.
    pub fn value(&self, field: &Field) -> Value {
        let n = |v: usize| Value::Number(v as u64);
        let text = |v: &str| Value::Text(v.to_string());
        let opt = |v: Option<usize>| v.map_or(Value::Empty, n);
        let child = self.numbering.child_job;
        let sheets = self.item_sheets();
        let (first, last) = (sheets.first(), sheets.last());
        match (field, self.sheet) {
            (Field::Job, _) => text(child.unwrap_or(&self.manifest.job)),
            (Field::Account, _) => self.manifest.account.as_deref().map_or(Value::Empty, text),
            (Field::ItemSeq, _) => {
                n(if child.is_some() { self.numbering.child_item_seq } else { self.item.seq })
            }
            (Field::ItemId, _) => text(&self.item.id),
            (Field::Input, _) => {
                self.manifest.inputs.get(self.item.input).map_or(Value::Empty, |i| text(&i.path))
            }
            (Field::Reason, _) => self.reason.map_or(Value::Empty, text),
            (Field::ParentJob, _) => child.map_or(Value::Empty, |_| text(&self.manifest.job)),
            (Field::ParentItemSeq, _) => child.map_or(Value::Empty, |_| n(self.item.seq)),
            (Field::Metadata(key), _) => Value::from_json(self.metadata.and_then(|m| m.get(key))),
            (Field::Literal(literal), _) => text(literal),
            // Per sheet.
            (Field::Seq, Some(s)) => {
                n(if child.is_some() { self.numbering.child_first_sheet + s.sheet - 1 } else { s.seq })
            }
            (Field::Sheet, Some(s)) => n(s.sheet),
            (Field::Of, Some(s)) => n(s.of),
            (Field::Last, Some(s)) => text(if s.sheet == s.of { "Y" } else { "N" }),
            (Field::Output, Some(s)) if child.is_none() => self.output_path(s.output),
            (Field::FrontPage, Some(s)) if child.is_none() => n(s.front_page),
            (Field::BackPage, Some(s)) if child.is_none() => opt(s.back_page),
            (Field::Payload, Some(s)) if child.is_none() => text(&s.payload),
            (Field::ParentPayload, Some(s)) => child.map_or(Value::Empty, |_| text(&s.payload)),
            (Field::Pages, Some(s)) => n(1 + s.back.is_some() as usize),
            (Field::FirstPage, Some(s)) => n(s.front.page),
            (Field::LastPage, Some(s)) => n(s.back.unwrap_or(s.front).page),
            // Per envelope.
            (Field::Sheets, None) => n(self.item.sheets),
            (Field::Pages, None) => n(self.item.pages),
            (Field::FirstSheet, None) => {
                n(if child.is_some() { self.numbering.child_first_sheet } else { self.item.first_sheet })
            }
            (Field::LastSheet, None) => n(if child.is_some() {
                self.numbering.child_first_sheet + self.item.sheets - 1
            } else {
                self.item.first_sheet + self.item.sheets - 1
            }),
            (Field::FirstPayload, None) if child.is_none() => {
                first.map_or(Value::Empty, |s| text(&s.payload))
            }
            (Field::LastPayload, None) if child.is_none() => last.map_or(Value::Empty, |s| text(&s.payload)),
            (Field::Output, None) if child.is_none() => {
                first.map_or(Value::Empty, |s| self.output_path(s.output))
            }
            (Field::FirstPage, None) => n(self.item.first_page),
            (Field::LastPage, None) => n(self.item.last_page),
            _ => Value::Empty,
        }
    }
}
