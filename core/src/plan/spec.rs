//! How the job is imposed: the layout and its options, as the user gives them.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The arrangement of pages on press sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Layout {
    /// One page a side on a sheet of the page's own size (`duplex`, `simplex`).
    OneUp,
    /// `columns` x `rows` cells on a press sheet, cut after printing (`nup:CxR`).
    NUp { columns: usize, rows: usize },
    /// Saddle-stitched booklets: two pages a side, folded (`booklet`).
    Booklet,
}

/// A `--layout` value: the arrangement plus whether both sides are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutChoice {
    pub layout: Layout,
    /// `None` where the word does not say (n-up: duplex unless `--sides simplex`).
    pub duplex: Option<bool>,
}

impl FromStr for LayoutChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let choice = |layout, duplex| Ok(LayoutChoice { layout, duplex });
        match text {
            "duplex" => choice(Layout::OneUp, Some(true)),
            "simplex" => choice(Layout::OneUp, Some(false)),
            "booklet" => choice(Layout::Booklet, Some(true)),
            _ => {
                let grid = text.strip_prefix("nup:").ok_or_else(|| {
                    format!("unknown layout '{text}': use duplex, simplex, nup:CxR or booklet")
                })?;
                let (c, r) = grid
                    .split_once(['x', 'X'])
                    .ok_or_else(|| format!("'{text}': write nup:CxR, e.g. nup:2x1"))?;
                let parse = |v: &str| v.parse::<usize>().ok().filter(|n| (1..=12).contains(n));
                match (parse(c), parse(r)) {
                    (Some(columns), Some(rows)) => choice(Layout::NUp { columns, rows }, None),
                    _ => Err(format!("'{text}': columns and rows must be whole numbers from 1 to 12")),
                }
            }
        }
    }
}

/// Which edge a duplex press sheet is turned over about (set the printer the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Binding {
    /// Turned about its long edge (work-and-turn on a portrait sheet, tumble on a landscape one).
    #[default]
    Long,
    /// Turned about its short edge.
    Short,
}

impl FromStr for Binding {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "long" => Ok(Binding::Long),
            "short" => Ok(Binding::Short),
            other => Err(format!("unknown binding '{other}': use long or short")),
        }
    }
}

/// The order of leaves on press sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StackOrder {
    /// Cut and stack: after guillotining, stack 1 on top of stack 2 on top of ... gives job order.
    #[default]
    CutStack,
    /// Row by row: each press sheet holds the next leaves, left to right, top to bottom.
    Row,
}

impl FromStr for StackOrder {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "cut-stack" => Ok(StackOrder::CutStack),
            "row" => Ok(StackOrder::Row),
            other => Err(format!("unknown order '{other}': use cut-stack or row")),
        }
    }
}

/// The axis a press sheet turns about, as seen from its front: backs are mirrored across it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlipAxis {
    /// Turned left over right: columns mirror.
    Vertical,
    /// Turned top over bottom: rows mirror.
    Horizontal,
}

impl FlipAxis {
    /// The axis for a binding on a sheet of the given orientation.
    pub fn for_binding(binding: Binding, landscape: bool) -> FlipAxis {
        match (binding, landscape) {
            (Binding::Long, false) | (Binding::Short, true) => FlipAxis::Vertical,
            (Binding::Long, true) | (Binding::Short, false) => FlipAxis::Horizontal,
        }
    }
}

/// Everything the plan needs to know about the imposition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LayoutSpec {
    pub layout: Layout,
    pub duplex: bool,
    pub binding: Binding,
    pub order: StackOrder,
    /// Press sheets per cut-and-stack block.
    pub stack_depth: usize,
    /// Whether a postal item may continue from one cut-and-stack block into the next.
    pub allow_straddle: bool,
    /// Booklets: sheets per saddle-stitched signature.
    pub signature: usize,
    /// Booklets: total creep compensation across a signature, in millimetres.
    pub creep_mm: f64,
    /// Start a new output file after this many press sheets.
    pub max_sheets_per_file: Option<usize>,
}

impl Default for LayoutSpec {
    fn default() -> Self {
        LayoutSpec {
            layout: Layout::OneUp,
            duplex: true,
            binding: Binding::Long,
            order: StackOrder::CutStack,
            stack_depth: 500,
            allow_straddle: false,
            signature: 4,
            creep_mm: 0.0,
            max_sheets_per_file: None,
        }
    }
}

impl LayoutSpec {
    /// Cells on one side of a press sheet.
    pub fn cells(&self) -> (usize, usize) {
        match self.layout {
            Layout::OneUp => (1, 1),
            Layout::NUp { columns, rows } => (columns, rows),
            Layout::Booklet => (2, 1),
        }
    }

    /// Checks option values.
    pub fn validate(&self) -> Result<(), String> {
        if self.stack_depth == 0 {
            return Err("--stack-depth must be at least 1".to_string());
        }
        if self.layout == Layout::Booklet && !(1..=64).contains(&self.signature) {
            return Err("--signature must be between 1 and 64 sheets".to_string());
        }
        if !(0.0..=20.0).contains(&self.creep_mm) {
            return Err("--creep must be between 0 and 20 mm".to_string());
        }
        if self.max_sheets_per_file == Some(0) {
            return Err("--max-sheets-per-file must be at least 1".to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_words_parse() {
        assert_eq!("duplex".parse::<LayoutChoice>().unwrap().duplex, Some(true));
        assert_eq!("nup:3x2".parse::<LayoutChoice>().unwrap().layout, Layout::NUp { columns: 3, rows: 2 });
        for bad in ["nup:0x1", "nup:2", "nup:ax1", "4up", "nup:13x1"] {
            assert!(bad.parse::<LayoutChoice>().is_err(), "{bad}");
        }
    }

    #[test]
    fn binding_picks_the_axis_by_orientation() {
        assert_eq!(FlipAxis::for_binding(Binding::Long, false), FlipAxis::Vertical);
        assert_eq!(FlipAxis::for_binding(Binding::Long, true), FlipAxis::Horizontal);
        assert_eq!(FlipAxis::for_binding(Binding::Short, true), FlipAxis::Vertical);
    }
}
