//! Per-stage benchmarks: splitting and writing a generated mail merge, per input page;
//! planning, per page; marking, per sheet. (Parsing is in `parse`, the marks' steps in `marks`.)

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sheetseal_core::mark::{self, MarkGeometry};
use sheetseal_core::plan::{FlipAxis, Layout, LayoutSpec, Plan};
use sheetseal_core::split::Item;

fn items(count: usize) -> Vec<Item> {
    let mut first = 0;
    (0..count)
        .map(|i| {
            let pages = 1 + (i * 7) % 6;
            let item = Item::new(format!("L{i:07}"), 0, first, pages);
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
    group.bench_function("duplex_10k_letters", |b| {
        b.iter(|| Plan::build(&LayoutSpec::default(), FlipAxis::Vertical, &items))
    });
    let two_up = LayoutSpec { layout: Layout::NUp { columns: 2, rows: 1 }, ..LayoutSpec::default() };
    group.bench_function("cut_stack_2up_10k_letters", |b| {
        b.iter(|| Plan::build(&two_up, FlipAxis::Horizontal, &items))
    });
    group.finish();
}

fn marks(c: &mut Criterion) {
    let plan = Plan::build(&LayoutSpec::default(), FlipAxis::Vertical, &items(1_000));
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

/// Each split rule on 1,000 letters that carry an index, bookmarks, "Page n of m" footers and
/// PDF/VT document parts.
fn split(c: &mut Criterion) {
    use sheetseal_core::split::{self, SplitRule};
    let sample = sheetseal_benches::Sample::new(1_000);
    let mut group = c.benchmark_group("split");
    group.throughput(Throughput::Elements(sample.pages() as u64));
    group.sample_size(20);
    let index = format!("index:{}", sample.generated.index_path.display());
    for rule in [index.as_str(), "outline", "text:Page 1 of", "dpart", "fixed:1"] {
        let name = rule.split(':').next().unwrap_or(rule);
        let rule: SplitRule = rule.parse().unwrap();
        group.bench_function(format!("{name}_1000_letters"), |b| {
            b.iter(|| {
                split::split(&rule, 0, &sample.source, None, &split::text::page_matches).unwrap().items.len()
            })
        });
    }
    group.finish();
}

/// The write stage on 1,000 letters duplex 1-up with the default marks, into nothing: the
/// imposed file made (page forms, sides, marks, cross-reference table) but not stored. Per
/// input page: what copying a page costs, to hold the marks' cost against. With the clear-zone
/// scan its workers do beside, and on SRA3 2-up.
fn write(c: &mut Criterion) {
    use sheetseal_core::ingest::leases::ObjectLeases;
    use sheetseal_core::limits::{DecodeBudget, Limits};
    use sheetseal_core::mark::clear::ClearZoneScans;
    use sheetseal_core::plan::geometry::{SheetSize, SheetSpec};
    use sheetseal_core::write::impose::{write_file, AnnotationPolicy, ImposeJob};

    let sample = sheetseal_benches::Sample::new(1_000);
    let sources = std::slice::from_ref(&sample.source);
    let limits = Limits::default();
    let budget = DecodeBudget::new(u64::MAX);
    let sheet = SheetSpec::default();
    let objects = ObjectLeases::new(sources);
    let job = ImposeJob {
        job: "BENCH",
        objects: &objects,
        plan: &sample.plan,
        payloads: &sample.marks.payloads,
        symbols: &sample.marks.symbols,
        geometry: &sample.geometry,
        sheet: &sheet,
        grid: None,
        page_box: Default::default(),
        annotations: AnnotationPolicy::default(),
        limits: &limits,
        budget: &budget,
        beside: None,
    };
    let mut group = c.benchmark_group("write");
    group.throughput(Throughput::Elements(sample.pages() as u64));
    group.sample_size(20);
    group.bench_function("duplex_1000_letters", |b| {
        b.iter(|| write_file(&job, 0, std::io::sink()).unwrap().1.pages)
    });
    let clear_job = sample.clear_zone_job(&sheet);
    group.bench_function("duplex_1000_letters_with_clear_zone_scan", |b| {
        b.iter(|| {
            let scans = ClearZoneScans::new(&clear_job);
            let scan = |press: usize| scans.scan_press_sheet(press, &objects);
            let job = ImposeJob { beside: Some(&scan), ..job };
            let pages = write_file(&job, 0, std::io::sink()).unwrap().1.pages;
            (pages, scans.finish(&objects).collisions())
        })
    });
    let two_up = LayoutSpec { layout: Layout::NUp { columns: 2, rows: 1 }, ..LayoutSpec::default() };
    let sra3 = SheetSpec { sheet: "SRA3".parse::<SheetSize>().unwrap(), ..SheetSpec::default() };
    let cell = (595.276, 841.89);
    let grid = sra3.grid(&two_up, cell).unwrap().unwrap();
    let plan = Plan::build(&two_up, FlipAxis::Horizontal, &sample.items);
    let marks = mark::prepare("BENCH", &plan, &Default::default(), &sample.geometry).unwrap();
    let job = ImposeJob {
        plan: &plan,
        payloads: &marks.payloads,
        symbols: &marks.symbols,
        sheet: &sra3,
        grid: Some(&grid),
        ..job
    };
    group.bench_function("2up_sra3_1000_letters", |b| {
        b.iter(|| write_file(&job, 0, std::io::sink()).unwrap().1.pages)
    });
    group.finish();
}

criterion_group!(benches, split, plan, marks, write);
criterion_main!(benches);
