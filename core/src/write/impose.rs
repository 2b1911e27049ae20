//! Stage 5, write: follow the plan and write the imposed, marked PDF files.
//!
//! Each source page becomes one Form XObject whose content is the page's own content stream,
//! copied byte for byte (several content streams are joined first). Each side of a press sheet
//! is one output page that draws, per cell, its page form (clipped to the cell plus bleed, with
//! the matrix that honours page box, rotation, user unit, scaling and auto-rotation), the
//! page's printable annotations (flattened), then the leaf's integrity mark and the printer's
//! marks on top.

use std::collections::HashMap;
use std::io::Write;
use std::ops::ControlFlow;

use flate2::Compression;
use lopdf::{dictionary, Dictionary, Object, ObjectId};
use serde::{Deserialize, Serialize};

use super::copy::Copier;
use super::file::PdfFile;
use super::{printer_marks, WriteError};
use crate::geometry::{fmt_num, mm, placement_matrix, Matrix, Rect};
use crate::ingest::{PageBox, SourceDocument, SourcePage};
use crate::limits::{check_stream_size, decode_within_limits, DecodeBudget, DecodeFailure, Limits};
use crate::mark::{self, MarkGeometry};
use crate::plan::geometry::{place, Grid, SheetSpec};
use crate::plan::{Face, Layout, Plan, PressSheet, Side, Slot};
use crate::warning::Warning;

/// The most a page's content may decompress to where a job's [`Limits`] are not at hand
/// (e.g. the blank-page split rule): the default per-stream limit.
pub const MAX_CONTENT_BYTES: usize = 64 * 1024 * 1024;

/// What happens to annotations and form fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnotationPolicy {
    /// Printable annotations with an appearance are drawn as page content, as printed on screen.
    #[default]
    Flatten,
    /// Annotations are left out.
    Drop,
}

impl std::str::FromStr for AnnotationPolicy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "flatten" => Ok(AnnotationPolicy::Flatten),
            "drop" => Ok(AnnotationPolicy::Drop),
            other => Err(format!("unknown annotation policy '{other}': use flatten or drop")),
        }
    }
}

/// What the writer needs.
pub struct ImposeJob<'a> {
    pub job: &'a str,
    pub sources: &'a [SourceDocument],
    pub plan: &'a Plan,
    /// One payload per leaf of the plan, in order.
    pub payloads: &'a [String],
    /// Per leaf, Data Matrix only: its payload's symbol, encoded before writing.
    pub symbols: &'a [mark::symbol::PackedSymbol],
    pub geometry: &'a MarkGeometry,
    pub sheet: &'a SheetSpec,
    /// The press sheet grid; `None` for 1-up on each page's own size.
    pub grid: Option<&'a Grid>,
    pub page_box: PageBox,
    pub annotations: AnnotationPolicy,
    pub limits: &'a Limits,
    /// What the whole job may still decompress.
    pub budget: &'a DecodeBudget,
}

/// Where a leaf's mark landed.
#[derive(Debug, Clone)]
pub struct MarkPlacement {
    /// The quiet zone's rectangle on the press sheet's front page, in points.
    pub zone: Rect,
    /// Symbol size in modules (columns, rows).
    pub modules: (usize, usize),
    /// The front page's width and height in points.
    pub sheet_size: [f64; 2],
    /// The leaf's trim box on that page.
    pub leaf: Rect,
    /// The window mark's quiet zone, when there is one.
    pub window: Option<Rect>,
}

/// What the writer did for one output file.
#[derive(Debug, Default)]
pub struct ImposeReport {
    pub pages: usize,
    pub forms: usize,
    /// By leaf index, for the leaves in this file.
    pub marks: Vec<(usize, MarkPlacement)>,
    pub warnings: Vec<Warning>,
    pub annotations_flattened: usize,
    pub annotations_dropped: usize,
}

/// Writes output file `file` of the plan to `out`; returns the writer back with a report.
pub fn write_file<W: Write>(job: &ImposeJob, file: usize, out: W) -> Result<(W, ImposeReport), WriteError> {
    write_file_observed(job, file, out, &mut |_| ControlFlow::Continue(()))
}

/// [`write_file`], calling `on_press_sheet` with the file's press sheet index after each press
/// sheet is written; `ControlFlow::Break` stops the file with [`WriteError::Cancelled`].
pub fn write_file_observed<W: Write>(
    job: &ImposeJob,
    file: usize,
    out: W,
    on_press_sheet: &mut dyn FnMut(usize) -> ControlFlow<()>,
) -> Result<(W, ImposeReport), WriteError> {
    let mut writer = FileWriter {
        job,
        pdf: PdfFile::new(out)?,
        copiers: job.sources.iter().map(|s| Copier::new(&s.doc, job.limits, job.budget)).collect(),
        forms: HashMap::new(),
        report: ImposeReport::default(),
        slug_font: None,
        mark_font: None,
        deflater: Deflater::default(),
    };
    let pages_root = writer.pdf.reserve();
    let mut kids = Vec::new();
    for (index, press) in job.plan.press_sheets.iter().filter(|p| p.file == file).enumerate() {
        kids.push(writer.write_side(press, Side::Front, pages_root)?);
        if job.plan.spec.duplex {
            kids.push(writer.write_side(press, Side::Back, pages_root)?);
        }
        if on_press_sheet(index).is_break() {
            return Err(WriteError::Cancelled);
        }
    }
    let FileWriter { mut pdf, mut report, forms, .. } = writer;
    let mut body = b"<</Type /Pages/Kids [".to_vec();
    for (i, kid) in kids.iter().enumerate() {
        if i > 0 {
            body.push(b' ');
        }
        body.extend_from_slice(format!("{kid} 0 R").as_bytes());
    }
    body.extend_from_slice(format!("]/Count {}>>", kids.len()).as_bytes());
    pdf.write_object(pages_root, &body)?;
    let catalog = pdf.reserve();
    pdf.write_object(catalog, format!("<</Type /Catalog/Pages {pages_root} 0 R>>").as_bytes())?;
    let info = pdf.reserve();
    let info_dict = dictionary! {
        "Producer" => Object::string_literal(concat!("sheetseal ", env!("CARGO_PKG_VERSION"))),
        "Title" => Object::string_literal(format!("sheetseal job {} file {}", job.job, file + 1)),
    };
    let mut info_body = Vec::new();
    super::syntax::write_dictionary(&info_dict, &[], &mut info_body, &mut |id| Some(id.0));
    pdf.write_object(info, &info_body)?;
    let out = pdf.finish(catalog, Some(info))?;
    report.pages = kids.len();
    report.forms = forms.len();
    Ok((out, report))
}

/// Where a page is drawn on the press sheet: the matrix from its user space to the sheet, for the
/// page in `slot`, whose cell is `cell` (the whole side for 1-up). The writer draws with it; the
/// clear-zone check maps mark areas back onto the page with its inverse.
pub fn page_on_sheet(
    page: &SourcePage,
    page_box: PageBox,
    sheet: &SheetSpec,
    n_up: bool,
    cell: &Rect,
    slot: &Slot,
) -> Matrix {
    let spine_shift = match slot.cell {
        0 => mm(slot.creep_mm),
        _ => -mm(slot.creep_mm),
    };
    let displayed = page.display_size_of(page_box);
    let fit = place(cell, displayed, sheet.scaling, n_up && sheet.auto_rotate, spine_shift);
    let rotation = page.rotation.then_quarter_turn(fit.quarter_turn);
    placement_matrix(&page.page_box(page_box), rotation, page.user_unit * fit.scale, fit.x, fit.y)
}

struct FileWriter<'a, 'j, W: Write> {
    job: &'j ImposeJob<'a>,
    pdf: PdfFile<W>,
    copiers: Vec<Copier<'a>>,
    forms: HashMap<FormKey, u32>,
    report: ImposeReport,
    slug_font: Option<u32>,
    mark_font: Option<u32>,
    deflater: Deflater,
}

/// The two standard fonts a press sheet may need.
#[derive(Clone, Copy)]
enum FontSlot {
    Slug,
    Mark,
}

impl<'a, W: Write> FileWriter<'a, '_, W> {
    /// Writes one side of a press sheet as a page; returns the page's object number.
    fn write_side(&mut self, press: &PressSheet, side: Side, pages_root: u32) -> Result<u32, WriteError> {
        let job = self.job;
        let slots = match side {
            Side::Front => &press.front,
            Side::Back => &press.back,
        };
        let (width, height) = match job.grid {
            Some(grid) => (grid.width, grid.height),
            None => {
                // 1-up on the page's own size: the side is as large as its page.
                let slot = slots
                    .first()
                    .or(press.front.first())
                    .ok_or_else(|| WriteError::Plan("empty press sheet".into()))?;
                let (input, page) = slot.face.page_ref();
                job.sources[input].pages[page].display_size_of(job.page_box)
            }
        };
        let sheet_rect = Rect { x0: 0.0, y0: 0.0, x1: width, y1: height };
        let mut content = Vec::with_capacity(2048);
        let mut xobjects = Dictionary::new();
        let mut uses_mark_font = false;
        for slot in slots {
            let cell = job.grid.map_or(sheet_rect, |g| g.cells[slot.cell]);
            self.draw_slot(slot, &cell, &mut content, &mut xobjects)?;
            let leaf = &job.plan.sheets[slot.leaf];
            if side == Side::Front && slot.cell == leaf.cell {
                let payload = &job.payloads[slot.leaf];
                let encoded = job.symbols.get(slot.leaf);
                let painted = mark::paint_encoded(payload, encoded, leaf.seq, job.geometry, &cell)?;
                let inside = |zone: Rect| zone.intersect(&cell) == Some(zone);
                if !inside(painted.zone) || painted.window.is_some_and(|w| !inside(w)) {
                    let (input, page) = slot.face.page_ref();
                    self.report.warnings.push(Warning {
                        input: Some(input),
                        ..Warning::new(
                            "mark-outside-leaf",
                            format!("leaf {}: the mark does not fit on the leaf", leaf.seq),
                        )
                        .on_page(page + 1)
                    });
                }
                content.extend_from_slice(&painted.ops);
                uses_mark_font |= painted.uses_font;
                self.report.marks.push((
                    slot.leaf,
                    MarkPlacement {
                        zone: painted.zone,
                        modules: painted.size,
                        sheet_size: [width, height],
                        leaf: cell,
                        window: painted.window,
                    },
                ));
            }
        }
        let mut resources = Dictionary::new();
        if !xobjects.is_empty() {
            resources.set("XObject", xobjects);
        }
        let mut fonts = Dictionary::new();
        if uses_mark_font {
            let font = self.font(FontSlot::Mark)?;
            fonts.set(mark::draw::TEXT_FONT_RESOURCE, Object::Reference((font, 0)));
        }
        if let Some(grid) = job.grid {
            let marks = &job.sheet.printer_marks;
            let fold_x = (job.plan.spec.layout == Layout::Booklet).then(|| grid.cells[0].x1);
            let slug = (side == Side::Front).then(|| self.slug_text(press));
            printer_marks::draw(grid, marks, job.sheet.bleed_mm, fold_x, slug.as_deref(), &mut content);
            if side == Side::Front && printer_marks::needs_font(marks) {
                let font = self.font(FontSlot::Slug)?;
                fonts.set(printer_marks::SLUG_FONT, Object::Reference((font, 0)));
            }
        }

        if !fonts.is_empty() {
            resources.set("Font", fonts);
        }
        let content_id = self.pdf.reserve();
        let mut body = Vec::with_capacity(content.len() / 2 + 64);
        let compressed = self.deflater.deflate(&content)?;
        super::syntax::write_stream(
            &dictionary! { "Filter" => "FlateDecode" },
            &compressed,
            &mut body,
            &mut |id| Some(id.0),
        );
        self.pdf.write_object(content_id, &body)?;
        let page_id = self.pdf.reserve();
        body.clear();
        body.extend_from_slice(format!("<</Type /Page/Parent {pages_root} 0 R/MediaBox [0 0 ").as_bytes());
        fmt_num(width, &mut body);
        body.push(b' ');
        fmt_num(height, &mut body);
        body.extend_from_slice(b"]/Resources ");
        super::syntax::write_dictionary(&resources, &[], &mut body, &mut |id| Some(id.0));
        body.extend_from_slice(format!("/Contents {content_id} 0 R>>").as_bytes());
        self.pdf.write_object(page_id, &body)?;
        Ok(page_id)
    }

    /// Draws one cell: the page form, clipped, and its flattened annotations.
    fn draw_slot(
        &mut self,
        slot: &Slot,
        cell: &Rect,
        content: &mut Vec<u8>,
        xobjects: &mut Dictionary,
    ) -> Result<(), WriteError> {
        let Face::Page { input, page: page_index } = slot.face else {
            return Ok(());
        };
        let job = self.job;
        let source = &job.sources[input];
        let page = &source.pages[page_index];
        let form = self.form_for(input, page_index)?;
        let name = format!("P{}", xobjects.len());
        xobjects.set(name.as_bytes(), Object::Reference((form, 0)));
        let matrix = page_on_sheet(page, job.page_box, job.sheet, job.grid.is_some(), cell, slot);
        content.extend_from_slice(b"q ");
        let clip = match job.grid {
            Some(_) => cell.expanded(mm(job.sheet.bleed_mm)),
            None => *cell,
        };
        push_numbers(content, &[clip.x0, clip.y0, clip.width(), clip.height()]);
        content.extend_from_slice(b"re W n ");
        push_numbers(content, &matrix);
        content.extend_from_slice(format!("cm /{name} Do").as_bytes());
        for (index, annotation) in page.annotations.iter().enumerate() {
            let drawn = job.annotations == AnnotationPolicy::Flatten && annotation.is_drawn_when_flattened();
            let appearance = annotation.appearance.filter(|_| drawn);
            let placed = appearance.and_then(|id| {
                let a = appearance_matrix(source, id, annotation.rect?)?;
                let number = self.copiers[input].reference(&mut self.pdf, id)?;
                Some((a, number))
            });
            match placed {
                Some((a, number)) => {
                    let name = format!("A{}x{index}", xobjects.len());
                    xobjects.set(name.as_bytes(), Object::Reference((number, 0)));
                    content.extend_from_slice(b" q ");
                    push_numbers(content, &a);
                    content.extend_from_slice(format!("cm /{name} Do Q").as_bytes());
                    self.report.annotations_flattened += 1;
                }
                None => self.report.annotations_dropped += 1,
            }
        }
        content.extend_from_slice(b" Q\n");
        let copier = &mut self.copiers[input];
        copier.flush(&mut self.pdf).map_err(|e| WriteError::copying(&source.path, page_index + 1, e))?;
        let warnings = copier.take_warnings();
        self.report.warnings.extend(warnings.into_iter().map(|w| Warning { input: Some(input), ..w }));
        Ok(())
    }

    fn form_for(&mut self, input: usize, page_index: usize) -> Result<u32, WriteError> {
        let job = self.job;
        let page = &job.sources[input].pages[page_index];
        let bbox = page
            .page_box(job.page_box)
            .expanded(mm(job.sheet.bleed_mm) / page.user_unit)
            .intersect(&page.media_box)
            .unwrap_or(page.media_box);
        let key = FormKey::of(input, page, &bbox);
        if let Some(&form) = self.forms.get(&key) {
            return Ok(form);
        }
        let form = write_form(
            &mut self.pdf,
            &mut self.copiers[input],
            &job.sources[input],
            (input, page_index),
            &bbox,
            (job.limits, job.budget),
            &mut self.report.warnings,
        )?;
        self.forms.insert(key, form);
        Ok(form)
    }

    fn slug_text(&self, press: &PressSheet) -> String {
        let leaves: Vec<usize> = press.front.iter().map(|s| s.leaf).collect();
        let block = leaves.first().map_or(0, |&l| self.job.plan.sheets[l].block);
        format!(
            "sheetseal {}  job {}  press sheet {} of {}  block {}  leaves {}-{}",
            env!("CARGO_PKG_VERSION"),
            self.job.job,
            press.seq,
            self.job.plan.press_sheets.len(),
            block + 1,
            leaves.iter().min().map_or(0, |l| l + 1),
            leaves.iter().max().map_or(0, |l| l + 1),
        )
    }

    /// The file's one font object for the slug line (Helvetica) or mark text (Courier).
    fn font(&mut self, slot: FontSlot) -> Result<u32, WriteError> {
        let cached = match slot {
            FontSlot::Slug => &mut self.slug_font,
            FontSlot::Mark => &mut self.mark_font,
        };
        if let Some(font) = *cached {
            return Ok(font);
        }
        let font = self.pdf.reserve();
        *cached = Some(font);
        let base = match slot {
            FontSlot::Slug => "Helvetica",
            FontSlot::Mark => "Courier",
        };
        let body = format!("<</Type /Font/Subtype /Type1/BaseFont /{base}/Encoding /WinAnsiEncoding>>");
        self.pdf.write_object(font, body.as_bytes())?;
        Ok(font)
    }
}

fn push_numbers(out: &mut Vec<u8>, values: &[f64]) {
    for &value in values {
        fmt_num(value, out);
        out.push(b' ');
    }
}

/// The matrix that maps an annotation appearance's transformed bounding box onto the
/// annotation's rectangle (ISO 32000-1, 12.5.5); `Do` applies the form's own `/Matrix` first.
fn appearance_matrix(source: &SourceDocument, appearance: ObjectId, rect: Rect) -> Option<Matrix> {
    let stream = source.doc.get_object(appearance).ok()?.as_stream().ok()?;
    let numbers = |key: &[u8]| -> Option<Vec<f64>> {
        let array = source.doc.dereference(stream.dict.get(key).ok()?).ok()?.1.as_array().ok()?;
        array.iter().map(|o| o.as_float().ok().map(f64::from)).collect()
    };
    let bbox = numbers(b"BBox").filter(|b| b.len() == 4)?;
    let m = numbers(b"Matrix").filter(|m| m.len() == 6).unwrap_or_else(|| vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    let corners = [(bbox[0], bbox[1]), (bbox[2], bbox[1]), (bbox[0], bbox[3]), (bbox[2], bbox[3])];
    let mapped: Vec<(f64, f64)> =
        corners.iter().map(|&(x, y)| (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])).collect();
    let x0 = mapped.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x1 = mapped.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let y0 = mapped.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let y1 = mapped.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    if x1 - x0 <= 0.0 || y1 - y0 <= 0.0 {
        return None;
    }
    let sx = rect.width() / (x1 - x0);
    let sy = rect.height() / (y1 - y0);
    let a = [sx, 0.0, 0.0, sy, rect.x0 - sx * x0, rect.y0 - sy * y0];
    a.iter().all(|v| v.is_finite()).then_some(a)
}

/// Identifies a form: pages that share content streams, resources and box share one form.
#[derive(Hash, PartialEq, Eq)]
struct FormKey {
    input: usize,
    contents: Vec<ObjectId>,
    resources: Option<ObjectId>,
    page: Option<ObjectId>,
    bbox: [u64; 4],
}

impl FormKey {
    fn of(input: usize, page: &SourcePage, bbox: &Rect) -> FormKey {
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

/// Writes the Form XObject for one source page (and queues what it refers to).
fn write_form<W: Write>(
    file: &mut PdfFile<W>,
    copier: &mut Copier,
    source: &SourceDocument,
    (input, page_index): (usize, usize),
    bbox: &Rect,
    (limits, budget): (&Limits, &DecodeBudget),
    warnings: &mut Vec<Warning>,
) -> Result<u32, WriteError> {
    let page = &source.pages[page_index];
    let mut dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Form",
        "BBox" => vec![bbox.x0.into(), bbox.y0.into(), bbox.x1.into(), bbox.y1.into()],
    };
    dict.set("Resources", page.resources.clone().unwrap_or_else(|| Object::Dictionary(Dictionary::new())));
    if let Some(group) = &page.group {
        dict.set("Group", group.clone());
    }
    let bad_content =
        |detail: String| WriteError::Content { path: source.path.clone(), page: page_index + 1, detail };
    let limit_error = |source_error| WriteError::Limit {
        path: source.path.clone(),
        page: page_index + 1,
        source: source_error,
    };
    let content: std::borrow::Cow<[u8]> = match page.contents.as_slice() {
        [] => std::borrow::Cow::Borrowed(&[]),
        [single] => {
            let stream = source
                .doc
                .get_object(*single)
                .and_then(Object::as_stream)
                .map_err(|e| bad_content(e.to_string()))?;
            // Copied byte for byte, so never inflated here unless it could be a bomb.
            check_stream_size(stream, *single, limits.max_stream_bytes, budget).map_err(limit_error)?;
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
                let room = limits.max_stream_bytes.saturating_sub(joined.len() as u64);
                match decode_within_limits(stream, Some(*id), room, budget) {
                    Ok(plain) => joined.extend_from_slice(&plain),
                    Err(DecodeFailure::Limit(crate::limits::LimitError::StreamTooLarge { .. })) => {
                        return Err(limit_error(crate::limits::LimitError::StreamTooLarge {
                            object: Some(page.object),
                            limit: limits.max_stream_bytes,
                        }))
                    }
                    Err(DecodeFailure::Limit(error)) => return Err(limit_error(error)),
                    Err(DecodeFailure::Undecodable) => {
                        // A filter no reader can apply to page content (e.g. an image codec):
                        // renderers skip such a stream, and so do we, saying so.
                        let filter = stream.dict.get(b"Filter").map(describe_filter).unwrap_or_default();
                        warnings.push(Warning {
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
            dict.set("Filter", "FlateDecode");
            std::borrow::Cow::Owned(deflate(&joined)?)
        }
    };
    let form = file.reserve();
    let mut body = Vec::with_capacity(content.len() + 256);
    copier.serialise_stream(file, &dict, &content, &mut body);
    file.write_object(form, &body)?;
    copier.flush(file).map_err(|e| WriteError::copying(&source.path, page_index + 1, e))?;
    warnings.extend(copier.take_warnings().into_iter().map(|w| Warning { input: Some(input), ..w }));
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

/// Flate compression at a fast level with one compressor reused for every stream: setting up
/// a compressor zeroes several hundred kilobytes, which would cost more than compressing a mark.
pub struct Deflater {
    compressor: flate2::Compress,
}

impl Default for Deflater {
    fn default() -> Self {
        Deflater { compressor: flate2::Compress::new(Compression::fast(), true) }
    }
}

impl Deflater {
    pub fn deflate(&mut self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        self.compressor.reset();
        let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
        loop {
            let consumed = self.compressor.total_in() as usize;
            let status = self
                .compressor
                .compress_vec(&bytes[consumed..], &mut out, flate2::FlushCompress::Finish)
                .map_err(std::io::Error::other)?;
            match status {
                flate2::Status::StreamEnd => return Ok(out),
                _ => out.reserve(out.capacity().max(64)),
            }
        }
    }
}

fn deflate(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    Deflater::default().deflate(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_reused_deflater_round_trips_every_stream() {
        let mut deflater = Deflater::default();
        for size in [0usize, 1, 100, 70_000, 3] {
            let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            let packed = deflater.deflate(&data).unwrap();
            let mut unpacked = Vec::new();
            flate2::read::ZlibDecoder::new(packed.as_slice()).read_to_end(&mut unpacked).unwrap();
            assert_eq!(unpacked, data);
        }
    }
}
