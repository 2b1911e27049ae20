//! The overlay: shapes in a page's coordinates (points from its lower-left corner), drawn onto
//! the page's raster so that an operator sees at a glance what goes where.
//!
//! [`page_shapes`] takes them from the manifest: each sheet's leaf (its trim box, with its item
//! id), its mark's clear zone, and on N-up press sheets the grid's cells and cut lines.

use super::raster::{Raster, Rgb, BLACK, GLYPH};
use crate::geometry::Rect;
use crate::manifest::Manifest;

/// What a shape shows; each kind has its own colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    /// A leaf: the part of the press sheet that becomes one sheet of an item.
    Leaf,
    /// A cell of the press sheet (N-up).
    Cell,
    /// Where the finished leaf is trimmed.
    Trim,
    /// Where the guillotine cuts the press sheet.
    Cut,
    /// The mark's symbol with its quiet zone, which must stay clear.
    MarkZone,
}

impl ShapeKind {
    pub fn colour(self) -> Rgb {
        match self {
            ShapeKind::Leaf => [0, 90, 255],
            ShapeKind::Cell => [0, 160, 60],
            ShapeKind::Trim => [255, 140, 0],
            ShapeKind::Cut => [200, 0, 200],
            ShapeKind::MarkZone => [230, 0, 0],
        }
    }
}

/// A rectangle to outline, in points from the page's lower-left corner, with an optional label
/// written inside its top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub kind: ShapeKind,
    pub rect: Rect,
    pub label: Option<String>,
}

/// Background of labels.
const LABEL_BACKGROUND: Rgb = [255, 236, 100];

/// How points map to a raster's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelMap {
    /// Pixels per point, across and down.
    pub scale_x: f64,
    pub scale_y: f64,
    /// The page's height in points (PDF y runs up, raster rows down).
    pub page_height: f64,
}

impl PixelMap {
    /// The map of a raster showing a whole page of `page_size` points.
    pub fn new(raster: &Raster, page_size: (f64, f64)) -> PixelMap {
        PixelMap {
            scale_x: raster.width as f64 / page_size.0,
            scale_y: raster.height as f64 / page_size.1,
            page_height: page_size.1,
        }
    }

    /// The pixel column of the page's x coordinate `x` (the edge between pixels `x - 1` and x).
    pub fn column(&self, x: f64) -> i64 {
        (x * self.scale_x).round() as i64
    }

    /// The pixel row of the page's y coordinate `y`.
    pub fn row(&self, y: f64) -> i64 {
        ((self.page_height - y) * self.scale_y).round() as i64
    }

    /// The first and last pixel column and row inside `rect`.
    pub fn pixels(&self, rect: &Rect) -> (i64, i64, i64, i64) {
        (self.column(rect.x0), self.row(rect.y1), self.column(rect.x1) - 1, self.row(rect.y0) - 1)
    }
}

/// Draws `shapes` (points) on `raster`, which shows a page of `page_size` points.
pub fn draw(raster: &mut Raster, page_size: (f64, f64), shapes: &[Shape]) {
    let map = PixelMap::new(raster, page_size);
    let thickness = map.scale_x.round().max(1.0) as i64;
    let text_scale = (map.scale_x * 1.5).round().max(1.0) as usize;
    for shape in shapes {
        let (x0, y0, x1, y1) = map.pixels(&shape.rect);
        // A rectangle without width or height (a cut line) is drawn as a line.
        raster.outline(x0, y0, x1.max(x0), y1.max(y0), thickness, shape.kind.colour());
    }
    for shape in shapes {
        if let Some(label) = &shape.label {
            let (x0, y0, x1, _) = map.pixels(&shape.rect);
            let inset = 2 * thickness + text_scale as i64;
            // As much of the label as fits inside the shape (small thumbnails show its start).
            let room = (x1 - x0 + 1 - 2 * inset).max(0) as usize / (GLYPH * text_scale);
            let shown: String = label.chars().take(room).collect();
            if !shown.is_empty() {
                raster.label(x0 + inset, y0 + inset, &shown, text_scale, BLACK, LABEL_BACKGROUND);
            }
        }
    }
}

/// The shapes the manifest describes on page `page` (1-based) of output `output`, a page of
/// `page_size` points: every leaf on it (its trim box) with its item id and sheet number, on
/// fronts the mark's clear zone, and on N-up press sheets every cell and the guillotine's cut
/// lines across the whole sheet.
pub fn page_shapes(manifest: &Manifest, output: usize, page: usize, page_size: (f64, f64)) -> Vec<Shape> {
    let whole_page = Rect { x0: 0.0, y0: 0.0, x1: page_size.0, y1: page_size.1 };
    let rect = |[x, y, w, h]: [f64; 4]| Rect { x0: x, y0: y, x1: x + w, y1: y + h };
    let grid = manifest.grid.as_ref().filter(|_| is_nup(manifest));
    let mut shapes = Vec::new();
    let mut on_page = false;
    for sheet in manifest.sheets.iter().filter(|s| s.output == output) {
        let leaf = if sheet.front_page == page {
            Some(("front", rect(sheet.mark.leaf)))
        } else if sheet.back_page == Some(page) {
            let back_cell = sheet.pages.iter().find(|p| p.side == crate::plan::Side::Back).map(|p| p.cell);
            let cell = grid.zip(back_cell).and_then(|(grid, cell)| grid.cells.get(cell).copied());
            Some(("back", cell.map_or(whole_page, rect)))
        } else {
            None
        };
        let Some((side, leaf)) = leaf else { continue };
        on_page = true;
        let label = format!("{} {}/{} {side} #{}", sheet.item_id, sheet.sheet, sheet.of, sheet.seq);
        shapes.push(Shape { kind: ShapeKind::Leaf, rect: leaf, label: Some(label) });
        if side == "front" {
            shapes.push(Shape { kind: ShapeKind::MarkZone, rect: rect(sheet.mark.zone), label: None });
        }
    }
    if let Some(grid) = grid.filter(|_| on_page) {
        // Cells first, so that cut lines and leaves are drawn over their edges.
        let cells = grid.cells.iter().map(|&c| Shape { kind: ShapeKind::Cell, rect: rect(c), label: None });
        let mut cuts: Vec<Shape> = Vec::new();
        let line = |rect: Rect| Shape { kind: ShapeKind::Cut, rect, label: None };
        for &[x, y, w, h] in &grid.cells {
            for x in [x, x + w] {
                let cut = line(Rect { x0: x, y0: 0.0, x1: x, y1: page_size.1 });
                if !cuts.contains(&cut) {
                    cuts.push(cut);
                }
            }
            for y in [y, y + h] {
                let cut = line(Rect { x0: 0.0, y0: y, x1: page_size.0, y1: y });
                if !cuts.contains(&cut) {
                    cuts.push(cut);
                }
            }
        }
        shapes.splice(0..0, cells.chain(cuts));
    }
    shapes
}

/// Whether the job's layout is N-up (cut after printing), as its manifest records it.
fn is_nup(manifest: &Manifest) -> bool {
    manifest.config.pointer("/layout/layout/kind").and_then(|k| k.as_str()) == Some("nup")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::raster::WHITE;

    #[test]
    fn shapes_are_drawn_at_their_page_coordinates() {
        // A 200 x 100 pt page at 2 pixels a point.
        let mut raster = Raster::new(400, 200, WHITE);
        let zone = Rect { x0: 10.0, y0: 20.0, x1: 40.0, y1: 50.0 };
        draw(&mut raster, (200.0, 100.0), &[Shape { kind: ShapeKind::MarkZone, rect: zone, label: None }]);
        let red = ShapeKind::MarkZone.colour();
        // Left edge at x = 10 pt -> column 20; top edge y = 50 pt -> row (100 - 50) * 2 = 100.
        assert_eq!(raster.get(20, 110), Some(red));
        assert_eq!(raster.get(21, 110), Some(red));
        assert_eq!(raster.get(19, 110), Some(WHITE));
        assert_eq!(raster.get(22, 110), Some(WHITE));
        assert_eq!(raster.get(40, 100), Some(red));
        assert_eq!(raster.get(40, 99), Some(WHITE));
        // Right edge x = 40 pt -> last column 79; bottom y = 20 pt -> last row 159.
        assert_eq!(raster.get(79, 130), Some(red));
        assert_eq!(raster.get(80, 130), Some(WHITE));
        assert_eq!(raster.get(50, 159), Some(red));
        assert_eq!(raster.get(50, 160), Some(WHITE));
    }
}
