//! Where a mark goes and how large it is: [`MarkGeometry`], and the placement of a mark's body
//! (symbol or OMR ladder) on a leaf, with anchor corner, offsets, rotation and quiet zone.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use super::symbol::SymbolOptions;
use crate::geometry::{mm, Matrix, Rect, Rotation};

/// What kind of mark is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarkKind {
    /// An ECC 200 Data Matrix for camera-equipped inserters.
    #[default]
    DataMatrix,
    /// A ladder of OMR bars, one track a payload character (`1` a bar, `0` none), for
    /// inserters with a mark reader instead of a camera.
    Omr,
}

/// The leaf corner the offsets are measured from, as the sheet is displayed (the lead edge is
/// the top).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Anchor {
    #[default]
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

/// What to do when the mark's area (with its quiet zone) is not clear of page content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CollisionPolicy {
    /// Refuse the job before anything is written.
    Fail,
    /// Print the mark over the content and record a warning.
    #[default]
    Warn,
    /// Paint the quiet zone white under the mark (hiding the content there) and record it.
    Whiteout,
}

/// The white margin kept around the mark.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuietZone {
    Mm(f64),
    /// In modules of the symbol (for OMR: in bar thicknesses).
    Modules(f64),
}

/// The OMR ladder's dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OmrGeometry {
    /// Distance between the centres of two tracks (1/6 inch is the common pitch).
    pub pitch_mm: f64,
    /// Length of a bar, across the ladder.
    pub bar_mm: f64,
    /// Thickness of a bar.
    pub thickness_mm: f64,
}

impl Default for OmrGeometry {
    fn default() -> Self {
        OmrGeometry { pitch_mm: 25.4 / 6.0, bar_mm: 10.0, thickness_mm: 0.5 }
    }
}

/// How and where the mark is printed, relative to the leaf's trim box as displayed (lead edge
/// at the top); and what happens when that area is not clear.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MarkGeometry {
    pub kind: MarkKind,
    /// The side of one Data Matrix module (X dimension), in millimetres.
    pub module_mm: f64,
    pub quiet: QuietZone,
    pub anchor: Anchor,
    /// From the anchor corner's vertical edge to the nearest edge of the symbol, in millimetres.
    pub x_mm: f64,
    /// From the anchor corner's horizontal edge to the nearest edge of the symbol, in millimetres.
    pub y_mm: f64,
    /// The mark turned clockwise by this much.
    #[serde(with = "degrees")]
    pub rotation: Rotation,
    /// Font size (points) of a human-readable line of the payload under the mark; `None`: no line.
    pub text_pt: Option<f64>,
    /// A second mark for the address window: millimetres from the leaf's top-left corner to
    /// the second symbol's top-left corner.
    pub window: Option<[f64; 2]>,
    pub symbol: SymbolOptions,
    pub omr: OmrGeometry,
    pub on_collision: CollisionPolicy,
}

impl Default for MarkGeometry {
    /// 0.42 mm modules with a 2.5 mm quiet zone, in the left margin 30 mm below the lead edge
    /// (see ../docs/payload.md for the reasoning).
    fn default() -> Self {
        MarkGeometry {
            kind: MarkKind::DataMatrix,
            module_mm: 0.42,
            quiet: QuietZone::Mm(2.5),
            anchor: Anchor::TopLeft,
            x_mm: 5.0,
            y_mm: 30.0,
            rotation: Rotation::R0,
            text_pt: None,
            window: None,
            symbol: SymbolOptions::default(),
            omr: OmrGeometry::default(),
            on_collision: CollisionPolicy::Warn,
        }
    }
}

/// The body of a mark in its own frame: `width` x `height` units, lower-left at the origin,
/// one unit being `unit` points (a module for Data Matrix, a point for OMR).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Body {
    pub width: f64,
    pub height: f64,
    pub unit: f64,
    /// The human-readable line's characters (0: no line).
    pub text_chars: usize,
}

/// A placed mark: the matrix from the body's frame to the page, and the areas it covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub matrix: Matrix,
    /// Body, quiet zone and text line, in the body's frame.
    pub local_zone: Rect,
    /// The same on the page.
    pub zone: Rect,
    /// Baseline start of the text line in the body's frame, and its font size in body units.
    pub text: Option<((f64, f64), f64)>,
}

/// Courier's advance width, in ems.
const COURIER_ADVANCE: f64 = 0.6;

impl MarkGeometry {
    /// Checks that the numbers describe a printable mark.
    pub fn validate(&self) -> Result<(), String> {
        let check = |ok: bool, message: &str| if ok { Ok(()) } else { Err(message.to_string()) };
        let finite = |v: f64| v.is_finite();
        check(
            finite(self.module_mm) && (0.1..=2.0).contains(&self.module_mm),
            "module size must be between 0.1 and 2 mm",
        )?;
        match self.quiet {
            QuietZone::Mm(q) => {
                check(finite(q) && (0.0..=20.0).contains(&q), "quiet zone must be between 0 and 20 mm")?
            }
            QuietZone::Modules(q) => {
                check(finite(q) && (0.0..=40.0).contains(&q), "quiet zone must be between 0 and 40 modules")?
            }
        }
        if self.kind == MarkKind::DataMatrix {
            check(
                self.quiet_pt() + 1e-9 >= mm(self.module_mm),
                "the quiet zone must be at least one module wide (ISO/IEC 16022)",
            )?;
        }
        for (value, name) in [(self.x_mm, "x"), (self.y_mm, "y")] {
            check(
                finite(value) && (0.0..=2000.0).contains(&value),
                &format!("the mark's {name} offset must be between 0 and 2000 mm"),
            )?;
        }
        if let Some(size) = self.text_pt {
            check(
                finite(size) && (4.0..=24.0).contains(&size),
                "the text line's size must be between 4 and 24 points",
            )?;
        }
        if let Some([x, y]) = self.window {
            check(
                [x, y].iter().all(|v| finite(*v) && (0.0..=2000.0).contains(v)),
                "the window mark's position must be between 0 and 2000 mm",
            )?;
        }
        let omr = &self.omr;
        check(
            (2.0..=20.0).contains(&omr.pitch_mm)
                && (2.0..=50.0).contains(&omr.bar_mm)
                && (0.1..=3.0).contains(&omr.thickness_mm)
                && omr.thickness_mm < omr.pitch_mm,
            "OMR bars: pitch 2-20 mm, length 2-50 mm, thickness 0.1-3 mm and less than the pitch",
        )
    }

    /// The quiet zone in points.
    pub fn quiet_pt(&self) -> f64 {
        match self.quiet {
            QuietZone::Mm(q) => mm(q),
            QuietZone::Modules(q) => match self.kind {
                MarkKind::DataMatrix => q * mm(self.module_mm),
                MarkKind::Omr => q * mm(self.omr.thickness_mm),
            },
        }
    }

    /// The main mark's placement on the leaf whose trim box on the output page is `leaf`.
    pub fn place(&self, leaf: &Rect, body: &Body) -> Placement {
        self.place_at(leaf, body, self.anchor, self.x_mm, self.y_mm)
    }

    /// The window mark's placement, if there is one.
    pub fn place_window(&self, leaf: &Rect, body: &Body) -> Option<Placement> {
        self.window.map(|[x, y]| self.place_at(leaf, body, Anchor::TopLeft, x, y))
    }

    fn place_at(&self, leaf: &Rect, body: &Body, anchor: Anchor, x_mm: f64, y_mm: f64) -> Placement {
        let [a, b, c, d] = match self.rotation {
            Rotation::R0 => [1.0, 0.0, 0.0, 1.0],
            Rotation::R90 => [0.0, -1.0, 1.0, 0.0],
            Rotation::R180 => [-1.0, 0.0, 0.0, -1.0],
            Rotation::R270 => [0.0, 1.0, -1.0, 0.0],
        };
        let s = body.unit;
        let linear = [s * a, s * b, s * c, s * d, 0.0, 0.0];
        let turned = transform_rect(&linear, &Rect { x0: 0.0, y0: 0.0, x1: body.width, y1: body.height });
        let tx = match anchor {
            Anchor::TopLeft | Anchor::BottomLeft => leaf.x0 + mm(x_mm) - turned.x0,
            Anchor::TopRight | Anchor::BottomRight => leaf.x1 - mm(x_mm) - turned.x1,
        };
        let ty = match anchor {
            Anchor::TopLeft | Anchor::TopRight => leaf.y1 - mm(y_mm) - turned.y1,
            Anchor::BottomLeft | Anchor::BottomRight => leaf.y0 + mm(y_mm) - turned.y0,
        };
        let matrix = [s * a, s * b, s * c, s * d, tx, ty];
        let q = self.quiet_pt() / s;
        let mut local_zone = Rect { x0: -q, y0: -q, x1: body.width + q, y1: body.height + q };
        let text = self.text_pt.filter(|_| body.text_chars > 0).map(|size| {
            let size = size / s;
            let baseline = (0.0, -q - size);
            local_zone.y0 = -q - size * 1.25;
            local_zone.x1 = local_zone.x1.max(body.text_chars as f64 * COURIER_ADVANCE * size + q);
            (baseline, size)
        });
        Placement { matrix, local_zone, zone: transform_rect(&matrix, &local_zone), text }
    }
}

/// The bounding box of a rectangle's image under a matrix.
pub fn transform_rect(m: &Matrix, r: &Rect) -> Rect {
    let corners = [(r.x0, r.y0), (r.x1, r.y0), (r.x0, r.y1), (r.x1, r.y1)];
    let points = corners.map(|(x, y)| (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]));
    Rect {
        x0: points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min),
        y0: points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
        x1: points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max),
        y1: points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
    }
}

macro_rules! from_str_by_serde_name {
    ($type:ty, $what:literal, $choices:literal) => {
        impl FromStr for $type {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                serde_json::from_value(serde_json::Value::String(text.to_string()))
                    .map_err(|_| format!("unknown {} '{text}': use {}", $what, $choices))
            }
        }
    };
}

from_str_by_serde_name!(Anchor, "anchor", "top-left, top-right, bottom-left or bottom-right");
from_str_by_serde_name!(CollisionPolicy, "collision policy", "fail, warn or whiteout");
from_str_by_serde_name!(MarkKind, "mark kind", "datamatrix or omr");

impl FromStr for QuietZone {
    type Err = String;

    /// `2.5` or `2.5mm` (millimetres), `6x` or `6mod` (modules).
    fn from_str(text: &str) -> Result<Self, String> {
        let number = |digits: &str| digits.trim().parse::<f64>().ok().filter(|v| v.is_finite());
        let bad = || format!("quiet zone '{text}': write millimetres (2.5 or 2.5mm) or modules (6x)");
        if let Some(digits) = text.strip_suffix("mod").or_else(|| text.strip_suffix('x')) {
            number(digits).map(QuietZone::Modules).ok_or_else(bad)
        } else {
            number(text.strip_suffix("mm").unwrap_or(text)).map(QuietZone::Mm).ok_or_else(bad)
        }
    }
}

/// Serialises a rotation as its degrees.
mod degrees {
    use super::Rotation;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(rotation: &Rotation, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(rotation.degrees())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Rotation, D::Error> {
        let degrees = i64::deserialize(deserializer)?;
        Rotation::from_degrees(degrees)
            .ok_or_else(|| serde::de::Error::custom("rotation must be a multiple of 90"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A4: Rect = Rect { x0: 0.0, y0: 0.0, x1: 595.0, y1: 842.0 };

    fn body() -> Body {
        Body { width: 18.0, height: 12.0, unit: mm(0.5), text_chars: 0 }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn anchors_measure_offsets_from_their_corner_to_the_symbol() {
        let mut g = MarkGeometry { quiet: QuietZone::Mm(0.0), x_mm: 10.0, y_mm: 20.0, ..Default::default() };
        let (w, h) = (mm(9.0), mm(6.0));
        for (anchor, x0, y0) in [
            (Anchor::TopLeft, mm(10.0), 842.0 - mm(20.0) - h),
            (Anchor::TopRight, 595.0 - mm(10.0) - w, 842.0 - mm(20.0) - h),
            (Anchor::BottomLeft, mm(10.0), mm(20.0)),
            (Anchor::BottomRight, 595.0 - mm(10.0) - w, mm(20.0)),
        ] {
            g.anchor = anchor;
            let zone = g.place(&A4, &body()).zone;
            assert!(close(zone.x0, x0) && close(zone.y0, y0), "{anchor:?}: {zone:?}");
            assert!(close(zone.width(), w) && close(zone.height(), h), "{anchor:?}: {zone:?}");
        }
    }

    #[test]
    fn a_quarter_turn_swaps_the_box_and_keeps_the_anchor() {
        for rotation in [Rotation::R90, Rotation::R270] {
            let g = MarkGeometry { quiet: QuietZone::Mm(0.0), rotation, ..Default::default() };
            let p = g.place(&A4, &body());
            assert!(close(p.zone.width(), mm(6.0)) && close(p.zone.height(), mm(9.0)), "{p:?}");
            assert!(close(p.zone.x0, mm(5.0)) && close(p.zone.y1, 842.0 - mm(30.0)), "{p:?}");
        }
        // 180 degrees: the body's origin (its lower-left module) ends up top right.
        let g = MarkGeometry { rotation: Rotation::R180, ..Default::default() };
        let p = g.place(&A4, &body());
        let (x, y) = (p.matrix[4], p.matrix[5]);
        assert!(close(x, mm(5.0) + mm(9.0)) && close(y, 842.0 - mm(30.0)), "{p:?}");
    }

    #[test]
    fn the_zone_adds_the_quiet_zone_and_the_text_line() {
        let g = MarkGeometry { quiet: QuietZone::Modules(2.0), module_mm: 0.5, ..Default::default() };
        let p = g.place(&A4, &body());
        assert!(close(p.zone.width(), mm(9.0) + 2.0 * 2.0 * mm(0.5)), "{p:?}");
        let with_text = MarkGeometry { text_pt: Some(6.0), ..g };
        let long = Body { text_chars: 40, ..body() };
        let p = with_text.place(&A4, &long);
        assert!(close(p.zone.width(), 40.0 * 0.6 * 6.0 + 2.0 * mm(1.0)), "{p:?}");
        assert!(close(p.zone.height(), mm(6.0) + 2.0 * mm(1.0) + 1.25 * 6.0), "{p:?}");
        assert!(p.text.is_some());
    }

    #[test]
    fn the_window_mark_is_placed_from_the_top_left_corner() {
        let g = MarkGeometry { window: Some([100.0, 50.0]), quiet: QuietZone::Mm(0.0), ..Default::default() };
        let p = g.place_window(&A4, &body()).unwrap();
        assert!(close(p.zone.x0, mm(100.0)) && close(p.zone.y1, 842.0 - mm(50.0)), "{p:?}");
    }

    #[test]
    fn validation_and_parsing() {
        assert!(MarkGeometry::default().validate().is_ok());
        let tight = MarkGeometry { quiet: QuietZone::Mm(0.3), ..Default::default() };
        assert!(tight.validate().unwrap_err().contains("one module"));
        let nan = MarkGeometry { x_mm: f64::NAN, ..Default::default() };
        assert!(nan.validate().is_err());
        assert_eq!("2.5".parse::<QuietZone>(), Ok(QuietZone::Mm(2.5)));
        assert_eq!("3mm".parse::<QuietZone>(), Ok(QuietZone::Mm(3.0)));
        assert_eq!("6x".parse::<QuietZone>(), Ok(QuietZone::Modules(6.0)));
        assert_eq!("6mod".parse::<QuietZone>(), Ok(QuietZone::Modules(6.0)));
        assert!("six".parse::<QuietZone>().is_err());
        assert_eq!("bottom-right".parse::<Anchor>(), Ok(Anchor::BottomRight));
        assert!("middle".parse::<Anchor>().unwrap_err().contains("top-left"));
        assert_eq!("whiteout".parse::<CollisionPolicy>(), Ok(CollisionPolicy::Whiteout));
        let json =
            serde_json::to_value(MarkGeometry { rotation: Rotation::R270, ..Default::default() }).unwrap();
        assert_eq!(json["rotation"], 270);
        assert_eq!(json["quiet"]["mm"], 2.5);
        let back: MarkGeometry = serde_json::from_value(json).unwrap();
        assert_eq!(back.rotation, Rotation::R270);
    }
}
