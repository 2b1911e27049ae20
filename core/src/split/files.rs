//! `files:DIR`: a folder of single-item PDFs. The job's inputs are the folder's `*.pdf` files
//! (any case), ordered by file name (byte order, so zero-pad numbers: `0009.pdf` before
//! `0010.pdf`); each file is one item whose id is its name without `.pdf`.

use std::path::{Path, PathBuf};

use super::{check_id, Item, SplitError};
use crate::ingest::SourceDocument;

/// The PDF files of `dir`, in name order.
pub fn list(dir: &Path) -> Result<Vec<PathBuf>, SplitError> {
    let err = |message: String| SplitError::Files { dir: dir.to_path_buf(), message };
    let entries = std::fs::read_dir(dir).map_err(|e| err(format!("cannot read the folder: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| err(format!("cannot read the folder: {e}")))?;
        let path = entry.path();
        let is_pdf = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
        if is_pdf && entry.file_type().map_err(|e| err(e.to_string()))?.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(err("the folder holds no .pdf file".to_string()));
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// The whole input is one item named after its file.
pub fn split(input: usize, source: &SourceDocument) -> Result<Vec<Item>, SplitError> {
    let id = source.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    check_id(&id).map_err(|message| SplitError::BadId {
        path: source.path.clone(),
        rule: "files",
        page: 1,
        message: format!("the file name is the item id, and {message}"),
    })?;
    Ok(vec![Item::new(id, input, 0, source.pages.len())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_files_are_listed_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.pdf", "a.PDF", "c.txt", "0010.pdf", "0009.pdf"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("d.pdf")).unwrap();
        let names: Vec<String> = list(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["0009.pdf", "0010.pdf", "a.PDF", "b.pdf"]);
    }

    #[test]
    fn an_empty_or_missing_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(list(dir.path()).unwrap_err().to_string().contains("no .pdf file"));
        let m = list(&dir.path().join("missing")).unwrap_err().to_string();
        assert!(m.contains("cannot read the folder") && m.contains("missing"), "{m}");
    }
}
