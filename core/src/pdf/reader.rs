//! Objects on demand from a memory-mapped file.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use lopdf::{Dictionary, Object, ObjectId};

use super::filters::{self, FilterError};
use super::syntax::{memchr_find, Parser, SyntaxError};
use super::xref::{self, Entry, XrefTable};

/// The most objects a file may declare.
pub const DEFAULT_MAX_OBJECTS: usize = 50_000_000;
/// The largest an object stream may decompress to.
const MAX_OBJECT_STREAM_BYTES: usize = 64 * 1024 * 1024;
/// How many indirect `/Length` lookups may nest (they can point at further streams).
const MAX_LENGTH_DEPTH: usize = 4;

/// Why the lazy reader cannot read a file or an object.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Syntax(#[from] SyntaxError),
    #[error("the file is encrypted")]
    Encrypted,
    #[error("object {0} {1} R is missing")]
    Missing(u32, u16),
    #[error("object {0} {1} R: {2}")]
    Object(u32, u16, String),
    #[error("object stream {0}: {1}")]
    ObjectStream(u32, String),
}

/// The bytes of a file: memory-mapped or owned.
pub type Bytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A decoded object stream: its data and where each object starts in it.
struct ObjectStream {
    data: Vec<u8>,
    objects: Vec<(u32, usize)>,
}

/// A PDF read lazily.
pub struct LazyPdf {
    bytes: Bytes,
    xref: XrefTable,
    header_offset: usize,
    object_streams: Mutex<HashMap<u32, Arc<ObjectStream>>>,
}

impl std::fmt::Debug for LazyPdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyPdf").field("objects", &self.xref.entries.len()).finish()
    }
}

impl LazyPdf {
    /// Reads the cross-reference data and checks that the catalog parses.
    pub fn open(bytes: Bytes, max_objects: usize) -> Result<LazyPdf, ReadError> {
        let data = (*bytes).as_ref();
        let header_offset = memchr_find(&data[..data.len().min(1024)], b"%PDF-")
            .ok_or_else(|| SyntaxError { offset: 0, message: "no %PDF- header".into() })?;
        let xref = xref::read(data, max_objects)?;
        if xref.trailer.get(b"Encrypt").is_ok() {
            return Err(ReadError::Encrypted);
        }
        let pdf = LazyPdf { bytes, xref, header_offset, object_streams: Mutex::new(HashMap::new()) };
        let root = pdf
            .trailer()
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| SyntaxError { offset: 0, message: "the trailer has no /Root".into() })?;
        pdf.get(root)?
            .as_dict()
            .map_err(|_| ReadError::Object(root.0, root.1, "the catalog is not a dictionary".into()))?;
        Ok(pdf)
    }

    pub fn trailer(&self) -> &Dictionary {
        &self.xref.trailer
    }

    /// The same file, read from here on from `bytes`: the same bytes held elsewhere (a file read
    /// into memory to be parsed, then read again from the file only when asked for).
    pub fn reading_from(self, bytes: Bytes) -> LazyPdf {
        LazyPdf { bytes, ..self }
    }

    /// The same file read from `bytes` (the same bytes, read again), with no object stream
    /// decoded yet.
    pub fn with_bytes(&self, bytes: Bytes) -> LazyPdf {
        LazyPdf {
            bytes,
            xref: self.xref.clone(),
            header_offset: self.header_offset,
            object_streams: Mutex::new(HashMap::new()),
        }
    }

    /// Lets go of the object streams decoded so far, to be decoded again when asked for.
    pub fn forget_object_streams(&self) {
        if let Ok(mut cache) = self.object_streams.lock() {
            *cache = HashMap::new();
        }
    }

    /// How many object streams are held decoded.
    #[cfg(test)]
    pub(crate) fn decoded_object_streams(&self) -> usize {
        self.object_streams.lock().map_or(0, |cache| cache.len())
    }

    /// How many object numbers the file declares.
    pub fn object_count(&self) -> usize {
        self.xref.entries.len()
    }

    fn data(&self) -> &[u8] {
        (*self.bytes).as_ref()
    }

    /// Parses object `id`.
    pub fn get(&self, id: ObjectId) -> Result<Object, ReadError> {
        let (object, data) = self.get_parts(id)?;
        Ok(match (object, data) {
            (Object::Dictionary(dict), Some(data)) => Object::Stream(lopdf::Stream {
                dict,
                content: self.data()[data.clone()].to_vec(),
                allows_compression: true,
                start_position: Some(data.start),
            }),
            (object, _) => object,
        })
    }

    /// Parses object `id` without copying stream bytes: the object (a stream's dictionary for a
    /// stream) and, for a stream, where its raw bytes lie in the file ([`LazyPdf::bytes_at`]).
    pub fn get_parts(&self, id: ObjectId) -> Result<(Object, Option<Range<usize>>), ReadError> {
        self.get_at_depth(id, 0)
    }

    /// The file's bytes in `range` (a stream's raw data, as [`LazyPdf::get_parts`] gives it).
    pub fn bytes_at(&self, range: Range<usize>) -> &[u8] {
        &self.data()[range]
    }

    /// The generation an in-use object has, `None` for free or unlisted numbers.
    pub fn generation(&self, number: u32) -> Option<u16> {
        match self.xref.get(number)? {
            Entry::Free => None,
            Entry::Offset { generation, .. } => Some(generation),
            Entry::Compressed { .. } => Some(0),
        }
    }

    /// Where the data of stream `id` lies and whether it is Flate, when its dictionary holds
    /// nothing but `/Length` and `/Filter /FlateDecode` ([`Parser::read_plain_stream`]); `None`
    /// for any other object, which [`LazyPdf::get_parts`] then reads.
    pub fn plain_stream(&self, id: ObjectId) -> Option<(Range<usize>, bool)> {
        let Some(Entry::Offset { offset, .. }) = self.xref.get(id.0) else { return None };
        self.object_at(id, offset).ok()?.read_plain_stream()
    }

    fn get_at_depth(&self, id: ObjectId, depth: usize) -> Result<(Object, Option<Range<usize>>), ReadError> {
        match self.xref.get(id.0) {
            None | Some(Entry::Free) => Err(ReadError::Missing(id.0, id.1)),
            Some(Entry::Offset { offset, .. }) => self.parse_at(id, offset, depth),
            Some(Entry::Compressed { stream, index }) => {
                Ok((self.parse_compressed(id, stream, index as usize)?, None))
            }
        }
    }

    fn parse_at(
        &self,
        id: ObjectId,
        offset: usize,
        depth: usize,
    ) -> Result<(Object, Option<Range<usize>>), ReadError> {
        let mut parser = self.object_at(id, offset).map_err(|why| ReadError::Object(id.0, id.1, why))?;
        let resolve = |length_id: ObjectId| -> Option<i64> {
            if depth >= MAX_LENGTH_DEPTH {
                return None;
            }
            self.get_at_depth(length_id, depth + 1).ok()?.0.as_i64().ok()
        };
        Ok(parser.read_indirect_parts(&resolve)?)
    }

    /// A parser just past the `obj` of object `id`, which the cross-reference data puts at
    /// `offset`; or why it is not there.
    fn object_at(&self, id: ObjectId, offset: usize) -> Result<Parser<'_>, String> {
        let data = self.data();
        // Offsets count from the header in files with bytes before it.
        let mut last = None;
        for base in [offset, offset + self.header_offset] {
            if base >= data.len() || (base != offset && self.header_offset == 0) {
                continue;
            }
            let mut parser = Parser::new(data, base);
            match parser.read_object_header() {
                Ok(found) if found.0 == id.0 => return Ok(parser),
                Ok(found) => last = Some(format!("offset {base} holds object {} instead", found.0)),
                Err(e) => last = Some(e.to_string()),
            }
        }
        Err(last.unwrap_or_else(|| "offset beyond the end of the file".into()))
    }

    fn parse_compressed(&self, id: ObjectId, stream: u32, index: usize) -> Result<Object, ReadError> {
        let objects = self.object_stream(stream)?;
        let &(number, offset) = objects
            .objects
            .get(index)
            .filter(|(n, _)| *n == id.0)
            .or_else(|| objects.objects.iter().find(|(n, _)| *n == id.0))
            .ok_or_else(|| ReadError::ObjectStream(stream, format!("does not hold object {}", id.0)))?;
        debug_assert_eq!(number, id.0);
        Ok(Parser::new(&objects.data, offset).read_object()?)
    }

    /// Decodes object stream `number` (kept for the objects in it): fails where it cannot be
    /// decoded within the limit.
    pub fn check_object_stream(&self, number: u32) -> Result<(), ReadError> {
        self.object_stream(number).map(|_| ())
    }

    fn object_stream(&self, number: u32) -> Result<Arc<ObjectStream>, ReadError> {
        if let Some(found) = self
            .object_streams
            .lock()
            .map_err(|_| ReadError::ObjectStream(number, "lock poisoned".into()))?
            .get(&number)
        {
            return Ok(found.clone());
        }
        let fail = |m: String| ReadError::ObjectStream(number, m);
        // An object stream is never itself compressed.
        let stream = match self.xref.get(number) {
            Some(Entry::Offset { .. }) => self.get((number, 0))?,
            _ => return Err(fail("is not a stream at a file offset".into())),
        };
        let Object::Stream(stream) = stream else {
            return Err(fail("is not a stream".into()));
        };
        let count = stream.dict.get(b"N").and_then(Object::as_i64).map_err(|_| fail("has no /N".into()))?;
        let first =
            stream.dict.get(b"First").and_then(Object::as_i64).map_err(|_| fail("has no /First".into()))?;
        let data = filters::decode(&stream, MAX_OBJECT_STREAM_BYTES)
            .map_err(|e: FilterError| fail(e.to_string()))?;
        let (Ok(count), Ok(first)) = (usize::try_from(count), usize::try_from(first)) else {
            return Err(fail("negative /N or /First".into()));
        };
        if first > data.len() || count > data.len() {
            return Err(fail("/N or /First beyond the stream".into()));
        }
        let mut header = Parser::new(&data[..first], 0);
        let mut objects = Vec::with_capacity(count);
        for _ in 0..count {
            let n = header.read_unsigned().map_err(|e| fail(e.to_string()))?;
            let at = header.read_unsigned().map_err(|e| fail(e.to_string()))?;
            objects.push((n as u32, first + at as usize));
        }
        let decoded = Arc::new(ObjectStream { data, objects });
        if let Ok(mut cache) = self.object_streams.lock() {
            cache.insert(number, decoded.clone());
        }
        Ok(decoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(bytes: Vec<u8>) -> Result<LazyPdf, ReadError> {
        LazyPdf::open(Arc::new(bytes), DEFAULT_MAX_OBJECTS)
    }

    /// Every object lopdf reads from a file, the lazy reader reads the same, for every file of
    /// the public corpus the lazy reader accepts; encrypted and broken ones it must refuse.
    #[test]
    fn the_lazy_reader_agrees_with_lopdf_on_the_public_corpus() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/public");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            panic!("the public corpus is not at {}", dir.display());
        };
        let (mut compared, mut files, mut unread, mut refused) = (0, 0, Vec::new(), Vec::new());
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "pdf") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let Ok(reference) = lopdf::Document::load_mem(&bytes) else {
                continue;
            };
            let lazy = match open(bytes) {
                Ok(lazy) => lazy,
                Err(e) => {
                    refused.push(format!("{}: {e}", path.file_name().unwrap().to_string_lossy()));
                    continue;
                }
            };
            assert!(!reference.was_encrypted(), "{}: encrypted files go to lopdf", path.display());
            files += 1;
            for (&id, object) in &reference.objects {
                let Ok(ours) = lazy.get(id) else {
                    unread.push(format!("{} {id:?}", path.display()));
                    continue;
                };
                let same = match (&ours, object) {
                    (Object::Stream(a), Object::Stream(b)) => {
                        a.content == b.content
                            || a.dict.get(b"Type").ok() == Some(&Object::Name(b"XRef".to_vec()))
                    }
                    (a, b) => a == b,
                };
                assert!(same, "{} object {:?}: lazy {:?} vs lopdf {:?}", path.display(), id, ours, object);
                compared += 1;
            }
        }
        eprintln!("refused: {refused:#?}");
        eprintln!("{files} files, {compared} objects compared, lazy failed on {}: {unread:?}", unread.len());
        assert!(files >= 40 && compared > 3000, "compared only {compared} objects in {files} files");
        assert!(unread.len() * 100 < compared, "the lazy reader failed on {} objects", unread.len());
    }

    #[test]
    fn a_minimal_file_with_a_classic_table_opens() {
        let body = b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[]/Count 0>> endobj\n";
        let mut file = body.to_vec();
        let xref = file.len();
        file.extend_from_slice(b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000054 00000 n \n");
        file.extend_from_slice(
            format!("trailer <</Size 3/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        let pdf = open(file).unwrap();
        assert_eq!(pdf.get((2, 0)).unwrap().as_dict().unwrap().get(b"Count").unwrap(), &Object::Integer(0));
        assert!(matches!(pdf.get((9, 0)), Err(ReadError::Missing(9, 0))));
    }

    #[test]
    fn a_looping_prev_chain_is_refused() {
        let mut file = b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\n".to_vec();
        let xref = file.len();
        file.extend_from_slice(format!("xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer <</Size 2/Root 1 0 R/Prev {xref}>>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
        assert!(open(file).is_err());
    }
}
