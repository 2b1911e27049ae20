//! One page of a PDF to an RGB raster, with pdfium.

use std::path::{Path, PathBuf};

use pdfium_render::prelude::{PdfBitmapFormat, PdfColor, PdfDocument, PdfRenderConfig};

use super::raster::Raster;
use super::PreviewError;

/// The finest resolution offered.
pub const MAX_DPI: f64 = 600.0;
/// The most pixels one rendered page may have (an A4 page at 600 dpi has 35 million).
pub const MAX_PIXELS: f64 = 60.0e6;

/// How large to render.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    /// At this resolution.
    Dpi(f64),
    /// Scaled to fit a box of this many pixels, keeping the aspect ratio.
    Fit { width: usize, height: usize },
}

/// A PDF opened for rendering.
pub struct Renderer {
    path: PathBuf,
    document: PdfDocument<'static>,
}

impl Renderer {
    /// Opens `path` with the process's pdfium.
    pub fn open(path: &Path) -> Result<Renderer, PreviewError> {
        let pdfium = crate::pdfium::pdfium()?;
        let document = pdfium
            .load_pdf_from_file(path, None)
            .map_err(|e| PreviewError::Open { path: path.to_path_buf(), detail: e.to_string() })?;
        Ok(Renderer { path: path.to_path_buf(), document })
    }

    pub fn page_count(&self) -> usize {
        usize::try_from(self.document.pages().len()).unwrap_or(0)
    }

    /// Renders page `page` (1-based) without annotations on white; returns the raster and the
    /// page's displayed size in points.
    pub fn render(&self, page: usize, size: Size) -> Result<(Raster, (f64, f64)), PreviewError> {
        let err = |detail: String| PreviewError::Render { path: self.path.clone(), page, detail };
        if page == 0 || page > self.page_count() {
            return Err(err(format!("the file has pages 1 to {}", self.page_count())));
        }
        let pdf_page = self.document.pages().get((page - 1) as i32).map_err(|e| err(e.to_string()))?;
        let (width_pt, height_pt) = (f64::from(pdf_page.width().value), f64::from(pdf_page.height().value));
        let scale = match size {
            Size::Dpi(dpi) => {
                if !(1.0..=MAX_DPI).contains(&dpi) {
                    return Err(PreviewError::Options(format!("resolution {dpi} dpi: use 1 to {MAX_DPI}")));
                }
                dpi / 72.0
            }
            Size::Fit { width, height } => (width as f64 / width_pt).min(height as f64 / height_pt),
        };
        let (width_px, height_px) =
            ((width_pt * scale).round().max(1.0), (height_pt * scale).round().max(1.0));
        if width_px * height_px > MAX_PIXELS {
            return Err(err(format!(
                "{width_px} x {height_px} pixels is more than {} million; choose a lower resolution",
                MAX_PIXELS / 1e6
            )));
        }
        let config = PdfRenderConfig::new()
            .scale_page_by_factor(scale as f32)
            .set_format(PdfBitmapFormat::BGRA)
            .set_clear_color(PdfColor::WHITE)
            .render_annotations(false)
            .render_form_data(false);
        let bitmap = pdf_page.render_with_config(&config).map_err(|e| err(e.to_string()))?;
        let (w, h) = (bitmap.width() as usize, bitmap.height() as usize);
        let bgra = bitmap.as_raw_bytes();
        let stride = bgra.len().checked_div(h).unwrap_or(0);
        if stride < w * 4 {
            return Err(err("pdfium returned a bitmap smaller than asked for".to_string()));
        }
        let mut pixels = Vec::with_capacity(w * h * 3);
        for row in bgra.chunks_exact(stride).take(h) {
            for px in row[..w * 4].chunks_exact(4) {
                pixels.extend_from_slice(&[px[2], px[1], px[0]]);
            }
        }
        Ok((Raster { width: w, height: h, pixels }, (width_pt, height_pt)))
    }
}
