//! Drawing a mark as content-stream operators: vector rectangles in the mark's own frame (one
//! unit a module, or a point for OMR), placed by one `cm` matrix.

use crate::geometry::{fmt_num, Matrix, Rect};
use crate::mark::layout::Placement;
use crate::mark::symbol::Modules;

/// The page resource name of the human-readable line's font (Courier, a standard font).
pub const TEXT_FONT_RESOURCE: &str = "SSMarkText";

/// Appends the dark modules of `symbol` as rectangles, each row's runs of dark modules merged
/// into one, in module units with the symbol's lower-left corner at the origin. No fill operator.
pub fn symbol_runs(symbol: &impl Modules, out: &mut Vec<u8>) {
    let (columns, rows) = (symbol.columns(), symbol.rows());
    // A row's lines, written here and appended at once: at most one run every other module, each
    // `x y w 1 re` with numbers below 256.
    let mut line = [0u8; 72 * 17 + 17];
    for row in 0..rows {
        let y = rows - 1 - row;
        let mut len = 0;
        let mut emit = |start: usize, end: usize| {
            for value in [start, y, end - start] {
                // Whole modules: integers, written without going through floating point.
                let (text, digits) = SMALL_INTS[value];
                line[len..len + 4].copy_from_slice(&text);
                len += usize::from(digits);
            }
            line[len..len + 5].copy_from_slice(b"1 re\n");
            len += 5;
        };
        match symbol.row_mask(row) {
            // Runs found by counting zeros in the row's bit mask.
            Some(mut mask) if columns < 128 => {
                let mut offset = 0;
                while mask != 0 {
                    let start = mask.trailing_zeros() as usize;
                    let length = (!(mask >> start)).trailing_zeros() as usize;
                    emit(offset + start, offset + start + length);
                    // A run can end at bit 127 only when the row is that wide: shift in two steps.
                    mask = mask >> start >> length;
                    offset += start + length;
                }
            }
            _ => {
                let mut column = 0;
                while column < columns {
                    if !symbol.is_dark(column, row) {
                        column += 1;
                        continue;
                    }
                    let start = column;
                    while column < columns && symbol.is_dark(column, row) {
                        column += 1;
                    }
                    emit(start, column);
                }
            }
        }
        out.extend_from_slice(&line[..len]);
    }
}

/// `0 ` to `255 `: the decimal text and its length.
const SMALL_INTS: [([u8; 4], u8); 256] = {
    let mut table = [([0u8; 4], 0u8); 256];
    let mut value = 0;
    while value < 256 {
        let (hundreds, tens, ones) = (value / 100, value / 10 % 10, value % 10);
        let digits = [b'0' + hundreds as u8, b'0' + tens as u8, b'0' + ones as u8, b' '];
        let skip = if value >= 100 {
            0
        } else if value >= 10 {
            1
        } else {
            2
        };
        let mut text = [0u8; 4];
        let mut i = skip;
        while i < 4 {
            text[i - skip] = digits[i];
            i += 1;
        }
        table[value] = (text, (4 - skip) as u8);
        value += 1;
    }
    table
};

/// Appends one bar per `1` of `tracks`, top track first, as rectangles in points with the
/// ladder's lower-left corner at the origin. No fill operator.
pub fn omr_bars(tracks: &[bool], pitch: f64, length: f64, thickness: f64, out: &mut Vec<u8>) {
    let top = ladder_height(tracks.len(), pitch, thickness);
    for (i, _) in tracks.iter().enumerate().filter(|(_, on)| **on) {
        let y1 = top - i as f64 * pitch;
        push_rect(&Rect { x0: 0.0, y0: y1 - thickness, x1: length, y1 }, out);
    }
}

/// The height of a ladder of `tracks` bars.
pub fn ladder_height(tracks: usize, pitch: f64, thickness: f64) -> f64 {
    tracks.saturating_sub(1) as f64 * pitch + thickness
}

/// Wraps `body` (rectangles in the mark's frame) into a complete, self-contained mark: the
/// placement matrix, an optional white zone, the black body and the optional text line.
pub fn compose(placement: &Placement, whiteout: bool, body: &[u8], text: Option<&str>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"q ");
    push_matrix(&placement.matrix, out);
    out.extend_from_slice(b"cm\n");
    if whiteout {
        out.extend_from_slice(b"1 g ");
        push_rect(&placement.local_zone, out);
        out.extend_from_slice(b"f\n");
    }
    out.extend_from_slice(b"0 g\n");
    if !body.is_empty() {
        out.extend_from_slice(body);
        out.extend_from_slice(b"f\n");
    }
    if let (Some(text), Some(((x, y), size))) = (text, placement.text) {
        out.extend_from_slice(format!("BT /{TEXT_FONT_RESOURCE} ").as_bytes());
        fmt_num(size, out);
        out.extend_from_slice(b" Tf ");
        fmt_num(x, out);
        out.push(b' ');
        fmt_num(y, out);
        out.extend_from_slice(b" Td (");
        crate::write::syntax::push_literal_contents(text.bytes(), out);
        out.extend_from_slice(b") Tj ET\n");
    }
    out.extend_from_slice(b"Q\n");
}

fn push_matrix(m: &Matrix, out: &mut Vec<u8>) {
    for value in m {
        fmt_num(*value, out);
        out.push(b' ');
    }
}

fn push_rect(rect: &Rect, out: &mut Vec<u8>) {
    for value in [rect.x0, rect.y0, rect.width(), rect.height()] {
        fmt_num(value, out);
        out.push(b' ');
    }
    out.extend_from_slice(b"re\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mark::symbol::{PackedSymbol, Symbol};

    #[test]
    fn runs_are_merged_into_one_rectangle_each_packed_or_not() {
        let symbol =
            Symbol { columns: 4, rows: 2, dark: vec![true, true, false, true, false, false, false, false] };
        let mut out = Vec::new();
        symbol_runs(&symbol, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "0 1 2 1 re\n3 1 1 1 re\n");
        // A real symbol across several 64-bit words draws the same runs packed.
        let symbol = crate::mark::symbol::encode("DEMO-00004201034", &Default::default()).unwrap();
        assert!(symbol.dark.len() > 128);
        let (mut plain, mut packed) = (Vec::new(), Vec::new());
        symbol_runs(&symbol, &mut plain);
        symbol_runs(&PackedSymbol::pack(&symbol), &mut packed);
        assert_eq!(plain, packed);
    }

    #[test]
    fn a_mark_is_wrapped_in_its_matrix_with_optional_white_zone_and_escaped_text() {
        let placement = Placement {
            matrix: [2.0, 0.0, 0.0, 2.0, 10.0, 20.0],
            local_zone: Rect { x0: -1.0, y0: -4.0, x1: 5.0, y1: 3.0 },
            zone: Rect { x0: 8.0, y0: 12.0, x1: 20.0, y1: 26.0 },
            text: Some(((0.0, -3.0), 1.5)),
        };
        let mut out = Vec::new();
        compose(&placement, true, b"0 0 1 1 re\n", Some("A(1)\\"), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "q 2 0 0 2 10 20 cm\n1 g -1 -4 6 7 re\nf\n0 g\n0 0 1 1 re\nf\nBT /SSMarkText 1.5 Tf 0 -3 Td (A\\(1\\)\\\\) Tj ET\nQ\n"
        );
        let mut plain = Vec::new();
        compose(&placement, false, b"", None, &mut plain);
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            "q 2 0 0 2 10 20 cm\n0 g\nQ\n",
            "no fill without a path"
        );
    }

    #[test]
    fn the_small_integer_table_holds_decimal_text_and_a_space() {
        for (value, (text, len)) in SMALL_INTS.iter().enumerate() {
            assert_eq!(&text[..usize::from(*len)], format!("{value} ").as_bytes());
        }
    }

    #[test]
    fn omr_bars_are_drawn_for_ones_from_the_top() {
        let mut out = Vec::new();
        omr_bars(&[true, false, true], 10.0, 30.0, 2.0, &mut out);
        assert_eq!(ladder_height(3, 10.0, 2.0), 22.0);
        assert_eq!(String::from_utf8(out).unwrap(), "0 20 30 2 re\n0 0 30 2 re\n");
    }
}
