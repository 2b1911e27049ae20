//! A lazy PDF reader for the hot path: the file stays memory-mapped, the cross-reference data is
//! read once, and each object is parsed only when asked for. Stream bytes are returned as they
//! are in the file (filters untouched), so page content is copied, never re-encoded.
//!
//! It reads well-formed files (classic or stream cross-references, object streams, hybrid
//! files, incremental updates). Encrypted or damaged files are left to lopdf, which decrypts and
//! repairs; `ingest` chooses.

pub mod filters;
pub mod plain;
pub mod reader;
pub mod store;
pub mod syntax;
pub mod xref;

pub use reader::{Bytes, LazyPdf, ReadError};
pub use store::{ObjectStore, Objects, RawStream};

/// A dictionary entry, or `None`: lopdf's own `Dictionary::get` builds an error message, with
/// an allocation, for every key that is missing, and the hot paths look up many missing keys.
pub trait Entry {
    fn entry(&self, key: &[u8]) -> Option<&lopdf::Object>;
}

impl Entry for lopdf::Dictionary {
    fn entry(&self, key: &[u8]) -> Option<&lopdf::Object> {
        self.as_hashmap().get(key)
    }
}
