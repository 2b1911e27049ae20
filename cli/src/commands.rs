//! Subcommands and their arguments.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use sheetseal_core::job::{self, JobConfig, JobOutcome};
use sheetseal_core::plan::Layout;
use sheetseal_core::split::SplitRule;

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
    Impose(ImposeArgs),
    /// Generate a sample of mail-merged letters (PDF and index) for demos and benchmarks.
    Corpus(CorpusArgs),
    /// Generate a sample and run the main job on it.
    Demo(DemoArgs),
    /// Mark payload presets and the readability proof.
    Marks(MarksArgs),
}

#[derive(Args)]
struct ImposeArgs {
    /// The mail-merged PDF(s).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Job identifier printed in every mark: 1-12 characters A-Z, 0-9, '-'.
    #[arg(long)]
    job: String,
    /// How to find the letters: fixed:N (every N pages) or index:FILE.csv (item_id,first_page,page_count).
    #[arg(long, value_parser = parse_split)]
    split: SplitRule,
    /// duplex (default) or simplex.
    #[arg(long, default_value = "duplex", value_parser = parse_layout)]
    layout: Layout,
    #[command(flatten)]
    mark: MarkArgs,
    /// Password of an encrypted input.
    #[arg(long, conflicts_with = "password_file")]
    password: Option<String>,
    /// File whose first line is the password of an encrypted input.
    #[arg(long)]
    password_file: Option<PathBuf>,
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

fn parse_split(text: &str) -> Result<SplitRule, String> {
    text.parse()
}

fn parse_layout(text: &str) -> Result<Layout, String> {
    text.parse()
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Impose(args) => impose(args),
        Command::Corpus(args) => corpus(args),
        Command::Demo(args) => demo(args),
        Command::Marks(args) => crate::cmd_marks::run(args),
    }
}

fn impose(args: ImposeArgs) -> Result<()> {
    let password = match &args.password_file {
        Some(path) => Some(read_password(path)?),
        None => args.password.clone(),
    };
    let mut config = JobConfig {
        password,
        layout: args.layout,
        ..JobConfig::new(&args.job, args.inputs, args.split, &args.out)
    };
    args.mark.apply(&mut config)?;
    let started = Instant::now();
    let outcome = job::run(&config).with_context(|| {
        format!("job {} failed; nothing was completed in {}", config.job, config.out_dir.display())
    })?;
    print_summary(&config, &outcome, started);
    Ok(())
}

fn read_password(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the password file {}", path.display()))?;
    Ok(text.lines().next().unwrap_or_default().to_string())
}

fn corpus(args: CorpusArgs) -> Result<()> {
    let started = Instant::now();
    let spec = sheetseal_corpus::CorpusSpec { letters: args.letters, seed: args.seed, outline: args.outline };
    let summary = sheetseal_corpus::generate(&spec, &args.out).context("cannot generate the sample")?;
    println!(
        "{} letters, {} pages, {} bytes: {} and {} ({:.2} s)",
        summary.letters,
        summary.pages,
        summary.pdf_bytes,
        summary.pdf_path.display(),
        summary.index_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn demo(args: DemoArgs) -> Result<()> {
    let started = Instant::now();
    let spec = sheetseal_corpus::CorpusSpec { letters: args.letters, seed: 1, outline: false };
    let sample =
        sheetseal_corpus::generate(&spec, &args.out.join("sample")).context("cannot generate the sample")?;
    println!("sample: {} letters, {} pages in {}", sample.letters, sample.pages, sample.pdf_path.display());
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
    let m = &outcome.manifest;
    let c = &m.counts;
    println!(
        "job {}: {} items, {} input pages -> {} sheets ({} output pages, {} blank pages added), {} marks, {} warnings",
        m.job, c.items, c.input_pages, c.sheets, c.output_pages, c.blank_pages, c.marks, c.warnings
    );
    for output in &m.outputs {
        println!(
            "  {}  {} bytes  sha256 {}",
            config.out_dir.join(&output.path).display(),
            output.bytes,
            output.sha256
        );
    }
    println!("  {}", config.out_dir.join(sheetseal_core::manifest::MANIFEST_FILE).display());
    let t = &outcome.times;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "  {:.3} s ({:.0} pages/s): ingest {:.3}, split {:.3}, plan {:.3}, write {:.3}, manifest {:.3}",
        seconds,
        c.input_pages as f64 / seconds.max(1e-9),
        t.ingest.as_secs_f64(),
        t.split.as_secs_f64(),
        t.plan.as_secs_f64(),
        t.write.as_secs_f64(),
        t.manifest.as_secs_f64()
    );
}
