//! Stage 5, write: serialise the imposed document, atomically.

pub mod atomic;
pub mod copy;
pub mod file;
pub mod impose;
pub mod printer_marks;
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
    /// The caller's progress hook asked to stop.
    #[error("cancelled")]
    Cancelled,
}
