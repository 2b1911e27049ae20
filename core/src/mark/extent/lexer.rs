//! The content-stream tokens the extent scan needs: numbers, names, the byte length of
//! strings, `TJ` arrays summed up, dictionaries skipped, and operators.

/// A token's value, as far as operators need it.
#[derive(Debug, Clone)]
pub(super) enum Operand<'t> {
    Number(f64),
    Name(&'t [u8]),
    /// A string: its length in bytes.
    Text(usize),
    /// A `TJ` array: bytes of its strings and the sum of its numbers' magnitudes.
    Array {
        bytes: usize,
        kerning: f64,
    },
    Other,
}

pub(super) enum Token<'t> {
    Operand(Operand<'t>),
    Operator(&'t [u8]),
}

pub(super) struct Lexer<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Lexer<'t> {
    pub(super) fn new(bytes: &'t [u8]) -> Self {
        Lexer { bytes, at: 0 }
    }
}

const WHITE: u8 = 1;
const DELIMITER: u8 = 2;

/// Each byte's class: white space, delimiter or regular (0).
static CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let white = b"\0\t\n\x0c\r ";
    let mut i = 0;
    while i < white.len() {
        class[white[i] as usize] = WHITE;
        i += 1;
    }
    let delimiters = b"()<>[]{}/%";
    let mut i = 0;
    while i < delimiters.len() {
        class[delimiters[i] as usize] = DELIMITER;
        i += 1;
    }
    class
};

fn is_white(b: u8) -> bool {
    CLASS[b as usize] == WHITE
}

impl<'t> Lexer<'t> {
    /// The next token; `Ok(None)` at the end; `None` (outer) on malformed input.
    pub(super) fn next_token(&mut self) -> Option<Option<Token<'t>>> {
        self.skip_space();
        let Some(&b) = self.bytes.get(self.at) else { return Some(None) };
        let token = match b {
            b'/' => {
                self.at += 1;
                Token::Operand(Operand::Name(self.regular()))
            }
            b'(' => Token::Operand(Operand::Text(self.literal_string()?)),
            b'<' if self.bytes.get(self.at + 1) == Some(&b'<') => {
                self.dictionary()?;
                Token::Operand(Operand::Other)
            }
            b'<' => Token::Operand(Operand::Text(self.hex_string()?)),
            b'[' => Token::Operand(self.array()?),
            b']' | b'>' | b')' | b'{' | b'}' => return None,
            _ => {
                let word = self.regular();
                if word.is_empty() {
                    return None;
                }
                match parse_number(word) {
                    Some(v) => Token::Operand(Operand::Number(v)),
                    None => Token::Operator(word),
                }
            }
        };
        Some(Some(token))
    }

    fn skip_space(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            if is_white(b) {
                self.at += 1;
            } else if b == b'%' {
                while self.bytes.get(self.at).is_some_and(|&c| c != b'\n' && c != b'\r') {
                    self.at += 1;
                }
            } else {
                break;
            }
        }
    }

    fn regular(&mut self) -> &'t [u8] {
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(|&b| CLASS[b as usize] == 0) {
            self.at += 1;
        }
        &self.bytes[start..self.at]
    }

    /// Skips a literal string (balanced parentheses, backslash escapes); its byte count, an
    /// upper bound of the glyphs it shows.
    fn literal_string(&mut self) -> Option<usize> {
        self.at += 1;
        let (mut depth, mut count) = (1usize, 0usize);
        while depth > 0 {
            let rest = self.bytes.get(self.at..)?;
            let plain = memchr::memchr3(b'\\', b'(', b')', rest)?;
            count += plain;
            self.at += plain + 1;
            match rest[plain] {
                b'\\' => {
                    self.at += 1;
                    count += 1;
                }
                b'(' => {
                    depth += 1;
                    count += 1;
                }
                _ => {
                    depth -= 1;
                    count += (depth > 0) as usize;
                }
            }
        }
        Some(count)
    }

    fn hex_string(&mut self) -> Option<usize> {
        self.at += 1;
        let mut digits = 0usize;
        loop {
            let b = *self.bytes.get(self.at)?;
            self.at += 1;
            match b {
                b'>' => return Some(digits.div_ceil(2)),
                b if b.is_ascii_hexdigit() => digits += 1,
                b if is_white(b) => {}
                _ => return None,
            }
        }
    }

    /// An array: the bytes of its strings and the magnitudes of its numbers (for `TJ`).
    fn array(&mut self) -> Option<Operand<'t>> {
        self.at += 1;
        let (mut bytes, mut kerning) = (0usize, 0f64);
        loop {
            self.skip_space();
            match *self.bytes.get(self.at)? {
                b']' => {
                    self.at += 1;
                    return Some(Operand::Array { bytes, kerning });
                }
                b'[' => return None,
                _ => match self.next_token()?? {
                    Token::Operand(Operand::Text(n)) => bytes += n,
                    Token::Operand(Operand::Number(v)) if v.is_finite() => kerning += v.abs(),
                    Token::Operand(_) => {}
                    Token::Operator(_) => return None,
                },
            }
        }
    }

    /// Skips a dictionary (the operand of `BDC`, `DP`), nested ones included.
    fn dictionary(&mut self) -> Option<()> {
        self.at += 2;
        let mut depth = 1usize;
        while depth > 0 {
            self.skip_space();
            match *self.bytes.get(self.at)? {
                b'<' if self.bytes.get(self.at + 1) == Some(&b'<') => {
                    self.at += 2;
                    depth += 1;
                }
                b'>' if self.bytes.get(self.at + 1) == Some(&b'>') => {
                    self.at += 2;
                    depth -= 1;
                }
                b'(' => {
                    self.literal_string()?;
                }
                b'<' => {
                    self.hex_string()?;
                }
                b'/' => {
                    self.at += 1;
                    self.regular();
                }
                b'[' | b']' => self.at += 1,
                _ => {
                    if self.regular().is_empty() {
                        return None;
                    }
                }
            }
        }
        Some(())
    }
}

fn parse_number(word: &[u8]) -> Option<f64> {
    let first = *word.first()?;
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    plain_decimal(word).or_else(|| std::str::from_utf8(word).ok()?.parse::<f64>().ok())
}

/// The value of a plain decimal (`12`, `-3.5`, `.25`, `4.`) of at most 15 digits, the form
/// nearly every number in a content stream takes; `None` for anything else. The digits make an
/// integer that `f64` holds exactly and the divisor is an exact power of ten, so the one rounding
/// of the division gives the same value as parsing the text.
fn plain_decimal(word: &[u8]) -> Option<f64> {
    const POWERS: [f64; 16] =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let (negative, digits) = match word.first()? {
        b'-' => (true, &word[1..]),
        b'+' => (false, &word[1..]),
        _ => (false, word),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let (mut mantissa, mut count, mut fraction, mut point) = (0u64, 0usize, 0usize, false);
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
                fraction += point as usize;
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if count == 0 || count > 15 {
        return None;
    }
    // At most 15 digits: exact as an i64, whose conversion is one instruction (a u64's is several).
    let value = (mantissa as i64) as f64 / POWERS[fraction];
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_parse_to_the_same_value_as_the_standard_parser() {
        let mut words: Vec<String> = [
            "0",
            "-0",
            "12",
            "+7",
            "-3.5",
            ".25",
            "-.002",
            "4.",
            "595.276",
            "841.8898",
            "0.1",
            "0.3",
            "123456789012345",
            "1234567890.12345",
            "-0.00000000000001",
            "999999999999999.",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Coordinates as writers print them: up to six decimals.
        let mut x = 1u64;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let whole = (x >> 40) % 100_000;
            let decimals = (x >> 8) % 7;
            let fraction = (x >> 16) % 10u64.pow(decimals as u32);
            let sign = if x & 1 == 0 { "" } else { "-" };
            words.push(match decimals {
                0 => format!("{sign}{whole}"),
                d => format!("{sign}{whole}.{fraction:0width$}", width = d as usize),
            });
        }
        for word in &words {
            let expected: f64 = word.parse().unwrap();
            let got = plain_decimal(word.as_bytes()).unwrap_or_else(|| panic!("{word}"));
            assert_eq!(got.to_bits(), expected.to_bits(), "{word}");
        }
        for other in ["1e5", "1.2.3", "--1", "-", ".", "12a", "1234567890123456", "0.1234567890123456"] {
            assert_eq!(plain_decimal(other.as_bytes()), None, "{other}");
        }
        // The fallback still reads what the standard parser reads.
        assert_eq!(parse_number(b"1e5"), Some(1e5));
        assert_eq!(parse_number(b"1234567890123456"), Some(1234567890123456.0));
    }
}
