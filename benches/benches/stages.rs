//! Per-stage benchmarks: planning and marking, per sheet.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sheetseal_core::mark::{self, MarkGeometry};
use sheetseal_core::plan::{Layout, Plan};
use sheetseal_core::split::Item;

fn items(count: usize) -> Vec<Item> {
    let mut first = 0;
    (0..count)
        .map(|i| {
            let pages = 1 + (i * 7) % 6;
            let item = Item {
                id: format!("L{i:07}"),
                input: 0,
                first_page: first,
                page_count: pages,
                metadata: Default::default(),
            };
            first += pages;
            item
        })
        .collect()
}

fn plan(c: &mut Criterion) {
    let items = items(10_000);
    let pages: usize = items.iter().map(|i| i.page_count).sum();
    let mut group = c.benchmark_group("plan");
    group.throughput(Throughput::Elements(pages as u64));
    group.bench_function("duplex_10k_letters", |b| b.iter(|| Plan::build(Layout::Duplex, &items)));
    group.finish();
}

fn marks(c: &mut Criterion) {
    let plan = Plan::build(Layout::Duplex, &items(1_000));
    let geometry = MarkGeometry::default();
    let mut group = c.benchmark_group("mark");
    group.throughput(Throughput::Elements(plan.sheets.len() as u64));
    group.bench_function("payloads", |b| b.iter(|| mark::payloads("BENCH", &plan).unwrap()));
    let payloads = mark::payloads("BENCH", &plan).unwrap();
    let leaf = sheetseal_core::geometry::Rect { x0: 0.0, y0: 0.0, x1: 595.0, y1: 842.0 };
    group.bench_function("encode_and_draw", |b| {
        b.iter(|| {
            payloads
                .iter()
                .enumerate()
                .map(|(i, p)| mark::paint(p, i + 1, &geometry, &leaf).unwrap().ops.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, plan, marks);
criterion_main!(benches);
