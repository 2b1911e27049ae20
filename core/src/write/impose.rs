//! Stage 5, write: follow the plan and write the imposed, marked PDF.
//!
//! Each placed source page becomes one Form XObject whose content is the page's own content
//! stream, copied byte for byte (several content streams are joined first). Each output page
//! draws its form with the matrix that honours the page's crop box, rotation and user unit, then
//! the sheet's mark on top.

use std::collections::HashMap;
use std::io::Write;

use flate2::{write::ZlibEncoder, Compression};
use lopdf::{dictionary, Dictionary, Object, ObjectId};

use super::copy::Copier;
use super::file::PdfFile;
use super::WriteError;
use crate::geometry::{fmt_num, placement_matrix, Rect};
use crate::ingest::{SourceDocument, SourcePage};
use crate::mark::{self, MarkGeometry};
use crate::plan::{Face, Plan, Side};
use crate::warning::Warning;

/// The largest a page's joined content streams may decompress to.
pub const MAX_CONTENT_BYTES: usize = 64 * 1024 * 1024;

/// What the writer needs.
pub struct ImposeJob<'a> {
    pub job: &'a str,
    pub sources: &'a [SourceDocument],
    pub plan: &'a Plan,
    /// One payload per sheet of the plan, in order.
    pub payloads: &'a [String],
    pub geometry: &'a MarkGeometry,
}

/// Where each sheet's mark landed.
#[derive(Debug, Clone)]
pub struct MarkPlacement {
    /// The quiet zone's rectangle on the sheet's front, in points.
    pub zone: Rect,
    /// Symbol size in modules (columns, rows).
    pub modules: (usize, usize),
    /// The window mark's quiet zone, when there is one.
    pub window: Option<Rect>,
    /// The front page's width and height in points.
    pub sheet_size: [f64; 2],
}

/// What the writer did.
#[derive(Debug)]
pub struct ImposeReport {
    pub pages: usize,
    pub forms: usize,
    pub marks: Vec<MarkPlacement>,
    pub warnings: Vec<Warning>,
}

/// Writes the imposed document to `out`; returns the writer back with a report.
pub fn write_imposed<W: Write>(job: &ImposeJob, out: W) -> Result<(W, ImposeReport), WriteError> {
    let mut file = PdfFile::new(out)?;
    let pages_root = file.reserve();
    let mut copiers: Vec<Copier> = job.sources.iter().map(|s| Copier::new(&s.doc)).collect();
    let mut forms: HashMap<FormKey, u32> = HashMap::new();
    let mut kids = Vec::with_capacity(job.plan.output_pages);
    let mut marks = Vec::with_capacity(job.plan.sheets.len());
    let mut warnings = Vec::new();
    let mut body = Vec::with_capacity(8192);
    let mut content = Vec::with_capacity(4096);
    let mut mark_font = None;

    for (sheet_index, side, face) in job.plan.pages() {
        let sheet = &job.plan.sheets[sheet_index];
        let (input, page_index) = match face {
            Face::Page { input, page } => (input, page),
            Face::Blank { input, like_page } => (input, like_page),
        };
        let source = &job.sources[input];
        let page = &source.pages[page_index];
        let (width, height) = page.display_size();
        content.clear();
        let mut resources = Dictionary::new();
        if let Face::Page { .. } = face {
            let form = match forms.get(&FormKey::of(input, page)) {
                Some(&form) => form,
                None => {
                    let form =
                        write_form(&mut file, &mut copiers[input], source, input, page_index, &mut warnings)?;
                    if page.annotations > 0 {
                        warnings.push(Warning {
                            input: Some(input),
                            ..Warning::new(
                                "annotations-dropped",
                                format!(
                                    "{} annotation(s) not placed (only page content is printed)",
                                    page.annotations
                                ),
                            )
                            .on_page(page_index + 1)
                        });
                    }
                    forms.insert(FormKey::of(input, page), form);
                    form
                }
            };
            resources.set("XObject", dictionary! { "P" => Object::Reference((form, 0)) });
            let matrix = placement_matrix(&page.crop_box, page.rotation, page.user_unit, 0.0, 0.0);
            content.extend_from_slice(b"q ");
            for value in matrix {
                fmt_num(value, &mut content);
                content.push(b' ');
            }
            content.extend_from_slice(b"cm /P Do Q\n");
        }
        if side == Side::Front {
            let sheet_box = Rect { x0: 0.0, y0: 0.0, x1: width, y1: height };
            let painted = mark::paint(&job.payloads[sheet_index], sheet.seq, job.geometry, &sheet_box)?;
            let inside = |zone: Rect| zone.intersect(&sheet_box) == Some(zone);
            if !inside(painted.zone) || painted.window.is_some_and(|w| !inside(w)) {
                warnings.push(Warning {
                    input: Some(input),
                    ..Warning::new(
                        "mark-outside-sheet",
                        format!("sheet {}: the mark does not fit on the page", sheet.seq),
                    )
                    .on_page(page_index + 1)
                });
            }
            content.extend_from_slice(&painted.ops);
            if painted.uses_font {
                let font = match mark_font {
                    Some(font) => font,
                    None => {
                        let font = file.reserve();
                        file.write_object(
                            font,
                            b"<</Type /Font/Subtype /Type1/BaseFont /Courier/Encoding /WinAnsiEncoding>>",
                        )?;
                        *mark_font.insert(font)
                    }
                };
                resources.set(
                    "Font",
                    dictionary! { mark::draw::TEXT_FONT_RESOURCE => Object::Reference((font, 0)) },
                );
            }
            marks.push(MarkPlacement {
                zone: painted.zone,
                modules: painted.size,
                window: painted.window,
                sheet_size: [width, height],
            });
        }

        let content_id = file.reserve();
        body.clear();
        let compressed = deflate(&content)?;
        let content_dict = dictionary! { "Filter" => "FlateDecode" };
        super::syntax::write_stream(&content_dict, &compressed, &mut body, &mut |id| Some(id.0));
        file.write_object(content_id, &body)?;

        let page_id = file.reserve();
        body.clear();
        body.extend_from_slice(format!("<</Type /Page/Parent {pages_root} 0 R/MediaBox [0 0 ").as_bytes());
        fmt_num(width, &mut body);
        body.push(b' ');
        fmt_num(height, &mut body);
        body.extend_from_slice(b"]/Resources ");
        super::syntax::write_dictionary(&resources, &[], &mut body, &mut |id| Some(id.0));
        body.extend_from_slice(format!("/Contents {content_id} 0 R>>").as_bytes());
        file.write_object(page_id, &body)?;
        kids.push(page_id);
    }

    body.clear();
    body.extend_from_slice(b"<</Type /Pages/Kids [");
    for (i, kid) in kids.iter().enumerate() {
        if i > 0 {
            body.push(b' ');
        }
        body.extend_from_slice(format!("{kid} 0 R").as_bytes());
    }
    body.extend_from_slice(format!("]/Count {}>>", kids.len()).as_bytes());
    file.write_object(pages_root, &body)?;
    let catalog = file.reserve();
    file.write_object(catalog, format!("<</Type /Catalog/Pages {pages_root} 0 R>>").as_bytes())?;
    let info = file.reserve();
    let mut info_body = Vec::new();
    let info_dict = dictionary! {
        "Producer" => Object::string_literal(concat!("sheetseal ", env!("CARGO_PKG_VERSION"))),
        "Title" => Object::string_literal(format!("sheetseal job {}", job.job)),
    };
    super::syntax::write_dictionary(&info_dict, &[], &mut info_body, &mut |id| Some(id.0));
    file.write_object(info, &info_body)?;
    let out = file.finish(catalog, Some(info))?;
    Ok((out, ImposeReport { pages: kids.len(), forms: forms.len(), marks, warnings }))
}

/// Identifies a form: pages that share content streams, resources and box share one form.
#[derive(Hash, PartialEq, Eq)]
struct FormKey {
    input: usize,
    contents: Vec<ObjectId>,
    resources: Option<ObjectId>,
    page: Option<ObjectId>,
    crop: [u64; 4],
}

impl FormKey {
    fn of(input: usize, page: &SourcePage) -> FormKey {
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
        let c = page.crop_box;
        FormKey {
            input,
            contents: page.contents.clone(),
            resources,
            page: page_id,
            crop: [c.x0.to_bits(), c.y0.to_bits(), c.x1.to_bits(), c.y1.to_bits()],
        }
    }
}

/// Writes the Form XObject for one source page (and queues what it refers to).
fn write_form<W: Write>(
    file: &mut PdfFile<W>,
    copier: &mut Copier,
    source: &SourceDocument,
    input: usize,
    page_index: usize,
    warnings: &mut Vec<Warning>,
) -> Result<u32, WriteError> {
    let page = &source.pages[page_index];
    let mut dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Form",
        "BBox" => vec![page.crop_box.x0.into(), page.crop_box.y0.into(), page.crop_box.x1.into(), page.crop_box.y1.into()],
    };
    dict.set("Resources", page.resources.clone().unwrap_or_else(|| Object::Dictionary(Dictionary::new())));
    if let Some(group) = &page.group {
        dict.set("Group", group.clone());
    }
    let bad_content =
        |detail: String| WriteError::Content { path: source.path.clone(), page: page_index + 1, detail };
    let content: std::borrow::Cow<[u8]> = match page.contents.as_slice() {
        [] => std::borrow::Cow::Borrowed(&[]),
        [single] => {
            let stream = source
                .doc
                .get_object(*single)
                .and_then(Object::as_stream)
                .map_err(|e| bad_content(e.to_string()))?;
            for key in [b"Filter".as_slice(), b"DecodeParms"] {
                if let Ok(value) = stream.dict.get(key) {
                    dict.set(key, value.clone());
                }
            }
            std::borrow::Cow::Borrowed(&stream.content)
        }
        several => {
            let mut joined = Vec::new();
            for id in several {
                let stream = source
                    .doc
                    .get_object(*id)
                    .and_then(Object::as_stream)
                    .map_err(|e| bad_content(e.to_string()))?;
                match stream.get_plain_content_with_limit(MAX_CONTENT_BYTES.saturating_sub(joined.len())) {
                    Ok(plain) => joined.extend_from_slice(&plain),
                    Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
                        return Err(bad_content(format!(
                            "the page's content decompresses to more than {} MiB; refused as a decompression bomb",
                            MAX_CONTENT_BYTES >> 20
                        )))
                    }
                    Err(_) => {
                        let filter = stream.dict.get(b"Filter").map(describe_filter).unwrap_or_default();
                        // A filter no reader can apply to page content (e.g. an image codec):
                        // renderers skip such a stream, and so do we, saying so.
                        warnings.push(Warning {
                            input: Some(input),
                            ..Warning::new(
                                "content-stream-skipped",
                                format!("content stream {} {} R cannot be decoded (filter {filter}); skipped", id.0, id.1),
                            )
                            .on_page(page_index + 1)
                        });
                    }
                }
                joined.push(b'\n');
            }
            dict.set("Filter", "FlateDecode");
            std::borrow::Cow::Owned(deflate(&joined)?)
        }
    };
    let form = file.reserve();
    let mut body = Vec::with_capacity(content.len() + 256);
    copier.serialise_stream(file, &dict, &content, &mut body);
    file.write_object(form, &body)?;
    copier.flush(file)?;
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

fn deflate(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = ZlibEncoder::new(Vec::with_capacity(bytes.len() / 2 + 64), Compression::fast());
    encoder.write_all(bytes)?;
    encoder.finish()
}
