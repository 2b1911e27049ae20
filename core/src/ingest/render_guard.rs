//! What must hold before a source page is handed to pdfium (clear-zone renders, text splits).
//! pdfium inflates every stream a page uses (content, forms, fonts, colour profiles) without a
//! limit of its own and aborts the process when memory runs out, so a decompression bomb that
//! the writer would refuse with a clear message could first take the whole job down inside
//! pdfium. The guard holds every stream reachable from the page to the stream limit, checking
//! each stream once per document, before pdfium sees the page.
//!
//! pdfium also draws a form as often as it is drawn, forms inside forms included, down to a
//! depth of its own: forms that draw each other in a loop, or two forms each, take it minutes
//! and gigabytes. The guard follows the page's form drawings as pdfium resolves their names (a
//! form without resources uses those of the form that draws it; one without `/XObject`
//! resources, the page's) and keeps from pdfium a page whose forms nest deeper than the job's
//! form nesting limit or are drawn more than [`MAX_FORM_DRAWINGS`] times.

use crate::pdf::Entry as _;
use crate::pdf::Objects;
use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Object, ObjectId};

use super::{SourceDocument, SourcePage};
use crate::limits::{check_stream_size, decode_within_limits, DecodeBudget, LimitError};
use crate::write::forms::{drawn_names, is_form};

/// How many form drawings of one page the guard follows.
pub const MAX_FORM_DRAWINGS: usize = 10_000;

/// Keys that lead away from the page (to its parent tree, the page an annotation sits on,
/// actions and destinations) rather than to what drawing it uses.
const NOT_DRAWN: &[&[u8]] = &[b"Parent", b"P", b"A", b"AA", b"Dest", b"Next", b"Prev", b"First", b"Last"];

/// Checks source pages for pdfium, remembering the streams already found within the limit.
pub struct RenderGuard<'s> {
    source: &'s SourceDocument,
    budget: DecodeBudget,
    checked: HashSet<ObjectId>,
    /// The names each form's content draws.
    drawn: HashMap<ObjectId, Vec<Vec<u8>>>,
}

impl<'s> RenderGuard<'s> {
    pub fn new(source: &'s SourceDocument) -> Self {
        RenderGuard {
            source,
            budget: DecodeBudget::new(source.limits.max_job_decompressed_bytes),
            checked: HashSet::new(),
            drawn: HashMap::new(),
        }
    }

    /// Fails when a stream the page (0-based) draws with would inflate past the stream limit,
    /// or when the checks of this document together would pass the job's decompression limit.
    pub fn check_page(&mut self, page: usize) -> Result<(), LimitError> {
        let Some(page) = self.source.pages.get(page) else { return Ok(()) };
        self.check_streams(page)?;
        self.check_form_drawings(page)
    }

    fn check_streams(&mut self, page: &'s SourcePage) -> Result<(), LimitError> {
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

    /// Follows the page's form drawings as pdfium does, each drawing once per path; fails when
    /// they nest deeper than the form nesting limit or number more than [`MAX_FORM_DRAWINGS`].
    fn check_form_drawings(&mut self, page: &'s SourcePage) -> Result<(), LimitError> {
        let doc = &self.source.doc;
        let page_resources = page.resources.as_ref().and_then(|r| dictionary(doc, r));
        let mut names = Vec::new();
        for &id in &page.contents {
            names.extend(self.names_drawn(id));
        }
        // What is left to draw: a form's name, the resources it is looked up in, and its depth.
        let mut pending: Vec<(Vec<u8>, Option<&'s Dictionary>, usize)> =
            names.into_iter().map(|name| (name, page_resources, 1)).collect();
        let mut drawings = 0;
        while let Some((name, resources, depth)) = pending.pop() {
            let form = match resolve(doc, &name, resources, page_resources) {
                Ok(Some(form)) => form,
                Ok(None) => continue,
                Err(object) => return Err(LimitError::UnreadableDrawing { object }),
            };
            drawings += 1;
            if depth > self.source.limits.max_form_nesting {
                return Err(LimitError::FormsTooDeep {
                    object: form,
                    limit: self.source.limits.max_form_nesting,
                });
            }
            if drawings > MAX_FORM_DRAWINGS {
                return Err(LimitError::FormDrawingsExceeded {
                    object: page.object,
                    limit: MAX_FORM_DRAWINGS,
                });
            }
            let Ok(Object::Stream(stream)) = doc.get_object(form) else { continue };
            // A form without resources of its own uses those of whatever draws it.
            let own = stream.dict.entry(b"Resources").and_then(|r| dictionary(doc, r)).or(resources);
            pending.extend(self.names_drawn(form).into_iter().map(|name| (name, own, depth + 1)));
        }
        Ok(())
    }

    /// The names stream `id` draws with `Do` (none where it cannot be decoded within limits).
    fn names_drawn(&mut self, id: ObjectId) -> Vec<Vec<u8>> {
        let (doc, limits, budget) = (&self.source.doc, &self.source.limits, &self.budget);
        self.drawn
            .entry(id)
            .or_insert_with(|| {
                let Ok(stream) = doc.stream(id) else { return Vec::new() };
                decode_within_limits(&stream, Some(id), limits.max_stream_bytes, budget)
                    .map(|content| drawn_names(&content))
                    .unwrap_or_default()
            })
            .clone()
    }
}

/// `object` as a dictionary, through references.
fn dictionary<'d>(doc: &'d dyn Objects, object: &'d Object) -> Option<&'d Dictionary> {
    doc.dereference(object).ok()?.1.as_dict().ok()
}

/// The form `name` stands for in `resources`, or, where they have no `/XObject` resources at
/// all, in the page's (as pdfium looks it up); `None` for anything but a form, the object's
/// number when it cannot be read (missing or damaged: pdfium, which repairs files its own way,
/// may read it otherwise).
fn resolve<'d>(
    doc: &'d dyn Objects,
    name: &[u8],
    resources: Option<&'d Dictionary>,
    page: Option<&'d Dictionary>,
) -> Result<Option<ObjectId>, ObjectId> {
    let category = |r: Option<&'d Dictionary>| dictionary(doc, r?.entry(b"XObject")?);
    let Some(id) = category(resources)
        .or_else(|| category(page))
        .and_then(|xobjects| xobjects.entry(name)?.as_reference().ok())
    else {
        return Ok(None);
    };
    match doc.get_object(id) {
        Ok(object) => Ok(is_form(object).then_some(id)),
        Err(_) => Err(id),
    }
}
