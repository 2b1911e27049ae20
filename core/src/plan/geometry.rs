//! Where cells and pages go on a press sheet, in points: the sheet size, the grid of cells,
//! and how a page of a given size is scaled, turned and centred in its cell.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::spec::{Layout, LayoutSpec};
use crate::geometry::{mm, Rect, PT_PER_MM};

/// The press sheet size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SheetSize {
    /// 1-up: the page's own size. N-up: SRA3. Booklet: two cells side by side plus margins.
    #[default]
    Auto,
    /// A named or given size in millimetres (either orientation is used, whichever fits).
    Fixed { width_mm: f64, height_mm: f64 },
}

impl FromStr for SheetSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let fixed = |width_mm, height_mm| Ok(SheetSize::Fixed { width_mm, height_mm });
        match text.to_ascii_lowercase().as_str() {
            "auto" => Ok(SheetSize::Auto),
            "a4" => fixed(210.0, 297.0),
            "a3" => fixed(297.0, 420.0),
            "sra3" => fixed(320.0, 450.0),
            "letter" => fixed(215.9, 279.4),
            "tabloid" => fixed(279.4, 431.8),
            other => {
                let dims = other.strip_suffix("mm").ok_or_else(|| sheet_help(text))?;
                let (w, h) = dims.split_once('x').ok_or_else(|| sheet_help(text))?;
                match (w.parse::<f64>(), h.parse::<f64>()) {
                    (Ok(w), Ok(h)) if (10.0..=5000.0).contains(&w) && (10.0..=5000.0).contains(&h) => {
                        fixed(w, h)
                    }
                    _ => Err(sheet_help(text)),
                }
            }
        }
    }
}

fn sheet_help(text: &str) -> String {
    format!("unknown sheet '{text}': use A3, SRA3, A4, letter, tabloid or WxHmm (e.g. 330x488mm)")
}

/// How a page is scaled into its cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scaling {
    /// Actual size; a larger page is clipped at the cell (plus bleed).
    None,
    /// Scaled up or down to fit the cell.
    Fit,
    /// Scaled down to fit when larger than the cell, otherwise actual size.
    #[default]
    Shrink,
}

impl FromStr for Scaling {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "none" => Ok(Scaling::None),
            "fit" => Ok(Scaling::Fit),
            "shrink" => Ok(Scaling::Shrink),
            other => Err(format!("unknown scaling '{other}': use none, fit or shrink")),
        }
    }
}

/// Printer's marks drawn outside the trim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PrinterMarks {
    pub crop: bool,
    pub registration: bool,
    pub fold: bool,
    pub slug: bool,
}

impl FromStr for PrinterMarks {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let mut marks = PrinterMarks::default();
        if text == "none" {
            return Ok(marks);
        }
        for word in text.split(',') {
            match word.trim() {
                "crop" => marks.crop = true,
                "registration" => marks.registration = true,
                "fold" => marks.fold = true,
                "slug" => marks.slug = true,
                "all" => marks = PrinterMarks { crop: true, registration: true, fold: true, slug: true },
                other => {
                    return Err(format!(
                        "unknown printer's mark '{other}': use crop, registration, fold, slug, all or none"
                    ))
                }
            }
        }
        Ok(marks)
    }
}

/// The cell and sheet options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SheetSpec {
    pub sheet: SheetSize,
    /// The cell (leaf trim) size in millimetres; the largest placed page when `None`.
    pub cell_mm: Option<(f64, f64)>,
    /// Smallest white margin between the grid and the sheet edge, in millimetres.
    pub margin_mm: f64,
    /// Space between cells, in millimetres (booklets have none: pages meet at the spine).
    pub gutter_mm: f64,
    /// How far page content may extend beyond the cell, in millimetres.
    pub bleed_mm: f64,
    pub scaling: Scaling,
    /// Turn pages whose orientation does not match the cell's by a quarter turn.
    pub auto_rotate: bool,
    pub printer_marks: PrinterMarks,
}

impl Default for SheetSpec {
    fn default() -> Self {
        SheetSpec {
            sheet: SheetSize::Auto,
            cell_mm: None,
            margin_mm: 10.0,
            gutter_mm: 0.0,
            bleed_mm: 0.0,
            scaling: Scaling::Shrink,
            auto_rotate: true,
            printer_marks: PrinterMarks::default(),
        }
    }
}

/// Why the grid cannot be laid out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct GeometryError(pub String);

/// A press sheet and its cells, in points (origin at the sheet's lower-left corner).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grid {
    pub width: f64,
    pub height: f64,
    /// By cell number: row by row from the top left.
    pub cells: Vec<Rect>,
    pub columns: usize,
    pub rows: usize,
    /// The rectangle all cells cover.
    pub trim: Rect,
}

impl SheetSpec {
    pub fn validate(&self) -> Result<(), GeometryError> {
        let bad = |m: &str| Err(GeometryError(m.to_string()));
        if !(0.0..=200.0).contains(&self.margin_mm) {
            return bad("--margin must be between 0 and 200 mm");
        }
        if !(0.0..=200.0).contains(&self.gutter_mm) {
            return bad("--gutter must be between 0 and 200 mm");
        }
        if !(0.0..=20.0).contains(&self.bleed_mm) {
            return bad("--bleed must be between 0 and 20 mm");
        }
        if let Some((w, h)) = self.cell_mm {
            if !(10.0..=5000.0).contains(&w) || !(10.0..=5000.0).contains(&h) {
                return bad("--cell must be between 10 and 5000 mm a side");
            }
        }
        Ok(())
    }

    /// The grid for `layout` with cells of `cell` points, or `None` for 1-up on the page's own
    /// size (each press sheet is then as large as its page).
    pub fn grid(&self, layout: &LayoutSpec, cell: (f64, f64)) -> Result<Option<Grid>, GeometryError> {
        let (columns, rows) = layout.cells();
        let gutter = if layout.layout == Layout::Booklet { 0.0 } else { mm(self.gutter_mm) };
        let grid_w = columns as f64 * cell.0 + (columns - 1) as f64 * gutter;
        let grid_h = rows as f64 * cell.1 + (rows - 1) as f64 * gutter;
        let margin = mm(self.margin_mm);
        let (width, height) = match (self.sheet, layout.layout) {
            (SheetSize::Auto, Layout::OneUp) => return Ok(None),
            (SheetSize::Auto, Layout::Booklet) => (grid_w + 2.0 * margin, grid_h + 2.0 * margin),
            (SheetSize::Auto, Layout::NUp { .. }) => orient(mm(320.0), mm(450.0), grid_w, grid_h, margin)?,
            (SheetSize::Fixed { width_mm, height_mm }, _) => {
                orient(mm(width_mm), mm(height_mm), grid_w, grid_h, margin)?
            }
        };
        let x0 = (width - grid_w) / 2.0;
        let top = (height + grid_h) / 2.0;
        let cells = (0..rows * columns)
            .map(|n| {
                let (r, c) = (n / columns, n % columns);
                let x = x0 + c as f64 * (cell.0 + gutter);
                let y1 = top - r as f64 * (cell.1 + gutter);
                Rect { x0: x, y0: y1 - cell.1, x1: x + cell.0, y1 }
            })
            .collect();
        let trim = Rect { x0, y0: top - grid_h, x1: x0 + grid_w, y1: top };
        Ok(Some(Grid { width, height, cells, columns, rows, trim }))
    }
}

/// Picks the orientation of a `w` x `h` sheet in which the grid fits with its margins, landscape
/// first for a wide grid.
fn orient(w: f64, h: f64, grid_w: f64, grid_h: f64, margin: f64) -> Result<(f64, f64), GeometryError> {
    let (long, short) = (w.max(h), w.min(h));
    let orientations =
        if grid_w >= grid_h { [(long, short), (short, long)] } else { [(short, long), (long, short)] };
    let fits =
        |(sw, sh): (f64, f64)| grid_w + 2.0 * margin <= sw + 1e-6 && grid_h + 2.0 * margin <= sh + 1e-6;
    orientations.into_iter().find(|&o| fits(o)).ok_or_else(|| {
        let to_mm = |v: f64| v / PT_PER_MM;
        GeometryError(format!(
            "the cells need {:.0} x {:.0} mm with margins, but the sheet is {:.0} x {:.0} mm: choose a larger --sheet, a smaller --cell, fewer cells or smaller --margin/--gutter",
            to_mm(grid_w + 2.0 * margin),
            to_mm(grid_h + 2.0 * margin),
            to_mm(short),
            to_mm(long)
        ))
    })
}

/// How a page sits in its cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PagePlacement {
    pub scale: f64,
    /// An extra quarter turn clockwise (auto-rotation).
    pub quarter_turn: bool,
    /// The lower-left corner of the placed page, in sheet points.
    pub x: f64,
    pub y: f64,
    /// The placed page's size in sheet points.
    pub width: f64,
    pub height: f64,
}

/// Places a page of displayed size `page` (points) in `cell`, centred, moved `shift` points
/// along x (creep).
pub fn place(
    cell: &Rect,
    page: (f64, f64),
    scaling: Scaling,
    auto_rotate: bool,
    shift: f64,
) -> PagePlacement {
    let cell_landscape = cell.width() > cell.height();
    let page_landscape = page.0 > page.1;
    let quarter_turn =
        auto_rotate && page.0 != page.1 && cell.width() != cell.height() && cell_landscape != page_landscape;
    let (pw, ph) = if quarter_turn { (page.1, page.0) } else { page };
    let fit = (cell.width() / pw).min(cell.height() / ph);
    let scale = match scaling {
        Scaling::None => 1.0,
        Scaling::Fit => fit,
        Scaling::Shrink => fit.min(1.0),
    };
    let (width, height) = (pw * scale, ph * scale);
    PagePlacement {
        scale,
        quarter_turn,
        x: cell.x0 + (cell.width() - width) / 2.0 + shift,
        y: cell.y0 + (cell.height() - height) / 2.0,
        width,
        height,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A4: (f64, f64) = (595.2756, 841.8898);

    fn nup(columns: usize, rows: usize) -> LayoutSpec {
        LayoutSpec { layout: Layout::NUp { columns, rows }, ..LayoutSpec::default() }
    }

    #[test]
    fn two_a4_cells_fit_sra3_landscape_centred() {
        let spec = SheetSpec { sheet: "SRA3".parse().unwrap(), ..SheetSpec::default() };
        let grid = spec.grid(&nup(2, 1), A4).unwrap().unwrap();
        assert!(grid.width > grid.height, "landscape");
        assert!((grid.width - mm(450.0)).abs() < 1e-6);
        let (a, b) = (grid.cells[0], grid.cells[1]);
        assert!((a.x1 - b.x0).abs() < 1e-6, "no gutter: cells touch");
        assert!(((a.x0 - 0.0) - (grid.width - b.x1)).abs() < 1e-6, "centred");
        assert!((a.height() - A4.1).abs() < 1e-6);
    }

    #[test]
    fn a_grid_that_does_not_fit_is_refused_with_the_sizes() {
        let spec = SheetSpec { sheet: "A4".parse().unwrap(), ..SheetSpec::default() };
        let err = spec.grid(&nup(2, 2), A4).unwrap_err().to_string();
        assert!(err.contains("sheet is 210 x 297 mm"), "{err}");
    }

    #[test]
    fn cells_are_numbered_from_the_top_left_row_by_row() {
        let spec = SheetSpec { sheet: "A3".parse().unwrap(), margin_mm: 0.0, ..SheetSpec::default() };
        let grid = spec.grid(&nup(2, 2), (mm(140.0), mm(200.0))).unwrap().unwrap();
        assert!(grid.cells[0].y0 > grid.cells[2].y0 && grid.cells[0].x0 < grid.cells[1].x0);
    }

    #[test]
    fn pages_are_scaled_turned_and_centred() {
        let cell = Rect { x0: 0.0, y0: 0.0, x1: 100.0, y1: 200.0 };
        let p = place(&cell, (300.0, 100.0), Scaling::Shrink, true, 0.0);
        assert!(p.quarter_turn);
        assert!((p.scale - 2.0 / 3.0).abs() < 1e-9);
        assert!((p.x - (100.0 - p.width) / 2.0).abs() < 1e-9);
        let p = place(&cell, (50.0, 100.0), Scaling::Shrink, true, 5.0);
        assert_eq!((p.scale, p.x, p.y), (1.0, 30.0, 50.0));
        let p = place(&cell, (50.0, 100.0), Scaling::Fit, true, 0.0);
        assert_eq!(p.scale, 2.0);
        let p = place(&cell, (300.0, 100.0), Scaling::None, false, 0.0);
        assert!(!p.quarter_turn && p.scale == 1.0);
    }

    #[test]
    fn option_words_parse() {
        assert_eq!(
            "330x488mm".parse::<SheetSize>().unwrap(),
            SheetSize::Fixed { width_mm: 330.0, height_mm: 488.0 }
        );
        assert!("huge".parse::<SheetSize>().is_err());
        assert_eq!(
            "crop,slug".parse::<PrinterMarks>().unwrap(),
            PrinterMarks { crop: true, slug: true, ..Default::default() }
        );
        assert!("bleed".parse::<PrinterMarks>().is_err());
    }
}
