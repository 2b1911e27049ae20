//! Stage 6, manifest: the job's reconciliation record (see docs/manifest.md).
//!
//! It proves where every input page went: each sheet names the source pages on its sides, each
//! item its source page range and sheets. It is written last, atomically; a manifest that
//! exists describes output that exists.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::plan::{Face, Plan};
use crate::warning::Warning;
use crate::write::atomic::{AtomicFile, FlushedFile};
use crate::write::impose::MarkPlacement;

/// The schema identifier written into every manifest.
pub const SCHEMA: &str = "sheetseal-manifest/1";
/// File names inside a job's output folder.
pub const MANIFEST_FILE: &str = "manifest.json";
pub const SHEETS_CSV_FILE: &str = "sheets.csv";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub tool: Tool,
    pub job: String,
    /// The customer account the job belongs to, when one was given (`impose --account`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub config: serde_json::Value,
    pub inputs: Vec<InputRecord>,
    pub outputs: Vec<OutputRecord>,
    pub counts: Counts,
    /// The press sheet and its cells; `None` for 1-up on each page's own size.
    pub grid: Option<GridRecord>,
    pub items: Vec<ItemRecord>,
    pub sheets: Vec<SheetRecord>,
    pub warnings: Vec<Warning>,
    /// Input pages in no item (blank separators), each with the reason; with the sheets'
    /// pages they account for every input page exactly once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<DroppedRecord>,
    /// How the marks were made (absent in manifests written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marks: Option<MarkSummary>,
}

/// The mark configuration of a job, for verification and audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkSummary {
    /// `datamatrix` or `omr`.
    pub kind: crate::mark::MarkKind,
    /// The preset the template came from, if any.
    pub preset: Option<String>,
    /// The payload template, as a spec (docs/payload.md).
    pub template: String,
    /// The symbol option (`square`, `rectangular`, `auto` or a size) and encodation modes.
    pub symbol: String,
    pub encodation: String,
    pub dmre: bool,
    /// How many sheets use each symbol size (`ROWSxCOLUMNS`; `omr-N` for N tracks).
    pub sizes: std::collections::BTreeMap<String, usize>,
    /// Whether every payload names its sheet (payloads were checked to be unique).
    pub unique: bool,
    /// The mark key's fingerprint when payloads carry a truncated HMAC; never the key.
    pub key_fingerprint: Option<String>,
    /// `fail`, `warn` or `whiteout`.
    pub on_collision: crate::mark::CollisionPolicy,
    /// Sheets whose mark area had page content in it.
    pub collisions: usize,
}

impl MarkSummary {
    pub fn new(
        geometry: &crate::mark::MarkGeometry,
        payload: &crate::mark::PayloadConfig,
        marks: &crate::mark::PreparedMarks,
        collisions: usize,
    ) -> MarkSummary {
        MarkSummary {
            kind: geometry.kind,
            preset: payload.preset.clone(),
            template: payload.template.spec().to_string(),
            symbol: geometry.symbol.shape.name(),
            encodation: geometry.symbol.encodation.name(),
            dmre: geometry.symbol.dmre,
            sizes: marks.size_counts(geometry.kind),
            unique: marks.unique,
            key_fingerprint: payload.key.as_ref().map(|k| k.fingerprint().to_string()),
            on_collision: geometry.on_collision,
            collisions,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputRecord {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub pages: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputRecord {
    /// Relative to the job's output folder.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub pages: usize,
    /// Leaves whose front is printed in this file.
    pub sheets: usize,
    pub press_sheets: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub items: usize,
    pub input_pages: usize,
    pub blank_pages: usize,
    pub output_pages: usize,
    /// Leaves: the physical sheets that go into envelopes.
    pub sheets: usize,
    pub press_sheets: usize,
    /// Press-sheet cells left unprinted (cut-and-stack padding).
    pub empty_cells: usize,
    pub marks: usize,
    pub annotations_flattened: usize,
    pub annotations_dropped: usize,
    /// Active content the inputs carried and the output leaves out (JavaScript, launch and URI
    /// actions, embedded files, ...), by kind.
    #[serde(default)]
    pub active_content_removed: crate::active_content::ActiveContent,
    pub warnings: usize,
    /// Input pages dropped by the split rule (see `Manifest::dropped`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_pages: usize,
    /// Items longer than the inserter's limit, printed for manual handling.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub diverted_items: usize,
    /// Sheets whose mark area had page content in it.
    #[serde(default)]
    pub collisions: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// An input page that no sheet carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedRecord {
    pub input: usize,
    /// 1-based.
    pub page: usize,
    pub reason: crate::split::DropReason,
}

/// A source page: input position (0-based) and 1-based page number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub input: usize,
    pub page: usize,
}

/// The press sheet layout, in points from the sheet's lower-left corner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRecord {
    pub width: f64,
    pub height: f64,
    pub columns: usize,
    pub rows: usize,
    /// Each cell (leaf trim) as x, y, width, height, numbered row by row from the top left of
    /// the front; a back page uses the same numbering as seen on the back.
    pub cells: Vec<[f64; 4]>,
}

impl GridRecord {
    pub fn of(grid: &crate::plan::geometry::Grid) -> GridRecord {
        GridRecord {
            width: round_pt(grid.width),
            height: round_pt(grid.height),
            columns: grid.columns,
            rows: grid.rows,
            cells: grid.cells.iter().map(|c| [c.x0, c.y0, c.width(), c.height()].map(round_pt)).collect(),
        }
    }
}

/// A page on a leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeafPage {
    pub side: crate::plan::Side,
    pub cell: usize,
    /// The source page; `None` for a blank.
    pub source: Option<SourceRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRecord {
    pub seq: usize,
    pub id: String,
    pub input: usize,
    /// First and last source page, 1-based, inclusive.
    pub first_page: usize,
    pub last_page: usize,
    pub pages: usize,
    pub sheets: usize,
    /// Job-wide sequence number of its first sheet.
    pub first_sheet: usize,
    pub blank_pages: usize,
    /// What the split rule learned about the item (index columns, captured text, `/DPM`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub metadata: std::collections::BTreeMap<String, String>,
    /// Longer than the inserter's limit: printed, but to be handled by hand.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub diverted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetRecord {
    pub seq: usize,
    pub item_seq: usize,
    pub item_id: String,
    /// Sheet n of m within the item.
    pub sheet: usize,
    pub of: usize,
    /// Index into `outputs`.
    pub output: usize,
    /// 1-based page of the output file that carries the front.
    pub front_page: usize,
    /// 1-based page that carries the back, for duplex.
    pub back_page: Option<usize>,
    pub front: SourceRef,
    /// The source page on the back; `None` for a blank back or simplex.
    pub back: Option<SourceRef>,
    /// Every page on the leaf, in reading order (booklet leaves carry four).
    pub pages: Vec<LeafPage>,
    /// The press sheet that prints the leaf, 1-based.
    pub press_sheet: usize,
    /// The leaf's cell on the press sheet's front, numbered row by row from the top left.
    pub cell: usize,
    /// Its cut-and-stack block (1-based) and position in its stack after cutting (1 = top).
    pub block: usize,
    pub stack_position: usize,
    /// Width and height of the front page, in points.
    pub size: [f64; 2],
    pub payload: String,
    pub mark: MarkRecord,
}

/// Where the mark is on the front page, in points from its lower-left corner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkRecord {
    /// The quiet zone: x, y, width, height.
    pub zone: [f64; 4],
    /// The leaf's trim box on the page: x, y, width, height.
    pub leaf: [f64; 4],
    pub modules: [usize; 2],
    /// The window mark with its quiet zone, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<[f64; 4]>,
    /// Whether page content was found in the mark's area (or the window mark's).
    #[serde(default)]
    pub collision: bool,
}

impl Manifest {
    /// Every source page the leaves carry: leaf by leaf, each in its reading order.
    pub fn placed_pages(&self) -> impl Iterator<Item = SourceRef> + '_ {
        self.sheets.iter().flat_map(|s| s.pages.iter().filter_map(|p| p.source))
    }

    /// Every input page, each once: those on sheets and those dropped, ordered by input and page.
    pub fn accounted_pages(&self) -> Vec<SourceRef> {
        let dropped = self.dropped.iter().map(|d| SourceRef { input: d.input, page: d.page });
        let mut pages: Vec<SourceRef> = self.placed_pages().chain(dropped).collect();
        pages.sort_by_key(|p| (p.input, p.page));
        pages
    }

    /// Reads a manifest back.
    pub fn read(path: &Path) -> Result<Manifest, std::io::Error> {
        let bytes = std::fs::read(path)?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }

    /// Writes the sheets as CSV, one row a sheet, and the manifest, both at once on two threads,
    /// under temporary names in `dir`, flushed to disk: [`StagedManifest::put_in_place`] then
    /// makes them appear, the manifest only once the CSV has. If either fails, neither is left in
    /// `dir` (the job moved any earlier ones aside before it began).
    pub fn stage(&self, dir: &Path) -> std::io::Result<StagedManifest> {
        std::thread::scope(|scope| {
            let csv = scope.spawn(|| self.write_sheets_csv(dir));
            let json = self.write_json(dir);
            let csv = csv.join().map_err(|_| std::io::Error::other("writing sheets.csv panicked"))??;
            Ok(StagedManifest { csv, json: json? })
        })
    }

    fn write_json(&self, dir: &Path) -> std::io::Result<FlushedFile> {
        let mut json_file = AtomicFile::create(&dir.join(MANIFEST_FILE))?;
        let mut json = json_file.writer();
        crate::manifest_json::write(self, &mut json)?;
        json.write_all(b"\n")?;
        let written = json.finish()?;
        json_file.flush_to_disk(written)
    }

    fn write_sheets_csv(&self, dir: &Path) -> std::io::Result<FlushedFile> {
        let mut csv_file = AtomicFile::create(&dir.join(SHEETS_CSV_FILE))?;
        let mut csv = csv::Writer::from_writer(csv_file.writer());
        csv.write_record([
            "seq",
            "item_seq",
            "item_id",
            "sheet",
            "of",
            "output",
            "front_page",
            "back_page",
            "front_input",
            "front_source_page",
            "back_source_page",
            "payload",
        ])?;
        // Field by field, numbers formatted on the stack: nothing allocated per sheet.
        let number = |csv: &mut csv::Writer<_>, value: Option<usize>| match value {
            Some(value) => csv.write_field(itoa::Buffer::new().format(value)),
            None => csv.write_field(""),
        };
        for s in &self.sheets {
            number(&mut csv, Some(s.seq))?;
            number(&mut csv, Some(s.item_seq))?;
            csv.write_field(&s.item_id)?;
            number(&mut csv, Some(s.sheet))?;
            number(&mut csv, Some(s.of))?;
            csv.write_field(&self.outputs[s.output].path)?;
            number(&mut csv, Some(s.front_page))?;
            number(&mut csv, s.back_page)?;
            number(&mut csv, Some(s.front.input))?;
            number(&mut csv, Some(s.front.page))?;
            number(&mut csv, s.back.map(|b| b.page))?;
            csv.write_field(&s.payload)?;
            csv.write_record(None::<&[u8]>)?;
        }
        let written = csv.into_inner().map_err(|e| e.into_error())?.finish()?;
        csv_file.flush_to_disk(written)
    }
}

/// The manifest and its CSV of sheets, written and flushed to disk under temporary names
/// ([`Manifest::stage`]); dropped without [`StagedManifest::put_in_place`], they disappear.
pub struct StagedManifest {
    csv: FlushedFile,
    json: FlushedFile,
}

impl StagedManifest {
    /// Renames the CSV into place, then the manifest, which says the job is complete. If either
    /// fails, neither is left.
    pub fn put_in_place(self) -> std::io::Result<()> {
        let csv = self.csv.put_in_place()?;
        self.json.put_in_place().inspect_err(|_| {
            let _ = std::fs::remove_file(csv);
        })?;
        Ok(())
    }
}

/// The per-item and per-leaf records of a plan; `marks` is indexed by leaf.
pub fn records(
    plan: &Plan,
    payloads: &[String],
    marks: &[MarkPlacement],
) -> (Vec<ItemRecord>, Vec<SheetRecord>) {
    let items = plan
        .items
        .iter()
        .map(|p| ItemRecord {
            seq: p.seq,
            id: p.item.id.clone(),
            input: p.item.input,
            first_page: p.item.first_page + 1,
            last_page: p.item.first_page + p.item.page_count,
            pages: p.item.page_count,
            sheets: p.sheet_count,
            first_sheet: p.first_sheet + 1,
            blank_pages: p.blanks,
            metadata: p.item.metadata.clone(),
            diverted: false,
        })
        .collect();
    let source = |face: Face| match face {
        Face::Page { input, page } => Some(SourceRef { input, page: page + 1 }),
        Face::Blank { .. } => None,
    };
    let sheets = plan
        .sheets
        .iter()
        .zip(payloads)
        .zip(marks)
        .map(|((s, payload), mark)| {
            let item = &plan.items[s.item];
            let (front_page, back_page) = plan.leaf_pages(s);
            let front = s.front();
            SheetRecord {
                seq: s.seq,
                item_seq: item.seq,
                item_id: item.item.id.clone(),
                sheet: s.number,
                of: s.count,
                output: plan.press_sheets[s.press_sheet].file,
                front_page,
                back_page,
                front: source(front)
                    .unwrap_or(SourceRef { input: front.page_ref().0, page: front.page_ref().1 + 1 }),
                back: s.back().and_then(source),
                pages: s
                    .faces
                    .iter()
                    .map(|f| LeafPage { side: f.side, cell: f.cell, source: source(f.face) })
                    .collect(),
                press_sheet: s.press_sheet + 1,
                cell: s.cell,
                block: s.block + 1,
                stack_position: s.stack_position + 1,
                size: mark.sheet_size.map(round_pt),
                payload: payload.clone(),
                mark: MarkRecord {
                    zone: [mark.zone.x0, mark.zone.y0, mark.zone.width(), mark.zone.height()].map(round_pt),
                    leaf: [mark.leaf.x0, mark.leaf.y0, mark.leaf.width(), mark.leaf.height()].map(round_pt),
                    modules: [mark.modules.0, mark.modules.1],
                    window: mark.window.map(|w| [w.x0, w.y0, w.width(), w.height()].map(round_pt)),
                    collision: false,
                },
            }
        })
        .collect();
    (items, sheets)
}

fn round_pt(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
