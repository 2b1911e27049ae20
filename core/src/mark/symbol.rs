//! Encoding a payload as a Data Matrix (ECC 200) module grid: which symbol sizes may be used
//! and which encodation modes.

use std::sync::OnceLock;

use datamatrix::data::EncodationType;
use datamatrix::{DataMatrixBuilder, SymbolList, SymbolSize};
use flagset::FlagSet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Data Matrix symbol as a grid of modules, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub columns: usize,
    pub rows: usize,
    /// Row-major, top row first; `true` is a dark module.
    pub dark: Vec<bool>,
}

/// A grid of dark and light modules: what drawing a symbol needs.
pub trait Modules {
    fn columns(&self) -> usize;
    fn rows(&self) -> usize;
    fn is_dark(&self, column: usize, row: usize) -> bool;

    /// Row `row` as a bit mask, column c in bit c, for symbols up to 128 columns wide.
    fn row_mask(&self, row: usize) -> Option<u128> {
        (self.columns() <= 128)
            .then(|| (0..self.columns()).fold(0u128, |mask, c| mask | u128::from(self.is_dark(c, row)) << c))
    }
}

impl Modules for Symbol {
    fn columns(&self) -> usize {
        self.columns
    }
    fn rows(&self) -> usize {
        self.rows
    }
    fn is_dark(&self, column: usize, row: usize) -> bool {
        Symbol::is_dark(self, column, row)
    }
}

/// A symbol kept a bit a module (a 16 x 16 symbol in 32 bytes), so that a job can hold every
/// sheet's symbol from the check before writing until the writer draws it, encoding each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedSymbol {
    columns: u16,
    rows: u16,
    /// Row by row from the top, each row in whole 64-bit words, column c of a row in bit c % 64
    /// of its word c / 64.
    bits: Box<[u64]>,
}

impl PackedSymbol {
    /// An all-light symbol of `columns` x `rows` modules.
    pub fn light(columns: usize, rows: usize) -> PackedSymbol {
        // ECC 200 symbols have at most 144 modules a side.
        PackedSymbol {
            columns: columns as u16,
            rows: rows as u16,
            bits: vec![0; rows * words_per_row(columns)].into_boxed_slice(),
        }
    }

    pub fn pack(symbol: &Symbol) -> PackedSymbol {
        let mut packed = PackedSymbol::light(symbol.columns, symbol.rows);
        for (i, _) in symbol.dark.iter().enumerate().filter(|(_, dark)| **dark) {
            packed.set(i % symbol.columns, i / symbol.columns);
        }
        packed
    }

    /// Makes module (`column`, `row`) dark.
    pub fn set(&mut self, column: usize, row: usize) {
        let (word, bit) = self.position(column, row);
        self.bits[word] |= 1 << bit;
    }

    /// The word and bit that hold module (`column`, `row`).
    fn position(&self, column: usize, row: usize) -> (usize, usize) {
        (row * words_per_row(self.columns as usize) + column / 64, column % 64)
    }
}

fn words_per_row(columns: usize) -> usize {
    columns.div_ceil(64)
}

impl Modules for PackedSymbol {
    fn columns(&self) -> usize {
        self.columns as usize
    }
    fn rows(&self) -> usize {
        self.rows as usize
    }
    fn is_dark(&self, column: usize, row: usize) -> bool {
        let (word, bit) = self.position(column, row);
        self.bits[word] >> bit & 1 == 1
    }

    fn row_mask(&self, row: usize) -> Option<u128> {
        let words =
            &self.bits[row * words_per_row(self.columns as usize)..][..words_per_row(self.columns as usize)];
        match *words {
            [low] => Some(u128::from(low)),
            [low, high] => Some(u128::from(low) | u128::from(high) << 64),
            _ => None,
        }
    }
}

impl Symbol {
    pub fn is_dark(&self, column: usize, row: usize) -> bool {
        self.dark[row * self.columns + column]
    }

    /// The size as written in options and the manifest: `ROWSxCOLUMNS`, e.g. `18x18`, `8x32`.
    pub fn size_name(&self) -> String {
        format!("{}x{}", self.rows, self.columns)
    }
}

/// Every size the encoder knows: ISO/IEC 16022 squares and rectangles, then the DMRE rectangles of
/// ISO/IEC 21471, as (size, rows, columns).
#[rustfmt::skip]
pub const SIZES: [(SymbolSize, usize, usize); 48] = {
    use SymbolSize::*;
    [
        (Square10, 10, 10), (Square12, 12, 12), (Square14, 14, 14), (Square16, 16, 16),
        (Square18, 18, 18), (Square20, 20, 20), (Square22, 22, 22), (Square24, 24, 24),
        (Square26, 26, 26), (Square32, 32, 32), (Square36, 36, 36), (Square40, 40, 40),
        (Square44, 44, 44), (Square48, 48, 48), (Square52, 52, 52), (Square64, 64, 64),
        (Square72, 72, 72), (Square80, 80, 80), (Square88, 88, 88), (Square96, 96, 96),
        (Square104, 104, 104), (Square120, 120, 120), (Square132, 132, 132), (Square144, 144, 144),
        (Rect8x18, 8, 18), (Rect8x32, 8, 32), (Rect12x26, 12, 26), (Rect12x36, 12, 36),
        (Rect16x36, 16, 36), (Rect16x48, 16, 48),
        (Rect8x48, 8, 48), (Rect8x64, 8, 64), (Rect8x80, 8, 80), (Rect8x96, 8, 96),
        (Rect8x120, 8, 120), (Rect8x144, 8, 144), (Rect12x64, 12, 64), (Rect12x88, 12, 88),
        (Rect16x64, 16, 64), (Rect20x36, 20, 36), (Rect20x44, 20, 44), (Rect20x64, 20, 64),
        (Rect22x48, 22, 48), (Rect24x48, 24, 48), (Rect24x64, 24, 64), (Rect26x40, 26, 40),
        (Rect26x48, 26, 48), (Rect26x64, 26, 64),
    ]
};

/// Which symbol sizes the encoder may choose from; it takes the smallest that holds the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolShape {
    /// Square symbols only (they read best on inserter cameras).
    Square,
    /// Rectangles only, for long thin margins.
    Rectangular,
    /// Any shape.
    Auto,
    /// Exactly this size; a payload that does not fit is an error.
    Fixed(SymbolSize),
}

impl SymbolShape {
    /// The option's text: `square`, `rectangular`, `auto` or a size such as `16x16`.
    pub fn name(&self) -> String {
        match self {
            SymbolShape::Square => "square".into(),
            SymbolShape::Rectangular => "rectangular".into(),
            SymbolShape::Auto => "auto".into(),
            SymbolShape::Fixed(size) => {
                let (_, rows, columns) =
                    SIZES.iter().find(|(s, _, _)| s == size).expect("every size is listed");
                format!("{rows}x{columns}")
            }
        }
    }

    pub fn parse(text: &str) -> Result<SymbolShape, String> {
        match text {
            "square" => Ok(SymbolShape::Square),
            "rectangular" | "rect" => Ok(SymbolShape::Rectangular),
            "auto" => Ok(SymbolShape::Auto),
            size => SIZES
                .iter()
                .find(|(_, rows, columns)| format!("{rows}x{columns}") == size)
                .map(|(s, _, _)| SymbolShape::Fixed(*s))
                .ok_or_else(|| {
                    format!(
                        "unknown symbol '{size}': use square, rectangular, auto or a size ROWSxCOLUMNS such as 16x16, \
                         12x26 or (DMRE) 8x48"
                    )
                }),
        }
    }
}

/// The encodation modes the encoder may use (it always starts in ASCII, as ISO 16022 requires).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encodation(u8);

const MODES: [(EncodationType, &str); 6] = [
    (EncodationType::Ascii, "ascii"),
    (EncodationType::C40, "c40"),
    (EncodationType::Text, "text"),
    (EncodationType::X12, "x12"),
    (EncodationType::Edifact, "edifact"),
    (EncodationType::Base256, "base256"),
];

impl Encodation {
    /// Every mode: the encoder's optimiser picks the smallest encoding (about ten times slower).
    pub const ALL: Encodation = Encodation(0b11_1111);
    /// ASCII and C40: compact for digits and upper case, and fast.
    pub const ASCII_C40: Encodation = Encodation(0b11);

    /// `ascii`, `c40`, ... joined by `+` or `,`; `all` for every mode.
    pub fn parse(text: &str) -> Result<Encodation, String> {
        if text == "all" || text == "auto" {
            return Ok(Encodation::ALL);
        }
        let mut bits = 0u8;
        for name in text.split(['+', ',']).map(str::trim) {
            let index = MODES.iter().position(|(_, n)| *n == name).ok_or_else(|| {
                format!("unknown encodation '{name}': use all, or modes from ascii, c40, text, x12, edifact, base256 joined by '+'")
            })?;
            bits |= 1 << index;
        }
        Ok(Encodation(bits))
    }

    pub fn name(&self) -> String {
        if *self == Encodation::ALL {
            return "all".into();
        }
        let names: Vec<&str> =
            MODES.iter().enumerate().filter(|(i, _)| self.0 & (1 << i) != 0).map(|(_, (_, n))| *n).collect();
        names.join("+")
    }

    /// Whether the encoder may use `mode`.
    fn allows(&self, mode: EncodationType) -> bool {
        self.flags().contains(mode)
    }

    fn flags(&self) -> FlagSet<EncodationType> {
        MODES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .fold(FlagSet::default(), |set, (_, (mode, _))| set | *mode)
    }
}

impl Default for Encodation {
    fn default() -> Self {
        Encodation::ASCII_C40
    }
}

/// How payloads become symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolOptions {
    pub shape: SymbolShape,
    /// Also allow the DMRE rectangles of ISO/IEC 21471 (not every reader decodes them).
    pub dmre: bool,
    pub encodation: Encodation,
}

impl Default for SymbolOptions {
    fn default() -> Self {
        SymbolOptions { shape: SymbolShape::Square, dmre: false, encodation: Encodation::default() }
    }
}

impl SymbolOptions {
    fn symbol_list(&self) -> SymbolList {
        let all = if self.dmre { SymbolList::with_extended_rectangles() } else { SymbolList::default() };
        match self.shape {
            SymbolShape::Square => all.enforce_square(),
            SymbolShape::Rectangular => all.enforce_rectangular(),
            SymbolShape::Auto => all,
            SymbolShape::Fixed(size) => size.into(),
        }
    }

    /// A short description, e.g. `square, ascii+c40`.
    pub fn describe(&self) -> String {
        let dmre = if self.dmre && !matches!(self.shape, SymbolShape::Fixed(_)) { " with DMRE" } else { "" };
        format!("{}{dmre}, {}", self.shape.name(), self.encodation.name())
    }
}

/// Why a payload cannot become a symbol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a payload of {length} characters does not fit a Data Matrix symbol ({options}): choose a larger or other symbol (--mark-symbol), allow more encodation modes (--mark-encodation) or shorten the template")]
pub struct SymbolError {
    pub length: usize,
    pub options: String,
}

/// Encodes `payload` into the smallest symbol the options allow: in ASCII when that provably
/// reaches it ([`ascii_shortcut`]), otherwise as the `datamatrix` crate's planner decides; the
/// modules are placed from a table learnt from the crate ([`placement_table`]).
pub fn encode(payload: &str, options: &SymbolOptions) -> Result<Symbol, SymbolError> {
    Encoder::new(options).encode(payload)
}

/// Encodes payloads with one set of options, the sizes to choose from worked out once.
pub struct Encoder {
    options: SymbolOptions,
    list: SymbolList,
}

impl Encoder {
    pub fn new(options: &SymbolOptions) -> Encoder {
        Encoder { options: *options, list: options.symbol_list() }
    }

    /// [`encode`]: the symbol a bool a module.
    pub fn encode(&self, payload: &str) -> Result<Symbol, SymbolError> {
        let (codewords, size) = self.codewords(payload.as_bytes())?;
        let (dark, columns) = placement_table::modules(&codewords, size).unwrap_or_else(|| {
            let bitmap = datamatrix::placement::MatrixMap::new_with_codewords(&codewords, size).bitmap();
            (bitmap.bits().to_vec(), bitmap.width())
        });
        Ok(Symbol { columns, rows: dark.len() / columns.max(1), dark })
    }

    /// [`encode`]: the symbol a bit a module.
    pub fn encode_packed(&self, payload: &str) -> Result<PackedSymbol, SymbolError> {
        let (codewords, size) = self.codewords(payload.as_bytes())?;
        match placement_table::packed(&codewords, size) {
            Some(symbol) => Ok(symbol),
            None => self.encode(payload).map(|symbol| PackedSymbol::pack(&symbol)),
        }
    }

    /// The complete codewords (data and error correction) and the symbol size.
    fn codewords(&self, data: &[u8]) -> Result<(Vec<u8>, SymbolSize), SymbolError> {
        if let Some(symbol) = ascii_shortcut::ascii_symbol(data, &self.list, self.options.encodation) {
            return Ok(symbol);
        }
        let code = planner(data, self.list.clone(), &self.options)?;
        Ok((code.codewords().to_vec(), code.size))
    }
}

/// The `datamatrix` crate's planner's symbol for `data`.
fn planner(
    data: &[u8],
    list: SymbolList,
    options: &SymbolOptions,
) -> Result<datamatrix::DataMatrix, SymbolError> {
    DataMatrixBuilder::new()
        .with_symbol_list(list)
        .with_encodation_types(options.encodation.flags())
        .encode(data)
        .map_err(|_| SymbolError { length: data.len(), options: options.describe() })
}

#[cfg(test)]
fn data_matrix(data: &[u8], options: &SymbolOptions) -> Result<datamatrix::DataMatrix, SymbolError> {
    planner(data, options.symbol_list(), options)
}

macro_rules! serde_as_text {
    ($type:ty, $name:ident, $parse:path) => {
        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.$name())
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_as_text!(SymbolShape, name, SymbolShape::parse);
serde_as_text!(Encodation, name, Encodation::parse);

/// What is learnt from the `datamatrix` crate once per symbol size and process (a placement
/// table, an error correction layout), learnt when a size is first used; `None` inside for a
/// size it could not be learnt for.
struct PerSize<T>(OnceLock<Vec<(SymbolSize, OnceLock<Option<T>>)>>);

impl<T> PerSize<T> {
    const fn new() -> Self {
        PerSize(OnceLock::new())
    }

    fn get(&self, size: SymbolSize, learn: impl FnOnce(SymbolSize) -> Option<T>) -> Option<&T> {
        let sizes =
            self.0.get_or_init(|| SymbolList::all().iter().map(|size| (size, OnceLock::new())).collect());
        let (_, learnt) = sizes.iter().find(|(s, _)| *s == size)?;
        learnt.get_or_init(|| learn(size)).as_ref()
    }
}

mod ascii_shortcut;
mod placement_table;
mod reed_solomon;
#[cfg(test)]
mod tests;
