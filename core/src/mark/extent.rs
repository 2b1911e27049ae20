//! A fast, conservative answer to "can this page paint inside these areas?", from the page's
//! content stream alone, without rendering it.
//!
//! The scan follows the graphics state (`q`/`Q`/`cm`) and bounds everything that paints: path
//! fills and strokes by their points (widened by the line width and miter limit), images by
//! their unit square, forms by their `/BBox`, text by a generous box around each shown string
//! (every glyph two ems of advance, drawing up to one and a half ems to the left and below and
//! two and a half to the right and above, kerning and spacing both ways).
//! Whatever it cannot bound (inline images, shadings, Type 3 or vertical fonts, a font set
//! through `gs`, a malformed stream) makes the answer [`Extent::Maybe`]. Only then does the
//! clear-zone check render the page. `Clear` is a proof; `Maybe` is not a collision.

use crate::pdf::plain::{append_plain, read_plain, PlainError};
use crate::pdf::Entry as _;
use crate::pdf::Objects;
use lopdf::{Dictionary, Object};

use crate::geometry::{invert, placement_matrix, Matrix, Rect};
use crate::ingest::SourcePage;
use crate::mark::layout::transform_rect;
use crate::write::impose::MAX_CONTENT_BYTES;
use lexer::{Lexer, Operand, Token};

mod lexer;

/// The scan's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extent {
    /// Nothing the page paints can reach the areas.
    Clear,
    /// Something may: render to find out.
    Maybe,
    /// The content decompresses beyond the limit: never rendered (a decompression bomb would take
    /// the renderer's memory with it); the write stage refuses such a page.
    TooLarge,
}

/// Whether `page` may paint inside any of `areas` (points on the displayed page, lower-left
/// origin, as the mark's zones are measured on a leaf showing the page at scale 1).
pub fn page_extent(doc: &dyn Objects, page: &SourcePage, areas: &[Rect]) -> Extent {
    let display = placement_matrix(&page.crop_box, page.rotation, page.user_unit, 0.0, 0.0);
    let Some(to_user) = invert(&display) else { return Extent::Maybe };
    let areas: Vec<Rect> = areas.iter().map(|a| transform_rect(&to_user, a)).collect();
    page_extent_in_user_space(doc, page, &areas)
}

/// [`page_extent`] with the areas in the page's own user space (where its content draws).
pub fn page_extent_in_user_space(doc: &dyn Objects, page: &SourcePage, areas: &[Rect]) -> Extent {
    thread_local! {
        /// Each worker thread's buffer for the page content it scans.
        static CONTENT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    CONTENT.with(|buffer| {
        let mut content = buffer.take();
        content.clear();
        let extent = extent_of_content(doc, page, areas, &mut content);
        // A buffer grown by one huge page is not kept.
        if content.capacity() <= 4 << 20 {
            buffer.replace(content);
        }
        extent
    })
}

fn extent_of_content(doc: &dyn Objects, page: &SourcePage, areas: &[Rect], content: &mut Vec<u8>) -> Extent {
    let resources = page.resources.as_ref().and_then(|r| dict(doc, r));
    let scan = |content: &[u8]| match Scan::new(doc, resources, areas).run(content) {
        Some(()) => Extent::Clear,
        None => Extent::Maybe,
    };
    let extent_or_why = |decoded: Result<Extent, PlainError>| match decoded {
        Ok(extent) => extent,
        Err(PlainError::TooLarge) => Extent::TooLarge,
        Err(PlainError::Undecodable) => Extent::Maybe,
    };
    // One stream, as nearly every page has: scanned where it was inflated.
    if let [only] = page.contents.as_slice() {
        let Ok(stream) = doc.raw_stream(*only) else { return Extent::Maybe };
        return extent_or_why(read_plain(&stream, MAX_CONTENT_BYTES, scan));
    }
    for id in &page.contents {
        let Ok(stream) = doc.raw_stream(*id) else { return Extent::Maybe };
        if let Err(why) = append_plain(&stream, MAX_CONTENT_BYTES.saturating_sub(content.len()), content) {
            return extent_or_why(Err(why));
        }
        content.push(b'\n');
    }
    scan(content)
}

/// `first` then `second`.
fn concat(first: &Matrix, second: &Matrix) -> Matrix {
    [
        first[0] * second[0] + first[1] * second[2],
        first[0] * second[1] + first[1] * second[3],
        first[2] * second[0] + first[3] * second[2],
        first[2] * second[1] + first[3] * second[3],
        first[4] * second[0] + first[5] * second[2] + second[4],
        first[4] * second[1] + first[5] * second[3] + second[5],
    ]
}

fn dict<'a>(doc: &'a dyn Objects, object: &'a Object) -> Option<&'a Dictionary> {
    doc.dereference(object).ok().and_then(|(_, o)| o.as_dict().ok())
}

/// The state `q` saves and `Q` restores, as far as the scan needs it.
#[derive(Debug, Clone, Copy)]
struct State {
    ctm: Matrix,
    line_width: f64,
    miter_limit: f64,
    font_size: f64,
    char_spacing: f64,
    word_spacing: f64,
    horizontal_scale: f64,
    leading: f64,
    rise: f64,
}

struct Scan<'a> {
    doc: &'a dyn Objects,
    resources: Option<&'a Dictionary>,
    areas: &'a [Rect],
    state: State,
    saved: Vec<State>,
    /// The path under construction, in user space.
    path: Option<Rect>,
    /// The text matrix and line matrix.
    tm: Matrix,
    tlm: Matrix,
    /// How far the current point may be from the text matrix's origin along the line, in text
    /// space units: shown strings move it by amounts the scan only bounds.
    drift: (f64, f64),
    /// The font resources already found bounded (a page sets the same few fonts many times).
    bounded_fonts: Vec<Vec<u8>>,
}

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
/// Where a glyph may draw around its origin, in ems (left, bottom, right, top); fonts whose
/// `/FontBBox` reaches further are not bounded. Advances are bounded by two ems.
const GLYPH_BOX: [f64; 4] = [-1.5, -1.5, 2.5, 2.5];
/// The largest advance the scan assumes, in thousandths of an em.
const MAX_ADVANCE: f32 = 2000.0;
/// How deep `q` may nest before the scan gives up (readers stop near here too).
const MAX_SAVED_STATES: usize = 256;

impl<'a> Scan<'a> {
    fn new(doc: &'a dyn Objects, resources: Option<&'a Dictionary>, areas: &'a [Rect]) -> Scan<'a> {
        Scan {
            doc,
            resources,
            areas,
            state: State {
                ctm: IDENTITY,
                line_width: 1.0,
                miter_limit: 10.0,
                font_size: 0.0,
                char_spacing: 0.0,
                word_spacing: 0.0,
                horizontal_scale: 1.0,
                leading: 0.0,
                rise: 0.0,
            },
            saved: Vec::new(),
            path: None,
            tm: IDENTITY,
            tlm: IDENTITY,
            drift: (0.0, 0.0),
            bounded_fonts: Vec::new(),
        }
    }

    /// `None` as soon as something may paint in an area or cannot be bounded.
    fn run(&mut self, content: &[u8]) -> Option<()> {
        let mut lexer = Lexer::new(content);
        let mut operands: Vec<Operand> = Vec::with_capacity(8);
        while let Some(token) = lexer.next_token()? {
            match token {
                Token::Operand(operand) => {
                    if operands.len() > 64 {
                        return None;
                    }
                    operands.push(operand);
                }
                Token::Operator(op) => {
                    self.operator(op, &operands)?;
                    operands.clear();
                }
            }
        }
        Some(())
    }

    fn operator(&mut self, op: &[u8], operands: &[Operand]) -> Option<()> {
        let number = |i: usize| match operands.get(i) {
            Some(Operand::Number(v)) if v.is_finite() => Some(*v),
            _ => None,
        };
        // The last `n` (at most six) operands as numbers, first in place 0.
        let numbers = |n: usize| -> Option<[f64; 6]> {
            let first = operands.len().checked_sub(n)?;
            let mut values = [0.0; 6];
            for (value, i) in values.iter_mut().zip(first..operands.len()) {
                *value = number(i)?;
            }
            Some(values)
        };
        let name = |i: usize| match operands.get(i) {
            Some(Operand::Name(n)) => Some(*n),
            _ => None,
        };
        match op {
            b"q" => {
                if self.saved.len() >= MAX_SAVED_STATES {
                    return None;
                }
                self.saved.push(self.state);
            }
            b"Q" => self.state = self.saved.pop().unwrap_or(self.state),
            b"cm" => {
                let m = numbers(6)?;
                self.state.ctm = concat(&[m[0], m[1], m[2], m[3], m[4], m[5]], &self.state.ctm);
            }
            b"w" => self.state.line_width = numbers(1)?[0].abs(),
            b"M" => self.state.miter_limit = numbers(1)?[0].abs().max(1.0),
            b"gs" => self.ext_g_state(name(operands.len().checked_sub(1)?)?)?,
            // Path construction, in user space.
            b"m" | b"l" => {
                let p = numbers(2)?;
                self.add_points(&[(p[0], p[1])]);
            }
            b"c" => {
                let p = numbers(6)?;
                self.add_points(&[(p[0], p[1]), (p[2], p[3]), (p[4], p[5])]);
            }
            b"v" | b"y" => {
                let p = numbers(4)?;
                self.add_points(&[(p[0], p[1]), (p[2], p[3])]);
            }
            b"re" => {
                let r = numbers(4)?;
                self.add_points(&[(r[0], r[1]), (r[0] + r[2], r[1] + r[3])]);
            }
            b"h" | b"W" | b"W*" => {}
            b"n" => self.path = None,
            b"f" | b"F" | b"f*" => {
                let path = self.path.take();
                self.paint(path, 0.0)?;
            }
            b"S" | b"s" | b"B" | b"B*" | b"b" | b"b*" => {
                let widen = self.stroke_widening();
                let path = self.path.take();
                self.paint(path, widen)?;
            }
            b"Do" => self.x_object(name(operands.len().checked_sub(1)?)?)?,
            b"sh" | b"BI" | b"ID" | b"EI" | b"d0" | b"d1" => return None,
            // Text.
            b"BT" => {
                self.tm = IDENTITY;
                self.tlm = IDENTITY;
                self.drift = (0.0, 0.0);
            }
            b"ET" => {}
            b"Tf" => {
                self.state.font_size = numbers(1)?[0];
                let font = name(operands.len().checked_sub(2)?)?;
                if !self.bounded_fonts.iter().any(|known| known == font) {
                    self.font(font)?;
                    self.bounded_fonts.push(font.to_vec());
                }
            }
            b"Tc" => self.state.char_spacing = numbers(1)?[0],
            b"Tw" => self.state.word_spacing = numbers(1)?[0],
            b"Tz" => self.state.horizontal_scale = numbers(1)?[0] / 100.0,
            b"TL" => self.state.leading = numbers(1)?[0],
            b"Ts" => self.state.rise = numbers(1)?[0],
            b"Tr" => {}
            b"Td" => {
                let t = numbers(2)?;
                self.next_line(t[0], t[1]);
            }
            b"TD" => {
                let t = numbers(2)?;
                self.state.leading = -t[1];
                self.next_line(t[0], t[1]);
            }
            b"T*" => self.next_line(0.0, -self.state.leading),
            b"Tm" => {
                let m = numbers(6)?;
                self.tm = [m[0], m[1], m[2], m[3], m[4], m[5]];
                self.tlm = self.tm;
                self.drift = (0.0, 0.0);
            }
            b"Tj" => self.show(operands.last()?)?,
            b"TJ" => self.show(operands.last()?)?,
            b"'" => {
                self.next_line(0.0, -self.state.leading);
                self.show(operands.last()?)?;
            }
            b"\"" => {
                self.state.word_spacing = number(0)?;
                self.state.char_spacing = number(1)?;
                self.next_line(0.0, -self.state.leading);
                self.show(operands.last()?)?;
            }
            // Colour, dashes, joins, caps, flatness, rendering intent, marked content,
            // compatibility sections: nothing painted, no position changed.
            _ => {}
        }
        Some(())
    }

    fn add_points(&mut self, points: &[(f64, f64)]) {
        let m = &self.state.ctm;
        for &(x, y) in points {
            let (px, py) = (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]);
            let point = Rect { x0: px, y0: py, x1: px, y1: py };
            self.path = Some(match self.path {
                Some(r) => Rect { x0: r.x0.min(px), y0: r.y0.min(py), x1: r.x1.max(px), y1: r.y1.max(py) },
                None => point,
            });
        }
    }

    /// How far a stroke may reach beyond its path: half the line width times the miter limit,
    /// scaled by the CTM, and at least a device pixel for hairlines.
    fn stroke_widening(&self) -> f64 {
        let m = &self.state.ctm;
        let scale = (m[0].abs() + m[1].abs()).max(m[2].abs() + m[3].abs());
        self.state.line_width * scale * self.state.miter_limit / 2.0 + 1.0
    }

    /// Fails when `area` (user space), widened by `widen`, meets an area of interest.
    fn paint(&self, area: Option<Rect>, widen: f64) -> Option<()> {
        let Some(r) = area else { return Some(()) };
        let r = Rect { x0: r.x0 - widen, y0: r.y0 - widen, x1: r.x1 + widen, y1: r.y1 + widen };
        if !r.is_finite() {
            return None;
        }
        // Touching counts: a hairline along the zone's edge renders into it.
        let meets = |a: &Rect| r.x0 <= a.x1 && a.x0 <= r.x1 && r.y0 <= a.y1 && a.y0 <= r.y1;
        if self.areas.iter().any(meets) {
            None
        } else {
            Some(())
        }
    }

    fn resource(&self, category: &[u8], name: &[u8]) -> Option<&'a Dictionary> {
        let category = dict(self.doc, self.resources?.get(category).ok()?)?;
        dict(self.doc, category.get(name).ok()?)
    }

    fn resource_stream(&self, category: &[u8], name: &[u8]) -> Option<&'a lopdf::Stream> {
        let category = dict(self.doc, self.resources?.get(category).ok()?)?;
        let (_, object) = self.doc.dereference(category.get(name).ok()?).ok()?;
        object.as_stream().ok()
    }

    /// `gs` may set the line width and miter limit (followed) or the font (not followed).
    fn ext_g_state(&mut self, name: &[u8]) -> Option<()> {
        let gs = self.resource(b"ExtGState", name)?;
        if gs.has(b"Font") {
            return None;
        }
        let number = |key: &[u8]| gs.entry(key).and_then(|v| v.as_float().ok()).map(f64::from);
        if let Some(width) = number(b"LW") {
            self.state.line_width = width.abs();
        }
        if let Some(limit) = number(b"ML") {
            self.state.miter_limit = limit.abs().max(1.0);
        }
        Some(())
    }

    /// Images paint their unit square, forms at most their bounding box.
    fn x_object(&mut self, name: &[u8]) -> Option<()> {
        let stream = self.resource_stream(b"XObject", name)?;
        let unit = Rect { x0: 0.0, y0: 0.0, x1: 1.0, y1: 1.0 };
        match stream.dict.entry(b"Subtype")?.as_name().ok()? {
            b"Image" => self.paint(Some(transform_rect(&self.state.ctm, &unit)), 1.0),
            b"Form" => {
                let numbers = |key: &[u8]| -> Option<Vec<f64>> {
                    let array = self.doc.dereference(stream.dict.entry(key)?).ok()?.1.as_array().ok()?;
                    array.iter().map(|v| v.as_float().ok().map(f64::from)).collect()
                };
                let b = numbers(b"BBox").filter(|b| b.len() == 4)?;
                let matrix = match numbers(b"Matrix") {
                    Some(m) if m.len() == 6 => [m[0], m[1], m[2], m[3], m[4], m[5]],
                    Some(_) => return None,
                    None => IDENTITY,
                };
                let bbox = Rect::from_corners(b[0], b[1], b[2], b[3]);
                self.paint(Some(transform_rect(&concat(&matrix, &self.state.ctm), &bbox)), 1.0)
            }
            b"PS" => Some(()),
            _ => None,
        }
    }

    /// The text box assumes glyphs inside [`GLYPH_BOX`] and advances of at most two ems. Fonts
    /// that say otherwise (a wider `/FontBBox` or `/Widths`), Type 3 glyphs (drawn
    /// anywhere their procedures say) and vertical fonts (running downwards) are not bounded.
    fn font(&self, name: &[u8]) -> Option<()> {
        let font = self.resource(b"Font", name)?;
        let described = match font.entry(b"Subtype").and_then(|s| s.as_name().ok())? {
            b"Type3" => return None,
            b"Type0" => {
                match font.entry(b"Encoding").and_then(|e| e.as_name().ok()) {
                    Some(encoding) if !encoding.ends_with(b"-V") => {}
                    _ => return None,
                }
                let descendants =
                    self.doc.dereference(font.entry(b"DescendantFonts")?).ok()?.1.as_array().ok()?;
                let descendant = dict(self.doc, descendants.first()?)?;
                if descendant
                    .get(b"DW")
                    .ok()
                    .and_then(|w| w.as_float().ok())
                    .is_some_and(|w| w.abs() > MAX_ADVANCE)
                {
                    return None;
                }
                descendant
            }
            _ => {
                if let Ok(widths) = font.get(b"Widths") {
                    let widths = self.doc.dereference(widths).ok()?.1.as_array().ok()?;
                    let widest =
                        widths.iter().filter_map(|w| w.as_float().ok()).fold(0f32, |m, w| m.max(w.abs()));
                    if widest > MAX_ADVANCE {
                        return None;
                    }
                }
                font
            }
        };
        let Some(descriptor) = described.entry(b"FontDescriptor").and_then(|d| dict(self.doc, d)) else {
            return Some(()); // the standard 14 fonts stay well inside the box
        };
        let Some(bbox) = descriptor.entry(b"FontBBox").and_then(|b| self.doc.dereference(b).ok()) else {
            return Some(());
        };
        let corners: Vec<f32> = bbox.1.as_array().ok()?.iter().filter_map(|v| v.as_float().ok()).collect();
        let [left, bottom, right, top] = GLYPH_BOX.map(|v| (v * 1000.0) as f32);
        let inside = corners.len() == 4
            && [corners[0], corners[2]].iter().all(|x| (left..=right).contains(x))
            && [corners[1], corners[3]].iter().all(|y| (bottom..=top).contains(y));
        inside.then_some(())
    }

    fn next_line(&mut self, tx: f64, ty: f64) {
        self.tlm = concat(&[1.0, 0.0, 0.0, 1.0, tx, ty], &self.tlm);
        self.tm = self.tlm;
        self.drift = (0.0, 0.0);
    }

    /// A shown string: bounded generously, then the current point moves by a bounded amount.
    fn show(&mut self, shown: &Operand) -> Option<()> {
        let (bytes, kerning) = match shown {
            Operand::Text(bytes) => (*bytes, 0.0),
            Operand::Array { bytes, kerning } => (*bytes, *kerning),
            _ => return None,
        };
        let s = &self.state;
        let size = s.font_size.abs();
        let scale = s.horizontal_scale.abs();
        // Per glyph: up to two ems of advance plus the spacings; kerning in thousandths of an em.
        let spacing = s.char_spacing.abs() + s.word_spacing.abs();
        let forward = bytes as f64 * (2.0 * size + spacing) * scale + kerning / 1000.0 * size * scale;
        let backward = bytes as f64 * spacing * scale + kerning / 1000.0 * size * scale;
        let (low, high) = (self.drift.0 - backward, self.drift.1 + forward);
        let [left, bottom, right, top] = GLYPH_BOX;
        let text_box = Rect {
            x0: low + left * size * scale,
            y0: s.rise + bottom * size,
            x1: high + right * size * scale,
            y1: s.rise + top * size,
        };
        let to_user = concat(&self.tm, &s.ctm);
        self.paint(Some(transform_rect(&to_user, &text_box)), 1.0)?;
        self.drift = (low, high);
        Some(())
    }
}

#[cfg(test)]
mod tests;
