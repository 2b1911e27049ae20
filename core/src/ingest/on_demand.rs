//! A small input's bytes after it was opened: read from its file again only when something
//! asks for them. A folder of one file a letter has thousands of small inputs; each is read
//! whole to be opened, and the write stage reads it afresh into memory it lets go of with the
//! input's objects (`leases`). Held or mapped in between, every input would cost memory (held)
//! or one of the process's limited memory maps (Linux's `vm.max_map_count`, 65,530 by
//! default) for the whole job, and each map's release an interruption of the other cores.
//! Whatever else reads the input (a split rule, the clear-zone renders) gets it mapped, as a
//! large input is, and read into memory where no map can be had.
//!
//! Every read checks first that the path still names the file the job opened (device, inode,
//! size, modification time). A file replaced or written to since reads as empty, so that the
//! job fails on it rather than print another file's pages.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use memmap2::Mmap;

use super::{read_whole, release, FileIdentity};
use crate::pdf::Bytes;

/// A small input's file, read again on demand.
pub(super) struct OnDemand {
    path: PathBuf,
    identity: FileIdentity,
    len: usize,
    bytes: OnceLock<FileBytes>,
}

/// The file's bytes, once asked for.
enum FileBytes {
    Mapped(Mmap),
    Read(Bytes),
    /// No longer the file the job opened, or unreadable.
    Gone,
}

impl OnDemand {
    pub(super) fn new(path: &Path, identity: FileIdentity, len: usize) -> OnDemand {
        OnDemand { path: path.to_path_buf(), identity, len, bytes: OnceLock::new() }
    }

    pub(super) fn identity(&self) -> FileIdentity {
        self.identity
    }

    /// The file's bytes read into memory afresh, for one reader to hold for as long as it needs
    /// them.
    pub(super) fn read_afresh(&self) -> std::io::Result<Bytes> {
        read_whole(&self.open()?, self.len)
    }

    /// Releases the file's mapped pages, where it was mapped (see
    /// [`super::SourceDocument::release_resident_pages`]).
    pub(super) fn release(&self) {
        if let Some(FileBytes::Mapped(map)) = self.bytes.get() {
            release(map, 0..map.len());
        }
    }

    /// Whether the file's bytes were asked for.
    #[cfg(test)]
    pub(super) fn is_loaded(&self) -> bool {
        self.bytes.get().is_some()
    }

    /// The file, checked to be the one the job opened.
    fn open(&self) -> std::io::Result<File> {
        let file = File::open(&self.path)?;
        if FileIdentity::of_file(&file)? != self.identity {
            return Err(std::io::Error::other(super::changed_input(&self.path)));
        }
        Ok(file)
    }

    fn load(&self) -> FileBytes {
        let Ok(file) = self.open() else { return FileBytes::Gone };
        // SAFETY: as for every mapped input (`super::open`): read-only, and nothing else writes
        // the file while a job runs.
        match unsafe { Mmap::map(&file) } {
            Ok(map) if map.len() == self.len => FileBytes::Mapped(map),
            _ => read_whole(&file, self.len).map_or(FileBytes::Gone, FileBytes::Read),
        }
    }
}

impl AsRef<[u8]> for OnDemand {
    fn as_ref(&self) -> &[u8] {
        match self.bytes.get_or_init(|| self.load()) {
            FileBytes::Mapped(map) => map,
            FileBytes::Read(bytes) => (**bytes).as_ref(),
            FileBytes::Gone => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_read_only_when_asked_for_and_a_changed_one_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("letter.pdf");
        std::fs::write(&path, b"%PDF-1.7 first").unwrap();
        let file = File::open(&path).unwrap();
        let identity = FileIdentity::of_file(&file).unwrap();
        let on_demand = OnDemand::new(&path, identity, 14);
        assert!(on_demand.bytes.get().is_none());
        assert_eq!((*on_demand.read_afresh().unwrap()).as_ref(), b"%PDF-1.7 first");
        assert!(on_demand.bytes.get().is_none(), "read afresh, not kept");
        assert_eq!(on_demand.as_ref(), b"%PDF-1.7 first");
        assert!(matches!(on_demand.bytes.get(), Some(FileBytes::Mapped(_))));
        on_demand.release();
        assert_eq!(on_demand.as_ref(), b"%PDF-1.7 first");

        // Replaced by another file of the same length, as uploads are: neither read gives its
        // bytes.
        std::fs::write(dir.path().join("new.pdf"), b"%PDF-1.7 other").unwrap();
        std::fs::rename(dir.path().join("new.pdf"), &path).unwrap();
        let replaced = OnDemand::new(&path, identity, 14);
        assert!(replaced.read_afresh().is_err_and(|e| e.to_string().contains("replaced")));
        assert_eq!(replaced.as_ref(), b"");
    }
}
