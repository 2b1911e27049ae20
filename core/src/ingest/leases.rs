//! The inputs' objects as the write stage reads them. A small input (a folder of one file a
//! letter has thousands of inputs) is read afresh from its file and parsed while the stage is on
//! its pages, and let go of once it is past them ([`ObjectLeases::let_go`]): kept for the whole
//! job, its objects cost about 45 KB an input, more than the input itself, and its bytes a memory
//! map or the memory they take. Everyone who reads them holds a share ([`InputObjects`]), so
//! letting go frees them only once the last reader is done: a reader the schedule did not foresee
//! costs a second reading, never a dangling object. A large input's objects are its own, read
//! all through the job, as in every other stage.

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
    Leased(Arc<ObjectStore>),
}

impl Deref for InputObjects<'_> {
    type Target = ObjectStore;

    fn deref(&self) -> &ObjectStore {
        match self {
            InputObjects::Own(store) => store,
            InputObjects::Leased(store) => store,
        }
    }
}

impl<'a> InputObjects<'a> {
    /// Stream `id`'s dictionary and raw data for as long as the input is open: borrowed from
    /// the input's own objects, copied from a share (which goes when the stage is past the
    /// input).
    pub fn raw_stream_of_input(&self, id: ObjectId) -> lopdf::Result<(Cow<'a, Dictionary>, Cow<'a, [u8]>)> {
        match self {
            InputObjects::Own(store) => {
                let stream = store.raw_stream(id)?;
                Ok((stream.dict, Cow::Borrowed(stream.data)))
            }
            InputObjects::Leased(store) => {
                let stream = store.raw_stream(id)?;
                Ok((Cow::Owned(stream.dict.into_owned()), Cow::Owned(stream.data.to_vec())))
            }
        }
    }
}

impl<'a> ObjectLeases<'a> {
    pub fn new(sources: &'a [SourceDocument]) -> ObjectLeases<'a> {
        ObjectLeases { sources, leased: sources.iter().map(|_| Mutex::new(None)).collect() }
    }

    /// The inputs whose objects these are.
    pub fn sources(&self) -> &'a [SourceDocument] {
        self.sources
    }

    /// Input `input`'s objects: a small input's read afresh (shared with the stage's other
    /// readers until let go of), any other's its own. A small file that can no longer be read
    /// as the one the job opened is read through its own store, which then reads it as empty:
    /// the job fails on it.
    pub fn of(&self, input: usize) -> InputObjects<'a> {
        let source = &self.sources[input];
        if !source.is_small() {
            return InputObjects::Own(&source.doc);
        }
        let mut leased = self.leased[input].lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(store) = leased.as_ref() {
            return InputObjects::Leased(Arc::clone(store));
        }
        let fresh = source.bytes_afresh().and_then(Result::ok).and_then(|bytes| source.doc.fresh_from(bytes));
        match fresh {
            Some(fresh) => InputObjects::Leased(Arc::clone(leased.insert(Arc::new(fresh)))),
            None => InputObjects::Own(&source.doc),
        }
    }

    /// The stage is past input `input`'s pages: its objects and bytes go once no reader holds
    /// them.
    pub fn let_go(&self, input: usize) {
        if let Some(leased) = self.leased.get(input) {
            leased.lock().unwrap_or_else(PoisonError::into_inner).take();
        }
    }

    /// Whether input `input`'s objects are held for the stage.
    #[cfg(test)]
    fn holds(&self, input: usize) -> bool {
        self.leased.get(input).is_some_and(|l| l.lock().unwrap_or_else(PoisonError::into_inner).is_some())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::ingest::{open, open_bytes, IngestOptions, Origin};
    use lopdf::{dictionary, Document, Object, Stream};

    /// A one-page PDF whose page content is `content`, as bytes.
    pub(in crate::ingest) fn one_page(content: Vec<u8>) -> Vec<u8> {
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
        let dir = tempfile::tempdir().unwrap();
        let (small, large) = (dir.path().join("small.pdf"), dir.path().join("large.pdf"));
        std::fs::write(&small, one_page(b"0 0 10 10 re f".to_vec())).unwrap();
        std::fs::write(&large, one_page(vec![b' '; 1_100_000])).unwrap();
        let options = IngestOptions::default();
        let sources = [open(&small, &options).unwrap(), open(&large, &options).unwrap()];
        let leases = ObjectLeases::new(&sources);
        let content = sources[0].pages[0].contents[0];

        let objects = leases.of(0);
        assert!(matches!(objects, InputObjects::Leased(_)) && leases.holds(0));
        // A stream's data, before and after the share holds the stream parsed: a copy that
        // outlasts the share.
        for parsed in [false, true] {
            if parsed {
                assert!(objects.get_object(content).is_ok_and(|o| o.as_stream().is_ok()));
            }
            let (_, data) = objects.raw_stream_of_input(content).unwrap();
            assert!(matches!(data, Cow::Owned(_)));
            assert_eq!(&*data, b"0 0 10 10 re f");
        }
        // Read afresh for the share: the input's own bytes were not read again.
        let Origin::OnDemand(file) = &sources[0].origin else { panic!("a small file is read on demand") };
        assert!(!file.is_loaded());

        // Let go of while a reader holds it: the reader still reads, and the next reader
        // gets a store of its own.
        leases.let_go(0);
        assert!(!leases.holds(0));
        assert!(objects.get_object(content).is_ok());
        let again = leases.of(0);
        let (InputObjects::Leased(first), InputObjects::Leased(second)) = (&objects, &again) else {
            panic!("both leased");
        };
        assert!(!Arc::ptr_eq(first, second));

        assert!(matches!(leases.of(1), InputObjects::Own(_)) && !leases.holds(1));

        // A file replaced since it was opened is not read for the stage.
        std::fs::write(dir.path().join("new.pdf"), one_page(b"0 0 20 20 re f".to_vec())).unwrap();
        std::fs::rename(dir.path().join("new.pdf"), &small).unwrap();
        leases.let_go(0);
        let replaced = leases.of(0);
        assert!(matches!(replaced, InputObjects::Own(_)));
        assert!(replaced.raw_stream_of_input(content).is_err());
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
        assert_eq!(objects.decoded_object_streams(), 1, "the page is in an object stream");
        assert_eq!(sources[0].doc.decoded_object_streams(), 0, "decoded into the share");
        // A reader still holding the share still reads once it is let go of.
        leases.let_go(0);
        assert!(objects.get_object(sources[0].pages[0].object).is_ok());
    }
}
