//! What must hold before a source page is handed to pdfium (clear-zone renders, text splits).
//! pdfium inflates every stream a page uses (content, forms, fonts, colour profiles) without a
//! limit of its own and aborts the process when memory runs out, so a decompression bomb that
//! the writer would refuse with a clear message could first take the whole job down inside
//! pdfium. The guard holds every stream reachable from the page to the stream limit, checking
//! each stream once per document, before pdfium sees the page.

use crate::pdf::Objects;
use std::collections::HashSet;

use lopdf::{Object, ObjectId};

use super::SourceDocument;
use crate::limits::{check_stream_size, DecodeBudget, LimitError};

/// Keys that lead away from the page (to its parent tree, the page an annotation sits on,
/// actions and destinations) rather than to what drawing it uses.
const NOT_DRAWN: &[&[u8]] = &[b"Parent", b"P", b"A", b"AA", b"Dest", b"Next", b"Prev", b"First", b"Last"];

/// Checks source pages for pdfium, remembering the streams already found within the limit.
pub struct RenderGuard<'s> {
    source: &'s SourceDocument,
    budget: DecodeBudget,
    checked: HashSet<ObjectId>,
}

impl<'s> RenderGuard<'s> {
    pub fn new(source: &'s SourceDocument) -> Self {
        RenderGuard {
            source,
            budget: DecodeBudget::new(source.limits.max_job_decompressed_bytes),
            checked: HashSet::new(),
        }
    }

    /// Fails when a stream the page (0-based) draws with would inflate past the stream limit,
    /// or when the checks of this document together would pass the job's decompression limit.
    pub fn check_page(&mut self, page: usize) -> Result<(), LimitError> {
        let Some(page) = self.source.pages.get(page) else { return Ok(()) };
        let doc = &self.source.doc;
        let limit = self.source.limits.max_stream_bytes;
        let mut pending: Vec<(Option<ObjectId>, &Object)> = Vec::new();
        if self.checked.insert(page.object) {
            if let Ok(object) = doc.get_object(page.object) {
                pending.push((Some(page.object), object));
            }
        }
        // Inherited resources live on an ancestor, which the walk does not climb to.
        if let Some(resources) = &page.resources {
            pending.push((None, resources));
        }
        while let Some((id, object)) = pending.pop() {
            let dict = match object {
                Object::Reference(target) => {
                    if self.checked.insert(*target) {
                        if let Ok(object) = doc.get_object(*target) {
                            pending.push((Some(*target), object));
                        }
                    }
                    continue;
                }
                Object::Array(items) => {
                    pending.extend(items.iter().map(|item| (None, item)));
                    continue;
                }
                Object::Stream(stream) => {
                    if let Some(id) = id {
                        check_stream_size(stream, id, limit, &self.budget)?;
                    }
                    &stream.dict
                }
                Object::Dictionary(dict) => dict,
                _ => continue,
            };
            let drawn = dict.iter().filter(|(key, _)| !NOT_DRAWN.contains(&key.as_slice()));
            pending.extend(drawn.map(|(_, value)| (None, value)));
        }
        Ok(())
    }
}
