//! Flate for the short streams sheetseal writes itself, a side's marks and page placement
//! (about 1 KB): greedy LZ77 over a small hash table, the fixed Huffman codes of RFC 1951
//! (3.2.6), one final block, zlib framing (RFC 1950).
//!
//! zlib-rs clears its 128 KB hash table for every stream: 1.7 of the 3.0 µs it takes for a
//! 0.5 KB mark (miniz_oxide takes 15 µs, libdeflate 5.3 µs). This table is never cleared: it
//! holds positions counted across streams, and an entry from before the current stream's
//! start is empty, so the output depends on the stream alone, whatever came before it on the
//! thread. The ratio is that of zlib's fastest level, which also uses fixed codes for short
//! input.

/// Streams up to this length are compressed here: every match distance fits the 32 KB window.
pub const MAX_INPUT: usize = 32 * 1024;

const HASH_BITS: u32 = 12;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// zlib header: deflate with a 32 KB window, fastest level, check bits (0x7801 % 31 == 0).
pub(super) const ZLIB_HEADER: [u8; 2] = [0x78, 0x01];

/// Lengths 3..=258: (symbol, extra bits, base) for symbols 257..=285.
const LENGTHS: [(u16, u8, u16); 29] = [
    (257, 0, 3),
    (258, 0, 4),
    (259, 0, 5),
    (260, 0, 6),
    (261, 0, 7),
    (262, 0, 8),
    (263, 0, 9),
    (264, 0, 10),
    (265, 1, 11),
    (266, 1, 13),
    (267, 1, 15),
    (268, 1, 17),
    (269, 2, 19),
    (270, 2, 23),
    (271, 2, 27),
    (272, 2, 31),
    (273, 3, 35),
    (274, 3, 43),
    (275, 3, 51),
    (276, 3, 59),
    (277, 4, 67),
    (278, 4, 83),
    (279, 4, 99),
    (280, 4, 115),
    (281, 5, 131),
    (282, 5, 163),
    (283, 5, 195),
    (284, 5, 227),
    (285, 0, 258),
];

/// Distances 1..=32768: (extra bits, base) for codes 0..=29.
const DISTANCES: [(u8, u16); 30] = [
    (0, 1),
    (0, 2),
    (0, 3),
    (0, 4),
    (1, 5),
    (1, 7),
    (2, 9),
    (2, 13),
    (3, 17),
    (3, 25),
    (4, 33),
    (4, 49),
    (5, 65),
    (5, 97),
    (6, 129),
    (6, 193),
    (7, 257),
    (7, 385),
    (8, 513),
    (8, 769),
    (9, 1025),
    (9, 1537),
    (10, 2049),
    (10, 3073),
    (11, 4097),
    (11, 6145),
    (12, 8193),
    (12, 12289),
    (13, 16385),
    (13, 24577),
];

/// A compressor for short streams; keep one per thread.
pub struct SmallDeflater {
    /// Per hash: one plus the last position with that hash, counted from `base`'s origin.
    table: Box<[u32; 1 << HASH_BITS]>,
    /// Where the current stream starts in that count.
    base: u32,
}

impl Default for SmallDeflater {
    fn default() -> Self {
        SmallDeflater { table: Box::new([0; 1 << HASH_BITS]), base: 0 }
    }
}

impl SmallDeflater {
    /// The zlib stream of `input`, which must be at most [`MAX_INPUT`] bytes.
    pub fn compress(&mut self, input: &[u8]) -> Vec<u8> {
        assert!(input.len() <= MAX_INPUT, "small_deflate takes at most {MAX_INPUT} bytes");
        if self.base as usize > u32::MAX as usize - 2 * MAX_INPUT {
            self.table.fill(0);
            self.base = 0;
        }
        let base = self.base;
        self.base += input.len() as u32 + 1;
        let mut out = Bits::with_capacity(input.len() / 2 + 16);
        out.bytes.extend_from_slice(&ZLIB_HEADER);
        out.put(0b011, 3); // the final block, fixed codes
        let mut at = 0;
        while at < input.len() {
            match self.longest_match(input, at, base) {
                Some((length, distance)) => {
                    out.copy(length, distance);
                    at += length;
                }
                None => {
                    out.code(u16::from(input[at]));
                    at += 1;
                }
            }
        }
        out.code(256);
        let mut bytes = out.finish();
        bytes.extend_from_slice(&libdeflater::adler32(input).to_be_bytes());
        bytes
    }

    fn insert(&mut self, input: &[u8], at: usize, base: u32) -> Option<usize> {
        let slot = &mut self.table[hash(&input[at..at + MIN_MATCH])];
        let previous = (*slot > base).then(|| (*slot - base - 1) as usize);
        *slot = base + at as u32 + 1;
        previous
    }

    /// The match at `at` with the last earlier position of the same hash, when it is one.
    fn longest_match(&mut self, input: &[u8], at: usize, base: u32) -> Option<(usize, usize)> {
        if at + MIN_MATCH > input.len() {
            return None;
        }
        let candidate = self.insert(input, at, base)?;
        let first = |at: usize| u32::from_le_bytes([input[at], input[at + 1], input[at + 2], 0]);
        if first(candidate) != first(at) {
            return None;
        }
        let limit = (input.len() - at).min(MAX_MATCH);
        let length = common_prefix(&input[candidate..], &input[at..at + limit]);
        (length >= MIN_MATCH).then_some((length, at - candidate))
    }
}

/// How many leading bytes `a` and `b` (the shorter) share, compared eight at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let limit = a.len().min(b.len());
    let mut length = 0;
    while length + 8 <= limit {
        let word = |s: &[u8]| u64::from_le_bytes(s[length..length + 8].try_into().expect("eight bytes"));
        let differ = word(a) ^ word(b);
        if differ != 0 {
            return length + (differ.trailing_zeros() / 8) as usize;
        }
        length += 8;
    }
    length + a[length..limit].iter().zip(&b[length..limit]).take_while(|(x, y)| x == y).count()
}

fn hash(bytes: &[u8]) -> usize {
    let word = u32::from(bytes[0]) | u32::from(bytes[1]) << 8 | u32::from(bytes[2]) << 16;
    (word.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// An LSB-first bit stream (RFC 1951, 3.1.1).
pub(super) struct Bits {
    pub(super) bytes: Vec<u8>,
    buffer: u64,
    count: u32,
}

impl Bits {
    pub(super) fn with_capacity(capacity: usize) -> Bits {
        Bits { bytes: Vec::with_capacity(capacity), buffer: 0, count: 0 }
    }

    /// Appends the low `bits` (at most 32) of `value`.
    #[inline]
    pub(super) fn put(&mut self, value: u32, bits: u32) {
        self.buffer |= u64::from(value) << self.count;
        self.count += bits;
        if self.count >= 32 {
            self.bytes.extend_from_slice(&(self.buffer as u32).to_le_bytes());
            self.buffer >>= 32;
            self.count -= 32;
        }
    }

    /// A fixed Huffman code of the literal/length alphabet.
    #[inline]
    fn code(&mut self, symbol: u16) {
        let (code, bits) = FIXED_CODES[usize::from(symbol)];
        self.put(u32::from(code), u32::from(bits));
    }

    /// A match of `length` bytes (3 to 258) starting `distance` bytes back (1 to 32768): its
    /// length code, distance code and their extra bits, put in one go.
    #[inline]
    fn copy(&mut self, length: usize, distance: usize) {
        let (length_value, length_bits) = LENGTH_CODES[length];
        // Distance codes come in pairs per power of two above 4: the top bit of distance - 1
        // picks the pair, the bit below it the code.
        let d = (distance - 1) as u32;
        let code = if d < 4 {
            d
        } else {
            let top = 31 - d.leading_zeros();
            2 * top + (d >> (top - 1) & 1)
        };
        let (extra, base) = DISTANCES[code as usize];
        let distance_value = reverse(code, 5) | (distance as u32 - u32::from(base)) << 5;
        // At most 8 + 5 + 5 + 13 bits.
        self.put(length_value | distance_value << length_bits, length_bits + 5 + u32::from(extra));
    }

    pub(super) fn finish(mut self) -> Vec<u8> {
        let bytes = self.count.div_ceil(8) as usize;
        self.bytes.extend_from_slice(&self.buffer.to_le_bytes()[..bytes]);
        self.bytes
    }
}

pub(super) const fn reverse(code: u32, bits: u32) -> u32 {
    code.reverse_bits() >> (32 - bits)
}

/// The fixed literal/length codes (RFC 1951, 3.2.6), bit-reversed for the LSB-first stream.
const FIXED_CODES: [(u16, u8); 288] = {
    let mut codes = [(0u16, 0u8); 288];
    let mut symbol = 0;
    while symbol < 288 {
        let (code, bits) = match symbol {
            0..=143 => (0x30 + symbol, 8),
            144..=255 => (0x190 + symbol - 144, 9),
            256..=279 => (symbol - 256, 7),
            _ => (0xC0 + symbol - 280, 8),
        };
        codes[symbol as usize] = (reverse(code, bits) as u16, bits as u8);
        symbol += 1;
    }
    codes
};

/// For each match length from 3, its entry in [`LENGTHS`].
const LENGTH_INDEX: [u8; MAX_MATCH - MIN_MATCH + 1] = {
    let mut index = [0u8; MAX_MATCH - MIN_MATCH + 1];
    let mut length = MIN_MATCH;
    let mut entry = 0;
    while length <= MAX_MATCH {
        if entry + 1 < LENGTHS.len() && LENGTHS[entry + 1].2 as usize <= length {
            entry += 1;
        }
        index[length - MIN_MATCH] = entry as u8;
        length += 1;
    }
    index
};

/// For each match length up to 258 (from 3), its fixed length code followed by its extra bits,
/// as one value to put, and how many bits that is.
const LENGTH_CODES: [(u32, u32); MAX_MATCH + 1] = {
    let mut codes = [(0u32, 0u32); MAX_MATCH + 1];
    let mut length = MIN_MATCH;
    while length <= MAX_MATCH {
        let (symbol, extra, base) = LENGTHS[LENGTH_INDEX[length - MIN_MATCH] as usize];
        let (code, bits) = FIXED_CODES[symbol as usize];
        codes[length] = (code as u32 | ((length - base as usize) as u32) << bits, bits as u32 + extra as u32);
        length += 1;
    }
    codes
};

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read;

    /// A zlib stream inflated by flate2 (a decoder these compressors do not share code with).
    pub(in crate::write) fn inflate(packed: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(packed).read_to_end(&mut out).expect("a valid zlib stream");
        out
    }

    #[test]
    fn edge_lengths_and_distances_round_trip() {
        let mut deflater = SmallDeflater::default();
        let mut cases: Vec<Vec<u8>> = vec![vec![], b"a".to_vec(), b"ab".to_vec(), b"abcabc".to_vec()];
        // The longest match (258), runs just past it, and the largest distances.
        cases.push(vec![b'x'; 259]);
        cases.push(vec![b'x'; 1000]);
        let mut far: Vec<u8> = b"0123456789".to_vec();
        far.extend((0..MAX_INPUT - 20).map(|i| (i * 7919 % 251) as u8));
        far.extend_from_slice(b"0123456789");
        cases.push(far);
        cases.push((0..MAX_INPUT).map(|i| (i % 256) as u8).collect());
        for case in cases {
            assert_eq!(inflate(&deflater.compress(&case)), case, "{} bytes", case.len());
        }
    }

    #[test]
    fn a_mark_compresses_as_well_as_zlibs_fastest_level_and_alike_whatever_came_before() {
        let geometry = crate::mark::MarkGeometry::default();
        let leaf = crate::geometry::Rect { x0: 0.0, y0: 0.0, x1: 595.276, y1: 841.89 };
        let ops = crate::mark::paint("BENCH0000001010037", 1, &geometry, &leaf).unwrap().ops;
        let fresh = SmallDeflater::default().compress(&ops);
        let zlib = super::super::deflate::Deflater::default().zlib(&ops).unwrap();
        assert!(
            fresh.len() <= zlib.len() + zlib.len() / 10,
            "{} bytes against zlib's {}",
            fresh.len(),
            zlib.len()
        );
        assert!(fresh.len() < ops.len() / 2, "{} of {}", fresh.len(), ops.len());
        let mut used = SmallDeflater::default();
        for other in ["OTHER0000001010037", "BENCH0000001010037", "X"] {
            used.compress(&crate::mark::paint(other, 2, &geometry, &leaf).unwrap().ops);
        }
        assert_eq!(used.compress(&ops), fresh, "the same bytes after other streams");
        assert_eq!(inflate(&fresh), ops);
    }

    #[test]
    fn the_position_count_wraps_without_stale_matches() {
        let mut deflater = SmallDeflater { base: u32::MAX - MAX_INPUT as u32, ..Default::default() };
        let data = b"q 1 0 0 1 0 0 cm /P0 Do Q\n".repeat(50);
        let first = deflater.compress(&data);
        assert_eq!(deflater.base, data.len() as u32 + 1, "the table was cleared and counting restarted");
        assert_eq!(first, SmallDeflater::default().compress(&data));
        assert_eq!(inflate(&first), data);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_input_round_trips(
            chunks in proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..64),
                    proptest::collection::vec(proptest::sample::select(b"0123 re\n".to_vec()), 0..400),
                ],
                0..40,
            ),
        ) {
            let data: Vec<u8> = chunks.concat();
            let mut deflater = SmallDeflater::default();
            prop_assert_eq!(inflate(&deflater.compress(&data)), data.clone());
            // Again on the same compressor: stale entries must not leak in.
            prop_assert_eq!(inflate(&deflater.compress(&data)), data);
        }
    }
}
