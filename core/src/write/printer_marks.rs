//! Printer's marks outside the trim: crop marks at every cut line, registration targets, booklet
//! fold marks and a slug line. Drawn in black with thin lines, so that any printer shows them.

use crate::geometry::{fmt_num, mm};
use crate::plan::geometry::{Grid, PrinterMarks};

/// Distance from the trim to the start of a crop or fold mark, beyond any bleed.
const MARK_OFFSET_MM: f64 = 3.0;
const MARK_LENGTH_MM: f64 = 5.0;
const TARGET_RADIUS_MM: f64 = 2.0;
/// The slug line's font resource name and size.
pub const SLUG_FONT: &str = "SlugF";
const SLUG_SIZE_PT: f64 = 6.0;

/// Whether the press sheets carry marks that are the same on every side (crop, fold and
/// registration marks): drawn once into a form that every side shows ([`draw_fixed`]).
pub fn has_fixed(marks: &PrinterMarks, fold_x: Option<f64>) -> bool {
    marks.crop || marks.registration || (marks.fold && fold_x.is_some())
}

/// Appends the marks that are the same on every side of every press sheet of the job: crop
/// marks at every cut line, fold marks at `fold_x` (a booklet's spine) and registration targets.
pub fn draw_fixed(grid: &Grid, marks: &PrinterMarks, bleed_mm: f64, fold_x: Option<f64>, out: &mut Vec<u8>) {
    let offset = mm(MARK_OFFSET_MM + bleed_mm);
    let length = mm(MARK_LENGTH_MM);
    let trim = grid.trim;
    out.extend_from_slice(b"q 0 G 0.25 w [] 0 d\n");
    if marks.crop {
        for x in cut_positions(grid.cells.iter().flat_map(|c| [c.x0, c.x1])) {
            line(out, (x, trim.y1 + offset), (x, trim.y1 + offset + length));
            line(out, (x, trim.y0 - offset), (x, trim.y0 - offset - length));
        }
        for y in cut_positions(grid.cells.iter().flat_map(|c| [c.y0, c.y1])) {
            line(out, (trim.x0 - offset, y), (trim.x0 - offset - length, y));
            line(out, (trim.x1 + offset, y), (trim.x1 + offset + length, y));
        }
    }
    if let (true, Some(x)) = (marks.fold, fold_x) {
        out.extend_from_slice(b"[3 2] 0 d\n");
        line(out, (x, trim.y1 + offset), (x, trim.y1 + offset + length));
        line(out, (x, trim.y0 - offset), (x, trim.y0 - offset - length));
        out.extend_from_slice(b"[] 0 d\n");
    }
    if marks.registration {
        let radius = mm(TARGET_RADIUS_MM);
        let centre_x = (trim.x0 + trim.x1) / 2.0;
        let centre_y = (trim.y0 + trim.y1) / 2.0;
        let targets = [
            (centre_x, (trim.y1 + grid.height) / 2.0, grid.height - trim.y1),
            (centre_x, trim.y0 / 2.0, trim.y0),
            (trim.x0 / 2.0, centre_y, trim.x0),
            ((trim.x1 + grid.width) / 2.0, centre_y, grid.width - trim.x1),
        ];
        for (x, y, room) in targets {
            if room >= 2.0 * radius + mm(2.0) {
                target(out, x, y, radius);
            }
        }
    }
    out.extend_from_slice(b"Q\n");
}

/// Appends the slug line of one side (its text names the job and the press sheet).
pub fn draw_slug(grid: &Grid, marks: &PrinterMarks, bleed_mm: f64, slug: Option<&str>, out: &mut Vec<u8>) {
    let offset = mm(MARK_OFFSET_MM + bleed_mm);
    let length = mm(MARK_LENGTH_MM);
    let trim = grid.trim;
    // The slug goes below the crop marks, or as low as the margin allows; never into the trim.
    let y = (trim.y0 - offset - length - SLUG_SIZE_PT - mm(1.0)).max(mm(1.5));
    if let (true, Some(text), true) = (marks.slug, slug, y + SLUG_SIZE_PT < trim.y0) {
        out.extend_from_slice(format!("q BT /{SLUG_FONT} ").as_bytes());
        fmt_num(SLUG_SIZE_PT, out);
        out.extend_from_slice(b" Tf ");
        fmt_num(trim.x0, out);
        out.push(b' ');
        fmt_num(y, out);
        out.extend_from_slice(b" Td (");
        let printable = text.bytes().filter(|b| b.is_ascii() && !b.is_ascii_control());
        super::syntax::push_literal_contents(printable, out);
        out.extend_from_slice(b") Tj ET Q\n");
    }
}

/// Whether the slug line is drawn, so the page needs its font.
pub fn needs_font(marks: &PrinterMarks) -> bool {
    marks.slug
}

/// Distinct cut positions, in order.
fn cut_positions(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v.dedup_by(|a, b| (*a - *b).abs() < 0.01);
    v
}

fn line(out: &mut Vec<u8>, from: (f64, f64), to: (f64, f64)) {
    for v in [from.0, from.1] {
        fmt_num(v, out);
        out.push(b' ');
    }
    out.extend_from_slice(b"m ");
    for v in [to.0, to.1] {
        fmt_num(v, out);
        out.push(b' ');
    }
    out.extend_from_slice(b"l S\n");
}

/// A registration target: a circle with a cross through it.
fn target(out: &mut Vec<u8>, x: f64, y: f64, r: f64) {
    // Four Bezier quarter-circles (k = 0.5523).
    let k = 0.5523 * r;
    let points = [
        [(x + r, y + k), (x + k, y + r), (x, y + r)],
        [(x - k, y + r), (x - r, y + k), (x - r, y)],
        [(x - r, y - k), (x - k, y - r), (x, y - r)],
        [(x + k, y - r), (x + r, y - k), (x + r, y)],
    ];
    fmt_num(x + r, out);
    out.push(b' ');
    fmt_num(y, out);
    out.extend_from_slice(b" m ");
    for curve in points {
        for (px, py) in curve {
            fmt_num(px, out);
            out.push(b' ');
            fmt_num(py, out);
            out.push(b' ');
        }
        out.extend_from_slice(b"c ");
    }
    out.extend_from_slice(b"S\n");
    let arm = r * 1.6;
    line(out, (x - arm, y), (x + arm, y));
    line(out, (x, y - arm), (x, y + arm));
}
