//! A whole job: ingest, split, plan, mark, write, manifest, in that order.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use serde::{Deserialize, Serialize};

use crate::active_content::ActiveContent;
use crate::geometry::mm;
use crate::ingest::leases::ObjectLeases;
use crate::ingest::{self, IngestError, IngestOptions, PageBox, SourceDocument};
use crate::joined::Joined;
use crate::limits::{DecodeBudget, Limits};
use crate::manifest::{self, Counts, InputRecord, Manifest, MarkSummary, OutputRecord, Tool};
use crate::mark::{
    self,
    clear::{ClearZoneJob, ClearZoneReport, ClearZoneScans},
    payload::validate_job_id,
    CollisionPolicy, MarkError, MarkGeometry, PayloadConfig,
};
use crate::plan::geometry::SheetSpec;
use crate::plan::{FlipAxis, LayoutSpec, Plan};
use crate::split::{self, OnOversize, SplitRule};
use crate::write::atomic::{self, AtomicFile, CommittedFiles, HashingWriter};
use crate::write::impose::{write_file_observed, AnnotationPolicy, ImposeJob, MarkPlacement};
use crate::write::WriteError;
use crate::Error;

/// Everything a job needs to know. Deserialisable from the JSON the manifest records as its
/// `config` (plus `out_dir` and `password`; the payload as described at [`PayloadConfig`]), with
/// defaults for everything but `job`, `inputs` and `split`; unknown fields are refused.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// What the marks say.
    #[serde(default)]
    pub payload: PayloadConfig,
    /// The most sheets one item may have (the inserter's limit for one envelope).
    #[serde(default = "default_max_sheets")]
    pub max_sheets_per_item: usize,
    /// What to do with items over that limit.
    #[serde(default)]
    pub on_oversize: OnOversize,
    /// What an input may make the job do (recorded in the manifest: the limits in force).
    #[serde(default)]
    pub limits: Limits,
    /// Not serialised: the manifest lives in it, and the same job gives the same manifest
    /// wherever it is written.
    #[serde(skip_serializing, default)]
    pub out_dir: PathBuf,
    /// Never serialised into the manifest.
    #[serde(skip_serializing, default)]
    pub password: Option<String>,
}

fn default_max_sheets() -> usize {
    split::oversize::DEFAULT_MAX_SHEETS
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
            payload: PayloadConfig::default(),
            max_sheets_per_item: split::oversize::DEFAULT_MAX_SHEETS,
            on_oversize: OnOversize::default(),
            limits: Limits::default(),
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
    /// Payloads and symbols (and the clear-zone check with `--on-collision fail`).
    pub marks: Duration,
    /// Rendering the mark areas the clear-zone scan could not prove clear, after the write
    /// stage, whose workers scan each press sheet's areas as they prepare it.
    pub clear_zone: Duration,
    /// Writing the print files; their last flush to disk and rename go on beside the manifest.
    pub write: Duration,
    /// Building and writing the manifest, and waiting for the print files to be in place.
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

/// What an embedding program can add to a run: inputs it already holds in memory, a progress
/// hook that can stop the job, a sink for the print files, and whether the job's memory is
/// freed before the run returns.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// The contents of inputs by position in the job's inputs (whose path then only names the
    /// input in messages and the manifest); inputs without an entry are read from disk.
    pub input_bytes: Vec<Option<&'a [u8]>>,
    /// Called after each press sheet; `ControlFlow::Break` stops the job with
    /// [`Error::Cancelled`], leaving nothing that looks like a finished job.
    pub progress: Option<&'a mut dyn FnMut(Progress) -> ControlFlow<()>>,
    /// Where the imposed PDFs go instead of files in `out_dir`: called with the output file's
    /// index and the next bytes, in order. The manifest is still written to `out_dir` and records
    /// each output's name, size and SHA-256 as if it were a file there.
    pub output: Option<&'a mut OutputSink<'a>>,
    /// How a text split reads pages; pdfium in this process ([`split::text::page_matches`]) when
    /// `None`.
    pub text_reader: Option<&'a split::TextReader<'a>>,
    /// What becomes of what the job built once its manifest is written.
    pub teardown: Teardown,
}

/// What becomes of what a job built (the inputs' objects, the plan, the marks and the write
/// reports) once its manifest is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Teardown {
    /// Freed on threads beside the manifest's writing, before [`run_with`] returns: for a
    /// process that goes on after the job (the C library's callers).
    #[default]
    Free,
    /// Left to the end of the process, which gives it back to the operating system at once:
    /// for a process that ends after the job (the CLI). Freeing it object by object costs
    /// about 60 ms of CPU at 10,000 letters, 6% of the job's.
    AtProcessExit,
}

impl Teardown {
    /// Lets go of `value` as this teardown says: dropped on a thread of its own, which the
    /// returned guard waits for when it is dropped, so a run never returns, on any path, with
    /// that thread still working (without a thread, `value` is dropped at once); or never dropped
    /// at all.
    fn release<T: Send + 'static>(self, value: T) -> Joined<()> {
        match self {
            Teardown::Free => Joined::spawn_or_none("sheetseal-free", move || drop(value)),
            Teardown::AtProcessExit => {
                std::mem::forget(value);
                Joined::none()
            }
        }
    }
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

/// [`run`] with inputs from memory, a progress hook and an output sink.
pub fn run_with(config: &JobConfig, mut options: RunOptions) -> Result<JobOutcome, Error> {
    validate_job_id(&config.job).map_err(|e| Error::Config(e.to_string()))?;
    config.mark.validate().map_err(MarkError::Geometry)?;
    config.layout.validate().map_err(Error::Config)?;
    config.sheet.validate().map_err(|e| Error::Config(e.to_string()))?;
    if let Some(account) = &config.account {
        validate_account(account).map_err(Error::Config)?;
    }
    let inputs = input_paths(&config.split, &config.inputs)?;
    if matches!(config.split, SplitRule::Index { .. }) && inputs.len() > 1 {
        return Err(Error::Config("an index split describes one input; give one PDF".to_string()));
    }
    if config.max_sheets_per_item == 0 {
        return Err(Error::Config("--max-sheets-per-item must be at least 1".to_string()));
    }
    let mut times = StageTimes::default();

    let clock = Instant::now();
    let ingest_options = IngestOptions { password: config.password.clone(), limits: config.limits.clone() };
    let input_bytes = &options.input_bytes;
    // Inputs are opened side by side (a job of one small file a letter has thousands); the
    // first input in order that cannot be read is the one reported, however the opening ran.
    let open = |(i, path): (usize, &PathBuf)| match input_bytes.get(i).copied().flatten() {
        Some(bytes) => ingest::open_bytes(path, bytes, &ingest_options),
        None => ingest::open(path, &ingest_options),
    };
    let opened: Vec<Result<SourceDocument, _>> = match inputs.len() {
        // One input is read on every core anyway; opened from this thread, its objects stay in
        // this thread's heap (from a worker, the peak RSS of 1,000 letters grew by 1.3 MB).
        1 => inputs.iter().enumerate().map(open).collect(),
        _ => inputs.par_iter().enumerate().map(open).collect(),
    };
    let mut sources: Vec<SourceDocument> = opened.into_iter().collect::<Result<_, _>>()?;
    times.ingest = clock.elapsed();

    let clock = Instant::now();
    let read_texts = options.text_reader.unwrap_or(&split::text::page_matches);
    let split = split::split_all(&config.split, &sources, config.password.as_deref(), read_texts)
        .map_err(|e| or_changed_input(&sources, e))?;
    times.split = clock.elapsed();

    let clock = Instant::now();
    let cell = match config.sheet.cell_mm {
        Some((w, h)) => (mm(w), mm(h)),
        None => largest_page(&sources, &split.items, config.page_box),
    };
    let grid = config.sheet.grid(&config.layout, cell).map_err(|e| Error::Config(e.to_string()))?;
    let landscape = grid.as_ref().is_some_and(|g| g.width > g.height);
    let plan =
        Plan::build(&config.layout, FlipAxis::for_binding(config.layout.binding, landscape), &split.items);
    let diverted = split::oversize::check(&plan, config.max_sheets_per_item, config.on_oversize)?;
    times.plan = clock.elapsed();

    let clock = Instant::now();
    let prepared = mark::prepare(&config.job, &plan, &config.payload, &config.mark)?;
    // Without its inputs: given them where it is used, the split's objects let go of between.
    let clear_job_of = ClearZoneJob {
        sources: &[],
        password: config.password.as_deref(),
        plan: &plan,
        marks: &prepared,
        geometry: &config.mark,
        grid: grid.as_ref(),
        sheet: &config.sheet,
        page_box: config.page_box,
    };
    // The marks' bytes never depend on what the clear-zone check finds (whiteout paints every
    // quiet zone white), so the write stage's workers scan each press sheet's mark areas as they
    // prepare it; only `fail` needs the answer before anything is written.
    let checked = if config.mark.on_collision == CollisionPolicy::Fail {
        let clear = mark::clear::check(&ClearZoneJob { sources: &sources, ..clear_job_of })
            .map_err(|e| or_changed_input(&sources, e))?;
        let findings = mark_findings(config, &plan, &prepared, &clear)?;
        // The check read the content of every marked page; the writer reads it again.
        sources.iter().for_each(SourceDocument::release_resident_pages);
        Some((clear, findings))
    } else {
        None
    };
    // What the split and the check parsed of small inputs goes: the writer reads each afresh
    // while it writes its pages (`ObjectLeases`).
    for source in sources.iter_mut().filter(|source| source.is_small()) {
        source.doc.forget_parsed();
    }
    let clear_job = ClearZoneJob { sources: &sources, ..clear_job_of };
    let clear_zone = match checked {
        Some((clear, findings)) => ClearZone::Checked(clear, findings),
        None => ClearZone::Scanning(ClearZoneScans::new(&clear_job)),
    };
    let objects = ObjectLeases::new(&sources);
    times.marks = clock.elapsed();
    let scan_press_sheet = |press: usize| {
        if let ClearZone::Scanning(scans) = &clear_zone {
            scans.scan_press_sheet(press, &objects);
        }
    };
    let payloads = &prepared.payloads;

    let moved_aside = prepare_output_dir(&config.out_dir)?;
    let files = plan.file_pages.len();
    let replaced_outputs: Vec<PathBuf> = match options.output {
        Some(_) => Vec::new(),
        None => (0..files)
            .map(|i| config.out_dir.join(config.output_name(i, files)))
            .filter(|path| path.is_file())
            .collect(),
    };
    let mut replaced = remove_replaced(moved_aside.into_iter().chain(replaced_outputs).collect());
    let mut committed = CommittedFiles::default();
    let mut committing = Vec::new();
    let budget = DecodeBudget::new(config.limits.max_job_decompressed_bytes);
    let clock = Instant::now();
    let impose_job = ImposeJob {
        job: &config.job,
        objects: &objects,
        plan: &plan,
        payloads,
        symbols: &prepared.symbols,
        geometry: &config.mark,
        sheet: &config.sheet,
        grid: grid.as_ref(),
        page_box: config.page_box,
        annotations: config.annotations,
        limits: &config.limits,
        budget: &budget,
        beside: matches!(clear_zone, ClearZone::Scanning(_))
            .then_some(&scan_press_sheet as &(dyn Fn(usize) + Sync)),
    };
    let mut outputs = Vec::new();
    let mut marks: Vec<Option<MarkPlacement>> = vec![None; plan.sheets.len()];
    let mut reports = Vec::new();
    let mut sheets_done = 0;
    let sheets_total = plan.press_sheets.len();
    let items_total = plan.items.len();
    for file_index in 0..files {
        let name = config.output_name(file_index, files);
        let output_path = config.out_dir.join(&name);
        let output_err = |source| Error::Output { path: output_path.clone(), source };
        let write_err = |e| match e {
            // A failed write (a full disk, a refusing sink) is about this file.
            WriteError::Io(source) => output_err(source),
            WriteError::Cancelled => Error::Cancelled,
            other => or_changed_input(&sources, other),
        };
        let mut on_press_sheet = |_| match options.progress.as_mut() {
            Some(hook) => {
                sheets_done += 1;
                hook(Progress { items_total, sheets_done, sheets_total })
            }
            None => ControlFlow::Continue(()),
        };
        let (bytes, sha256, report) = match options.output.as_mut() {
            Some(sink) => {
                let sink = SinkWriter { file: file_index, sink: &mut **sink };
                let out = HashingWriter::new(std::io::BufWriter::new(sink));
                let (writer, report) = write_file_observed(&impose_job, file_index, out, &mut on_press_sheet)
                    .map_err(write_err)?;
                let (bytes, sha256) = writer.finish().map_err(output_err)?;
                (bytes, sha256, report)
            }
            None => {
                let mut file = AtomicFile::create(&output_path).map_err(output_err)?;
                let out = HashingWriter::new(file.writer());
                let (writer, report) = write_file_observed(&impose_job, file_index, out, &mut on_press_sheet)
                    .map_err(write_err)?;
                let (writer, sha256) = writer.into_parts();
                let written = writer.finish().map_err(output_err)?;
                let bytes = written.bytes;
                let _ = replaced.join();
                // The flush to disk and the rename go on beside the manifest's writing.
                committing
                    .push((output_path.clone(), file.commit_in_background(written).map_err(output_err)?));
                (bytes, sha256, report)
            }
        };
        for (leaf, placement) in &report.marks {
            marks[*leaf] = Some(placement.clone());
        }
        outputs.push(OutputRecord {
            path: name,
            sha256,
            bytes,
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
    let (clear, mark_warnings) = match clear_zone {
        ClearZone::Checked(clear, findings) => (clear, findings),
        ClearZone::Scanning(scans) => {
            // What the scans left open is rendered now.
            let clock = Instant::now();
            let clear = scans.finish(&objects);
            times.clear_zone = clock.elapsed();
            let findings = mark_findings(config, &plan, &prepared, &clear)?;
            (clear, findings)
        }
    };

    // What the manifest needs from the inputs; their objects are released before it is built.
    let inputs: Vec<InputRecord> = sources
        .iter()
        .map(|s| InputRecord {
            path: s.path.display().to_string(),
            sha256: s.sha256.hex().to_string(),
            bytes: s.size_bytes,
            pages: s.pages.len(),
        })
        .collect();
    let inputs_pages = sources.iter().map(|s| s.pages.len()).sum();
    let active_content_removed = sources.iter().fold(ActiveContent::default(), |mut total, s| {
        total.add(&s.active_content);
        total
    });
    let mut warnings: Vec<_> = sources
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.warnings.iter().cloned().map(move |w| crate::Warning { input: Some(i), ..w }))
        .collect();
    // Freeing every object of a large input takes a while (0.3 s at 300,000 pages): done on a
    // thread of its own while the manifest is written, or left to the process's end.
    let _release = options.teardown.release(sources);

    let clock = Instant::now();
    let (mut item_records, mut sheet_records) = manifest::records(&plan, payloads, &marks);
    for (record, ink) in sheet_records.iter_mut().zip(&clear.ink) {
        record.mark.collision = ink.is_some_and(|n| n > 0);
    }
    for &index in &diverted {
        item_records[index].diverted = true;
    }
    warnings.extend(split.warnings);
    for warning in reports.iter().flat_map(|r| r.warnings.iter()) {
        // Each output file copies what it needs, so the same finding can come from several.
        if !warnings.contains(warning) {
            warnings.push(warning.clone());
        }
    }
    warnings.extend(mark_warnings);
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
        inputs,
        outputs,
        counts: Counts {
            items: plan.items.len(),
            input_pages: inputs_pages,
            blank_pages: plan.blank_pages(),
            output_pages: plan.output_pages(),
            sheets: plan.sheets.len(),
            press_sheets: plan.press_sheets.len(),
            empty_cells: plan.empty_cells,
            marks: marks.len(),
            annotations_flattened: reports.iter().map(|r| r.annotations_flattened).sum(),
            annotations_dropped: reports.iter().map(|r| r.annotations_dropped).sum(),
            active_content_removed,
            warnings: warnings.len(),
            dropped_pages: split.dropped.len(),
            diverted_items: diverted.len(),
            collisions: clear.collisions(),
        },
        grid: grid.as_ref().map(manifest::GridRecord::of),
        items: item_records,
        sheets: sheet_records,
        warnings,
        marks: Some(MarkSummary::new(&config.mark, &config.payload, &prepared, clear.collisions())),
        dropped: split
            .dropped
            .iter()
            .map(|d| manifest::DroppedRecord { input: d.input, page: d.page + 1, reason: d.reason })
            .collect(),
    };
    // What the job built goes as the inputs do.
    let _release_job = options.teardown.release((plan, prepared, marks, reports, clear));
    let manifest_err = |source| Error::Output { path: config.out_dir.join(manifest::MANIFEST_FILE), source };
    let staged = manifest.stage(&config.out_dir).map_err(manifest_err)?;
    // The manifest appears last: once it does, every print file it lists is in place.
    for (path, commit) in committing {
        committed.push(commit.wait().map_err(|source| Error::Output { path, source })?);
    }
    staged.put_in_place().map_err(manifest_err)?;
    committed.keep();
    times.manifest = clock.elapsed();
    Ok(JobOutcome { manifest, times })
}

/// The clear-zone check of a job: done before the write (`--on-collision fail`, with what the
/// job must warn of), or scanned by the write stage's workers and finished after it.
enum ClearZone<'j> {
    Checked(ClearZoneReport, Vec<crate::Warning>),
    Scanning(ClearZoneScans<'j>),
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

/// A job's input files: those given, or for `files:DIR` the folder's PDFs.
pub fn input_paths(split: &SplitRule, inputs: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    match split {
        SplitRule::Files { dir } if !inputs.is_empty() => Err(Error::Config(format!(
            "files:{} takes its inputs from the folder; give no input files as well",
            dir.display()
        ))),
        SplitRule::Files { dir } => Ok(split::files::list(dir)?),
        _ if inputs.is_empty() => Err(Error::Config("no input PDF given".to_string())),
        _ => Ok(inputs.to_vec()),
    }
}

/// `error`, or, where an input is no longer the file the job opened, that: a small input is read
/// again from its file after it was opened, and reads as empty once it is another file, which
/// is what made the stage fail.
fn or_changed_input(sources: &[SourceDocument], error: impl Into<Error>) -> Error {
    match sources.iter().find(|source| source.has_changed()) {
        Some(changed) => IngestError::Changed { path: changed.path.clone() }.into(),
        None => error.into(),
    }
}

/// Applies the collision policy and says what operators should know about the marks.
fn mark_findings(
    config: &JobConfig,
    plan: &Plan,
    marks: &mark::PreparedMarks,
    clear: &mark::clear::ClearZoneReport,
) -> Result<Vec<crate::Warning>, Error> {
    let policy = config.mark.on_collision;
    let hits: Vec<usize> = (0..plan.sheets.len()).filter(|&i| clear.ink[i].is_some_and(|n| n > 0)).collect();
    if policy == CollisionPolicy::Fail {
        if let Some(&first) = hits.first() {
            let sheet = &plan.sheets[first];
            let (input, page) = match sheet.front() {
                crate::plan::Face::Page { input, page }
                | crate::plan::Face::Blank { input, like_page: page } => (input, page),
            };
            return Err(MarkError::Collision {
                count: hits.len(),
                sheet: sheet.seq,
                item: plan.items[sheet.item].item.id.clone(),
                input,
                page: page + 1,
            }
            .into());
        }
        if let Some(unchecked) = clear.warnings.first() {
            return Err(MarkError::ClearZone(format!(
                "{} (input {}); --on-collision fail needs every sheet checked",
                unchecked.message,
                unchecked.input.unwrap_or(0)
            ))
            .into());
        }
    }
    let mut warnings = clear.warnings.clone();
    if !hits.is_empty() {
        let listed: Vec<String> = hits.iter().take(10).map(|&i| plan.sheets[i].seq.to_string()).collect();
        let more = if hits.len() > 10 { ", ..." } else { "" };
        let action = match policy {
            CollisionPolicy::Whiteout => "the quiet zone was painted white over it",
            _ => "the mark was printed over it and may not read",
        };
        warnings.push(crate::Warning::new(
            "mark-collision",
            format!(
                "the mark area of {} sheet(s) has page content in it ({action}): sheets {}{more}",
                hits.len(),
                listed.join(", ")
            ),
        ));
    }
    if !marks.unique {
        warnings.push(crate::Warning::new(
            "marks-not-unique",
            "the mark template does not name each sheet (no piece, item or seq with sheet): marks repeat, so they cannot be reconciled one by one",
        ));
    }
    Ok(warnings)
}

/// Creates the output folder, removes the temporary files of a run that was killed, and moves an
/// earlier job's manifest and sheet list aside first, so that a manifest never describes output
/// this run is about to replace. Returns where they went, for [`remove_replaced`].
fn prepare_output_dir(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let err = |source| Error::Output { path: dir.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(err)?;
    atomic::remove_stale_partials(dir).map_err(err)?;
    let mut moved_aside = Vec::new();
    for name in [manifest::MANIFEST_FILE, manifest::SHEETS_CSV_FILE] {
        let path = dir.join(name);
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            // Renamed, at once, to a name a later job's start removes if this one is killed.
            Ok(meta) if !meta.is_dir() => {
                let aside = dir.join(format!("{}replaced-{name}.tmp", atomic::PARTIAL_PREFIX));
                std::fs::rename(&path, &aside).map_err(err)?;
                moved_aside.push(aside);
            }
            // A folder of that name is refused, as removing it fails.
            _ => std::fs::remove_file(&path).map_err(err)?,
        }
    }
    Ok(moved_aside)
}

/// Removes, on a thread of its own, an earlier job's files: its manifest and sheet list, moved
/// aside by [`prepare_output_dir`], and the print files the job's outputs will replace (with that
/// job's manifest gone, they are no longer a finished job). Freeing a large file's blocks takes
/// a while (about 50 ms for 95 MB, 10 ms for 10,000 letters' manifest, on the machine of
/// docs/performance.md), which the job would otherwise wait for. To be joined before an output
/// is put in place, and at the latest when dropped, so that it never outlasts the job (a later
/// job might write the same names); what it cannot remove, the rename replaces.
fn remove_replaced(paths: Vec<PathBuf>) -> Joined<()> {
    if paths.is_empty() {
        return Joined::none();
    }
    Joined::spawn_or_none("sheetseal-remove", move || {
        for path in paths {
            let _ = std::fs::remove_file(path);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn description(json: &str) -> Result<JobConfig, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_freeing_teardown_drops_before_its_guard_returns_and_a_process_exit_one_never_drops() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        struct Counted(Arc<AtomicUsize>);
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        drop(Teardown::Free.release(Counted(drops.clone())));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        drop(Teardown::AtProcessExit.release(Counted(drops.clone())));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_earlier_manifest_is_gone_at_once_and_its_files_once_the_removal_is_joined() {
        let dir = tempfile::tempdir().unwrap();
        let listing = || {
            let mut names: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        for name in [manifest::MANIFEST_FILE, manifest::SHEETS_CSV_FILE, "J.pdf"] {
            std::fs::write(dir.path().join(name), name).unwrap();
        }
        let moved_aside = prepare_output_dir(dir.path()).unwrap();
        assert_eq!(moved_aside.len(), 2);
        let names = listing();
        assert!(!names.iter().any(|n| n == manifest::MANIFEST_FILE || n == manifest::SHEETS_CSV_FILE));
        assert!(names.iter().all(|n| n == "J.pdf" || n.starts_with(atomic::PARTIAL_PREFIX)), "{names:?}");
        let mut removal =
            remove_replaced(moved_aside.into_iter().chain([dir.path().join("J.pdf")]).collect());
        assert!(removal.join().is_some_and(|r| r.is_ok()));
        assert!(listing().is_empty(), "{:?}", listing());
        // A folder named like the manifest is refused, as before.
        std::fs::create_dir(dir.path().join(manifest::MANIFEST_FILE)).unwrap();
        assert!(prepare_output_dir(dir.path()).is_err());
    }

    #[test]
    fn a_panic_while_preparing_press_sheets_stops_the_job_instead_of_hanging_it() {
        // More press sheets than the workers may prepare ahead of the writer, so that they run
        // out of room while the writer waits for the batch that panicked.
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("letters.pdf");
        let contents: Vec<String> =
            (0..2_000).map(|n| format!("BT /F1 12 Tf 72 700 Td ({n}) Tj ET")).collect();
        let contents: Vec<&str> = contents.iter().map(String::as_str).collect();
        split::test_files::pages(&input, &contents, "", |_, _| {});
        let out = dir.path().join("job");
        let config = JobConfig::new(
            crate::write::impose::PANICKING_JOB,
            vec![input],
            SplitRule::Fixed { pages: 1 },
            &out,
        );
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let run = std::panic::catch_unwind(|| run_with(&config, RunOptions::default()).map(drop));
            let _ = done.send(run.is_err());
        });
        assert_eq!(
            finished.recv_timeout(std::time::Duration::from_secs(120)),
            Ok(true),
            "the job panics, and does not hang"
        );
        assert!(!out.join(manifest::MANIFEST_FILE).exists());
    }

    #[test]
    fn small_inputs_read_again_from_their_files_print_what_inputs_given_in_memory_print() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("letters");
        std::fs::create_dir(&folder).unwrap();
        let mut files = Vec::new();
        for n in 0..3 {
            let letter = format!("BT /F1 12 Tf 72 700 Td (Letter {n}) Tj ET q 50 0 0 50 72 600 cm /Im1 Do Q");
            let form = "BT /F1 9 Tf 72 72 Td (Terms) Tj ET";
            let path = folder.join(format!("{n}.pdf"));
            split::test_files::pages(&path, &[&letter, "/Fm1 Do"], form, |_, _| {});
            files.push(std::fs::read(&path).unwrap());
        }
        // Read from the folder (each small file read again for the write stage), then the same
        // files given in memory.
        let runs: Vec<(Vec<u8>, serde_json::Value)> = [false, true]
            .into_iter()
            .map(|in_memory| {
                let out = dir.path().join(format!("job-{in_memory}"));
                let config =
                    JobConfig::new("AGAIN", Vec::new(), SplitRule::Files { dir: folder.clone() }, &out);
                let input_bytes = match in_memory {
                    true => files.iter().map(|f| Some(f.as_slice())).collect(),
                    false => Vec::new(),
                };
                let manifest =
                    run_with(&config, RunOptions { input_bytes, ..RunOptions::default() }).unwrap().manifest;
                assert_eq!(manifest.counts.items, 3);
                let printed = std::fs::read(out.join(&manifest.outputs[0].path)).unwrap();
                let records = serde_json::json!([
                    manifest.inputs,
                    manifest.outputs,
                    manifest.sheets,
                    manifest.warnings
                ]);
                (printed, records)
            })
            .collect();
        assert_eq!(runs[1], runs[0]);
    }

    #[test]
    fn an_input_replaced_while_the_job_runs_stops_it_saying_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("letters.pdf");
        split::test_files::pages(&path, &["BT /F1 12 Tf 72 700 Td (Page 1 of 1) Tj ET"], "", |_, _| {});
        let out = dir.path().join("job");
        let rule = split::TextRule::new("Page 1 of").unwrap();
        let config = JobConfig::new("CHANGED", vec![path.clone()], SplitRule::Text(rule), &out);
        // Standing in for pdfium's reading of the text: the split finds the letter, and the
        // upload is then replaced by a copy of itself (another file), as a customer sending it
        // again would, before the write stage reads it again.
        let replace = |_: &split::TextRule, source: &SourceDocument, _: Option<&str>| {
            let again = dir.path().join("again.pdf");
            std::fs::copy(&path, &again).unwrap();
            std::fs::rename(&again, &path).unwrap();
            let found = split::PageMatch { id: None, metadata: Default::default() };
            Ok(vec![Some(found); source.pages.len()])
        };
        let options = RunOptions { text_reader: Some(&replace), ..RunOptions::default() };
        let error = run_with(&config, options).unwrap_err();
        assert!(
            matches!(&error, Error::Ingest(IngestError::Changed { path: changed }) if *changed == path),
            "{error}"
        );
        assert!(error.to_string().contains("was replaced or written to while the job ran"), "{error}");
        assert!(!out.join("manifest.json").exists());
    }

    #[test]
    fn the_config_a_manifest_records_reads_back_as_the_same_job() {
        let mut config =
            JobConfig::new("J1", vec!["a.pdf".into()], SplitRule::Fixed { pages: 2 }, Path::new("out"));
        config.payload = PayloadConfig::preset("relay18").unwrap();
        config.layout.layout = crate::plan::Layout::NUp { columns: 2, rows: 1 };
        config.max_sheets_per_item = 3;
        let recorded = serde_json::to_value(&config).unwrap();
        let read: JobConfig = serde_json::from_value(recorded.clone()).unwrap();
        assert_eq!(serde_json::to_value(&read).unwrap(), recorded);
    }

    #[test]
    fn a_short_description_takes_the_defaults_and_a_wrong_one_says_what_is_wrong() {
        let config = description(
            r#"{"job":"J1","inputs":["a.pdf"],"split":{"rule":"text","pattern":"Page 1 of"},
                "layout":{"duplex":false},"payload":{"preset":"file"},"limits":{"max_objects":1000}}"#,
        )
        .unwrap();
        assert!(!config.layout.duplex);
        assert_eq!(config.layout.binding, LayoutSpec::default().binding);
        assert_eq!(config.payload.preset.as_deref(), Some("file"));
        assert_eq!(config.limits.max_objects, 1000);
        assert_eq!(config.limits.max_stream_bytes, Limits::default().max_stream_bytes);
        assert_eq!(config.max_sheets_per_item, split::oversize::DEFAULT_MAX_SHEETS);

        let base = r#""job":"J1","inputs":["a.pdf"],"split":{"rule":"fixed","pages":1}"#;
        for (extra, complaint) in [
            (r#","layuot":{}"#, "unknown field `layuot`"),
            (r#","payload":{"preset":"nosuch"}"#, "unknown payload preset 'nosuch'"),
            (r#","payload":{"template":"{job"}"#, "mark template '{job'"),
            (r#","payload":{"preset":"file","template":"{job}"}"#, "different template"),
            (r#","payload":{"preset":"file","key_fingerprint":"ab12"}"#, "give the key as key_file"),
        ] {
            let error = description(&format!("{{{base}{extra}}}")).unwrap_err();
            assert!(error.contains(complaint), "{extra}: {error}");
        }
    }
}
