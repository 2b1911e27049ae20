//! The CSV index and atomic file writing.

use crate::{CorpusError, LetterRecord};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes the index: header `item_id,first_page,page_count`, one row per letter.
pub(crate) fn write_index<W: Write>(records: &[LetterRecord], out: W) -> Result<u64, CorpusError> {
    let mut out = BufWriter::new(out);
    let mut bytes = 0u64;
    let header = b"item_id,first_page,page_count\n";
    out.write_all(header)?;
    bytes += header.len() as u64;
    for r in records {
        let row = format!("{},{},{}\n", r.item_id, r.first_page, r.page_count);
        out.write_all(row.as_bytes())?;
        bytes += row.len() as u64;
    }
    out.flush()?;
    Ok(bytes)
}

/// A temporary name next to `path`, unique to this process and call.
fn temp_path(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()))
}

/// Runs `write` on a temporary file beside `path`, then renames it to `path`; the temporary
/// file is removed if anything fails. Errors from `write` that carry no path get `path`.
pub(crate) fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T, CorpusError>,
) -> Result<T, CorpusError> {
    let tmp = temp_path(path);
    let io_err = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source: io::Error| CorpusError::Io { action, path, source }
    };
    let result = (|| {
        let file = File::create(&tmp).map_err(io_err("cannot create", &tmp))?;
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        let value = write(&mut out).map_err(|e| match e {
            CorpusError::Write(source) => {
                CorpusError::Io { action: "cannot write", path: tmp.clone(), source }
            }
            other => other,
        })?;
        out.flush().map_err(io_err("cannot write", &tmp))?;
        drop(out);
        std::fs::rename(&tmp, path).map_err(io_err("cannot rename into place", path))?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
