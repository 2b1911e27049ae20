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

/// Dictionaries up to this size are searched entry by entry: comparing a few short keys costs
/// less than hashing one (lopdf's maps hash with SipHash).
const SEARCHED_IN_ORDER: usize = 8;

impl Entry for lopdf::Dictionary {
    fn entry(&self, key: &[u8]) -> Option<&lopdf::Object> {
        let map = self.as_hashmap();
        if map.len() <= SEARCHED_IN_ORDER {
            return map.iter().find(|(k, _)| k.as_slice() == key).map(|(_, v)| v);
        }
        map.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::Entry;
    use lopdf::{Dictionary, Object};

    #[test]
    fn entries_are_found_in_small_and_large_dictionaries_and_missing_ones_are_none() {
        for size in [0usize, 1, 8, 9, 40] {
            let mut dict = Dictionary::new();
            for i in 0..size {
                dict.set(format!("K{i}").into_bytes(), Object::Integer(i as i64));
            }
            for i in 0..size {
                assert_eq!(dict.entry(format!("K{i}").as_bytes()), Some(&Object::Integer(i as i64)));
            }
            assert_eq!(dict.entry(b"Missing"), None);
            assert_eq!(dict.entry(b"K"), None, "a prefix of a key is another key");
        }
    }
}
