//! The content-stream tokens the extent scan needs: numbers, names, the byte length of
//! strings, `TJ` arrays summed up, dictionaries skipped, and operators.

/// A token's value, as far as operators need it.
#[derive(Debug, Clone)]
pub(super) enum Operand {
    Number(f64),
    Name(Vec<u8>),
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
    Operand(Operand),
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

fn is_white(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

impl<'t> Lexer<'t> {
    /// The next token; `Ok(None)` at the end; `None` (outer) on malformed input.
    pub(super) fn next_token(&mut self) -> Option<Option<Token<'t>>> {
        self.skip_space();
        let Some(&b) = self.bytes.get(self.at) else { return Some(None) };
        let token = match b {
            b'/' => {
                self.at += 1;
                Token::Operand(Operand::Name(self.regular().to_vec()))
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
        while self.bytes.get(self.at).is_some_and(|&b| !is_white(b) && !is_delimiter(b)) {
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
            let b = *self.bytes.get(self.at)?;
            self.at += 1;
            match b {
                b'\\' => {
                    self.at += 1;
                    count += 1;
                }
                b'(' => {
                    depth += 1;
                    count += 1;
                }
                b')' => {
                    depth -= 1;
                    count += (depth > 0) as usize;
                }
                _ => count += 1,
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
    fn array(&mut self) -> Option<Operand> {
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
    std::str::from_utf8(word).ok()?.parse::<f64>().ok()
}
