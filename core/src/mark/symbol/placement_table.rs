//! Module placement from a table per symbol size: which module carries which bit of which
//! codeword, and the modules that never change (finder, timing, alignment and corner padding).
//!
//! The `datamatrix` crate walks its placement algorithm (ISO/IEC 16022, annex F) for every
//! symbol, about 1.6 of the 2.9 µs an ASCII mark took. The table is learnt from the crate itself,
//! once per size and process: one symbol of zero codewords gives the fixed modules, eight more
//! (every codeword set to one bit) give each module's bit, and one per bit of the codeword
//! count (codewords whose index has that bit set made all ones) give each module's codeword.

use super::{Modules, PackedSymbol, PerSize};
use datamatrix::data::EncodationType;
use datamatrix::placement::MatrixMap;
use datamatrix::{DataMatrixBuilder, SymbolList, SymbolSize};

/// How a size's modules are filled.
#[derive(Debug)]
struct Table {
    codewords: usize,
    /// The modules with every codeword zero.
    fixed: PackedSymbol,
    /// Per data module: (its word in the packed symbol, its bit in that word, codeword, bit of
    /// the codeword with 7 the most significant).
    data: Vec<(u16, u8, u16, u8)>,
}

/// The symbol's modules, row by row from the top, and its width, for the complete codewords
/// (data and error correction) of `size`; `None` when the table cannot be learnt (then the
/// caller asks the crate).
pub fn modules(codewords: &[u8], size: SymbolSize) -> Option<(Vec<bool>, usize)> {
    let symbol = packed(codewords, size)?;
    let (columns, rows) = (symbol.columns(), symbol.rows());
    let modules = (0..rows).flat_map(|row| (0..columns).map(move |column| (column, row)));
    Some((modules.map(|(column, row)| symbol.is_dark(column, row)).collect(), columns))
}

/// [`modules`], a bit a module.
pub fn packed(codewords: &[u8], size: SymbolSize) -> Option<PackedSymbol> {
    let table = table(size)?;
    if codewords.len() != table.codewords {
        return None;
    }
    let mut symbol = table.fixed.clone();
    // The data modules come word by word (they were learnt in module order): each word's bits
    // are gathered in a register and stored once.
    let (mut word, mut gathered) = (usize::MAX, 0u64);
    for &(module_word, bit, codeword, codeword_bit) in &table.data {
        if usize::from(module_word) != word {
            if let Some(bits) = symbol.bits.get_mut(word) {
                *bits |= gathered;
            }
            (word, gathered) = (usize::from(module_word), 0);
        }
        gathered |= u64::from(codewords[usize::from(codeword)] >> codeword_bit & 1) << bit;
    }
    if let Some(bits) = symbol.bits.get_mut(word) {
        *bits |= gathered;
    }
    Some(symbol)
}

fn table(size: SymbolSize) -> Option<&'static Table> {
    static TABLES: PerSize<Table> = PerSize::new();
    TABLES.get(size, learn)
}

fn learn(size: SymbolSize) -> Option<Table> {
    // The number of codewords of the size: those of an empty payload, padding and all.
    let empty = DataMatrixBuilder::new()
        .with_symbol_list(SymbolList::with_whitelist([size]))
        .with_encodation_types(EncodationType::Ascii)
        .encode(b"")
        .ok()?;
    let count = empty.codewords().len();
    let render = |codeword: &dyn Fn(usize) -> u8| {
        let codewords: Vec<u8> = (0..count).map(codeword).collect();
        MatrixMap::new_with_codewords(&codewords, size).bitmap()
    };
    let fixed_map = render(&|_| 0);
    let (width, fixed) = (fixed_map.width(), fixed_map.bits().to_vec());
    let mut bit_of = vec![None::<u8>; fixed.len()];
    for bit in 0..8u8 {
        for (module, dark) in render(&|_| 1 << bit).bits().iter().enumerate() {
            if *dark && !fixed[module] {
                bit_of[module] = Some(bit);
            }
        }
    }
    let mut codeword_of = vec![0usize; fixed.len()];
    let index_bits = usize::BITS - count.leading_zeros();
    for k in 0..index_bits {
        let probe = render(&|i| if i >> k & 1 == 1 { 0xFF } else { 0 });
        for (module, dark) in probe.bits().iter().enumerate() {
            if *dark && !fixed[module] {
                codeword_of[module] |= 1 << k;
            }
        }
    }
    let rows = fixed.len() / width.max(1);
    let fixed = PackedSymbol::pack(&super::Symbol { columns: width, rows, dark: fixed });
    let mut data = Vec::new();
    for (module, bit) in bit_of.iter().enumerate() {
        let (Some(bit), Ok(codeword)) = (*bit, u16::try_from(codeword_of[module])) else { continue };
        let (word, word_bit) = fixed.position(module % width, module / width);
        data.push((u16::try_from(word).ok()?, word_bit as u8, codeword, bit));
    }
    Some(Table { codewords: count, fixed, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_places_random_codewords_as_the_crate_does() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        };
        for size in SymbolList::all().iter() {
            let count = table(size).expect("a table for every size").codewords;
            for _ in 0..3 {
                let codewords: Vec<u8> = (0..count).map(|_| next()).collect();
                let theirs = MatrixMap::new_with_codewords(&codewords, size).bitmap();
                let (ours, width) = modules(&codewords, size).unwrap();
                assert_eq!((width, ours.as_slice()), (theirs.width(), theirs.bits()), "{size:?}");
                let rows = ours.len() / width;
                let unpacked = super::super::Symbol { columns: width, rows, dark: ours };
                assert_eq!(packed(&codewords, size), Some(PackedSymbol::pack(&unpacked)), "{size:?} packed");
            }
            assert!(modules(&vec![0; count + 1], size).is_none(), "a wrong codeword count is refused");
        }
    }
}
