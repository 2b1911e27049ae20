//! `sheetseal export DIR`: an inserter control file from a job's manifest (docs/export.md).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use sheetseal_core::control::{self, ControlSpec, Field, Format, Per, Pick};
use sheetseal_core::jobdir::JobDir;
use sheetseal_core::write::atomic::AtomicFile;

#[derive(Args)]
pub struct ExportArgs {
    /// The job's output folder (holding manifest.json).
    dir: PathBuf,
    /// csv, jsonl, or fixed:SPEC (fixed-width slots FIELD:WIDTH[:l|r[:PAD]], comma-separated).
    #[arg(long, value_parser = parse_format)]
    format: Format,
    /// One record per sheet or per envelope (postal item).
    #[arg(long, value_parser = parse_per)]
    per: Per,
    /// The fields of each record, comma-separated (csv and jsonl; default: all of the kind).
    #[arg(long, value_delimiter = ',', value_parser = parse_field)]
    fields: Option<Vec<Field>>,
    /// The control file to write ('-' for standard output).
    #[arg(long)]
    out: PathBuf,
}

pub fn parse_format(text: &str) -> Result<Format, String> {
    text.parse()
}

pub fn parse_per(text: &str) -> Result<Per, String> {
    text.parse()
}

pub fn parse_field(text: &str) -> Result<Field, String> {
    text.parse()
}

pub fn run(args: ExportArgs) -> Result<()> {
    let job = JobDir::open(&args.dir)?;
    let spec = ControlSpec { per: args.per, format: args.format, fields: args.fields };
    let records = write_records(&job, &spec, None, None, &args.out)?;
    if args.out != Path::new("-") {
        eprintln!("{} record(s) written to {}", records, args.out.display());
    }
    Ok(())
}

/// Writes a control file (or reprint list) atomically to `out`, or to standard output for `-`;
/// returns the number of records.
pub fn write_records(
    job: &JobDir,
    spec: &ControlSpec,
    picks: Option<&[Pick]>,
    child_job: Option<&str>,
    out: &Path,
) -> Result<usize> {
    if out == Path::new("-") {
        let stdout = std::io::stdout().lock();
        let (mut stdout, records) = control::write_control(job, spec, picks, child_job, stdout)?;
        stdout.flush()?;
        return Ok(records);
    }
    let context = || format!("cannot write {}", out.display());
    let mut file = AtomicFile::create(out).with_context(context)?;
    let (writer, records) = control::write_control(job, spec, picks, child_job, file.writer())?;
    let written = writer.finish().with_context(context)?;
    file.commit(written).with_context(context)?;
    Ok(records)
}
