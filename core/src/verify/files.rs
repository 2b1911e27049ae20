//! The files a manifest names, checked against it: outputs (present, size, SHA-256, page count)
//! and inputs when they are still present (size, SHA-256, page count).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::jobdir::JobDir;
use crate::pdfium::pdfium;

/// What was found of one file the manifest names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileCheck {
    /// Index into the manifest's `outputs` or `inputs`.
    pub index: usize,
    /// Where it was looked for (outputs) or found (inputs).
    pub path: PathBuf,
    #[serde(flatten)]
    pub state: FileState,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum FileState {
    /// Not found (for an input: not at its recorded path nor in any folder given).
    Absent,
    /// Found but not readable.
    Unreadable { detail: String },
    /// Read: its size, hash and, when pdfium can open it, its page count (else why not).
    Read {
        bytes: u64,
        sha256: String,
        pages: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pages_error: Option<String>,
    },
}

/// Hashes every output of the job and counts its pages.
pub fn check_outputs(job: &JobDir) -> Vec<FileCheck> {
    (0..job.manifest.outputs.len())
        .map(|index| {
            let path = job.output_path(index);
            let state = read_file(&path);
            FileCheck { index, path, state }
        })
        .collect()
}

/// Finds each input at its recorded path (relative paths from the current folder), else by
/// file name in each of `search` in turn, and checks what it finds.
pub fn check_inputs(job: &JobDir, search: &[PathBuf]) -> Vec<FileCheck> {
    job.manifest
        .inputs
        .iter()
        .enumerate()
        .map(|(index, input)| {
            let recorded = PathBuf::from(&input.path);
            let by_name =
                recorded.file_name().map(|name| search.iter().map(|dir| dir.join(name)).collect::<Vec<_>>());
            let found =
                std::iter::once(recorded.clone()).chain(by_name.unwrap_or_default()).find(|p| p.is_file());
            match found {
                Some(path) => FileCheck { index, state: read_file(&path), path },
                None => FileCheck { index, path: recorded, state: FileState::Absent },
            }
        })
        .collect()
}

fn read_file(path: &Path) -> FileState {
    match hash_file(path) {
        Ok((bytes, sha256)) => {
            let (pages, pages_error) = match count_pages(path) {
                Ok(pages) => (Some(pages), None),
                Err(error) => (None, Some(error)),
            };
            FileState::Read { bytes, sha256, pages, pages_error }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => FileState::Absent,
        Err(e) => FileState::Unreadable { detail: e.to_string() },
    }
}

/// Size and lower-case hex SHA-256 of a file, read in blocks.
pub fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((bytes, crate::ingest::hex(&hasher.finalize())))
}

fn count_pages(path: &Path) -> Result<usize, String> {
    let pdfium = pdfium().map_err(|e| e.to_string())?;
    let document = pdfium
        .load_pdf_from_file(path, None)
        .map_err(|e| format!("pdfium cannot open it: {}", crate::pdfium::describe(&e)))?;
    Ok(document.pages().len() as usize)
}
