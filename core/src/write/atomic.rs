//! Output files that appear complete or not at all: written under a temporary name in the
//! destination folder, flushed to disk, then renamed into place. A file whose digest is recorded
//! (the print file, in the manifest) is hashed while written, through a [`HashingWriter`].

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use crate::joined::Joined;

/// The name every temporary output starts with; nothing else in an output folder does.
pub const PARTIAL_PREFIX: &str = ".sheetseal-partial-";

/// A file being written; dropped without [`AtomicFile::commit`], it disappears.
pub struct AtomicFile {
    temp: NamedTempFile,
    destination: PathBuf,
}

impl AtomicFile {
    /// Opens a temporary file beside `destination`.
    pub fn create(destination: &Path) -> io::Result<AtomicFile> {
        let dir = destination.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let temp = tempfile::Builder::new().prefix(PARTIAL_PREFIX).suffix(".tmp").tempfile_in(dir)?;
        Ok(AtomicFile { temp, destination: destination.to_path_buf() })
    }

    /// A buffered writer into the file.
    pub fn writer(&mut self) -> FileWriter<'_> {
        let file = Writeback { file: self.temp.as_file_mut(), written: 0, started: 0, synced: 0, sync: None };
        FileWriter(BufWriter::with_capacity(super::file::WRITE_CHUNK, file))
    }

    /// Flushes the file to disk and renames it into place; `flushed`, from
    /// [`FileWriter::finish`], says that everything written reached the file. Returns where the
    /// file now is.
    pub fn commit(self, flushed: Written) -> io::Result<PathBuf> {
        self.flush_to_disk(flushed)?.put_in_place()
    }

    /// [`AtomicFile::commit`] on a thread of its own, so that waiting for the disk (and, where
    /// an earlier file of the name is replaced, for its removal) overlaps other work.
    pub fn commit_in_background(self, flushed: Written) -> io::Result<PendingCommit> {
        Ok(PendingCommit(Joined::spawn("sheetseal-commit", move || self.commit(flushed))?))
    }

    /// Flushes the file to disk without putting it in place yet, once the flushes begun while
    /// it was written are done (and failing if one failed).
    pub fn flush_to_disk(self, written: Written) -> io::Result<FlushedFile> {
        written.wait_for_flushes()?;
        self.temp.as_file().sync_all()?;
        Ok(FlushedFile { temp: self.temp, destination: self.destination })
    }

    /// Writes `content` whole and commits it.
    pub fn write_all(destination: &Path, content: &[u8]) -> io::Result<PathBuf> {
        let mut file = AtomicFile::create(destination)?;
        let mut writer = file.writer();
        writer.write_all(content)?;
        let written = writer.finish()?;
        file.commit(written)
    }
}

/// An [`AtomicFile`] flushed to disk, still under its temporary name; dropped without
/// [`FlushedFile::put_in_place`], it disappears.
pub struct FlushedFile {
    temp: NamedTempFile,
    destination: PathBuf,
}

impl FlushedFile {
    /// Renames the file into place. Returns where it now is.
    pub fn put_in_place(self) -> io::Result<PathBuf> {
        let destination = self.destination;
        self.temp.persist(&destination).map_err(|e| e.error)?;
        if let Some(dir) = destination.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Make the rename itself durable; not every filesystem supports syncing a directory.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(destination)
    }
}

/// A commit running on a thread of its own ([`AtomicFile::commit_in_background`]). Dropped
/// without [`PendingCommit::wait`], as when the job fails meanwhile, it waits for the commit and
/// removes the file it put in place.
pub struct PendingCommit(Joined<io::Result<PathBuf>>);

impl PendingCommit {
    /// Waits for the commit; where the file now is.
    pub fn wait(mut self) -> io::Result<PathBuf> {
        match self.0.join() {
            Some(commit) => commit.map_err(|_| io::Error::other("committing a file panicked"))?,
            None => unreachable!("a pending commit is waited for once"),
        }
    }
}

impl Drop for PendingCommit {
    fn drop(&mut self) {
        if let Some(Ok(Ok(path))) = self.0.join() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A buffered writer into an [`AtomicFile`]. Only its [`finish`](FileWriter::finish), which
/// reports a failed last write, gives what [`AtomicFile::commit`] takes: nothing is committed
/// with bytes still buffered.
pub struct FileWriter<'f>(BufWriter<Writeback<'f>>);

/// Proof that a [`FileWriter`] was flushed, and how many bytes it wrote; it holds the flushes to
/// disk still running from the writing, which the commit waits for (on its own thread, for
/// [`AtomicFile::commit_in_background`]) rather than the writer.
pub struct Written {
    pub bytes: u64,
    flushes: Option<DataSync>,
}

impl Written {
    /// Waits for the flushes to disk begun while writing; fails if one failed, which a later
    /// flush of the same file may not report again.
    fn wait_for_flushes(self) -> io::Result<()> {
        self.flushes.map_or(Ok(()), DataSync::finish)
    }
}

impl std::fmt::Debug for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Written").field("bytes", &self.bytes).finish_non_exhaustive()
    }
}

impl FileWriter<'_> {
    /// Flushes what is buffered.
    pub fn finish(self) -> io::Result<Written> {
        let file = self.0.into_inner().map_err(|e| e.into_error())?;
        Ok(file.finish())
    }
}

impl Write for FileWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Removes the temporary files a killed run left in `dir` (a process killed outright cannot
/// remove its own); returns how many. One job writes into a folder at a time.
pub fn remove_stale_partials(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let partial = name.to_str().is_some_and(|n| n.starts_with(PARTIAL_PREFIX) && n.ends_with(".tmp"));
        if partial && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Files committed by a run that has not finished: removed again if the run fails, so that a
/// failed job leaves none of its output behind.
#[derive(Default)]
pub struct CommittedFiles {
    paths: Vec<PathBuf>,
}

impl CommittedFiles {
    pub fn push(&mut self, path: PathBuf) {
        self.paths.push(path);
    }

    /// The run finished: the files stay.
    pub fn keep(mut self) {
        self.paths.clear();
    }
}

impl Drop for CommittedFiles {
    fn drop(&mut self) {
        for path in &self.paths {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A file being written that asks the kernel to start writing each few megabytes to disk as soon
/// as they are written, and has them flushed to disk on a thread of its own every few more, so
/// that the flush before the rename has little left to wait for.
///
/// Flushing is not writing to disk: a virtual disk may hold what it was given until told to
/// flush, and then the flush takes time in proportion to what it holds (about 130 ms for 95 MB
/// on the machine of docs/performance.md, however long the data has been written back). Done
/// while the file is still being written, that time is spent beside the job, not after it.
pub struct Writeback<'f> {
    file: &'f mut File,
    written: u64,
    /// Where the range not yet handed to the disk starts.
    started: u64,
    /// How much had been written when a flush was last asked for.
    synced: u64,
    /// The thread that flushes, started with the first flush asked for.
    sync: Option<DataSync>,
}

/// How much is written between two requests to start writeback.
const WRITEBACK_EVERY: u64 = 8 << 20;

/// How much is written between two flushes to disk on the [`DataSync`] thread.
const SYNC_EVERY: u64 = 4 << 20;

impl Writeback<'_> {
    /// What was written, with the flushes to disk still running.
    fn finish(self) -> Written {
        Written { bytes: self.written, flushes: self.sync }
    }

    fn ask_for_sync(&mut self) {
        if self.sync.is_none() {
            // Without a second handle on the file, only the commit flushes it.
            let Ok(file) = self.file.try_clone() else { return };
            self.sync = Some(DataSync::start(file));
        }
        if let Some(sync) = &self.sync {
            sync.ask();
        }
        self.synced = self.written;
    }
}

impl Write for Writeback<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_EVERY {
            start_writeback(self.file, self.started, self.written - self.started);
            self.started = self.written;
        }
        if self.written - self.synced >= SYNC_EVERY {
            self.ask_for_sync();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// A thread that flushes a file's data to disk whenever asked, while the file is written on.
/// Requests that come while it flushes make one more flush. Dropped, it ends after the flush it
/// is in, if any (the requests' channel closes first: fields drop in order).
struct DataSync {
    ask: crossbeam_channel::Sender<()>,
    thread: Joined<io::Result<()>>,
}

impl DataSync {
    fn start(file: File) -> DataSync {
        let (ask, asked) = crossbeam_channel::bounded::<()>(1);
        // Without a thread to be had, the requests find their channel closed: only the commit
        // flushes.
        let thread =
            Joined::spawn_or_none("sheetseal-sync", move || asked.iter().try_for_each(|()| file.sync_data()));
        DataSync { ask, thread }
    }

    fn ask(&self) {
        // Full: a flush is already asked for, and covers this one. Disconnected: a flush
        // failed, which `finish` reports, or there is no thread.
        let _ = self.ask.try_send(());
    }

    fn finish(self) -> io::Result<()> {
        let DataSync { ask, mut thread } = self;
        drop(ask);
        match thread.join() {
            Some(flushes) => flushes.map_err(|_| io::Error::other("flushing to disk panicked"))?,
            None => Ok(()),
        }
    }
}

/// Starts writing `len` bytes at `offset` of `file` to disk without waiting for it; only a hint
/// (the commit's `fsync` is what makes the file durable), so failures are ignored.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else { return };
    // SAFETY: a plain system call on a descriptor this process owns; no memory is passed.
    unsafe { libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE) };
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}

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

    /// The writer it wrote into (not flushed) and the lower-case hex SHA-256 of what passed.
    pub fn into_parts(self) -> (W, String) {
        (self.inner, crate::ingest::hex(&self.hasher.finalize()))
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
        assert_eq!(AtomicFile::write_all(&target, b"abc").unwrap(), target);
        assert_eq!(std::fs::read(&target).unwrap(), b"abc");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Hashed on the way: the digest of what reached the file.
        let mut file = AtomicFile::create(&target).unwrap();
        let mut hashing = HashingWriter::new(file.writer());
        hashing.write_all(b"ab").unwrap();
        hashing.write_all(b"c").unwrap();
        let (writer, sha256) = hashing.into_parts();
        let written = writer.finish().unwrap();
        assert_eq!(
            (written.bytes, sha256.as_str()),
            (3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        file.commit(written).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"abc");
    }

    #[test]
    fn a_large_file_is_flushed_while_written() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.pdf");
        let content: Vec<u8> = (0..(SYNC_EVERY * 2 + 12_345)).map(|i| (i % 251) as u8).collect();
        let mut file = AtomicFile::create(&target).unwrap();
        let mut writer = file.writer();
        for chunk in content.chunks(100_000) {
            writer.write_all(chunk).unwrap();
        }
        assert!(writer.0.get_ref().sync.is_some(), "a flush thread past {SYNC_EVERY} bytes");
        let written = writer.finish().unwrap();
        assert_eq!(written.bytes, content.len() as u64);
        file.commit(written).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), content);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_flush_while_writing_fails_the_file() {
        // Writing to /dev/null succeeds and flushing it fails (EINVAL): the failure is the file's.
        let content = vec![0u8; SYNC_EVERY as usize];
        let mut null = File::options().write(true).open("/dev/null").unwrap();
        let mut writeback = Writeback { file: &mut null, written: 0, started: 0, synced: 0, sync: None };
        writeback.write_all(&content).unwrap();
        assert!(writeback.sync.is_some());
        let written = writeback.finish();
        assert!(written.wait_for_flushes().is_err(), "the flush's failure is reported to the commit");
    }

    #[test]
    fn a_commit_in_the_background_puts_the_file_in_place_unless_given_up() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.pdf");
        std::fs::write(&target, b"an earlier job's").unwrap();
        let write = |content: &[u8]| {
            let mut file = AtomicFile::create(&target).unwrap();
            let mut writer = file.writer();
            writer.write_all(content).unwrap();
            let written = writer.finish().unwrap();
            file.commit_in_background(written).unwrap()
        };
        assert_eq!(write(b"kept").wait().unwrap(), target);
        assert_eq!(std::fs::read(&target).unwrap(), b"kept");
        // Given up (the job failed meanwhile): waited for, then removed.
        drop(write(b"given up"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn stale_partials_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let abandoned = AtomicFile::create(&dir.path().join("out.pdf")).unwrap();
        std::mem::forget(abandoned); // as if the process had been killed
        std::fs::write(dir.path().join("out.pdf"), b"kept").unwrap();
        std::fs::write(dir.path().join(".sheetseal-partial-notes.txt"), b"kept").unwrap();
        assert_eq!(remove_stale_partials(dir.path()).unwrap(), 1);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn committed_files_of_a_failed_run_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.pdf"));
        {
            let mut files = CommittedFiles::default();
            files.push(AtomicFile::write_all(&a, b"a").unwrap());
        }
        assert!(!a.exists());
        let mut files = CommittedFiles::default();
        files.push(AtomicFile::write_all(&b, b"b").unwrap());
        files.keep();
        assert!(b.exists());
    }
}
