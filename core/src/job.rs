//! A whole job: ingest, split, plan, mark, write, manifest, in that order.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::geometry::mm;
use crate::ingest::{self, IngestOptions, PageBox, SourceDocument};
use crate::manifest::{self, Counts, InputRecord, Manifest, OutputRecord, Tool};
use crate::mark::{self, payload::validate_job_id, MarkGeometry};
use crate::plan::geometry::SheetSpec;
use crate::plan::{FlipAxis, LayoutSpec, Plan};
use crate::split::{self, SplitRule};
use crate::write::atomic::{AtomicFile, Committed, HashingWriter};
use crate::write::impose::{write_file_observed, AnnotationPolicy, ImposeJob, MarkPlacement};
use crate::write::WriteError;
use crate::Error;

/// Everything a job needs to know. Deserialisable from the same JSON the manifest records (plus
/// `out_dir` and `password`), with defaults for everything but `job`, `inputs` and `split`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobConfig {
    pub job: String,
    /// The customer account, recorded in the manifest so that reconciliation can tell two
    /// customers apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub inputs: Vec<PathBuf>,
    pub split: SplitRule,
    #[serde(default)]
    pub layout: LayoutSpec,
    #[serde(default)]
    pub sheet: SheetSpec,
    #[serde(default)]
    pub page_box: PageBox,
    #[serde(default)]
    pub annotations: AnnotationPolicy,
    #[serde(default)]
    pub mark: MarkGeometry,
    /// Not serialised: the manifest lives in it, and the same job gives the same manifest
    /// wherever it is written.
    #[serde(skip_serializing, default)]
    pub out_dir: PathBuf,
    /// Never serialised into the manifest.
    #[serde(skip_serializing, default)]
    pub password: Option<String>,
}

impl JobConfig {
    /// A job with the default layout and mark.
    pub fn new(job: &str, inputs: Vec<PathBuf>, split: SplitRule, out_dir: &Path) -> Self {
        JobConfig {
            job: job.to_string(),
            account: None,
            inputs,
            split,
            layout: LayoutSpec::default(),
            sheet: SheetSpec::default(),
            page_box: PageBox::default(),
            annotations: AnnotationPolicy::default(),
            mark: MarkGeometry::default(),
            out_dir: out_dir.to_path_buf(),
            password: None,
        }
    }

    /// The name of output file `index` of `count`.
    pub fn output_name(&self, index: usize, count: usize) -> String {
        if count <= 1 {
            format!("{}.pdf", self.job)
        } else {
            format!("{}-{:03}.pdf", self.job, index + 1)
        }
    }
}

/// How long each stage took.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StageTimes {
    pub ingest: Duration,
    pub split: Duration,
    pub plan: Duration,
    pub write: Duration,
    pub manifest: Duration,
}

/// A finished job.
#[derive(Debug)]
pub struct JobOutcome {
    pub manifest: Manifest,
    pub times: StageTimes,
}

/// How far a running job is, reported after each press sheet is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Postal items in the job.
    pub items_total: usize,
    /// Press sheets written so far, over all output files.
    pub sheets_done: usize,
    pub sheets_total: usize,
}

/// What an embedding program can add to a run: inputs it already holds in memory, and a progress
/// hook that can stop the job.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// The contents of inputs by position in `JobConfig::inputs` (whose path then only names the
    /// input in messages and the manifest); inputs without an entry are read from disk.
    pub input_bytes: Vec<Option<&'a [u8]>>,
    /// Called after each press sheet; `ControlFlow::Break` stops the job with
    /// [`Error::Cancelled`], leaving nothing that looks like a finished job.
    pub progress: Option<&'a mut dyn FnMut(Progress) -> ControlFlow<()>>,
    /// Where the imposed PDFs go instead of files in `out_dir`: called with the output file's
    /// index and the next bytes, in order. The manifest is still written to `out_dir` and records
    /// each output's name, size and SHA-256 as if it were a file there.
    pub output: Option<&'a mut OutputSink<'a>>,
}

/// A caller's sink for output bytes: output file index, next bytes.
pub type OutputSink<'a> = dyn FnMut(usize, &[u8]) -> std::io::Result<()> + 'a;

/// A `Write` that hands every byte to a caller's sink.
struct SinkWriter<'s, 'a> {
    file: usize,
    sink: &'s mut OutputSink<'a>,
}

impl std::io::Write for SinkWriter<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        (self.sink)(self.file, buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs a job. On error nothing that looks like a finished job is left in the output folder.
pub fn run(config: &JobConfig) -> Result<JobOutcome, Error> {
    run_with(config, RunOptions::default())
}

/// [`run`] with inputs from memory and a progress hook.
pub fn run_with(config: &JobConfig, mut options: RunOptions) -> Result<JobOutcome, Error> {
    validate_job_id(&config.job).map_err(|e| Error::Config(e.to_string()))?;
    config.mark.validate()?;
    config.layout.validate().map_err(Error::Config)?;
    config.sheet.validate().map_err(|e| Error::Config(e.to_string()))?;
    if let Some(account) = &config.account {
        validate_account(account).map_err(Error::Config)?;
    }
    if config.inputs.is_empty() {
        return Err(Error::Config("no input PDF given".to_string()));
    }
    if matches!(config.split, SplitRule::Index { .. }) && config.inputs.len() > 1 {
        return Err(Error::Config("an index split describes one input; give one PDF".to_string()));
    }
    let mut times = StageTimes::default();

    let clock = Instant::now();
    let ingest_options = IngestOptions { password: config.password.clone() };
    let sources: Vec<SourceDocument> = config
        .inputs
        .iter()
        .enumerate()
        .map(|(i, path)| match options.input_bytes.get(i).copied().flatten() {
            Some(bytes) => ingest::open_bytes(path, bytes, &ingest_options),
            None => ingest::open(path, &ingest_options),
        })
        .collect::<Result<_, _>>()?;
    times.ingest = clock.elapsed();

    let clock = Instant::now();
    let mut items = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        items.extend(split::split(&config.split, index, source.pages.len())?);
    }
    times.split = clock.elapsed();

    let clock = Instant::now();
    let cell = match config.sheet.cell_mm {
        Some((w, h)) => (mm(w), mm(h)),
        None => largest_page(&sources, &items, config.page_box),
    };
    let grid = config.sheet.grid(&config.layout, cell).map_err(|e| Error::Config(e.to_string()))?;
    let landscape = grid.as_ref().is_some_and(|g| g.width > g.height);
    let plan = Plan::build(&config.layout, FlipAxis::for_binding(config.layout.binding, landscape), &items);
    let payloads = mark::payloads(&config.job, &plan)?;
    times.plan = clock.elapsed();

    prepare_output_dir(&config.out_dir)?;
    let clock = Instant::now();
    let impose_job = ImposeJob {
        job: &config.job,
        sources: &sources,
        plan: &plan,
        payloads: &payloads,
        geometry: &config.mark,
        sheet: &config.sheet,
        grid: grid.as_ref(),
        page_box: config.page_box,
        annotations: config.annotations,
    };
    let mut outputs = Vec::new();
    let mut marks: Vec<Option<MarkPlacement>> = vec![None; plan.sheets.len()];
    let mut reports = Vec::new();
    let files = plan.file_pages.len();
    let mut sheets_done = 0;
    let sheets_total = plan.press_sheets.len();
    let items_total = plan.items.len();
    for file_index in 0..files {
        let name = config.output_name(file_index, files);
        let output_path = config.out_dir.join(&name);
        let output_err = |source| Error::Output { path: output_path.clone(), source };
        let cancelled = |e| match e {
            WriteError::Cancelled => Error::Cancelled,
            e => Error::Write(e),
        };
        let mut on_press_sheet = |_| match options.progress.as_mut() {
            Some(hook) => {
                sheets_done += 1;
                hook(Progress { items_total, sheets_done, sheets_total })
            }
            None => ControlFlow::Continue(()),
        };
        let (committed, report) = match options.output.as_mut() {
            Some(sink) => {
                let sink = SinkWriter { file: file_index, sink: &mut **sink };
                let out = HashingWriter::new(std::io::BufWriter::new(sink));
                // A refusing sink is an output failure, as an unwritable file is.
                let (writer, report) = write_file_observed(&impose_job, file_index, out, &mut on_press_sheet)
                    .map_err(|e| match e {
                        WriteError::Io(e) => output_err(e),
                        e => cancelled(e),
                    })?;
                let (bytes, sha256) = writer.finish().map_err(output_err)?;
                (Committed { path: output_path.clone(), bytes, sha256 }, report)
            }
            None => {
                let mut file = AtomicFile::create(&output_path).map_err(output_err)?;
                let (writer, report) =
                    write_file_observed(&impose_job, file_index, file.writer(), &mut on_press_sheet)
                        .map_err(cancelled)?;
                let (bytes, sha256) = writer.finish().map_err(output_err)?;
                (file.commit(bytes, sha256).map_err(output_err)?, report)
            }
        };
        for (leaf, placement) in &report.marks {
            marks[*leaf] = Some(placement.clone());
        }
        outputs.push(OutputRecord {
            path: name,
            sha256: committed.sha256,
            bytes: committed.bytes,
            pages: report.pages,
            sheets: report.marks.len(),
            press_sheets: plan.press_sheets.iter().filter(|p| p.file == file_index).count(),
        });
        reports.push(report);
    }
    let marks: Vec<MarkPlacement> = marks
        .into_iter()
        .enumerate()
        .map(|(leaf, m)| m.ok_or_else(|| Error::Internal(format!("leaf {} got no mark", leaf + 1))))
        .collect::<Result<_, _>>()?;
    times.write = clock.elapsed();

    let clock = Instant::now();
    let (item_records, sheet_records) = manifest::records(&plan, &payloads, &marks);
    let mut warnings: Vec<_> = sources
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.warnings.iter().cloned().map(move |w| crate::Warning { input: Some(i), ..w }))
        .collect();
    warnings.extend(reports.iter().flat_map(|r| r.warnings.iter().cloned()));
    if !plan.straddling_items.is_empty() {
        warnings.push(crate::Warning::new(
            "items-straddle-blocks",
            format!(
                "{} item(s) continue from one cut-and-stack block into the next",
                plan.straddling_items.len()
            ),
        ));
    }
    let manifest = Manifest {
        schema: manifest::SCHEMA.to_string(),
        tool: Tool { name: "sheetseal".to_string(), version: env!("CARGO_PKG_VERSION").to_string() },
        job: config.job.clone(),
        account: config.account.clone(),
        config: serde_json::to_value(config).map_err(|e| Error::Internal(e.to_string()))?,
        inputs: sources
            .iter()
            .map(|s| InputRecord {
                path: s.path.display().to_string(),
                sha256: s.sha256.clone(),
                bytes: s.size_bytes,
                pages: s.pages.len(),
            })
            .collect(),
        outputs,
        counts: Counts {
            items: plan.items.len(),
            input_pages: sources.iter().map(|s| s.pages.len()).sum(),
            blank_pages: plan.blank_pages(),
            output_pages: plan.output_pages(),
            sheets: plan.sheets.len(),
            press_sheets: plan.press_sheets.len(),
            empty_cells: plan.empty_cells,
            marks: marks.len(),
            annotations_flattened: reports.iter().map(|r| r.annotations_flattened).sum(),
            annotations_dropped: reports.iter().map(|r| r.annotations_dropped).sum(),
            warnings: warnings.len(),
        },
        grid: grid.as_ref().map(manifest::GridRecord::of),
        items: item_records,
        sheets: sheet_records,
        warnings,
    };
    manifest
        .write(&config.out_dir)
        .map_err(|source| Error::Output { path: config.out_dir.join(manifest::MANIFEST_FILE), source })?;
    times.manifest = clock.elapsed();
    Ok(JobOutcome { manifest, times })
}

/// The largest displayed page box among the pages the items place: the default cell size.
fn largest_page(sources: &[SourceDocument], items: &[crate::split::Item], page_box: PageBox) -> (f64, f64) {
    items
        .iter()
        .flat_map(|item| item.pages().map(move |p| sources[item.input].pages[p].display_size_of(page_box)))
        .fold((0.0, 0.0), |(w, h), (pw, ph)| (f64::max(w, pw), f64::max(h, ph)))
}

/// The longest account name.
pub const MAX_ACCOUNT_LEN: usize = 64;

/// Checks that an account name is short and printable: it goes into the manifest, reports and
/// logs.
pub fn validate_account(account: &str) -> Result<(), String> {
    let printable = account.chars().all(|c| !c.is_control());
    if account.trim().is_empty() || account.chars().count() > MAX_ACCOUNT_LEN || !printable {
        return Err(format!(
            "account '{}' is invalid: use 1 to {MAX_ACCOUNT_LEN} printable characters",
            account.chars().filter(|c| !c.is_control()).take(40).collect::<String>()
        ));
    }
    Ok(())
}

/// Creates the output folder and removes an earlier job's manifest first, so that a manifest
/// never describes output this run is about to replace.
fn prepare_output_dir(dir: &Path) -> Result<(), Error> {
    let err = |source| Error::Output { path: dir.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(err)?;
    for name in [manifest::MANIFEST_FILE, manifest::SHEETS_CSV_FILE] {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(err(e)),
            _ => {}
        }
    }
    Ok(())
}
