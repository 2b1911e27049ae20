//! A finished job's folder as preview reads it: the manifest and the print file it describes,
//! checked against each other so that the pictures show what will be printed.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::overlay;
use super::raster::Raster;
use super::render::{Renderer, Size};
use super::PreviewError;
use crate::manifest::{Manifest, MANIFEST_FILE};
use crate::write::atomic::HashingWriter;

/// A job's manifest and its (first) print file.
#[derive(Debug, Clone)]
pub struct JobFiles {
    pub manifest: Manifest,
    pub pdf: PathBuf,
}

impl JobFiles {
    /// Reads `dir/manifest.json`; with `check_hash`, also checks that the print file's bytes
    /// are those the manifest records.
    pub fn open(dir: &Path, check_hash: bool) -> Result<JobFiles, PreviewError> {
        let manifest_path = dir.join(MANIFEST_FILE);
        let manifest = Manifest::read(&manifest_path).map_err(|e| {
            PreviewError::Options(format!(
                "{}: {e}; preview needs the folder of a finished job",
                manifest_path.display()
            ))
        })?;
        let output = manifest.outputs.first().ok_or_else(|| {
            PreviewError::Options(format!("{} lists no print file", manifest_path.display()))
        })?;
        let pdf = dir.join(&output.path);
        if check_hash {
            let io = |e: std::io::Error| PreviewError::Options(format!("cannot read {}: {e}", pdf.display()));
            let mut hashing = HashingWriter::new(std::io::sink());
            std::io::copy(&mut File::open(&pdf).map_err(io)?, &mut hashing).map_err(io)?;
            let (_, sha256) = hashing.finish().map_err(io)?;
            if sha256 != output.sha256 {
                return Err(PreviewError::Options(format!(
                    "{} is not the file the manifest describes (its SHA-256 differs): the folder changed after the job",
                    pdf.display()
                )));
            }
        }
        Ok(JobFiles { manifest, pdf })
    }

    /// Renders output page `page` (1-based), with the overlay when asked.
    pub fn picture(
        &self,
        renderer: &Renderer,
        page: usize,
        size: Size,
        overlay: bool,
    ) -> Result<Raster, PreviewError> {
        let (mut raster, page_size) = renderer.render(page, size)?;
        if overlay {
            let shapes = overlay::page_shapes(&self.manifest, 0, page, page_size);
            overlay::draw(&mut raster, page_size, &shapes);
        }
        Ok(raster)
    }

    /// The output pages that carry sheets `sheets` (job-wide, 1-based), in order.
    pub fn pages_of_sheets(&self, sheets: &[usize]) -> Vec<usize> {
        let mut pages: Vec<usize> = self
            .manifest
            .sheets
            .iter()
            .filter(|s| s.output == 0 && sheets.binary_search(&s.seq).is_ok())
            .flat_map(|s| std::iter::once(s.front_page).chain(s.back_page))
            .collect();
        pages.sort_unstable();
        pages.dedup();
        pages
    }
}
