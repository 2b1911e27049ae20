//! The Form XObject that stands for one source page: the page's own content stream copied byte
//! for byte with its filters (several streams are decoded, joined and compressed again), its
//! resources and transparency group, clipped to the page box plus bleed. Prepared without the
//! output's object numbers, so that it can be prepared in parallel ahead of the writer.

use crate::pdf::Entry as _;
use std::borrow::Cow;
use std::sync::LazyLock;

use lopdf::{Dictionary, Object, ObjectId};

use super::deflate::deflate;
use super::WriteError;
use crate::geometry::{mm, Rect};
use crate::ingest::leases::InputObjects;
use crate::ingest::{SourceDocument, SourcePage};
use crate::limits::{
    check_stream_size, decode_within_limits, decoded_size_bound_of, DecodeBudget, DecodeFailure, LimitError,
    Limits,
};
use crate::pdf::{Objects, RawStream};
use crate::warning::Warning;

/// Identifies a form: pages that share content streams, resources and box share one form.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct FormKey {
    input: usize,
    contents: Vec<ObjectId>,
    resources: Option<ObjectId>,
    page: Option<ObjectId>,
    bbox: [u64; 4],
}

impl FormKey {
    pub fn of(input: usize, page: &SourcePage, bbox: &Rect) -> FormKey {
        // Inline resources or a transparency group tie the form to its page.
        let shared_resources = match &page.resources {
            None => Some(None),
            Some(Object::Reference(id)) => Some(Some(*id)),
            Some(_) => None,
        };
        let (resources, page_id) = match (shared_resources, &page.group, page.contents.is_empty()) {
            (Some(r), None, false) => (r, None),
            _ => (None, Some(page.object)),
        };
        FormKey {
            input,
            contents: page.contents.clone(),
            resources,
            page: page_id,
            bbox: [bbox.x0.to_bits(), bbox.y0.to_bits(), bbox.x1.to_bits(), bbox.y1.to_bits()],
        }
    }
}

/// The form's box: the chosen page box plus bleed, within the media box.
pub fn form_bbox(page: &SourcePage, page_box: crate::ingest::PageBox, bleed_mm: f64) -> Rect {
    page.page_box(page_box)
        .expanded(mm(bleed_mm) / page.user_unit)
        .intersect(&page.media_box)
        .unwrap_or(page.media_box)
}

/// A page's form, ready to be numbered: the values of its dictionary (references still the
/// input's, borrowed from the input where they can be) and its content stream's bytes.
#[derive(Debug)]
pub struct PreparedForm<'a> {
    pub bbox: Rect,
    /// The page's `/Resources`; an empty dictionary is written where it has none.
    pub resources: Option<&'a Object>,
    /// The page's transparency group.
    pub group: Option<&'a Object>,
    /// The content's `/Filter` and `/DecodeParms` as it is stored.
    pub filter: Option<Cow<'a, Object>>,
    pub decode_parms: Option<Cow<'a, Object>>,
    pub content: Cow<'a, [u8]>,
    /// Content streams skipped because no reader can decode them.
    pub warnings: Vec<Warning>,
}

impl PreparedForm<'_> {
    /// The form dictionary's entries after `/Type /XObject /Subtype /Form /BBox [...]`, in
    /// the order they are written.
    pub fn entries(&self) -> impl Iterator<Item = (&'static [u8], &Object)> {
        let resources = self.resources.unwrap_or(&EMPTY_DICTIONARY);
        [
            (b"Resources".as_slice(), Some(resources)),
            (b"Group", self.group),
            (b"Filter", self.filter.as_deref()),
            (b"DecodeParms", self.decode_parms.as_deref()),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?)))
    }
}

static EMPTY_DICTIONARY: LazyLock<Object> = LazyLock::new(|| Object::Dictionary(Dictionary::new()));
static FLATE_DECODE: LazyLock<Object> = LazyLock::new(|| Object::Name(b"FlateDecode".to_vec()));

/// Prepares the form of page `page_index` of `source` (input number `input`).
pub fn prepare<'a>(
    source: &'a SourceDocument,
    objects: &InputObjects<'a>,
    (input, page_index): (usize, usize),
    bbox: &Rect,
    (limits, budget): (&Limits, &DecodeBudget),
) -> Result<PreparedForm<'a>, WriteError> {
    let page = &source.pages[page_index];
    let bad_content =
        |detail: String| WriteError::Content { path: source.path.clone(), page: page_index + 1, detail };
    let limit_error = |source_error| WriteError::Limit {
        path: source.path.clone(),
        page: page_index + 1,
        source: source_error,
    };
    let mut form = PreparedForm {
        bbox: *bbox,
        resources: page.resources.as_ref(),
        group: page.group.as_ref(),
        filter: None,
        decode_parms: None,
        content: Cow::Borrowed(&[]),
        warnings: Vec::new(),
    };
    match page.contents.as_slice() {
        [] => {}
        [single] => {
            let (dict, data) =
                objects.raw_stream_of_input(*single).map_err(|e| bad_content(e.to_string()))?;
            // Copied byte for byte, so never inflated here unless it could be a bomb.
            if decoded_size_bound_of(&dict, data.len()).is_none_or(|b| b > limits.max_stream_bytes) {
                let stream = RawStream { dict: Cow::Borrowed(&*dict), data: &data };
                check_stream_size(&stream.to_stream(), *single, limits.max_stream_bytes, budget)
                    .map_err(limit_error)?;
            }
            let entry = |key: &[u8]| match &dict {
                Cow::Borrowed(dict) => dict.entry(key).map(Cow::Borrowed),
                Cow::Owned(dict) => dict.entry(key).map(|value| Cow::Owned(value.clone())),
            };
            form.filter = entry(b"Filter");
            form.decode_parms = entry(b"DecodeParms");
            form.content = data;
        }
        several => {
            let mut joined = Vec::new();
            for id in several {
                let stream = objects.stream(*id).map_err(|e| bad_content(e.to_string()))?;
                let room = limits.max_stream_bytes.saturating_sub(joined.len() as u64);
                match decode_within_limits(&stream, Some(*id), room, budget) {
                    Ok(plain) => joined.extend_from_slice(&plain),
                    Err(DecodeFailure::Limit(LimitError::StreamTooLarge { .. })) => {
                        return Err(limit_error(LimitError::StreamTooLarge {
                            object: Some(page.object),
                            limit: limits.max_stream_bytes,
                        }))
                    }
                    Err(DecodeFailure::Limit(error)) => return Err(limit_error(error)),
                    Err(DecodeFailure::Undecodable) => {
                        // A filter no reader can apply to page content (e.g. an image codec):
                        // renderers skip such a stream, and so do we, saying so.
                        let filter = stream.dict.get(b"Filter").map(describe_filter).unwrap_or_default();
                        form.warnings.push(Warning {
                            input: Some(input),
                            ..Warning::new(
                                "content-stream-skipped",
                                format!(
                                    "content stream {} {} R cannot be decoded (filter {filter}); skipped",
                                    id.0, id.1
                                ),
                            )
                            .on_page(page_index + 1)
                        });
                    }
                }
                joined.push(b'\n');
            }
            form.filter = Some(Cow::Borrowed(&FLATE_DECODE));
            form.content = Cow::Owned(deflate(&joined)?);
        }
    }
    Ok(form)
}

/// A filter entry (a name or an array of names) as text, for messages.
fn describe_filter(filter: &Object) -> String {
    let names: Vec<String> = match filter {
        Object::Array(items) => items
            .iter()
            .filter_map(|o| o.as_name().ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect(),
        other => other.as_name().map(|n| vec![String::from_utf8_lossy(n).into_owned()]).unwrap_or_default(),
    };
    names.iter().map(|n| format!("/{n}")).collect::<Vec<_>>().join(" ")
}
