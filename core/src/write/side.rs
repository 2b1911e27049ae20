//! One side of a press sheet, composed: its content stream's operators and what they draw,
//! without the output's object numbers, so that sides can be composed in parallel ahead of the
//! writer, which numbers and writes them in order.
//!
//! Per cell: the page form (clipped to the cell plus bleed, with the matrix that honours page
//! box, rotation, user unit, scaling and auto-rotation), the page's printable annotations
//! (flattened), then the leaf's integrity mark; the printer's marks on top.

use std::io::Write as _;

use lopdf::ObjectId;
use smallvec::SmallVec;

use super::impose::{page_on_sheet, AnnotationPolicy, ImposeJob, MarkPlacement};
use super::syntax::push_integer;
use super::{printer_marks, WriteError};
use crate::geometry::{fmt_num, mm, Matrix, Rect};
use crate::mark;
use crate::pdf::Objects;
use crate::plan::geometry::Grid;
use crate::plan::{Face, Layout, PressSheet, Side, Slot};
use crate::warning::Warning;

/// What a side's content draws under an `/XObject` resource name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawn {
    /// The form of a source page.
    Page { input: usize, page: usize },
    /// An output object already numbered (a flattened annotation's appearance).
    Object(u32),
    /// The press sheets' fixed printer's marks, one form for the whole file.
    PrinterMarks,
}

/// The name a side's content draws an XObject by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XObjectName {
    /// `P{n}`: the side's n-th XObject, the form of a page.
    Page(usize),
    /// `A{n}x{i}`: the side's n-th XObject, the appearance of annotation i of a page.
    Annotation(usize, usize),
    /// `PM`: the fixed printer's marks.
    PrinterMarks,
}

impl XObjectName {
    /// Appends the name, without its slash.
    pub fn push_to(self, out: &mut Vec<u8>) {
        match self {
            XObjectName::Page(n) => {
                out.push(b'P');
                push_integer(n, out);
            }
            XObjectName::Annotation(n, i) => {
                out.push(b'A');
                push_integer(n, out);
                out.push(b'x');
                push_integer(i, out);
            }
            XObjectName::PrinterMarks => out.extend_from_slice(b"PM"),
        }
    }
}

impl std::fmt::Display for XObjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut name = Vec::new();
        self.push_to(&mut name);
        f.write_str(&String::from_utf8_lossy(&name))
    }
}

/// A side of a press sheet, ready to be numbered and written.
#[derive(Debug)]
pub struct ComposedSide {
    pub width: f64,
    pub height: f64,
    /// The content stream's operators.
    pub content: Vec<u8>,
    /// `/XObject` resources by name, in order (held inline for a few: a side is handed from the
    /// thread that composes it to the writer, and memory freed by a thread other than the one
    /// that allocated it is slow to free).
    pub xobjects: SmallVec<[(XObjectName, Drawn); 4]>,
    pub uses_mark_font: bool,
    pub uses_slug_font: bool,
    /// The marks drawn on this side, by leaf.
    pub marks: SmallVec<[(usize, MarkPlacement); 2]>,
    pub warnings: Vec<Warning>,
    pub annotations_flattened: usize,
    pub annotations_dropped: usize,
}

/// Gives a flattened annotation's appearance stream (of an input) its output number; `None`
/// when it cannot be copied.
pub type PlaceAppearance<'p> = dyn FnMut(usize, ObjectId) -> Option<u32> + 'p;

/// The slots of one side.
pub fn slots(press: &PressSheet, side: Side) -> &[Slot] {
    match side {
        Side::Front => &press.front,
        Side::Back => &press.back,
    }
}

/// Whether composing this side needs annotation appearances numbered (and so the writer).
pub fn draws_annotations(job: &ImposeJob, press: &PressSheet, side: Side) -> bool {
    job.annotations == AnnotationPolicy::Flatten
        && slots(press, side).iter().any(|slot| match slot.face {
            Face::Page { input, page } => {
                job.sources()[input].pages[page].annotations.iter().any(|a| a.is_drawn_when_flattened())
            }
            Face::Blank { .. } => false,
        })
}

/// Composes one side of a press sheet.
pub fn compose(
    job: &ImposeJob,
    press: &PressSheet,
    side: Side,
    place_appearance: &mut PlaceAppearance,
) -> Result<ComposedSide, WriteError> {
    let slots = slots(press, side);
    let (width, height) = match job.grid {
        Some(grid) => (grid.width, grid.height),
        None => {
            // 1-up on the page's own size: the side is as large as its page.
            let slot = slots
                .first()
                .or(press.front.first())
                .ok_or_else(|| WriteError::Plan("empty press sheet".into()))?;
            let (input, page) = slot.face.page_ref();
            job.sources()[input].pages[page].display_size_of(job.page_box)
        }
    };
    let mut composed = ComposedSide {
        width,
        height,
        content: Vec::with_capacity(2048),
        xobjects: SmallVec::new(),
        uses_mark_font: false,
        uses_slug_font: false,
        marks: SmallVec::new(),
        warnings: Vec::new(),
        annotations_flattened: 0,
        annotations_dropped: 0,
    };
    let sheet_rect = Rect { x0: 0.0, y0: 0.0, x1: width, y1: height };
    for slot in slots {
        let cell = job.grid.map_or(sheet_rect, |g| g.cells[slot.cell]);
        draw_slot(job, slot, &cell, &mut composed, place_appearance);
        let leaf = &job.plan.sheets[slot.leaf];
        if side == Side::Front && slot.cell == leaf.cell {
            let payload = &job.payloads[slot.leaf];
            let encoded = job.symbols.get(slot.leaf);
            let painted = mark::paint_encoded(payload, encoded, leaf.seq, job.geometry, &cell)?;
            let inside = |zone: Rect| zone.intersect(&cell) == Some(zone);
            if !inside(painted.zone) || painted.window.is_some_and(|w| !inside(w)) {
                let (input, page) = slot.face.page_ref();
                composed.warnings.push(Warning {
                    input: Some(input),
                    ..Warning::new(
                        "mark-outside-leaf",
                        format!("leaf {}: the mark does not fit on the leaf", leaf.seq),
                    )
                    .on_page(page + 1)
                });
            }
            composed.content.extend_from_slice(&painted.ops);
            composed.uses_mark_font |= painted.uses_font;
            composed.marks.push((
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
    if let Some(grid) = job.grid {
        let marks = &job.sheet.printer_marks;
        if printer_marks::has_fixed(marks, fold_x(job, grid)) {
            let name = XObjectName::PrinterMarks;
            composed.xobjects.push((name, Drawn::PrinterMarks));
            // Writing into a Vec cannot fail.
            let _ = writeln!(composed.content, "/{name} Do");
        }
        let slug = (side == Side::Front).then(|| slug_text(job, press));
        printer_marks::draw_slug(grid, marks, job.sheet.bleed_mm, slug.as_deref(), &mut composed.content);
        composed.uses_slug_font = side == Side::Front && printer_marks::needs_font(marks);
    }
    Ok(composed)
}

/// The spine of a booklet's press sheet, where fold marks go.
pub fn fold_x(job: &ImposeJob, grid: &Grid) -> Option<f64> {
    (job.plan.spec.layout == Layout::Booklet).then(|| grid.cells[0].x1)
}

/// Draws one cell: the page form, clipped, and its flattened annotations.
fn draw_slot(
    job: &ImposeJob,
    slot: &Slot,
    cell: &Rect,
    composed: &mut ComposedSide,
    place_appearance: &mut PlaceAppearance,
) {
    let Face::Page { input, page: page_index } = slot.face else {
        return;
    };
    let source = &job.sources()[input];
    let page = &source.pages[page_index];
    let name = XObjectName::Page(composed.xobjects.len());
    composed.xobjects.push((name, Drawn::Page { input, page: page_index }));
    let matrix = page_on_sheet(page, job.page_box, job.sheet, job.grid.is_some(), cell, slot);
    let content = &mut composed.content;
    content.extend_from_slice(b"q ");
    let clip = match job.grid {
        Some(_) => cell.expanded(mm(job.sheet.bleed_mm)),
        None => *cell,
    };
    push_numbers(content, &[clip.x0, clip.y0, clip.width(), clip.height()]);
    content.extend_from_slice(b"re W n ");
    push_numbers(content, &matrix);
    content.extend_from_slice(b"cm /");
    name.push_to(content);
    content.extend_from_slice(b" Do");
    for (index, annotation) in page.annotations.iter().enumerate() {
        let drawn = job.annotations == AnnotationPolicy::Flatten && annotation.is_drawn_when_flattened();
        let appearance = annotation.appearance.filter(|_| drawn);
        let placed = appearance.and_then(|id| {
            let a = appearance_matrix(&*job.objects.of(input), id, annotation.rect?)?;
            let number = place_appearance(input, id)?;
            Some((a, number))
        });
        match placed {
            Some((a, number)) => {
                let name = XObjectName::Annotation(composed.xobjects.len(), index);
                composed.xobjects.push((name, Drawn::Object(number)));
                let content = &mut composed.content;
                content.extend_from_slice(b" q ");
                push_numbers(content, &a);
                content.extend_from_slice(format!("cm /{name} Do Q").as_bytes());
                composed.annotations_flattened += 1;
            }
            None => composed.annotations_dropped += 1,
        }
    }
    composed.content.extend_from_slice(b" Q\n");
}

fn slug_text(job: &ImposeJob, press: &PressSheet) -> String {
    let leaves: Vec<usize> = press.front.iter().map(|s| s.leaf).collect();
    let block = leaves.first().map_or(0, |&l| job.plan.sheets[l].block);
    format!(
        "sheetseal {}  job {}  press sheet {} of {}  block {}  leaves {}-{}",
        env!("CARGO_PKG_VERSION"),
        job.job,
        press.seq,
        job.plan.press_sheets.len(),
        block + 1,
        leaves.iter().min().map_or(0, |l| l + 1),
        leaves.iter().max().map_or(0, |l| l + 1),
    )
}

fn push_numbers(out: &mut Vec<u8>, values: &[f64]) {
    for &value in values {
        fmt_num(value, out);
        out.push(b' ');
    }
}

/// The matrix that maps an annotation appearance's transformed bounding box onto the
/// annotation's rectangle (ISO 32000-1, 12.5.5); `Do` applies the form's own `/Matrix` first.
fn appearance_matrix(doc: &dyn Objects, appearance: ObjectId, rect: Rect) -> Option<Matrix> {
    let head = doc.head(appearance).ok()?;
    let dict = match &*head {
        lopdf::Object::Stream(stream) => &stream.dict,
        lopdf::Object::Dictionary(dict) => dict,
        _ => return None,
    };
    let numbers = |key: &[u8]| -> Option<Vec<f64>> {
        let array = doc.dereference(dict.get(key).ok()?).ok()?.1.as_array().ok()?;
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
