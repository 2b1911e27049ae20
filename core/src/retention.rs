//! Retention: removing customer files when their time is up.
//!
//! Mail houses delete production data after successful printing, and wipe uploads after a
//! retention period. [`shred_file`] overwrites a file's contents with zeros and flushes them to
//! disk before unlinking it, so that the data does not linger in free blocks where the
//! filesystem writes in place (ext4, xfs). On copy-on-write filesystems (btrfs, zfs), on SSDs
//! that remap blocks, and in snapshots and backups the old blocks can survive: there only
//! encryption at rest (and keeping no copies) protects the data, which docs/security.md says.
//!
//! [`purge`] applies a retention period to job folders: every folder directly under a root
//! whose newest file is older than the period is shredded file by file, with an audit entry
//! for each. Symbolic links are removed, never followed; nothing on another filesystem is
//! touched; a file with several hard links is unlinked but not overwritten, since its data is
//! still in use elsewhere.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub path: PathBuf,
    pub bytes: u64,
    pub how: How,
}

/// How a file was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Overwritten with zeros, flushed to disk, then unlinked.
    Overwritten,
    /// Unlinked only: a symbolic link, or a special file, which hold no customer data.
    Unlinked,
    /// Unlinked only: other hard links share its data.
    UnlinkedSharedData,
    /// Dry run: it would have been removed.
    WouldRemove,
}

impl std::fmt::Display for How {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            How::Overwritten => "overwritten and deleted",
            How::Unlinked => "deleted (link or special file, nothing to overwrite)",
            How::UnlinkedSharedData => "deleted without overwriting (other hard links share its data)",
            How::WouldRemove => "would be deleted (dry run)",
        })
    }
}

/// Overwrites a regular file with zeros, flushes it to disk and unlinks it. A symbolic link is
/// unlinked itself; its target is never touched.
pub fn shred_file(path: &Path) -> io::Result<Removal> {
    let before = std::fs::symlink_metadata(path)?;
    let how = if !before.file_type().is_file() {
        How::Unlinked
    } else if before.nlink() > 1 {
        How::UnlinkedSharedData
    } else {
        overwrite(path, &before)?;
        How::Overwritten
    };
    std::fs::remove_file(path)?;
    Ok(Removal { path: path.to_path_buf(), bytes: before.len(), how })
}

fn overwrite(path: &Path, before: &std::fs::Metadata) -> io::Result<()> {
    // No following a link that replaced the file since it was looked at, no blocking on a fifo.
    let mut file: File =
        OpenOptions::new().write(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)?;
    let opened = file.metadata()?;
    if (opened.dev(), opened.ino()) != (before.dev(), before.ino()) || !opened.file_type().is_file() {
        return Err(io::Error::other(format!(
            "{} changed while it was being removed; left alone",
            path.display()
        )));
    }
    let zeros = vec![0u8; 1 << 20];
    let mut left = opened.len();
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    file.sync_all()
}

/// The retention policy for one run of [`purge`].
#[derive(Debug, Clone)]
pub struct PurgePolicy {
    /// Job folders whose newest entry is older than this are removed.
    pub older_than: Duration,
    /// The time to measure ages from (now, except in tests).
    pub now: SystemTime,
    /// Report what would be removed, and remove nothing.
    pub dry_run: bool,
}

/// What a purge did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    /// Job folders removed (or that would be, in a dry run).
    pub folders: Vec<PathBuf>,
    /// Job folders kept because something in them is recent.
    pub kept: usize,
    pub files: usize,
    pub bytes: u64,
}

/// Removes the job folders directly under `root` whose newest entry is older than the policy
/// allows, file by file; `audit` hears of every file as it goes. Stops at the first error
/// (what was removed before it has been reported).
pub fn purge(root: &Path, policy: &PurgePolicy, audit: &mut dyn FnMut(&Removal)) -> io::Result<PurgeReport> {
    let device = std::fs::metadata(root)?.dev();
    let mut report = PurgeReport::default();
    let mut folders: Vec<PathBuf> =
        std::fs::read_dir(root)?.map(|entry| entry.map(|e| e.path())).collect::<io::Result<_>>()?;
    folders.sort();
    for folder in folders {
        let meta = std::fs::symlink_metadata(&folder)?;
        if !meta.is_dir() || meta.dev() != device {
            continue;
        }
        let entries = walk(&folder, device)?;
        let newest = entries
            .iter()
            .map(|(_, m)| m.modified())
            .chain([meta.modified()])
            .collect::<io::Result<Vec<_>>>()?;
        let newest = newest.into_iter().max().unwrap_or(SystemTime::UNIX_EPOCH);
        let age = policy.now.duration_since(newest).unwrap_or_default();
        if age <= policy.older_than {
            report.kept += 1;
            continue;
        }
        for (path, meta) in entries.iter().filter(|(_, m)| !m.is_dir()) {
            let removal = if policy.dry_run {
                Removal { path: path.clone(), bytes: meta.len(), how: How::WouldRemove }
            } else {
                shred_file(path)?
            };
            report.files += 1;
            report.bytes += removal.bytes;
            audit(&removal);
        }
        if !policy.dry_run {
            // Deepest folders first.
            for (path, _) in entries.iter().rev().filter(|(_, m)| m.is_dir()) {
                std::fs::remove_dir(path)?;
            }
            std::fs::remove_dir(&folder)?;
        }
        report.folders.push(folder);
    }
    Ok(report)
}

/// Everything under `folder` (not the folder itself), parents before children, without
/// following links or entering other filesystems.
fn walk(folder: &Path, device: u64) -> io::Result<Vec<(PathBuf, std::fs::Metadata)>> {
    let mut found = Vec::new();
    let mut queue = vec![folder.to_path_buf()];
    while let Some(dir) = queue.pop() {
        let mut children: Vec<PathBuf> =
            std::fs::read_dir(&dir)?.map(|entry| entry.map(|e| e.path())).collect::<io::Result<_>>()?;
        children.sort();
        for child in children {
            let meta = std::fs::symlink_metadata(&child)?;
            if meta.is_dir() {
                if meta.dev() != device {
                    return Err(io::Error::other(format!(
                        "{} is another filesystem mounted inside a job folder; purge leaves it alone: unmount it first",
                        child.display()
                    )));
                }
                queue.push(child.clone());
            }
            found.push((child, meta));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shredded_file_is_zeroed_before_it_goes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("letter.pdf");
        std::fs::write(&path, b"Jane Doe, 1 High Street").unwrap();
        // A second name for the same inode shows what was written before the unlink.
        let witness = dir.path().join("witness");
        std::fs::hard_link(&path, &witness).unwrap();
        let removal = shred_file(&path).unwrap();
        assert_eq!(removal.how, How::UnlinkedSharedData, "shared data is not overwritten");
        assert_eq!(std::fs::read(&witness).unwrap(), b"Jane Doe, 1 High Street");

        // Single link: overwritten. Hold the file open to read what the disk has after unlink.
        let path = dir.path().join("statement.pdf");
        std::fs::write(&path, b"account 12345678").unwrap();
        let reader = File::open(&path).unwrap();
        let removal = shred_file(&path).unwrap();
        assert_eq!((removal.how, removal.bytes), (How::Overwritten, 16));
        assert!(!path.exists());
        let mut left = Vec::new();
        io::Read::read_to_end(&mut &reader, &mut left).unwrap();
        assert_eq!(left, vec![0u8; 16]);
    }

    #[test]
    fn a_link_is_removed_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"not ours").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(shred_file(&link).unwrap().how, How::Unlinked);
        assert_eq!(std::fs::read(&target).unwrap(), b"not ours");
    }

    #[test]
    fn only_folders_older_than_the_period_are_purged() {
        let root = tempfile::tempdir().unwrap();
        for job in ["old", "new"] {
            std::fs::create_dir_all(root.path().join(job).join("out")).unwrap();
            std::fs::write(root.path().join(job).join("in.pdf"), b"%PDF-").unwrap();
            std::fs::write(root.path().join(job).join("out").join("manifest.json"), b"{}").unwrap();
        }
        std::fs::write(root.path().join("loose.txt"), b"not a job folder").unwrap();
        let now = SystemTime::now();
        let old = now - Duration::from_secs(40 * 86_400);
        for path in ["old", "old/in.pdf", "old/out", "old/out/manifest.json"] {
            File::open(root.path().join(path)).unwrap().set_modified(old).unwrap();
        }
        let policy = PurgePolicy { older_than: Duration::from_secs(30 * 86_400), now, dry_run: true };
        let mut heard = Vec::new();
        let dry = purge(root.path(), &policy, &mut |r| heard.push(r.clone())).unwrap();
        assert_eq!((dry.files, dry.kept, dry.folders.len()), (2, 1, 1));
        assert!(heard.iter().all(|r| r.how == How::WouldRemove));
        assert!(root.path().join("old/in.pdf").exists(), "a dry run removes nothing");

        let policy = PurgePolicy { dry_run: false, ..policy };
        let done = purge(root.path(), &policy, &mut |_| {}).unwrap();
        assert_eq!(done.folders, vec![root.path().join("old")]);
        assert!(!root.path().join("old").exists());
        assert!(root.path().join("new/in.pdf").exists());
        assert!(root.path().join("loose.txt").exists());
    }
}
