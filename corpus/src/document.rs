//! Assembly of the whole document: object numbering, the order objects are streamed in, the
//! shared resources, the page tree, the outline and the trailer.
//!
//! Objects are numbered up front from the spec alone (the page count of every letter is drawn
//! before any page is written), so pages can be streamed with their final `/Parent` references
//! and the font, whose subset depends on the text, is written after the last page.

use crate::font::{Font, FontRefs, GlyphSet};
use crate::letter::{self, Shared, PAGE_HEIGHT, PAGE_WIDTH};
use crate::rng::Rng;
use crate::tree::PageTree;
use crate::writer::{deflate, Deflater, ObjBuf, Sink};
use crate::{logo, pipeline, text, CorpusError, CorpusSpec, LetterRecord};
use pdf_writer::types::PageMode;
use pdf_writer::writers::{Catalog, DocumentInfo};
use pdf_writer::{Filter, Name, Rect, Ref, TextStr};
use std::io::Write;

/// Probability weights (percent) of a letter having 1, 2, ... 6 pages; the mean is 2.98.
pub(crate) const PAGE_WEIGHTS: [u32; 6] = [22, 22, 20, 16, 12, 8];

/// The item id of letter `index` (0-based): `L0000001` for the first.
pub fn item_id(index: usize) -> String {
    format!("L{:07}", index + 1)
}

/// The page count of every letter of a spec, in order.
pub(crate) fn page_counts(spec: &CorpusSpec) -> Vec<u8> {
    let mut rng = Rng::layout(spec.seed);
    (0..spec.letters).map(|_| rng.weighted(&PAGE_WEIGHTS) as u8 + 1).collect()
}

/// Object ids of everything in the file.
struct Ids {
    catalog: Ref,
    info: Ref,
    resources: Ref,
    logo: Ref,
    font: FontRefs,
    outline_root: Option<Ref>,
    tree: PageTree,
    /// First outline item (letter 0); items are consecutive.
    outline_items: i32,
    /// First page object; page `p` is `pages + 2p`, its content stream `pages + 2p + 1`.
    pages: i32,
    /// Highest object id.
    last: i32,
}

impl Ids {
    fn new(letters: usize, pages: usize, outline: bool) -> Ids {
        let mut next = 1;
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let catalog = alloc();
        let info = alloc();
        let resources = alloc();
        let logo = alloc();
        let font = FontRefs {
            type0: alloc(),
            cid_font: alloc(),
            descriptor: alloc(),
            file: alloc(),
            to_unicode: alloc(),
            cid_to_gid: alloc(),
        };
        let outline_root = outline.then(&mut alloc);
        let tree = PageTree::new(pages, next);
        next += tree.node_count() as i32;
        let outline_items = next;
        if outline {
            next += letters as i32;
        }
        let pages_start = next;
        next += 2 * pages as i32;
        Ids {
            catalog,
            info,
            resources,
            logo,
            font,
            outline_root,
            tree,
            outline_items,
            pages: pages_start,
            last: next - 1,
        }
    }

    fn page(&self, p: usize) -> Ref {
        Ref::new(self.pages + 2 * p as i32)
    }

    fn content(&self, p: usize) -> Ref {
        Ref::new(self.pages + 2 * p as i32 + 1)
    }

    fn outline_item(&self, letter: usize) -> Ref {
        Ref::new(self.outline_items + letter as i32)
    }
}

/// A 16-byte file identifier derived from the spec (FNV-1a, two salts).
fn file_id(spec: &CorpusSpec) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (half, salt) in [(0usize, 0x5eedu64), (8, 0xc0de)] {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
        let fields = [spec.letters as u64, spec.seed, u64::from(spec.outline)];
        for b in fields.iter().flat_map(|f| f.to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out[half..half + 8].copy_from_slice(&h.to_be_bytes());
    }
    out
}

/// How to write: knobs that change speed or the file's ending, never its pages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Worker threads making pages (the output is the same for any count).
    pub(crate) threads: usize,
    /// End with a cross-reference stream even when a table would do.
    pub(crate) force_xref_stream: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { threads: pipeline::default_threads(), force_xref_stream: false }
    }
}

/// Letters per unit of parallel work.
const BATCH: usize = 16;

/// The objects and records of a run of consecutive letters.
struct Batch {
    objs: ObjBuf,
    records: Vec<LetterRecord>,
}

/// What each worker keeps between batches.
struct Worker {
    deflater: Deflater,
    used: GlyphSet,
}

/// Makes the objects of letters `letters` whose first page is `first_page` (0-based).
fn make_batch(
    spec: &CorpusSpec,
    ids: &Ids,
    shared: &Shared,
    counts: &[u8],
    letters: std::ops::Range<usize>,
    mut first_page: usize,
    worker: &mut Worker,
) -> Batch {
    let mut objs = ObjBuf::new();
    let mut records = Vec::with_capacity(letters.len());
    for index in letters {
        let pages = usize::from(counts[index]);
        let id = item_id(index);
        let streams = letter::letter_pages(shared, index, &id, pages, &mut worker.used);
        if let Some(root) = ids.outline_root {
            let me = ids.outline_item(index);
            let mut item = objs.at(me).outline_item(me);
            item.title(TextStr(&id)).parent(root);
            if index > 0 {
                item.prev(ids.outline_item(index - 1));
            }
            if index + 1 < spec.letters {
                item.next(ids.outline_item(index + 1));
            }
            item.dest().page(ids.page(first_page)).fit();
        }
        for (k, content) in streams.iter().enumerate() {
            let p = first_page + k;
            let (page, stream) = (ids.page(p), ids.content(p));
            objs.at(page)
                .page(page)
                .parent(Ref::new(ids.tree.parent_of_page(p)))
                .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .contents(stream)
                .pair(Name(b"Resources"), ids.resources);
            let packed = worker.deflater.deflate(content);
            objs.at(stream).stream(stream, &packed).filter(Filter::FlateDecode);
        }
        records.push(LetterRecord { item_id: id, first_page: first_page + 1, page_count: pages });
        first_page += pages;
    }
    Batch { objs, records }
}

/// Writes the document; returns the letter records and the number of bytes written.
pub(crate) fn write_document<W: Write>(
    spec: &CorpusSpec,
    out: W,
    options: Options,
) -> Result<(Vec<LetterRecord>, u64), CorpusError> {
    spec.validate()?;
    let counts = page_counts(spec);
    let total_pages: usize = counts.iter().map(|&c| usize::from(c)).sum();
    if total_pages > (i32::MAX as usize - 64) / 3 {
        return Err(CorpusError::InvalidSpec(format!(
            "{total_pages} pages are more than one PDF file can number"
        )));
    }
    let ids = Ids::new(spec.letters, total_pages, spec.outline);
    let font = Font::load()?;
    let shared =
        Shared { font: &font, seed: spec.seed, date: text::letter_date(&mut Rng::constants(spec.seed)) };

    let mut sink = Sink::new(out, ids.last as usize)?;
    sink.put(&head_objects(spec, &ids))?;

    // First page of each batch.
    let batches = spec.letters.div_ceil(BATCH);
    let mut batch_first_page = Vec::with_capacity(batches);
    let mut page = 0;
    for chunk in counts.chunks(BATCH) {
        batch_first_page.push(page);
        page += chunk.iter().map(|&c| usize::from(c)).sum::<usize>();
    }

    let mut records = Vec::with_capacity(spec.letters);
    let workers = pipeline::run_ordered(
        batches,
        options.threads,
        || Worker { deflater: Deflater::new(), used: GlyphSet::default() },
        |worker, b| {
            let letters = b * BATCH..((b + 1) * BATCH).min(spec.letters);
            make_batch(spec, &ids, &shared, &counts, letters, batch_first_page[b], worker)
        },
        |batch| {
            sink.put(&batch.objs)?;
            records.extend(batch.records);
            Ok::<(), CorpusError>(())
        },
    )?;
    let mut used = GlyphSet::default();
    for worker in &workers {
        used.union_with(&worker.used);
    }
    debug_assert_eq!(records.len(), spec.letters);

    let mut tail = ObjBuf::new();
    for node in ids.tree.nodes() {
        let me = Ref::new(node.id);
        let mut pages = tail.at(me).pages(me);
        if let Some(parent) = node.parent {
            pages.parent(Ref::new(parent));
        }
        pages.count(node.count as i32);
        if node.kids_are_pages {
            pages.kids(node.kids.clone().map(|p| ids.page(p)));
        } else {
            pages.kids(node.kids.clone().map(|k| Ref::new(ids.tree.kid_id(&node, k))));
        }
        drop(pages);
        if tail.len() > 1 << 20 {
            sink.put(&tail)?;
            tail = ObjBuf::new();
        }
    }
    if let Some(root) = ids.outline_root {
        tail.at(root)
            .outline(root)
            .first(ids.outline_item(0))
            .last(ids.outline_item(spec.letters - 1))
            .count(spec.letters as i32);
    }
    font.write_objects(&used, &ids.font, &mut tail)?;
    sink.put(&tail)?;
    let (_, bytes) = sink.finish(ids.catalog, ids.info, file_id(spec), options.force_xref_stream)?;
    Ok((records, bytes))
}

/// Catalog, document information, shared resources and the logo image.
fn head_objects(spec: &CorpusSpec, ids: &Ids) -> ObjBuf {
    let mut objs = ObjBuf::new();
    {
        let mut catalog = objs.at(ids.catalog).indirect(ids.catalog).start::<Catalog>();
        catalog.pages(Ref::new(ids.tree.root()));
        if let Some(root) = ids.outline_root {
            catalog.outlines(root).page_mode(PageMode::UseOutlines);
        }
    }
    let title = format!("sheetseal corpus: {} letters, seed {}", spec.letters, spec.seed);
    objs.at(ids.info)
        .indirect(ids.info)
        .start::<DocumentInfo>()
        .title(TextStr(&title))
        .producer(TextStr("sheetseal-corpus"));
    {
        let mut res = objs.at(ids.resources).indirect(ids.resources).dict();
        res.insert(Name(b"Font")).dict().pair(Name(letter::FONT_RESOURCE), ids.font.type0);
        res.insert(Name(b"XObject")).dict().pair(Name(letter::LOGO_RESOURCE), ids.logo);
    }
    let pixels = deflate(&logo::pixels());
    objs.at(ids.logo)
        .image_xobject(ids.logo, &pixels)
        .width(logo::WIDTH as i32)
        .height(logo::HEIGHT as i32)
        .color_space_name(Name(b"DeviceRGB"))
        .bits_per_component(8)
        .filter(Filter::FlateDecode);
    objs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_counts_follow_the_weights() {
        let spec = CorpusSpec { letters: 20_000, seed: 3, outline: false };
        let counts = page_counts(&spec);
        assert!(counts.iter().all(|&c| (1..=6).contains(&c)));
        let mean = counts.iter().map(|&c| f64::from(c)).sum::<f64>() / counts.len() as f64;
        assert!((2.9..3.06).contains(&mean), "mean {mean}");
        let sixes = counts.iter().filter(|&&c| c == 6).count() as f64 / 20_000.0;
        assert!((0.07..0.09).contains(&sixes), "{sixes}");
    }

    #[test]
    fn item_ids_are_padded() {
        assert_eq!(item_id(0), "L0000001");
        assert_eq!(item_id(9_999_998), "L9999999");
    }

    fn bytes(spec: &CorpusSpec, threads: usize, force_xref_stream: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let options = Options { threads, force_xref_stream };
        write_document(spec, &mut out, options).unwrap();
        out
    }

    #[test]
    fn output_does_not_depend_on_threads() {
        let spec = CorpusSpec { letters: 70, seed: 11, outline: true };
        let one = bytes(&spec, 1, false);
        assert_eq!(one, bytes(&spec, 2, false));
        assert_eq!(one, bytes(&spec, 5, false));
    }

    #[test]
    fn xref_stream_ending_keeps_the_objects() {
        let spec = CorpusSpec { letters: 3, seed: 1, outline: false };
        let table = bytes(&spec, 1, false);
        let stream = bytes(&spec, 1, true);
        let cut = table.windows(5).position(|w| w == b"xref\n").unwrap();
        assert_eq!(&table[..cut], &stream[..cut]);
        let ending = String::from_utf8_lossy(&stream[cut..]);
        assert!(ending.contains("/Type /XRef") && ending.ends_with("%%EOF\n"));
    }

    #[test]
    fn ids_are_dense() {
        let ids = Ids::new(3, 200, true);
        assert_eq!(ids.content(199).get(), ids.last);
        assert_eq!(ids.outline_item(2).get() + 1, ids.page(0).get());
    }
}
