//! The PDF file layer: header, numbered objects streamed out in order, cross-reference table and
//! trailer. Objects are written as soon as they are complete; only their offsets are kept.

use std::io::{self, Write};

/// How much is written to the underlying writer at once: at least the capacity of the buffer
/// of [`super::atomic::AtomicFile::writer`], which then passes the bytes on without copying them.
pub const WRITE_CHUNK: usize = 256 * 1024;

/// A PDF file being written object by object.
pub struct PdfFile<W: Write> {
    out: W,
    position: u64,
    /// Byte offset of each object, indexed by object number (0 is the free list head).
    offsets: Vec<Option<u64>>,
    buffer: Vec<u8>,
}

impl<W: Write> PdfFile<W> {
    /// Starts a file with a PDF 1.7 header and a binary comment line.
    pub fn new(out: W) -> io::Result<Self> {
        let mut file =
            PdfFile { out, position: 0, offsets: vec![None], buffer: Vec::with_capacity(2 * WRITE_CHUNK) };
        file.emit(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(file)
    }

    /// Reserves the next object number.
    pub fn reserve(&mut self) -> u32 {
        self.offsets.push(None);
        (self.offsets.len() - 1) as u32
    }

    /// Writes object `id` whose body (the part between `obj` and `endobj`) is `body`.
    pub fn write_object(&mut self, id: u32, body: &[u8]) -> io::Result<()> {
        self.write_object_parts(id, &[body])
    }

    /// Writes object `id` whose body is `parts` one after the other (a stream's dictionary,
    /// its data and `endstream`, without gathering them first).
    pub fn write_object_parts(&mut self, id: u32, parts: &[&[u8]]) -> io::Result<()> {
        let slot = self
            .offsets
            .get_mut(id as usize)
            .ok_or_else(|| io::Error::other(format!("object {id} was never reserved")))?;
        if slot.is_some() {
            return Err(io::Error::other(format!("object {id} written twice")));
        }
        *slot = Some(self.position);
        self.emit(itoa::Buffer::new().format(id).as_bytes())?;
        self.emit(b" 0 obj\n")?;
        for part in parts {
            self.emit(part)?;
        }
        self.emit(b"\nendobj\n")
    }

    /// Writes the cross-reference table and trailer and returns the underlying writer.
    /// Every reserved object must have been written.
    pub fn finish(mut self, root: u32, info: Option<u32>) -> io::Result<W> {
        if let Some(missing) = self.offsets.iter().skip(1).position(Option::is_none) {
            return Err(io::Error::other(format!("object {} was reserved but never written", missing + 1)));
        }
        if self.position >= 10_000_000_000 {
            // A classic cross-reference table holds ten-digit offsets.
            return Err(io::Error::other(
                "the output file would exceed 9,999,999,999 bytes: split it (--max-sheets-per-file)",
            ));
        }
        let xref_at = self.position;
        let mut table = Vec::with_capacity(self.offsets.len() * 20 + 128);
        table.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", self.offsets.len()).as_bytes());
        for offset in self.offsets.iter().skip(1).flatten() {
            table.extend_from_slice(&xref_entry(*offset));
        }
        table
            .extend_from_slice(format!("trailer\n<</Size {}/Root {root} 0 R", self.offsets.len()).as_bytes());
        if let Some(info) = info {
            table.extend_from_slice(format!("/Info {info} 0 R").as_bytes());
        }
        table.extend_from_slice(format!(">>\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
        self.emit(&table)?;
        self.out.write_all(&self.buffer)?;
        self.buffer.clear();
        self.out.flush()?;
        Ok(self.out)
    }

    /// Bytes written so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Buffers `bytes`, writing whenever [`WRITE_CHUNK`] bytes are buffered (and anything as
    /// large as that at once, unbuffered).
    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.position += bytes.len() as u64;
        if bytes.len() >= WRITE_CHUNK {
            self.out.write_all(&self.buffer)?;
            self.buffer.clear();
            return self.out.write_all(bytes);
        }
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= WRITE_CHUNK {
            self.out.write_all(&self.buffer)?;
            self.buffer.clear();
        }
        Ok(())
    }
}

/// A cross-reference entry of an object at `offset`: `nnnnnnnnnn 00000 n` and an end of line,
/// 20 bytes.
fn xref_entry(mut offset: u64) -> [u8; 20] {
    let mut entry = *b"0000000000 00000 n \n";
    for digit in entry[..10].iter_mut().rev() {
        *digit = b'0' + (offset % 10) as u8;
        offset /= 10;
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_in_the_xref_point_at_their_objects() {
        let mut file = PdfFile::new(Vec::new()).unwrap();
        let a = file.reserve();
        let b = file.reserve();
        file.write_object(b, b"<</Type /Pages/Kids []/Count 0>>").unwrap();
        file.write_object(a, b"<</Type /Catalog/Pages 2 0 R>>").unwrap();
        let bytes = file.finish(a, None).unwrap();
        let xref = bytes.windows(5).position(|w| w == b"xref\n").unwrap();
        let table = std::str::from_utf8(&bytes[xref..]).unwrap();
        let entries: Vec<usize> = table.lines().skip(3).take(2).map(|l| l[..10].parse().unwrap()).collect();
        assert!(bytes[entries[0]..].starts_with(b"1 0 obj"));
        assert!(bytes[entries[1]..].starts_with(b"2 0 obj"));
        assert!(table.ends_with(&format!("startxref\n{xref}\n%%EOF\n")));
    }

    #[test]
    fn xref_entries_are_twenty_bytes_of_zero_padded_offset() {
        for offset in [0u64, 7, 1234567890, 9_999_999_999, 42_000_001] {
            assert_eq!(xref_entry(offset).as_slice(), format!("{offset:010} 00000 n \n").as_bytes());
        }
    }

    #[test]
    fn unwritten_objects_are_an_error() {
        let mut file = PdfFile::new(Vec::new()).unwrap();
        let a = file.reserve();
        file.reserve();
        file.write_object(a, b"null").unwrap();
        assert!(file.finish(a, None).is_err());
    }
}
