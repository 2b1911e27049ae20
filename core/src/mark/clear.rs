//! The clear-zone check: before anything is written, every mark's area (symbol, quiet zone,
//! text line; the window mark's too) is checked against the source page. A fast scan of the
//! page's content stream proves most areas empty; the rest are rendered from the source page
//! at low resolution with pdfium, without anti-aliasing, and their ink counted. A mark printed
//! over page content may not read, and whitening the area hides what the customer printed
//! there; both must be known.

use crate::pdf::Entry as _;
use crate::pdf::Objects;
use pdfium_render::prelude::PdfDocument;

use rayon::prelude::*;
use std::sync::OnceLock;

use super::extent::{page_extent_in_user_space, Extent};
use super::layout::transform_rect;
use super::raster::render_region;
use super::{zones, MarkError, MarkGeometry, PreparedMarks};
use crate::geometry::{invert, placement_matrix, Rect};
use crate::ingest::leases::ObjectLeases;
use crate::ingest::render_guard::RenderGuard;
use crate::ingest::{PageBox, PdfiumOpenError, SourceDocument};
use crate::plan::geometry::{Grid, SheetSpec};
use crate::plan::{Face, Plan};
use crate::warning::Warning;
use crate::write::impose::page_on_sheet;

/// The check's resolution: a 0.2 mm speck of ink covers a pixel.
pub const CHECK_DPI: f64 = 150.0;
/// A pixel with any colour channel darker than this (0 dark, 255 white) is ink: about a 20%
/// tint and darker, in any colour.
pub const INK_THRESHOLD: u8 = 200;

/// Pages with an image larger than this (in pixels, directly or inside forms) are not rendered:
/// decoding it could take gigabytes. Their sheets are reported as unchecked.
pub const MAX_IMAGE_PIXELS: u64 = 64_000_000;
/// How deep forms inside forms are followed when looking for images.
const MAX_FORM_DEPTH: usize = 16;

/// What the check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClearZoneReport {
    /// Per sheet, in order: ink pixels found in its mark areas (0: clear), `None`: not checked.
    pub ink: Vec<Option<usize>>,
    /// Inputs that could not be checked, with the reason.
    pub warnings: Vec<Warning>,
}

impl ClearZoneReport {
    /// Sheets whose mark area has ink on it.
    pub fn collisions(&self) -> usize {
        self.ink.iter().filter(|ink| ink.is_some_and(|n| n > 0)).count()
    }
}

/// What the check needs.
pub struct ClearZoneJob<'a> {
    pub sources: &'a [SourceDocument],
    pub password: Option<&'a str>,
    pub plan: &'a Plan,
    pub marks: &'a PreparedMarks,
    pub geometry: &'a MarkGeometry,
    /// Where pages go on the press sheet, as the writer places them.
    pub grid: Option<&'a Grid>,
    pub sheet: &'a SheetSpec,
    pub page_box: PageBox,
}

/// Checks every sheet's mark areas on its front page: first by the content-stream scan
/// ([`extent`](super::extent)), and by rendering only where that scan cannot rule content out.
pub fn check(job: &ClearZoneJob) -> Result<ClearZoneReport, MarkError> {
    let scans = ClearZoneScans::new(job);
    let objects = ObjectLeases::new(job.sources);
    scans.scan_in_order(&objects);
    Ok(scans.finish(&objects))
}

/// Leaves [`ClearZoneScans::scan_in_order`] scans together.
const LEAVES_SCANNED_TOGETHER: usize = 1024;

/// The content-stream scans of a job's sheets, taken press sheet by press sheet (by whoever
/// walks the press sheets anyway: the write stage's workers) or all at once, then finished by
/// rendering what they could not prove clear.
pub struct ClearZoneScans<'j> {
    job: &'j ClearZoneJob<'j>,
    /// Per leaf: its scan once taken (`None` inside for a leaf with no page to check).
    scans: Vec<OnceLock<Option<Scanned>>>,
}

impl<'j> ClearZoneScans<'j> {
    pub fn new(job: &'j ClearZoneJob<'j>) -> Self {
        ClearZoneScans { job, scans: job.plan.sheets.iter().map(|_| OnceLock::new()).collect() }
    }

    /// Scans the mark areas of the leaves whose marks press sheet `press` carries, reading the
    /// inputs' objects as the write stage does.
    pub fn scan_press_sheet(&self, press: usize, objects: &ObjectLeases) {
        let plan = self.job.plan;
        for slot in &plan.press_sheets[press].front {
            if plan.sheets.get(slot.leaf).is_some_and(|leaf| leaf.cell == slot.cell) {
                self.scans[slot.leaf].get_or_init(|| self.scan(slot.leaf, objects));
            }
        }
    }

    /// Scans every leaf, [`LEAVES_SCANNED_TOGETHER`] at a time in plan order (each group in
    /// parallel), reading the inputs' objects through `objects` and letting go of a small input
    /// once past the last leaf that shows one of its pages: what the scans hold follows the
    /// group, not the job (a folder of one file a letter would otherwise have every letter
    /// parsed at once).
    fn scan_in_order(&self, objects: &ObjectLeases) {
        let sheets = &self.job.plan.sheets;
        let input_of = |leaf: usize| match sheets[leaf].front() {
            Face::Page { input, .. } => Some(input),
            _ => None,
        };
        let mut last_leaf = vec![None; self.job.sources.len()];
        for leaf in 0..sheets.len() {
            if let Some(input) = input_of(leaf) {
                last_leaf[input] = Some(leaf);
            }
        }
        for start in (0..sheets.len()).step_by(LEAVES_SCANNED_TOGETHER) {
            let group = start..(start + LEAVES_SCANNED_TOGETHER).min(sheets.len());
            group.clone().into_par_iter().for_each(|leaf| {
                self.scans[leaf].get_or_init(|| self.scan(leaf, objects));
            });
            for leaf in group {
                match input_of(leaf) {
                    Some(input) if last_leaf[input] == Some(leaf) => objects.let_go(input),
                    _ => {}
                }
            }
        }
    }

    /// Scans the leaves not scanned yet (in parallel, through `objects`), renders the areas the scans could not
    /// prove clear (in order: pdfium is one at a time) and reports.
    pub fn finish(self, objects: &ObjectLeases) -> ClearZoneReport {
        let job = self.job;
        self.scans.par_iter().enumerate().with_min_len(64).for_each(|(leaf, scan)| {
            scan.get_or_init(|| self.scan(leaf, objects));
        });
        let mut renderer = Renderer {
            job,
            pdfium: None,
            documents: job.sources.iter().map(|_| None).collect(),
            guards: job.sources.iter().map(RenderGuard::new).collect(),
            warnings: Vec::new(),
        };
        let ink = self
            .scans
            .into_iter()
            .map(|scan| {
                let sheet = scan.into_inner().flatten()?;
                match sheet.extent {
                    Extent::Clear => Some(0),
                    Extent::Maybe => renderer.ink(sheet.input, sheet.page, sheet.size, &sheet.areas),
                    Extent::TooLarge => None,
                }
            })
            .collect();
        ClearZoneReport { ink, warnings: renderer.warnings }
    }

    /// The scan of leaf `index`'s mark areas on its front page, its input's objects read from
    /// `objects`.
    fn scan(&self, index: usize, objects: &ObjectLeases) -> Option<Scanned> {
        let job = self.job;
        let sheet = &job.plan.sheets[index];
        let Face::Page { input, page } = sheet.front() else { return None };
        let source = &job.sources[input];
        let source_page = &source.pages[page];
        let slot = job.plan.press_sheets[sheet.press_sheet]
            .front
            .iter()
            .find(|slot| slot.leaf == index && slot.cell == sheet.cell)?;
        // The mark's areas on the leaf as the writer places it, mapped back onto the page.
        let leaf = match job.grid {
            Some(grid) => grid.cells[sheet.cell],
            None => {
                let (width, height) = source_page.display_size_of(job.page_box);
                Rect { x0: 0.0, y0: 0.0, x1: width, y1: height }
            }
        };
        let on_sheet = zones(job.geometry, &leaf, job.marks.sizes[index], job.marks.payloads[index].len());
        let placed = page_on_sheet(source_page, job.page_box, job.sheet, job.grid.is_some(), &leaf, slot);
        let display =
            placement_matrix(&source_page.crop_box, source_page.rotation, source_page.user_unit, 0.0, 0.0);
        let (user, extent) = match invert(&placed) {
            Some(from_sheet) => {
                let user: Vec<Rect> = on_sheet.iter().map(|a| transform_rect(&from_sheet, a)).collect();
                let extent = page_extent_in_user_space(&*objects.of(input), source_page, &user);
                (user, extent)
            }
            None => (on_sheet, Extent::Maybe),
        };
        // What the renderer shows: the page at scale 1 in its displayed orientation.
        let areas = user.iter().map(|a| transform_rect(&display, a)).collect();
        Some(Scanned { input, page, size: source_page.display_size(), areas, extent })
    }
}

/// A sheet's front page, its mark areas and what the content scan said about them.
struct Scanned {
    input: usize,
    page: usize,
    /// The page's displayed size, points.
    size: (f64, f64),
    areas: Vec<Rect>,
    extent: Extent,
}

/// Renders mark areas with pdfium, binding it and opening each input on first need.
struct Renderer<'j> {
    job: &'j ClearZoneJob<'j>,
    pdfium: Option<Option<&'static pdfium_render::prelude::Pdfium>>,
    /// Per input: not opened yet, or opened (`None` when it cannot be).
    documents: Vec<Option<Option<PdfDocument<'j>>>>,
    /// Per input: the streams pdfium would inflate, checked against the limits first.
    guards: Vec<RenderGuard<'j>>,
    warnings: Vec<Warning>,
}

impl<'j> Renderer<'j> {
    fn unchecked(&mut self, input: usize, page: Option<usize>, why: String) {
        let warning = Warning::new("clear-zone-unchecked", format!("the clear zone was not checked: {why}"));
        self.warnings.push(Warning { input: Some(input), page, ..warning });
    }

    /// The ink in `areas` of a page, `None` when it cannot be rendered (with a warning).
    fn ink(&mut self, input: usize, page: usize, size: (f64, f64), areas: &[Rect]) -> Option<usize> {
        let source = &self.job.sources[input];
        let largest = largest_image(&source.doc, source.pages[page].resources.as_ref());
        if largest > MAX_IMAGE_PIXELS {
            self.unchecked(
                input,
                Some(page + 1),
                format!("the page has a {largest}-pixel image, too large to render safely"),
            );
            return None;
        }
        if let Err(e) = source.check_pdfium_may_read() {
            self.unchecked(input, Some(page + 1), e.to_string());
            return None;
        }
        // A stream past the limit is refused by the writer with its own message; here the page
        // is only kept away from pdfium.
        if let Err(e) = self.guards[input].check_page(page) {
            self.unchecked(input, Some(page + 1), e.to_string());
            return None;
        }
        let document = self.document(input)?;
        let rendered = document.pages().get(page as _).and_then(|pdf_page| {
            areas.iter().try_fold(0, |sum, area| {
                let raster = render_region(&pdf_page, size, area, CHECK_DPI, false)?;
                Ok(sum + raster.map_or(0, |r| r.count_darker_than(INK_THRESHOLD)))
            })
        });
        match rendered {
            Ok(count) => Some(count),
            Err(e) => {
                self.unchecked(input, Some(page + 1), e.to_string());
                None
            }
        }
    }

    fn document(&mut self, input: usize) -> Option<&PdfDocument<'j>> {
        if self.documents[input].is_none() {
            let opened = self.open(input);
            self.documents[input] = Some(opened);
        }
        self.documents[input].as_ref().and_then(Option::as_ref)
    }

    fn open(&mut self, input: usize) -> Option<PdfDocument<'j>> {
        let pdfium = *self.pdfium.get_or_insert_with(|| crate::pdfium::pdfium().ok());
        let Some(pdfium) = pdfium else {
            let why = crate::pdfium::pdfium().err().map(|e| e.to_string()).unwrap_or_default();
            self.unchecked(input, None, why);
            return None;
        };
        let source = &self.job.sources[input];
        match source.open_in_pdfium(pdfium, self.job.password) {
            Ok(doc) => Some(doc),
            Err(PdfiumOpenError::PageCount { pdfium, ours }) => {
                let why = format!("the renderer sees {pdfium} pages where the input has {ours}");
                self.unchecked(input, None, why);
                None
            }
            Err(e) => {
                self.unchecked(input, None, format!("the renderer cannot open the input ({e})"));
                None
            }
        }
    }
}

/// The pixel count of the largest image the resources draw, following forms (cycles and depth
/// bounded).
fn largest_image(doc: &dyn Objects, resources: Option<&lopdf::Object>) -> u64 {
    let mut seen = std::collections::HashSet::new();
    let mut largest = 0;
    let mut stack: Vec<(Option<&lopdf::Object>, usize)> = vec![(resources, 0)];
    while let Some((resources, depth)) = stack.pop() {
        let Some(dict) = resources.and_then(|r| resolve(doc, r)).and_then(|o| o.as_dict().ok()) else {
            continue;
        };
        let Some(xobjects) =
            dict.entry(b"XObject").and_then(|x| resolve(doc, x)).and_then(|o| o.as_dict().ok())
        else {
            continue;
        };
        for (_, value) in xobjects.iter() {
            if let lopdf::Object::Reference(id) = value {
                if !seen.insert(*id) {
                    continue;
                }
            }
            let Some(stream) = resolve(doc, value).and_then(|o| o.as_stream().ok()) else { continue };
            match stream.dict.entry(b"Subtype").and_then(|s| s.as_name().ok()) {
                Some(b"Image") => {
                    // A soft mask or stencil mask is decoded too, and may be far larger.
                    let masks = [b"SMask".as_slice(), b"Mask"].into_iter().filter_map(|key| {
                        stream
                            .dict
                            .get(key)
                            .ok()
                            .and_then(|m| resolve(doc, m))
                            .and_then(|m| m.as_stream().ok())
                    });
                    for dict in std::iter::once(&stream.dict).chain(masks.map(|m| &m.dict)) {
                        largest = largest.max(pixels(dict));
                    }
                }
                Some(b"Form") if depth < MAX_FORM_DEPTH => {
                    stack.push((stream.dict.entry(b"Resources"), depth + 1))
                }
                _ => {}
            }
        }
    }
    largest
}

/// Width times height of an image dictionary.
fn pixels(dict: &lopdf::Dictionary) -> u64 {
    let number = |key: &[u8]| dict.entry(key).and_then(|v| v.as_i64().ok()).unwrap_or(0).max(0) as u64;
    number(b"Width").saturating_mul(number(b"Height"))
}

fn resolve<'a>(doc: &'a dyn Objects, object: &'a lopdf::Object) -> Option<&'a lopdf::Object> {
    match object {
        lopdf::Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Document, Object, Stream};

    #[test]
    fn huge_images_are_found_inside_forms_and_cycles_end() {
        let mut doc = Document::with_version("1.7");
        let image = doc.add_object(Stream::new(
            dictionary! { "Subtype" => "Image", "Width" => 100_000, "Height" => 100_000 },
            vec![],
        ));
        let small = doc.add_object(Stream::new(
            dictionary! { "Subtype" => "Image", "Width" => 10, "Height" => 20 },
            vec![],
        ));
        let mask = doc.add_object(Stream::new(dictionary! { "Width" => 34_862, "Height" => 4332 }, vec![]));
        let masked = doc.add_object(Stream::new(
            dictionary! { "Subtype" => "Image", "Width" => 2, "Height" => 2, "SMask" => Object::Reference(mask) },
            vec![],
        ));
        let form_id = doc.new_object_id();
        let inner = dictionary! { "XObject" => dictionary! { "I" => Object::Reference(image), "Me" => Object::Reference(form_id) } };
        doc.objects.insert(
            form_id,
            Object::Stream(Stream::new(dictionary! { "Subtype" => "Form", "Resources" => inner }, vec![])),
        );
        let page_resources = Object::Dictionary(
            dictionary! { "XObject" => dictionary! { "S" => Object::Reference(small), "F" => Object::Reference(form_id) } },
        );
        assert_eq!(largest_image(&doc, Some(&page_resources)), 10_000_000_000);
        let only_small =
            Object::Dictionary(dictionary! { "XObject" => dictionary! { "S" => Object::Reference(small) } });
        assert_eq!(largest_image(&doc, Some(&only_small)), 200);
        assert_eq!(largest_image(&doc, None), 0);
        let with_mask =
            Object::Dictionary(dictionary! { "XObject" => dictionary! { "M" => Object::Reference(masked) } });
        assert_eq!(largest_image(&doc, Some(&with_mask)), 34_862 * 4332, "the soft mask counts");
    }
}
