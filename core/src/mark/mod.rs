//! Stage 4, mark: the Data Matrix integrity mark printed on the front of every sheet.
//!
//! [`payload`] says what a mark encodes, [`symbol`] turns it into a module grid and [`draw`]
//! paints that grid as vector rectangles. [`MarkGeometry`] says where it goes.

pub mod draw;
pub mod payload;
pub mod symbol;

use serde::{Deserialize, Serialize};

use crate::geometry::{mm, Rect};
use crate::plan::Plan;
use payload::{PayloadError, SheetPayload};
use symbol::SymbolError;

/// Where and how large the mark is printed, relative to the sheet's top-left corner as the
/// sheet is displayed (the lead edge is the top).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MarkGeometry {
    /// The side of one module (X dimension), in millimetres.
    pub module_mm: f64,
    /// White space kept around the symbol, in millimetres.
    pub quiet_mm: f64,
    /// From the sheet's left edge to the symbol's left edge, in millimetres.
    pub left_mm: f64,
    /// From the sheet's top (lead) edge to the symbol's top edge, in millimetres.
    pub top_mm: f64,
}

impl Default for MarkGeometry {
    /// 0.42 mm modules with a 2.5 mm quiet zone, in the left margin 30 mm below the lead edge
    /// (see ../docs/payload.md for the reasoning).
    fn default() -> Self {
        MarkGeometry { module_mm: 0.42, quiet_mm: 2.5, left_mm: 5.0, top_mm: 30.0 }
    }
}

/// Why marks cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MarkError {
    #[error("sheet {sheet} (item '{item}'): {source}")]
    Payload { sheet: usize, item: String, source: PayloadError },
    #[error("sheet {sheet}: {source}")]
    Symbol { sheet: usize, source: SymbolError },
    #[error("mark geometry: {0}")]
    Geometry(String),
    #[error("payload '{payload}' appears on sheets {first} and {second}: marks must be unique in a job")]
    Duplicate { payload: String, first: usize, second: usize },
}

impl MarkGeometry {
    /// Checks that the numbers describe a printable mark.
    pub fn validate(&self) -> Result<(), MarkError> {
        let check = |ok: bool, message: &str| {
            if ok {
                Ok(())
            } else {
                Err(MarkError::Geometry(message.to_string()))
            }
        };
        check((0.1..=2.0).contains(&self.module_mm), "module size must be between 0.1 and 2 mm")?;
        check((0.0..=20.0).contains(&self.quiet_mm), "quiet zone must be between 0 and 20 mm")?;
        check(self.left_mm >= 0.0 && self.left_mm <= 2000.0, "left offset must be between 0 and 2000 mm")?;
        check(self.top_mm >= 0.0 && self.top_mm <= 2000.0, "top offset must be between 0 and 2000 mm")
    }

    /// The symbol's lower-left corner for a symbol `rows` modules high, on a leaf whose trim box
    /// (in the output page's coordinates) is `leaf`; offsets are from the leaf's top-left corner.
    pub fn origin(&self, leaf: &Rect, rows: usize) -> (f64, f64) {
        (leaf.x0 + mm(self.left_mm), leaf.y1 - mm(self.top_mm) - rows as f64 * mm(self.module_mm))
    }
}

/// The payload of every sheet of a plan, in sheet order; checks each one and their uniqueness
/// before anything is written.
pub fn payloads(job: &str, plan: &Plan) -> Result<Vec<String>, MarkError> {
    let mut seen = std::collections::HashMap::with_capacity(plan.sheets.len());
    plan.sheets
        .iter()
        .map(|sheet| {
            let item = &plan.items[sheet.item];
            let payload = SheetPayload {
                job: job.to_string(),
                item_seq: item.seq,
                sheet: sheet.number,
                sheets: sheet.count,
            }
            .encode()
            .map_err(|source| MarkError::Payload {
                sheet: sheet.seq,
                item: item.item.id.clone(),
                source,
            })?;
            if let Some(first) = seen.insert(payload.clone(), sheet.seq) {
                return Err(MarkError::Duplicate { payload, first, second: sheet.seq });
            }
            Ok(payload)
        })
        .collect()
}

/// A mark ready to be painted: its content-stream operators and the area it covers.
#[derive(Debug, Clone)]
pub struct PaintedMark {
    pub ops: Vec<u8>,
    /// The symbol plus quiet zone, in the sheet's coordinates (points).
    pub zone: Rect,
    /// Modules across and down.
    pub size: (usize, usize),
}

/// Encodes and draws one mark on the leaf whose trim box on the output page is `leaf`.
pub fn paint(
    payload: &str,
    sheet_seq: usize,
    geometry: &MarkGeometry,
    leaf: &Rect,
) -> Result<PaintedMark, MarkError> {
    let symbol = symbol::encode(payload).map_err(|source| MarkError::Symbol { sheet: sheet_seq, source })?;
    let module = mm(geometry.module_mm);
    let origin = geometry.origin(leaf, symbol.rows);
    let quiet = mm(geometry.quiet_mm);
    let mut ops = Vec::with_capacity(1024);
    draw::draw_symbol(&symbol, origin, module, quiet, &mut ops);
    Ok(PaintedMark {
        ops,
        zone: draw::symbol_zone(&symbol, origin, module, quiet),
        size: (symbol.columns, symbol.rows),
    })
}
