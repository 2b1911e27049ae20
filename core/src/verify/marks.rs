//! Reads back the mark of every sheet of a finished job: pdfium renders only the mark's zone
//! (not the page) and rxing decodes it.
//!
//! pdfium serialises every call behind one lock, so one process reads one mark at a time; the
//! caller spreads sheet ranges over several processes to use several cores.

use std::ops::Range;

use pdfium_render::prelude::{PdfBitmap, PdfBitmapFormat, PdfPage, PdfRenderConfig};
use serde::{Deserialize, Serialize};

use super::decode::{decode_datamatrix, Gray};
use crate::jobdir::JobDir;
use crate::manifest::SheetRecord;
use crate::pdfium::{describe, pdfium, PdfiumError};

/// Default rendering resolution: about 3.3 pixels a module for 0.42 mm modules.
pub const DEFAULT_DPI: f32 = 200.0;
/// Points of page rendered around the mark's zone, so a slightly shifted mark is still whole.
pub const MARGIN_PT: f64 = 3.0;
/// The largest raster rendered for one mark (pixels a side): a hand-edited zone cannot make
/// verify render a whole poster.
pub const MAX_SIDE_PX: f64 = 2000.0;

/// What was found in one sheet's mark zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkRead {
    /// The sheet's `seq`.
    pub sheet: usize,
    #[serde(flatten)]
    pub result: MarkResult,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum MarkResult {
    /// A Data Matrix was decoded to this text.
    Decoded { text: String },
    /// The zone was rendered but holds no readable Data Matrix.
    Unreadable,
    /// The output has no such page.
    PageMissing { pages: usize },
    /// The output file or page cannot be opened or rendered.
    OutputUnreadable { detail: String },
}

/// Why marks cannot be read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadMarksError {
    #[error(transparent)]
    Pdfium(#[from] PdfiumError),
    #[error("cannot pass a mark read on")]
    Io(#[from] std::io::Error),
}

/// Reads the marks of the sheets in `range` (indices into `manifest.sheets`) at `dpi`, in order,
/// handing each read to `each` as soon as it is made. Each output is opened once for its run of
/// sheets, each page loaded once for the leaves it carries.
pub fn read_marks(
    job: &JobDir,
    range: Range<usize>,
    dpi: f32,
    mut each: impl FnMut(MarkRead) -> std::io::Result<()>,
) -> Result<(), ReadMarksError> {
    let pdfium = pdfium()?;
    let all = &job.manifest.sheets;
    let end = range.end.min(all.len());
    let sheets = &all[range.start.min(end)..end];
    for run in sheets.chunk_by(|a, b| a.output == b.output) {
        let output = run[0].output;
        let document = match job.manifest.outputs.get(output) {
            Some(_) => pdfium
                .load_pdf_from_file(&job.output_path(output), None)
                .map_err(|e| format!("pdfium cannot open it: {}", describe(&e))),
            None => Err(format!("the manifest lists no output {output}")),
        };
        let document = match document {
            Ok(document) => document,
            Err(detail) => {
                for sheet in run {
                    let result = MarkResult::OutputUnreadable { detail: detail.clone() };
                    each(MarkRead { sheet: sheet.seq, result })?;
                }
                continue;
            }
        };
        let pages = document.pages().len() as usize;
        let mut page: Option<(usize, PdfPage)> = None;
        for sheet in run {
            let result = if sheet.front_page == 0 || sheet.front_page > pages {
                MarkResult::PageMissing { pages }
            } else {
                if page.as_ref().is_none_or(|(number, _)| *number != sheet.front_page) {
                    page =
                        document.pages().get((sheet.front_page - 1) as _).ok().map(|p| (sheet.front_page, p));
                }
                match &page {
                    Some((_, page)) => read_one(page, sheet, dpi),
                    None => MarkResult::OutputUnreadable {
                        detail: format!("page {} cannot be loaded", sheet.front_page),
                    },
                }
            };
            each(MarkRead { sheet: sheet.seq, result })?;
        }
    }
    Ok(())
}

fn read_one(page: &PdfPage, sheet: &SheetRecord, dpi: f32) -> MarkResult {
    match render_zone(page, sheet, dpi) {
        Ok(image) => match decode_datamatrix(&image) {
            Some(text) => MarkResult::Decoded { text },
            None => MarkResult::Unreadable,
        },
        Err(detail) => {
            MarkResult::OutputUnreadable { detail: format!("page {}: {detail}", sheet.front_page) }
        }
    }
}

/// Renders the sheet's mark zone (plus [`MARGIN_PT`]) of `page` in gray at `dpi`. The zone is
/// in points from the page's lower-left corner; `size` gives the page's height.
fn render_zone(page: &PdfPage, sheet: &SheetRecord, dpi: f32) -> Result<Gray, String> {
    let scale = dpi as f64 / 72.0;
    let [x, y, w, h] = sheet.mark.zone;
    let (x, y, w, h) = (x - MARGIN_PT, y - MARGIN_PT, w + 2.0 * MARGIN_PT, h + 2.0 * MARGIN_PT);
    let top = sheet.size[1] - (y + h);
    let (width, height) = ((w * scale).ceil(), (h * scale).ceil());
    if !(1.0..=MAX_SIDE_PX).contains(&width) || !(1.0..=MAX_SIDE_PX).contains(&height) {
        return Err(format!("mark zone {w:.1} x {h:.1} pt is not a mark's size"));
    }
    // White to start with. pdfium's 8-bit gray bitmaps trip an assertion in its path filler, so
    // render 4-byte BGRx with the grayscale flag (all channels equal) and keep one channel.
    let stride = width as usize * 4;
    let mut buffer = vec![255u8; stride * height as usize];
    let mut bitmap = PdfBitmap::from_bytes(width as i32, height as i32, PdfBitmapFormat::BGRx, &mut buffer)
        .map_err(|e| describe(&e))?;
    let config = PdfRenderConfig::new()
        .scale_page_by_factor(scale as f32)
        .set_origin(-(x * scale).round() as i32, -(top * scale).round() as i32)
        .set_format(PdfBitmapFormat::BGRx)
        .use_grayscale_rendering(true)
        .render_annotations(false)
        .clear_before_rendering(false);
    page.render_into_bitmap_with_config(&mut bitmap, &config).map_err(|e| describe(&e))?;
    drop(bitmap);
    let pixels: Vec<u8> = buffer.chunks_exact(4).map(|bgrx| bgrx[1]).collect();
    Ok(Gray { width: width as u32, height: height as u32, pixels })
}
