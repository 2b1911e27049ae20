//! Contact sheets: many page thumbnails on one image, in reading order, each with its page
//! number underneath.

use super::raster::{Raster, BLACK, WHITE};

/// Space around and between thumbnails, and the height of a caption, in pixels.
const GAP: usize = 12;
const CAPTION: usize = 14;
const BACKGROUND: [u8; 3] = [228, 228, 228];

/// Lays `thumbnails` (page number, image) out in `columns` columns on one image.
pub fn compose(thumbnails: &[(usize, Raster)], columns: usize) -> Raster {
    let columns = columns.max(1).min(thumbnails.len().max(1));
    let rows = thumbnails.len().div_ceil(columns).max(1);
    let cell_w = thumbnails.iter().map(|(_, t)| t.width).max().unwrap_or(1);
    let cell_h = thumbnails.iter().map(|(_, t)| t.height).max().unwrap_or(1) + CAPTION;
    let mut sheet = Raster::new(GAP + columns * (cell_w + GAP), GAP + rows * (cell_h + GAP), BACKGROUND);
    for (n, (page, thumb)) in thumbnails.iter().enumerate() {
        let (col, row) = (n % columns, n / columns);
        let x = GAP + col * (cell_w + GAP) + (cell_w - thumb.width) / 2;
        let y = GAP + row * (cell_h + GAP);
        sheet.blit(thumb, x, y);
        let caption = page.to_string();
        let text_x = x + thumb.width / 2 - caption.len() * 4;
        sheet.label(text_x as i64, (y + thumb.height + 4) as i64, &caption, 1, BLACK, WHITE);
    }
    sheet
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_are_laid_out_in_rows() {
        let thumbs: Vec<(usize, Raster)> =
            (1..=5).map(|p| (p, Raster::new(30, 40, [p as u8, 0, 0]))).collect();
        let sheet = compose(&thumbs, 2);
        assert_eq!(sheet.width, GAP + 2 * (30 + GAP));
        assert_eq!(sheet.height, GAP + 3 * (40 + CAPTION + GAP));
        // Thumbnail 4 (second column, second row) starts at its cell's corner.
        let (x, y) = (GAP + 30 + GAP, GAP + 40 + CAPTION + GAP);
        assert_eq!(sheet.get(x, y), Some([4, 0, 0]));
        assert_eq!(sheet.get(x - 1, y), Some(BACKGROUND));
    }
}
