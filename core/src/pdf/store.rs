//! The objects of an input, whichever reader holds them: lopdf's whole parsed document (damaged
//! and encrypted files, which it repairs and decrypts), or the lazy reader over the memory-mapped
//! file (well-formed files: the hot path). The rest of the pipeline reads objects only through
//! [`Objects`], so it does not know which.
//!
//! The lazy store parses each object at most once and keeps it, except streams: their bytes stay
//! in the file, and [`Objects::stream`] reads one (dictionary parsed, data copied) each time it is
//! asked, so page content is never held for the length of a job.

use crate::pdf::Entry as _;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::{LazyLock, OnceLock};

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use rayon::prelude::*;

use super::reader::{Bytes, LazyPdf, ReadError};

/// How many references [`Objects::dereference`] follows in a chain (as lopdf does).
const DEREF_LIMIT: usize = 128;

/// Read access to a PDF's objects.
pub trait Objects: Sync {
    /// Object `id`, following a chain of references to its end.
    fn get_object(&self, id: ObjectId) -> lopdf::Result<&Object>;

    /// The file's trailer dictionary.
    fn trailer(&self) -> &Dictionary;

    /// Stream `id`. Borrowed where the reader holds it; read afresh (never kept) where it
    /// does not.
    fn stream(&self, id: ObjectId) -> lopdf::Result<Cow<'_, Stream>> {
        self.get_object(id)?.as_stream().map(Cow::Borrowed)
    }

    /// Stream `id`'s dictionary and raw data (filters untouched), borrowed from the file where the
    /// reader keeps it mapped: nothing is copied.
    fn raw_stream(&self, id: ObjectId) -> lopdf::Result<RawStream<'_>> {
        let stream = self.get_object(id)?.as_stream()?;
        Ok(RawStream { dict: Cow::Borrowed(&stream.dict), data: &stream.content })
    }

    /// Whether object `id` is a stream (without reading the stream).
    fn is_stream(&self, id: ObjectId) -> bool {
        matches!(self.get_object(id), Ok(Object::Stream(_)))
    }

    /// Object `id` like [`Objects::get_object`], but a stream the reader does not hold is read
    /// afresh and not kept (for objects copied once, such as images).
    fn fetch(&self, id: ObjectId) -> lopdf::Result<Cow<'_, Object>> {
        self.get_object(id).map(Cow::Borrowed)
    }

    /// Object `id`, but a stream only as its dictionary (never reading its data where the
    /// reader does not hold it): enough to tell what kind of object it is.
    fn head(&self, id: ObjectId) -> lopdf::Result<Cow<'_, Object>> {
        self.get_object(id).map(Cow::Borrowed)
    }

    /// `object`, or what a reference (chain) points at, with the last reference followed.
    fn dereference<'a>(&'a self, object: &'a Object) -> lopdf::Result<(Option<ObjectId>, &'a Object)> {
        let mut object = object;
        let mut id = None;
        let mut hops = 0;
        while let Object::Reference(target) = object {
            hops += 1;
            if hops > DEREF_LIMIT {
                return Err(lopdf::Error::ReferenceLimit);
            }
            id = Some(*target);
            object = self.get_object(*target)?;
        }
        Ok((id, object))
    }

    /// Object `id` as a dictionary (a stream's dictionary for a stream).
    fn get_dictionary(&self, id: ObjectId) -> lopdf::Result<&Dictionary> {
        match self.get_object(id)? {
            Object::Stream(stream) => Ok(&stream.dict),
            object => object.as_dict(),
        }
    }

    /// The document catalog.
    fn catalog(&self) -> lopdf::Result<&Dictionary> {
        let root = self.trailer().get(b"Root")?.as_reference()?;
        self.get_dictionary(root)
    }
}

impl Objects for Document {
    fn get_object(&self, id: ObjectId) -> lopdf::Result<&Object> {
        Document::get_object(self, id)
    }

    fn trailer(&self) -> &Dictionary {
        &self.trailer
    }
}

/// A stream's dictionary and its raw data.
#[derive(Debug)]
pub struct RawStream<'a> {
    pub dict: Cow<'a, Dictionary>,
    pub data: &'a [u8],
}

impl RawStream<'_> {
    /// As a lopdf stream (the data copied).
    pub fn to_stream(&self) -> Stream {
        Stream {
            dict: self.dict.clone().into_owned(),
            content: self.data.to_vec(),
            allows_compression: true,
            start_position: None,
        }
    }
}

/// An input's objects: lopdf's document, or the lazy reader's.
pub enum ObjectStore {
    Loaded(Box<Document>),
    Lazy(LazyObjects),
}

impl std::fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectStore::Loaded(doc) => {
                f.debug_struct("Loaded").field("objects", &doc.objects.len()).finish()
            }
            ObjectStore::Lazy(lazy) => f.debug_tuple("Lazy").field(&lazy.pdf).finish(),
        }
    }
}

impl ObjectStore {
    /// lopdf's document, when it holds the objects.
    pub fn loaded(&self) -> Option<&Document> {
        match self {
            ObjectStore::Loaded(doc) => Some(doc),
            ObjectStore::Lazy(_) => None,
        }
    }

    /// How many objects the file lists.
    pub fn object_count(&self) -> usize {
        match self {
            ObjectStore::Loaded(doc) => doc.objects.len(),
            ObjectStore::Lazy(lazy) => lazy.listed,
        }
    }

    /// The same objects, the lazy reader's read from here on from `bytes`, the same bytes held
    /// elsewhere (lopdf's document holds copies of its own).
    pub fn reading_from(self, bytes: Bytes) -> ObjectStore {
        match self {
            ObjectStore::Lazy(lazy) => ObjectStore::Lazy(lazy.reading_from(bytes)),
            loaded => loaded,
        }
    }

    /// The lazy reader's objects afresh, read from `bytes` (the file's bytes, read again):
    /// nothing parsed or decoded yet (`None` for lopdf's document, which holds its objects
    /// whole).
    pub fn fresh_from(&self, bytes: Bytes) -> Option<ObjectStore> {
        match self {
            ObjectStore::Lazy(lazy) => Some(ObjectStore::Lazy(lazy.fresh_from(bytes))),
            ObjectStore::Loaded(_) => None,
        }
    }

    /// Lets go of what the lazy reader parsed, to be parsed again when asked for.
    pub fn forget_parsed(&mut self) {
        if let ObjectStore::Lazy(lazy) = self {
            lazy.slots = unparsed(lazy.slots.len());
        }
        self.forget_object_streams();
    }

    /// How many object streams the lazy reader holds decoded.
    #[cfg(test)]
    pub(crate) fn decoded_object_streams(&self) -> usize {
        match self {
            ObjectStore::Lazy(lazy) => lazy.pdf.decoded_object_streams(),
            ObjectStore::Loaded(_) => 0,
        }
    }

    /// Lets go of the object streams the lazy reader decoded, to be decoded again when asked
    /// for.
    fn forget_object_streams(&self) {
        if let ObjectStore::Lazy(lazy) = self {
            lazy.pdf.forget_object_streams();
        }
    }
}

impl Objects for ObjectStore {
    fn get_object(&self, id: ObjectId) -> lopdf::Result<&Object> {
        match self {
            ObjectStore::Loaded(doc) => Document::get_object(doc, id),
            ObjectStore::Lazy(lazy) => lazy.get_object(id),
        }
    }

    fn trailer(&self) -> &Dictionary {
        match self {
            ObjectStore::Loaded(doc) => &doc.trailer,
            ObjectStore::Lazy(lazy) => lazy.pdf.trailer(),
        }
    }

    fn stream(&self, id: ObjectId) -> lopdf::Result<Cow<'_, Stream>> {
        match self {
            ObjectStore::Loaded(doc) => Document::get_object(doc, id)?.as_stream().map(Cow::Borrowed),
            ObjectStore::Lazy(lazy) => lazy.stream(id),
        }
    }

    fn raw_stream(&self, id: ObjectId) -> lopdf::Result<RawStream<'_>> {
        match self {
            ObjectStore::Loaded(doc) => {
                let stream = Document::get_object(doc, id)?.as_stream()?;
                Ok(RawStream { dict: Cow::Borrowed(&stream.dict), data: &stream.content })
            }
            ObjectStore::Lazy(lazy) => lazy.raw_stream(id),
        }
    }

    fn is_stream(&self, id: ObjectId) -> bool {
        match self {
            ObjectStore::Loaded(doc) => matches!(Document::get_object(doc, id), Ok(Object::Stream(_))),
            ObjectStore::Lazy(lazy) => match lazy.slot(id) {
                Ok(Slot::Stream(..)) => true,
                Ok(Slot::Object(Object::Reference(_))) => {
                    matches!(lazy.get_object(id), Ok(Object::Stream(_)))
                }
                _ => false,
            },
        }
    }

    fn head(&self, id: ObjectId) -> lopdf::Result<Cow<'_, Object>> {
        match self {
            ObjectStore::Loaded(doc) => Document::get_object(doc, id).map(Cow::Borrowed),
            ObjectStore::Lazy(lazy) => match lazy.slot(id)? {
                Slot::Stream(..) => match lazy.pdf.get_parts(id) {
                    Ok((dict, _)) => Ok(Cow::Owned(dict)),
                    Err(_) => Err(lopdf::Error::ObjectNotFound(id)),
                },
                Slot::Object(_) => lazy.get_object(id).map(Cow::Borrowed),
            },
        }
    }

    fn fetch(&self, id: ObjectId) -> lopdf::Result<Cow<'_, Object>> {
        match self {
            ObjectStore::Loaded(doc) => Document::get_object(doc, id).map(Cow::Borrowed),
            ObjectStore::Lazy(lazy) => match lazy.slot(id)? {
                Slot::Stream(kept, _) => match kept.get() {
                    Some(Some(object)) => Ok(Cow::Borrowed(object)),
                    _ => lazy.pdf.get(id).map(Cow::Owned).map_err(|_| lopdf::Error::ObjectNotFound(id)),
                },
                Slot::Object(_) => lazy.get_object(id).map(Cow::Borrowed),
            },
        }
    }
}

/// How many objects [`LazyObjects::open`] reads between two calls of its `between_chunks`.
const OPEN_CHUNK: usize = 32 * 1024;

/// One object number's slot in the lazy store.
enum Slot {
    /// A stream: its bytes stay in the file unless it is asked for by [`Objects::get_object`]
    /// (`None` inside when it cannot be read then); where its dictionary says no more than
    /// its length and Flate (nearly every page's content), where its data lies, so that
    /// [`Objects::raw_stream`] needs no parsing.
    Stream(OnceLock<Option<Object>>, Option<CommonHead>),
    /// Any other object, parsed.
    Object(Object),
}

/// `count` object slots with nothing parsed.
fn unparsed(count: usize) -> Vec<OnceLock<Slot>> {
    (0..count).map(|_| OnceLock::new()).collect()
}

/// The lazy reader's objects, each parsed once when first asked for (streams excepted).
pub struct LazyObjects {
    pdf: LazyPdf,
    slots: Vec<OnceLock<Slot>>,
    /// In-use objects the cross-reference data lists.
    listed: usize,
}

impl LazyObjects {
    /// Opens a well-formed file and reads every object it lists once, in parallel, so that a
    /// file with any unreadable object is known at once (lopdf, which repairs, takes it then).
    /// `visit` sees every object (a stream's dictionary for a stream), as an inventory would;
    /// `fold` combines what it returns, starting from `empty`. Streams are not kept; everything
    /// else is.
    pub fn open<T: Send>(
        bytes: Bytes,
        max_objects: usize,
        visit: impl Fn(&Object) -> T + Sync,
        fold: impl Fn(T, T) -> T + Sync + Send,
        empty: impl Fn() -> T + Sync + Send,
        between_chunks: &dyn Fn(),
    ) -> Result<(LazyObjects, T), ReadError> {
        let pdf = LazyPdf::open(bytes, max_objects)?;
        let count = pdf.object_count();
        let numbers: Vec<u32> = (0..count as u32).filter(|&n| pdf.generation(n).is_some()).collect();
        let slots = unparsed(count);
        let one = |acc: T, number: u32| -> Result<T, ReadError> {
            let generation = pdf.generation(number).unwrap_or(0);
            if let Some((data, flate)) = pdf.plain_stream((number, generation)) {
                // A dictionary of a length and a filter carries nothing to visit but itself.
                let _ = slots[number as usize]
                    .set(Slot::Stream(OnceLock::new(), Some(CommonHead { data, flate })));
                return Ok::<T, ReadError>(fold(acc, visit(&PLAIN_STREAM)));
            }
            let (object, data) = pdf.get_parts((number, generation))?;
            let seen = match (object, data) {
                (Object::Dictionary(dict), Some(data)) => {
                    if dict.entry(b"Type").and_then(|t| t.as_name().ok()) == Some(b"ObjStm") {
                        // Decoded now even when nothing lists an object in it, as lopdf does,
                        // so that a bomb there sends the file to lopdf, which refuses it.
                        pdf.check_object_stream(number)?;
                    }
                    let slot = Slot::stream(&dict, data);
                    let stream = Object::Stream(Stream {
                        dict,
                        content: Vec::new(),
                        allows_compression: true,
                        start_position: None,
                    });
                    let seen = visit(&stream);
                    let _ = slots[number as usize].set(slot);
                    seen
                }
                (object, _) => {
                    let seen = visit(&object);
                    let _ = slots[number as usize].set(Slot::Object(object));
                    seen
                }
            };
            Ok::<T, ReadError>(fold(acc, seen))
        };
        // In chunks of the file, so that `between_chunks` can release what was read.
        let mut visited = empty();
        for chunk in numbers.chunks(OPEN_CHUNK) {
            let part = chunk
                .par_iter()
                .with_min_len(256)
                .try_fold(&empty, |acc, &number| one(acc, number))
                .try_reduce(&empty, |a, b| Ok(fold(a, b)))?;
            visited = fold(visited, part);
            between_chunks();
        }
        let listed = numbers.len();
        Ok((LazyObjects { pdf, slots, listed }, visited))
    }

    /// The same objects, read from here on from `bytes` ([`LazyPdf::reading_from`]).
    pub fn reading_from(self, bytes: Bytes) -> LazyObjects {
        LazyObjects { pdf: self.pdf.reading_from(bytes), ..self }
    }

    /// The same file's objects read from `bytes` (the same file's bytes, read again), nothing
    /// parsed or decoded yet: each is parsed again when asked for.
    pub fn fresh_from(&self, bytes: Bytes) -> LazyObjects {
        LazyObjects {
            pdf: self.pdf.with_bytes(bytes),
            slots: unparsed(self.slots.len()),
            listed: self.listed,
        }
    }

    fn slot(&self, id: ObjectId) -> lopdf::Result<&Slot> {
        if self.pdf.generation(id.0) != Some(id.1) {
            return Err(lopdf::Error::ObjectNotFound(id));
        }
        let slot = self.slots.get(id.0 as usize).ok_or(lopdf::Error::ObjectNotFound(id))?;
        if let Some(slot) = slot.get() {
            return Ok(slot);
        }
        let (object, data) = self.pdf.get_parts(id).map_err(|_| lopdf::Error::ObjectNotFound(id))?;
        Ok(slot.get_or_init(|| Slot::of(object, data)))
    }

    /// The object `id` holds itself (a reference when it is one), streams kept once asked for.
    fn own(&self, id: ObjectId) -> lopdf::Result<&Object> {
        match self.slot(id)? {
            Slot::Object(object) => Ok(object),
            Slot::Stream(kept, _) => {
                kept.get_or_init(|| self.pdf.get(id).ok()).as_ref().ok_or(lopdf::Error::ObjectNotFound(id))
            }
        }
    }

    fn get_object(&self, id: ObjectId) -> lopdf::Result<&Object> {
        let mut object = self.own(id)?;
        for _ in 0..DEREF_LIMIT {
            match object {
                Object::Reference(target) => object = self.own(*target)?,
                _ => return Ok(object),
            }
        }
        Err(lopdf::Error::ReferenceLimit)
    }

    fn raw_stream(&self, id: ObjectId) -> lopdf::Result<RawStream<'_>> {
        match self.slot(id)? {
            Slot::Stream(_, Some(head)) => Ok(RawStream {
                dict: Cow::Borrowed(if head.flate { &FLATE_DICT } else { &PLAIN_DICT }),
                data: self.pdf.bytes_at(head.data.clone()),
            }),
            Slot::Stream(kept, None) => match kept.get() {
                Some(Some(Object::Stream(stream))) => {
                    Ok(RawStream { dict: Cow::Borrowed(&stream.dict), data: &stream.content })
                }
                _ => match self.pdf.get_parts(id) {
                    Ok((Object::Dictionary(dict), Some(data))) => {
                        Ok(RawStream { dict: Cow::Owned(dict), data: self.pdf.bytes_at(data) })
                    }
                    _ => Err(lopdf::Error::ObjectNotFound(id)),
                },
            },
            Slot::Object(_) => {
                let stream = self.get_object(id)?.as_stream()?;
                Ok(RawStream { dict: Cow::Borrowed(&stream.dict), data: &stream.content })
            }
        }
    }

    fn stream(&self, id: ObjectId) -> lopdf::Result<Cow<'_, Stream>> {
        match self.slot(id)? {
            Slot::Stream(kept, _) => match kept.get() {
                Some(Some(object)) => object.as_stream().map(Cow::Borrowed),
                _ => match self.pdf.get(id) {
                    Ok(Object::Stream(stream)) => Ok(Cow::Owned(stream)),
                    _ => Err(lopdf::Error::ObjectNotFound(id)),
                },
            },
            Slot::Object(_) => self.get_object(id)?.as_stream().map(Cow::Borrowed),
        }
    }
}

impl Slot {
    /// The slot of a stream with dictionary `dict`, whose data lies at `data`.
    fn stream(dict: &Dictionary, data: Range<usize>) -> Slot {
        Slot::Stream(OnceLock::new(), CommonHead::of(dict, data))
    }

    fn of(object: Object, data: Option<Range<usize>>) -> Slot {
        match (object, data) {
            (Object::Dictionary(dict), Some(data)) => Slot::stream(&dict, data),
            (_, Some(_)) => Slot::Stream(OnceLock::new(), None),
            (object, None) => Slot::Object(object),
        }
    }
}

/// A stream whose dictionary holds nothing but `/Length` and, at most, `/Filter /FlateDecode`:
/// where its data lies and whether it is Flate.
struct CommonHead {
    data: Range<usize>,
    flate: bool,
}

/// The dictionaries [`Objects::raw_stream`] gives for such streams (without `/Length`, which
/// the data's length stands for).
static FLATE_DICT: LazyLock<Dictionary> = LazyLock::new(|| lopdf::dictionary! { "Filter" => "FlateDecode" });
static PLAIN_DICT: LazyLock<Dictionary> = LazyLock::new(Dictionary::new);
/// What [`LazyObjects::open`]'s visitor sees of such a stream.
static PLAIN_STREAM: LazyLock<Object> = LazyLock::new(|| {
    Object::Stream(Stream {
        dict: Dictionary::new(),
        content: Vec::new(),
        allows_compression: true,
        start_position: None,
    })
});

impl CommonHead {
    fn of(dict: &Dictionary, data: Range<usize>) -> Option<CommonHead> {
        let mut flate = false;
        for (key, value) in dict.iter() {
            match (key.as_slice(), value) {
                (b"Length", _) => {}
                (b"Filter", Object::Name(name)) if name == b"FlateDecode" => flate = true,
                _ => return None,
            }
        }
        Some(CommonHead { data, flate })
    }
}
