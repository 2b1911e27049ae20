//! JSON laid out for people and tools at once: the outer levels indented, one key or one array
//! element a line, and everything deeper on that line. A manifest then has one sheet or one
//! item a line (`grep` finds a sheet's whole record by its payload) and is a third the size of
//! fully indented JSON, which it parses the same as.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::Formatter;

/// Containers nested at most this deep put each of their entries on a line of its own.
const INDENTED_LEVELS: usize = 2;

/// Writes `value` to `out` as record-per-line JSON.
pub fn to_writer<W: Write, T: Serialize + ?Sized>(out: W, value: &T) -> serde_json::Result<()> {
    to_writer_at(out, value, 0)
}

/// Writes `value` as record-per-line JSON laid out as it is inside `depth` open containers (1:
/// the value of one of the outermost object's entries).
pub fn to_writer_at<W: Write, T: Serialize + ?Sized>(
    out: W,
    value: &T,
    depth: usize,
) -> serde_json::Result<()> {
    let formatter = RecordPerLine { depth, has_entry: false };
    let mut serializer = serde_json::Serializer::with_formatter(out, formatter);
    value.serialize(&mut serializer)
}

/// A [`Formatter`] that indents by two spaces down to [`INDENTED_LEVELS`] and is compact below.
#[derive(Default)]
struct RecordPerLine {
    /// How many containers are open.
    depth: usize,
    /// Whether the innermost open container has an entry.
    has_entry: bool,
}

impl RecordPerLine {
    fn indented(&self) -> bool {
        self.depth <= INDENTED_LEVELS
    }

    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_entry = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        let indented = self.indented();
        self.depth -= 1;
        if indented && self.has_entry {
            self.new_line(out)?;
        }
        out.write_all(bracket)
    }

    fn entry<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        if self.indented() {
            self.new_line(out)?;
        }
        Ok(())
    }

    fn new_line<W: ?Sized + Write>(&self, out: &mut W) -> io::Result<()> {
        out.write_all(b"\n")?;
        for _ in 0..self.depth {
            out.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl Formatter for RecordPerLine {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.entry(out, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_entry = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.entry(out, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(if self.indented() { b": " } else { b":" })
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_entry = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        to_writer(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn records_are_one_a_line_and_parse_back_the_same() {
        let value = json!({
            "job": "J",
            "empty": [],
            "counts": {"items": 2, "nested": {"a": [1, 2]}},
            "sheets": [{"seq": 1, "mark": {"zone": [1.5, 2.0]}}, {"seq": 2, "pages": []}],
        });
        let written = text(&value);
        assert_eq!(
            written,
            // serde_json::Value keeps its keys sorted.
            "{\n  \"counts\": {\n    \"items\": 2,\n    \"nested\": {\"a\":[1,2]}\n  },\n  \"empty\": [],\n  \"job\": \"J\",\n  \"sheets\": [\n    {\"mark\":{\"zone\":[1.5,2.0]},\"seq\":1},\n    {\"pages\":[],\"seq\":2}\n  ]\n}"
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(&written).unwrap(), value);
        assert_eq!(text(&json!([])), "[]");
        assert_eq!(text(&json!("scalar")), "\"scalar\"");
    }
}
