//! Pictures of a finished job for people, who never get the PDF itself: press sheets rendered
//! to PNG with pdfium, an optional overlay that shows the imposition (leaf boundaries, trim and
//! cut lines, each leaf's item, the mark's clear zone), and contact sheets with many pages
//! thumbnailed on one image. See docs/preview.md.
//!
//! Everything here works on one process's pages; `sheetseal preview` spreads a job's pages over
//! worker processes, because pdfium serialises every call behind one lock.
//!
//! - [`raster`]: an RGB image and the few drawing operations the overlay needs;
//! - [`overlay`]: shapes in page coordinates, and the shapes a manifest describes for a page;
//! - [`render`]: one page of a PDF to a raster, with pdfium;
//! - [`contact`]: thumbnails laid out on a grid;
//! - [`png`]: PNG encoding and decoding;
//! - [`ranges`]: page selections such as `1-10,15`;
//! - [`job`]: a finished job's manifest and print file, checked against each other.

pub mod contact;
pub mod job;
pub mod overlay;
pub mod png;
pub mod ranges;
pub mod raster;
pub mod render;

/// Why a preview cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PreviewError {
    #[error(transparent)]
    Pdfium(#[from] crate::pdfium::PdfiumError),
    #[error("{path}: pdfium cannot open the print file: {detail}")]
    Open { path: std::path::PathBuf, detail: String },
    #[error("{path}, page {page}: {detail}")]
    Render { path: std::path::PathBuf, page: usize, detail: String },
    #[error("{0}")]
    Options(String),
    #[error("PNG: {0}")]
    Png(String),
}
