//! # sheetseal-core
//!
//! The sheetseal pipeline turns a mail-merged PDF into an imposed, marked print file and a
//! reconciliation manifest. It runs in stages, each a module:
//!
//! 1. [`ingest`]: open and describe the input PDFs;
//! 2. [`split`]: divide pages into postal items;
//! 3. [`plan`]: put pages on sheets (plain data, no PDF);
//! 4. [`mark`]: the Data Matrix payload and symbol of every sheet;
//! 5. [`write`]: the imposed PDF, written atomically;
//! 6. [`manifest`]: the record of where every page went.
//!
//! [`job::run`] runs them in order.
//!
//! ```
//! use sheetseal_core::plan::{FlipAxis, LayoutSpec, Plan};
//! use sheetseal_core::split::Item;
//!
//! // Two letters of 3 and 2 pages, printed duplex: 3 sheets, one blank back page.
//! let items = vec![
//!     Item { id: "A".into(), input: 0, first_page: 0, page_count: 3, metadata: Default::default() },
//!     Item { id: "B".into(), input: 0, first_page: 3, page_count: 2, metadata: Default::default() },
//! ];
//! let plan = Plan::build(&LayoutSpec::default(), FlipAxis::Vertical, &items);
//! assert_eq!(plan.sheets.len(), 3);
//! assert_eq!(plan.blank_pages(), 1);
//! ```

pub mod active_content;
pub mod control;
pub mod geometry;
pub mod ingest;
pub mod job;
pub mod jobdir;
mod joined;
pub mod limits;
pub mod lookup;
pub mod manifest;
pub mod manifest_check;
pub mod manifest_json;
pub mod mark;
pub mod pdf;
pub mod pdfium;
pub mod plan;
pub mod preview;
pub mod reconcile;
pub mod record_lines;
#[cfg(unix)]
pub mod retention;
pub mod returns;
pub mod split;
pub mod verify;
pub mod warning;
pub mod write;

pub use warning::Warning;

use std::path::PathBuf;

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Ingest(#[from] ingest::IngestError),
    #[error(transparent)]
    Split(#[from] split::SplitError),
    #[error(transparent)]
    Mark(#[from] mark::MarkError),
    #[error(transparent)]
    Write(#[from] write::WriteError),
    #[error("cannot write {path}: {source}; check that the output folder is writable and has free space, then run the job again")]
    Output { path: PathBuf, source: std::io::Error },
    #[error("internal error: {0}")]
    Internal(String),
    /// The caller's progress hook stopped the job ([`job::RunOptions::progress`]).
    #[error("the job was cancelled")]
    Cancelled,
}

impl Error {
    /// Whether the error is a fault of sheetseal itself rather than of its input, options or
    /// environment.
    pub fn is_internal(&self) -> bool {
        matches!(self, Error::Internal(_))
    }
}
