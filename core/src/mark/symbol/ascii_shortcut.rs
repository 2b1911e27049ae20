//! The ASCII shortcut: a payload of digits, capitals and separators usually reaches its smallest
//! symbol in plain ASCII encodation, and proving that costs far less than running the
//! `datamatrix` crate's optimising planner (about 5 of the 7 µs a mark took).
//!
//! The proof is a lower bound. Every character costs at least the cheapest share of a codeword
//! any enabled mode can give it: half a codeword for a digit (ASCII pairs them), two thirds for
//! a C40, Text or X12 basic character (three to two codewords), three quarters for EDIFACT, one
//! for anything else in ASCII or Base256. Latches and shifts only add to that. When the smallest
//! symbol that could hold the bound is also the smallest that holds the ASCII encoding, no mix
//! of modes reaches a smaller symbol, and the ASCII encoding is written. Its codewords, padding
//! included, are the ones the crate writes when limited to ASCII (tested); the crate's error
//! correction follows. Otherwise the planner runs.

use datamatrix::data::EncodationType;
use datamatrix::{DataMatrixBuilder, SymbolList, SymbolSize};

use super::{Encodation, PerSize};

/// Codeword 129 ends the data; the padding after it is randomised (ISO/IEC 16022, 5.2.3).
const PAD: u8 = 129;
/// The data starts of the crate's macro codewords (`[)>` RS `05`/`06` GS): not shortcut.
const MACRO_START: &[u8] = b"[)>";

/// The codewords (data and error correction) and size of `data` in ASCII encodation, when that
/// is provably a smallest symbol of `list` for the modes `modes` allows; `None` sends the
/// payload to the planner.
pub fn ascii_symbol(data: &[u8], list: &SymbolList, modes: Encodation) -> Option<(Vec<u8>, SymbolSize)> {
    if !modes.allows(EncodationType::Ascii) || data.starts_with(MACRO_START) || !data.is_ascii() {
        return None;
    }
    let mut codewords = ascii_codewords(data);
    let size = smallest_holding(list, codewords.len())?;
    if smallest_holding(list, lower_bound(data, modes))? != size {
        return None;
    }
    pad(&mut codewords, capacity(size)?);
    let ecc = super::reed_solomon::ecc(&codewords, size);
    codewords.extend_from_slice(&ecc);
    Some((codewords, size))
}

/// ASCII encodation: two digits a codeword, any other character its value plus one.
fn ascii_codewords(data: &[u8]) -> Vec<u8> {
    let mut codewords = Vec::with_capacity(data.len() + 8);
    let mut rest = data;
    while let Some((&first, tail)) = rest.split_first() {
        match tail.first() {
            Some(&second) if first.is_ascii_digit() && second.is_ascii_digit() => {
                codewords.push((first - b'0') * 10 + (second - b'0') + 130);
                rest = &tail[1..];
            }
            _ => {
                codewords.push(first + 1);
                rest = tail;
            }
        }
    }
    codewords
}

/// Fills the symbol's remaining data codewords: one pad, then the 253-state randomised pads.
fn pad(codewords: &mut Vec<u8>, capacity: usize) {
    if codewords.len() < capacity {
        codewords.push(PAD);
    }
    while codewords.len() < capacity {
        let position = codewords.len() + 1;
        let value = PAD as usize + (149 * position) % 253 + 1;
        codewords.push(if value <= 254 { value } else { value - 254 } as u8);
    }
}

/// The fewest data codewords any encodation of `data` (ASCII bytes) in `modes` can take.
fn lower_bound(data: &[u8], modes: Encodation) -> usize {
    // In twelfths of a codeword, so that halves, thirds and quarters stay exact.
    let twelfths: usize = data.iter().map(|&byte| cheapest_twelfths(byte, modes)).sum();
    twelfths.div_ceil(12)
}

fn cheapest_twelfths(byte: u8, modes: Encodation) -> usize {
    let basic_c40 = byte == b' ' || byte.is_ascii_digit() || byte.is_ascii_uppercase();
    let basic_text = byte == b' ' || byte.is_ascii_digit() || byte.is_ascii_lowercase();
    let x12 = basic_c40 || matches!(byte, b'\r' | b'*' | b'>');
    let edifact = (32..=94).contains(&byte);
    let mut cheapest = if byte.is_ascii_digit() { 6 } else { 12 };
    let mut offer = |mode: EncodationType, enabled: bool, cost: usize| {
        if enabled && modes.allows(mode) {
            cheapest = cheapest.min(cost);
        }
    };
    offer(EncodationType::C40, true, if basic_c40 { 8 } else { 16 });
    offer(EncodationType::Text, true, if basic_text { 8 } else { 16 });
    offer(EncodationType::X12, x12, 8);
    offer(EncodationType::Edifact, edifact, 9);
    offer(EncodationType::Base256, true, 12);
    cheapest
}

/// The first symbol of `list` (the crate's order, smallest first) with room for `codewords`.
fn smallest_holding(list: &SymbolList, codewords: usize) -> Option<SymbolSize> {
    list.iter().find(|size| capacity(*size).is_some_and(|c| c >= codewords))
}

/// The data codewords of a symbol size, measured once a size from the crate: an empty payload is
/// all padding.
pub(super) fn capacity(size: SymbolSize) -> Option<usize> {
    static CAPACITIES: PerSize<usize> = PerSize::new();
    CAPACITIES
        .get(size, |size| {
            let code = DataMatrixBuilder::new()
                .with_symbol_list(SymbolList::with_whitelist([size]))
                .with_encodation_types(EncodationType::Ascii)
                .encode(b"")
                .ok()?;
            Some(code.data_codewords().len())
        })
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flagset::FlagSet;
    use proptest::prelude::*;

    /// The crate's codewords and size for `data` in `modes`; `None` where it refuses (it rejects
    /// an input longer than the list's largest Base256 capacity even when its digits would fit).
    fn crate_symbol(
        data: &[u8],
        list: &SymbolList,
        modes: impl Into<FlagSet<EncodationType>>,
    ) -> Option<(Vec<u8>, SymbolSize)> {
        let code =
            DataMatrixBuilder::new().with_symbol_list(list.clone()).with_encodation_types(modes).encode(data);
        code.ok().map(|code| (code.codewords().to_vec(), code.size))
    }

    #[test]
    fn typical_payloads_take_the_shortcut_and_match_the_crate() {
        let list = SymbolList::default().enforce_square();
        for payload in ["DEMO-00004201034", "BENCH0000001010037", "000123000001", "1/3"] {
            let ours = ascii_symbol(payload.as_bytes(), &list, Encodation::ASCII_C40)
                .unwrap_or_else(|| panic!("{payload} should take the shortcut"));
            let theirs = crate_symbol(payload.as_bytes(), &list, EncodationType::Ascii).unwrap();
            assert_eq!(ours, theirs, "{payload}");
            let planned = crate_symbol(payload.as_bytes(), &list, Encodation::ASCII_C40.flags()).unwrap();
            assert_eq!(ours.1, planned.1, "{payload}: the planner finds no smaller symbol");
        }
    }

    #[test]
    fn capitals_that_c40_packs_smaller_go_to_the_planner() {
        let list = SymbolList::default().enforce_square();
        // 24 capitals: 24 codewords in ASCII (a 20x20 symbol), 17 in C40 (an 18x18).
        assert!(ascii_symbol(b"ABCDEFGHIJKLMNOPQRSTUVWX", &list, Encodation::ASCII_C40).is_none());
        // With ASCII alone there is nothing to prove.
        let ascii = Encodation::parse("ascii").unwrap();
        assert!(ascii_symbol(b"ABCDEFGHIJKLMNOPQRSTUVWX", &list, ascii).is_some());
        // Without ASCII (C40 required), macros or bytes above 127: never.
        let c40 = Encodation::parse("c40").unwrap();
        assert!(ascii_symbol(b"0123", &list, c40).is_none());
        assert!(ascii_symbol(b"[)>\x1e05\x1dA\x1e\x04", &list, Encodation::ASCII_C40).is_none());
        assert!(ascii_symbol("\u{c9}1".as_bytes(), &list, Encodation::ASCII_C40).is_none());
    }

    fn payload() -> impl Strategy<Value = Vec<u8>> {
        // Digits weigh most, as in real payloads; capitals, separators and lower case mix in.
        let alphabet: Vec<u8> = b"00112233445566778899ABCDEFGHIJKLMNOPQRSTUVWXYZ -/.*abcz".to_vec();
        proptest::collection::vec(proptest::sample::select(alphabet), 0..60)
    }

    fn shapes() -> impl Strategy<Value = SymbolList> {
        prop_oneof![
            Just(SymbolList::default()),
            Just(SymbolList::default().enforce_square()),
            Just(SymbolList::default().enforce_rectangular()),
            Just(SymbolList::with_extended_rectangles()),
        ]
    }

    fn modes() -> impl Strategy<Value = Encodation> {
        prop_oneof![
            Just(Encodation::ASCII_C40),
            Just(Encodation::ALL),
            Just(Encodation::parse("ascii").unwrap()),
            Just(Encodation::parse("ascii+edifact").unwrap()),
            Just(Encodation::parse("ascii+text+x12").unwrap()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whenever the shortcut answers, it writes exactly the crate's ASCII symbol, and the
        /// crate's planner, free to mix the same modes, finds no smaller one.
        #[test]
        fn the_shortcut_is_the_crates_ascii_symbol_at_the_planners_size(
            data in payload(), list in shapes(), modes in modes(),
        ) {
            if let (Some(ours), Some(theirs), Some(planned)) = (
                ascii_symbol(&data, &list, modes),
                crate_symbol(&data, &list, EncodationType::Ascii),
                crate_symbol(&data, &list, modes.flags()),
            ) {
                prop_assert_eq!(&ours, &theirs);
                prop_assert_eq!(ours.1, planned.1);
            }
        }
    }
}
