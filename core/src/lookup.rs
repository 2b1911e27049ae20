//! From a mark's payload to the sheet that carries it: an exact-string lookup in the sheet
//! records of one or more manifests. Payload text is never taken apart (its layout is
//! configurable); the manifest is the only authority on what a payload means.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::jobdir::JobDir;
use crate::manifest::{ItemRecord, SheetRecord};

/// A sheet of one of the looked-up jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SheetRef {
    /// Index into the jobs given to [`PayloadLookup::new`]; 0 is the job being checked.
    pub job: usize,
    /// Index into that manifest's `sheets`.
    pub sheet: usize,
}

/// Two jobs whose marks cannot be told apart.
#[derive(Debug, thiserror::Error)]
#[error("payload '{payload}' is on a sheet of job {first_job} ({first_dir}) and of job {second_job} ({second_dir}): the jobs cannot be told apart; give each job its own id")]
pub struct AmbiguousPayload {
    pub payload: String,
    pub first_job: String,
    pub first_dir: PathBuf,
    pub second_job: String,
    pub second_dir: PathBuf,
}

/// Payload to sheet, over every sheet of the given jobs.
pub struct PayloadLookup<'a> {
    jobs: &'a [JobDir],
    map: HashMap<&'a str, SheetRef>,
}

impl<'a> PayloadLookup<'a> {
    /// Indexes every sheet of `jobs`; the first is the job being checked, the others are jobs
    /// whose sheets may turn up by mistake (same run, other customers).
    pub fn new(jobs: &'a [JobDir]) -> Result<Self, AmbiguousPayload> {
        let capacity = jobs.iter().map(|j| j.manifest.sheets.len()).sum();
        let mut map: HashMap<&'a str, SheetRef> = HashMap::with_capacity(capacity);
        for (job, dir) in jobs.iter().enumerate() {
            for (sheet, record) in dir.manifest.sheets.iter().enumerate() {
                if let Some(first) = map.insert(&record.payload, SheetRef { job, sheet }) {
                    // Within one job, uniqueness is the manifest check's business; keep the first.
                    if first.job == job {
                        map.insert(&record.payload, first);
                        continue;
                    }
                    return Err(AmbiguousPayload {
                        payload: record.payload.clone(),
                        first_job: jobs[first.job].manifest.job.clone(),
                        first_dir: jobs[first.job].dir.clone(),
                        second_job: dir.manifest.job.clone(),
                        second_dir: dir.dir.clone(),
                    });
                }
            }
        }
        Ok(PayloadLookup { jobs, map })
    }

    pub fn get(&self, payload: &str) -> Option<SheetRef> {
        self.map.get(payload).copied()
    }

    pub fn jobs(&self) -> &'a [JobDir] {
        self.jobs
    }

    pub fn job(&self, at: SheetRef) -> &'a JobDir {
        &self.jobs[at.job]
    }

    pub fn sheet(&self, at: SheetRef) -> &'a SheetRecord {
        &self.jobs[at.job].manifest.sheets[at.sheet]
    }

    /// The item a sheet belongs to (manifests opened with [`JobDir::open`] have valid
    /// references).
    pub fn item(&self, at: SheetRef) -> &'a ItemRecord {
        let manifest = &self.jobs[at.job].manifest;
        &manifest.items[manifest.sheets[at.sheet].item_seq - 1]
    }
}
