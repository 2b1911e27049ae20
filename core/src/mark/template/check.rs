//! Check characters a template can append over the text before them.

use serde::{Deserialize, Serialize};

use crate::mark::payload::check_character;

/// A check-character algorithm (docs/payload.md, "Check fields").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// Luhn (mod 10) over the digits before it; one digit.
    Mod10,
    /// ISO/IEC 7064 MOD 37,36 over the letters and digits before it; one character `0-9A-Z`.
    Mod36,
    /// CRC-16/IBM-3740 (CCITT-FALSE) over the bytes before it; four hex digits.
    Crc16,
    /// CRC-32/ISO-HDLC over the bytes before it; eight hex digits.
    Crc32,
    /// `1` if the `1`s before it are odd in number, so that the total is even (OMR parity).
    Parity,
    /// `1` if the `1`s before it are even in number, so that the total is odd.
    ParityOdd,
}

impl CheckKind {
    pub const ALL: [CheckKind; 6] = [
        CheckKind::Mod10,
        CheckKind::Mod36,
        CheckKind::Crc16,
        CheckKind::Crc32,
        CheckKind::Parity,
        CheckKind::ParityOdd,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Mod10 => "mod10",
            CheckKind::Mod36 => "mod36",
            CheckKind::Crc16 => "crc16",
            CheckKind::Crc32 => "crc32",
            CheckKind::Parity => "parity",
            CheckKind::ParityOdd => "parity-odd",
        }
    }

    pub fn from_name(name: &str) -> Option<CheckKind> {
        CheckKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// How many characters the check adds.
    pub fn width(self) -> usize {
        match self {
            CheckKind::Crc16 => 4,
            CheckKind::Crc32 => 8,
            _ => 1,
        }
    }

    /// Appends the check over `covered` to `out`.
    pub fn append(self, covered: &str, out: &mut String) {
        use std::fmt::Write;
        match self {
            CheckKind::Mod10 => out.push(luhn_digit(covered)),
            CheckKind::Mod36 => out.push(check_character(covered)),
            CheckKind::Crc16 => {
                let crc = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740).checksum(covered.as_bytes());
                let _ = write!(out, "{crc:04X}");
            }
            CheckKind::Crc32 => {
                let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(covered.as_bytes());
                let _ = write!(out, "{crc:08X}");
            }
            CheckKind::Parity | CheckKind::ParityOdd => {
                let ones = covered.bytes().filter(|&b| b == b'1').count();
                let odd_wanted = self == CheckKind::ParityOdd;
                out.push(if (ones % 2 == 1) != odd_wanted { '1' } else { '0' });
            }
        }
    }
}

/// The Luhn check digit over the decimal digits of `text` (other characters are skipped).
pub fn luhn_digit(text: &str) -> char {
    let sum: u32 = text
        .bytes()
        .rev()
        .filter(u8::is_ascii_digit)
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: CheckKind, text: &str) -> String {
        let mut out = String::new();
        kind.append(text, &mut out);
        out
    }

    #[test]
    fn luhn_matches_published_examples() {
        // The classic example 7992739871 has check digit 3; a credit-card test number checks out.
        assert_eq!(luhn_digit("7992739871"), '3');
        assert_eq!(luhn_digit("411111111111111"), '1');
        assert_eq!(luhn_digit("A-7992739871"), '3', "non-digits are skipped");
    }

    #[test]
    fn crcs_match_the_catalogue_check_values() {
        // The CRC catalogue's check value is the CRC of "123456789".
        assert_eq!(check(CheckKind::Crc16, "123456789"), "29B1");
        assert_eq!(check(CheckKind::Crc32, "123456789"), "CBF43926");
    }

    #[test]
    fn parity_makes_the_count_of_ones_even_or_odd() {
        assert_eq!(check(CheckKind::Parity, "1101"), "1");
        assert_eq!(check(CheckKind::Parity, "1100"), "0");
        assert_eq!(check(CheckKind::ParityOdd, "1100"), "1");
        assert_eq!(check(CheckKind::ParityOdd, "1000"), "0");
    }

    #[test]
    fn names_round_trip_and_widths_match_output() {
        for kind in CheckKind::ALL {
            assert_eq!(CheckKind::from_name(kind.name()), Some(kind));
            assert_eq!(check(kind, "DEMO-0000420103").len(), kind.width(), "{kind:?}");
        }
    }
}
