//! A region of a page rendered with pdfium: what the clear-zone check and the readability
//! proof look at.

use pdfium_render::prelude::{PdfBitmap, PdfBitmapFormat, PdfPage, PdfPoints, PdfRenderConfig, PdfiumError};

use crate::geometry::Rect;

/// A rendered region, 4 bytes a pixel (blue, green, red, unused).
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    pub width: usize,
    pub height: usize,
    /// The raster's top-left corner on the whole page rendered at the same resolution, in pixels
    /// from the page's top-left corner.
    pub left: f64,
    pub top: f64,
    bgrx: Vec<u8>,
    stride: usize,
}

/// A grayscale image, row-major, 0 black to 255 white.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Raster {
    fn pixels(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.bgrx.chunks(self.stride).take(self.height).flat_map(|row| row[..4 * self.width].chunks(4))
    }

    /// Pixels whose darkest colour channel is below `threshold`.
    pub fn count_darker_than(&self, threshold: u8) -> usize {
        self.pixels().filter(|bgr| bgr[..3].iter().any(|&v| v < threshold)).count()
    }

    /// The luma (ITU-R BT.601) of every pixel.
    pub fn luma(&self) -> Gray {
        let pixels = self
            .pixels()
            .map(|p| ((114 * p[0] as u32 + 587 * p[1] as u32 + 299 * p[2] as u32 + 500) / 1000) as u8)
            .collect();
        Gray { width: self.width, height: self.height, pixels }
    }
}

/// Renders `area` (points from the displayed page's lower-left corner; clipped to the page) of
/// a page displayed `display` points large, at `dpi`, with or without anti-aliasing. Forms and
/// annotations are left out. `None` when the area is outside the page.
pub fn render_region(
    page: &PdfPage,
    display: (f64, f64),
    area: &Rect,
    dpi: f64,
    smooth: bool,
) -> Result<Option<Raster>, PdfiumError> {
    let (width, height) = display;
    let Some(area) = area.intersect(&Rect { x0: 0.0, y0: 0.0, x1: width, y1: height }) else {
        return Ok(None);
    };
    // Pixels per point of the displayed page, and per point as pdfium measures the page (pdfium
    // leaves /UserUnit out).
    let per_point = dpi / 72.0;
    let per_pdfium_point = per_point * width / page.width().value as f64;
    let left = (area.x0 * per_point).floor();
    let top = ((height - area.y1) * per_point).floor();
    let w = ((area.x1 * per_point).ceil() - left).max(1.0) as i32;
    let h = (((height - area.y0) * per_point).ceil() - top).max(1.0) as i32;
    let config = PdfRenderConfig::new()
        .scale_page_by_factor(per_pdfium_point as f32)
        .translate(
            PdfPoints::new((-left / per_pdfium_point) as f32),
            PdfPoints::new((-top / per_pdfium_point) as f32),
        )?
        .clip(0, 0, w, h)
        .render_form_data(false)
        .render_annotations(false)
        .set_text_smoothing(smooth)
        .set_path_smoothing(smooth)
        .set_image_smoothing(smooth);
    // Our own buffer, white to begin with: pdfium clears only the page's own pixels, and the
    // area may reach a pixel beyond a small page's edge.
    let stride = 4 * w as usize;
    let mut bgrx = vec![255u8; stride * h as usize];
    {
        let mut bitmap = PdfBitmap::from_bytes(w, h, PdfBitmapFormat::BGRx, &mut bgrx)?;
        page.render_into_bitmap_with_config(&mut bitmap, &config)?;
    }
    Ok(Some(Raster { width: w as usize, height: h as usize, left, top, bgrx, stride }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdfium_render::prelude::*;

    #[test]
    fn ink_is_found_exactly_where_the_page_has_it() {
        let pdfium = crate::pdfium::pdfium().expect("pdfium: scripts/test.sh fetches it");
        let mut doc = pdfium.create_new_pdf().unwrap();
        let mut page = doc.pages_mut().create_page_at_start(PdfPagePaperSize::a4()).unwrap();
        // A black 20x10 pt rectangle with its lower-left corner at (100, 700).
        let rect = PdfRect::new_from_values(700.0, 100.0, 710.0, 120.0);
        page.objects_mut().create_path_object_rect(rect, None, None, Some(PdfColor::BLACK)).unwrap();
        let size = (page.width().value as f64, page.height().value as f64);
        let ink = |x0, y0, x1, y1| {
            render_region(&page, size, &Rect { x0, y0, x1, y1 }, 150.0, false)
                .unwrap()
                .map_or(0, |r| r.count_darker_than(200))
        };
        let px_per_pt = 150.0 / 72.0;
        let whole = ink(90.0, 690.0, 130.0, 720.0);
        let expected = 20.0 * 10.0 * px_per_pt * px_per_pt;
        assert!((whole as f64 - expected).abs() < expected * 0.15, "{whole} vs {expected}");
        // Beside it, above it, below it: nothing; overlapping its corner: a little.
        assert_eq!(ink(125.0, 690.0, 160.0, 720.0), 0);
        assert_eq!(ink(90.0, 715.0, 130.0, 760.0), 0);
        assert_eq!(ink(90.0, 600.0, 130.0, 695.0), 0);
        let corner = ink(115.0, 705.0, 140.0, 730.0);
        assert!(corner > 0 && corner < whole / 4, "{corner}");
        assert!(render_region(
            &page,
            size,
            &Rect { x0: -50.0, y0: -50.0, x1: -10.0, y1: -10.0 },
            150.0,
            false
        )
        .unwrap()
        .is_none());
        // Anti-aliased luma: black inside, white outside.
        let gray =
            render_region(&page, size, &Rect { x0: 90.0, y0: 690.0, x1: 130.0, y1: 720.0 }, 150.0, true)
                .unwrap()
                .unwrap()
                .luma();
        let at = |x: f64, y: f64| {
            let column = ((x - 90.0) * px_per_pt) as usize;
            let row = ((720.0 - y) * px_per_pt) as usize;
            gray.pixels[row * gray.width + column]
        };
        assert_eq!((at(110.0, 705.0), at(95.0, 695.0)), (0, 255));
    }
}
