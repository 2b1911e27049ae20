//! The returns ledger: `returns.jsonl` next to the manifest, one JSON object a line, only ever
//! appended to.
//!
//! Writers take an exclusive `flock` on the file for the whole of a session (read what is there,
//! decide, append), so two processes scanning at once are serialised and neither records an
//! item the other already has. Each entry is one `write` of one whole line on a descriptor
//! opened with `O_APPEND`. A line torn by a crash is left where it is, reported as damaged, and
//! the next entry starts on a fresh line.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::{flock, FlockOperation};
use serde::{Deserialize, Serialize};

/// The ledger's file name in the job folder.
pub const LEDGER_FILE: &str = "returns.jsonl";
/// A ledger line longer than this is damaged (entries are a few hundred bytes).
const MAX_LINE: usize = 64 * 1024;

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// UTC, RFC 3339 with milliseconds.
    pub at: String,
    pub operator: String,
    /// What was scanned (control characters removed, at most 256 characters).
    pub payload: String,
    pub outcome: EntryOutcome,
    /// The job whose manifest the scan was checked against, and that manifest's SHA-256.
    pub job: String,
    pub manifest_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_seq: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<usize>,
    /// Why a scan was refused: `unknown-payload` or `other-job`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The job a refused payload belongs to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_job: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryOutcome {
    /// The item was recorded as returned.
    Returned,
    /// The scan was refused (not a sheet of the job).
    Refused,
}

/// The ledger, open and locked.
pub struct Ledger {
    file: File,
    path: PathBuf,
    /// Whether the file ends in the middle of a line (a torn write).
    torn: bool,
}

impl Ledger {
    /// Opens (creating) the ledger in `dir` and waits for the exclusive lock.
    pub fn lock(dir: &Path) -> io::Result<Ledger> {
        let path = dir.join(LEDGER_FILE);
        let file = OpenOptions::new().read(true).append(true).create(true).mode(0o600).open(&path)?;
        flock(&file, FlockOperation::LockExclusive)?;
        Ok(Ledger { file, path, torn: false })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry in the file, in order, and the line numbers of lines that are not entries.
    pub fn read(&mut self) -> io::Result<(Vec<LedgerEntry>, Vec<u64>)> {
        self.file.seek(SeekFrom::Start(0))?;
        let mut reader = BufReader::new(&self.file);
        let (mut entries, mut damaged) = (Vec::new(), Vec::new());
        let mut line = Vec::new();
        let mut number = 0u64;
        self.torn = false;
        loop {
            line.clear();
            let n = (&mut reader).take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            number += 1;
            let complete = line.ends_with(b"\n");
            if !complete && line.len() > MAX_LINE {
                // Skip the rest of an overlong line.
                let mut rest = Vec::new();
                reader.read_until(b'\n', &mut rest)?;
                damaged.push(number);
                self.torn = !rest.ends_with(b"\n");
                continue;
            }
            self.torn = !complete;
            match serde_json::from_slice::<LedgerEntry>(&line) {
                Ok(entry) if complete => entries.push(entry),
                _ => damaged.push(number),
            }
        }
        Ok((entries, damaged))
    }

    /// Appends one entry as one whole line, in one write.
    pub fn append(&mut self, entry: &LedgerEntry) -> io::Result<()> {
        let mut line = Vec::with_capacity(512);
        if self.torn {
            line.push(b'\n');
            self.torn = false;
        }
        serde_json::to_writer(&mut line, entry).map_err(io::Error::other)?;
        line.push(b'\n');
        // A regular file takes the whole buffer in one write; the loop only guards the rule.
        let mut written = 0;
        while written < line.len() {
            written += self.file.write(&line[written..])?;
        }
        Ok(())
    }

    /// Flushes the appended entries to disk and releases the lock.
    pub fn close(self) -> io::Result<()> {
        self.file.sync_data()?;
        flock(&self.file, FlockOperation::Unlock)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(payload: &str) -> LedgerEntry {
        LedgerEntry {
            at: "2026-01-01T00:00:00.000Z".into(),
            operator: "ann".into(),
            payload: payload.into(),
            outcome: EntryOutcome::Returned,
            job: "J".into(),
            manifest_sha256: "00".into(),
            item_seq: Some(1),
            item_id: Some("A".into()),
            sheet: Some(1),
            reason: None,
            other_job: None,
        }
    }

    #[test]
    fn a_torn_line_is_reported_and_the_next_entry_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::lock(dir.path()).unwrap();
        ledger.append(&entry("P1")).unwrap();
        ledger.close().unwrap();
        // A crash mid-write leaves half a line.
        let mut file = OpenOptions::new().append(true).open(dir.path().join(LEDGER_FILE)).unwrap();
        file.write_all(br#"{"at":"2026"#).unwrap();
        let mut ledger = Ledger::lock(dir.path()).unwrap();
        let (entries, damaged) = ledger.read().unwrap();
        assert_eq!((entries.len(), damaged), (1, vec![2]));
        ledger.append(&entry("P2")).unwrap();
        let (entries, damaged) = ledger.read().unwrap();
        assert_eq!(entries.iter().map(|e| e.payload.as_str()).collect::<Vec<_>>(), ["P1", "P2"]);
        assert_eq!(damaged, vec![2]);
    }
}
