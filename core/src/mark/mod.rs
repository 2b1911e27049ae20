//! Stage 4, mark: the integrity mark printed on the front of every sheet.
//!
//! [`template`] says what a mark encodes (with [`presets`] and the optional [`key`]),
//! [`symbol`] turns it into a Data Matrix module grid, [`layout`] says where it goes and
//! [`draw`] paints it as vector rectangles. [`clear`] checks, before anything is written, that
//! the mark's area is free of page content. [`payload`] reads the default format back.

pub mod clear;
pub mod draw;
pub mod extent;
pub mod key;
pub mod layout;
pub mod payload;
pub mod presets;
pub mod raster;
pub mod symbol;
pub mod template;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize, Serializer};

use crate::geometry::{mm, Rect};
use crate::plan::Plan;
pub use key::MarkKey;
pub use layout::{Anchor, CollisionPolicy, MarkGeometry, MarkKind, OmrGeometry, QuietZone};
use layout::{Body, Placement};
use symbol::{Modules, PackedSymbol, SymbolError};
use template::{FieldError, SheetFacts, Template, TemplateError};

/// The most tracks an OMR ladder may have.
pub const MAX_OMR_TRACKS: usize = 32;

/// What every sheet's mark says: a template (from a preset or written out) and the optional key.
/// Read from a job description as `{"preset": NAME}` or `{"template": SPEC}`, either with an
/// optional `"key_file": PATH` (see [`PayloadDescription`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "PayloadDescription")]
pub struct PayloadConfig {
    /// The preset the template came from, if any.
    pub preset: Option<String>,
    pub template: Template,
    /// Serialised as its fingerprint only.
    #[serde(rename = "key_fingerprint", serialize_with = "key_fingerprint")]
    pub key: Option<MarkKey>,
}

fn key_fingerprint<S: Serializer>(key: &Option<MarkKey>, serializer: S) -> Result<S::Ok, S::Error> {
    key.as_ref().map(MarkKey::fingerprint).serialize(serializer)
}

impl Default for PayloadConfig {
    fn default() -> Self {
        PayloadConfig::preset(presets::DEFAULT_PRESET).expect("the default preset exists")
    }
}

/// How a job description names its payload: a preset, a template, or both as a manifest
/// records them (then they must agree); the key as a file, since a manifest records only the
/// key's fingerprint (which, when given, the key must match).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayloadDescription {
    pub preset: Option<String>,
    pub template: Option<String>,
    /// A file holding the HMAC key (as for `--mark-key`).
    pub key_file: Option<std::path::PathBuf>,
    pub key_fingerprint: Option<String>,
}

impl TryFrom<PayloadDescription> for PayloadConfig {
    type Error = String;

    fn try_from(description: PayloadDescription) -> Result<PayloadConfig, String> {
        let preset = |name: &str| {
            PayloadConfig::preset(name).ok_or_else(|| {
                format!("unknown payload preset '{name}' (`sheetseal marks presets` lists them)")
            })
        };
        let payload = match (description.preset, description.template) {
            (Some(name), Some(spec)) => {
                let payload = preset(&name)?;
                // A keyed preset's template carries the appended {hmac} field.
                let keyed = payload.template.with_hmac(key::DEFAULT_TAG_CHARS).map_err(|e| e.to_string())?;
                if spec != payload.template.spec() && spec != keyed.spec() {
                    return Err(format!(
                        "the payload names preset '{name}' and a different template '{spec}'"
                    ));
                }
                payload
            }
            (Some(name), None) => preset(&name)?,
            (None, Some(spec)) => PayloadConfig::template(&spec).map_err(|e| e.to_string())?,
            (None, None) => PayloadConfig::default(),
        };
        match (description.key_file, description.key_fingerprint) {
            (Some(path), fingerprint) => {
                let key = MarkKey::read(&path).map_err(|e| e.to_string())?;
                if fingerprint.as_deref().is_some_and(|f| f != key.fingerprint()) {
                    return Err(format!(
                        "the key in {} does not have the recorded fingerprint",
                        path.display()
                    ));
                }
                payload.with_key(key).map_err(|e| e.to_string())
            }
            (None, Some(fingerprint)) => {
                Err(format!("the payload is keyed (key fingerprint {fingerprint}): give the key as key_file"))
            }
            (None, None) => Ok(payload),
        }
    }
}

impl PayloadConfig {
    /// The payload of a built-in preset.
    pub fn preset(name: &str) -> Option<PayloadConfig> {
        presets::preset(name).map(|p| PayloadConfig {
            preset: Some(p.name.to_string()),
            template: p.template(),
            key: None,
        })
    }

    /// A template written out.
    pub fn template(spec: &str) -> Result<PayloadConfig, TemplateError> {
        Ok(PayloadConfig { preset: None, template: Template::parse(spec)?, key: None })
    }

    /// Adds a key: payloads get a truncated HMAC, appended as `{hmac:6}` unless the template
    /// places an `{hmac}` field itself.
    pub fn with_key(mut self, key: MarkKey) -> Result<PayloadConfig, TemplateError> {
        if self.template.hmac_width().is_none() {
            self.template = self.template.with_hmac(key::DEFAULT_TAG_CHARS)?;
        }
        self.key = Some(key);
        Ok(self)
    }
}

/// Why marks cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MarkError {
    #[error("mark payload {error}, for item '{item}' (piece {piece}, sheet {sheet} of the job; the first item affected)")]
    Field { sheet: usize, item: String, piece: usize, error: FieldError },
    #[error("sheet {sheet} (item '{item}', payload {payload:?}): {error}")]
    Symbol { sheet: usize, item: String, payload: String, error: SymbolError },
    #[error("sheet {sheet} (item '{item}'): an OMR payload must be 1 to {MAX_OMR_TRACKS} characters '0' and '1', one a track, but the template gave {payload:?}")]
    Omr { sheet: usize, item: String, payload: String },
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("the mark template has an {{hmac}} field but no key was given: pass --mark-key FILE")]
    KeyMissing,
    #[error("mark geometry: {0}")]
    Geometry(String),
    #[error("payload '{payload}' appears on sheets {first} and {second}: marks must be unique in a job")]
    Duplicate { payload: String, first: usize, second: usize },
    #[error("the mark area of {count} sheet(s) is not clear of page content, first sheet {sheet} (item '{item}', input {input} page {page}); move the mark (--mark-anchor, --mark-x, --mark-y), or choose --on-collision warn or whiteout")]
    Collision { count: usize, sheet: usize, item: String, input: usize, page: usize },
    #[error("the clear zone cannot be checked: {0}")]
    ClearZone(String),
}

/// Every sheet's payload and symbol size, checked before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedMarks {
    /// One payload per sheet, in sheet order.
    pub payloads: Vec<String>,
    /// Per sheet: symbol columns and rows (Data Matrix), or tracks and 1 (OMR).
    pub sizes: Vec<(usize, usize)>,
    /// Per sheet, Data Matrix only: the symbol, encoded once here and drawn by the writer.
    pub symbols: Vec<PackedSymbol>,
    /// Whether payloads name their sheet (and were checked to be unique).
    pub unique: bool,
}

impl PreparedMarks {
    /// How many sheets use each symbol size (`ROWSxCOLUMNS`, or `omr-N` for N tracks).
    pub fn size_counts(&self, kind: MarkKind) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for &(columns, rows) in &self.sizes {
            let name = match kind {
                MarkKind::DataMatrix => format!("{rows}x{columns}"),
                MarkKind::Omr => format!("omr-{columns}"),
            };
            *counts.entry(name).or_insert(0) += 1;
        }
        counts
    }
}

/// Makes every sheet's payload and checks that it can be printed: each field fits, payloads
/// are unique when they name their sheet, every payload fits the chosen symbol (or is a valid
/// OMR pattern). Errors name the field and the first item affected.
pub fn prepare(
    job: &str,
    plan: &Plan,
    config: &PayloadConfig,
    geometry: &MarkGeometry,
) -> Result<PreparedMarks, MarkError> {
    geometry.validate().map_err(MarkError::Geometry)?;
    if config.template.hmac_width().is_some() && config.key.is_none() {
        return Err(MarkError::KeyMissing);
    }
    let payloads = render_payloads(job, plan, config)?;
    let unique = config.template.identifies_sheets();
    // The uniqueness check (one thread) runs beside the encoding (the others); a duplicate is
    // reported first, as it would be were they run in turn.
    let (checked, encoded) = rayon::join(
        || if unique { check_unique(&payloads) } else { Ok(()) },
        || symbols_of(plan, &payloads, geometry),
    );
    checked?;
    let (sizes, symbols) = encoded?;
    Ok(PreparedMarks { payloads, sizes, symbols, unique })
}

/// Each sheet's symbol size (columns and rows, or OMR tracks and 1) and its Data Matrix symbol.
type SizesAndSymbols = (Vec<(usize, usize)>, Vec<PackedSymbol>);

/// Each sheet's symbol size and (Data Matrix) its encoded symbol, encoded in parallel; the first
/// sheet whose payload does not encode is the error.
fn symbols_of(
    plan: &Plan,
    payloads: &[String],
    geometry: &MarkGeometry,
) -> Result<SizesAndSymbols, MarkError> {
    let item_of = |index: usize| plan.items[plan.sheets[index].item].item.id.clone();
    match geometry.kind {
        MarkKind::DataMatrix => {
            let encoder = symbol::Encoder::new(&geometry.symbol);
            let encoded: Vec<Result<PackedSymbol, SymbolError>> =
                payloads.par_iter().map(|p| encoder.encode_packed(p)).collect();
            let symbols = encoded
                .into_iter()
                .enumerate()
                .map(|(i, result)| {
                    result.map_err(|error| MarkError::Symbol {
                        sheet: i + 1,
                        item: item_of(i),
                        payload: payloads[i].clone(),
                        error,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((symbols.iter().map(|s| (s.columns(), s.rows())).collect(), symbols))
        }
        MarkKind::Omr => payloads
            .iter()
            .enumerate()
            .map(|(i, p)| {
                omr_tracks(p).map(|tracks| (tracks.len(), 1)).ok_or_else(|| MarkError::Omr {
                    sheet: i + 1,
                    item: item_of(i),
                    payload: p.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|sizes| (sizes, Vec::new())),
    }
}

/// Every sheet's payload, rendered in parallel; the first sheet whose payload fails is the error.
fn render_payloads(job: &str, plan: &Plan, config: &PayloadConfig) -> Result<Vec<String>, MarkError> {
    let rendered: Vec<Result<String, MarkError>> = plan
        .sheets
        .par_iter()
        .with_min_len(1024)
        .map(|sheet| {
            let planned = &plan.items[sheet.item];
            let facts = SheetFacts {
                job,
                piece: planned.seq,
                item_id: &planned.item.id,
                sheet: sheet.number,
                sheets: sheet.count,
                seq: sheet.seq,
                metadata: &planned.item.metadata,
            };
            config.template.render(&facts, config.key.as_ref()).map_err(|error| MarkError::Field {
                sheet: sheet.seq,
                item: planned.item.id.clone(),
                piece: planned.seq,
                error,
            })
        })
        .collect();
    rendered.into_iter().collect()
}

fn check_unique(payloads: &[String]) -> Result<(), MarkError> {
    let mut seen = std::collections::HashMap::with_capacity(payloads.len());
    for (i, payload) in payloads.iter().enumerate() {
        if let Some(first) = seen.insert(payload.as_str(), i + 1) {
            return Err(MarkError::Duplicate { payload: payload.clone(), first, second: i + 1 });
        }
    }
    Ok(())
}

/// The payload of every sheet of a plan in the default format, in sheet order; checks each
/// one and their uniqueness.
pub fn payloads(job: &str, plan: &Plan) -> Result<Vec<String>, MarkError> {
    let payloads = render_payloads(job, plan, &PayloadConfig::default())?;
    check_unique(&payloads)?;
    Ok(payloads)
}

/// The tracks of an OMR payload: `1` a bar, `0` none.
pub fn omr_tracks(payload: &str) -> Option<Vec<bool>> {
    let ok = (1..=MAX_OMR_TRACKS).contains(&payload.len()) && payload.bytes().all(|b| b == b'0' || b == b'1');
    ok.then(|| payload.bytes().map(|b| b == b'1').collect())
}

/// A mark ready to be painted: its content-stream operators and the areas it covers.
#[derive(Debug, Clone)]
pub struct PaintedMark {
    pub ops: Vec<u8>,
    /// The mark plus quiet zone (and text line), in the page's coordinates (points).
    pub zone: Rect,
    /// Modules across and down (Data Matrix), or tracks and 1 (OMR).
    pub size: (usize, usize),
    /// The window mark's zone, when there is one.
    pub window: Option<Rect>,
    /// Whether `ops` use the text font ([`draw::TEXT_FONT_RESOURCE`], Courier).
    pub uses_font: bool,
}

/// A mark's body with its rectangles (no fill operator) and its size in modules or tracks.
struct DrawnBody {
    body: Body,
    runs: Vec<u8>,
    size: (usize, usize),
}

/// The body of a mark in its own frame, and its rectangles; `encoded` is the payload's symbol
/// when it has been encoded already.
fn body(
    payload: &str,
    encoded: Option<&PackedSymbol>,
    geometry: &MarkGeometry,
    sheet_seq: usize,
) -> Result<DrawnBody, MarkError> {
    let text_chars = if geometry.text_pt.is_some() { payload.len() } else { 0 };
    let mut runs = Vec::with_capacity(1024);
    match geometry.kind {
        MarkKind::DataMatrix => {
            let size = match encoded {
                Some(symbol) => {
                    draw::symbol_runs(symbol, &mut runs);
                    (symbol.columns(), symbol.rows())
                }
                None => {
                    let symbol =
                        symbol::encode(payload, &geometry.symbol).map_err(|error| MarkError::Symbol {
                            sheet: sheet_seq,
                            item: String::new(),
                            payload: payload.to_string(),
                            error,
                        })?;
                    draw::symbol_runs(&symbol, &mut runs);
                    (symbol.columns, symbol.rows)
                }
            };
            Ok(DrawnBody { body: body_of_size(geometry, size, text_chars), runs, size })
        }
        MarkKind::Omr => {
            let tracks = omr_tracks(payload).ok_or_else(|| MarkError::Omr {
                sheet: sheet_seq,
                item: String::new(),
                payload: payload.to_string(),
            })?;
            let omr = &geometry.omr;
            draw::omr_bars(&tracks, mm(omr.pitch_mm), mm(omr.bar_mm), mm(omr.thickness_mm), &mut runs);
            let size = (tracks.len(), 1);
            Ok(DrawnBody { body: body_of_size(geometry, size, text_chars), runs, size })
        }
    }
}

/// The body's extent for a symbol of `size` (columns, rows) or a ladder of `size.0` tracks.
fn body_of_size(geometry: &MarkGeometry, size: (usize, usize), text_chars: usize) -> Body {
    match geometry.kind {
        MarkKind::DataMatrix => {
            Body { width: size.0 as f64, height: size.1 as f64, unit: mm(geometry.module_mm), text_chars }
        }
        MarkKind::Omr => {
            let omr = &geometry.omr;
            let height = draw::ladder_height(size.0, mm(omr.pitch_mm), mm(omr.thickness_mm));
            Body { width: mm(omr.bar_mm), height, unit: 1.0, text_chars }
        }
    }
}

/// Where the mark (and the window mark) of a sheet whose payload has `payload_len` characters
/// and whose symbol has `size` lands on `leaf`: the zones the clear-zone check looks at.
pub fn zones(geometry: &MarkGeometry, leaf: &Rect, size: (usize, usize), payload_len: usize) -> Vec<Rect> {
    let text_chars = if geometry.text_pt.is_some() { payload_len } else { 0 };
    let body = body_of_size(geometry, size, text_chars);
    std::iter::once(geometry.place(leaf, &body))
        .chain(geometry.place_window(leaf, &body))
        .map(|p| p.zone)
        .collect()
}

/// Encodes and draws one mark (and the window mark, if any) on the leaf whose trim box on the
/// output page is `leaf`.
pub fn paint(
    payload: &str,
    sheet_seq: usize,
    geometry: &MarkGeometry,
    leaf: &Rect,
) -> Result<PaintedMark, MarkError> {
    paint_encoded(payload, None, sheet_seq, geometry, leaf)
}

/// [`paint`] with the payload's symbol when [`prepare`] has encoded it already.
pub fn paint_encoded(
    payload: &str,
    encoded: Option<&PackedSymbol>,
    sheet_seq: usize,
    geometry: &MarkGeometry,
    leaf: &Rect,
) -> Result<PaintedMark, MarkError> {
    let DrawnBody { body, runs, size } = body(payload, encoded, geometry, sheet_seq)?;
    let whiteout = geometry.on_collision == CollisionPolicy::Whiteout;
    let text = geometry.text_pt.map(|_| payload);
    let mut ops = Vec::with_capacity(runs.len() + 128);
    let mut compose = |placement: &Placement| draw::compose(placement, whiteout, &runs, text, &mut ops);
    let main = geometry.place(leaf, &body);
    compose(&main);
    let window = geometry.place_window(leaf, &body);
    if let Some(window) = &window {
        compose(window);
    }
    Ok(PaintedMark { ops, zone: main.zone, size, window: window.map(|w| w.zone), uses_font: text.is_some() })
}

#[cfg(test)]
mod tests;
