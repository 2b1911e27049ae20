//! The embedded font: DejaVu Sans (Latin pre-subset shipped in `assets/`), its metrics, text
//! encoding for content streams, and the Type0 / CIDFontType2 objects written at the end of the
//! file, subset to the glyphs that were actually used.
//!
//! Content streams use the glyph ids of the shipped font file as CIDs (Identity-H), so pages can
//! be written before the final glyph set is known; a `/CIDToGIDMap` stream maps them to the glyph
//! ids of the subset embedded at the end.

use crate::writer::ObjBuf;
use crate::CorpusError;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Name, Rect, Ref, Str};

/// The shipped font file (see `assets/README.md` for how it was made).
const FONT_DATA: &[u8] = include_bytes!("../assets/DejaVuSans-Latin.ttf");
/// PostScript name of the font, prefixed by the subset tag in the PDF.
const POSTSCRIPT_NAME: &str = "DejaVuSans";
/// Characters below this code point are looked up in a flat table.
const TABLE_LEN: usize = 0x180;
/// Characters above the table that the font (and the text) may use.
const EXTRA_CHARS: &[char] = &[
    '\u{2013}', '\u{2014}', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201C}', '\u{201D}', '\u{201E}',
    '\u{2022}', '\u{2026}', '\u{20AC}',
];

/// The object ids of the font objects, allocated before any page is written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FontRefs {
    pub(crate) type0: Ref,
    pub(crate) cid_font: Ref,
    pub(crate) descriptor: Ref,
    pub(crate) file: Ref,
    pub(crate) to_unicode: Ref,
    pub(crate) cid_to_gid: Ref,
}

/// Most glyphs the shipped font may have (checked when it is loaded).
const MAX_GLYPHS: usize = 1024;

/// A set of glyph ids (of the shipped font).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GlyphSet([u64; MAX_GLYPHS / 64]);

impl Default for GlyphSet {
    fn default() -> Self {
        GlyphSet([0; MAX_GLYPHS / 64])
    }
}

impl GlyphSet {
    #[inline]
    pub(crate) fn insert(&mut self, gid: u16) {
        let gid = usize::from(gid) % MAX_GLYPHS;
        self.0[gid / 64] |= 1 << (gid % 64);
    }

    pub(crate) fn union_with(&mut self, other: &GlyphSet) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= *b;
        }
    }

    /// The members in ascending order.
    pub(crate) fn to_vec(&self) -> Vec<u16> {
        let mut out = Vec::new();
        for (w, &bits) in self.0.iter().enumerate() {
            for b in 0..64 {
                if bits & (1 << b) != 0 {
                    out.push((w * 64 + b) as u16);
                }
            }
        }
        out
    }
}

/// A character's glyph, its advance and its bytes in a literal string, precomputed.
#[derive(Debug, Clone, Copy, Default)]
struct Code {
    gid: u16,
    /// Advance in thousandths of an em.
    advance: u16,
    /// The 2-byte CID, escaped for a literal string: 2 to 4 bytes.
    bytes: [u8; 4],
    len: u8,
}

impl Code {
    fn new(gid: u16, advance: u16) -> Self {
        let mut code = Code { gid, advance, ..Code::default() };
        for b in gid.to_be_bytes() {
            let esc: &[u8] = match b {
                b'(' => b"\\(",
                b')' => b"\\)",
                b'\\' => b"\\\\",
                b'\r' => b"\\r",
                b'\n' => b"\\n",
                _ => std::slice::from_ref(&b),
            };
            for &e in esc {
                code.bytes[usize::from(code.len)] = e;
                code.len += 1;
            }
        }
        code
    }
}

/// Metrics and character mapping of the shipped font.
pub(crate) struct Font {
    /// Glyph and encoding by code point, for code points below [`TABLE_LEN`] (gid 0 = not
    /// covered).
    table: Vec<Code>,
    /// Glyph ids of [`EXTRA_CHARS`], same order.
    extra: Vec<u16>,
    /// Advance width by glyph id, in thousandths of an em (the unit of `/W`).
    advance: Vec<u16>,
    /// A character for each glyph id (the lowest code point mapping to it), for `/ToUnicode`.
    char_of: Vec<Option<char>>,
    ascent: f32,
    descent: f32,
    cap_height: f32,
    bbox: Rect,
    italic_angle: f32,
}

impl Font {
    /// Parses the shipped font.
    pub(crate) fn load() -> Result<Font, CorpusError> {
        let face = ttf_parser::Face::parse(FONT_DATA, 0)
            .map_err(|e| CorpusError::Font(format!("cannot parse the embedded font: {e}")))?;
        let upem = f32::from(face.units_per_em());
        let scale = |v: f32| (v * 1000.0 / upem).round();
        let glyphs = face.number_of_glyphs();
        if usize::from(glyphs) > MAX_GLYPHS {
            return Err(CorpusError::Font(format!(
                "the embedded font has {glyphs} glyphs, more than {MAX_GLYPHS}"
            )));
        }
        let advance: Vec<u16> = (0..glyphs)
            .map(|g| {
                let adv = face.glyph_hor_advance(ttf_parser::GlyphId(g)).unwrap_or(0);
                scale(f32::from(adv)) as u16
            })
            .collect();
        let mut char_of = vec![None; usize::from(glyphs)];
        let mut lookup = |c: char| -> u16 {
            let gid = face.glyph_index(c).map(|g| g.0).unwrap_or(0);
            if gid != 0 && char_of[usize::from(gid)].is_none() {
                char_of[usize::from(gid)] = Some(c);
            }
            gid
        };
        let table = (0..TABLE_LEN as u32)
            .map(|cp| {
                let gid = match char::from_u32(cp) {
                    Some(c) if !c.is_control() => lookup(c),
                    _ => 0,
                };
                Code::new(gid, advance[usize::from(gid)])
            })
            .collect();
        let extra = EXTRA_CHARS.iter().map(|&c| lookup(c)).collect();
        let bb = face.global_bounding_box();
        Ok(Font {
            table,
            extra,
            advance,
            char_of,
            ascent: scale(f32::from(face.ascender())),
            descent: scale(f32::from(face.descender())),
            cap_height: scale(f32::from(
                face.capital_height()
                    .or_else(|| {
                        let h = face.glyph_index('H')?;
                        Some(face.glyph_bounding_box(h)?.y_max)
                    })
                    .unwrap_or(face.ascender()),
            )),
            bbox: Rect::new(
                scale(f32::from(bb.x_min)),
                scale(f32::from(bb.y_min)),
                scale(f32::from(bb.x_max)),
                scale(f32::from(bb.y_max)),
            ),
            italic_angle: face.italic_angle(),
        })
    }

    /// The glyph id of a character (0, `.notdef`, when the font does not cover it).
    #[inline]
    pub(crate) fn glyph(&self, c: char) -> u16 {
        let cp = c as usize;
        if cp < TABLE_LEN {
            self.table[cp].gid
        } else {
            EXTRA_CHARS.iter().position(|&e| e == c).map_or(0, |i| self.extra[i])
        }
    }

    /// Whether the font has a real glyph for `c`.
    #[cfg(test)]
    pub(crate) fn covers(&self, c: char) -> bool {
        self.glyph(c) != 0
    }

    /// The advance width of `s` in thousandths of an em.
    pub(crate) fn width(&self, s: &str) -> u32 {
        s.chars()
            .map(|c| match self.table.get(c as usize) {
                Some(code) => u32::from(code.advance),
                None => u32::from(self.advance[usize::from(self.glyph(c))]),
            })
            .sum()
    }

    /// Appends `s` as a literal string of 2-byte big-endian CIDs and records its glyphs.
    ///
    /// The bytes are written raw (half the size of a hex string, which matters for speed and
    /// file size), escaping only what a literal string must: `(`, `)`, `\\`, CR and LF.
    pub(crate) fn encode(&self, s: &str, used: &mut GlyphSet, out: &mut Vec<u8>) {
        out.reserve(2 + 2 * s.len() + 8);
        out.push(b'(');
        let mut put = |code: &Code| {
            used.insert(code.gid);
            if code.len == 2 {
                out.extend_from_slice(&code.bytes[..2]);
            } else {
                out.extend_from_slice(&code.bytes[..usize::from(code.len)]);
            }
        };
        if s.is_ascii() {
            for &b in s.as_bytes() {
                put(&self.table[usize::from(b)]);
            }
        } else {
            for c in s.chars() {
                match self.table.get(c as usize) {
                    Some(code) => put(code),
                    None => {
                        let gid = self.glyph(c);
                        put(&Code::new(gid, self.advance[usize::from(gid)]));
                    }
                }
            }
        }
        out.push(b')');
    }

    /// Writes the Type0 font, its CIDFont, descriptor, subset font file, `/ToUnicode` CMap and
    /// `/CIDToGIDMap`, for the glyphs in `used`.
    pub(crate) fn write_objects(
        &self,
        used: &GlyphSet,
        refs: &FontRefs,
        out: &mut ObjBuf,
    ) -> Result<(), CorpusError> {
        let mut gids = used.to_vec();
        if gids.first() != Some(&0) {
            gids.insert(0, 0);
        }
        let remapper = subsetter::GlyphRemapper::new_from_glyphs_sorted(&gids);
        let subset = subsetter::subset(FONT_DATA, 0, &remapper)
            .map_err(|e| CorpusError::Font(format!("cannot subset the embedded font: {e}")))?;
        let base_font = format!("{}+{POSTSCRIPT_NAME}", subset_tag(&gids));
        let base_font = Name(base_font.as_bytes());
        let system_info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

        out.at(refs.type0)
            .type0_font(refs.type0)
            .base_font(base_font)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(refs.cid_font)
            .to_unicode(refs.to_unicode);

        {
            let mut cid = out.at(refs.cid_font).cid_font(refs.cid_font);
            cid.subtype(CidFontType::Type2)
                .base_font(base_font)
                .system_info(system_info)
                .font_descriptor(refs.descriptor)
                .default_width(0.0)
                .cid_to_gid_map_stream(refs.cid_to_gid);
            let mut widths = cid.widths();
            let mut i = 0;
            while i < gids.len() {
                let start = i;
                while i + 1 < gids.len() && gids[i + 1] == gids[i] + 1 {
                    i += 1;
                }
                i += 1;
                widths.consecutive(
                    gids[start],
                    gids[start..i].iter().map(|&g| f32::from(self.advance[usize::from(g)])),
                );
            }
        }

        out.at(refs.descriptor)
            .font_descriptor(refs.descriptor)
            .name(base_font)
            .flags(FontFlags::SYMBOLIC)
            .bbox(self.bbox)
            .italic_angle(self.italic_angle)
            .ascent(self.ascent)
            .descent(self.descent)
            .cap_height(self.cap_height)
            .stem_v(80.0)
            .font_file2(refs.file);

        let packed = crate::writer::deflate(&subset);
        out.at(refs.file)
            .stream(refs.file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
        for &g in &gids {
            if let Some(c) = self.char_of[usize::from(g)] {
                cmap.pair(g, c);
            }
        }
        let cmap = crate::writer::deflate(&cmap.finish());
        out.at(refs.to_unicode).cmap(refs.to_unicode, &cmap).filter(Filter::FlateDecode);

        let max = usize::from(*gids.last().unwrap_or(&0));
        let mut map = vec![0u8; 2 * (max + 1)];
        for &g in &gids {
            let new = remapper.get(g).unwrap_or(0);
            map[2 * usize::from(g)..2 * usize::from(g) + 2].copy_from_slice(&new.to_be_bytes());
        }
        let map = crate::writer::deflate(&map);
        out.at(refs.cid_to_gid).stream(refs.cid_to_gid, &map).filter(Filter::FlateDecode);
        Ok(())
    }
}

/// A six-letter subset tag derived from the glyph set (FNV-1a), as PDF requires for subsets.
fn subset_tag(gids: &[u16]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in gids {
        for b in g.to_be_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|_| {
            let c = (b'A' + (h % 26) as u8) as char;
            h /= 26;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_all_text_the_generator_uses() {
        let font = Font::load().unwrap();
        for s in crate::text::all_static_text() {
            for c in s.chars() {
                assert!(font.covers(c), "font lacks {c:?} (in {s:?})");
            }
        }
    }

    #[test]
    fn encodes_to_two_byte_cids() {
        let font = Font::load().unwrap();
        let mut used = GlyphSet::default();
        let mut out = Vec::new();
        font.encode("A A", &mut used, &mut out);
        let [a0, a1] = font.glyph('A').to_be_bytes();
        let [s0, s1] = font.glyph(' ').to_be_bytes();
        assert_eq!(out, [b'(', a0, a1, s0, s1, a0, a1, b')']);
        assert_eq!(used.to_vec().len(), 2);
        assert!(font.width("AA") == 2 * font.width("A") && font.width("A") > 500);
    }

    #[test]
    fn escapes_delimiters_in_strings() {
        let font = Font::load().unwrap();
        let mut used = GlyphSet::default();
        let mut chars = String::new();
        for cp in 0x20..0x180u32 {
            if let Some(c) = char::from_u32(cp).filter(|&c| font.covers(c)) {
                chars.push(c);
            }
        }
        let mut out = Vec::new();
        font.encode(&chars, &mut used, &mut out);
        let body = &out[1..out.len() - 1];
        let mut i = 0;
        let mut decoded = Vec::new();
        while i < body.len() {
            let b = body[i];
            assert!(!matches!(b, b'(' | b')' | b'\r' | b'\n'), "unescaped {b:#x}");
            if b == b'\\' {
                decoded.push(match body[i + 1] {
                    b'r' => b'\r',
                    b'n' => b'\n',
                    other => other,
                });
                i += 2;
            } else {
                decoded.push(b);
                i += 1;
            }
        }
        let expected: Vec<u8> = chars.chars().flat_map(|c| font.glyph(c).to_be_bytes()).collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn subset_tag_is_six_capitals() {
        let t = subset_tag(&[0, 3, 68]);
        assert_eq!(t.len(), 6);
        assert!(t.bytes().all(|b| b.is_ascii_uppercase()));
        assert_ne!(t, subset_tag(&[0, 3, 69]));
    }
}
