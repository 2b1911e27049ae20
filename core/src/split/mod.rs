//! Stage 2, split: divide an input's pages into postal items (letters), each a run of pages.
//!
//! Every page belongs to exactly one item or is dropped as a separator, and the job records
//! which; the rules here refuse anything else with a message that names the pages concerned.
//! One file per rule (docs/splitting.md describes them for operators):
//!
//! | rule | file | where items start |
//! |---|---|---|
//! | `fixed:N` | [`fixed`] | every N pages |
//! | `index:FILE` | [`index`] | rows of a sidecar CSV; its other columns become metadata |
//! | `outline` | [`outline`] | one top-level bookmark per item |
//! | `text:REGEX` | [`text`] | pages whose text (in a region) matches |
//! | `blank` | [`blank`] | after blank separator pages, which are dropped |
//! | `dpart` | [`dpart`] | PDF/VT document parts at the record level, with `/DPM` metadata |
//! | `files:DIR` | [`files`] | one item per PDF of a folder |
//!
//! [`oversize`] checks the planned items against the inserter's sheet limit.

pub mod blank;
pub mod dpart;
pub mod files;
pub mod fixed;
pub mod index;
pub mod outline;
pub mod oversize;
pub mod summary;
pub mod text;

mod assemble;
mod pdf;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ingest::SourceDocument;
use crate::pdfium::PdfiumError;
use crate::warning::Warning;

pub use dpart::DpartRule;
pub use index::parse_index;
pub use oversize::OnOversize;
pub use text::{PageMatch, Region, SplitWhen, TextReader, TextRule};

/// The longest item id accepted from an index, a bookmark, a captured text or a file name.
pub const MAX_ITEM_ID_LEN: usize = 64;

/// How to find where one item ends and the next begins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "lowercase")]
pub enum SplitRule {
    /// Every `pages` pages make one item.
    Fixed { pages: usize },
    /// A sidecar CSV with the columns `item_id,first_page,page_count` (1-based).
    Index { path: PathBuf },
    /// One top-level bookmark per item; its title is the item id.
    Outline,
    /// An item starts on (or ends with) each page whose text matches.
    Text(TextRule),
    /// Blank separator pages end items and are dropped.
    Blank,
    /// PDF/VT document parts at a record level.
    Dpart(DpartRule),
    /// Every PDF of a folder is one item (the job's inputs are the folder's files).
    Files { dir: PathBuf },
}

impl FromStr for SplitRule {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (name, argument) = match text.split_once(':') {
            Some((name, argument)) => (name, Some(argument)),
            None => (text, None),
        };
        match (name, argument) {
            ("fixed", Some(n)) => {
                let pages: usize = n
                    .parse()
                    .map_err(|_| format!("'{text}': fixed:N needs a whole number of pages, e.g. fixed:2"))?;
                if pages == 0 {
                    return Err("fixed:0 is not a rule: an item has at least one page".to_string());
                }
                Ok(SplitRule::Fixed { pages })
            }
            ("index", Some(path)) if !path.is_empty() => Ok(SplitRule::Index { path: PathBuf::from(path) }),
            ("index", _) => Err("index: needs a file, e.g. index:letters.csv".to_string()),
            ("outline", None) => Ok(SplitRule::Outline),
            ("text", Some(pattern)) => Ok(SplitRule::Text(TextRule::new(pattern)?)),
            ("text", None) => Err("text: needs a regular expression, e.g. 'text:Page 1 of'".to_string()),
            ("blank", None) => Ok(SplitRule::Blank),
            ("dpart", argument) => Ok(SplitRule::Dpart(argument.unwrap_or_default().parse()?)),
            ("files", Some(dir)) if !dir.is_empty() => Ok(SplitRule::Files { dir: PathBuf::from(dir) }),
            ("files", _) => Err("files: needs a folder, e.g. files:letters/".to_string()),
            _ => Err(format!(
                "unknown split rule '{text}': use fixed:N, index:FILE.csv, outline, text:REGEX, blank, \
                 dpart[:level=N][,id=KEY] or files:DIR"
            )),
        }
    }
}

impl SplitRule {
    /// The rule's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            SplitRule::Fixed { .. } => "fixed",
            SplitRule::Index { .. } => "index",
            SplitRule::Outline => "outline",
            SplitRule::Text(_) => "text",
            SplitRule::Blank => "blank",
            SplitRule::Dpart(_) => "dpart",
            SplitRule::Files { .. } => "files",
        }
    }
}

/// One postal item: a run of consecutive pages of one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The item's identifier (from the index, a bookmark, captured text, a file name, or its
    /// 1-based sequence number, zero-padded).
    pub id: String,
    /// The input this item comes from (0-based position in the job's inputs).
    pub input: usize,
    /// The first page, 0-based.
    pub first_page: usize,
    pub page_count: usize,
    /// What the rule learned about the item, by name: an index's other columns, a text rule's
    /// named capture groups, a document part's `/DPM` entries. Empty for `fixed:N`.
    #[serde(default)]
    pub metadata: std::collections::BTreeMap<String, String>,
}

impl Item {
    /// An item without metadata.
    pub fn new(id: impl Into<String>, input: usize, first_page: usize, page_count: usize) -> Item {
        Item { id: id.into(), input, first_page, page_count, metadata: BTreeMap::new() }
    }

    /// The item's pages, 0-based.
    pub fn pages(&self) -> std::ops::Range<usize> {
        self.first_page..self.first_page + self.page_count
    }
}

/// A page that belongs to no item, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedPage {
    pub input: usize,
    /// 0-based.
    pub page: usize,
    pub reason: DropReason,
}

/// Why a page was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// A blank page that separates items (`blank` rule).
    BlankSeparator,
}

/// What splitting found.
#[derive(Debug, Clone, Default)]
pub struct SplitOutcome {
    pub items: Vec<Item>,
    /// Pages in no item, in page order.
    pub dropped: Vec<DroppedPage>,
    pub warnings: Vec<Warning>,
}

impl SplitOutcome {
    fn extend(&mut self, other: SplitOutcome) {
        self.items.extend(other.items);
        self.dropped.extend(other.dropped);
        self.warnings.extend(other.warnings);
    }
}

/// Why pages cannot be divided into items. Page numbers in messages are 1-based.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    #[error("fixed:{pages} does not divide the {total} pages of the input: the last item would have {remainder} page(s); check the rule or the input")]
    FixedRemainder { pages: usize, total: usize, remainder: usize },
    #[error("cannot read the index {path}: {source}")]
    IndexIo { path: PathBuf, source: std::io::Error },
    #[error("index {path}: {message}")]
    IndexHeader { path: PathBuf, message: String },
    #[error("index {path}, line {line}: {message}")]
    IndexLine { path: PathBuf, line: u64, message: String },
    #[error("index {path}: pages {first} to {last} of {total} belong to no item (they follow the item on line {after_line}); every page must be in exactly one item")]
    IndexTrailingPages { path: PathBuf, first: usize, last: usize, total: usize, after_line: u64 },
    #[error("index {path} lists no items")]
    IndexEmpty { path: PathBuf },
    #[error("{path}: {rule} rule: page 1 does not start an item (the first item starts on page {first_start}); check the rule, or remove the leading pages")]
    FirstPageNotStart { path: PathBuf, rule: &'static str, first_start: usize },
    #[error("{path}: {rule} rule: item '{id}' would have no pages (it starts on page {page}, where the next item starts too)")]
    EmptyItem { path: PathBuf, rule: &'static str, id: String, page: usize },
    #[error("{path}: {rule} rule: items are out of page order: '{id}' starts on page {page}, before the item before it (page {previous})")]
    OutOfOrder { path: PathBuf, rule: &'static str, id: String, page: usize, previous: usize },
    #[error("{path}: {rule} rule: {} in no item; every page must be in exactly one item", page_span(*.first, *.last))]
    UncoveredPages { path: PathBuf, rule: &'static str, first: usize, last: usize },
    #[error("{path}: {rule} rule: item id on page {page} is unusable: {message}")]
    BadId { path: PathBuf, rule: &'static str, page: usize, message: String },
    #[error("{path}: {rule} rule: item id '{id}' is used by the items starting on pages {first} and {second}; ids must be unique in an input")]
    DuplicateId { path: PathBuf, rule: &'static str, id: String, first: usize, second: usize },
    #[error("{path}: text rule '{pattern}' matches no page of the {pages}; check the pattern and --split-region (split-check shows what was found)")]
    TextNoMatch { path: PathBuf, pattern: String, pages: usize },
    #[error("{path}: text rule with --split-when end: {} after the last page that ends an item, in no item", page_span(*.first, *.last))]
    TextTrailingPages { path: PathBuf, first: usize, last: usize },
    #[error("invalid text pattern '{pattern}': {detail}")]
    Pattern { pattern: String, detail: String },
    #[error("{path}: no outline (bookmarks): the outline rule needs one top-level bookmark per item")]
    NoOutline { path: PathBuf },
    #[error("{path}: outline: {message}")]
    Outline { path: PathBuf, message: String },
    #[error("{path}: no PDF/VT document parts (/DPartRoot); use another rule")]
    NoDparts { path: PathBuf },
    #[error("{path}: document parts: {message}")]
    Dpart { path: PathBuf, message: String },
    #[error("{path}: all {pages} pages are blank; there is no item to print")]
    AllBlank { path: PathBuf, pages: usize },
    #[error("{path}, page {page}: {detail}")]
    Page { path: PathBuf, page: usize, detail: String },
    #[error("{path}: pdfium sees {pdfium} pages but the page tree has {ours}; the file is inconsistent and cannot be split by text or rendering")]
    PageCountMismatch { path: PathBuf, pdfium: usize, ours: usize },
    #[error("{path}: pdfium cannot open the file: {detail}")]
    PdfiumOpen { path: PathBuf, detail: String },
    #[error("{path}: the file was damaged and rebuilt; this rule reads its pages with pdfium, which would rebuild it its own way and could find letters on other pages than the job prints. Ask the customer for the file again, or split it by fixed:N or index:FILE")]
    RepairedForPdfium { path: PathBuf },
    #[error("{0}")]
    InputChanged(String),
    #[error(transparent)]
    Pdfium(#[from] PdfiumError),
    #[error("{path}: the page text could not be read: {detail}")]
    TextReader { path: PathBuf, detail: String },
    #[error("files:{dir}: {message}")]
    Files { dir: PathBuf, message: String },
    #[error("{}", oversize::describe(.items, *.limit))]
    Oversize { limit: usize, items: Vec<oversize::OversizeItem> },
}

/// Splits one input by `rule`. `password` opens encrypted inputs for the rules that read them
/// with pdfium (text, blank); `read_texts` reads the page texts for the text rule
/// ([`text::page_matches`] unless the caller has another way).
pub fn split(
    rule: &SplitRule,
    input: usize,
    source: &SourceDocument,
    password: Option<&str>,
    read_texts: &TextReader,
) -> Result<SplitOutcome, SplitError> {
    let total = source.pages.len();
    let items = |items: Vec<Item>| SplitOutcome { items, ..SplitOutcome::default() };
    match rule {
        SplitRule::Fixed { pages } => fixed::split(*pages, input, total).map(items),
        SplitRule::Index { path } => index::split(path, input, total).map(items),
        SplitRule::Outline => outline::split(input, source).map(items),
        SplitRule::Text(text) => text::split(text, input, source, password, read_texts).map(items),
        SplitRule::Blank => blank::split(input, source, password),
        SplitRule::Dpart(dpart) => dpart::split(dpart, input, source).map(items),
        SplitRule::Files { .. } => files::split(input, source).map(items),
    }
}

/// Splits every input of a job by the same rule, in input order.
pub fn split_all(
    rule: &SplitRule,
    sources: &[SourceDocument],
    password: Option<&str>,
    read_texts: &TextReader,
) -> Result<SplitOutcome, SplitError> {
    let mut outcome = SplitOutcome::default();
    for (input, source) in sources.iter().enumerate() {
        outcome.extend(split(rule, input, source, password, read_texts)?);
    }
    Ok(outcome)
}

/// Whether `id` can be an item id: 1 to [`MAX_ITEM_ID_LEN`] bytes, no control characters.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("it is empty".to_string());
    }
    if id.len() > MAX_ITEM_ID_LEN || id.chars().any(char::is_control) {
        return Err(format!("item ids must be at most {MAX_ITEM_ID_LEN} bytes of printable characters"));
    }
    Ok(())
}

/// "page 4" or "pages 4 to 9" (1-based, inclusive), for messages.
pub(crate) fn page_span(first: usize, last: usize) -> String {
    if first == last {
        format!("page {first}")
    } else {
        format!("pages {first} to {last}")
    }
}

/// The id of the `n`-th item (0-based) of an input when the rule gives none.
pub(crate) fn sequence_id(n: usize) -> String {
    format!("{:06}", n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_parsing() {
        assert_eq!("fixed:3".parse::<SplitRule>().unwrap(), SplitRule::Fixed { pages: 3 });
        assert!("fixed:0".parse::<SplitRule>().is_err());
        assert!("fixed:x".parse::<SplitRule>().is_err());
        assert!("pages".parse::<SplitRule>().is_err());
        assert_eq!(
            "index:a.csv".parse::<SplitRule>().unwrap(),
            SplitRule::Index { path: PathBuf::from("a.csv") }
        );
        assert_eq!("outline".parse::<SplitRule>().unwrap(), SplitRule::Outline);
        assert_eq!("blank".parse::<SplitRule>().unwrap(), SplitRule::Blank);
        assert!("blank:1".parse::<SplitRule>().is_err());
        assert_eq!("files:in/".parse::<SplitRule>().unwrap(), SplitRule::Files { dir: PathBuf::from("in/") });
        assert!("files:".parse::<SplitRule>().is_err());
        let SplitRule::Text(text) = "text:Page 1 of".parse::<SplitRule>().unwrap() else { panic!() };
        assert_eq!((text.pattern.as_str(), text.when, text.region), ("Page 1 of", SplitWhen::Start, None));
        let message = "text:Page (".parse::<SplitRule>().unwrap_err();
        assert!(message.contains("Page ("), "{message}");
        assert_eq!(
            "dpart".parse::<SplitRule>().unwrap(),
            SplitRule::Dpart(DpartRule { level: None, id_key: None })
        );
        assert_eq!(
            "dpart:level=2,id=Recipient.ID".parse::<SplitRule>().unwrap(),
            SplitRule::Dpart(DpartRule { level: Some("2".into()), id_key: Some("Recipient.ID".into()) })
        );
        assert!("dpart:colour=red".parse::<SplitRule>().is_err());
    }

    #[test]
    fn the_rule_is_recorded_with_its_parameters() {
        let rule: SplitRule = "text:Ref: (L\\d+)".parse().unwrap();
        let json = serde_json::to_value(&rule).unwrap();
        assert_eq!(json["rule"], "text");
        assert_eq!(json["pattern"], "Ref: (L\\d+)");
        assert_eq!(json["when"], "start");
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("L0000001").is_ok());
        assert!(check_id("").is_err());
        assert!(check_id("a\tb").is_err());
        assert!(check_id(&"x".repeat(MAX_ITEM_ID_LEN + 1)).is_err());
    }
}

/// PDFs for the rules' tests: generated letters and small hand-made files.
#[cfg(test)]
pub(crate) mod test_files {
    use std::path::Path;

    use lopdf::{dictionary, Document, Object, ObjectId, Stream};
    use sheetseal_corpus::{CorpusSpec, LetterRecord};

    use crate::ingest::{self, IngestOptions, SourceDocument};

    /// Opens a PDF file as a job would.
    pub fn open(path: &Path) -> SourceDocument {
        ingest::open(path, &IngestOptions::default()).expect("test PDF opens")
    }

    /// Generates letters into `dir`; returns the opened PDF and the true answer.
    pub fn letters(dir: &Path, spec: CorpusSpec) -> (SourceDocument, Vec<LetterRecord>) {
        let summary = sheetseal_corpus::generate(&spec, dir).expect("corpus");
        let records = sheetseal_corpus::letter_records(&spec).expect("records");
        (open(&summary.pdf_path), records)
    }

    /// A file of A4 pages with the given content streams (Helvetica as /F1, a 1x1 image as /Im1,
    /// a form drawing `form` as /Fm1); `extend` may add to the catalog.
    pub fn pages(
        path: &Path,
        contents: &[&str],
        form: &str,
        extend: impl FnOnce(&mut Document, &[ObjectId]),
    ) {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        });
        let image = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 1, "Height" => 1,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            },
            vec![255],
        ));
        let form = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            },
            form.as_bytes().to_vec(),
        ));
        let resources = doc.add_object(dictionary! {
            "Font" => dictionary! { "F1" => font },
            "XObject" => dictionary! { "Im1" => image, "Fm1" => form },
        });
        let mut kids = Vec::new();
        for content in contents {
            let stream = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
            kids.push(doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => stream, "Resources" => resources,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            }));
        }
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => kids.iter().map(|&k| Object::Reference(k)).collect::<Vec<_>>(),
                "Count" => kids.len() as i64,
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        extend(&mut doc, &kids);
        doc.save(path).expect("save test PDF");
    }

    /// The catalog of a document being built.
    pub fn catalog(doc: &mut Document) -> &mut lopdf::Dictionary {
        let id = doc.trailer.get(b"Root").and_then(Object::as_reference).expect("root");
        doc.get_dictionary_mut(id).expect("catalog")
    }

    /// What the rule found, as (id, first page 1-based, page count).
    pub fn shape(items: &[super::Item]) -> Vec<(String, usize, usize)> {
        items.iter().map(|i| (i.id.clone(), i.first_page + 1, i.page_count)).collect()
    }

    /// The true answer in the same form.
    pub fn truth(records: &[LetterRecord]) -> Vec<(String, usize, usize)> {
        records.iter().map(|r| (r.item_id.clone(), r.first_page, r.page_count)).collect()
    }
}
