//! A page's annotations, as far as printing is concerned: which have an appearance that a
//! printer would show, and where.

use crate::pdf::Entry as _;
use crate::pdf::Objects;
use lopdf::{Dictionary, Object, ObjectId};

use crate::geometry::Rect;

/// `/F` flag bits (ISO 32000-1, 12.5.3).
const FLAG_HIDDEN: i64 = 1 << 1;
const FLAG_PRINT: i64 = 1 << 2;

/// One annotation of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// `/Subtype`, e.g. `Widget`, `Link`, `Text`.
    pub subtype: String,
    /// Where the page shows it, in the page's default user space.
    pub rect: Option<Rect>,
    /// The normal appearance stream (a Form XObject) a printer draws, if any.
    pub appearance: Option<ObjectId>,
    /// Whether a printer prints it: the Print flag is set and the Hidden flag is not.
    pub printable: bool,
}

impl Annotation {
    /// Whether flattening draws it: printable, with an appearance and a place to put it.
    pub fn is_drawn_when_flattened(&self) -> bool {
        self.printable && self.appearance.is_some() && self.rect.is_some()
    }
}

/// Reads the page's `/Annots`.
pub fn read(
    doc: &dyn Objects,
    page: &Dictionary,
    read_rect: impl Fn(&Object) -> Option<Rect>,
) -> Vec<Annotation> {
    let Ok(list) = page.get(b"Annots").and_then(|a| doc.dereference(a)).and_then(|(_, a)| a.as_array())
    else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|entry| doc.dereference(entry).ok()?.1.as_dict().ok())
        .map(|annot| {
            let flags = annot.get(b"F").and_then(Object::as_i64).unwrap_or(0);
            Annotation {
                subtype: annot
                    .get(b"Subtype")
                    .and_then(Object::as_name)
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .unwrap_or_default(),
                rect: annot.entry(b"Rect").and_then(&read_rect),
                appearance: normal_appearance(doc, annot),
                printable: flags & FLAG_PRINT != 0 && flags & FLAG_HIDDEN == 0,
            }
        })
        .collect()
}

/// The `/AP /N` stream: either the stream itself, or the one of its states that `/AS` names.
fn normal_appearance(doc: &dyn Objects, annot: &Dictionary) -> Option<ObjectId> {
    let ap = doc.dereference(annot.entry(b"AP")?).ok()?.1.as_dict().ok()?;
    let normal = ap.entry(b"N")?;
    let stream_id = |object: &Object| -> Option<ObjectId> {
        let id = object.as_reference().ok()?;
        matches!(doc.get_object(id), Ok(Object::Stream(_))).then_some(id)
    };
    if let Some(id) = stream_id(normal) {
        return Some(id);
    }
    let states = doc.dereference(normal).ok()?.1.as_dict().ok()?;
    let state = annot.entry(b"AS").and_then(|o| o.as_name().ok())?;
    stream_id(states.get(state).ok()?)
}
