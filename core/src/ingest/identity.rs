//! Which file an input is. The job reads an input through its memory map, but pdfium (text and
//! blank splits, clear-zone renders) and the CLI's worker processes open it again by its path.
//! If the path has meanwhile been given another file (a customer's upload replaced by a new one,
//! the usual write-then-rename) or the file was written to, they would read other pages than the
//! ones printed. The identity taken when the input was opened (device, inode, size, modification
//! time) is compared with that of the file opened again, before anything reads it.

use std::fs::File;
use std::path::Path;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// A file's identity: the same file, not written to since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileIdentity {
    device: u64,
    inode: u64,
    size: u64,
    modified: Option<SystemTime>,
}

impl FileIdentity {
    /// The identity of an open file.
    pub fn of_file(file: &File) -> std::io::Result<FileIdentity> {
        let metadata = file.metadata()?;
        #[cfg(unix)]
        let (device, inode) = {
            use std::os::unix::fs::MetadataExt as _;
            (metadata.dev(), metadata.ino())
        };
        #[cfg(not(unix))]
        let (device, inode) = (0, 0);
        Ok(FileIdentity { device, inode, size: metadata.len(), modified: metadata.modified().ok() })
    }
}

/// What is said of an input that is no longer the file the job read.
pub fn changed(path: &Path) -> String {
    format!(
        "{} was replaced or written to while the job ran; the job stopped rather than read two different files: run it again once the upload is complete",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_replaced_or_rewritten_file_is_told_apart_and_the_same_file_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.pdf");
        let identity = |path: &Path| FileIdentity::of_file(&File::open(path).unwrap()).unwrap();
        std::fs::write(&path, b"%PDF-1.7 first").unwrap();
        let first = identity(&path);
        assert_eq!(identity(&path), first);

        // Replaced by rename, as uploads are finished: another inode, even with the same bytes.
        let upload = dir.path().join("upload.tmp");
        std::fs::write(&upload, b"%PDF-1.7 first").unwrap();
        std::fs::rename(&upload, &path).unwrap();
        assert_ne!(identity(&path), first);

        // Written to in place: another size.
        let second = identity(&path);
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b" more").unwrap();
        assert_ne!(identity(&path), second);

        let message = changed(&path);
        assert!(message.contains("replaced or written to") && message.contains("run it again"), "{message}");
    }
}
