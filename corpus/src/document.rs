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

/// The 0-based first page of every letter, and the total page count, separators included.
pub(crate) fn first_pages(spec: &CorpusSpec, counts: &[u8]) -> (Vec<usize>, usize) {
    let mut firsts = Vec::with_capacity(counts.len());
    let mut page = 0;
    for (i, &count) in counts.iter().enumerate() {
        if i > 0 && spec.separators {
            page += 1;
        }
        firsts.push(page);
        page += usize::from(count);
    }
    (firsts, page)
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
    /// The `/DPartRoot` dictionary and the root document part, with document parts.
    dpart_root: Option<(Ref, Ref)>,
    /// First record part (letter 0; consecutive), then the first page part (one per letter
    /// page, in page order, separators excluded).
    dpart_records: i32,
    dpart_pages: i32,
    tree: PageTree,
    /// First outline item (letter 0); items are consecutive.
    outline_items: i32,
    /// First page object; page `p` is `pages + 2p`, its content stream `pages + 2p + 1`.
    pages: i32,
    /// Highest object id.
    last: i32,
}

impl Ids {
    fn new(spec: &CorpusSpec, pages: usize) -> Ids {
        let (letters, outline) = (spec.letters, spec.outline);
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
        let dpart_root = spec.dparts.then(|| (alloc_at(&mut next), alloc_at(&mut next)));
        let dpart_records = next;
        let dpart_pages = next + letters as i32;
        if spec.dparts {
            let separators = if spec.separators { letters - 1 } else { 0 };
            next += (letters + pages - separators) as i32;
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
            dpart_root,
            dpart_records,
            dpart_pages,
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

    fn dpart_record(&self, letter: usize) -> Ref {
        Ref::new(self.dpart_records + letter as i32)
    }

    /// The document part of the `n`-th letter page of the file (separators not counted).
    fn dpart_page(&self, n: usize) -> Ref {
        Ref::new(self.dpart_pages + n as i32)
    }
}

fn alloc_at(next: &mut i32) -> Ref {
    let r = Ref::new(*next);
    *next += 1;
    r
}

/// A 16-byte file identifier derived from the spec (FNV-1a, two salts).
fn file_id(spec: &CorpusSpec) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (half, salt) in [(0usize, 0x5eedu64), (8, 0xc0de)] {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
        let mut fields = vec![spec.letters as u64, spec.seed, u64::from(spec.outline)];
        // Later options count only when set, so that earlier specs keep their identifier.
        if spec.dparts || spec.separators {
            fields.extend([u64::from(spec.dparts), u64::from(spec.separators)]);
        }
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

/// Most references in one array of a document part's `/DParts`.
const DPARTS_PER_ARRAY: usize = 4096;

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

/// Makes the objects of letters `letters`; `firsts` holds every letter's first page (0-based).
fn make_batch(
    spec: &CorpusSpec,
    ids: &Ids,
    shared: &Shared,
    counts: &[u8],
    letters: std::ops::Range<usize>,
    firsts: &[usize],
    worker: &mut Worker,
) -> Batch {
    let mut objs = ObjBuf::new();
    let mut records = Vec::with_capacity(letters.len());
    for index in letters {
        let first_page = firsts[index];
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
        // Letter pages before this letter, separators not counted.
        let letter_pages_before = first_page - if spec.separators { index } else { 0 };
        if let Some((_, root_part)) = ids.dpart_root {
            let me = ids.dpart_record(index);
            let mut record = objs.at(me).indirect(me).dict();
            record.pair(Name(b"Type"), Name(b"DPart")).pair(Name(b"Parent"), root_part);
            record
                .insert(Name(b"DParts"))
                .array()
                .push()
                .array()
                .items((0..pages).map(|k| ids.dpart_page(letter_pages_before + k)));
            let mut dpm = record.insert(Name(b"DPM")).dict();
            dpm.insert(Name(b"Recipient")).dict().pair(Name(b"ID"), TextStr(&id));
            dpm.pair(Name(b"PageCount"), pages as i32);
        }
        for (k, content) in streams.iter().enumerate() {
            let p = first_page + k;
            let dpart = ids.dpart_root.map(|_| ids.dpart_page(letter_pages_before + k));
            write_page(&mut objs, ids, p, dpart, &worker.deflater.deflate(content));
            if let Some(me) = dpart {
                objs.at(me)
                    .indirect(me)
                    .dict()
                    .pair(Name(b"Type"), Name(b"DPart"))
                    .pair(Name(b"Parent"), ids.dpart_record(index))
                    .pair(Name(b"Start"), ids.page(p));
            }
        }
        if spec.separators && index + 1 < spec.letters {
            write_page(&mut objs, ids, first_page + pages, None, &worker.deflater.deflate(b""));
        }
        records.push(LetterRecord { item_id: id, first_page: first_page + 1, page_count: pages });
    }
    Batch { objs, records }
}

/// One A4 page (0-based `p`) with its compressed content stream.
fn write_page(objs: &mut ObjBuf, ids: &Ids, p: usize, dpart: Option<Ref>, packed: &[u8]) {
    let (page, stream) = (ids.page(p), ids.content(p));
    let mut writer = objs.at(page).page(page);
    writer
        .parent(Ref::new(ids.tree.parent_of_page(p)))
        .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
        .contents(stream)
        .pair(Name(b"Resources"), ids.resources);
    if let Some(dpart) = dpart {
        writer.pair(Name(b"DPart"), dpart);
    }
    drop(writer);
    objs.at(stream).stream(stream, packed).filter(Filter::FlateDecode);
}

/// Writes the document; returns the letter records and the number of bytes written.
pub(crate) fn write_document<W: Write>(
    spec: &CorpusSpec,
    out: W,
    options: Options,
) -> Result<(Vec<LetterRecord>, u64), CorpusError> {
    spec.validate()?;
    let counts = page_counts(spec);
    let (firsts, total_pages) = first_pages(spec, &counts);
    if total_pages > (i32::MAX as usize - 64) / 3 {
        return Err(CorpusError::InvalidSpec(format!(
            "{total_pages} pages are more than one PDF file can number"
        )));
    }
    let ids = Ids::new(spec, total_pages);
    let font = Font::load()?;
    let shared =
        Shared { font: &font, seed: spec.seed, date: text::letter_date(&mut Rng::constants(spec.seed)) };

    let mut sink = Sink::new(out, ids.last as usize)?;
    sink.put(&head_objects(spec, &ids))?;

    let batches = spec.letters.div_ceil(BATCH);

    let mut records = Vec::with_capacity(spec.letters);
    let workers = pipeline::run_ordered(
        batches,
        options.threads,
        || Worker { deflater: Deflater::new(), used: GlyphSet::default() },
        |worker, b| {
            let letters = b * BATCH..((b + 1) * BATCH).min(spec.letters);
            make_batch(spec, &ids, &shared, &counts, letters, &firsts, worker)
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
    if let Some((root, node)) = ids.dpart_root {
        tail.at(root)
            .indirect(root)
            .dict()
            .pair(Name(b"Type"), Name(b"DPartRoot"))
            .pair(Name(b"DPartRootNode"), node)
            .pair(Name(b"RecordLevel"), 1)
            .insert(Name(b"NodeNameList"))
            .array()
            .items([Name(b"Root"), Name(b"Recipient"), Name(b"Page")]);
        let mut part = tail.at(node).indirect(node).dict();
        part.pair(Name(b"Type"), Name(b"DPart")).pair(Name(b"Parent"), root);
        // An array of arrays, so that no array is longer than older readers accept.
        let mut groups = part.insert(Name(b"DParts")).array();
        for group in (0..spec.letters).collect::<Vec<_>>().chunks(DPARTS_PER_ARRAY) {
            groups.push().array().items(group.iter().map(|&letter| ids.dpart_record(letter)));
        }
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
        if let Some((root, _)) = ids.dpart_root {
            catalog.pair(Name(b"DPartRoot"), root);
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
        let spec = CorpusSpec { letters: 20_000, seed: 3, ..CorpusSpec::default() };
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
        let spec = CorpusSpec { letters: 70, seed: 11, outline: true, dparts: true, separators: true };
        let one = bytes(&spec, 1, false);
        assert_eq!(one, bytes(&spec, 2, false));
        assert_eq!(one, bytes(&spec, 5, false));
    }

    #[test]
    fn xref_stream_ending_keeps_the_objects() {
        let spec = CorpusSpec { letters: 3, seed: 1, ..CorpusSpec::default() };
        let table = bytes(&spec, 1, false);
        let stream = bytes(&spec, 1, true);
        let cut = table.windows(5).position(|w| w == b"xref\n").unwrap();
        assert_eq!(&table[..cut], &stream[..cut]);
        let ending = String::from_utf8_lossy(&stream[cut..]);
        assert!(ending.contains("/Type /XRef") && ending.ends_with("%%EOF\n"));
    }

    #[test]
    fn ids_are_dense() {
        let spec = CorpusSpec { letters: 3, outline: true, ..CorpusSpec::default() };
        let ids = Ids::new(&spec, 200);
        assert_eq!(ids.content(199).get(), ids.last);
        assert_eq!(ids.outline_item(2).get() + 1, ids.page(0).get());
        let spec = CorpusSpec { letters: 3, dparts: true, separators: true, ..CorpusSpec::default() };
        let ids = Ids::new(&spec, 12); // 10 letter pages and 2 separators
        assert_eq!(ids.dpart_page(9).get() + 1, ids.page(0).get());
        assert_eq!(ids.dpart_record(2).get() + 1, ids.dpart_page(0).get());
    }
}
