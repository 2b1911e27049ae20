//! pdfium, loaded at run time from `libpdfium.so`, for rendering and text extraction.
//!
//! The library comes from the PyPI wheel pypdfium2 (`scripts/fetch-pdfium.sh` fetches it into
//! `<repo>/.pdfium/`). It is looked for, in order: `$SHEETSEAL_PDFIUM` (the file, or a folder
//! holding it); `.pdfium/libpdfium.so` beside the running program or in any folder above it;
//! the source checkout this crate was built from; the system's library path. pdfium is bound once
//! per process; with pdfium-render's `thread_safe` feature every call is serialised behind one
//! lock, so heavy rendering belongs in several processes.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pdfium_render::prelude::Pdfium;

/// The file name of the library on this platform.
pub const LIBRARY_NAME: &str = "libpdfium.so";
/// The environment variable that names the library or its folder.
pub const ENV_VAR: &str = "SHEETSEAL_PDFIUM";

/// Why pdfium cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PdfiumError {
    #[error("pdfium ({LIBRARY_NAME}) was not found (looked in: {searched}); run scripts/fetch-pdfium.sh from the sheetseal source tree, or set {ENV_VAR} to the library's path")]
    NotFound { searched: String },
    #[error("pdfium at {path} cannot be loaded: {detail}")]
    Bind { path: String, detail: String },
}

/// The places searched for the library, in order.
pub fn candidate_paths() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(value) = std::env::var_os(ENV_VAR) {
        let path = PathBuf::from(value);
        paths.push(if path.is_dir() { path.join(LIBRARY_NAME) } else { path });
    }
    let mut push_ancestors = |start: &Path| {
        for dir in start.ancestors() {
            paths.push(dir.join(".pdfium").join(LIBRARY_NAME));
        }
    };
    if let Some(dir) = std::env::current_exe().ok().as_deref().and_then(Path::parent) {
        push_ancestors(dir);
    }
    push_ancestors(Path::new(env!("CARGO_MANIFEST_DIR")));
    let mut seen = std::collections::HashSet::new();
    paths.retain(|p| seen.insert(p.clone()));
    paths
}

/// Finds the library file.
pub fn locate() -> Result<PathBuf, PdfiumError> {
    let candidates = candidate_paths();
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| PdfiumError::NotFound {
        searched: candidates.iter().take(4).map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            + ", the system library path",
    })
}

/// The process's pdfium, bound on first use.
pub fn pdfium() -> Result<&'static Pdfium, PdfiumError> {
    static PDFIUM: OnceLock<Result<Pdfium, PdfiumError>> = OnceLock::new();
    PDFIUM.get_or_init(bind).as_ref().map_err(Clone::clone)
}

fn bind() -> Result<Pdfium, PdfiumError> {
    match locate() {
        Ok(path) => Pdfium::bind_to_library(&path)
            .map(Pdfium::new)
            .map_err(|e| PdfiumError::Bind { path: path.display().to_string(), detail: e.to_string() }),
        Err(not_found) => Pdfium::bind_to_system_library().map(Pdfium::new).map_err(|_| not_found),
    }
}

/// A one-line description of a pdfium error, for reports (pdfium-render prints its errors as
/// multi-line debug text).
pub fn describe(error: &pdfium_render::prelude::PdfiumError) -> String {
    use pdfium_render::prelude::{PdfiumError as E, PdfiumInternalError as I};
    match error {
        E::PdfiumLibraryInternalError(I::FormatError) => {
            "not a readable PDF (damaged or truncated)".to_string()
        }
        E::PdfiumLibraryInternalError(I::PasswordError) => "encrypted: a password is needed".to_string(),
        E::PdfiumLibraryInternalError(I::SecurityError) => "refused by its security settings".to_string(),
        E::PdfiumLibraryInternalError(I::FileError) => "cannot be read from disk".to_string(),
        E::IoError(e) => e.to_string(),
        other => format!("{other:?}").split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_says_how_to_get_it() {
        let message = PdfiumError::NotFound { searched: "x".into() }.to_string();
        assert!(message.contains("scripts/fetch-pdfium.sh") && message.contains(ENV_VAR), "{message}");
    }

    #[test]
    fn pdfium_is_found_and_renders_a_page() {
        let pdfium = pdfium().expect("pdfium: scripts/test.sh fetches it");
        let mut doc = pdfium.create_new_pdf().unwrap();
        doc.pages_mut().create_page_at_start(pdfium_render::prelude::PdfPagePaperSize::a4()).unwrap();
        assert_eq!(doc.pages().len(), 1);
    }
}
