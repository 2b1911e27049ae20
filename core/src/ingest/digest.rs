//! An input's SHA-256, taken on a thread of its own while the job goes on. Hashing an input
//! costs about as much as parsing it, and nothing needs the answer before the manifest: begun
//! when the input is opened, it fills the moments when the job's own threads are not all busy
//! (the serial parts of ingest, split and plan, the end of each stage).

use std::fmt;
use std::fs::File;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use super::hex;
use crate::pdf::Bytes;

/// How much of a file is read and hashed at a time.
const READ_CHUNK: usize = 1 << 20;

/// The SHA-256 of an input's bytes, being computed or known.
pub struct InputDigest {
    known: OnceLock<String>,
    thread: Mutex<Option<JoinHandle<Option<String>>>>,
    /// Asks the thread to give up: set when the input is closed before its hash was needed.
    stop: Arc<AtomicBool>,
    bytes: Bytes,
}

impl InputDigest {
    /// Starts hashing `bytes`. A mapped input is hashed by reading `file` instead: pages read
    /// through the mapping would stay resident, and resident memory must not grow with the input.
    pub(super) fn start(bytes: Bytes, file: Option<File>) -> InputDigest {
        let stop = Arc::new(AtomicBool::new(false));
        let (for_thread, stop_thread) = (bytes.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("sheetseal-hash".to_string())
            .spawn(move || hash(&for_thread, file.as_ref(), &stop_thread))
            .ok();
        InputDigest { known: OnceLock::new(), thread: Mutex::new(thread), stop, bytes }
    }

    /// The lower-case hex SHA-256, waiting for the hashing thread if it has not finished.
    pub fn hex(&self) -> &str {
        self.known.get_or_init(|| {
            let thread = self.thread.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
            // A thread that could not be started or did not finish: hashed here instead.
            thread
                .and_then(|thread| thread.join().ok().flatten())
                .unwrap_or_else(|| hex(&Sha256::digest((*self.bytes).as_ref())))
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

/// The hex SHA-256 of `bytes` (read from `file` when there is one), `None` if stopped first.
fn hash(bytes: &Bytes, file: Option<&File>, stop: &AtomicBool) -> Option<String> {
    let data: &[u8] = (**bytes).as_ref();
    if let Some(file) = file {
        // Unreadable as a file: hashed through the mapping below.
        if let Ok(hash) = hash_file(file, data.len(), stop) {
            return hash;
        }
    }
    let mut hasher = Sha256::new();
    for chunk in data.chunks(READ_CHUNK) {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        hasher.update(chunk);
    }
    Some(hex(&hasher.finalize()))
}

/// The SHA-256 of the first `length` bytes of `file`, read a chunk at a time.
fn hash_file(file: &File, length: usize, stop: &AtomicBool) -> std::io::Result<Option<String>> {
    use std::os::unix::fs::FileExt;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; READ_CHUNK];
    let mut done = 0;
    while done < length {
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let want = buffer.len().min(length - done);
        let read = file.read_at(&mut buffer[..want], done as u64)?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        hasher.update(&buffer[..read]);
        done += read;
    }
    Ok(Some(hex(&hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_the_sha256_of_the_bytes_from_memory_and_from_a_file() {
        let data: Vec<u8> = (0..3 * READ_CHUNK + 17).map(|i| (i * 31 % 251) as u8).collect();
        let expected = hex(&Sha256::digest(&data));
        let in_memory = InputDigest::start(Arc::new(data.clone()), None);
        assert_eq!(in_memory.hex(), expected);
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &data).unwrap();
        let from_file = InputDigest::start(Arc::new(data), Some(file));
        assert_eq!(from_file.hex(), expected);
        // Asked again: the same answer, without a thread.
        assert_eq!(from_file.hex(), expected);
    }

    #[test]
    fn a_digest_dropped_before_it_is_asked_for_stops_its_thread() {
        let data = vec![7u8; 64 * READ_CHUNK];
        let digest = InputDigest::start(Arc::new(data), None);
        drop(digest); // returns: the thread stopped or finished, and was joined
    }
}
