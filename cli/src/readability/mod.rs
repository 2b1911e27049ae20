//! The readability proof (`sheetseal marks readability`): real marked output of every preset at
//! a range of module sizes, rendered at several resolutions, degraded like print, decoded by
//! decoders we did not write; the read rates go into a report (docs/readability.md).

mod decoders;
mod degrade;
mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use rayon::prelude::*;
use sheetseal_core::geometry::{mm, Rect};
use sheetseal_core::job::{self, JobConfig};
use sheetseal_core::manifest::Manifest;
use sheetseal_core::mark::{presets, MarkKind, PayloadConfig};
use sheetseal_core::split::SplitRule;

pub use degrade::LEVELS;

#[derive(Args)]
pub struct ReadabilityArgs {
    /// Where to write the report.
    #[arg(long, default_value = "docs/readability.md")]
    out: PathBuf,
    /// Sheets decoded per cell.
    #[arg(long, default_value_t = 12)]
    samples: usize,
    /// Module sizes in millimetres, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.25,0.3,0.35,0.38,0.42,0.45,0.5,0.6")]
    modules: Vec<f64>,
    /// Render resolutions in dpi, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "200,300,600")]
    dpi: Vec<u32>,
    /// Data Matrix presets, comma-separated (default: every one).
    #[arg(long, value_delimiter = ',')]
    presets: Vec<String>,
    /// Seed of the sample letters and of the degradation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also decode the 300 dpi images with libdmtx's dmtxread (slow: up to half a second an image).
    #[arg(long)]
    dmtxread: bool,
    /// Keep the rendered images and jobs in this folder (default: a temporary folder).
    #[arg(long)]
    keep: Option<PathBuf>,
}

/// Millimetres of page rendered around a mark's quiet zone, as a camera's window would see it.
const MARGIN_MM: f64 = 3.0;

/// One rendered and degraded mark, and what each decoder read.
#[derive(Debug, Clone)]
pub struct Sample {
    pub preset: usize,
    pub module: usize,
    pub dpi: usize,
    pub level: usize,
    pub expected: String,
    pub file: String,
    pub rxing: Option<String>,
    pub zxing: Option<String>,
    pub dmtx: Option<Option<String>>,
}

/// What the report needs to know about the setup.
pub struct Setup {
    pub samples: usize,
    pub seed: u64,
    pub modules: Vec<f64>,
    pub dpi: Vec<u32>,
    /// Name, example payload, symbol sizes used.
    pub presets: Vec<(String, String, String)>,
    pub dmtxread: bool,
}

pub fn run(args: ReadabilityArgs) -> Result<()> {
    let started = Instant::now();
    let presets = chosen_presets(&args.presets)?;
    if args.samples == 0 || args.modules.is_empty() || args.dpi.is_empty() {
        bail!("the matrix is empty: give at least one sample, module size and resolution");
    }
    if let Some(bad) = args.dpi.iter().find(|d| !(72..=1200).contains(*d)) {
        bail!("resolution {bad} dpi is outside 72-1200");
    }
    let temp = tempfile::tempdir().context("cannot create a temporary folder")?;
    let work = args.keep.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let images = work.join("images");
    std::fs::create_dir_all(&images).with_context(|| format!("cannot create {}", images.display()))?;
    let (pdf, index) = sample_letters(&work, args.samples, args.seed)?;

    let mut samples = Vec::new();
    let mut setup_presets = Vec::new();
    for (pi, preset) in presets.iter().enumerate() {
        let mut sizes = std::collections::BTreeMap::new();
        for (mi, &module) in args.modules.iter().enumerate() {
            let out = work.join(format!("job-{}-{module}", preset.name));
            let mut config =
                JobConfig::new("READ", vec![pdf.clone()], SplitRule::Index { path: index.clone() }, &out);
            config.payload = PayloadConfig::preset(preset.name).expect("listed preset");
            config.mark.module_mm = module;
            let outcome = job::run(&config)
                .with_context(|| format!("the {} job at {module} mm failed", preset.name))?;
            let manifest = outcome.manifest;
            for (size, count) in manifest.marks.as_ref().map(|m| m.sizes.clone()).unwrap_or_default() {
                *sizes.entry(size).or_insert(0) += count;
            }
            let pdf_out = out.join(&manifest.outputs[0].path);
            for (di, &dpi) in args.dpi.iter().enumerate() {
                let rendered = render_marks(&pdf_out, &manifest, &config, dpi as f64, args.samples)?;
                let cell = Cell { preset: pi, module: mi, dpi: di };
                samples.extend(degrade_and_decode(rendered, cell, dpi as f64, args.seed, &images)?);
            }
        }
        let example = preset.example();
        let sizes: Vec<String> = sizes.keys().cloned().collect();
        setup_presets.push((preset.name.to_string(), example, sizes.join(", ")));
    }

    let zxing = decoders::zxing_cpp(&images)?;
    for sample in &mut samples {
        sample.zxing = zxing.get(&sample.file).cloned().flatten();
    }
    if args.dmtxread {
        let at_300 = args.dpi.iter().position(|&d| d == 300).unwrap_or(0);
        let results: Vec<(usize, Option<String>)> = samples
            .par_iter()
            .enumerate()
            .filter(|(_, s)| s.dpi == at_300)
            .map(|(i, s)| Ok((i, decoders::dmtxread(&images.join(&s.file))?)))
            .collect::<Result<_>>()?;
        for (i, read) in results {
            samples[i].dmtx = Some(read);
        }
    }

    let setup = Setup {
        samples: args.samples,
        seed: args.seed,
        modules: args.modules.clone(),
        dpi: args.dpi.clone(),
        presets: setup_presets,
        dmtxread: args.dmtxread,
    };
    let findings = report::Findings::new(&setup, &samples);
    let text = report::markdown(&setup, &samples, &findings);
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    sheetseal_core::write::atomic::AtomicFile::write_all(&args.out, text.as_bytes())
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    for line in findings.summary_lines(&setup) {
        say!("{line}")?;
    }
    say!(
        "{} images decoded by {} decoders in {:.1} s; report: {}",
        samples.len(),
        if args.dmtxread { 3 } else { 2 },
        started.elapsed().as_secs_f64(),
        args.out.display()
    )?;
    Ok(())
}

/// A row and column of the matrix, before the degradation level.
#[derive(Debug, Clone, Copy)]
struct Cell {
    preset: usize,
    module: usize,
    dpi: usize,
}

/// Degrades every rendered mark at every level, writes the images for the other decoders and
/// decodes them with rxing.
fn degrade_and_decode(
    rendered: Vec<RenderedMark>,
    cell: Cell,
    dpi: f64,
    seed: u64,
    images: &Path,
) -> Result<Vec<Sample>> {
    let jobs: Vec<(usize, &RenderedMark, usize)> = rendered
        .iter()
        .enumerate()
        .flat_map(|(si, mark)| (0..LEVELS.len()).map(move |li| (si, mark, li)))
        .collect();
    jobs.into_par_iter()
        .map(|(si, (expected, image, grid), li)| {
            let level_cell = (((cell.preset * 64 + cell.module) * 16 + cell.dpi) * 8 + li) as u64;
            let sample_seed = seed ^ level_cell.wrapping_mul(1_000_003) ^ si as u64;
            let degraded = degrade::degrade(image, grid, &LEVELS[li], dpi, sample_seed);
            let file = format!("p{}-m{}-d{}-l{li}-s{si:03}.pgm", cell.preset, cell.module, cell.dpi);
            decoders::write_pgm(&degraded, &images.join(&file))?;
            Ok(Sample {
                preset: cell.preset,
                module: cell.module,
                dpi: cell.dpi,
                level: li,
                expected: expected.clone(),
                rxing: decoders::rxing(&degraded),
                file,
                zxing: None,
                dmtx: None,
            })
        })
        .collect()
}

fn chosen_presets(names: &[String]) -> Result<Vec<&'static presets::Preset>> {
    let all_matrix = || presets::PRESETS.iter().filter(|p| p.kind == MarkKind::DataMatrix).collect();
    if names.is_empty() {
        return Ok(all_matrix());
    }
    names
        .iter()
        .map(|name| match presets::preset(name) {
            Some(p) if p.kind == MarkKind::DataMatrix => Ok(p),
            Some(_) => bail!("preset '{name}' is not a Data Matrix: the decoders read Data Matrix only"),
            None => bail!("unknown preset '{name}': use one of {}", presets::names()),
        })
        .collect()
}

/// A generated mail merge and an index with `feeders` and `divert` columns for the instruction
/// preset.
fn sample_letters(work: &Path, letters: usize, seed: u64) -> Result<(PathBuf, PathBuf)> {
    let spec = sheetseal_corpus::CorpusSpec { letters: letters.max(4), seed, ..Default::default() };
    let sample =
        sheetseal_corpus::generate(&spec, &work.join("sample")).context("cannot generate the sample")?;
    let plain = std::fs::read_to_string(&sample.index_path)?;
    let mut index = String::new();
    for (i, line) in plain.lines().enumerate() {
        if i == 0 {
            index.push_str(&format!("{line},feeders,divert\n"));
        } else {
            let feeders = ["1", "2;3", "", "1;2"][i % 4];
            index.push_str(&format!("{line},{feeders},{}\n", (i % 5 == 0) as u8));
        }
    }
    let path = work.join("sample/index-instructions.csv");
    std::fs::write(&path, index)?;
    Ok((sample.pdf_path, path))
}

/// A rendered mark: its payload, its image and where its modules are.
type RenderedMark = (String, sheetseal_core::mark::raster::Gray, degrade::ModuleGrid);

/// Renders the first `count` sheets' marks (with a margin of page around them) at `dpi`, with
/// anti-aliasing.
fn render_marks(
    pdf: &Path,
    manifest: &Manifest,
    config: &JobConfig,
    dpi: f64,
    count: usize,
) -> Result<Vec<RenderedMark>> {
    let pdfium = sheetseal_core::pdfium::pdfium()?;
    let document =
        pdfium.load_pdf_from_file(pdf, None).context("the renderer cannot open the marked output")?;
    let quiet = config.mark.quiet_pt();
    let margin = mm(MARGIN_MM);
    let px = dpi / 72.0;
    manifest
        .sheets
        .iter()
        .take(count)
        .map(|sheet| {
            let [x, y, w, h] = sheet.mark.zone;
            let area = Rect { x0: x - margin, y0: y - margin, x1: x + w + margin, y1: y + h + margin };
            let page = document.pages().get((sheet.front_page - 1) as _)?;
            let size = (sheet.size[0], sheet.size[1]);
            let raster = sheetseal_core::mark::raster::render_region(&page, size, &area, dpi, true)?
                .context("the mark lies outside its page")?;
            let grid = degrade::ModuleGrid {
                left: (x + quiet) * px - raster.left,
                top: (size.1 - (y + h - quiet)) * px - raster.top,
                module: mm(config.mark.module_mm) * px,
                columns: sheet.mark.modules[0],
                rows: sheet.mark.modules[1],
            };
            Ok((sheet.payload.clone(), raster.luma(), grid))
        })
        .collect()
}
