//! An input's SHA-256, taken on a thread of its own while the job goes on (a small input's at
//! once). Hashing an input costs about as much as parsing it, and nothing needs the answer
//! before the manifest: begun once the input's objects are read (on every core), it fills the
//! moments when the job's own threads are not all busy (the page-tree walk, split and plan,
//! which run on one thread, and the end of each stage).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use memmap2::Mmap;

use super::{hex, release, SMALL_INPUT_BYTES};
use crate::pdf::Bytes;

/// How much is hashed between two looks at whether to stop, and released from a mapping at a
/// time.
const CHUNK: usize = 4 << 20;

/// The SHA-256 of an input's bytes, being computed or known.
pub struct InputDigest {
    known: OnceLock<String>,
    thread: Mutex<Option<JoinHandle<Option<String>>>>,
    /// Asks the thread to give up: set when the input is closed before its hash was needed.
    stop: Arc<AtomicBool>,
    /// What the thread hashes (hashed here if it could not start or finish); `None` for a
    /// digest known from the start.
    bytes: Option<Bytes>,
}

impl InputDigest {
    /// Starts hashing `bytes`. When they are `mapped` from a file, each chunk is released from
    /// the mapping once hashed (its pages stay in the kernel's page cache), so that resident
    /// memory does not grow with the input. Hashing through the mapping rather than reading the
    /// file spares a copy of the whole input.
    pub(super) fn start(bytes: Bytes, mapped: Option<Arc<Mmap>>) -> InputDigest {
        // A small input's thread would cost more than its hashing (under a millisecond),
        // thousands of times over in a job of one small file a letter.
        if (*bytes).as_ref().len() <= SMALL_INPUT_BYTES {
            return InputDigest::of((*bytes).as_ref());
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (for_thread, stop_thread) = (bytes.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("sheetseal-hash".to_string())
            .spawn(move || hash(&for_thread, mapped.as_deref(), &stop_thread))
            .ok();
        InputDigest { known: OnceLock::new(), thread: Mutex::new(thread), stop, bytes: Some(bytes) }
    }

    /// The digest of `data`, taken now (nothing of it is kept).
    fn of(data: &[u8]) -> InputDigest {
        InputDigest {
            known: OnceLock::from(hex(&Sha256::digest(data))),
            thread: Mutex::new(None),
            stop: Arc::new(AtomicBool::new(false)),
            bytes: None,
        }
    }

    /// The lower-case hex SHA-256, waiting for the hashing thread if it has not finished.
    pub fn hex(&self) -> &str {
        self.known.get_or_init(|| {
            let thread = self.thread.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
            // A thread that could not be started or did not finish: hashed here instead. (A
            // digest without bytes was known from the start.)
            thread
                .and_then(|thread| thread.join().ok().flatten())
                .or_else(|| self.bytes.as_ref().map(|bytes| hex(&Sha256::digest((**bytes).as_ref()))))
                .unwrap_or_default()
        })
    }
}

impl Drop for InputDigest {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for InputDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputDigest").field("sha256", &self.known.get()).finish_non_exhaustive()
    }
}

/// The hex SHA-256 of `bytes`, `None` if stopped first; `mapped`, the mapping `bytes` are read
/// from, loses each chunk's pages once it is hashed.
fn hash(bytes: &Bytes, mapped: Option<&Mmap>, stop: &AtomicBool) -> Option<String> {
    let data: &[u8] = (**bytes).as_ref();
    let mut hasher = Sha256::new();
    for (index, chunk) in data.chunks(CHUNK).enumerate() {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        hasher.update(chunk);
        if let Some(map) = mapped {
            release(map, index * CHUNK..index * CHUNK + chunk.len());
        }
    }
    Some(hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_the_sha256_of_the_bytes_from_memory_and_from_a_mapped_file() {
        // Small inputs are hashed at once, larger ones on a thread of their own.
        for (size, at_once) in [(1000, true), (SMALL_INPUT_BYTES, true), (3 * CHUNK + 17, false)] {
            let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            let expected = hex(&Sha256::digest(&data));
            let in_memory = InputDigest::start(Arc::new(data.clone()), None);
            assert_eq!(in_memory.known.get().is_some(), at_once, "{size} bytes");
            assert_eq!(in_memory.hex(), expected);
            let mut file = tempfile::tempfile().unwrap();
            std::io::Write::write_all(&mut file, &data).unwrap();
            // SAFETY: a private temporary file that nothing else writes.
            let map = Arc::new(unsafe { Mmap::map(&file) }.unwrap());
            let mapped = InputDigest::start(map.clone(), Some(map.clone()));
            assert_eq!(mapped.hex(), expected);
            // Asked again: the same answer, without a thread.
            assert_eq!(mapped.hex(), expected);
            // The released pages read back the same bytes.
            assert_eq!(&map[..], &data[..]);
        }
    }

    #[test]
    fn a_digest_dropped_before_it_is_asked_for_stops_its_thread() {
        let data = vec![7u8; 16 * CHUNK];
        let digest = InputDigest::start(Arc::new(data), None);
        drop(digest); // returns: the thread stopped or finished, and was joined
    }
}
