//! `manifest.json` written by code that knows its records. A 10,000-letter job has 27,000 item
//! and sheet records; serde writes each key, colon and value through the generic writer, which
//! took two thirds of the manifest stage, done by one thread after everything else. Here the
//! records are written straight into a buffer, and everything else goes through serde as before,
//! laid out by [`record_lines`](crate::record_lines). The text is the same, byte for byte, as
//! `record_lines::to_writer` gives for the whole manifest: the tests compare the two.

use std::io::{self, Write};

use serde::Serialize;

use crate::manifest::{ItemRecord, LeafPage, Manifest, MarkRecord, SheetRecord, SourceRef};
use crate::plan::Side;
use crate::record_lines;
use crate::write::syntax::push_integer;

/// Writes `manifest` as record-per-line JSON (without the final newline).
pub fn write(manifest: &Manifest, out: &mut impl Write) -> io::Result<()> {
    let mut top = TopLevel { out, first: true };
    top.field("schema", &manifest.schema)?;
    top.field("tool", &manifest.tool)?;
    top.field("job", &manifest.job)?;
    if let Some(account) = &manifest.account {
        top.field("account", account)?;
    }
    top.field("config", &manifest.config)?;
    top.field("inputs", &manifest.inputs)?;
    top.field("outputs", &manifest.outputs)?;
    top.field("counts", &manifest.counts)?;
    top.field("grid", &manifest.grid)?;
    top.records("items", &manifest.items)?;
    top.records("sheets", &manifest.sheets)?;
    top.field("warnings", &manifest.warnings)?;
    if !manifest.dropped.is_empty() {
        top.field("dropped", &manifest.dropped)?;
    }
    if let Some(marks) = &manifest.marks {
        top.field("marks", marks)?;
    }
    top.out.write_all(if top.first { b"{}" } else { b"\n}" })
}

/// The manifest's object, its entries one a line, indented by two spaces.
struct TopLevel<'o, W: Write> {
    out: &'o mut W,
    first: bool,
}

impl<W: Write> TopLevel<'_, W> {
    fn key(&mut self, key: &str) -> io::Result<()> {
        self.out.write_all(if self.first { b"{\n  \"" } else { b",\n  \"" })?;
        self.first = false;
        self.out.write_all(key.as_bytes())?;
        self.out.write_all(b"\": ")
    }

    /// An entry whose value serde writes, laid out as one level down.
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.key(key)?;
        record_lines::to_writer_at(&mut *self.out, value, 1).map_err(io::Error::other)
    }

    /// An entry holding records, one a line, each written by [`Record::write_json`].
    fn records<R: Record>(&mut self, key: &str, records: &[R]) -> io::Result<()> {
        self.key(key)?;
        if records.is_empty() {
            return self.out.write_all(b"[]");
        }
        let mut text = Vec::with_capacity(1024);
        for (i, record) in records.iter().enumerate() {
            text.clear();
            text.extend_from_slice(if i == 0 { b"[\n    " } else { b",\n    " });
            record.write_json(&mut text);
            self.out.write_all(&text)?;
        }
        self.out.write_all(b"\n  ]")
    }
}

/// A record that writes its own compact JSON: what serde writes for it, keys in field order.
pub trait Record {
    fn write_json(&self, out: &mut Vec<u8>);
}

impl Record for ItemRecord {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Object::open(out);
        o.uint("seq", self.seq);
        o.string("id", &self.id);
        o.uint("input", self.input);
        o.uint("first_page", self.first_page);
        o.uint("last_page", self.last_page);
        o.uint("pages", self.pages);
        o.uint("sheets", self.sheets);
        o.uint("first_sheet", self.first_sheet);
        o.uint("blank_pages", self.blank_pages);
        if !self.metadata.is_empty() {
            o.key("metadata");
            let mut m = Object::open(o.out);
            for (key, value) in &self.metadata {
                m.string(key, value);
            }
            m.close();
        }
        if self.diverted {
            o.key("diverted");
            o.out.extend_from_slice(b"true");
        }
        o.close();
    }
}

impl Record for SheetRecord {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Object::open(out);
        o.uint("seq", self.seq);
        o.uint("item_seq", self.item_seq);
        o.string("item_id", &self.item_id);
        o.uint("sheet", self.sheet);
        o.uint("of", self.of);
        o.uint("output", self.output);
        o.uint("front_page", self.front_page);
        o.key("back_page");
        match self.back_page {
            Some(page) => push_integer(page, o.out),
            None => o.out.extend_from_slice(b"null"),
        }
        o.key("front");
        write_source(o.out, Some(&self.front));
        o.key("back");
        write_source(o.out, self.back.as_ref());
        o.key("pages");
        o.out.push(b'[');
        for (i, page) in self.pages.iter().enumerate() {
            if i > 0 {
                o.out.push(b',');
            }
            write_leaf_page(o.out, page);
        }
        o.out.push(b']');
        o.uint("press_sheet", self.press_sheet);
        o.uint("cell", self.cell);
        o.uint("block", self.block);
        o.uint("stack_position", self.stack_position);
        o.key("size");
        push_floats(o.out, &self.size);
        o.string("payload", &self.payload);
        o.key("mark");
        write_mark(o.out, &self.mark);
        o.close();
    }
}

fn write_source(out: &mut Vec<u8>, source: Option<&SourceRef>) {
    let Some(source) = source else {
        out.extend_from_slice(b"null");
        return;
    };
    let mut o = Object::open(out);
    o.uint("input", source.input);
    o.uint("page", source.page);
    o.close();
}

fn write_leaf_page(out: &mut Vec<u8>, page: &LeafPage) {
    let mut o = Object::open(out);
    o.key("side");
    o.out.extend_from_slice(match page.side {
        Side::Front => b"\"front\"",
        Side::Back => b"\"back\"",
    });
    o.uint("cell", page.cell);
    o.key("source");
    write_source(o.out, page.source.as_ref());
    o.close();
}

fn write_mark(out: &mut Vec<u8>, mark: &MarkRecord) {
    let mut o = Object::open(out);
    o.key("zone");
    push_floats(o.out, &mark.zone);
    o.key("leaf");
    push_floats(o.out, &mark.leaf);
    o.key("modules");
    o.out.push(b'[');
    push_integer(mark.modules[0], o.out);
    o.out.push(b',');
    push_integer(mark.modules[1], o.out);
    o.out.push(b']');
    if let Some(window) = &mark.window {
        o.key("window");
        push_floats(o.out, window);
    }
    o.key("collision");
    o.out.extend_from_slice(if mark.collision { b"true" } else { b"false" });
    o.close();
}

/// A compact JSON object being written: `{"key":value,...}`.
struct Object<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Object<'o> {
    fn open(out: &'o mut Vec<u8>) -> Object<'o> {
        out.push(b'{');
        Object { out, first: true }
    }

    /// A key as serde writes a field name (plain ASCII: nothing to escape).
    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn uint(&mut self, key: &str, value: usize) {
        self.key(key);
        push_integer(value, self.out);
    }

    fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        push_string(self.out, value);
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

/// A string escaped as serde_json escapes it.
fn push_string(out: &mut Vec<u8>, value: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// Numbers as serde_json writes an `f64` (`null` for one that is not finite).
fn push_floats(out: &mut Vec<u8>, values: &[f64]) {
    out.push(b'[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = serde_json::to_writer(&mut *out, value);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn serde_text<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    fn own_text<R: Record>(record: &R) -> String {
        let mut out = Vec::new();
        record.write_json(&mut out);
        String::from_utf8(out).unwrap()
    }

    fn sheet() -> SheetRecord {
        SheetRecord {
            seq: 12,
            item_seq: 4,
            item_id: "A \"quoted\", \\ é\u{1}".to_string(),
            sheet: 2,
            of: 3,
            output: 0,
            front_page: 23,
            back_page: None,
            front: SourceRef { input: 1, page: 9 },
            back: None,
            pages: vec![
                LeafPage { side: Side::Front, cell: 1, source: Some(SourceRef { input: 1, page: 9 }) },
                LeafPage { side: Side::Back, cell: 0, source: None },
            ],
            press_sheet: 7,
            cell: 1,
            block: 2,
            stack_position: 5,
            size: [595.276, 841.89],
            payload: "J-000012/02".to_string(),
            mark: MarkRecord {
                zone: [7.087, 730.715, 33.222, 0.0],
                leaf: [0.0, -1.5, 1e21, 1e-7],
                modules: [16, 48],
                window: None,
                collision: false,
            },
        }
    }

    #[test]
    fn records_are_written_as_serde_writes_them() {
        let mut one = sheet();
        assert_eq!(own_text(&one), serde_text(&one));
        one.back_page = Some(24);
        one.back = Some(SourceRef { input: 0, page: 10 });
        one.mark.window = Some([1.0, 2.5, 3.0, 4.125]);
        one.mark.collision = true;
        one.size = [f64::NAN, f64::INFINITY];
        one.pages.clear();
        assert_eq!(own_text(&one), serde_text(&one));
        let mut item = ItemRecord {
            seq: 1,
            id: "L0000001".to_string(),
            input: 0,
            first_page: 1,
            last_page: 3,
            pages: 3,
            sheets: 2,
            first_sheet: 1,
            blank_pages: 1,
            metadata: BTreeMap::new(),
            diverted: false,
        };
        assert_eq!(own_text(&item), serde_text(&item));
        item.metadata =
            BTreeMap::from([("zip".to_string(), "1234\n".to_string()), ("a".to_string(), String::new())]);
        item.diverted = true;
        assert_eq!(own_text(&item), serde_text(&item));
    }
}
