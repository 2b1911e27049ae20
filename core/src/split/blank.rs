//! `blank`: blank separator pages end an item and are dropped (the manifest lists them).
//!
//! A page is blank when it paints nothing. That is decided from its content, never guessed:
//!
//! 1. The content streams are parsed (and every Form XObject they draw, recursively). A page
//!    without a single painting operator (path painting, text shown in a visible render mode,
//!    images, shadings) is blank.
//! 2. A page that shows visible text is not blank, whatever colour the text has.
//! 3. Any other page (it paints only paths, shadings or images, or its content cannot be read)
//!    is rendered by pdfium at 72 dpi without annotations: it is blank when every pixel is pure
//!    white (a white background rectangle, for example).
//!
//! A run of consecutive blank pages is one separator. Separators before the first item and
//! after the last are dropped too.

use crate::pdf::Objects;
use std::collections::HashSet;

use lopdf::content::Content;
use lopdf::{Dictionary, Object, ObjectId};
use pdfium_render::prelude::{PdfBitmapFormat, PdfColor, PdfRenderConfig};

use super::assemble::{self, Found};
use super::pdf;
use super::{DropReason, DroppedPage, SplitError, SplitOutcome};
use crate::ingest::{SourceDocument, SourcePage};
use crate::write::impose::MAX_CONTENT_BYTES;

/// How deep Form XObjects may nest before the page is handed to the renderer.
const MAX_FORM_DEPTH: usize = 12;
/// Resolution of the render that confirms a page without text is white.
const CONFIRM_DPI: f32 = 72.0;

/// What a page's content paints, as far as parsing tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ink {
    /// No painting operator at all.
    Nothing,
    /// Paths, shadings or images only: may be white; a render decides.
    Shapes,
    /// The content could not be read completely: a render decides.
    Unreadable,
    /// Text in a visible render mode.
    Text,
}

/// Splits an input at its blank pages.
pub fn split(
    input: usize,
    source: &SourceDocument,
    password: Option<&str>,
) -> Result<SplitOutcome, SplitError> {
    let blank = blank_pages(source, password)?;
    let total = source.pages.len();
    let mut found = Vec::new();
    let mut dropped = Vec::new();
    let mut page = 0;
    while page < total {
        if blank[page] {
            dropped.push(page);
            page += 1;
            continue;
        }
        let first = page;
        while page < total && !blank[page] {
            page += 1;
        }
        found.push(Found { first, end: page, ..Found::default() });
    }
    if found.is_empty() {
        return Err(SplitError::AllBlank { path: source.path.clone(), pages: total });
    }
    let items = assemble::items(&source.path, "blank", input, total, found, &dropped)?;
    let dropped = dropped
        .into_iter()
        .map(|page| DroppedPage { input, page, reason: DropReason::BlankSeparator })
        .collect();
    Ok(SplitOutcome { items, dropped, warnings: Vec::new() })
}

/// Whether each page of an input is blank.
pub fn blank_pages(source: &SourceDocument, password: Option<&str>) -> Result<Vec<bool>, SplitError> {
    let inks: Vec<Ink> = source.pages.iter().map(|page| page_ink(&source.doc, page)).collect();
    let mut blank: Vec<bool> = inks.iter().map(|&ink| ink == Ink::Nothing).collect();
    let to_render: Vec<usize> = inks
        .iter()
        .enumerate()
        .filter(|(_, &ink)| matches!(ink, Ink::Shapes | Ink::Unreadable))
        .map(|(i, _)| i)
        .collect();
    if to_render.is_empty() {
        return Ok(blank);
    }
    let document = pdf::open_in_pdfium(source, password)?;
    let config = PdfRenderConfig::new()
        .scale_page_by_factor(CONFIRM_DPI / 72.0)
        .set_format(PdfBitmapFormat::BGRA)
        .set_clear_color(PdfColor::WHITE)
        .render_annotations(false)
        .render_form_data(false);
    for index in to_render {
        let render_err = |e: pdfium_render::prelude::PdfiumError| SplitError::Page {
            path: source.path.clone(),
            page: index + 1,
            detail: format!("pdfium cannot render the page to check whether it is blank: {e}"),
        };
        let page = document.pages().get(index as i32).map_err(render_err)?;
        let bitmap = page.render_with_config(&config).map_err(render_err)?;
        blank[index] = bitmap.as_raw_bytes().iter().all(|&b| b == 255);
    }
    Ok(blank)
}

/// What the page's content streams paint.
pub fn page_ink(doc: &dyn Objects, page: &SourcePage) -> Ink {
    let resources = page.resources.as_ref().and_then(|r| pdf::dict(doc, r));
    let mut content = Vec::new();
    for id in &page.contents {
        let Ok(stream) = doc.stream(*id) else { return Ink::Unreadable };
        match stream.get_plain_content_with_limit(MAX_CONTENT_BYTES.saturating_sub(content.len())) {
            Ok(plain) => content.extend_from_slice(&plain),
            Err(_) => return Ink::Unreadable,
        }
        content.push(b'\n');
    }
    let mut scan = Scan { doc, seen_forms: HashSet::new() };
    scan.content(&content, resources, 0)
}

struct Scan<'a> {
    doc: &'a dyn Objects,
    seen_forms: HashSet<ObjectId>,
}

impl Scan<'_> {
    /// The ink of one content stream drawn with `resources`.
    fn content(&mut self, bytes: &[u8], resources: Option<&Dictionary>, depth: usize) -> Ink {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ink::Nothing;
        }
        let Ok(content) = Content::decode(bytes) else { return Ink::Unreadable };
        let mut ink = Ink::Nothing;
        // The text render mode is part of the graphics state, saved by q and restored by Q.
        let mut render_mode = 0i64;
        let mut saved = Vec::new();
        for operation in &content.operations {
            let found = match operation.operator.as_str() {
                "q" => {
                    saved.push(render_mode);
                    Ink::Nothing
                }
                "Q" => {
                    render_mode = saved.pop().unwrap_or(0);
                    Ink::Nothing
                }
                "Tr" => {
                    render_mode = operation.operands.first().and_then(|o| o.as_i64().ok()).unwrap_or(0);
                    Ink::Nothing
                }
                "Tj" | "TJ" | "'" | "\"" if render_mode != 3 && render_mode != 7 => Ink::Text,
                "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "sh" | "BI" => Ink::Shapes,
                "Do" => {
                    let name = operation.operands.first().and_then(|o| o.as_name().ok());
                    self.xobject(name, resources, depth)
                }
                _ => Ink::Nothing,
            };
            ink = ink.max(found);
            if ink == Ink::Text {
                break;
            }
        }
        ink
    }

    /// The ink of the XObject `name` of `resources`: images paint shapes, forms are scanned.
    fn xobject(&mut self, name: Option<&[u8]>, resources: Option<&Dictionary>, depth: usize) -> Ink {
        let doc = self.doc;
        let xobject = (|| {
            let xobjects = pdf::get(doc, resources?, b"XObject")?.as_dict().ok()?;
            let reference = xobjects.get(name?).ok()?;
            Some((reference.as_reference().ok(), pdf::resolve(doc, reference)?.as_stream().ok()?))
        })();
        let Some((id, stream)) = xobject else {
            // Drawing something that does not exist paints nothing in any reader.
            return Ink::Nothing;
        };
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => Ink::Shapes,
            Ok(b"Form") => {
                if depth >= MAX_FORM_DEPTH || id.is_some_and(|id| !self.seen_forms.insert(id)) {
                    return Ink::Unreadable;
                }
                let Ok(bytes) = stream.get_plain_content_with_limit(MAX_CONTENT_BYTES) else {
                    return Ink::Unreadable;
                };
                let own = pdf::get(doc, &stream.dict, b"Resources").and_then(|r| r.as_dict().ok());
                let ink = self.content(&bytes, own.or(resources), depth + 1);
                if let Some(id) = id {
                    self.seen_forms.remove(&id);
                }
                ink
            }
            _ => Ink::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use sheetseal_corpus::CorpusSpec;

    use super::*;
    use crate::split::test_files::{self, shape};

    #[test]
    fn separators_between_generated_letters_are_found_and_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let spec = CorpusSpec { letters: 30, seed: 6, separators: true, ..CorpusSpec::default() };
        let (source, records) = test_files::letters(dir.path(), spec);
        let outcome = split(0, &source, None).unwrap();
        let expected: Vec<_> = records
            .iter()
            .enumerate()
            .map(|(n, r)| (format!("{:06}", n + 1), r.first_page, r.page_count))
            .collect();
        assert_eq!(shape(&outcome.items), expected);
        let separators: Vec<usize> =
            records[..records.len() - 1].iter().map(|r| r.first_page - 1 + r.page_count).collect();
        assert_eq!(outcome.dropped.iter().map(|d| d.page).collect::<Vec<_>>(), separators);
        assert!(outcome.dropped.iter().all(|d| d.reason == DropReason::BlankSeparator && d.input == 0));
    }

    #[test]
    fn blank_is_decided_by_what_the_page_paints() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kinds.pdf");
        let pages = [
            ("", true),                                           // no content
            ("q 0.5 0 0 0.5 0 0 cm Q", true),                     // state only
            ("1 g 0 0 595 842 re f", true),                       // white background: render says white
            ("BT /F1 12 Tf 3 Tr 72 700 Td (hidden) Tj ET", true), // invisible text
            ("/Fm1 Do", true),                                    // a form that paints nothing
            ("0 0 m 100 100 l n", true),                          // a path that is not painted
            ("BT /F1 12 Tf 72 700 Td (This page is intentionally left blank) Tj ET", false),
            ("1 g BT /F1 12 Tf 72 700 Td (white text still counts) Tj ET", false),
            ("0 g 300 400 1 1 re f", false),            // one point of black
            ("q 20 0 0 20 100 100 cm /Im1 Do Q", true), // a white image
            ("/Missing Do", true),                      // nothing to draw
        ];
        let contents: Vec<&str> = pages.iter().map(|p| p.0).collect();
        test_files::pages(&path, &contents, "q Q", |_, _| {});
        let found = blank_pages(&test_files::open(&path), None).unwrap();
        let expected: Vec<bool> = pages.iter().map(|p| p.1).collect();
        assert_eq!(found, expected);

        let inked = dir.path().join("form-text.pdf");
        test_files::pages(
            &inked,
            &["/Fm1 Do", "/Fm1 Do"],
            "BT /F1 9 Tf 10 10 Td (in a form) Tj ET",
            |_, _| {},
        );
        let source = test_files::open(&inked);
        assert_eq!(page_ink(&source.doc, &source.pages[0]), Ink::Text);
    }

    #[test]
    fn leading_and_trailing_separators_are_dropped_and_an_all_blank_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.pdf");
        let text = "BT /F1 12 Tf 72 700 Td (letter) Tj ET";
        test_files::pages(&path, &["", text, text, "", "", text, ""], "", |_, _| {});
        let outcome = split(3, &test_files::open(&path), None).unwrap();
        let expected = [("000001", 2, 2), ("000002", 6, 1)];
        assert_eq!(shape(&outcome.items), expected.map(|(i, f, c)| (i.to_string(), f, c)));
        assert_eq!(
            outcome.dropped.iter().map(|d| (d.input, d.page)).collect::<Vec<_>>(),
            [(3, 0), (3, 3), (3, 4), (3, 6)]
        );

        let empty = dir.path().join("empty.pdf");
        test_files::pages(&empty, &["", "1 g 0 0 10 10 re f"], "", |_, _| {});
        let message = split(0, &test_files::open(&empty), None).unwrap_err().to_string();
        assert!(message.contains("all 2 pages are blank"), "{message}");
    }
}
