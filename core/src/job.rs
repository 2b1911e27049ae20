//! A whole job: ingest, split, plan, mark, write, manifest, in that order.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::ingest::{self, IngestOptions, SourceDocument};
use crate::manifest::{self, Counts, InputRecord, Manifest, OutputRecord, Tool};
use crate::mark::{self, payload::validate_job_id, MarkGeometry};
use crate::plan::{Layout, Plan};
use crate::split::{self, OnOversize, SplitRule};
use crate::write::atomic::AtomicFile;
use crate::write::impose::{write_imposed, ImposeJob};
use crate::Error;

/// Everything a job needs to know.
#[derive(Debug, Clone, Serialize)]
pub struct JobConfig {
    pub job: String,
    pub inputs: Vec<PathBuf>,
    pub split: SplitRule,
    pub layout: Layout,
    pub mark: MarkGeometry,
    /// The most sheets one item may have (the inserter's limit for one envelope).
    pub max_sheets_per_item: usize,
    /// What to do with items over that limit.
    pub on_oversize: OnOversize,
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
            layout: Layout::default(),
            mark: MarkGeometry::default(),
            max_sheets_per_item: split::oversize::DEFAULT_MAX_SHEETS,
            on_oversize: OnOversize::default(),
            out_dir: out_dir.to_path_buf(),
            password: None,
        }
    }

    /// The imposed PDF's file name.
    pub fn output_name(&self) -> String {
        format!("{}.pdf", self.job)
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
    let inputs = input_paths(&config.split, &config.inputs)?;
    if matches!(config.split, SplitRule::Index { .. }) && inputs.len() > 1 {
        return Err(Error::Config("an index split describes one input; give one PDF".to_string()));
    }
    if config.max_sheets_per_item == 0 {
        return Err(Error::Config("--max-sheets-per-item must be at least 1".to_string()));
    }
    let mut times = StageTimes::default();

    let clock = Instant::now();
    let options = IngestOptions { password: config.password.clone() };
    let sources: Vec<SourceDocument> =
        inputs.iter().map(|path| ingest::open(path, &options)).collect::<Result<_, _>>()?;
    times.ingest = clock.elapsed();

    let clock = Instant::now();
    let split = split::split_all(&config.split, &sources, config.password.as_deref())?;
    times.split = clock.elapsed();

    let clock = Instant::now();
    let plan = Plan::build(config.layout, &split.items);
    let diverted = split::oversize::check(&plan, config.max_sheets_per_item, config.on_oversize)?;
    let payloads = mark::payloads(&config.job, &plan)?;
    times.plan = clock.elapsed();

    prepare_output_dir(&config.out_dir)?;
    let clock = Instant::now();
    let output_path = config.out_dir.join(config.output_name());
    let output_err = |source| Error::Output { path: output_path.clone(), source };
    let mut file = AtomicFile::create(&output_path).map_err(output_err)?;
    let impose_job = ImposeJob {
        job: &config.job,
        sources: &sources,
        plan: &plan,
        payloads: &payloads,
        geometry: &config.mark,
    };
    let (writer, report) = write_imposed(&impose_job, file.writer())?;
    let (bytes, sha256) = writer.finish().map_err(output_err)?;
    let committed = file.commit(bytes, sha256).map_err(output_err)?;
    times.write = clock.elapsed();

    let clock = Instant::now();
    let (mut item_records, sheet_records) = manifest::records(&plan, &payloads, &report.marks);
    for &index in &diverted {
        item_records[index].diverted = true;
    }
    let mut warnings: Vec<_> = sources
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.warnings.iter().cloned().map(move |w| crate::Warning { input: Some(i), ..w }))
        .collect();
    warnings.extend(split.warnings);
    warnings.extend(report.warnings);
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
        outputs: vec![OutputRecord {
            path: config.output_name(),
            sha256: committed.sha256,
            bytes: committed.bytes,
            pages: report.pages,
            sheets: plan.sheets.len(),
        }],
        counts: Counts {
            items: plan.items.len(),
            input_pages: sources.iter().map(|s| s.pages.len()).sum(),
            blank_pages: plan.blank_pages(),
            output_pages: report.pages,
            sheets: plan.sheets.len(),
            marks: report.marks.len(),
            warnings: warnings.len(),
            dropped_pages: split.dropped.len(),
            diverted_items: diverted.len(),
        },
        items: item_records,
        sheets: sheet_records,
        warnings,
        dropped: split
            .dropped
            .iter()
            .map(|d| manifest::DroppedRecord { input: d.input, page: d.page + 1, reason: d.reason })
            .collect(),
    };
    manifest
        .write(&config.out_dir)
        .map_err(|source| Error::Output { path: config.out_dir.join(manifest::MANIFEST_FILE), source })?;
    times.manifest = clock.elapsed();
    Ok(JobOutcome { manifest, times })
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
