//! The reading paths of a job, without writing one: any bytes through `ingest::open_bytes` (the
//! lazy reader's cross-reference, object and page-tree parsing, or lopdf's repair); every page's
//! content through the clear-zone scan (inflating and lexing it), as the write stage's workers
//! scan each front; and every page's form with what it refers to copied as the writer copies it,
//! into memory. More runs a second than `pdf_job`, which writes and flushes a whole job for every
//! input that opens. Must never panic, hang or exhaust memory.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sheetseal_core::geometry::Rect;
use sheetseal_core::ingest::leases::ObjectLeases;
use sheetseal_core::ingest::{self, IngestOptions, PageBox};
use sheetseal_core::limits::{DecodeBudget, Limits};
use sheetseal_core::mark::extent::{page_extent, Extent};
use sheetseal_core::write::copy::Copier;
use sheetseal_core::write::file::PdfFile;
use sheetseal_core::write::page_form;
use sheetseal_core::write::shared::SharedObjects;

/// More pages than this is a slow input, not a more interesting one.
const MAX_PAGES: usize = 64;

fn limits() -> Limits {
    Limits { max_stream_bytes: 8 << 20, max_job_decompressed_bytes: 64 << 20, ..Limits::default() }
}

fuzz_target!(|data: &[u8]| {
    let limits = limits();
    let options = IngestOptions { password: None, limits: limits.clone() };
    let Ok(source) = ingest::open_bytes(Path::new("fuzz.pdf"), data, &options) else {
        return;
    };
    for page in source.pages.iter().take(MAX_PAGES) {
        // The displayed page, and a mark-sized area in its top left corner: there the whole
        // content is scanned, as for nearly every sheet; on the whole page the scan stops at the
        // first thing painted.
        let (width, height) = page.display_size();
        let whole = Rect { x0: 0.0, y0: 0.0, x1: width, y1: height };
        let corner = Rect { x0: 0.0, y0: (height - 40.0).max(0.0), x1: width.min(40.0), y1: height };
        let in_corner = page_extent(&source.doc, page, &[corner]);
        let anywhere = page_extent(&source.doc, page, &[whole]);
        // The verdict depends on the page and the area alone.
        assert_eq!(in_corner, page_extent(&source.doc, page, &[corner]));
        assert_eq!(anywhere, page_extent(&source.doc, page, &[whole]));
        if anywhere == Extent::Clear {
            // An area inside one that nothing reaches is not reached either.
            assert_eq!(in_corner, Extent::Clear);
        }
    }
    let budget = DecodeBudget::new(limits.max_job_decompressed_bytes);
    let mut file = PdfFile::new(Vec::new()).expect("writing into memory");
    let mut copier = Copier::new(&limits, &budget);
    let objects = ObjectLeases::new(std::slice::from_ref(&source));
    let mut shared = SharedObjects::default();
    let (mut head, mut body) = (Vec::new(), Vec::new());
    for (index, page) in source.pages.iter().enumerate().take(MAX_PAGES) {
        let bbox = page_form::form_bbox(page, PageBox::Crop, 0.0);
        let doc = objects.of(0);
        let Ok(form) = page_form::prepare(&source, &doc, (0, index), &bbox, (&limits, &budget)) else {
            continue;
        };
        // As the writer does, the form's head is built afresh for each page.
        head.clear();
        for (_, value) in form.entries() {
            copier.serialise_entry(&*doc, &mut file, &mut shared, value, &mut head);
        }
        if copier.flush(&*doc, &mut file, &mut shared, &mut body).is_err() {
            // A limit reached: the job would stop here.
            return;
        }
    }
    // Whatever the copier numbered, it wrote: no reference in the output dangles.
    let root = file.reserve();
    file.write_object(root, b"<<>>").expect("writing into memory");
    file.finish(root, None).expect("every numbered object written");
});
