//! Payload templates: a mark's text as literal text and fields, each with a width, padding and
//! character set (docs/payload.md). `{job}-{piece:6}{sheet:2}{sheets:2}{check(mod36)}` is the
//! default; a Pitney Bowes Relay-style 18-character code is
//! `{item:14,charset=upper}{sheet:2}{sheets:2}`.
//!
//! ```
//! use sheetseal_core::mark::template::{SheetFacts, Template};
//!
//! let template = Template::parse("{job}-{piece:6}{sheet:2}{sheets:2}{eoc}{wrap(8)}").unwrap();
//! let metadata = Default::default();
//! let facts = SheetFacts {
//!     job: "DEMO", piece: 42, item_id: "L42", sheet: 3, sheets: 3, seq: 117, metadata: &metadata,
//! };
//! assert_eq!(template.render(&facts, None).unwrap(), "DEMO-000042030315");
//! ```

mod check;
mod parse;

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use check::{luhn_digit, CheckKind};
pub use parse::{MAX_SPEC_LEN, MAX_WIDTH};

use super::key::{MarkKey, DEFAULT_TAG_CHARS, TAG_CHARS};

/// What one sheet's fields read.
#[derive(Debug, Clone, Copy)]
pub struct SheetFacts<'a> {
    pub job: &'a str,
    /// The item's 1-based position in the job.
    pub piece: usize,
    /// The item's id (from the index, or the zero-padded piece number for `fixed:N`).
    pub item_id: &'a str,
    /// Sheet n of m within the item.
    pub sheet: usize,
    pub sheets: usize,
    /// The sheet's 1-based position in the job.
    pub seq: usize,
    /// The item's other index columns.
    pub metadata: &'a BTreeMap<String, String>,
}

/// A template that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mark template '{spec}', at character {position}: {message}")]
pub struct TemplateError {
    pub spec: String,
    /// 1-based character position of the problem (0: the whole template).
    pub position: usize,
    pub message: String,
}

/// A field that cannot be rendered for a sheet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field}: {message}")]
pub struct FieldError {
    /// The field as written in the template, e.g. `{piece:6}`.
    pub field: String,
    pub message: String,
}

/// A parsed template; it serialises as its spec.
#[derive(Clone, PartialEq, Eq)]
pub struct Template {
    spec: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Field(Field),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    text: String,
    source: Source,
    format: Format,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Job,
    Piece,
    Item,
    Sheet,
    Sheets,
    Seq,
    Eoc,
    Boc,
    Wrap(u64),
    Feeders(String),
    Divert(String),
    Column(String),
    Check(CheckKind),
    Hmac,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Format {
    /// Fixed width: shorter values are padded, longer ones are errors. `None`: as long as needed.
    width: Option<usize>,
    pad: char,
    align: Align,
    radix: Radix,
    charset: Charset,
    upper: bool,
    optional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Radix {
    Bin,
    Dec,
    Hex,
    B36,
}

/// The characters a text field may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Digits,
    Hex,
    Upper,
    Alnum,
    Text,
}

impl Source {
    fn is_numeric(&self) -> bool {
        !matches!(self, Source::Job | Source::Item | Source::Column(_) | Source::Check(_))
    }

    fn default_width(&self, radix: Radix) -> Option<usize> {
        match self {
            Source::Eoc | Source::Boc | Source::Divert(_) => Some(1),
            Source::Wrap(k) => Some(radix_digits(k - 1, radix.base()).len()),
            Source::Hmac => Some(DEFAULT_TAG_CHARS),
            Source::Check(kind) => Some(kind.width()),
            _ => None,
        }
    }
}

impl Format {
    fn for_source(source: &Source) -> Format {
        Format {
            width: source.default_width(Radix::Dec),
            pad: '0',
            align: Align::Right,
            radix: Radix::Dec,
            charset: Charset::Text,
            upper: false,
            optional: false,
        }
    }
}

impl Radix {
    fn from_name(name: &str) -> Option<Radix> {
        match name {
            "bin" => Some(Radix::Bin),
            "dec" => Some(Radix::Dec),
            "hex" => Some(Radix::Hex),
            "b36" => Some(Radix::B36),
            _ => None,
        }
    }

    fn base(self) -> u64 {
        match self {
            Radix::Bin => 2,
            Radix::Dec => 10,
            Radix::Hex => 16,
            Radix::B36 => 36,
        }
    }
}

impl Charset {
    fn from_name(name: &str) -> Option<Charset> {
        match name {
            "digits" => Some(Charset::Digits),
            "hex" => Some(Charset::Hex),
            "upper" => Some(Charset::Upper),
            "alnum" => Some(Charset::Alnum),
            "text" => Some(Charset::Text),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Charset::Digits => "digits",
            Charset::Hex => "hex",
            Charset::Upper => "upper",
            Charset::Alnum => "alnum",
            Charset::Text => "text",
        }
    }

    fn contains(self, c: char) -> bool {
        match self {
            Charset::Digits => c.is_ascii_digit(),
            Charset::Hex => c.is_ascii_digit() || ('A'..='F').contains(&c),
            Charset::Upper => c.is_ascii_digit() || c.is_ascii_uppercase(),
            Charset::Alnum => c.is_ascii_alphanumeric(),
            Charset::Text => (' '..='~').contains(&c),
        }
    }
}

/// `value` in base `base` (2 to 36), upper-case digits, no padding.
pub fn radix_digits(mut value: u64, base: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut digits = Vec::with_capacity(20);
    loop {
        digits.push(DIGITS[(value % base) as usize]);
        value /= base;
        if value == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).expect("ASCII digits")
}

impl Template {
    /// Reads a template spec.
    pub fn parse(spec: &str) -> Result<Template, TemplateError> {
        let parts = parse::parse(spec)?;
        let hmacs =
            parts.iter().filter(|p| matches!(p, Part::Field(Field { source: Source::Hmac, .. }))).count();
        let template = Template { spec: spec.to_string(), parts };
        if hmacs > 1 {
            return Err(template.error("at most one {hmac} field"));
        }
        if let Some(width) = template.hmac_width() {
            if !TAG_CHARS.contains(&width) {
                return Err(template.error(&format!(
                    "{{hmac}} is {} to {} characters long",
                    TAG_CHARS.start(),
                    TAG_CHARS.end()
                )));
            }
        }
        Ok(template)
    }

    fn error(&self, message: &str) -> TemplateError {
        TemplateError { spec: self.spec.clone(), position: 0, message: message.to_string() }
    }

    /// The spec as written.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// Whether every payload names its sheet (the template has a piece, item or seq field), so
    /// that payloads must be unique in a job.
    pub fn identifies_sheets(&self) -> bool {
        self.fields().any(|f| matches!(f.source, Source::Piece | Source::Item | Source::Seq))
            && self.fields().any(|f| matches!(f.source, Source::Sheet | Source::Seq))
    }

    /// The `{hmac}` field's length, if the template has one.
    pub fn hmac_width(&self) -> Option<usize> {
        self.fields().find(|f| f.source == Source::Hmac).and_then(|f| f.format.width)
    }

    /// The same template with `{hmac:CHARS}` appended.
    pub fn with_hmac(&self, chars: usize) -> Result<Template, TemplateError> {
        Template::parse(&format!("{}{{hmac:{chars}}}", self.spec))
    }

    /// The payload length when every field has a fixed width.
    pub fn fixed_length(&self) -> Option<usize> {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Literal(text) => Some(text.len()),
                Part::Field(field) => field.format.width,
            })
            .sum()
    }

    /// The index columns the template reads, with whether each is optional.
    pub fn columns(&self) -> impl Iterator<Item = (&str, bool)> + '_ {
        self.fields().filter_map(|f| match &f.source {
            Source::Feeders(c) | Source::Divert(c) | Source::Column(c) => {
                Some((c.as_str(), f.format.optional))
            }
            _ => None,
        })
    }

    fn fields(&self) -> impl Iterator<Item = &Field> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Field(f) => Some(f),
            Part::Literal(_) => None,
        })
    }

    /// The payload of one sheet. `key` is needed when the template has an `{hmac}` field.
    pub fn render(&self, facts: &SheetFacts, key: Option<&MarkKey>) -> Result<String, FieldError> {
        let mut out = String::with_capacity(32);
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Field(field) => field.render(facts, key, &mut out)?,
            }
        }
        Ok(out)
    }
}

impl Field {
    fn render(&self, facts: &SheetFacts, key: Option<&MarkKey>, out: &mut String) -> Result<(), FieldError> {
        let fail = |message: String| FieldError { field: self.text.clone(), message };
        let number = match &self.source {
            Source::Job => return self.format_text(facts.job, out).map_err(fail),
            Source::Item => return self.format_text(facts.item_id, out).map_err(fail),
            Source::Column(column) => {
                let value = self.column(facts, column).map_err(fail)?;
                return self.format_text(value, out).map_err(fail);
            }
            Source::Check(kind) => {
                let mut check = String::with_capacity(kind.width());
                kind.append(out, &mut check);
                out.push_str(&check);
                return Ok(());
            }
            Source::Hmac => {
                let key =
                    key.ok_or_else(|| fail("the template has an {hmac} field: give --mark-key FILE".into()))?;
                let tag = key.tag(facts.job, out, self.format.width.unwrap_or(DEFAULT_TAG_CHARS));
                out.push_str(&tag);
                return Ok(());
            }
            Source::Piece => facts.piece as u64,
            Source::Sheet => facts.sheet as u64,
            Source::Sheets => facts.sheets as u64,
            Source::Seq => facts.seq as u64,
            Source::Eoc => (facts.sheet == facts.sheets) as u64,
            Source::Boc => (facts.sheet == 1) as u64,
            Source::Wrap(modulus) => facts.seq as u64 % modulus,
            Source::Feeders(column) => {
                feeder_mask(self.column(facts, column).map_err(fail)?).map_err(fail)?
            }
            Source::Divert(column) => {
                divert_flag(self.column(facts, column).map_err(fail)?).map_err(fail)? as u64
            }
        };
        self.format_number(number, out).map_err(fail)
    }

    fn column<'f>(&self, facts: &SheetFacts<'f>, column: &str) -> Result<&'f str, String> {
        match facts.metadata.get(column) {
            Some(value) => Ok(value),
            None if self.format.optional => Ok(""),
            None => Err(format!(
                "the index has no column '{column}' (a fixed:N split has none); add the column to the index, \
                 or write ':optional' to treat a missing column as empty"
            )),
        }
    }

    fn format_number(&self, value: u64, out: &mut String) -> Result<(), String> {
        let digits = radix_digits(value, self.format.radix.base());
        if let Some(width) = self.format.width {
            if digits.len() > width {
                let max = self.format.radix.base().checked_pow(width as u32).map(|m| m - 1);
                let limit = max.map(|m| format!(" (at most {m})")).unwrap_or_default();
                return Err(format!(
                    "the value {value} needs {} characters but the field is {width} wide{limit}",
                    digits.len()
                ));
            }
        }
        self.pad(&digits, out);
        Ok(())
    }

    fn format_text(&self, value: &str, out: &mut String) -> Result<(), String> {
        let value = if self.format.upper { value.to_ascii_uppercase() } else { value.to_string() };
        if let Some((position, c)) =
            value.chars().enumerate().find(|&(_, c)| !self.format.charset.contains(c))
        {
            return Err(format!(
                "character {} ({c:?}) is not in the field's character set '{}'",
                position + 1,
                self.format.charset.name()
            ));
        }
        let length = value.chars().count();
        if let Some(width) = self.format.width {
            if length > width {
                return Err(format!("the value has {length} characters but the field is {width} wide"));
            }
        }
        self.pad(&value, out);
        Ok(())
    }

    fn pad(&self, value: &str, out: &mut String) {
        let fill = self.format.width.unwrap_or(0).saturating_sub(value.chars().count());
        let padding = std::iter::repeat_n(self.format.pad, fill);
        match self.format.align {
            Align::Right => {
                out.extend(padding);
                out.push_str(value);
            }
            Align::Left => {
                out.push_str(value);
                out.extend(padding);
            }
        }
    }
}

/// The feeder-selection bitmask of an index cell listing feeder numbers 1-64 (separated by `;`,
/// `,`, `+`, `|` or spaces): feeder k sets bit k-1. Empty, `0` or `-` select none.
pub fn feeder_mask(cell: &str) -> Result<u64, String> {
    let cell = cell.trim();
    if cell.is_empty() || cell == "0" || cell == "-" {
        return Ok(0);
    }
    cell.split(|c: char| matches!(c, ';' | ',' | '+' | '|') || c.is_whitespace())
        .filter(|token| !token.is_empty())
        .try_fold(0u64, |mask, token| match token.parse::<u32>() {
            Ok(feeder @ 1..=64) => Ok(mask | 1 << (feeder - 1)),
            _ => Err(format!("feeder '{token}' is not a number from 1 to 64 (list feeders like 1;3)")),
        })
}

/// The divert flag of an index cell: `1`, `y`, `yes`, `true`, `x` divert; empty, `0`, `n`, `no`,
/// `false` do not.
pub fn divert_flag(cell: &str) -> Result<bool, String> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "1" | "y" | "yes" | "true" | "x" => Ok(true),
        "" | "0" | "n" | "no" | "false" => Ok(false),
        other => Err(format!("'{other}' is not a divert flag (use 1/0, yes/no, true/false)")),
    }
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Template({:?})", self.spec)
    }
}

impl std::fmt::Display for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.spec)
    }
}

impl std::str::FromStr for Template {
    type Err = TemplateError;

    fn from_str(spec: &str) -> Result<Template, TemplateError> {
        Template::parse(spec)
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.spec)
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Template, D::Error> {
        let spec = String::deserialize(deserializer)?;
        Template::parse(&spec).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
