//! A whole job: ingest, split, plan, mark, write, manifest, in that order.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::active_content::ActiveContent;
use crate::geometry::mm;
use crate::ingest::{self, IngestOptions, PageBox, SourceDocument};
use crate::limits::{DecodeBudget, Limits};
use crate::manifest::{self, Counts, InputRecord, Manifest, OutputRecord, Tool};
use crate::mark::{self, payload::validate_job_id, MarkGeometry};
use crate::plan::geometry::SheetSpec;
use crate::plan::{FlipAxis, LayoutSpec, Plan};
use crate::split::{self, SplitRule};
use crate::write::atomic::{self, AtomicFile, CommittedFiles};
use crate::write::impose::{write_file, AnnotationPolicy, ImposeJob, MarkPlacement};
use crate::Error;

/// Everything a job needs to know.
#[derive(Debug, Clone, Serialize)]
pub struct JobConfig {
    pub job: String,
    pub inputs: Vec<PathBuf>,
    pub split: SplitRule,
    pub layout: LayoutSpec,
    pub sheet: SheetSpec,
    pub page_box: PageBox,
    pub annotations: AnnotationPolicy,
    pub mark: MarkGeometry,
    /// What an input may make the job do (recorded in the manifest: the limits in force).
    pub limits: Limits,
    /// Not serialised: the manifest lives in it, and the same job gives the same manifest
    /// wherever it is written.
    #[serde(skip)]
    pub out_dir: PathBuf,
    /// Never serialised into the manifest.
    #[serde(skip)]
    pub password: Option<String>,
}

impl JobConfig {
    /// A job with the default layout and mark.
    pub fn new(job: &str, inputs: Vec<PathBuf>, split: SplitRule, out_dir: &Path) -> Self {
        JobConfig {
            job: job.to_string(),
            inputs,
            split,
            layout: LayoutSpec::default(),
            sheet: SheetSpec::default(),
            page_box: PageBox::default(),
            annotations: AnnotationPolicy::default(),
            mark: MarkGeometry::default(),
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
    pub write: Duration,
    pub manifest: Duration,
}

/// A finished job.
#[derive(Debug)]
pub struct JobOutcome {
    pub manifest: Manifest,
    pub times: StageTimes,
}

/// Runs a job. On error nothing that looks like a finished job is left in the output folder.
pub fn run(config: &JobConfig) -> Result<JobOutcome, Error> {
    validate_job_id(&config.job).map_err(|e| Error::Config(e.to_string()))?;
    config.mark.validate()?;
    config.layout.validate().map_err(Error::Config)?;
    config.sheet.validate().map_err(|e| Error::Config(e.to_string()))?;
    if config.inputs.is_empty() {
        return Err(Error::Config("no input PDF given".to_string()));
    }
    if matches!(config.split, SplitRule::Index { .. }) && config.inputs.len() > 1 {
        return Err(Error::Config("an index split describes one input; give one PDF".to_string()));
    }
    let mut times = StageTimes::default();

    let clock = Instant::now();
    let options = IngestOptions { password: config.password.clone(), limits: config.limits.clone() };
    let sources: Vec<SourceDocument> =
        config.inputs.iter().map(|path| ingest::open(path, &options)).collect::<Result<_, _>>()?;
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
    let mut committed = CommittedFiles::default();
    let budget = DecodeBudget::new(config.limits.max_job_decompressed_bytes);
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
        limits: &config.limits,
        budget: &budget,
    };
    let mut outputs = Vec::new();
    let mut marks: Vec<Option<MarkPlacement>> = vec![None; plan.sheets.len()];
    let mut reports = Vec::new();
    let files = plan.file_pages.len();
    for file_index in 0..files {
        let name = config.output_name(file_index, files);
        let output_path = config.out_dir.join(&name);
        let output_err = |source| Error::Output { path: output_path.clone(), source };
        let mut file = AtomicFile::create(&output_path).map_err(output_err)?;
        let (writer, report) = write_file(&impose_job, file_index, file.writer()).map_err(|e| match e {
            // A failed write (a full disk, say) is about this file.
            crate::write::WriteError::Io(source) => output_err(source),
            other => other.into(),
        })?;
        let (bytes, sha256) = writer.finish().map_err(output_err)?;
        let committed_file = file.commit(bytes, sha256).map_err(output_err)?;
        committed.push(committed_file.path.clone());
        for (leaf, placement) in &report.marks {
            marks[*leaf] = Some(placement.clone());
        }
        outputs.push(OutputRecord {
            path: name,
            sha256: committed_file.sha256,
            bytes: committed_file.bytes,
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
    for warning in reports.iter().flat_map(|r| r.warnings.iter()) {
        // Each output file copies what it needs, so the same finding can come from several.
        if !warnings.contains(warning) {
            warnings.push(warning.clone());
        }
    }
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
            active_content_removed: sources.iter().fold(ActiveContent::default(), |mut total, s| {
                total.add(&s.active_content);
                total
            }),
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
    committed.keep();
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

/// Creates the output folder and removes an earlier job's manifest first, so that a manifest
/// never describes output this run is about to replace, and the temporary files of a run that
/// was killed.
fn prepare_output_dir(dir: &Path) -> Result<(), Error> {
    let err = |source| Error::Output { path: dir.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(err)?;
    atomic::remove_stale_partials(dir).map_err(err)?;
    for name in [manifest::MANIFEST_FILE, manifest::SHEETS_CSV_FILE] {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(err(e)),
            _ => {}
        }
    }
    Ok(())
}
