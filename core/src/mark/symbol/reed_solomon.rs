//! Data Matrix error correction (ISO/IEC 16022, 5.7): Reed-Solomon codewords over GF(256) with
//! the prime polynomial x^8 + x^5 + x^3 + x^2 + 1, from a generator whose roots are α^1 to α^k.
//!
//! The `datamatrix` crate multiplies with two logarithm lookups, a remainder and two branches a
//! product, and allocates twice a symbol; its error correction was about a third of encoding an
//! ASCII mark. Here each block is a shift register over the generator's logarithms, with an
//! antilogarithm table long enough to need no remainder: one lookup a product. A size's block
//! layout (how many blocks share the codewords, interleaved) is found once, by comparing with the
//! crate on probe data; a size whose layout is not found is left to the crate.

use std::sync::OnceLock;

use datamatrix::SymbolSize;

use super::PerSize;

/// The field's prime polynomial, x^8 + x^5 + x^3 + x^2 + 1.
const PRIME: u16 = 0x12D;
/// The most blocks any size splits its codewords into.
const MAX_BLOCKS: usize = 10;
/// A logarithm standing for zero: far enough into [`Field::exp`] to read zero whatever is added.
const LOG_ZERO: usize = 512;

struct Field {
    /// α^i for i below 510 (so that the sum of two logarithms needs no remainder), zero after
    /// (a product with zero).
    exp: [u8; 2 * LOG_ZERO + 1],
    /// The logarithm of each non-zero element; [`LOG_ZERO`] for zero.
    log: [u16; 256],
}

fn field() -> &'static Field {
    static FIELD: OnceLock<Field> = OnceLock::new();
    FIELD.get_or_init(|| {
        let mut field = Field { exp: [0; 2 * LOG_ZERO + 1], log: [LOG_ZERO as u16; 256] };
        let mut value: u16 = 1;
        for i in 0..255 {
            field.exp[i] = value as u8;
            field.exp[i + 255] = value as u8;
            field.log[usize::from(value)] = i as u16;
            value <<= 1;
            if value & 0x100 != 0 {
                value ^= PRIME;
            }
        }
        field
    })
}

/// How a size's error correction is made.
#[derive(Debug)]
struct Layout {
    data: usize,
    blocks: usize,
    /// The logarithms of the generator's coefficients after the leading one, highest degree
    /// first.
    generator: Vec<u16>,
}

impl Layout {
    fn new(data: usize, blocks: usize, per_block: usize) -> Layout {
        let f = field();
        // g(x) = (x + α^1)(x + α^2)...(x + α^k), coefficients highest degree first.
        let mut g = vec![1u8];
        for root in 1..=per_block {
            let mut next = vec![0u8; g.len() + 1];
            for (i, &c) in g.iter().enumerate() {
                next[i] ^= c;
                if c != 0 {
                    next[i + 1] ^= f.exp[usize::from(f.log[usize::from(c)]) + root % 255];
                }
            }
            g = next;
        }
        let generator = g[1..].iter().map(|&c| f.log[usize::from(c)]).collect();
        Layout { data, blocks, generator }
    }

    /// The error correction codewords of `data`, interleaved as the symbol stores them.
    fn ecc(&self, data: &[u8]) -> Vec<u8> {
        let f = field();
        let per_block = self.generator.len();
        let mut out = vec![0u8; per_block * self.blocks];
        let mut register = vec![0u8; per_block];
        for block in 0..self.blocks {
            register.fill(0);
            for &byte in data[block..].iter().step_by(self.blocks) {
                let factor = usize::from(f.log[usize::from(byte ^ register[0])]);
                register.copy_within(1.., 0);
                register[per_block - 1] = 0;
                for (cell, &coefficient) in register.iter_mut().zip(&self.generator) {
                    *cell ^= f.exp[factor + usize::from(coefficient)];
                }
            }
            for (j, &codeword) in register.iter().enumerate() {
                out[j * self.blocks + block] = codeword;
            }
        }
        out
    }
}

/// The error correction codewords of `data`, the complete data codewords of `size`, as the
/// `datamatrix` crate makes them.
pub fn ecc(data: &[u8], size: SymbolSize) -> Vec<u8> {
    match layout(size) {
        Some(layout) if layout.data == data.len() => layout.ecc(data),
        _ => datamatrix::errorcode::encode_error(data, size),
    }
}

fn layout(size: SymbolSize) -> Option<&'static Layout> {
    static LAYOUTS: PerSize<Layout> = PerSize::new();
    LAYOUTS.get(size, learn)
}

/// The layout whose codewords are the crate's on two probes.
fn learn(size: SymbolSize) -> Option<Layout> {
    let data = super::ascii_shortcut::capacity(size)?;
    let probes: [Vec<u8>; 2] = [
        (0..data).map(|i| (i * 37 + 11) as u8).collect(),
        (0..data).map(|i| (i * i % 251) as u8 ^ 0x5A).collect(),
    ];
    let expected = probes.clone().map(|probe| datamatrix::errorcode::encode_error(&probe, size));
    let total = expected[0].len();
    (1..=MAX_BLOCKS.min(data)).filter(|blocks| total % blocks == 0).find_map(|blocks| {
        let layout = Layout::new(data, blocks, total / blocks);
        probes.iter().zip(&expected).all(|(probe, expected)| layout.ecc(probe) == *expected).then_some(layout)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datamatrix::SymbolList;

    #[test]
    fn every_size_is_learnt_and_matches_the_crate_on_any_data() {
        for size in SymbolList::with_extended_rectangles().iter() {
            let layout = layout(size).unwrap_or_else(|| panic!("{size:?}: no layout found"));
            let mut state = 0x2545_F491_4F6C_DD1Du64;
            for _ in 0..20 {
                let data: Vec<u8> = (0..layout.data)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state as u8
                    })
                    .collect();
                assert_eq!(ecc(&data, size), datamatrix::errorcode::encode_error(&data, size), "{size:?}");
            }
            let zeros = vec![0u8; layout.data];
            assert_eq!(ecc(&zeros, size), datamatrix::errorcode::encode_error(&zeros, size), "{size:?}");
        }
    }
}
