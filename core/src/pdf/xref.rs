//! Cross-reference data: classic tables, cross-reference streams (with PNG predictors), hybrid
//! files and `/Prev` chains (loops refused).

use std::collections::HashSet;

use lopdf::{Dictionary, Object};

use super::filters;
use super::syntax::{memchr_rfind, Parser, Result, SyntaxError};

/// Where an object lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Free,
    /// At a byte offset, with its generation.
    Offset {
        offset: usize,
        generation: u16,
    },
    /// Inside an object stream, at an index.
    Compressed {
        stream: u32,
        index: u32,
    },
}

/// The merged cross-reference data of a file: newest section wins.
#[derive(Debug, Default, Clone)]
pub struct XrefTable {
    pub entries: Vec<Option<Entry>>,
    pub trailer: Dictionary,
}

impl XrefTable {
    pub fn get(&self, number: u32) -> Option<Entry> {
        self.entries.get(number as usize).copied().flatten()
    }

    /// Adds an entry unless a newer section already set it.
    fn add(&mut self, number: usize, entry: Entry, max_objects: usize) -> Result<()> {
        if number >= max_objects {
            return Err(SyntaxError {
                offset: 0,
                message: format!("object number {number} exceeds the limit of {max_objects}"),
            });
        }
        if self.entries.len() <= number {
            self.entries.resize(number + 1, None);
        }
        if self.entries[number].is_none() {
            self.entries[number] = Some(entry);
        }
        Ok(())
    }
}

/// Reads the cross-reference chain starting at the file's last `startxref`.
pub fn read(data: &[u8], max_objects: usize) -> Result<XrefTable> {
    let tail_start = data.len().saturating_sub(2048);
    let at = memchr_rfind(&data[tail_start..], b"startxref")
        .map(|p| tail_start + p)
        .ok_or(SyntaxError { offset: data.len(), message: "no 'startxref'".into() })?;
    let mut parser = Parser::new(data, at + b"startxref".len());
    let mut offset = parser.read_unsigned()? as usize;
    let mut table = XrefTable::default();
    let mut seen = HashSet::new();
    let mut first = true;
    loop {
        if !seen.insert(offset) {
            return Err(SyntaxError {
                offset,
                message: "the /Prev chain of cross-reference sections loops".into(),
            });
        }
        if offset >= data.len() {
            return Err(SyntaxError {
                offset,
                message: "cross-reference offset beyond the end of the file".into(),
            });
        }
        let mut parser = Parser::new(data, offset);
        let trailer = if parser.at_keyword(b"xref") {
            let trailer = read_table(&mut parser, &mut table, max_objects)?;
            // Hybrid files: the /XRefStm stream holds the compressed objects.
            if let Ok(&Object::Integer(stream_at)) = trailer.get(b"XRefStm") {
                let stream_at = usize::try_from(stream_at)
                    .map_err(|_| SyntaxError { offset, message: "bad /XRefStm".into() })?;
                if seen.insert(stream_at) {
                    read_stream(data, stream_at, &mut table, max_objects)?;
                }
            }
            trailer
        } else {
            read_stream(data, offset, &mut table, max_objects)?
        };
        if first {
            table.trailer = trailer.clone();
            first = false;
        }
        match trailer.get(b"Prev") {
            Ok(&Object::Integer(prev)) if prev >= 0 => offset = prev as usize,
            _ => break,
        }
    }
    Ok(table)
}

fn read_table(parser: &mut Parser, table: &mut XrefTable, max_objects: usize) -> Result<Dictionary> {
    parser.expect_keyword(b"xref")?;
    loop {
        if parser.at_keyword(b"trailer") {
            parser.expect_keyword(b"trailer")?;
            return match parser.read_object()? {
                Object::Dictionary(d) => Ok(d),
                _ => Err(SyntaxError { offset: parser.pos, message: "trailer is not a dictionary".into() }),
            };
        }
        let first = parser.read_unsigned()? as usize;
        let count = parser.read_unsigned()? as usize;
        if count > max_objects {
            return Err(SyntaxError {
                offset: parser.pos,
                message: "cross-reference section too large".into(),
            });
        }
        for i in 0..count {
            let offset = parser.read_unsigned()?;
            let generation = parser.read_unsigned()?;
            parser.skip_space();
            let kind = parser.read_kind()?;
            let entry = match kind {
                b'n' => Entry::Offset {
                    offset: offset as usize,
                    generation: u16::try_from(generation).unwrap_or(u16::MAX),
                },
                _ => Entry::Free,
            };
            table.add(first + i, entry, max_objects)?;
        }
    }
}

impl Parser<'_> {
    fn read_kind(&mut self) -> Result<u8> {
        match self.peek_byte() {
            Some(b @ (b'n' | b'f')) => {
                self.pos += 1;
                Ok(b)
            }
            _ => Err(SyntaxError {
                offset: self.pos,
                message: "expected 'n' or 'f' in cross-reference table".into(),
            }),
        }
    }

    fn peek_byte(&self) -> Option<u8> {
        self.data_at(self.pos)
    }
}

/// Reads a cross-reference stream object at `offset`; returns its dictionary (the trailer).
fn read_stream(data: &[u8], offset: usize, table: &mut XrefTable, max_objects: usize) -> Result<Dictionary> {
    let mut parser = Parser::new(data, offset);
    parser.read_object_header()?;
    let object = parser.read_indirect_body(&|_| None)?;
    let Object::Stream(stream) = object else {
        return Err(SyntaxError { offset, message: "expected a cross-reference stream".into() });
    };
    let err = |message: &str| SyntaxError { offset, message: message.to_string() };
    let widths: Vec<usize> = match stream.dict.get(b"W") {
        Ok(Object::Array(w)) => {
            w.iter().map(|o| o.as_i64().ok().and_then(|v| usize::try_from(v).ok())).collect::<Option<_>>()
        }
        _ => None,
    }
    .filter(|w: &Vec<usize>| w.len() == 3 && w.iter().all(|&v| v <= 8))
    .ok_or_else(|| err("cross-reference stream has no valid /W"))?;
    let size = stream
        .dict
        .get(b"Size")
        .and_then(Object::as_i64)
        .map_err(|_| err("cross-reference stream has no /Size"))?;
    let index: Vec<(usize, usize)> = match stream.dict.get(b"Index") {
        Ok(Object::Array(pairs)) => pairs
            .chunks(2)
            .map(|p| {
                Some((
                    usize::try_from(p.first()?.as_i64().ok()?).ok()?,
                    usize::try_from(p.get(1)?.as_i64().ok()?).ok()?,
                ))
            })
            .collect::<Option<_>>()
            .ok_or_else(|| err("invalid /Index"))?,
        _ => vec![(0, usize::try_from(size).map_err(|_| err("invalid /Size"))?)],
    };
    let rows = filters::decode(&stream, 64 * 1024 * 1024)
        .map_err(|e| err(&format!("cross-reference stream: {e}")))?;
    let row = widths.iter().sum::<usize>();
    if row == 0 {
        return Err(err("cross-reference stream rows are empty"));
    }
    let field = |bytes: &[u8], width: usize, default: u64| -> u64 {
        if width == 0 {
            default
        } else {
            bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b))
        }
    };
    let mut rows_iter = rows.chunks_exact(row);
    for (first, count) in index {
        if count > max_objects {
            return Err(err("cross-reference section too large"));
        }
        for number in first..first + count {
            let Some(r) = rows_iter.next() else {
                return Ok(stream.dict);
            };
            let (a, rest) = r.split_at(widths[0]);
            let (b, c) = rest.split_at(widths[1]);
            let entry = match field(a, widths[0], 1) {
                0 => Entry::Free,
                1 => Entry::Offset {
                    offset: field(b, widths[1], 0) as usize,
                    generation: field(c, widths[2], 0) as u16,
                },
                2 => Entry::Compressed {
                    stream: field(b, widths[1], 0) as u32,
                    index: field(c, widths[2], 0) as u32,
                },
                _ => continue,
            };
            table.add(number, entry, max_objects)?;
        }
    }
    Ok(stream.dict)
}
