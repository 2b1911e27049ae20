//! Benchmarks live in benches/benches; this is what several of them set up: a generated mail
//! merge, opened, split by its index and planned duplex 1-up with the default marks.

use sheetseal_core::ingest::{self, IngestOptions, SourceDocument};
use sheetseal_core::mark::clear::ClearZoneJob;
use sheetseal_core::mark::{self, MarkGeometry, PayloadConfig, PreparedMarks};
use sheetseal_core::plan::geometry::SheetSpec;
use sheetseal_core::plan::{FlipAxis, LayoutSpec, Plan};
use sheetseal_core::split::{self, Item, SplitRule};
use sheetseal_corpus::{CorpusSpec, CorpusSummary};

/// A generated job at the point where the write stage begins.
pub struct Sample {
    /// Holds the generated files.
    pub dir: tempfile::TempDir,
    pub generated: CorpusSummary,
    pub source: SourceDocument,
    pub items: Vec<Item>,
    pub plan: Plan,
    pub geometry: MarkGeometry,
    pub marks: PreparedMarks,
}

impl Sample {
    /// `letters` letters (seed 1) with bookmarks and PDF/VT document parts, so that every split
    /// rule has something to read.
    pub fn new(letters: usize) -> Sample {
        let dir = tempfile::tempdir().expect("temporary folder");
        let spec = CorpusSpec { letters, seed: 1, outline: true, dparts: true, ..CorpusSpec::default() };
        let generated = sheetseal_corpus::generate(&spec, dir.path()).expect("corpus");
        let source = ingest::open(&generated.pdf_path, &IngestOptions::default()).expect("input");
        let rule = SplitRule::Index { path: generated.index_path.clone() };
        let items =
            split::split(&rule, 0, &source, None, &split::text::page_matches).expect("index split").items;
        let plan = Plan::build(&LayoutSpec::default(), FlipAxis::Vertical, &items);
        let geometry = MarkGeometry::default();
        let marks = mark::prepare("BENCH", &plan, &PayloadConfig::default(), &geometry).expect("marks");
        Sample { dir, generated, source, items, plan, geometry, marks }
    }

    /// Input pages.
    pub fn pages(&self) -> usize {
        self.source.pages.len()
    }

    /// The clear-zone check of the sample's marks, 1-up on `sheet`.
    pub fn clear_zone_job<'a>(&'a self, sheet: &'a SheetSpec) -> ClearZoneJob<'a> {
        ClearZoneJob {
            sources: std::slice::from_ref(&self.source),
            password: None,
            plan: &self.plan,
            marks: &self.marks,
            geometry: &self.geometry,
            grid: None,
            sheet,
            page_box: Default::default(),
        }
    }
}
