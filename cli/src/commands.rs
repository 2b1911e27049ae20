//! Subcommands and their arguments.

use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use sheetseal_core::ingest::PageBox;
use sheetseal_core::job::{self, JobConfig, JobOutcome, RunOptions, Teardown};
use sheetseal_core::plan::geometry::{PrinterMarks, Scaling, SheetSize, SheetSpec};
use sheetseal_core::plan::{Binding, LayoutChoice, LayoutSpec, StackOrder};
use sheetseal_core::split::{SplitRule, TextReader};
use sheetseal_core::write::impose::AnnotationPolicy;

use crate::job_progress::JobProgress;
use crate::split_args::SplitArgs;

use crate::cmd_marks::MarksArgs;
use crate::mark_args::MarkArgs;

#[derive(Parser)]
#[command(
    name = "sheetseal",
    version,
    about = "Impose mail-merged PDFs for production mail, with a Data Matrix integrity mark on every sheet"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Split, impose and mark a PDF; write the print file and its manifest into --out.
    Impose(Box<ImposeArgs>),
    /// Run a job from a JSON job description (the C API's; a manifest's `config` reads back).
    Run(RunArgs),
    /// Generate a sample of mail-merged letters (PDF and index) for demos and benchmarks.
    Corpus(CorpusArgs),
    /// Generate a sample and run the main job on it.
    Demo(DemoArgs),
    /// Measure the main job on generated corpora of several sizes (and peers, where installed).
    Bench(crate::cmd_bench::BenchArgs),
    /// Check a finished job before printing: files, hashes, and every sheet's mark read back.
    Verify(crate::cmd_verify::VerifyArgs),
    /// Write an inserter control file (CSV, JSON Lines or fixed-width) from a job's manifest.
    Export(crate::cmd_export::ExportArgs),
    /// Reconcile an inserter camera log with the job: every envelope and item, and a reprint list.
    Reconcile(crate::cmd_reconcile::ReconcileArgs),
    /// Record returned mail (scanned marks) in the job's append-only returns ledger.
    Returns(crate::cmd_returns::ReturnsArgs),
    /// Split input(s) by a rule and show the items found, without writing a print file.
    SplitCheck(crate::cmd_split_check::SplitCheckArgs),
    /// Render a finished job's sheets to PNG (optionally with an overlay and contact sheets).
    Preview(crate::cmd_preview::PreviewArgs),
    /// Mark payload presets and the readability proof.
    Marks(MarksArgs),
    /// Apply a retention period: overwrite and delete job folders older than --older-than days.
    Purge(crate::cmd_purge::PurgeArgs),
    /// Write docs/robustness.md: every corpus file's outcome, time and memory, the limits in
    /// force, fuzzing and kill-test records.
    RobustnessReport(crate::cmd_robustness::RobustnessArgs),
    /// Internal: reads the page text of a share of an input for a text split (a request on
    /// standard input, one JSON string a page on standard output).
    #[command(hide = true)]
    TextWorker,
}

#[derive(Args)]
struct RunArgs {
    /// The job description: JSON with at least `job`, `inputs` and `split` (docs/c-api.md).
    description: PathBuf,
    /// Output folder, instead of the description's `out_dir`.
    #[arg(long)]
    out: Option<PathBuf>,
    /// A file whose first line is the password of encrypted inputs.
    #[arg(long)]
    password_file: Option<PathBuf>,
}

#[derive(Args)]
struct ImposeArgs {
    /// The mail-merged PDF(s), each split by the same rule; none with --split files:DIR.
    inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Job identifier printed in every mark: 1-12 characters A-Z, 0-9, '-'.
    #[arg(long)]
    job: String,
    /// The customer account the job belongs to, recorded in the manifest (reconcile tells
    /// accounts apart with it).
    #[arg(long)]
    account: Option<String>,
    #[command(flatten)]
    split: SplitArgs,
    #[command(flatten)]
    imposition: ImpositionArgs,
    #[command(flatten)]
    mark: MarkArgs,
    /// Password of an encrypted input.
    #[arg(long, conflicts_with = "password_file")]
    password: Option<String>,
    /// File whose first line is the password of an encrypted input.
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// Write the stage timings of this run as JSON to FILE (kept out of the manifest, which must
    /// not depend on timing).
    #[arg(long, hide = true)]
    stats: Option<PathBuf>,
    #[command(flatten)]
    limits: crate::limits_args::LimitsArgs,
    /// After the job has succeeded, overwrite and delete the input PDF(s) and the split index
    /// (the "deleted after successful processing" policy); one audit line per file.
    #[arg(long)]
    delete_input_on_success: bool,
}

#[derive(Args)]
#[command(next_help_heading = "Imposition")]
struct ImpositionArgs {
    /// duplex (default), simplex, nup:CxR (C columns, R rows of cells on a press sheet) or booklet.
    #[arg(long, default_value = "duplex")]
    layout: LayoutChoice,
    /// For n-up: print both sides (duplex, default) or fronts only (simplex).
    #[arg(long, value_parser = ["duplex", "simplex"])]
    sides: Option<String>,
    /// The edge a duplex press sheet turns over about: long (default) or short. Set the printer the same way.
    #[arg(long, default_value = "long")]
    binding: Binding,
    /// N-up leaf order: cut-stack (default; stacks piled in cell order give job order) or row.
    #[arg(long, default_value = "cut-stack")]
    order: StackOrder,
    /// Press sheets per cut-and-stack block.
    #[arg(long, default_value_t = LayoutSpec::default().stack_depth)]
    stack_depth: usize,
    /// Let a letter continue from one cut-and-stack block into the next (saves paper, costs a manual merge).
    #[arg(long)]
    allow_straddle: bool,
    /// Booklet: sheets per saddle-stitched signature.
    #[arg(long, default_value_t = LayoutSpec::default().signature)]
    signature: usize,
    /// Booklet: total creep compensation across a signature, in mm.
    #[arg(long, default_value_t = 0.0)]
    creep: f64,
    /// Press sheet: A3, SRA3, A4, letter, tabloid, WxHmm, or auto (1-up: the page's size; n-up: SRA3).
    #[arg(long, default_value = "auto")]
    sheet: SheetSize,
    /// Cell (leaf trim) size as WxHmm; default: the largest page.
    #[arg(long, value_parser = parse_cell)]
    cell: Option<(f64, f64)>,
    /// Smallest margin between the cells and the sheet edge, mm.
    #[arg(long, default_value_t = SheetSpec::default().margin_mm)]
    margin: f64,
    /// Space between cells, mm.
    #[arg(long, default_value_t = 0.0)]
    gutter: f64,
    /// Page content shown beyond the cell edge, mm.
    #[arg(long, default_value_t = 0.0)]
    bleed: f64,
    /// Page scaling in its cell: none, fit or shrink (default).
    #[arg(long, default_value = "shrink")]
    scaling: Scaling,
    /// Do not turn pages whose orientation differs from the cell's.
    #[arg(long)]
    no_auto_rotate: bool,
    /// Page box placed: crop (default), trim or media.
    #[arg(long = "box", default_value = "crop")]
    page_box: PageBox,
    /// Printer's marks on press sheets: a list of crop, registration, fold, slug; all; none.
    /// Default: crop,fold,slug for n-up and booklets on a press sheet, none for 1-up.
    #[arg(long)]
    printer_marks: Option<PrinterMarks>,
    /// Start a new output file after this many press sheets.
    #[arg(long)]
    max_sheets_per_file: Option<usize>,
    /// Annotations and form fields: flatten (default: printed as shown) or drop.
    #[arg(long, default_value = "flatten")]
    annotations: AnnotationPolicy,
}

impl ImpositionArgs {
    fn layout(&self) -> LayoutSpec {
        let duplex = self.layout.duplex.unwrap_or(self.sides.as_deref() != Some("simplex"));
        LayoutSpec {
            layout: self.layout.layout,
            duplex,
            binding: self.binding,
            order: self.order,
            stack_depth: self.stack_depth,
            allow_straddle: self.allow_straddle,
            signature: self.signature,
            creep_mm: self.creep,
            max_sheets_per_file: self.max_sheets_per_file,
        }
    }

    fn sheet(&self) -> SheetSpec {
        let on_press_sheet =
            self.layout.layout != sheetseal_core::plan::Layout::OneUp || self.sheet != SheetSize::Auto;
        let default_marks = PrinterMarks { crop: true, fold: true, slug: true, registration: false };
        SheetSpec {
            sheet: self.sheet,
            cell_mm: self.cell,
            margin_mm: self.margin,
            gutter_mm: self.gutter,
            bleed_mm: self.bleed,
            scaling: self.scaling,
            auto_rotate: !self.no_auto_rotate,
            printer_marks: self.printer_marks.unwrap_or(if on_press_sheet {
                default_marks
            } else {
                PrinterMarks::default()
            }),
        }
    }
}

fn parse_cell(text: &str) -> Result<(f64, f64), String> {
    let help = || format!("'{text}': write the cell size as WxHmm, e.g. 210x297mm");
    let (w, h) = text.strip_suffix("mm").and_then(|d| d.split_once('x')).ok_or_else(help)?;
    Ok((w.parse().map_err(|_| help())?, h.parse().map_err(|_| help())?))
}

#[derive(Args)]
struct CorpusArgs {
    /// How many letters.
    #[arg(long, default_value_t = 300)]
    letters: usize,
    /// Seed of the generator: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder for letters.pdf and letters.csv.
    #[arg(long)]
    out: PathBuf,
    /// Add one top-level bookmark per letter.
    #[arg(long)]
    outline: bool,
    /// Describe the letters as PDF/VT document parts (/DPartRoot, /DPM per letter).
    #[arg(long)]
    dparts: bool,
    /// Put a blank separator page between consecutive letters.
    #[arg(long)]
    separators: bool,
}

#[derive(Args)]
struct DemoArgs {
    /// Folder for the sample and the job's output.
    #[arg(long, default_value = "sheetseal-demo")]
    out: PathBuf,
    /// How many letters in the sample.
    #[arg(long, default_value_t = 300)]
    letters: usize,
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Impose(args) => impose(*args),
        Command::Run(args) => run_description(args),
        Command::Corpus(args) => corpus(args),
        Command::Demo(args) => demo(args),
        Command::Bench(args) => crate::cmd_bench::run(args),
        Command::Verify(args) => crate::cmd_verify::run(args),
        Command::Export(args) => crate::cmd_export::run(args),
        Command::Reconcile(args) => crate::cmd_reconcile::run(args),
        Command::Returns(args) => crate::cmd_returns::run(args),
        Command::SplitCheck(args) => crate::cmd_split_check::run(args),
        Command::Preview(args) => crate::cmd_preview::run(args),
        Command::Marks(args) => crate::cmd_marks::run(args),
        Command::Purge(args) => crate::cmd_purge::purge(args),
        Command::RobustnessReport(args) => crate::cmd_robustness::robustness_report(args),
        Command::TextWorker => crate::text_workers::worker(),
    }
}

fn impose(args: ImposeArgs) -> Result<()> {
    let password = match &args.password_file {
        Some(path) => Some(read_password(path)?),
        None => args.password.clone(),
    };
    let mut config = JobConfig {
        password,
        layout: args.imposition.layout(),
        sheet: args.imposition.sheet(),
        page_box: args.imposition.page_box,
        annotations: args.imposition.annotations,
        account: args.account,
        max_sheets_per_item: args.split.max_sheets_per_item,
        on_oversize: args.split.on_oversize,
        limits: args.limits.limits(),
        ..JobConfig::new(&args.job, args.inputs, args.split.rule()?, &args.out)
    };
    args.mark.apply(&mut config)?;
    let started = Instant::now();
    let outcome = run_job(&config, started)?;
    if let Some(path) = &args.stats {
        let stats = crate::cmd_bench::RunStats::of(&outcome, started.elapsed());
        std::fs::write(path, serde_json::to_vec(&stats)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.delete_input_on_success {
        let mut inputs = config.inputs.clone();
        if let SplitRule::Index { path } = &config.split {
            inputs.push(path.clone());
        }
        crate::cmd_purge::delete_inputs(&inputs)?;
    }
    Ok(())
}

/// Runs a job and prints its summary. The command ends after it, so what the job built, and the
/// outcome with its manifest records, is left to the process's end rather than freed object by
/// object (at 10,000 letters the records alone took 3-5 ms to free, after the job was done).
fn run_job(config: &JobConfig, started: Instant) -> Result<ManuallyDrop<JobOutcome>> {
    let text_reader = Some(&crate::text_workers::page_matches as &TextReader);
    let options = RunOptions { text_reader, teardown: Teardown::AtProcessExit, ..RunOptions::default() };
    let outcome = match JobProgress::on_terminal(started) {
        Some(mut bar) => {
            let mut on_progress = |progress| bar.update(progress);
            let outcome = job::run_with(config, RunOptions { progress: Some(&mut on_progress), ..options });
            bar.finish();
            outcome
        }
        None => job::run_with(config, options),
    };
    let outcome = outcome.with_context(|| {
        format!("job {} failed; nothing was completed in {}", config.job, config.out_dir.display())
    })?;
    print_summary(config, &outcome, started);
    Ok(ManuallyDrop::new(outcome))
}

fn run_description(args: RunArgs) -> Result<()> {
    let path = &args.description;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the job description {}", path.display()))?;
    let mut config: JobConfig = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid job description", path.display()))?;
    if let Some(out) = args.out {
        config.out_dir = out;
    }
    if config.out_dir.as_os_str().is_empty() {
        anyhow::bail!("{} names no out_dir: give one there or with --out DIR", path.display());
    }
    if let Some(file) = &args.password_file {
        config.password = Some(read_password(file)?);
    }
    run_job(&config, Instant::now()).map(drop)
}

fn read_password(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the password file {}", path.display()))?;
    Ok(text.lines().next().unwrap_or_default().to_string())
}

fn corpus(args: CorpusArgs) -> Result<()> {
    let started = Instant::now();
    let spec = sheetseal_corpus::CorpusSpec {
        letters: args.letters,
        seed: args.seed,
        outline: args.outline,
        dparts: args.dparts,
        separators: args.separators,
    };
    let summary = sheetseal_corpus::generate(&spec, &args.out).context("cannot generate the sample")?;
    print_quietly(&format!(
        "{} letters, {} pages, {} bytes: {} and {} ({:.2} s)\n",
        summary.letters,
        summary.pages,
        summary.pdf_bytes,
        summary.pdf_path.display(),
        summary.index_path.display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn demo(args: DemoArgs) -> Result<()> {
    let started = Instant::now();
    let spec = sheetseal_corpus::CorpusSpec { letters: args.letters, seed: 1, ..Default::default() };
    let sample =
        sheetseal_corpus::generate(&spec, &args.out.join("sample")).context("cannot generate the sample")?;
    print_quietly(&format!(
        "sample: {} letters, {} pages in {}\n",
        sample.letters,
        sample.pages,
        sample.pdf_path.display()
    ));
    let config = JobConfig::new(
        "DEMO",
        vec![sample.pdf_path.clone()],
        SplitRule::Index { path: sample.index_path.clone() },
        &args.out.join("job"),
    );
    let outcome = job::run(&config).context("the demo job failed")?;
    print_summary(&config, &outcome, started);
    Ok(())
}

fn print_summary(config: &JobConfig, outcome: &JobOutcome, started: Instant) {
    use std::fmt::Write as _;
    let m = &outcome.manifest;
    let c = &m.counts;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "job {}: {} items, {} input pages -> {} leaves on {} press sheets ({} output pages, {} blank pages added), {} marks, {} warnings",
        m.job, c.items, c.input_pages, c.sheets, c.press_sheets, c.output_pages, c.blank_pages, c.marks, c.warnings
    );
    for output in &m.outputs {
        let path = config.out_dir.join(&output.path);
        let _ = writeln!(text, "  {}  {} bytes  sha256 {}", path.display(), output.bytes, output.sha256);
    }
    let _ = writeln!(text, "  {}", config.out_dir.join(sheetseal_core::manifest::MANIFEST_FILE).display());
    let t = &outcome.times;
    let seconds = started.elapsed().as_secs_f64();
    let _ = writeln!(
        text,
        "  {:.3} s ({:.0} pages/s): ingest {:.3}, split {:.3}, plan {:.3}, marks {:.3}, write {:.3} (with the clear-zone scan), clear-zone renders {:.3}, manifest {:.3}",
        seconds,
        c.input_pages as f64 / seconds.max(1e-9),
        t.ingest.as_secs_f64(),
        t.split.as_secs_f64(),
        t.plan.as_secs_f64(),
        t.marks.as_secs_f64(),
        t.write.as_secs_f64(),
        t.clear_zone.as_secs_f64(),
        t.manifest.as_secs_f64()
    );
    print_quietly(&text);
}

/// Prints to standard output; a closed pipe (e.g. `| head`) is not an error of the job.
pub fn print_quietly(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
