//! An 8-bit RGB image with the drawing operations the overlay and contact sheets need.

/// An RGB colour.
pub type Rgb = [u8; 3];

pub const WHITE: Rgb = [255, 255, 255];
pub const BLACK: Rgb = [0, 0, 0];

/// Pixels in rows from the top, three bytes each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Size of a glyph of the built-in 8 x 8 bitmap font for labels, in font pixels.
pub const GLYPH: usize = 8;

impl Raster {
    /// A raster filled with `colour`.
    pub fn new(width: usize, height: usize, colour: Rgb) -> Raster {
        let mut pixels = Vec::with_capacity(width * height * 3);
        for _ in 0..width * height {
            pixels.extend_from_slice(&colour);
        }
        Raster { width, height, pixels }
    }

    /// The colour at (x, y); `None` outside.
    pub fn get(&self, x: usize, y: usize) -> Option<Rgb> {
        (x < self.width && y < self.height).then(|| {
            let at = (y * self.width + x) * 3;
            [self.pixels[at], self.pixels[at + 1], self.pixels[at + 2]]
        })
    }

    /// Sets (x, y) if it is inside.
    pub fn set(&mut self, x: i64, y: i64, colour: Rgb) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            let at = (y as usize * self.width + x as usize) * 3;
            self.pixels[at..at + 3].copy_from_slice(&colour);
        }
    }

    /// Fills the rectangle with corners (x0, y0) and (x1, y1), both included, clipped.
    pub fn fill(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, colour: Rgb) {
        let (x0, x1) = (x0.max(0), x1.min(self.width as i64 - 1));
        let (y0, y1) = (y0.max(0), y1.min(self.height as i64 - 1));
        for y in y0..=y1 {
            for x in x0..=x1 {
                self.set(x, y, colour);
            }
        }
    }

    /// The outline of a rectangle (corners included), `thickness` pixels wide inwards.
    pub fn outline(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, thickness: i64, colour: Rgb) {
        let t = thickness.max(1) - 1;
        self.fill(x0, y0, x1, y0 + t, colour);
        self.fill(x0, y1 - t, x1, y1, colour);
        self.fill(x0, y0, x0 + t, y1, colour);
        self.fill(x1 - t, y0, x1, y1, colour);
    }

    /// Writes `text` with the built-in 8 x 8 font, `scale` pixels a font pixel, its top-left
    /// corner at (x, y), on a `background` box. Characters outside ASCII show as '?'.
    pub fn label(&mut self, x: i64, y: i64, text: &str, scale: usize, ink: Rgb, background: Rgb) {
        let scale = scale.max(1) as i64;
        let width = text.chars().count() as i64 * GLYPH as i64 * scale;
        self.fill(
            x - scale,
            y - scale,
            x + width + scale - 1,
            y + GLYPH as i64 * scale + scale - 1,
            background,
        );
        for (n, c) in text.chars().enumerate() {
            let glyph = font8x8::legacy::BASIC_LEGACY[if c.is_ascii() { c as usize } else { '?' as usize }];
            let left = x + n as i64 * GLYPH as i64 * scale;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..GLYPH {
                    if bits >> col & 1 == 1 {
                        let (px, py) = (left + col as i64 * scale, y + row as i64 * scale);
                        self.fill(px, py, px + scale - 1, py + scale - 1, ink);
                    }
                }
            }
        }
    }

    /// Copies `other` with its top-left corner at (x, y), clipped.
    pub fn blit(&mut self, other: &Raster, x: usize, y: usize) {
        for row in 0..other.height.min(self.height.saturating_sub(y)) {
            let columns = other.width.min(self.width.saturating_sub(x));
            let from = row * other.width * 3;
            let to = ((y + row) * self.width + x) * 3;
            self.pixels[to..to + columns * 3].copy_from_slice(&other.pixels[from..from + columns * 3]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlines_and_labels_land_where_asked() {
        let mut r = Raster::new(40, 30, WHITE);
        r.outline(2, 3, 20, 25, 2, BLACK);
        assert_eq!(r.get(2, 10), Some(BLACK));
        assert_eq!(r.get(3, 10), Some(BLACK));
        assert_eq!(r.get(4, 10), Some(WHITE));
        assert_eq!(r.get(20, 25), Some(BLACK));
        assert_eq!(r.get(21, 25), Some(WHITE));
        assert_eq!(r.get(40, 0), None);
        r.fill(-5, -5, 100, 1, [1, 2, 3]); // clipped, no panic
        assert_eq!(r.get(39, 1), Some([1, 2, 3]));

        let mut r = Raster::new(20, 12, WHITE);
        r.label(2, 2, "I", 1, BLACK, [9, 9, 9]);
        let inked = (0..20)
            .flat_map(|x| (0..12).map(move |y| (x, y)))
            .filter(|&(x, y)| r.get(x, y) == Some(BLACK))
            .count();
        assert!(inked > 5, "{inked}");
        assert_eq!(r.get(1, 1), Some([9, 9, 9]));
    }

    #[test]
    fn blit_clips_at_the_edges() {
        let mut big = Raster::new(10, 10, WHITE);
        let small = Raster::new(4, 4, BLACK);
        big.blit(&small, 8, 8);
        assert_eq!(big.get(9, 9), Some(BLACK));
        assert_eq!(big.get(7, 9), Some(WHITE));
    }
}
