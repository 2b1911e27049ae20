//! The `impose` options that choose and place the integrity mark (docs/payload.md).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use sheetseal_core::geometry::Rotation;
use sheetseal_core::job::JobConfig;
use sheetseal_core::mark::symbol::{Encodation, SymbolOptions, SymbolShape};
use sheetseal_core::mark::{
    presets, Anchor, CollisionPolicy, MarkGeometry, MarkKey, MarkKind, OmrGeometry, PayloadConfig, QuietZone,
};

#[derive(Args)]
pub struct MarkArgs {
    /// Payload preset: default, file, instruction, relay18 or omr (`sheetseal marks presets` lists them).
    #[arg(long, conflicts_with = "mark_template")]
    mark_preset: Option<String>,
    /// Payload template, e.g. '{job}-{piece:6}{sheet:2}{sheets:2}{check(mod36)}' (docs/payload.md).
    #[arg(long)]
    mark_template: Option<String>,
    /// datamatrix or omr (default: the preset's kind, else datamatrix).
    #[arg(long, value_parser = parse_with::<MarkKind>)]
    mark_kind: Option<MarkKind>,
    /// Key file (at least 16 bytes): append a truncated HMAC to every payload.
    #[arg(long)]
    mark_key: Option<PathBuf>,
    /// Symbol: square, rectangular, auto, or a size ROWSxCOLUMNS (e.g. 16x16, 12x26, 8x48).
    #[arg(long, default_value = "square", value_parser = SymbolShape::parse)]
    mark_symbol: SymbolShape,
    /// Also allow the DMRE rectangles (ISO/IEC 21471) for rectangular and auto.
    #[arg(long)]
    mark_dmre: bool,
    /// Encodation modes: all, or some of ascii, c40, text, x12, edifact, base256 joined by '+'.
    #[arg(long, default_value = "ascii+c40", value_parser = Encodation::parse)]
    mark_encodation: Encodation,
    /// Data Matrix module size (X dimension) in millimetres.
    #[arg(long, default_value_t = MarkGeometry::default().module_mm)]
    mark_module: f64,
    /// White quiet zone around the mark: millimetres (2.5 or 2.5mm) or modules (6x).
    #[arg(long, default_value = "2.5mm", value_parser = parse_with::<QuietZone>)]
    mark_quiet: QuietZone,
    /// The leaf corner the offsets are measured from: top-left, top-right, bottom-left, bottom-right.
    #[arg(long, default_value = "top-left", value_parser = parse_with::<Anchor>)]
    mark_anchor: Anchor,
    /// From the anchor corner's side edge to the symbol, in millimetres.
    #[arg(long, visible_alias = "mark-left", default_value_t = MarkGeometry::default().x_mm)]
    mark_x: f64,
    /// From the anchor corner's top or bottom edge to the symbol, in millimetres.
    #[arg(long, visible_alias = "mark-top", default_value_t = MarkGeometry::default().y_mm)]
    mark_y: f64,
    /// Turn the mark clockwise: 0, 90, 180 or 270 degrees.
    #[arg(long, default_value_t = 0, value_parser = parse_rotation)]
    mark_rotate: u16,
    /// Print the payload as a text line under the mark, at this size in points (default 6).
    #[arg(long, num_args = 0..=1, default_missing_value = "6")]
    mark_text: Option<f64>,
    /// A second mark for the address window, X,Y millimetres from the leaf's top-left corner.
    #[arg(long, value_parser = parse_point)]
    window_mark: Option<[f64; 2]>,
    /// OMR: distance between tracks in millimetres (default 1/6 inch).
    #[arg(long, default_value_t = OmrGeometry::default().pitch_mm)]
    omr_pitch: f64,
    /// OMR: bar length in millimetres.
    #[arg(long, default_value_t = OmrGeometry::default().bar_mm)]
    omr_bar: f64,
    /// OMR: bar thickness in millimetres.
    #[arg(long, default_value_t = OmrGeometry::default().thickness_mm)]
    omr_thickness: f64,
    /// When the mark's area has page content in it: fail (before writing), warn, or whiteout.
    #[arg(long, default_value = "warn", value_parser = parse_with::<CollisionPolicy>)]
    on_collision: CollisionPolicy,
}

impl MarkArgs {
    /// Sets the job's mark geometry and payload from the options.
    pub fn apply(&self, config: &mut JobConfig) -> Result<()> {
        let (mut payload, preset_kind) = match (&self.mark_preset, &self.mark_template) {
            (_, Some(spec)) => (PayloadConfig::template(spec)?, None),
            (name, None) => {
                let name = name.as_deref().unwrap_or(presets::DEFAULT_PRESET);
                let Some(preset) = presets::preset(name) else {
                    bail!("unknown mark preset '{name}': use one of {}", presets::names());
                };
                (PayloadConfig::preset(name).expect("listed preset"), Some(preset.kind))
            }
        };
        if let Some(path) = &self.mark_key {
            let key = MarkKey::read(path)?;
            payload = payload.with_key(key).context("cannot add the mark key's tag to the template")?;
        }
        config.payload = payload;
        config.mark = MarkGeometry {
            kind: self.mark_kind.or(preset_kind).unwrap_or_default(),
            module_mm: self.mark_module,
            quiet: self.mark_quiet,
            anchor: self.mark_anchor,
            x_mm: self.mark_x,
            y_mm: self.mark_y,
            rotation: Rotation::from_degrees(self.mark_rotate.into()).expect("checked by the parser"),
            text_pt: self.mark_text,
            window: self.window_mark,
            symbol: SymbolOptions {
                shape: self.mark_symbol,
                dmre: self.mark_dmre,
                encodation: self.mark_encodation,
            },
            omr: OmrGeometry {
                pitch_mm: self.omr_pitch,
                bar_mm: self.omr_bar,
                thickness_mm: self.omr_thickness,
            },
            on_collision: self.on_collision,
        };
        Ok(())
    }
}

fn parse_with<T: std::str::FromStr<Err = String>>(text: &str) -> Result<T, String> {
    text.parse()
}

fn parse_rotation(text: &str) -> Result<u16, String> {
    match text {
        "0" | "90" | "180" | "270" => Ok(text.parse().expect("digits")),
        _ => Err(format!("rotation '{text}': use 0, 90, 180 or 270")),
    }
}

fn parse_point(text: &str) -> Result<[f64; 2], String> {
    let bad = || format!("'{text}': write X,Y in millimetres from the leaf's top-left corner, e.g. 120,50");
    let (x, y) = text.split_once(',').ok_or_else(bad)?;
    let number = |v: &str| v.trim().parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(bad);
    Ok([number(x)?, number(y)?])
}
