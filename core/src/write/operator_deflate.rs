//! Flate for the operators sheetseal writes itself: a side's page placements and marks (`q 1 0 0
//! 1 0 0 cm /P0 Do Q`, `3 14 2 1 re`, ...). They are made of about 30 different bytes, spaces
//! and digits most of all, so a Huffman code for those bytes alone, made once, compresses them
//! as well as searching for repeats does (a side 581 -> about 270 bytes, against 293 for
//! [`SmallDeflater`](super::small_deflate::SmallDeflater)) at a fraction of the cost: one table
//! lookup a byte, no search. A side with text on it (the slug line of a press sheet) takes a
//! second code, which also holds every other printable ASCII byte, each as if it came once in a
//! thousand. A stream with any other byte is not coded here.
//!
//! One final block with dynamic Huffman codes (RFC 1951, 3.2.7): the literal code below, no
//! length codes, a single distance code that is never used; zlib framing (RFC 1950).

use std::sync::LazyLock;

use super::small_deflate::{reverse, Bits, ZLIB_HEADER};

/// The bytes the operators are made of, with how often each came in the sides of the
/// 1,000-letter sample job (thousandths, rounded up). Their order does not matter.
const WEIGHTS: &[(u8, u32)] = &[
    (b' ', 578),
    (b'1', 347),
    (b'\n', 138),
    (b'r', 131),
    (b'e', 131),
    (b'0', 78),
    (b'2', 69),
    (b'4', 44),
    (b'5', 40),
    (b'3', 39),
    (b'6', 28),
    (b'8', 28),
    (b'9', 24),
    (b'7', 21),
    (b'.', 13),
    (b'q', 5),
    (b'c', 5),
    (b'm', 5),
    (b'Q', 5),
    (b'W', 3),
    (b'n', 3),
    (b'/', 3),
    (b'P', 3),
    (b'D', 3),
    (b'o', 3),
    (b'g', 2),
    (b'f', 2),
    (b'-', 1),
    (b'A', 1),
    (b'x', 1),
    (b'M', 1),
    (b'G', 1),
    (b'w', 1),
    (b'd', 1),
    (b'[', 1),
    (b']', 1),
    (b'l', 1),
    (b'S', 1),
];

/// The weight, in the code for sides with text, of each printable ASCII byte [`WEIGHTS`] leaves
/// out.
const TEXT_WEIGHT: u32 = 1;

/// How many bytes at the end of a stream are looked at before coding it.
const TAIL: usize = 128;
/// The end-of-block symbol.
const END_OF_BLOCK: usize = 256;
/// Literal codes are kept this short (RFC 1951 allows 15): two of them fit one table entry, and
/// four and the up to seven bits not yet stored fit one 64-bit word.
const MAX_LITERAL_BITS: u32 = 13;
/// Code length codes are at most this long.
const MAX_LENGTH_CODE_BITS: u32 = 7;
/// The order code length code lengths are sent in.
const LENGTH_CODE_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
/// A table entry holds the code (of one byte or of two) in its low bits and the code's length
/// from this bit up.
const LENGTH_SHIFT: u32 = 27;

/// The codes, each made once: for operators alone, and for operators and text.
static OPERATORS: LazyLock<OperatorCode> = LazyLock::new(|| OperatorCode::new(false));
static WITH_TEXT: LazyLock<OperatorCode> = LazyLock::new(|| OperatorCode::new(true));

/// The zlib stream of `input` when every byte of it is one the operators are made of, or else
/// printable ASCII.
pub fn compress(input: &[u8]) -> Option<Vec<u8>> {
    OPERATORS.compress(input).or_else(|| WITH_TEXT.compress(input))
}

struct OperatorCode {
    /// Per byte: its code, bit-reversed for the LSB-first stream, and its length above
    /// [`LENGTH_SHIFT`]; 0 for a byte the code leaves out.
    codes: [u32; 256],
    /// The same for every two bytes, indexed by the first byte plus 256 times the second: two
    /// lookups code four bytes.
    pairs: Box<[u32]>,
    end_of_block: u32,
    /// The zlib header and the block header: their whole bytes, then the bits of the last,
    /// unfinished byte and how many there are.
    start: Vec<u8>,
    start_bits: (u64, u32),
}

impl OperatorCode {
    /// The code of [`WEIGHTS`], with every other printable ASCII byte when `text`.
    fn new(text: bool) -> OperatorCode {
        let mut weights = [0u32; END_OF_BLOCK + 1];
        if text {
            weights[usize::from(b' ')..=usize::from(b'~')].fill(TEXT_WEIGHT);
        }
        for &(byte, weight) in WEIGHTS {
            weights[usize::from(byte)] = weight;
        }
        weights[END_OF_BLOCK] = 1;
        let lengths = code_lengths(&weights, MAX_LITERAL_BITS);
        let canonical = canonical_codes(&lengths);
        let entry = |symbol: usize| canonical[symbol] | lengths[symbol] << LENGTH_SHIFT;
        let mut start = Bits::with_capacity(64);
        start.bytes.extend_from_slice(&ZLIB_HEADER);
        let mut start_length = 8 * ZLIB_HEADER.len() as u32;
        for (value, bits) in header(&lengths) {
            start.put(value, bits);
            start_length += bits;
        }
        let mut start = start.finish();
        let start_bits = match start_length % 8 {
            0 => (0, 0),
            bits => (u64::from(start.pop().expect("an unfinished byte")), bits),
        };
        let codes: [u32; 256] = std::array::from_fn(entry);
        let pairs = (0..1 << 16).map(|index| join(codes[index & 0xFF], codes[index >> 8])).collect();
        OperatorCode { codes, pairs, end_of_block: entry(END_OF_BLOCK), start, start_bits }
    }

    fn compress(&self, input: &[u8]) -> Option<Vec<u8>> {
        // Text, when a side has any (a slug line), comes last: the code without it hands such a
        // side over before any coding is done. Anywhere else it is found on the way.
        if input[input.len().saturating_sub(TAIL)..].iter().any(|&byte| self.codes[usize::from(byte)] == 0) {
            return None;
        }
        // Every code is shorter than two bytes; a word is stored whole, up to 8 bytes past the
        // last one that counts.
        let mut out = vec![0u8; self.start.len() + 2 * input.len() + 16];
        out[..self.start.len()].copy_from_slice(&self.start);
        let mut at = self.start.len();
        let (mut word, mut bits) = self.start_bits;
        let mut missing = false;
        let mut put = |entries: &[u32], out: &mut [u8]| {
            // The entries' codes joined first, so that only one shift waits for the last store.
            let (mut codes, mut length) = (0u64, 0u32);
            for &entry in entries {
                missing |= entry == 0;
                codes |= u64::from(entry & ((1 << LENGTH_SHIFT) - 1)) << length;
                length += entry >> LENGTH_SHIFT;
            }
            word |= codes << bits;
            bits += length;
            out[at..at + 8].copy_from_slice(&word.to_le_bytes());
            let whole = bits / 8;
            at += whole as usize;
            word >>= 8 * whole;
            bits -= 8 * whole;
        };
        let pair = |two: &[u8]| self.pairs[usize::from(two[0]) | usize::from(two[1]) << 8];
        let mut quads = input.chunks_exact(4);
        for quad in &mut quads {
            put(&[pair(&quad[..2]), pair(&quad[2..])], &mut out);
        }
        for &byte in quads.remainder() {
            put(&[self.codes[usize::from(byte)]], &mut out);
        }
        put(&[self.end_of_block], &mut out);
        if missing {
            return None;
        }
        out.truncate(at + bits.div_ceil(8) as usize);
        out.extend_from_slice(&libdeflater::adler32(input).to_be_bytes());
        Some(out)
    }
}

/// The entry of `first`'s code followed by `second`'s; 0 when either is 0.
fn join(first: u32, second: u32) -> u32 {
    if first == 0 || second == 0 {
        return 0;
    }
    let length = (first >> LENGTH_SHIFT) + (second >> LENGTH_SHIFT);
    let mask = (1 << LENGTH_SHIFT) - 1;
    (first & mask) | (second & mask) << (first >> LENGTH_SHIFT) | length << LENGTH_SHIFT
}

/// Huffman code lengths for `weights` (0: the symbol is not coded), none longer than `limit`:
/// should a length pass it, the smallest weights are raised and the code made again.
fn code_lengths(weights: &[u32], limit: u32) -> Vec<u32> {
    let mut weights = weights.to_vec();
    loop {
        let lengths = huffman_lengths(&weights);
        if lengths.iter().all(|&l| l <= limit) {
            return lengths;
        }
        let floor = weights.iter().copied().filter(|&w| w > 0).min().unwrap_or(1) * 2;
        for w in weights.iter_mut().filter(|w| **w > 0) {
            *w = (*w).max(floor);
        }
    }
}

/// Huffman code lengths, ties broken by symbol so that the code never depends on anything else.
fn huffman_lengths(weights: &[u32]) -> Vec<u32> {
    let mut lengths = vec![0u32; weights.len()];
    // Nodes: (weight, order, symbols below).
    let mut nodes: Vec<(u64, usize, Vec<usize>)> = weights
        .iter()
        .enumerate()
        .filter(|(_, &w)| w > 0)
        .map(|(symbol, &w)| (u64::from(w), symbol, vec![symbol]))
        .collect();
    if nodes.len() == 1 {
        lengths[nodes[0].2[0]] = 1;
        return lengths;
    }
    let mut order = weights.len();
    while nodes.len() > 1 {
        nodes.sort_by_key(|n| std::cmp::Reverse((n.0, n.1)));
        let (a, b) = (nodes.pop().expect("two nodes"), nodes.pop().expect("two nodes"));
        for &symbol in a.2.iter().chain(&b.2) {
            lengths[symbol] += 1;
        }
        nodes.push((a.0 + b.0, order, [a.2, b.2].concat()));
        order += 1;
    }
    lengths
}

/// The canonical codes of RFC 1951 (3.2.2) for `lengths`, bit-reversed.
fn canonical_codes(lengths: &[u32]) -> Vec<u32> {
    let max = lengths.iter().copied().max().unwrap_or(0) as usize;
    let mut count = vec![0u32; max + 1];
    for &l in lengths.iter().filter(|&&l| l > 0) {
        count[l as usize] += 1;
    }
    let mut next = vec![0u32; max + 2];
    let mut code = 0;
    for bits in 1..=max {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    lengths
        .iter()
        .map(|&l| {
            if l == 0 {
                return 0;
            }
            let code = next[l as usize];
            next[l as usize] += 1;
            reverse(code, l)
        })
        .collect()
}

/// The dynamic block header: `BFINAL`, `BTYPE`, the counts, the code length code and the code
/// lengths of the 257 literal and end-of-block symbols and of one distance code, run-length
/// coded (RFC 1951, 3.2.7).
fn header(literal_lengths: &[u32]) -> Vec<(u32, u32)> {
    // One distance code of one bit: never used, but a decoder wants a distance code.
    let all: Vec<u32> = literal_lengths.iter().copied().chain([1]).collect();
    // Run-length coded: (symbol, extra value, extra bits).
    let mut runs: Vec<(usize, u32, u32)> = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let length = all[i];
        let run = all[i..].iter().take_while(|&&l| l == length).count();
        if length == 0 && run >= 11 {
            let n = run.min(138);
            runs.push((18, (n - 11) as u32, 7));
            i += n;
        } else if length == 0 && run >= 3 {
            let n = run.min(10);
            runs.push((17, (n - 3) as u32, 3));
            i += n;
        } else if length > 0 && run >= 4 {
            runs.push((length as usize, 0, 0));
            let n = (run - 1).min(6);
            runs.push((16, (n - 3) as u32, 2));
            i += 1 + n;
        } else {
            runs.push((length as usize, 0, 0));
            i += 1;
        }
    }
    let mut frequencies = [0u32; 19];
    for &(symbol, _, _) in &runs {
        frequencies[symbol] += 1;
    }
    let length_lengths = code_lengths(&frequencies, MAX_LENGTH_CODE_BITS);
    let length_codes = canonical_codes(&length_lengths);
    let sent = 4.max(19 - LENGTH_CODE_ORDER.iter().rev().take_while(|&&s| length_lengths[s] == 0).count());
    let mut header = vec![
        (0b101, 3),                                // the final block, dynamic codes
        ((literal_lengths.len() - 257) as u32, 5), // HLIT
        (0, 5),                                    // HDIST: one distance code
        ((sent - 4) as u32, 4),                    // HCLEN
    ];
    header.extend(LENGTH_CODE_ORDER[..sent].iter().map(|&s| (length_lengths[s], 3)));
    for (symbol, extra, extra_bits) in runs {
        header.push((length_codes[symbol], length_lengths[symbol]));
        if extra_bits > 0 {
            header.push((extra, extra_bits));
        }
    }
    header
}

#[cfg(test)]
mod tests {
    use super::super::small_deflate::tests::inflate;
    use super::*;

    fn inflate_libdeflate(packed: &[u8], size: usize) -> Vec<u8> {
        let mut out = vec![0; size];
        let n =
            libdeflater::Decompressor::new().zlib_decompress(packed, &mut out).expect("libdeflate reads it");
        out.truncate(n);
        out
    }

    fn side() -> Vec<u8> {
        let geometry = crate::mark::MarkGeometry::default();
        let leaf = crate::geometry::Rect { x0: 0.0, y0: 0.0, x1: 595.276, y1: 841.89 };
        let mut side = b"q 0 0 595.276 841.89 re W n 1 0 0 1 0 0 cm /P0 Do Q\n".to_vec();
        side.extend(crate::mark::paint("BENCH-0000010102I", 1, &geometry, &leaf).unwrap().ops);
        side
    }

    #[test]
    fn a_side_round_trips_through_two_decoders_and_compresses_better_than_the_search() {
        let side = side();
        let packed = compress(&side).expect("only operator bytes");
        assert_eq!(inflate(&packed), side);
        assert_eq!(inflate_libdeflate(&packed, side.len()), side);
        let searched = super::super::small_deflate::SmallDeflater::default().compress(&side);
        assert!(packed.len() <= searched.len(), "{} bytes against {}", packed.len(), searched.len());
        assert_eq!(compress(&side), Some(packed), "the same bytes every time");
    }

    #[test]
    fn every_operator_byte_round_trips_and_bytes_outside_printable_ascii_are_refused() {
        let all: Vec<u8> = WEIGHTS.iter().map(|&(b, _)| b).collect();
        let data: Vec<u8> = (0..5000).map(|i| all[(i * 7919) % all.len()]).collect();
        for input in [&data[..], b"", b"1", b"  "] {
            let packed = compress(input).unwrap();
            assert_eq!(inflate(&packed), input);
            assert_eq!(inflate_libdeflate(&packed, input.len()), input);
        }
        assert_eq!(compress(&[b'1', 0xFF]), None);
        assert_eq!(compress(b"1 0 0 1 0 0 cm\t"), None);
    }

    #[test]
    fn a_side_with_a_slug_line_takes_the_code_with_text_and_still_beats_the_search() {
        let mut side = side();
        side.extend_from_slice(b"/PM Do\nq BT /SlugF 6 Tf 42.5193 4.252 Td (sheetseal 0.1.0  job F  press sheet 1 of 8823  block 1  leaves 1-501) Tj ET Q\n");
        assert_eq!(OPERATORS.compress(&side), None);
        let packed = compress(&side).expect("operators and printable text");
        assert_eq!(inflate(&packed), side);
        assert_eq!(inflate_libdeflate(&packed, side.len()), side);
        let searched = super::super::small_deflate::SmallDeflater::default().compress(&side);
        assert!(packed.len() <= searched.len(), "{} bytes against {}", packed.len(), searched.len());
        let all: Vec<u8> = (b' '..=b'~').collect();
        assert_eq!(inflate(&compress(&all).unwrap()), all);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        #[test]
        fn any_run_of_operator_bytes_round_trips_and_a_printable_byte_among_them_takes_the_second_code(
            picks in proptest::collection::vec(0..WEIGHTS.len(), 0..3000),
            other in proptest::prelude::any::<u8>(),
            at in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let data: Vec<u8> = picks.iter().map(|&i| WEIGHTS[i].0).collect();
            let packed = compress(&data).expect("operator bytes only");
            proptest::prop_assert_eq!(inflate(&packed), data.clone());
            proptest::prop_assert_eq!(inflate_libdeflate(&packed, data.len()), data.clone());
            if !WEIGHTS.iter().any(|&(b, _)| b == other) {
                let mut mixed = data;
                mixed.insert(at.index(mixed.len() + 1), other);
                proptest::prop_assert_eq!(OPERATORS.compress(&mixed), None);
                if (b' '..=b'~').contains(&other) {
                    let packed = compress(&mixed).expect("printable text");
                    proptest::prop_assert_eq!(inflate(&packed), mixed.clone());
                    proptest::prop_assert_eq!(inflate_libdeflate(&packed, mixed.len()), mixed);
                } else {
                    proptest::prop_assert_eq!(compress(&mixed), None);
                }
            }
        }
    }

    #[test]
    fn codes_are_complete_and_within_the_limits() {
        let lengths = code_lengths(&[1, 1, 1, 1000, 5000, 100_000, 0, 3], 4);
        assert!(lengths.iter().all(|&l| l <= 4));
        let kraft: f64 = lengths.iter().filter(|&&l| l > 0).map(|&l| 0.5f64.powi(l as i32)).sum();
        assert_eq!(kraft, 1.0, "{lengths:?}");
        for code in [&*OPERATORS, &*WITH_TEXT] {
            let kraft: f64 = code
                .codes
                .iter()
                .chain([&code.end_of_block])
                .map(|entry| entry >> LENGTH_SHIFT)
                .filter(|&l| l > 0)
                .inspect(|&l| assert!(l <= MAX_LITERAL_BITS))
                .map(|l| 0.5f64.powi(l as i32))
                .sum();
            assert_eq!(kraft, 1.0);
        }
    }
}
