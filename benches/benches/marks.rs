//! The mark stage, per mark: payload rendering from a template, Data Matrix encoding, drawing
//! the vector runs, and compressing the mark's content stream as the writer does (the operator
//! code; `deflater_reused` is the whole side's stream object).

use std::io::Write;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use flate2::{write::ZlibEncoder, Compression};
use sheetseal_core::geometry::Rect;
use sheetseal_core::mark::presets::PRESETS;
use sheetseal_core::mark::symbol::{self, Encodation, Modules, SymbolOptions};
use sheetseal_core::mark::template::SheetFacts;
use sheetseal_core::mark::{self, draw, MarkGeometry, MarkKind};

const A4: Rect = Rect { x0: 0.0, y0: 0.0, x1: 595.276, y1: 841.89 };
const BATCH: usize = 1000;

/// `BATCH` distinct payloads of a preset.
fn payloads(preset: &str) -> Vec<String> {
    let template = mark::presets::preset(preset).unwrap().template();
    let metadata = [("feeders".to_string(), "1;3".to_string())].into();
    (0..BATCH)
        .map(|i| {
            let facts = SheetFacts {
                job: "BENCH",
                piece: 1000 + i / 3,
                item_id: &format!("L{:07}", 1000 + i / 3),
                sheet: 1 + i % 3,
                sheets: 3,
                seq: i + 1,
                metadata: &metadata,
            };
            template.render(&facts, None).unwrap()
        })
        .collect()
}

fn template(c: &mut Criterion) {
    let mut group = c.benchmark_group("mark/payload");
    group.throughput(Throughput::Elements(BATCH as u64));
    for preset in PRESETS.iter().filter(|p| p.kind == MarkKind::DataMatrix) {
        group.bench_function(preset.name, |b| b.iter(|| payloads(preset.name)));
    }
    group.finish();
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("mark/encode");
    group.throughput(Throughput::Elements(BATCH as u64));
    // As the job encodes: one encoder a job, each payload into a packed symbol.
    let encoder = symbol::Encoder::new(&SymbolOptions::default());
    for preset in PRESETS.iter().filter(|p| p.kind == MarkKind::DataMatrix) {
        let payloads = payloads(preset.name);
        group.bench_function(preset.name, |b| {
            b.iter(|| payloads.iter().map(|p| encoder.encode_packed(p).unwrap().rows()).sum::<usize>())
        });
    }
    let payloads = payloads("default");
    let all_modes =
        symbol::Encoder::new(&SymbolOptions { encodation: Encodation::ALL, ..Default::default() });
    group.bench_function("default_all_modes", |b| {
        b.iter(|| payloads.iter().map(|p| all_modes.encode_packed(p).unwrap().rows()).sum::<usize>())
    });
    group.finish();
}

fn draw_and_compress(c: &mut Criterion) {
    let payloads = payloads("default");
    let encoder = symbol::Encoder::new(&SymbolOptions::default());
    let symbols: Vec<_> = payloads.iter().map(|p| encoder.encode_packed(p).unwrap()).collect();
    let mut group = c.benchmark_group("mark/draw");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("runs", |b| {
        b.iter_batched_ref(
            || Vec::with_capacity(2048),
            |out: &mut Vec<u8>| {
                for symbol in &symbols {
                    out.clear();
                    draw::symbol_runs(symbol, out);
                }
            },
            BatchSize::SmallInput,
        )
    });
    let geometry = MarkGeometry::default();
    group.bench_function("paint (draw and place an encoded symbol)", |b| {
        b.iter(|| {
            payloads
                .iter()
                .zip(&symbols)
                .map(|(p, s)| mark::paint_encoded(p, Some(s), 1, &geometry, &A4).unwrap().ops.len())
                .sum::<usize>()
        })
    });
    group.finish();

    let streams: Vec<Vec<u8>> =
        payloads.iter().map(|p| mark::paint(p, 1, &geometry, &A4).unwrap().ops).collect();
    let mut group = c.benchmark_group("mark/compress");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("deflate_fast", |b| {
        b.iter(|| {
            streams
                .iter()
                .map(|ops| {
                    let mut encoder = ZlibEncoder::new(Vec::with_capacity(ops.len()), Compression::fast());
                    encoder.write_all(ops).unwrap();
                    encoder.finish().unwrap().len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("small_deflate", |b| {
        let mut deflater = sheetseal_core::write::small_deflate::SmallDeflater::default();
        b.iter(|| streams.iter().map(|ops| deflater.compress(ops).len()).sum::<usize>())
    });
    group.bench_function("operator_code", |b| {
        use sheetseal_core::write::operator_deflate;
        b.iter(|| streams.iter().map(|ops| operator_deflate::compress(ops).unwrap().len()).sum::<usize>())
    });
    group.bench_function("deflater_reused", |b| {
        let mut deflater = sheetseal_core::write::deflate::Deflater::default();
        b.iter(|| streams.iter().map(|ops| deflater.content_stream(ops).unwrap().len()).sum::<usize>())
    });
    group.finish();
}

/// The clear-zone check per sheet, on generated letters: the content-stream scan proves most
/// mark areas empty; the rest are rendered with pdfium.
fn clear_zone(c: &mut Criterion) {
    use sheetseal_core::mark::clear::{self, ClearZoneJob};

    let sample = sheetseal_benches::Sample::new(200);
    let sheet = sheetseal_core::plan::geometry::SheetSpec::default();
    let job = sample.clear_zone_job(&sheet);
    let mut group = c.benchmark_group("mark/clear_zone");
    group.throughput(Throughput::Elements(sample.plan.sheets.len() as u64));
    group.sample_size(20);
    group.bench_function("letters_default_place", |b| b.iter(|| clear::check(&job).unwrap().collisions()));
    let on_text = MarkGeometry { x_mm: 25.0, y_mm: 120.0, ..sample.geometry };
    let job = ClearZoneJob { geometry: &on_text, ..job };
    group.bench_function("letters_on_body_text (rendered)", |b| {
        b.iter(|| clear::check(&job).unwrap().collisions())
    });
    group.finish();
}

criterion_group!(benches, template, encode, draw_and_compress, clear_zone);
criterion_main!(benches);
