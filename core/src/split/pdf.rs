//! Small readers of PDF objects shared by the rules that look inside the document (outline,
//! document parts, blank pages).

use crate::pdf::Objects;
use std::collections::HashMap;

use lopdf::{Dictionary, Object, ObjectId};

use crate::ingest::{PdfiumOpenError, SourceDocument};

/// How many objects a rule may visit while walking one structure (outline, document parts, name
/// tree), so that a hostile file cannot make it run for ever.
pub(crate) const MAX_VISITS: usize = 10_000_000;

/// Follows references (at most a few levels) to the object itself.
pub(crate) fn resolve<'a>(doc: &'a dyn Objects, object: &'a Object) -> Option<&'a Object> {
    doc.dereference(object).ok().map(|(_, o)| o)
}

/// The dictionary an object is or refers to (a stream's dictionary counts).
pub(crate) fn dict<'a>(doc: &'a dyn Objects, object: &'a Object) -> Option<&'a Dictionary> {
    match resolve(doc, object)? {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// The dictionary entry `key` of `dict`, dereferenced.
pub(crate) fn get<'a>(doc: &'a dyn Objects, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    dict.get(key).ok().and_then(|o| resolve(doc, o))
}

/// A text string (PDFDocEncoding, UTF-16BE or UTF-8), or a name, as Rust text.
pub(crate) fn text(doc: &dyn Objects, object: &Object) -> Option<String> {
    match resolve(doc, object)? {
        s @ Object::String(..) => lopdf::decode_text_string(s).ok(),
        Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

/// A scalar value as text: strings, names, numbers and booleans.
pub(crate) fn scalar(doc: &dyn Objects, object: &Object) -> Option<String> {
    match resolve(doc, object)? {
        Object::Integer(i) => Some(i.to_string()),
        Object::Real(r) => Some(r.to_string()),
        Object::Boolean(b) => Some(b.to_string()),
        other => text(doc, other),
    }
}

/// The 0-based index of every page object of an input (its first listing, for pages listed
/// twice).
pub(crate) fn page_numbers(source: &SourceDocument) -> HashMap<ObjectId, usize> {
    let mut map = HashMap::with_capacity(source.pages.len());
    for (index, page) in source.pages.iter().enumerate() {
        map.entry(page.object).or_insert(index);
    }
    map
}

/// Opens an input with pdfium (bound on first use), which sees the same pages.
pub(crate) fn open_in_pdfium<'a>(
    source: &'a SourceDocument,
    password: Option<&str>,
) -> Result<pdfium_render::prelude::PdfDocument<'a>, super::SplitError> {
    let pdfium = crate::pdfium::pdfium()?;
    source.open_in_pdfium(pdfium, password).map_err(|e| split_error(source, e))
}

/// Why a split rule that reads pages with pdfium cannot read `source`.
pub(crate) fn split_error(source: &SourceDocument, error: PdfiumOpenError) -> super::SplitError {
    let path = source.path.to_path_buf();
    match error {
        PdfiumOpenError::Changed(detail) => super::SplitError::InputChanged(detail),
        PdfiumOpenError::Pdfium(e) => super::SplitError::PdfiumOpen { path, detail: e.to_string() },
        PdfiumOpenError::PageCount { pdfium, ours } => {
            super::SplitError::PageCountMismatch { path, pdfium, ours }
        }
        PdfiumOpenError::Repaired => super::SplitError::RepairedForPdfium { path },
    }
}
