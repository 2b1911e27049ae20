//! A whole job: ingest, split, plan, mark, write, manifest, in that order.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::ingest::{self, IngestOptions, SourceDocument};
use crate::manifest::{self, Counts, InputRecord, Manifest, MarkSummary, OutputRecord, Tool};
use crate::mark::{
    self, clear::ClearZoneJob, payload::validate_job_id, CollisionPolicy, MarkError, MarkGeometry,
    PayloadConfig,
};
use crate::plan::{Layout, Plan};
use crate::split::{self, SplitRule};
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
    /// What the marks say.
    pub payload: PayloadConfig,
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
            payload: PayloadConfig::default(),
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
    /// Payloads, symbols and the clear-zone check.
    pub marks: Duration,
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
    config.mark.validate().map_err(MarkError::Geometry)?;
    if config.inputs.is_empty() {
        return Err(Error::Config("no input PDF given".to_string()));
    }
    if matches!(config.split, SplitRule::Index { .. }) && config.inputs.len() > 1 {
        return Err(Error::Config("an index split describes one input; give one PDF".to_string()));
    }
    let mut times = StageTimes::default();

    let clock = Instant::now();
    let options = IngestOptions { password: config.password.clone() };
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
    let plan = Plan::build(config.layout, &items);
    times.plan = clock.elapsed();

    let clock = Instant::now();
    let marks = mark::prepare(&config.job, &plan, &config.payload, &config.mark)?;
    let clear = mark::clear::check(&ClearZoneJob {
        sources: &sources,
        password: config.password.as_deref(),
        plan: &plan,
        marks: &marks,
        geometry: &config.mark,
    })?;
    let mark_warnings = mark_findings(config, &plan, &marks, &clear)?;
    times.marks = clock.elapsed();
    let payloads = &marks.payloads;

    prepare_output_dir(&config.out_dir)?;
    let clock = Instant::now();
    let output_path = config.out_dir.join(config.output_name());
    let output_err = |source| Error::Output { path: output_path.clone(), source };
    let mut file = AtomicFile::create(&output_path).map_err(output_err)?;
    let impose_job =
        ImposeJob { job: &config.job, sources: &sources, plan: &plan, payloads, geometry: &config.mark };
    let (writer, report) = write_imposed(&impose_job, file.writer())?;
    let (bytes, sha256) = writer.finish().map_err(output_err)?;
    let committed = file.commit(bytes, sha256).map_err(output_err)?;
    times.write = clock.elapsed();

    let clock = Instant::now();
    let (item_records, mut sheet_records) = manifest::records(&plan, payloads, &report.marks);
    for (record, ink) in sheet_records.iter_mut().zip(&clear.ink) {
        record.mark.collision = ink.is_some_and(|n| n > 0);
    }
    let mut warnings: Vec<_> = sources
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.warnings.iter().cloned().map(move |w| crate::Warning { input: Some(i), ..w }))
        .collect();
    warnings.extend(report.warnings);
    warnings.extend(mark_warnings);
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
            collisions: clear.collisions(),
        },
        items: item_records,
        sheets: sheet_records,
        warnings,
        marks: Some(MarkSummary::new(&config.mark, &config.payload, &marks, clear.collisions())),
    };
    manifest
        .write(&config.out_dir)
        .map_err(|source| Error::Output { path: config.out_dir.join(manifest::MANIFEST_FILE), source })?;
    times.manifest = clock.elapsed();
    Ok(JobOutcome { manifest, times })
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
            let (input, page) = match sheet.front {
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
