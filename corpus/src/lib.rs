//! Deterministic generator of realistic mail-merged letters.
//!
//! `sheetseal-corpus` writes one PDF holding many postal letters, as a mail-merge run would
//! produce them, together with a CSV index of where each letter starts. It is what sheetseal's
//! demo, tests and benchmarks run on, so it is:
//!
//! - **deterministic**: the output bytes are a pure function of the [`CorpusSpec`] (no clock, no
//!   hash-map order, no threads in the output path); letter `i` depends only on the seed and `i`;
//! - **realistic**: A4 pages with a letterhead logo (one shared image), sender line, an address
//!   block in the DL window position on the first page, date, `Ref: <item id>`, subject, body text
//!   in an embedded, subset TrueType font (DejaVu Sans, one font object) and a centred
//!   `Page x of y` footer; 1 to 6 pages a letter, about 3 on average;
//! - **streamed**: pages are written as they are made, so very large files need little memory.
//!
//! The left 22 mm of every page is left empty (all text starts at 25 mm) because sheetseal
//! prints its Data Matrix mark there; the right 12 mm and the bottom 10 mm hold nothing either,
//! except the footer.
//!
//! # What is in the file
//!
//! - A4 portrait pages (`/MediaBox [0 0 595.276 841.89]`, no other boxes), one Flate-compressed
//!   content stream each, all sharing one `/Resources` dictionary that names the logo (`/Im1`, a
//!   240 x 90 RGB image) and the font (`/F1`, Type0 / CIDFontType2, Identity-H, with `/W`,
//!   `/CIDToGIDMap` and `/ToUnicode`, so text extraction gives the real text).
//! - A balanced page tree (at most 64 kids per `/Pages` node), `/Info` with a title and
//!   `/Producer (sheetseal-corpus)` and no dates, and an `/ID` derived from the spec.
//! - With [`CorpusSpec::outline`], one top-level bookmark per letter: title = item id, target =
//!   `[first page /Fit]`.
//! - With [`CorpusSpec::dparts`], PDF/VT-style document parts: the catalog's `/DPartRoot`
//!   (`/RecordLevel 1`, `/NodeNameList [/Root /Recipient /Page]`) leads to a root part whose
//!   `/DParts` lists one record part per letter (`/DPM << /Recipient << /ID (item id) >>
//!   /PageCount n >>`), whose `/DParts` list one part per page (`/Start` = the page); every
//!   letter page names its part in `/DPart`.
//! - With [`CorpusSpec::separators`], one blank page (an empty content stream) between
//!   consecutive letters; [`LetterRecord::first_page`] counts them, and the index then has
//!   gaps where they are.
//! - Letter `i` (0-based) has item id `L` + `i + 1` padded to 7 digits and shows
//!   `Ref: <item id>` on its first page. Its page count (1 to 6, weights 22/22/20/16/12/8 %)
//!   and its text come from seeded ChaCha8 streams of its own, so a letter does not change when
//!   the corpus grows.
//!
//! # Cost
//!
//! About 2.6 KB a page: 10,000 letters are about 30,000 pages and 77 MB. Pages are made on all
//! cores (the bytes do not depend on the thread count) and streamed out, so memory stays small
//! (about 21 MB for 100,000 letters). A release build makes about 11,000 pages/s per core. Try
//! `cargo run --release -p sheetseal-corpus --example generate -- 10000 1 out/corpus`.
//!
//! # Example
//!
//! ```
//! use sheetseal_corpus::{generate, CorpusSpec};
//!
//! let dir = std::env::temp_dir().join(format!("sheetseal-corpus-doc-{}", std::process::id()));
//! let spec = CorpusSpec { letters: 5, seed: 42, ..CorpusSpec::default() };
//! let summary = generate(&spec, &dir)?;
//! assert_eq!(summary.letters, 5);
//! assert!(summary.pages >= 5 && summary.pages <= 30);
//! let index = std::fs::read_to_string(&summary.index_path)?;
//! assert!(index.starts_with("item_id,first_page,page_count\nL0000001,1,"));
//!
//! // The PDF can also be streamed to any writer; the same spec gives the same bytes.
//! let mut bytes = Vec::new();
//! let records = sheetseal_corpus::write_pdf(&spec, &mut bytes)?;
//! assert_eq!(bytes, std::fs::read(&summary.pdf_path)?);
//! assert_eq!(records[0].item_id, "L0000001");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod document;
mod font;
mod index;
mod letter;
mod logo;
mod pipeline;
mod rng;
mod text;
mod tree;
mod writer;

pub use document::item_id;
pub use letter::{PAGE_HEIGHT, PAGE_WIDTH};

use std::io;
use std::path::{Path, PathBuf};

/// Most letters a spec may ask for.
pub const MAX_LETTERS: usize = 10_000_000;

/// Width of the strip along the left edge of every page that is left empty for sheetseal's
/// mark, in millimetres. All content starts at [`TEXT_LEFT_MM`].
pub const MARK_STRIP_MM: f64 = 22.0;
/// Left edge of all content, in millimetres.
pub const TEXT_LEFT_MM: f64 = 25.0;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CorpusSpec {
    /// Number of letters, `1..=MAX_LETTERS`.
    pub letters: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Add one top-level bookmark per letter (title = item id, target = its first page).
    pub outline: bool,
    /// Describe the letters as PDF/VT document parts (`/DPartRoot`, one record per letter
    /// with `/DPM` metadata).
    pub dparts: bool,
    /// Put one blank separator page between consecutive letters.
    pub separators: bool,
}

impl Default for CorpusSpec {
    fn default() -> Self {
        CorpusSpec { letters: 300, seed: 1, outline: false, dparts: false, separators: false }
    }
}

impl CorpusSpec {
    /// Checks the spec; [`generate`] and [`write_pdf`] call this first.
    pub fn validate(&self) -> Result<(), CorpusError> {
        if self.letters == 0 || self.letters > MAX_LETTERS {
            return Err(CorpusError::InvalidSpec(format!(
                "letters must be between 1 and {MAX_LETTERS}, not {}",
                self.letters
            )));
        }
        Ok(())
    }
}

/// One letter of a corpus.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LetterRecord {
    /// `L` and the 1-based letter number padded to seven digits, e.g. `L0000001` (only the
    /// 10,000,000th letter has eight).
    pub item_id: String,
    /// 1-based number of its first page in the PDF.
    pub first_page: usize,
    /// Its number of pages, `1..=6`.
    pub page_count: usize,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusSummary {
    /// `out_dir/letters.pdf`.
    pub pdf_path: PathBuf,
    /// `out_dir/letters.csv`.
    pub index_path: PathBuf,
    /// Number of letters.
    pub letters: usize,
    /// Number of pages in the PDF.
    pub pages: usize,
    /// Size of the PDF in bytes.
    pub pdf_bytes: u64,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// The spec asks for something impossible.
    #[error("invalid corpus spec: {0}")]
    InvalidSpec(String),
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Writing to the caller's writer failed.
    #[error("cannot write the PDF: {0}")]
    Write(#[from] io::Error),
    /// The embedded font could not be read or subset (a bug: the font ships with the crate).
    #[error("font error: {0}")]
    Font(String),
}

/// File name of the PDF inside the output directory.
pub const PDF_FILE_NAME: &str = "letters.pdf";
/// File name of the CSV index inside the output directory.
pub const INDEX_FILE_NAME: &str = "letters.csv";

/// Writes `out_dir/letters.pdf` and `out_dir/letters.csv` (creating `out_dir` if missing).
///
/// Each file is written under a temporary name in `out_dir` and renamed into place, so readers
/// never see a partial file.
pub fn generate(spec: &CorpusSpec, out_dir: &Path) -> Result<CorpusSummary, CorpusError> {
    spec.validate()?;
    std::fs::create_dir_all(out_dir).map_err(|source| CorpusError::Io {
        action: "cannot create directory",
        path: out_dir.to_path_buf(),
        source,
    })?;
    let pdf_path = out_dir.join(PDF_FILE_NAME);
    let index_path = out_dir.join(INDEX_FILE_NAME);
    let (records, pdf_bytes) = index::write_atomically(&pdf_path, |file| {
        document::write_document(spec, file, document::Options::default())
    })?;
    index::write_atomically(&index_path, |file| index::write_index(&records, file))?;
    Ok(CorpusSummary {
        pdf_path,
        index_path,
        letters: records.len(),
        pages: records.last().map_or(0, |r| r.first_page + r.page_count - 1),
        pdf_bytes,
    })
}

/// Streams the PDF of `spec` to `out` and returns one record per letter.
///
/// `out` is written in large sequential pieces; wrapping a file in a `BufWriter` is optional.
pub fn write_pdf<W: io::Write>(spec: &CorpusSpec, out: W) -> Result<Vec<LetterRecord>, CorpusError> {
    let out = io::BufWriter::with_capacity(256 * 1024, out);
    document::write_document(spec, out, document::Options::default()).map(|(records, _)| records)
}

/// The letter records of `spec` without generating the PDF (cheap: only page counts are drawn).
pub fn letter_records(spec: &CorpusSpec) -> Result<Vec<LetterRecord>, CorpusError> {
    spec.validate()?;
    let counts = document::page_counts(spec);
    let (firsts, _) = document::first_pages(spec, &counts);
    Ok(counts
        .into_iter()
        .zip(firsts)
        .enumerate()
        .map(|(i, (c, first))| LetterRecord {
            item_id: item_id(i),
            first_page: first + 1,
            page_count: usize::from(c),
        })
        .collect())
}

/// Writes the CSV index of `records` (header `item_id,first_page,page_count`).
pub fn write_index<W: io::Write>(records: &[LetterRecord], out: W) -> Result<(), CorpusError> {
    index::write_index(records, out).map(|_| ())
}

#[doc(hidden)]
/// Like [`write_pdf`] but always ends the file with a cross-reference stream, as files over
/// 10 GB do; for tests.
pub fn write_pdf_with_xref_stream<W: io::Write>(
    spec: &CorpusSpec,
    out: W,
) -> Result<Vec<LetterRecord>, CorpusError> {
    let out = io::BufWriter::with_capacity(256 * 1024, out);
    let options = document::Options { force_xref_stream: true, ..document::Options::default() };
    document::write_document(spec, out, options).map(|(records, _)| records)
}
