//! A finished job's output folder, opened again by the tools that close the loop (export,
//! verify, reconcile, returns): its manifest, checked, and the paths of its files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::manifest::{Manifest, MANIFEST_FILE, SCHEMA};
use crate::manifest_check::{self, ManifestProblem};

/// A job folder with its manifest.
#[derive(Debug)]
pub struct JobDir {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// The SHA-256 of `manifest.json` as read: reports and the returns ledger name the exact
    /// manifest they were made against.
    pub manifest_sha256: String,
}

/// Why a job folder cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobDirError {
    #[error("{path} does not exist: is {dir} a sheetseal job folder (the --out folder of impose)?")]
    Missing { dir: PathBuf, path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a sheetseal manifest: {detail}")]
    Invalid { path: PathBuf, detail: String },
    #[error(
        "{path} has schema '{found}'; this sheetseal reads {SCHEMA}: use the sheetseal version that wrote it"
    )]
    Schema { path: PathBuf, found: String },
    #[error("{path} is inconsistent ({count} problem(s); first: {first}): it was edited or damaged; run `sheetseal verify` on the folder")]
    Inconsistent { path: PathBuf, count: usize, first: String },
}

impl JobDir {
    /// Reads the manifest of the job in `dir` and checks its schema, nothing more: for
    /// `verify`, which reports every inconsistency itself.
    pub fn load(dir: &Path) -> Result<JobDir, JobDirError> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = std::fs::read(&path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => {
                JobDirError::Missing { dir: dir.to_path_buf(), path: path.clone() }
            }
            _ => JobDirError::Io { path: path.clone(), source },
        })?;
        let schema: SchemaOnly = serde_json::from_slice(&bytes)
            .map_err(|e| JobDirError::Invalid { path: path.clone(), detail: e.to_string() })?;
        if schema.schema != SCHEMA {
            return Err(JobDirError::Schema { path, found: schema.schema.chars().take(60).collect() });
        }
        let manifest = serde_json::from_slice(&bytes)
            .map_err(|e| JobDirError::Invalid { path: path.clone(), detail: e.to_string() })?;
        let manifest_sha256 = crate::ingest::hex(&Sha256::digest(&bytes));
        Ok(JobDir { dir: dir.to_path_buf(), manifest, manifest_sha256 })
    }

    /// Reads the manifest and refuses one whose records contradict each other: for the tools
    /// that look payloads up and trust the records.
    pub fn open(dir: &Path) -> Result<JobDir, JobDirError> {
        let job = JobDir::load(dir)?;
        let problems = manifest_check::problems(&job.manifest);
        if let Some(first) = problems.first() {
            return Err(JobDirError::Inconsistent {
                path: job.manifest_path(),
                count: problems.len(),
                first: first.to_string(),
            });
        }
        Ok(job)
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join(MANIFEST_FILE)
    }

    /// The path of output `index` (an index into `manifest.outputs`).
    pub fn output_path(&self, index: usize) -> PathBuf {
        self.dir.join(&self.manifest.outputs[index].path)
    }

    /// Every item's `metadata` object, when the manifest's item records carry one (index
    /// columns kept by the split stage); `None` for items without. Read separately so that the
    /// tools print whatever the writing version recorded.
    pub fn item_metadata(&self) -> Result<Vec<Option<BTreeMap<String, serde_json::Value>>>, JobDirError> {
        let path = self.manifest_path();
        let bytes = std::fs::read(&path).map_err(|source| JobDirError::Io { path: path.clone(), source })?;
        let items: ItemsOnly = serde_json::from_slice(&bytes)
            .map_err(|e| JobDirError::Invalid { path, detail: e.to_string() })?;
        Ok(items.items.into_iter().map(|i| i.metadata.filter(|m| !m.is_empty())).collect())
    }

    /// Every problem of the manifest's records (see [`manifest_check`]).
    pub fn problems(&self) -> Vec<ManifestProblem> {
        manifest_check::problems(&self.manifest)
    }
}

#[derive(Deserialize)]
struct SchemaOnly {
    schema: String,
}

#[derive(Deserialize)]
struct ItemsOnly {
    items: Vec<ItemMetadata>,
}

#[derive(Deserialize)]
struct ItemMetadata {
    #[serde(default)]
    metadata: Option<BTreeMap<String, serde_json::Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_without_manifest_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let message = JobDir::open(dir.path()).unwrap_err().to_string();
        assert!(message.contains("manifest.json") && message.contains("job folder"), "{message}");
    }

    #[test]
    fn other_schemas_and_garbage_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MANIFEST_FILE), br#"{"schema":"sheetseal-manifest/9"}"#).unwrap();
        assert!(matches!(JobDir::load(dir.path()), Err(JobDirError::Schema { .. })));
        std::fs::write(dir.path().join(MANIFEST_FILE), b"{not json").unwrap();
        assert!(matches!(JobDir::load(dir.path()), Err(JobDirError::Invalid { .. })));
    }
}
