//! The optional mark key: a truncated HMAC-SHA256 appended to every payload, so that a sheet
//! from another job or another customer's key is rejected at verification (docs/payload.md).

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;
/// The longest key file read, in bytes.
pub const MAX_KEY_BYTES: usize = 4096;
/// The tag's default and allowed lengths, in characters `0-9A-Z`.
pub const DEFAULT_TAG_CHARS: usize = 6;
pub const TAG_CHARS: std::ops::RangeInclusive<usize> = 4..=12;

/// A secret key for mark tags. Its bytes never leave this type: `Debug` shows only the
/// fingerprint, and the manifest records only the fingerprint.
#[derive(Clone)]
pub struct MarkKey {
    bytes: Vec<u8>,
    fingerprint: String,
}

/// Why a key cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error("cannot read the mark key {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the mark key {path} has {len} bytes; use at least {MIN_KEY_BYTES} random bytes (e.g. `head -c 32 /dev/urandom > key`)")]
    TooShort { path: PathBuf, len: usize },
    #[error("the mark key {path} is larger than {MAX_KEY_BYTES} bytes; is it the right file?")]
    TooLong { path: PathBuf },
}

impl std::fmt::Debug for MarkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MarkKey({})", self.fingerprint)
    }
}

impl MarkKey {
    /// A key from its bytes (at least [`MIN_KEY_BYTES`]).
    pub fn from_bytes(bytes: &[u8]) -> Option<MarkKey> {
        (MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&bytes.len()).then(|| {
            let digest = Sha256::new().chain_update(b"sheetseal-mark-key\0").chain_update(bytes).finalize();
            MarkKey { bytes: bytes.to_vec(), fingerprint: crate::ingest::hex(&digest[..8]) }
        })
    }

    /// Reads a key file: its bytes, less one trailing newline.
    pub fn read(path: &Path) -> Result<MarkKey, KeyError> {
        let io = |source| KeyError::Io { path: path.to_path_buf(), source };
        let length = std::fs::metadata(path).map_err(io)?.len();
        if length > MAX_KEY_BYTES as u64 + 2 {
            return Err(KeyError::TooLong { path: path.to_path_buf() });
        }
        let mut bytes = std::fs::read(path).map_err(io)?;
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        if bytes.len() > MAX_KEY_BYTES {
            return Err(KeyError::TooLong { path: path.to_path_buf() });
        }
        MarkKey::from_bytes(&bytes).ok_or(KeyError::TooShort { path: path.to_path_buf(), len: bytes.len() })
    }

    /// A short public identifier of the key: 16 hex digits of a domain-separated SHA-256.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The tag of `message` in job `job`: `chars` characters `0-9A-Z` taken from
    /// HMAC-SHA256(key, job || 0x1F || message).
    pub fn tag(&self, job: &str, message: &str, chars: usize) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.bytes).expect("HMAC takes keys of any length");
        mac.update(job.as_bytes());
        mac.update(&[0x1F]);
        mac.update(message.as_bytes());
        let digest = mac.finalize().into_bytes();
        let value = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        let modulus = 36u64.checked_pow(chars as u32).unwrap_or(u64::MAX);
        let mut text = super::template::radix_digits(value % modulus, 36);
        while text.len() < chars {
            text.insert(0, '0');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> MarkKey {
        MarkKey::from_bytes(&[byte; 32]).unwrap()
    }

    #[test]
    fn tags_depend_on_key_job_and_message() {
        let tag = key(1).tag("JOB1", "0000420103", 6);
        assert_eq!(tag.len(), 6);
        assert!(tag.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()), "{tag}");
        assert_eq!(tag, key(1).tag("JOB1", "0000420103", 6), "deterministic");
        assert_ne!(tag, key(2).tag("JOB1", "0000420103", 6), "another customer's key");
        assert_ne!(tag, key(1).tag("JOB2", "0000420103", 6), "another job");
        assert_ne!(tag, key(1).tag("JOB1", "0000420104", 6), "another sheet");
    }

    #[test]
    fn the_key_is_never_shown() {
        let k = key(0x41);
        let shown = format!("{k:?}");
        assert!(!shown.contains("AAAA") && shown.contains(k.fingerprint()), "{shown}");
        assert_eq!(k.fingerprint().len(), 16);
    }

    #[test]
    fn short_or_huge_key_files_are_refused_and_a_newline_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, b"too short\n").unwrap();
        assert!(matches!(MarkKey::read(&path), Err(KeyError::TooShort { len: 9, .. })));
        std::fs::write(&path, vec![7u8; MAX_KEY_BYTES + 10]).unwrap();
        assert!(matches!(MarkKey::read(&path), Err(KeyError::TooLong { .. })));
        std::fs::write(&path, b"0123456789abcdef0123456789abcdef\n").unwrap();
        let from_file = MarkKey::read(&path).unwrap();
        let direct = MarkKey::from_bytes(b"0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(from_file.fingerprint(), direct.fingerprint());
        assert!(matches!(MarkKey::read(&dir.path().join("missing")), Err(KeyError::Io { .. })));
    }
}
