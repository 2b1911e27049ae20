//! Every symbol size and every encodation mode, round-tripped through rxing, a decoder we did not
//! write; plus the cases that broke other encoders (EDIFACT end of data, C40 mode switches).

use super::*;

/// Latch codewords (ISO/IEC 16022, table 2): which mode a symbol actually used.
const LATCH_C40: u8 = 230;
const LATCH_BASE256: u8 = 231;
const LATCH_X12: u8 = 238;
const LATCH_TEXT: u8 = 239;
const LATCH_EDIFACT: u8 = 240;

/// Renders a symbol with a 4-module quiet zone, `px` pixels a module, and decodes it with rxing.
fn rxing_read(symbol: &Symbol, px: usize) -> Option<Vec<u8>> {
    let quiet = 4;
    let width = (symbol.columns + 2 * quiet) * px;
    let height = (symbol.rows + 2 * quiet) * px;
    let mut luma = vec![255u8; width * height];
    for row in 0..symbol.rows {
        for column in 0..symbol.columns {
            if symbol.is_dark(column, row) {
                for y in 0..px {
                    let start = ((row + quiet) * px + y) * width + (column + quiet) * px;
                    luma[start..start + px].fill(0);
                }
            }
        }
    }
    let result = rxing::helpers::detect_in_luma(
        luma,
        width as u32,
        height as u32,
        Some(rxing::BarcodeFormat::DATA_MATRIX),
    )
    .ok()?;
    // rxing decodes bytes as ISO 8859-1: each char is one byte.
    Some(result.getText().chars().map(|c| c as u32 as u8).collect())
}

fn options(shape: SymbolShape, dmre: bool, encodation: &str) -> SymbolOptions {
    SymbolOptions { shape, dmre, encodation: Encodation::parse(encodation).unwrap() }
}

fn symbol_of(data: &[u8], options: &SymbolOptions) -> Result<(Symbol, Vec<u8>), SymbolError> {
    let code = data_matrix(data, options)?;
    let bitmap = code.bitmap();
    let symbol = Symbol { columns: bitmap.width(), rows: bitmap.height(), dark: bitmap.bits().to_vec() };
    Ok((symbol, code.data_codewords().to_vec()))
}

/// Encodes, checks the latch the encoder used, and round-trips through rxing.
fn round_trip(data: &[u8], options: &SymbolOptions, latch: Option<u8>) -> Symbol {
    let (symbol, codewords) =
        symbol_of(data, options).unwrap_or_else(|e| panic!("{:?} with {}: {e}", data, options.describe()));
    if let Some(latch) = latch {
        assert!(
            codewords.contains(&latch),
            "{:?} ({}): no latch {latch} in {codewords:?}",
            data,
            options.describe()
        );
    }
    let read = rxing_read(&symbol, 3);
    assert_eq!(
        read.as_deref(),
        Some(data),
        "{:?} as {} ({}x{}) did not round-trip; codewords {codewords:?}",
        String::from_utf8_lossy(data),
        options.describe(),
        symbol.rows,
        symbol.columns
    );
    symbol
}

#[test]
fn every_symbol_size_round_trips_full_of_digits() {
    for (size, rows, columns) in SIZES {
        let capacity = size_capacity(size);
        // Digits pack two to a codeword: fill the symbol to its last codeword.
        let data: Vec<u8> = (0..capacity * 2).map(|i| b'0' + ((i * 7 + 3) % 10) as u8).collect();
        let symbol = round_trip(&data, &options(SymbolShape::Fixed(size), true, "ascii"), None);
        assert_eq!((symbol.rows, symbol.columns), (rows, columns), "{size:?}");
        assert!(
            symbol_of(&[data.as_slice(), b"00"].concat(), &options(SymbolShape::Fixed(size), true, "ascii"))
                .is_err(),
            "{size:?}: one codeword more must not fit"
        );
    }
}

/// Data codewords of a size, found by the encoder itself (digits: two a codeword).
fn size_capacity(size: SymbolSize) -> usize {
    let fixed = options(SymbolShape::Fixed(size), true, "ascii");
    (1..=1600).take_while(|n| symbol_of(&vec![b'1'; n * 2], &fixed).is_ok()).last().unwrap()
}

#[test]
fn every_encodation_mode_round_trips_in_small_and_large_symbols() {
    let cases: [(&str, &[u8], Option<u8>); 6] = [
        ("ascii", b"0123456789ABCdef!", None),
        ("ascii+c40", b"SHEETSEAL JOB 42 PIECE 000042", Some(LATCH_C40)),
        ("ascii+text", b"sheetseal job forty two", Some(LATCH_TEXT)),
        ("ascii+x12", b"ABC*DEF>0123456789\rXYZ", Some(LATCH_X12)),
        ("ascii+edifact", b"ABC;DEF:GHI<JKL=0123?@", Some(LATCH_EDIFACT)),
        ("ascii+base256", b"\x80\x81\xfe\xff binary \x01\x02", Some(LATCH_BASE256)),
    ];
    for (modes, data, latch) in cases {
        for shape in [SymbolShape::Square, SymbolShape::Rectangular, SymbolShape::Fixed(SymbolSize::Square32)]
        {
            round_trip(data, &options(shape, false, modes), latch);
        }
    }
}

#[test]
fn edifact_end_of_data_in_every_remainder() {
    // EDIFACT packs four characters into three codewords; what happens with 0-3 characters left at
    // the end, with 0-2 codewords of room left in the symbol, is where encoders go wrong.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ;:<=>?@[\\]^";
    let mut checked = 0;
    for length in 1..=40 {
        let data: Vec<u8> = (0..length).map(|i| alphabet[(i * 11) % alphabet.len()]).collect();
        for (size, _, _) in SIZES.iter().take(12) {
            let fixed = options(SymbolShape::Fixed(*size), false, "ascii+edifact");
            if symbol_of(&data, &fixed).is_ok() {
                round_trip(&data, &fixed, None);
                checked += 1;
            }
        }
        round_trip(&data, &options(SymbolShape::Auto, true, "ascii+edifact"), None);
    }
    assert!(checked > 100, "{checked} fixed-size cases");
}

#[test]
fn c40_mode_switches_and_partial_triples() {
    // Upper case (C40 basic set), digits, shifted characters (lower case, punctuation), switches
    // back to ASCII for digit pairs, and 1 or 2 characters left over at the end of data.
    let cases: [&[u8]; 12] = [
        b"AB",
        b"ABC",
        b"ABCD",
        b"ABCDE",
        b"ABCDEF1",
        b"ABCDEFG12",
        b"ABCDEFGHIJ0123456789KLMNOP",
        b"ABCa",
        b"ABC.DEF-GHI/J",
        b"JOB-000042010",
        b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1",
        b"A1B2C3D4E5F6G7H8I9",
    ];
    for data in cases {
        for modes in ["ascii+c40", "c40"] {
            for shape in [SymbolShape::Square, SymbolShape::Auto] {
                round_trip(data, &options(shape, true, modes), None);
            }
        }
    }
    // Every length of a C40-friendly payload in every small square: partial triples meet every
    // amount of room left in the symbol.
    for length in 1..=30 {
        let data: Vec<u8> = (0..length).map(|i| b"QWERTY7 ZX"[i % 10]).collect();
        for (size, _, _) in SIZES.iter().take(10) {
            let fixed = options(SymbolShape::Fixed(*size), false, "ascii+c40");
            if symbol_of(&data, &fixed).is_ok() {
                round_trip(&data, &fixed, None);
            }
        }
    }
}

#[test]
fn c40_only_uses_c40_for_upper_case_payloads() {
    let (_, codewords) = symbol_of(b"DEMO0000420103Q", &options(SymbolShape::Square, false, "c40")).unwrap();
    assert_eq!(codewords[0], LATCH_C40, "{codewords:?}");
    round_trip(b"DEMO0000420103Q", &options(SymbolShape::Square, false, "c40"), Some(LATCH_C40));
}

#[test]
fn the_default_options_give_a_small_square_for_the_default_payload() {
    let symbol = encode("DEMO-0000420103Q", &SymbolOptions::default()).unwrap();
    assert_eq!((symbol.rows, symbol.columns), (16, 16), "{}", symbol.size_name());
    // The finder pattern: solid left column and bottom row.
    assert!((0..symbol.rows).all(|r| symbol.is_dark(0, r)));
    assert!((0..symbol.columns).all(|c| symbol.is_dark(c, symbol.rows - 1)));
    assert_eq!(rxing_read(&symbol, 4).as_deref(), Some(b"DEMO-0000420103Q".as_slice()));
}

#[test]
fn shapes_choose_the_expected_sizes() {
    let payload = "DEMO-0000420103Q";
    let size = |shape, dmre| encode(payload, &options(shape, dmre, "ascii+c40")).unwrap().size_name();
    assert_eq!(size(SymbolShape::Rectangular, false), "12x26");
    // 34 digits need 17 codewords: 12x36 among ISO rectangles, the DMRE 8x48 when allowed.
    let digits = "1".repeat(34);
    let rect = |dmre| encode(&digits, &options(SymbolShape::Rectangular, dmre, "ascii")).unwrap().size_name();
    assert_eq!((rect(false), rect(true)), ("12x36".to_string(), "8x48".to_string()));
    assert_eq!(size(SymbolShape::Fixed(SymbolSize::Square22), false), "22x22");
    let e = encode(payload, &options(SymbolShape::Fixed(SymbolSize::Square10), false, "ascii")).unwrap_err();
    assert!(e.to_string().contains("10x10") && e.to_string().contains("16 characters"), "{e}");
}

#[test]
fn dmre_rectangles_round_trip() {
    for (size, _, _) in SIZES.iter().filter(|(s, _, _)| s.is_dmre()) {
        round_trip(b"RELAY0000000012340103", &options(SymbolShape::Fixed(*size), true, "ascii+c40"), None);
    }
}

#[test]
fn oversized_payload_is_an_error() {
    let long = "9".repeat(5000);
    assert!(encode(&long, &SymbolOptions::default()).is_err());
}

#[test]
fn options_parse_and_print() {
    for text in ["square", "rectangular", "auto", "16x16", "8x18", "8x48", "26x64", "144x144"] {
        assert_eq!(SymbolShape::parse(text).unwrap().name(), text);
    }
    assert!(SymbolShape::parse("17x17").unwrap_err().contains("ROWSxCOLUMNS"));
    assert_eq!(Encodation::parse("c40").unwrap().name(), "c40");
    assert_eq!(Encodation::parse("ascii,c40").unwrap(), Encodation::ASCII_C40);
    assert_eq!(Encodation::parse("all").unwrap().name(), "all");
    assert!(Encodation::parse("morse").is_err());
    let json = serde_json::to_string(&SymbolOptions::default()).unwrap();
    assert_eq!(json, r#"{"shape":"square","dmre":false,"encodation":"ascii+c40"}"#);
    assert_eq!(serde_json::from_str::<SymbolOptions>(&json).unwrap(), SymbolOptions::default());
}

#[test]
fn payloads_encoded_through_the_ascii_shortcut_read_back() {
    for payload in ["BENCH0000001010037", "000123000001", "1/3", "JOB7-0000000001-001/003-9"] {
        for shape in [SymbolShape::Square, SymbolShape::Rectangular, SymbolShape::Auto] {
            let symbol = encode(payload, &options(shape, false, "ascii+c40")).unwrap();
            assert_eq!(rxing_read(&symbol, 4).as_deref(), Some(payload.as_bytes()), "{payload}");
        }
    }
}
