//! Parsing a generated mail merge: lopdf's full load against the lazy reader opening the file
//! and reading every object, per page.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sheetseal_core::pdf::reader::{LazyPdf, DEFAULT_MAX_OBJECTS};
use sheetseal_corpus::{write_pdf, CorpusSpec};

fn parse(c: &mut Criterion) {
    let spec = CorpusSpec { letters: 1000, seed: 1, ..CorpusSpec::default() };
    let mut bytes = Vec::new();
    let letters = write_pdf(&spec, &mut bytes).expect("corpus");
    let pages: usize = letters.iter().map(|l| l.page_count).sum();
    let bytes: Arc<Vec<u8>> = Arc::new(bytes);
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(pages as u64));
    group.sample_size(10);
    group.bench_function("lopdf_load_1000_letters", |b| {
        b.iter(|| lopdf::Document::load_mem(&bytes).unwrap().objects.len())
    });
    group.bench_function("lazy_open_and_read_every_object_1000_letters", |b| {
        b.iter(|| {
            let pdf = LazyPdf::open(bytes.clone(), DEFAULT_MAX_OBJECTS).unwrap();
            (1..pdf.object_count() as u32).filter(|&n| pdf.get((n, 0)).is_ok()).count()
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
