//! Drawing a symbol as vector rectangles in a content stream.

use crate::geometry::{fmt_num, Rect};
use crate::mark::symbol::Symbol;

/// Appends content-stream operators that paint the quiet zone white and the dark modules black,
/// each row's runs of dark modules merged into one rectangle. `origin` is the lower-left corner
/// of the symbol (not of the quiet zone), in points.
pub fn draw_symbol(symbol: &Symbol, origin: (f64, f64), module: f64, quiet: f64, out: &mut Vec<u8>) {
    let zone = symbol_zone(symbol, origin, module, quiet);
    out.extend_from_slice(b"q 1 g ");
    push_rect(&zone, out);
    out.extend_from_slice(b"f 0 g\n");
    for row in 0..symbol.rows {
        let y = origin.1 + (symbol.rows - 1 - row) as f64 * module;
        let mut column = 0;
        while column < symbol.columns {
            if !symbol.is_dark(column, row) {
                column += 1;
                continue;
            }
            let start = column;
            while column < symbol.columns && symbol.is_dark(column, row) {
                column += 1;
            }
            let x = origin.0 + start as f64 * module;
            push_rect(&Rect { x0: x, y0: y, x1: x + (column - start) as f64 * module, y1: y + module }, out);
        }
    }
    out.extend_from_slice(b"f Q\n");
}

/// The area the symbol and its quiet zone cover.
pub fn symbol_zone(symbol: &Symbol, origin: (f64, f64), module: f64, quiet: f64) -> Rect {
    Rect {
        x0: origin.0 - quiet,
        y0: origin.1 - quiet,
        x1: origin.0 + symbol.columns as f64 * module + quiet,
        y1: origin.1 + symbol.rows as f64 * module + quiet,
    }
}

fn push_rect(rect: &Rect, out: &mut Vec<u8>) {
    for value in [rect.x0, rect.y0, rect.width(), rect.height()] {
        fmt_num(value, out);
        out.push(b' ');
    }
    out.extend_from_slice(b"re ");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_merged_into_one_rectangle_each() {
        let symbol =
            Symbol { columns: 4, rows: 2, dark: vec![true, true, false, true, false, false, false, false] };
        let mut out = Vec::new();
        draw_symbol(&symbol, (10.0, 20.0), 1.0, 2.0, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "q 1 g 8 18 8 6 re f 0 g\n10 21 2 1 re 13 21 1 1 re f Q\n");
    }
}
