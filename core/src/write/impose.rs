//! Stage 5, write: follow the plan and write the imposed, marked PDF files.
//!
//! Each source page becomes one Form XObject whose content is the page's own content stream,
//! copied byte for byte (`page_form`). Each side of a press sheet is one output page whose
//! content (`side`) draws the page forms, flattened annotations, the leaf's integrity mark and
//! the printer's marks.
//!
//! Sides and page forms are prepared in parallel, a batch of press sheets a task, ahead of one
//! writer that numbers and writes them in plan order (the batches come to it in any order and
//! wait until their turn), so the bytes never depend on the number of threads or their timing.
//! The workers go from batch to batch without waiting for one another, at most
//! [`BATCHES_AHEAD`] batches ahead of the writer.

use foldhash::{HashMap, HashMapExt};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::ops::ControlFlow;

use lopdf::{dictionary, Object};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::copy::Copier;
use super::deflate::Deflater;
use super::file::PdfFile;
use super::page_form::{self, FormKey, PreparedForm};
use super::shared::SharedObjects;
use super::side::{self, ComposedSide, Drawn};
use super::syntax::{push_integer, push_reference};
use super::{printer_marks, WriteError};
use crate::geometry::{fmt_num, mm, placement_matrix, Matrix, Rect};
use crate::ingest::leases::ObjectLeases;
use crate::ingest::{PageBox, SourceDocument, SourcePage};
use crate::limits::{DecodeBudget, Limits};
use crate::mark::{self, MarkGeometry};
use crate::plan::geometry::{place, Grid, SheetSpec};
use crate::plan::{Plan, PressSheet, Side, Slot};
use crate::warning::Warning;

/// Press sheets prepared together, by one worker.
const BATCH_PRESS_SHEETS: usize = 32;
/// Batches given to the workers ahead of the writer at most (512 press sheets).
const BATCHES_AHEAD: usize = 16;
/// How many batches are given to the workers between two releases of the inputs' resident pages
/// (about 1,000 press sheets, a few megabytes of input).
const RELEASE_EVERY_BATCHES: usize = 32;
/// How many batches after the one that last draws an input the workers and the writer (up to
/// [`BATCHES_AHEAD`] batches behind them) may still read it.
const IN_REACH_BATCHES: usize = RELEASE_EVERY_BATCHES + BATCHES_AHEAD + 1;

/// The last batch that drew each large input, so that each release takes only the inputs it
/// concerns. (A small input is done with at the writer's last press sheet that draws it,
/// [`last_press_drawing`].)
struct LastDrawn(Vec<Option<usize>>);

impl LastDrawn {
    fn new(inputs: usize) -> LastDrawn {
        LastDrawn(vec![None; inputs])
    }

    /// Batch `n` draws `inputs`.
    fn note(&mut self, inputs: impl IntoIterator<Item = usize>, n: usize) {
        for input in inputs {
            if let Some(last) = self.0.get_mut(input) {
                *last = Some(n);
            }
        }
    }

    /// Once batch `n` is prepared, `release`s the inputs still in use, and once more those
    /// that have gone out of reach of the workers and the writer since the last release.
    fn release_due(&mut self, n: usize, mut release: impl FnMut(usize)) {
        for (input, last) in self.0.iter_mut().enumerate() {
            let Some(drawn) = *last else { continue };
            release(input);
            if drawn + IN_REACH_BATCHES <= n {
                *last = None;
            }
        }
    }
}

/// Per input (of `inputs`), the last of `presses` (press sheet indices, in order) that draws it,
/// as `drawn` says which inputs a press sheet draws.
fn last_press_drawing<I: Iterator<Item = usize>>(
    inputs: usize,
    presses: &[usize],
    drawn: impl Fn(usize) -> I,
) -> Vec<Option<usize>> {
    let mut last = vec![None; inputs];
    for &press in presses {
        for input in drawn(press) {
            if let Some(slot) = last.get_mut(input) {
                *slot = Some(press);
            }
        }
    }
    last
}

/// The inputs whose pages press sheet `press` draws (or is sized like).
fn inputs_drawn(press: &PressSheet) -> impl Iterator<Item = usize> + '_ {
    press.front.iter().chain(&press.back).map(|slot| slot.face.page_ref().0)
}

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
    /// The inputs, and their objects as the writer reads them: a small input's are let go of
    /// once its pages are written.
    pub objects: &'a ObjectLeases<'a>,
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
    /// Work to do for each press sheet (by index) on the worker that prepares it, where the
    /// press sheet's pages are at hand (the clear-zone scan).
    pub beside: Option<&'a (dyn Fn(usize) + Sync)>,
}

impl<'a> ImposeJob<'a> {
    /// The job's inputs.
    pub fn sources(&self) -> &'a [SourceDocument] {
        self.objects.sources()
    }
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
        copiers: job.sources().iter().map(|_| Copier::new(job.limits, job.budget)).collect(),
        shared: SharedObjects::default(),
        forms: HashMap::new(),
        report: ImposeReport::default(),
        slug_font: None,
        mark_font: None,
        printer_marks: None,
        deflater: Deflater::default(),
        scratch: Vec::with_capacity(1024),
    };
    let pages_root = writer.pdf.reserve();
    let mut kids = Vec::new();
    let presses: Vec<usize> =
        (0..job.plan.press_sheets.len()).filter(|&i| job.plan.press_sheets[i].file == file).collect();
    let last_drawn_by =
        last_press_drawing(job.sources().len(), &presses, |p| inputs_drawn(&job.plan.press_sheets[p]));
    let buffers = &BodyBuffers::new();
    std::thread::scope(|scope| -> Result<(), WriteError> {
        let (batches, prepared) =
            crossbeam_channel::unbounded::<(usize, std::thread::Result<Vec<PreparedPress>>)>();
        // One token a batch given to the workers and not yet written.
        let (ahead, written) = crossbeam_channel::bounded::<()>(BATCHES_AHEAD);
        scope.spawn(move || {
            rayon::in_place_scope_fifo(|workers| {
                let mut last_drawn = LastDrawn::new(job.sources().len());
                let large = |&input: &usize| !job.sources()[input].is_small();
                for (n, batch) in presses.chunks(BATCH_PRESS_SHEETS).enumerate() {
                    if ahead.send(()).is_err() {
                        // The writer stopped (an error, or cancelled).
                        return;
                    }
                    let drawn = batch.iter().flat_map(|&p| inputs_drawn(&job.plan.press_sheets[p]));
                    last_drawn.note(drawn.filter(large), n);
                    let batches = batches.clone();
                    workers.spawn_fifo(move |_| {
                        // A panic goes to the writer, which raises it again in its turn: left to
                        // the scope, it would come out only once every batch was handed out,
                        // which the writer, waiting for the batch, would never let happen.
                        let batch = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            batch.iter().map(|&index| prepare_press(job, index, buffers)).collect()
                        }));
                        // A send fails only once the writer has stopped.
                        let _ = batches.send((n, batch));
                    });
                    if n % RELEASE_EVERY_BATCHES == RELEASE_EVERY_BATCHES - 1 {
                        last_drawn.release_due(n, |i| job.sources()[i].release_resident_pages());
                    }
                }
            });
        });
        let mut index = 0;
        for batch in in_turn(prepared) {
            let batch = batch.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for press in batch {
                let press_sheet = &job.plan.press_sheets[press.index];
                for (side, ready) in press.sides {
                    kids.push(writer.write_side(press_sheet, side, ready, pages_root, buffers)?);
                }
                // The workers are past it too: what the stage read of a small input whose last
                // page this was goes, and its pages mapped for another stage, if any.
                for input in
                    inputs_drawn(press_sheet).filter(|&i| last_drawn_by.get(i) == Some(&Some(press.index)))
                {
                    job.objects.let_go(input);
                    if job.sources()[input].is_small() {
                        job.sources()[input].release_resident_pages();
                    }
                }
                if on_press_sheet(index).is_break() {
                    return Err(WriteError::Cancelled);
                }
                index += 1;
            }
            let _ = written.try_recv();
        }
        Ok(())
    })?;
    let FileWriter { mut pdf, mut report, forms, .. } = writer;
    let mut body = b"<</Type /Pages/Kids [".to_vec();
    for (i, kid) in kids.iter().enumerate() {
        if i > 0 {
            body.push(b' ');
        }
        push_reference(*kid, &mut body);
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

/// What `prepared` gives, numbered from 0 in any order, in the order of the numbers; those that
/// come before their turn wait for it. Ends when `prepared` does.
fn in_turn<T>(prepared: crossbeam_channel::Receiver<(usize, T)>) -> impl Iterator<Item = T> {
    let mut early = BTreeMap::new();
    let mut turn = 0;
    std::iter::from_fn(move || {
        let next = match early.remove(&turn) {
            Some(next) => next,
            None => loop {
                let (n, item) = prepared.recv().ok()?;
                if n == turn {
                    break item;
                }
                early.insert(n, item);
            },
        };
        turn += 1;
        Some(next)
    })
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

/// A press sheet's sides as prepared ahead of the writer. Small collections are held inline:
/// what a worker allocates and the writer frees costs a lock on the worker's heap.
struct PreparedPress<'a> {
    index: usize,
    sides: SmallVec<[(Side, Option<Ready<'a>>); 2]>,
}

/// A side composed ahead of the writer (`None` where only the writer can compose it), with its
/// content stream object's body and the forms of the pages it draws, in the order it draws them.
struct Ready<'a> {
    composed: Result<ComposedSide, WriteError>,
    body: std::io::Result<Vec<u8>>,
    forms: SmallVec<[Result<PreparedForm<'a>, WriteError>; 2]>,
}

/// The buffers sides' content stream bodies are written into, handed back by the writer once
/// written and taken again by the workers: in a steady stream of press sheets none is allocated
/// or freed. (A buffer a worker allocated and the writer freed would cost a lock on the worker's
/// heap for each side.)
struct BodyBuffers {
    returned: crossbeam_channel::Sender<Vec<u8>>,
    available: crossbeam_channel::Receiver<Vec<u8>>,
}

impl BodyBuffers {
    /// Enough for the sides prepared ahead of the writer.
    fn new() -> BodyBuffers {
        let (returned, available) = crossbeam_channel::bounded((BATCHES_AHEAD + 2) * BATCH_PRESS_SHEETS * 2);
        BodyBuffers { returned, available }
    }

    fn take(&self) -> Vec<u8> {
        self.available.try_recv().unwrap_or_else(|_| Vec::with_capacity(1024))
    }

    fn give_back(&self, mut buffer: Vec<u8>) {
        buffer.clear();
        // Full: this one is freed.
        let _ = self.returned.try_send(buffer);
    }
}

/// A job of this name panics while its 601st press sheet is prepared (tests only).
#[cfg(test)]
pub(crate) const PANICKING_JOB: &str = "PANIC-TEST";

thread_local! {
    /// Each worker thread's compressor for sides' content.
    static DEFLATER: RefCell<Deflater> = RefCell::new(Deflater::default());
}

fn prepare_press<'a>(job: &ImposeJob<'a>, index: usize, buffers: &BodyBuffers) -> PreparedPress<'a> {
    #[cfg(test)]
    if job.job == PANICKING_JOB && index == 600 {
        panic!("a panic injected for a test");
    }
    if let Some(beside) = job.beside {
        beside(index);
    }
    let press = &job.plan.press_sheets[index];
    let sides: &[Side] = if job.plan.spec.duplex { &[Side::Front, Side::Back] } else { &[Side::Front] };
    let sides = sides.iter().map(|&s| (s, prepare_side(job, press, s, buffers))).collect();
    PreparedPress { index, sides }
}

/// Composes a side and prepares its page forms; `None` when its annotations need the writer.
fn prepare_side<'a>(
    job: &ImposeJob<'a>,
    press: &PressSheet,
    side: Side,
    buffers: &BodyBuffers,
) -> Option<Ready<'a>> {
    if side::draws_annotations(job, press, side) {
        return None;
    }
    let mut composed = side::compose(job, press, side, &mut |_, _| None);
    let body = match &mut composed {
        Ok(c) => {
            let mut body = buffers.take();
            let written = DEFLATER.with(|d| d.borrow_mut().content_stream_into(&c.content, &mut body));
            // Freed here, by the thread that made them, rather than by the writer.
            c.content = Vec::new();
            written.map(|()| body)
        }
        Err(_) => Ok(Vec::new()),
    };
    let forms = match &composed {
        Ok(c) => c
            .xobjects
            .iter()
            .filter_map(|(_, drawn)| match *drawn {
                Drawn::Page { input, page } => Some(prepare_form(job, input, page)),
                Drawn::Object(_) | Drawn::PrinterMarks => None,
            })
            .collect(),
        Err(_) => SmallVec::new(),
    };
    Some(Ready { composed, body, forms })
}

fn prepare_form<'a>(
    job: &ImposeJob<'a>,
    input: usize,
    page_index: usize,
) -> Result<PreparedForm<'a>, WriteError> {
    let source = &job.sources()[input];
    let bbox = page_form::form_bbox(&source.pages[page_index], job.page_box, job.sheet.bleed_mm);
    page_form::prepare(source, &job.objects.of(input), (input, page_index), &bbox, (job.limits, job.budget))
}

struct FileWriter<'a, 'j, W: Write> {
    job: &'j ImposeJob<'a>,
    pdf: PdfFile<W>,
    copiers: Vec<Copier<'a>>,
    /// What the copiers wrote, by content, so that what several inputs carry is written once.
    shared: SharedObjects,
    forms: HashMap<FormKey, u32>,
    report: ImposeReport,
    slug_font: Option<u32>,
    mark_font: Option<u32>,
    /// The form of the fixed printer's marks, once written.
    printer_marks: Option<u32>,
    deflater: Deflater,
    /// The buffer dictionaries are written into before they are written out.
    scratch: Vec<u8>,
}

/// The two standard fonts a press sheet may need.
#[derive(Clone, Copy)]
enum FontSlot {
    Slug,
    Mark,
}

impl<'a, W: Write> FileWriter<'a, '_, W> {
    /// Numbers and writes one side of a press sheet as a page (composing it first when it was
    /// not composed ahead); returns the page's object number.
    fn write_side(
        &mut self,
        press: &PressSheet,
        side: Side,
        ready: Option<Ready<'a>>,
        pages_root: u32,
        buffers: &BodyBuffers,
    ) -> Result<u32, WriteError> {
        let (composed, body, forms) = match ready {
            Some(Ready { composed, body, forms }) => (composed?, body?, forms),
            None => {
                let composed = self.compose_here(press, side)?;
                let body = self.deflater.content_stream(&composed.content)?;
                (composed, body, SmallVec::new())
            }
        };
        let mut xobjects = Vec::with_capacity(composed.xobjects.len());
        let mut forms = forms.into_iter();
        for (name, drawn) in &composed.xobjects {
            let number = match *drawn {
                Drawn::Page { input, page } => self.form_for(input, page, forms.next())?,
                Drawn::Object(number) => number,
                Drawn::PrinterMarks => self.printer_marks_form()?,
            };
            xobjects.push((name, number));
        }
        self.report.annotations_flattened += composed.annotations_flattened;
        self.report.annotations_dropped += composed.annotations_dropped;
        self.report.warnings.extend(composed.warnings);
        self.report.marks.extend(composed.marks);
        let mut fonts = Vec::new();
        if composed.uses_mark_font {
            fonts.push((mark::draw::TEXT_FONT_RESOURCE, self.font(FontSlot::Mark)?));
        }
        if composed.uses_slug_font {
            fonts.push((printer_marks::SLUG_FONT, self.font(FontSlot::Slug)?));
        }
        let content_id = self.pdf.reserve();
        self.pdf.write_object(content_id, &body)?;
        buffers.give_back(body);
        let page_id = self.pdf.reserve();
        let page = &mut self.scratch;
        page.clear();
        page.extend_from_slice(b"<</Type /Page/Parent ");
        push_reference(pages_root, page);
        page.extend_from_slice(b"/MediaBox [0 0 ");
        fmt_num(composed.width, page);
        page.push(b' ');
        fmt_num(composed.height, page);
        page.extend_from_slice(b"]/Resources <<");
        if !xobjects.is_empty() {
            page.extend_from_slice(b"/XObject <<");
            for &(name, number) in &xobjects {
                page.push(b'/');
                name.push_to(page);
                page.push(b' ');
                push_reference(number, page);
            }
            page.extend_from_slice(b">>");
        }
        if !fonts.is_empty() {
            page.extend_from_slice(b"/Font <<");
            for &(name, number) in &fonts {
                page.push(b'/');
                page.extend_from_slice(name.as_bytes());
                page.push(b' ');
                push_reference(number, page);
            }
            page.extend_from_slice(b">>");
        }
        page.extend_from_slice(b">>/Contents ");
        push_reference(content_id, page);
        page.extend_from_slice(b">>");
        self.pdf.write_object(page_id, &self.scratch)?;
        Ok(page_id)
    }

    /// Composes a side whose flattened annotations need output numbers, and writes what they
    /// refer to.
    fn compose_here(&mut self, press: &PressSheet, side: Side) -> Result<ComposedSide, WriteError> {
        let job = self.job;
        let copiers = &mut self.copiers;
        let pdf = &mut self.pdf;
        let shared = &mut self.shared;
        let mut touched = Vec::new();
        let composed = side::compose(job, press, side, &mut |input, id| {
            touched.push(input);
            copiers[input].reference(&*job.objects.of(input), pdf, shared, id)
        })?;
        touched.sort_unstable();
        touched.dedup();
        for input in touched {
            let (input_index, page) = side::slots(press, side)
                .iter()
                .map(|slot| slot.face.page_ref())
                .find(|(i, _)| *i == input)
                .unwrap_or((input, 0));
            self.flush_copier(input_index, page)?;
        }
        Ok(composed)
    }

    /// Copies what the input's copier has queued; `page` (0-based) names the page in errors.
    fn flush_copier(&mut self, input: usize, page: usize) -> Result<(), WriteError> {
        let source = &self.job.sources()[input];
        let copier = &mut self.copiers[input];
        copier
            .flush(&*self.job.objects.of(input), &mut self.pdf, &mut self.shared, &mut self.scratch)
            .map_err(|e| WriteError::copying(&source.path, page + 1, e))?;
        let warnings = copier.take_warnings();
        self.report.warnings.extend(warnings.into_iter().map(|w| Warning { input: Some(input), ..w }));
        Ok(())
    }

    /// The output number of page `page_index`'s form, written on first use (from `prepared`
    /// when it was prepared ahead).
    fn form_for(
        &mut self,
        input: usize,
        page_index: usize,
        prepared: Option<Result<PreparedForm<'a>, WriteError>>,
    ) -> Result<u32, WriteError> {
        let job = self.job;
        let page = &job.sources()[input].pages[page_index];
        let bbox = page_form::form_bbox(page, job.page_box, job.sheet.bleed_mm);
        let key = FormKey::of(input, page, &bbox);
        if let Some(&form) = self.forms.get(&key) {
            return Ok(form);
        }
        let prepared = match prepared {
            Some(prepared) => prepared?,
            None => prepare_form(job, input, page_index)?,
        };
        let form = self.pdf.reserve();
        let objects = job.objects.of(input);
        let copier = &mut self.copiers[input];
        let head = &mut self.scratch;
        head.clear();
        head.extend_from_slice(b"<</Type /XObject/Subtype /Form/BBox [");
        let b = &prepared.bbox;
        for (i, value) in [b.x0, b.y0, b.x1, b.y1].into_iter().enumerate() {
            if i > 0 {
                head.push(b' ');
            }
            // As a PDF real: single precision, as the input's numbers are read.
            fmt_num(f64::from(value as f32), head);
        }
        head.push(b']');
        for (key, value) in prepared.entries() {
            head.push(b'/');
            head.extend_from_slice(key);
            head.push(b' ');
            copier.serialise_entry(&*objects, &mut self.pdf, &mut self.shared, value, head);
        }
        head.extend_from_slice(b"/Length ");
        push_integer(prepared.content.len(), head);
        head.extend_from_slice(b">>\nstream\n");
        self.pdf.write_object_parts(form, &[head, &prepared.content, super::syntax::STREAM_END])?;
        self.report.warnings.extend(prepared.warnings);
        self.flush_copier(input, page_index)?;
        self.forms.insert(key, form);
        Ok(form)
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

    /// The form every side draws the fixed printer's marks with: written on first use, drawn in
    /// the press sheet's own space.
    fn printer_marks_form(&mut self) -> Result<u32, WriteError> {
        if let Some(form) = self.printer_marks {
            return Ok(form);
        }
        let job = self.job;
        let grid =
            job.grid.ok_or_else(|| WriteError::Plan("printer's marks without a press sheet".into()))?;
        let mut content = Vec::new();
        printer_marks::draw_fixed(
            grid,
            &job.sheet.printer_marks,
            job.sheet.bleed_mm,
            side::fold_x(job, grid),
            &mut content,
        );
        let compressed = self.deflater.deflate(&content)?;
        let dict = dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), (grid.width as f32).into(), (grid.height as f32).into()],
            "Resources" => lopdf::Dictionary::new(),
            "Filter" => "FlateDecode",
        };
        let mut body = Vec::new();
        super::syntax::write_stream(&dict, &compressed, &mut body, &mut |id| Some(id.0));
        let form = self.pdf.reserve();
        self.printer_marks = Some(form);
        self.pdf.write_object(form, &body)?;
        Ok(form)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_in_use_are_released_at_every_release_and_once_more_out_of_reach() {
        // Input 0 is drawn by every batch, input 1 by batch 0 only, input 2 by batch 0 and
        // again once out of reach; input 3 is never drawn.
        let again = IN_REACH_BATCHES + RELEASE_EVERY_BATCHES + 3;
        let end = again + IN_REACH_BATCHES + 2 * RELEASE_EVERY_BATCHES;
        let mut last_drawn = LastDrawn::new(4);
        let mut released: Vec<(usize, usize)> = Vec::new();
        for n in 0..end {
            let drawn: &[usize] = match n {
                0 => &[0, 1, 2],
                n if n == again => &[0, 2],
                _ => &[0],
            };
            last_drawn.note(drawn.iter().copied(), n);
            if n % RELEASE_EVERY_BATCHES == RELEASE_EVERY_BATCHES - 1 {
                last_drawn.release_due(n, |input| released.push((n, input)));
            }
        }
        let releases = |input: usize| -> Vec<usize> {
            released.iter().filter(|(_, i)| *i == input).map(|(n, _)| *n).collect()
        };
        let due = |n: &usize| n % RELEASE_EVERY_BATCHES == RELEASE_EVERY_BATCHES - 1;
        let every_release = |from: usize, to: usize| -> Vec<usize> { (from..=to).filter(due).collect() };
        assert_eq!(releases(0), every_release(0, end - 1));
        // Released until the first release once IN_REACH_BATCHES batches have passed since it
        // was drawn.
        let out_of_reach = |drawn: usize| (drawn + IN_REACH_BATCHES..).find(due).unwrap();
        assert_eq!(releases(1), every_release(0, out_of_reach(0)));
        assert_eq!(
            releases(2),
            [every_release(0, out_of_reach(0)), every_release(again, out_of_reach(again))].concat()
        );
        assert!(releases(3).is_empty());
    }

    #[test]
    fn batches_come_out_in_turn_however_they_come_in() {
        let (send, prepared) = crossbeam_channel::unbounded();
        for n in [2, 0, 3, 1, 5, 4] {
            send.send((n, n * 10)).unwrap();
        }
        drop(send);
        assert_eq!(in_turn(prepared).collect::<Vec<_>>(), [0, 10, 20, 30, 40, 50]);
        // One missing: what comes after it is not given out of turn.
        let (send, prepared) = crossbeam_channel::unbounded();
        for n in [0, 2, 3] {
            send.send((n, n)).unwrap();
        }
        drop(send);
        assert_eq!(in_turn(prepared).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn each_input_is_done_with_at_the_last_press_sheet_of_the_file_that_draws_it() {
        // Press sheets 4 and 6 are another file's.
        let drawn = |press: usize| -> std::vec::IntoIter<usize> {
            match press {
                0 => vec![0, 1],
                1 => vec![1],
                2 => vec![0],
                3 => vec![2],
                _ => vec![0, 3],
            }
            .into_iter()
        };
        assert_eq!(
            last_press_drawing(5, &[0, 1, 2, 3, 5], drawn),
            [Some(5), Some(1), Some(3), Some(5), None]
        );
        assert_eq!(last_press_drawing(5, &[4, 6], drawn), [Some(6), None, None, Some(6), None]);
    }
}
