//! Output files that appear complete or not at all: written under a temporary name in the
//! destination folder, hashed while written, flushed to disk, then renamed into place.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

/// A file being written; dropped without [`AtomicFile::commit`], it disappears.
pub struct AtomicFile {
    temp: NamedTempFile,
    destination: PathBuf,
}

/// What a committed file is.
#[derive(Debug, Clone)]
pub struct Committed {
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
}

impl AtomicFile {
    /// Opens a temporary file beside `destination`.
    pub fn create(destination: &Path) -> io::Result<AtomicFile> {
        let dir = destination.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let temp = tempfile::Builder::new().prefix(".sheetseal-partial-").suffix(".tmp").tempfile_in(dir)?;
        Ok(AtomicFile { temp, destination: destination.to_path_buf() })
    }

    /// A buffered writer that hashes what passes through it.
    pub fn writer(&mut self) -> HashingWriter<BufWriter<&mut File>> {
        HashingWriter::new(BufWriter::with_capacity(256 * 1024, self.temp.as_file_mut()))
    }

    /// Flushes the file to disk and renames it into place.
    pub fn commit(self, bytes: u64, sha256: String) -> io::Result<Committed> {
        self.temp.as_file().sync_all()?;
        let destination = self.destination.clone();
        self.temp.persist(&destination).map_err(|e| e.error)?;
        if let Some(dir) = destination.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Make the rename itself durable; not every filesystem supports syncing a directory.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(Committed { path: destination, bytes, sha256 })
    }

    /// Writes `content` whole and commits it.
    pub fn write_all(destination: &Path, content: &[u8]) -> io::Result<Committed> {
        let mut file = AtomicFile::create(destination)?;
        let mut writer = file.writer();
        writer.write_all(content)?;
        let (bytes, sha256) = writer.finish()?;
        file.commit(bytes, sha256)
    }
}

/// A writer that counts and hashes the bytes written through it.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter { inner, hasher: Sha256::new(), bytes: 0 }
    }

    /// Flushes and returns the byte count and the lower-case hex SHA-256.
    pub fn finish(mut self) -> io::Result<(u64, String)> {
        self.inner.flush()?;
        Ok((self.bytes, crate::ingest::hex(&self.hasher.finalize())))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit_and_an_abandoned_file_leaves_no_trace() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.pdf");
        {
            let mut file = AtomicFile::create(&target).unwrap();
            file.writer().write_all(b"partial").unwrap();
            assert!(!target.exists());
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let committed = AtomicFile::write_all(&target, b"abc").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"abc");
        assert_eq!(committed.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
