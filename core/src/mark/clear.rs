//! The clear-zone check: before anything is written, every mark's area (symbol, quiet zone,
//! text line; the window mark's too) is rendered from the source page at low resolution with
//! pdfium, without anti-aliasing, and its ink counted. A mark printed over page content may not
//! read, and whitening the area hides what the customer printed there; both must be known.

use pdfium_render::prelude::PdfDocument;

use super::raster::render_region;
use super::{zones, MarkError, MarkGeometry, PreparedMarks};
use crate::geometry::Rect;
use crate::ingest::SourceDocument;
use crate::plan::{Face, Plan};
use crate::warning::Warning;

/// The check's resolution: a 0.2 mm speck of ink covers a pixel.
pub const CHECK_DPI: f64 = 150.0;
/// A pixel with any colour channel darker than this (0 dark, 255 white) is ink: about a 20%
/// tint and darker, in any colour.
pub const INK_THRESHOLD: u8 = 200;

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
}

/// Checks every sheet's mark areas on its front page.
pub fn check(job: &ClearZoneJob) -> Result<ClearZoneReport, MarkError> {
    let pdfium = crate::pdfium::pdfium().map_err(|e| MarkError::ClearZone(e.to_string()))?;
    let mut warnings = Vec::new();
    let documents: Vec<Option<PdfDocument>> = job
        .sources
        .iter()
        .enumerate()
        .map(|(input, source)| {
            let unchecked =
                |why: String| Warning { input: Some(input), ..Warning::new("clear-zone-unchecked", why) };
            match pdfium.load_pdf_from_file(&source.path, job.password) {
                Ok(doc) if doc.pages().len() as usize == source.pages.len() => Some(doc),
                Ok(doc) => {
                    warnings.push(unchecked(format!(
                        "the clear zone was not checked: the renderer sees {} pages where the input has {}",
                        doc.pages().len(),
                        source.pages.len()
                    )));
                    None
                }
                Err(e) => {
                    warnings.push(unchecked(format!(
                        "the clear zone was not checked: the renderer cannot open the input ({e})"
                    )));
                    None
                }
            }
        })
        .collect();
    let mut ink = Vec::with_capacity(job.plan.sheets.len());
    for (index, sheet) in job.plan.sheets.iter().enumerate() {
        let Face::Page { input, page } = sheet.front else {
            ink.push(None);
            continue;
        };
        let Some(document) = &documents[input] else {
            ink.push(None);
            continue;
        };
        let source_page = &job.sources[input].pages[page];
        let (width, height) = source_page.display_size();
        let leaf = Rect { x0: 0.0, y0: 0.0, x1: width, y1: height };
        let areas = zones(job.geometry, &leaf, job.marks.sizes[index], job.marks.payloads[index].len());
        let rendered = document.pages().get(page as _).and_then(|pdf_page| {
            areas.iter().try_fold(0, |sum, area| {
                let raster = render_region(&pdf_page, (width, height), area, CHECK_DPI, false)?;
                Ok(sum + raster.map_or(0, |r| r.count_darker_than(INK_THRESHOLD)))
            })
        });
        match rendered {
            Ok(count) => ink.push(Some(count)),
            Err(e) => {
                warnings.push(Warning {
                    input: Some(input),
                    ..Warning::new("clear-zone-unchecked", format!("the clear zone was not checked: {e}"))
                        .on_page(page + 1)
                });
                ink.push(None);
            }
        }
    }
    Ok(ClearZoneReport { ink, warnings })
}
