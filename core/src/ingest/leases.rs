//! The inputs' objects as the write stage reads them. A small input's objects (a folder of one
//! file a letter has thousands of inputs) are parsed afresh while the stage is on its pages and
//! let go of once it is past them ([`ObjectLeases::let_go`]): kept for the whole job, they cost
//! about 45 KB an input, more than the input itself. Everyone who reads them holds a share
//! ([`InputObjects`]), so letting go frees them only once the last reader is done: a reader the
//! schedule did not foresee costs a second parse, never a dangling object. A large input's objects
//! are its own, read throughout the job, as in every other stage.

use std::borrow::Cow;
use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError};

use lopdf::{Dictionary, ObjectId};

use super::SourceDocument;
use crate::pdf::{ObjectStore, Objects};

/// The write stage's access to each input's objects.
pub struct ObjectLeases<'a> {
    sources: &'a [SourceDocument],
    /// Per input: the store read afresh for the stage, while one is.
    leased: Vec<Mutex<Option<Arc<ObjectStore>>>>,
}

/// One input's objects: its own, or a share of the store read afresh for the stage.
pub enum InputObjects<'a> {
    Own(&'a ObjectStore),
    Leased { store: Arc<ObjectStore>, source: &'a SourceDocument },
}

impl Deref for InputObjects<'_> {
    type Target = ObjectStore;

    fn deref(&self) -> &ObjectStore {
        match self {
            InputObjects::Own(store) => store,
            InputObjects::Leased { store, .. } => store,
        }
    }
}

impl<'a> InputObjects<'a> {
    /// Stream `id`'s dictionary and raw data for as long as the input is open: borrowed from
    /// the input's bytes, not from the share, wherever the reader holds them there (a stream
    /// the reader holds parsed is copied).
    pub fn raw_stream_of_input(&self, id: ObjectId) -> lopdf::Result<(Cow<'a, Dictionary>, Cow<'a, [u8]>)> {
        match self {
            InputObjects::Own(store) => {
                let stream = store.raw_stream(id)?;
                Ok((stream.dict, Cow::Borrowed(stream.data)))
            }
            InputObjects::Leased { store, source } => {
                let stream = store.raw_stream(id)?;
                let data = match within(source.file_bytes(), stream.data) {
                    Some(data) => Cow::Borrowed(data),
                    None => Cow::Owned(stream.data.to_vec()),
                };
                Ok((Cow::Owned(stream.dict.into_owned()), data))
            }
        }
    }
}

/// `part` as a slice of `whole`, when it lies inside it.
fn within<'w>(whole: &'w [u8], part: &[u8]) -> Option<&'w [u8]> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    whole.get(start..start.checked_add(part.len())?)
}

impl<'a> ObjectLeases<'a> {
    pub fn new(sources: &'a [SourceDocument]) -> ObjectLeases<'a> {
        ObjectLeases { sources, leased: sources.iter().map(|_| Mutex::new(None)).collect() }
    }

    /// Input `input`'s objects: a small input's read afresh (shared with the stage's other
    /// readers until let go of), any other's its own.
    pub fn of(&self, input: usize) -> InputObjects<'a> {
        let source = &self.sources[input];
        if !source.is_small() {
            return InputObjects::Own(&source.doc);
        }
        let mut leased = self.leased[input].lock().unwrap_or_else(PoisonError::into_inner);
        let store = match leased.as_ref() {
            Some(store) => Arc::clone(store),
            None => match source.doc.fresh() {
                Some(fresh) => Arc::clone(leased.insert(Arc::new(fresh))),
                None => return InputObjects::Own(&source.doc),
            },
        };
        InputObjects::Leased { store, source }
    }

    /// The stage is past input `input`'s pages: its objects, and the object streams decoded for
    /// them, go once no reader holds them.
    pub fn let_go(&self, input: usize) {
        if let Some(leased) = self.leased.get(input) {
            leased.lock().unwrap_or_else(PoisonError::into_inner).take();
            self.sources[input].doc.forget_object_streams();
        }
    }

    /// Whether input `input`'s objects are held for the stage.
    #[cfg(test)]
    fn holds(&self, input: usize) -> bool {
        self.leased.get(input).is_some_and(|l| l.lock().unwrap_or_else(PoisonError::into_inner).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{open_bytes, IngestOptions};
    use lopdf::{dictionary, Document, Object, Stream};

    /// A one-page PDF whose page content is `content`, as bytes.
    fn one_page(content: Vec<u8>) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages = doc.new_object_id();
        let contents = doc.add_object(Stream::new(dictionary! {}, content));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "MediaBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
            "Contents" => contents,
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn a_small_input_is_read_afresh_until_let_go_and_a_large_one_is_its_own() {
        let options = IngestOptions::default();
        let small =
            open_bytes("small.pdf".as_ref(), &one_page(b"0 0 10 10 re f".to_vec()), &options).unwrap();
        let large = open_bytes("large.pdf".as_ref(), &one_page(vec![b' '; 1_100_000]), &options).unwrap();
        let sources = [small, large];
        let leases = ObjectLeases::new(&sources);
        let content = sources[0].pages[0].contents[0];

        let objects = leases.of(0);
        assert!(matches!(objects, InputObjects::Leased { .. }) && leases.holds(0));
        // A stream's data outlasts the share: it is the input's own bytes, also once the share
        // holds the stream parsed.
        let bytes = sources[0].file_bytes().as_ptr_range();
        for parsed in [false, true] {
            if parsed {
                assert!(objects.get_object(content).is_ok_and(|o| o.as_stream().is_ok()));
            }
            let (_, data) = objects.raw_stream_of_input(content).unwrap();
            assert!(matches!(data, Cow::Borrowed(_)));
            assert_eq!(&*data, b"0 0 10 10 re f");
            assert!(bytes.contains(&data.as_ptr()), "parsed: {parsed}");
        }

        // Let go of while a reader holds it: the reader still reads, and the next reader
        // gets a store of its own.
        leases.let_go(0);
        assert!(!leases.holds(0));
        assert!(objects.get_object(content).is_ok());
        let again = leases.of(0);
        let (InputObjects::Leased { store: first, .. }, InputObjects::Leased { store: second, .. }) =
            (&objects, &again)
        else {
            panic!("both leased");
        };
        assert!(!Arc::ptr_eq(first, second));

        assert!(matches!(leases.of(1), InputObjects::Own(_)) && !leases.holds(1));
    }

    #[test]
    fn object_streams_decoded_for_a_small_input_go_with_its_objects() {
        let mut doc = Document::load_mem(&one_page(b"0 0 10 10 re f".to_vec())).unwrap();
        let mut bytes = Vec::new();
        doc.save_modern(&mut bytes).unwrap();
        let source = open_bytes("packed.pdf".as_ref(), &bytes, &IngestOptions::default()).unwrap();
        // Read whole when opened, then let go of.
        assert_eq!(source.doc.decoded_object_streams(), 0);
        let sources = [source];
        let leases = ObjectLeases::new(&sources);
        let objects = leases.of(0);
        assert!(objects.get_object(sources[0].pages[0].object).is_ok());
        assert_eq!(sources[0].doc.decoded_object_streams(), 1, "the page is in an object stream");
        leases.let_go(0);
        assert_eq!(sources[0].doc.decoded_object_streams(), 0);
        // A reader still holding the share still reads.
        assert!(objects.get_object(sources[0].pages[0].object).is_ok());
    }
}
