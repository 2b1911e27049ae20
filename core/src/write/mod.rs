//! Stage 5, write: serialise the imposed document, atomically.

pub mod atomic;
pub mod copy;
pub mod deflate;
pub mod file;
pub mod forms;
pub mod impose;
pub mod operator_deflate;
pub mod page_form;
pub mod printer_marks;
pub mod shared;
pub mod side;
pub mod small_deflate;
pub mod syntax;

use std::path::PathBuf;

/// Why the output cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
    #[error("{path}, page {page}: {detail}")]
    Content { path: PathBuf, page: usize, detail: String },
    #[error(transparent)]
    Mark(#[from] crate::mark::MarkError),
    #[error("internal error in the plan: {0}")]
    Plan(String),
    #[error("{path}, page {page}: {source}")]
    Limit { path: PathBuf, page: usize, source: crate::limits::LimitError },
    /// The caller's progress hook asked to stop.
    #[error("cancelled")]
    Cancelled,
}

impl WriteError {
    /// The error of copying page `page` (1-based) of input `path`.
    pub(crate) fn copying(path: &std::path::Path, page: usize, error: copy::CopyError) -> WriteError {
        match error {
            copy::CopyError::Io(e) => WriteError::Io(e),
            copy::CopyError::Limit(source) => WriteError::Limit { path: path.to_path_buf(), page, source },
        }
    }
}
