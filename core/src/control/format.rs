//! Serialising control records: CSV with a header, JSON Lines, or fixed-width records described
//! by a field spec (`fixed:payload:20,item_seq:6,sheet:2,of:2`).

use std::io::Write;
use std::str::FromStr;

use super::fields::{Field, Value};
use super::ControlError;

/// How the records are written.
#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    /// A header line with the field names, then one line a record (RFC 4180 quoting).
    Csv,
    /// One JSON object a line; numbers as numbers, missing values as `null`.
    Jsonl,
    /// One line a record, every field at a fixed width.
    Fixed(Vec<FixedField>),
}

/// Which side of its slot a fixed-width value sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// One slot of a fixed-width record.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedField {
    pub field: Field,
    pub width: usize,
    pub align: Align,
    pub pad: char,
}

/// The widest slot a spec may ask for.
pub const MAX_FIXED_WIDTH: usize = 1000;

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "csv" => Ok(Format::Csv),
            "jsonl" => Ok(Format::Jsonl),
            _ => match text.strip_prefix("fixed:") {
                Some(spec) => parse_fixed(spec).map(Format::Fixed),
                None => Err(format!("unknown format '{text}': use csv, jsonl or fixed:SPEC")),
            },
        }
    }
}

/// `FIELD:WIDTH[:ALIGN[:PAD]]` slots separated by commas; ALIGN is `l` or `r`, PAD one
/// character. `=TEXT[:WIDTH]` is a fixed text. Numbers default to right-aligned with `0`, text
/// to left-aligned with spaces.
fn parse_fixed(spec: &str) -> Result<Vec<FixedField>, String> {
    if spec.trim().is_empty() {
        return Err("fixed: needs a field spec, e.g. fixed:payload:20,item_seq:6,sheet:2,of:2".to_string());
    }
    spec.split(',')
        .map(|slot| {
            let parts: Vec<&str> = slot.split(':').collect();
            let bad = |why: &str| {
                format!("fixed-width slot '{slot}': {why} (use FIELD:WIDTH[:l|r[:PAD]] or =TEXT[:WIDTH])")
            };
            if let Some(literal) = parts[0].strip_prefix('=') {
                let width = match parts.get(1) {
                    Some(w) => w.parse().map_err(|_| bad("width is not a number"))?,
                    None => literal.chars().count(),
                };
                if parts.len() > 2 || width == 0 || width > MAX_FIXED_WIDTH || !literal.is_ascii() {
                    return Err(bad("a fixed text is ASCII with an optional width of 1 to 1000"));
                }
                return Ok(FixedField {
                    field: Field::Literal(literal.to_string()),
                    width,
                    align: Align::Left,
                    pad: ' ',
                });
            }
            let field: Field = parts[0].parse()?;
            let width: usize = parts
                .get(1)
                .ok_or_else(|| bad("no width"))?
                .parse()
                .map_err(|_| bad("width is not a number"))?;
            if width == 0 || width > MAX_FIXED_WIDTH {
                return Err(bad("width must be 1 to 1000"));
            }
            let numeric = is_numeric(&field);
            let align = match parts.get(2).copied() {
                None | Some("") => {
                    if numeric {
                        Align::Right
                    } else {
                        Align::Left
                    }
                }
                Some("l") => Align::Left,
                Some("r") => Align::Right,
                Some(_) => return Err(bad("align is l or r")),
            };
            let pad = match parts.get(3) {
                None => {
                    if numeric && align == Align::Right {
                        '0'
                    } else {
                        ' '
                    }
                }
                Some(p) if p.chars().count() == 1 && p.is_ascii() => p.chars().next().unwrap_or(' '),
                Some(_) => return Err(bad("pad is one ASCII character")),
            };
            if parts.len() > 4 {
                return Err(bad("too many parts"));
            }
            Ok(FixedField { field, width, align, pad })
        })
        .collect()
}

fn is_numeric(field: &Field) -> bool {
    matches!(
        field,
        Field::Seq
            | Field::ItemSeq
            | Field::Sheet
            | Field::Of
            | Field::FrontPage
            | Field::BackPage
            | Field::Sheets
            | Field::Pages
            | Field::FirstSheet
            | Field::LastSheet
            | Field::FirstPage
            | Field::LastPage
            | Field::ParentItemSeq
    )
}

impl Format {
    /// The fields this format writes, when it names them itself (fixed-width).
    pub fn own_fields(&self) -> Option<Vec<Field>> {
        match self {
            Format::Fixed(slots) => Some(slots.iter().map(|s| s.field.clone()).collect()),
            _ => None,
        }
    }

    /// The extension a file of this format usually has.
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Fixed(_) => "txt",
        }
    }
}

/// Writes records one at a time.
pub struct RecordWriter<W: Write> {
    format: Format,
    fields: Vec<Field>,
    csv: Option<csv::Writer<W>>,
    out: Option<W>,
    written: usize,
}

impl<W: Write> RecordWriter<W> {
    /// Starts the file (the CSV header).
    pub fn new(format: Format, fields: Vec<Field>, out: W) -> Result<Self, ControlError> {
        let mut writer = RecordWriter { format, fields, csv: None, out: None, written: 0 };
        if writer.format == Format::Csv {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(writer.fields.iter().map(|f| f.name()))?;
            writer.csv = Some(csv);
        } else {
            writer.out = Some(out);
        }
        Ok(writer)
    }

    /// Writes one record; `values` follow the writer's fields.
    pub fn write(&mut self, values: &[Value]) -> Result<(), ControlError> {
        self.written += 1;
        let record = self.written;
        match (&self.format, &mut self.csv, &mut self.out) {
            (Format::Csv, Some(csv), _) => csv.write_record(values.iter().map(Value::text))?,
            (Format::Jsonl, _, Some(out)) => {
                // Keys in the order of the fields, not sorted.
                let mut line = Vec::with_capacity(256);
                line.push(b'{');
                for (i, (field, value)) in self.fields.iter().zip(values).enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    serde_json::to_writer(&mut line, &field.name()).map_err(std::io::Error::other)?;
                    line.push(b':');
                    serde_json::to_writer(&mut line, &value.to_json()).map_err(std::io::Error::other)?;
                }
                line.extend_from_slice(b"}\n");
                out.write_all(&line)?;
            }
            (Format::Fixed(slots), _, Some(out)) => {
                let mut line = String::new();
                for (slot, value) in slots.iter().zip(values) {
                    let text = value.text();
                    let len = text.chars().count();
                    if !text.is_ascii() {
                        return Err(ControlError::NotAscii { record, field: slot.field.name() });
                    }
                    if len > slot.width {
                        return Err(ControlError::TooWide {
                            record,
                            field: slot.field.name(),
                            value: text,
                            width: slot.width,
                        });
                    }
                    let pad: String = std::iter::repeat_n(slot.pad, slot.width - len).collect();
                    match slot.align {
                        Align::Left => {
                            line.push_str(&text);
                            line.push_str(&pad);
                        }
                        Align::Right => {
                            line.push_str(&pad);
                            line.push_str(&text);
                        }
                    }
                }
                line.push('\n');
                out.write_all(line.as_bytes())?;
            }
            _ => unreachable!("the writer was set up for its format"),
        }
        Ok(())
    }

    /// Flushes and returns the output and the number of records written.
    pub fn finish(self) -> Result<(W, usize), ControlError> {
        let out = match (self.csv, self.out) {
            (Some(csv), _) => csv.into_inner().map_err(|e| ControlError::Io(e.into_error()))?,
            (None, Some(mut out)) => {
                out.flush()?;
                out
            }
            (None, None) => unreachable!("the writer holds its output"),
        };
        Ok((out, self.written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_specs_parse_with_defaults_and_refuse_nonsense() {
        let Format::Fixed(slots) = "fixed:payload:20,item_seq:6,=H,last:1:l,item_id:8:r:*".parse().unwrap()
        else {
            panic!("not fixed")
        };
        assert_eq!(slots[0], FixedField { field: Field::Payload, width: 20, align: Align::Left, pad: ' ' });
        assert_eq!(slots[1], FixedField { field: Field::ItemSeq, width: 6, align: Align::Right, pad: '0' });
        assert_eq!(slots[2].field, Field::Literal("H".into()));
        assert_eq!((slots[4].align, slots[4].pad), (Align::Right, '*'));
        for bad in [
            "fixed:",
            "fixed:payload",
            "fixed:payload:0",
            "fixed:payload:x",
            "fixed:nope:3",
            "fixed:seq:3:c",
            "fixed:seq:3:r:ab",
            "xml",
        ] {
            assert!(bad.parse::<Format>().is_err(), "{bad}");
        }
    }

    #[test]
    fn fixed_records_pad_and_refuse_values_that_do_not_fit() {
        let format: Format = "fixed:item_seq:4,item_id:5,=X".parse().unwrap();
        let fields = format.own_fields().unwrap();
        let mut writer = RecordWriter::new(format, fields, Vec::new()).unwrap();
        writer.write(&[Value::Number(42), Value::Text("AB".into()), Value::Text("X".into())]).unwrap();
        let too_long =
            writer.write(&[Value::Number(42), Value::Text("ABCDEF".into()), Value::Text("X".into())]);
        assert!(matches!(too_long, Err(ControlError::TooWide { record: 2, .. })), "{too_long:?}");
        let (out, _) = writer.finish().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "0042AB   X\n");
    }
}
