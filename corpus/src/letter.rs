//! The content of a letter: layout of the letterhead, address block, body text and footer, and
//! the (uncompressed) content stream of each page.
//!
//! Coordinates are PDF points with the origin at the bottom left of an A4 portrait page. Nothing
//! is drawn left of [`LEFT`] (25 mm), so the left 22 mm stay free for sheetseal's mark, nor right
//! of [`RIGHT`] (20 mm from the right edge); only the footer goes below 25 mm from the bottom.

use crate::font::{Font, GlyphSet};
use crate::rng::Rng;
use crate::text;

/// Points per millimetre.
pub(crate) const MM: f32 = 72.0 / 25.4;
/// Page width (A4).
pub const PAGE_WIDTH: f32 = 595.276;
/// Page height (A4).
pub const PAGE_HEIGHT: f32 = 841.89;
/// Left edge of all text: 25 mm.
pub(crate) const LEFT: f32 = crate::TEXT_LEFT_MM as f32 * MM;
/// Right edge of text and logo: 20 mm from the right.
pub(crate) const RIGHT: f32 = PAGE_WIDTH - 20.0 * MM;
/// Lowest body baseline: 25 mm from the bottom.
const BODY_BOTTOM: f32 = 25.0 * MM;
/// Footer baseline: 12 mm from the bottom.
const FOOTER_Y: f32 = 12.0 * MM;

/// Logo size and position: 48 x 18 mm, top 10 mm from the top, right-aligned to [`RIGHT`].
const LOGO_W: f32 = 48.0 * MM;
const LOGO_H: f32 = 18.0 * MM;
const LOGO_X: f32 = RIGHT - LOGO_W;
const LOGO_Y: f32 = PAGE_HEIGHT - 10.0 * MM - LOGO_H;

const BODY_SIZE: f32 = 10.5;
const LEADING: f32 = 14.5;
/// First body baseline on the first page (132 mm from the top) and on later pages (45 mm).
const FIRST_BODY_TOP: f32 = PAGE_HEIGHT - 132.0 * MM;
const NEXT_BODY_TOP: f32 = PAGE_HEIGHT - 45.0 * MM;
/// Lines of the closing block: blank, formula, two lines of signature space, name, role, company.
const CLOSING_LINES: usize = 7;

/// Resource name of the font in every page's resources.
pub(crate) const FONT_RESOURCE: &[u8] = b"F1";
/// Resource name of the logo in every page's resources.
pub(crate) const LOGO_RESOURCE: &[u8] = b"Im1";

const fn lines_between(top: f32, bottom: f32) -> usize {
    ((top - bottom) / LEADING) as usize + 1
}

/// Body lines that fit on the first page and on each later page.
pub(crate) const FIRST_PAGE_LINES: usize = lines_between(FIRST_BODY_TOP, BODY_BOTTOM);
pub(crate) const NEXT_PAGE_LINES: usize = lines_between(NEXT_BODY_TOP, BODY_BOTTOM);

/// Values shared by all letters of one corpus.
pub(crate) struct Shared<'a> {
    pub(crate) font: &'a Font,
    pub(crate) seed: u64,
    /// The date line, e.g. "Hamburg, 3 May 2025".
    pub(crate) date: String,
}

/// A content stream under construction.
struct Content<'a> {
    font: &'a Font,
    used: &'a mut GlyphSet,
    buf: Vec<u8>,
    size: f32,
}

/// Appends a number with at most two decimals and no trailing zeros.
fn num(out: &mut Vec<u8>, v: f32) {
    let hundredths = (f64::from(v) * 100.0).round() as i64;
    if hundredths < 0 {
        out.push(b'-');
    }
    let h = hundredths.unsigned_abs();
    out.extend_from_slice((h / 100).to_string().as_bytes());
    let frac = h % 100;
    if frac != 0 {
        out.push(b'.');
        out.push(b'0' + (frac / 10) as u8);
        if frac % 10 != 0 {
            out.push(b'0' + (frac % 10) as u8);
        }
    }
}

impl<'a> Content<'a> {
    fn new(font: &'a Font, used: &'a mut GlyphSet) -> Self {
        Content { font, used, buf: Vec::with_capacity(16 * 1024), size: 0.0 }
    }

    fn op(&mut self, nums: &[f32], op: &str) {
        for &n in nums {
            num(&mut self.buf, n);
            self.buf.push(b' ');
        }
        self.buf.extend_from_slice(op.as_bytes());
        self.buf.push(b'\n');
    }

    fn begin_text(&mut self) {
        self.buf.extend_from_slice(b"BT\n");
        self.size = 0.0;
    }

    fn end_text(&mut self) {
        self.buf.extend_from_slice(b"ET\n");
    }

    fn font_size(&mut self, size: f32) {
        if self.size != size {
            self.buf.push(b'/');
            self.buf.extend_from_slice(FONT_RESOURCE);
            self.buf.push(b' ');
            self.op(&[size], "Tf");
            self.size = size;
        }
    }

    fn show(&mut self, s: &str) {
        self.font.encode(s, self.used, &mut self.buf);
        self.buf.extend_from_slice(b" Tj\n");
    }

    /// A line of text with its baseline starting at (x, y). Must be inside BT/ET.
    fn text(&mut self, size: f32, x: f32, y: f32, s: &str) {
        self.font_size(size);
        self.op(&[1.0, 0.0, 0.0, 1.0, x, y], "Tm");
        self.show(s);
    }

    /// A line of text ending at `right`.
    fn text_right(&mut self, size: f32, right: f32, y: f32, s: &str) {
        let w = self.font.width(s) as f32 * size / 1000.0;
        self.text(size, right - w, y, s);
    }

    /// A block of lines, the first baseline at (x, top), [`LEADING`] apart; empty lines skip.
    fn lines(&mut self, size: f32, x: f32, top: f32, lines: &[String]) {
        self.font_size(size);
        self.op(&[LEADING], "TL");
        self.op(&[1.0, 0.0, 0.0, 1.0, x, top + LEADING], "Tm");
        for line in lines {
            if line.is_empty() {
                self.buf.extend_from_slice(b"T*\n");
            } else {
                self.font.encode(line, self.used, &mut self.buf);
                self.buf.extend_from_slice(b" '\n");
            }
        }
    }

    fn gray(&mut self, g: f32) {
        self.op(&[g], "g");
    }

    fn rgb(&mut self, r: f32, g: f32, b: f32) {
        self.op(&[r, g, b], "rg");
    }
}

/// Greedy word wrap of `paragraph` into lines at most `max` thousandths of an em wide.
fn wrap(font: &Font, paragraph: &str, max: u32, out: &mut Vec<String>) {
    let space = font.width(" ");
    let mut line = String::with_capacity(128);
    let mut width = 0;
    for word in paragraph.split(' ') {
        let w = font.width(word);
        if !line.is_empty() && width + space + w > max {
            out.push(std::mem::take(&mut line));
            width = 0;
        }
        if !line.is_empty() {
            line.push(' ');
            width += space;
        }
        line.push_str(word);
        width += w;
    }
    if !line.is_empty() {
        out.push(line);
    }
}

/// An endless supply of wrapped body lines, with a blank line between paragraphs.
struct Body {
    pending: std::collections::VecDeque<String>,
    max: u32,
}

impl Body {
    fn new() -> Self {
        Body { pending: std::collections::VecDeque::new(), max: ((RIGHT - LEFT) * 1000.0 / BODY_SIZE) as u32 }
    }

    fn next_line(&mut self, font: &Font, rng: &mut Rng) -> String {
        if self.pending.is_empty() {
            let mut lines = vec![String::new()];
            wrap(font, &text::paragraph(rng), self.max, &mut lines);
            self.pending.extend(lines);
        }
        self.pending.pop_front().unwrap_or_default()
    }

    /// Whether the next line starts a new paragraph (or the current one has ended).
    fn at_paragraph_end(&self) -> bool {
        self.pending.front().is_none_or(|l| l.is_empty())
    }

    /// `n` lines for a full page; never starts or ends with a blank line.
    fn take(&mut self, n: usize, font: &Font, rng: &mut Rng) -> Vec<String> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let line = self.next_line(font, rng);
            if line.is_empty() && out.is_empty() {
                continue;
            }
            out.push(line);
        }
        while out.last().is_some_and(|l| l.is_empty()) {
            out.pop();
        }
        out
    }

    /// Lines for the last page: at least `target` (when `room` allows), ending at the end of a
    /// paragraph, at most `room`.
    fn take_last(&mut self, target: usize, room: usize, font: &Font, rng: &mut Rng) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(room);
        while out.len() < room {
            if out.len() >= target.max(1) && self.at_paragraph_end() {
                return out;
            }
            let line = self.next_line(font, rng);
            if line.is_empty() && out.is_empty() {
                continue;
            }
            out.push(line);
        }
        // The page is full in the middle of a paragraph: cut back to the last paragraph end,
        // or, failing that, end the last line with a full stop.
        if let Some(blank) = out.iter().rposition(|l| l.is_empty()) {
            out.truncate(blank);
        } else if let Some(last) = out.last_mut() {
            if !last.ends_with('.') {
                if let Some(space) = last.rfind(' ') {
                    last.truncate(space);
                }
                let trimmed = last.trim_end_matches([',', '(', ' ']).len();
                last.truncate(trimmed);
                last.push('.');
            }
        }
        out
    }
}

fn letterhead(c: &mut Content) {
    c.buf.extend_from_slice(b"q\n");
    c.op(&[LOGO_W, 0.0, 0.0, LOGO_H, LOGO_X, LOGO_Y], "cm");
    c.buf.push(b'/');
    c.buf.extend_from_slice(LOGO_RESOURCE);
    c.buf.extend_from_slice(b" Do\nQ\n");
    // A thin rule under the letterhead.
    c.op(&[0.6], "G");
    c.op(&[0.5], "w");
    c.op(&[LEFT, PAGE_HEIGHT - 36.0 * MM], "m");
    c.op(&[RIGHT, PAGE_HEIGHT - 36.0 * MM], "l");
    c.buf.extend_from_slice(b"S\n");
    c.begin_text();
    c.rgb(0.043, 0.235, 0.365);
    c.text(14.0, LEFT, PAGE_HEIGHT - 22.0 * MM, text::SENDER_NAME);
    c.gray(0.35);
    c.text(7.5, LEFT, PAGE_HEIGHT - 33.0 * MM, text::SENDER_LINE);
    c.end_text();
}

fn footer(c: &mut Content, page: usize, pages: usize) {
    let label = format!("Page {page} of {pages}");
    let size = 8.0;
    let w = c.font.width(&label) as f32 * size / 1000.0;
    c.begin_text();
    c.gray(0.35);
    c.text(size, (PAGE_WIDTH - w) / 2.0, FOOTER_Y, &label);
    c.end_text();
}

/// A handwritten-looking signature stroke whose shape varies a little per letter.
fn signature(c: &mut Content, rng: &mut Rng, x: f32, y: f32) {
    let j = |rng: &mut Rng| rng.below(9) as f32 - 4.0;
    c.rgb(0.1, 0.15, 0.45);
    c.op(&[0.1, 0.15, 0.45], "RG");
    c.op(&[0.9], "w");
    c.op(&[x, y], "m");
    let mut px = x;
    for _ in 0..4 {
        let (a, b) = (j(rng), j(rng));
        c.op(&[px + 8.0, y + 14.0 + a, px + 16.0, y - 6.0 + b, px + 24.0, y + 3.0], "c");
        px += 24.0;
    }
    c.op(&[x + 6.0, y - 5.0], "m");
    c.op(&[px - 10.0, y - 2.0 + j(rng) / 2.0], "l");
    c.buf.extend_from_slice(b"S\n");
}

/// Builds the uncompressed content streams of letter `index` (0-based), `pages` pages long.
pub(crate) fn letter_pages(
    shared: &Shared,
    index: usize,
    item_id: &str,
    pages: usize,
    used: &mut GlyphSet,
) -> Vec<Vec<u8>> {
    let font = shared.font;
    let mut rng = Rng::letter(shared.seed, index);
    let recipient = text::recipient(&mut rng);
    let subject = text::subject(&mut rng);
    let customer = text::customer_number(&mut rng);
    let (closing, signer, role) = text::closing(&mut rng);
    let mut body = Body::new();
    let mut out = Vec::with_capacity(pages);

    for page in 1..=pages {
        let mut c = Content::new(font, used);
        letterhead(&mut c);
        let first = page == 1;
        let last = page == pages;
        let capacity = if first { FIRST_PAGE_LINES } else { NEXT_PAGE_LINES };
        if first {
            c.begin_text();
            c.gray(0.35);
            c.text(6.5, LEFT, PAGE_HEIGHT - 50.0 * MM, text::RETURN_LINE);
            c.gray(0.0);
            let mut y = PAGE_HEIGHT - 57.0 * MM;
            for line in &recipient.address {
                c.text(10.0, LEFT, y, line);
                y -= 12.0;
            }
            c.gray(0.12);
            c.text_right(10.0, RIGHT, PAGE_HEIGHT - 98.0 * MM, &shared.date);
            c.text(10.0, LEFT, PAGE_HEIGHT - 98.0 * MM, &format!("Ref: {item_id}"));
            c.text(10.0, LEFT, PAGE_HEIGHT - 103.0 * MM, &customer);
            c.rgb(0.043, 0.235, 0.365);
            c.text(11.5, LEFT, PAGE_HEIGHT - 114.0 * MM, subject);
            c.gray(0.12);
            c.text(BODY_SIZE, LEFT, PAGE_HEIGHT - 124.0 * MM, &recipient.salutation);
            c.end_text();
        }
        let lines = if last {
            // The last page is filled to a random depth, leaving room for the closing.
            let room = capacity - CLOSING_LINES;
            let target = rng.range(if first { 4 } else { 2 }, room as u32 - 4) as usize;
            body.take_last(target, room, font, &mut rng)
        } else {
            body.take(capacity, font, &mut rng)
        };
        let top = if first { FIRST_BODY_TOP } else { NEXT_BODY_TOP };
        c.begin_text();
        c.gray(0.12);
        c.lines(BODY_SIZE, LEFT, top, &lines);
        c.end_text();
        if last {
            let y = top - LEADING * (lines.len() + 1) as f32;
            c.begin_text();
            c.text(BODY_SIZE, LEFT, y, closing);
            c.text(BODY_SIZE, LEFT, y - 3.0 * LEADING, signer);
            c.gray(0.35);
            c.text(9.0, LEFT, y - 4.0 * LEADING, role);
            c.text(9.0, LEFT, y - 5.0 * LEADING, text::SENDER_NAME);
            c.end_text();
            signature(&mut c, &mut rng, LEFT + 2.0, y - 1.6 * LEADING);
        }
        footer(&mut c, page, pages);
        out.push(c.buf);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact() {
        let mut v = Vec::new();
        for n in [0.0, 1.5, 70.866, -3.0, 841.89, 0.05] {
            num(&mut v, n);
            v.push(b' ');
        }
        assert_eq!(String::from_utf8(v).unwrap(), "0 1.5 70.87 -3 841.89 0.05 ");
    }

    #[test]
    fn page_capacities_are_realistic() {
        assert!((25..=32).contains(&FIRST_PAGE_LINES), "{FIRST_PAGE_LINES}");
        assert!((40..=46).contains(&NEXT_PAGE_LINES), "{NEXT_PAGE_LINES}");
        const { assert!(LEFT > 22.0 * MM && RIGHT < PAGE_WIDTH - 12.0 * MM) };
    }

    #[test]
    fn wrapped_lines_fit() {
        let font = Font::load().unwrap();
        let mut rng = Rng::letter(5, 5);
        let mut lines = Vec::new();
        let max = ((RIGHT - LEFT) * 1000.0 / BODY_SIZE) as u32;
        for _ in 0..20 {
            wrap(&font, &text::paragraph(&mut rng), max, &mut lines);
        }
        assert!(lines.iter().all(|l| font.width(l) <= max));
        assert!(lines.iter().filter(|l| font.width(l) > max * 3 / 4).count() > lines.len() / 2);
    }

    #[test]
    fn letters_are_repeatable() {
        let font = Font::load().unwrap();
        let shared = Shared { font: &font, seed: 9, date: "Hamburg, 1 May 2025".into() };
        let mut u1 = GlyphSet::default();
        let mut u2 = GlyphSet::default();
        let a = letter_pages(&shared, 4, "L0000005", 3, &mut u1);
        let b = letter_pages(&shared, 4, "L0000005", 3, &mut u2);
        assert_eq!(a, b);
        assert_eq!(u1, u2);
        assert_eq!(a.len(), 3);
    }
}
