//! Units and rectangles shared by every stage. PDF user space is measured in points (1/72 inch).

use serde::{Deserialize, Serialize};

/// Points per millimetre.
pub const PT_PER_MM: f64 = 72.0 / 25.4;

/// Converts millimetres to points.
pub fn mm(value: f64) -> f64 {
    value * PT_PER_MM
}

/// An axis-aligned rectangle in PDF user space, normalised so that `x0 <= x1` and `y0 <= y1`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    /// Builds a rectangle from two corners given in any order.
    pub fn from_corners(a: f64, b: f64, c: f64, d: f64) -> Self {
        Rect { x0: a.min(c), y0: b.min(d), x1: a.max(c), y1: b.max(d) }
    }

    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// The overlap of two rectangles, or `None` when they do not overlap with a positive area.
    pub fn intersect(&self, other: &Rect) -> Option<Rect> {
        let r = Rect {
            x0: self.x0.max(other.x0),
            y0: self.y0.max(other.y0),
            x1: self.x1.min(other.x1),
            y1: self.y1.min(other.y1),
        };
        (r.width() > 0.0 && r.height() > 0.0).then_some(r)
    }

    /// The rectangle grown by `by` on every side.
    pub fn expanded(&self, by: f64) -> Rect {
        Rect { x0: self.x0 - by, y0: self.y0 - by, x1: self.x1 + by, y1: self.y1 + by }
    }

    pub fn is_finite(&self) -> bool {
        [self.x0, self.y0, self.x1, self.y1].iter().all(|v| v.is_finite())
    }
}

/// A page rotation: the page is displayed turned clockwise by this many degrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Rotation {
    #[default]
    R0,
    R90,
    R180,
    R270,
}

impl Rotation {
    /// Normalises any multiple of 90 (negative included) to a rotation; `None` for other values.
    pub fn from_degrees(degrees: i64) -> Option<Self> {
        match degrees.rem_euclid(360) {
            0 => Some(Rotation::R0),
            90 => Some(Rotation::R90),
            180 => Some(Rotation::R180),
            270 => Some(Rotation::R270),
            _ => None,
        }
    }

    pub fn degrees(self) -> u16 {
        match self {
            Rotation::R0 => 0,
            Rotation::R90 => 90,
            Rotation::R180 => 180,
            Rotation::R270 => 270,
        }
    }

    /// This rotation followed by a quarter turn clockwise when `quarter` is set.
    pub fn then_quarter_turn(self, quarter: bool) -> Self {
        if !quarter {
            return self;
        }
        match self {
            Rotation::R0 => Rotation::R90,
            Rotation::R90 => Rotation::R180,
            Rotation::R180 => Rotation::R270,
            Rotation::R270 => Rotation::R0,
        }
    }

    /// Whether the displayed width and height are swapped relative to the box.
    pub fn is_quarter_turn(self) -> bool {
        matches!(self, Rotation::R90 | Rotation::R270)
    }
}

/// A PDF transformation matrix `[a b c d e f]`.
pub type Matrix = [f64; 6];

/// The matrix that places a form whose bounding box is `bbox`, displayed with `rotation` and
/// scaled by `scale`, so that its displayed lower-left corner lands on `(cx, cy)`.
pub fn placement_matrix(bbox: &Rect, rotation: Rotation, scale: f64, cx: f64, cy: f64) -> Matrix {
    let s = scale;
    let Rect { x0, y0, x1, y1 } = *bbox;
    match rotation {
        Rotation::R0 => [s, 0.0, 0.0, s, cx - s * x0, cy - s * y0],
        Rotation::R90 => [0.0, -s, s, 0.0, cx - s * y0, cy + s * x1],
        Rotation::R180 => [-s, 0.0, 0.0, -s, cx + s * x1, cy + s * y1],
        Rotation::R270 => [0.0, s, -s, 0.0, cx + s * y1, cy - s * x0],
    }
}

/// The inverse of an invertible matrix; `None` for a singular or non-finite one.
pub fn invert(m: &Matrix) -> Option<Matrix> {
    let det = m[0] * m[3] - m[1] * m[2];
    if det.abs() < 1e-12 || !det.is_finite() {
        return None;
    }
    let (a, b, c, d) = (m[3] / det, -m[1] / det, -m[2] / det, m[0] / det);
    Some([a, b, c, d, -(m[4] * a + m[5] * c), -(m[4] * b + m[5] * d)])
}

/// Formats a number for a PDF content stream or object: at most four decimals, no exponent,
/// no trailing zeros, so that output bytes are stable and compact. Integer arithmetic only: this
/// runs for every coordinate of every mark.
pub fn fmt_num(value: f64, out: &mut Vec<u8>) {
    let scaled = (value * 10_000.0).round();
    if !scaled.is_finite() || scaled.abs() >= 9.0e18 {
        // Out of any sensible range: let the standard formatter speak.
        out.extend_from_slice(format!("{}", value.round()).as_bytes());
        return;
    }
    let scaled = scaled as i64;
    if scaled < 0 {
        out.push(b'-');
    }
    let magnitude = scaled.unsigned_abs();
    let (whole, mut fraction) = (magnitude / 10_000, magnitude % 10_000);
    let mut digits = [0u8; 20];
    out.extend_from_slice(decimal_digits(whole, &mut digits));
    if fraction != 0 {
        out.push(b'.');
        let mut width = 4;
        while fraction % 10 == 0 {
            fraction /= 10;
            width -= 1;
        }
        let text = decimal_digits(fraction, &mut digits);
        out.extend(std::iter::repeat_n(b'0', width - text.len()));
        out.extend_from_slice(text);
    }
}

/// The decimal digits of `value`, written to the end of `buffer`.
fn decimal_digits(mut value: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    &buffer[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
        (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
    }

    #[test]
    fn rotation_normalises_negative_and_large_values() {
        assert_eq!(Rotation::from_degrees(-90), Some(Rotation::R270));
        assert_eq!(Rotation::from_degrees(450), Some(Rotation::R90));
        assert_eq!(Rotation::from_degrees(45), None);
    }

    #[test]
    fn placement_maps_the_box_onto_the_displayed_page_for_every_rotation() {
        let bbox = Rect::from_corners(10.0, 20.0, 110.0, 220.0); // 100 wide, 200 high
        for rotation in [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270] {
            let m = placement_matrix(&bbox, rotation, 1.0, 5.0, 7.0);
            let corners = [(10.0, 20.0), (110.0, 20.0), (10.0, 220.0), (110.0, 220.0)];
            let mapped: Vec<(f64, f64)> = corners.iter().map(|&(x, y)| apply(&m, x, y)).collect();
            let (w, h) = if rotation.is_quarter_turn() { (200.0, 100.0) } else { (100.0, 200.0) };
            let min_x = mapped.iter().map(|p| p.0).fold(f64::MAX, f64::min);
            let max_x = mapped.iter().map(|p| p.0).fold(f64::MIN, f64::max);
            let min_y = mapped.iter().map(|p| p.1).fold(f64::MAX, f64::min);
            let max_y = mapped.iter().map(|p| p.1).fold(f64::MIN, f64::max);
            assert_eq!((min_x, min_y, max_x, max_y), (5.0, 7.0, 5.0 + w, 7.0 + h), "{rotation:?}");
        }
        // 90 degrees clockwise: the box's lower-left corner is displayed top-left.
        let m = placement_matrix(&bbox, Rotation::R90, 1.0, 0.0, 0.0);
        assert_eq!(apply(&m, 10.0, 20.0), (0.0, 100.0));
    }

    #[test]
    fn numbers_are_formatted_compactly() {
        let mut out = Vec::new();
        for v in [1.0, -2.5, 0.123456, 595.2756, -0.00001, 1e20, 0.05, -0.0005, 12.0001, 3.10] {
            fmt_num(v, &mut out);
            out.push(b' ');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1 -2.5 0.1235 595.2756 0 100000000000000000000 0.05 -0.0005 12.0001 3.1 "
        );
    }
}
