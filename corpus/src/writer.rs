//! Low-level PDF output: compression, batches of objects with their offsets, and a sink that
//! streams them to any `Write` while remembering where each object starts, then ends the file
//! with a cross-reference table (or, for files past 10 GB, a cross-reference stream).

use flate2::{Compress, Compression, FlushCompress, Status};
use pdf_writer::{Chunk, Ref};
use std::io::{self, Write};

/// Compression level of all streams.
const LEVEL: u32 = 1;

/// A reusable zlib compressor for `/FlateDecode` streams. The compressor state is large, so it
/// is kept rather than allocated per stream.
pub(crate) struct Deflater(Compress);

impl Deflater {
    pub(crate) fn new() -> Self {
        Deflater(Compress::new(Compression::new(LEVEL), true))
    }

    /// Compresses `data` into a new buffer.
    pub(crate) fn deflate(&mut self, data: &[u8]) -> Vec<u8> {
        self.0.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 128);
        loop {
            let consumed = self.0.total_in() as usize;
            let status = self
                .0
                .compress_vec(&data[consumed..], &mut out, FlushCompress::Finish)
                .expect("deflate of an in-memory buffer cannot fail");
            match status {
                Status::StreamEnd => return out,
                Status::Ok | Status::BufError => out.reserve(out.capacity().max(1024)),
            }
        }
    }
}

/// Compresses `data` for a `/FlateDecode` stream, with a one-off compressor.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    Deflater::new().deflate(data)
}

/// A batch of indirect objects in one buffer, with the offset at which each starts.
pub(crate) struct ObjBuf {
    chunk: Chunk,
    marks: Vec<(i32, usize)>,
}

impl ObjBuf {
    pub(crate) fn new() -> Self {
        ObjBuf { chunk: Chunk::with_capacity(256 * 1024), marks: Vec::new() }
    }

    /// Bytes buffered so far.
    pub(crate) fn len(&self) -> usize {
        self.chunk.len()
    }

    /// The chunk to write object `id` into; call once per object, just before writing it.
    pub(crate) fn at(&mut self, id: Ref) -> &mut Chunk {
        self.marks.push((id.get(), self.chunk.len()));
        &mut self.chunk
    }
}

/// Where the objects go: counts bytes and records object offsets.
pub(crate) struct Sink<W: Write> {
    out: W,
    pos: u64,
    /// Byte offset by object id (index 0 unused); `u64::MAX` while not yet written.
    offsets: Vec<u64>,
}

/// Largest offset a classic cross-reference table can hold (10 digits).
const CLASSIC_XREF_LIMIT: u64 = 9_999_999_999;

impl<W: Write> Sink<W> {
    /// Starts a PDF 1.7 file whose objects are numbered `1..=objects`.
    pub(crate) fn new(out: W, objects: usize) -> io::Result<Self> {
        let mut sink = Sink { out, pos: 0, offsets: vec![u64::MAX; objects + 1] };
        // The binary comment marks the file as binary for transfer tools.
        sink.raw(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(sink)
    }

    fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Writes a batch of objects.
    pub(crate) fn put(&mut self, objs: &ObjBuf) -> io::Result<()> {
        for &(id, at) in &objs.marks {
            let slot = &mut self.offsets[id as usize];
            debug_assert_eq!(*slot, u64::MAX, "object {id} written twice");
            *slot = self.pos + at as u64;
        }
        self.raw(objs.chunk.as_bytes())
    }

    /// Ends the file: cross-reference section and trailer. `force_stream` selects a
    /// cross-reference stream even for small files (used by tests).
    pub(crate) fn finish(
        mut self,
        root: Ref,
        info: Ref,
        file_id: [u8; 16],
        force_stream: bool,
    ) -> io::Result<(W, u64)> {
        if let Some(missing) = self.offsets.iter().skip(1).position(|&o| o == u64::MAX) {
            return Err(io::Error::other(format!(
                "internal error: object {} was never written",
                missing + 1
            )));
        }
        let xref_at = self.pos;
        let mut id_hex = String::with_capacity(32);
        for b in file_id {
            id_hex.push_str(&format!("{b:02X}"));
        }
        if xref_at <= CLASSIC_XREF_LIMIT && !force_stream {
            let size = self.offsets.len();
            self.raw(format!("xref\n0 {size}\n0000000000 65535 f\r\n").as_bytes())?;
            let offsets = std::mem::take(&mut self.offsets);
            let mut table = Vec::with_capacity(20 * 4096);
            for &off in &offsets[1..] {
                table.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
                if table.len() >= 20 * 4096 {
                    self.raw(&table)?;
                    table.clear();
                }
            }
            self.raw(&table)?;
            self.raw(
                format!(
                    "trailer\n<< /Size {size} /Root {} 0 R /Info {} 0 R /ID [<{id_hex}> <{id_hex}>] >>\n",
                    root.get(),
                    info.get()
                )
                .as_bytes(),
            )?;
        } else {
            // The stream itself is one more object, written last.
            let xref_id = self.offsets.len();
            self.offsets.push(xref_at);
            let size = self.offsets.len();
            let mut rows = Vec::with_capacity(size * 8);
            rows.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0xFF, 0xFF]);
            for &off in &self.offsets[1..] {
                rows.push(1);
                rows.extend_from_slice(&off.to_be_bytes()[3..]);
                rows.extend_from_slice(&[0, 0]);
            }
            let data = deflate(&rows);
            self.raw(
                format!(
                    "{xref_id} 0 obj\n<< /Type /XRef /Size {size} /W [1 5 2] /Root {} 0 R /Info {} 0 R \
                     /ID [<{id_hex}> <{id_hex}>] /Filter /FlateDecode /Length {} >>\nstream\n",
                    root.get(),
                    info.get(),
                    data.len()
                )
                .as_bytes(),
            )?;
            self.raw(&data)?;
            self.raw(b"\nendstream\nendobj\n")?;
        }
        self.raw(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes())?;
        self.out.flush()?;
        Ok((self.out, self.pos))
    }
}
