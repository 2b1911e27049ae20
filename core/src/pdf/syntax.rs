//! Parsing PDF objects from bytes (ISO 32000-1, 7.2-7.3), into lopdf's object model so the rest of
//! the pipeline has one currency. Bounded: nesting deeper than [`MAX_NESTING`] is an error, never
//! a stack overflow.

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use smallvec::SmallVec;

/// Arrays and dictionaries nested deeper than this are refused.
pub const MAX_NESTING: usize = 100;

/// A syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {offset}")]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, SyntaxError>;

/// Resolves an indirect `/Length` while a stream is parsed.
pub type LengthResolver<'r> = &'r dyn Fn(ObjectId) -> Option<i64>;

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

/// A cursor over PDF bytes.
pub struct Parser<'a> {
    data: &'a [u8],
    pub pos: usize,
}

impl<'a> Parser<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        Parser { data, pos }
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T> {
        Err(SyntaxError { offset: self.pos, message: message.into() })
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// The byte at `at`, if any.
    pub fn data_at(&self, at: usize) -> Option<u8> {
        self.data.get(at).copied()
    }

    /// Skips white space and comments.
    pub fn skip_space(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Whether the next token is the keyword `word` (followed by a delimiter or white space).
    pub fn at_keyword(&mut self, word: &[u8]) -> bool {
        self.skip_space();
        let end = self.pos + word.len();
        self.data.get(self.pos..end) == Some(word) && self.data.get(end).is_none_or(|&b| !is_regular(b))
    }

    /// Consumes the keyword `word` or fails.
    pub fn expect_keyword(&mut self, word: &[u8]) -> Result<()> {
        if self.at_keyword(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.error(format!("expected '{}'", String::from_utf8_lossy(word)))
        }
    }

    /// Reads an unsigned integer token.
    pub fn read_unsigned(&mut self) -> Result<u64> {
        self.skip_space();
        let start = self.pos;
        let mut value: u64 = 0;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            value = match value.checked_mul(10).and_then(|v| v.checked_add(u64::from(b - b'0'))) {
                Some(v) => v,
                None => return self.error("number too large"),
            };
            self.pos += 1;
        }
        if self.pos == start {
            return self.error("expected a number");
        }
        Ok(value)
    }

    /// Reads `num gen obj`.
    pub fn read_object_header(&mut self) -> Result<ObjectId> {
        let number = self.read_unsigned()?;
        let generation = self.read_unsigned()?;
        self.expect_keyword(b"obj")?;
        match (u32::try_from(number), u16::try_from(generation)) {
            (Ok(n), Ok(g)) => Ok((n, g)),
            _ => self.error("object number out of range"),
        }
    }

    /// Reads one direct object (a stream only through [`Parser::read_indirect_body`]).
    pub fn read_object(&mut self) -> Result<Object> {
        self.read_nested(0)
    }

    fn read_nested(&mut self, depth: usize) -> Result<Object> {
        if depth > MAX_NESTING {
            return self.error(format!("objects nested deeper than {MAX_NESTING} levels"));
        }
        self.skip_space();
        let Some(b) = self.peek() else {
            return self.error("unexpected end of data");
        };
        match b {
            b'/' => Ok(Object::Name(self.read_name()?)),
            b'(' => Ok(Object::String(self.read_literal_string()?, StringFormat::Literal)),
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                Ok(Object::Dictionary(self.read_dictionary(depth)?))
            }
            b'<' => Ok(Object::String(self.read_hex_string()?, StringFormat::Hexadecimal)),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            // Kept for the job: without the room left by growing (a font's
                            // widths, a number in 120 bytes each, in every input).
                            items.shrink_to_fit();
                            return Ok(Object::Array(items));
                        }
                        None => return self.error("unterminated array"),
                        _ => items.push(self.read_nested(depth + 1)?),
                    }
                }
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.read_number_or_reference(),
            _ if is_regular(b) => {
                let start = self.pos;
                while self.peek().is_some_and(is_regular) {
                    self.pos += 1;
                }
                match &self.data[start..self.pos] {
                    b"true" => Ok(Object::Boolean(true)),
                    b"false" => Ok(Object::Boolean(false)),
                    b"null" => Ok(Object::Null),
                    other => {
                        self.pos = start;
                        self.error(format!(
                            "unexpected keyword '{}'",
                            String::from_utf8_lossy(&other[..other.len().min(20)])
                        ))
                    }
                }
            }
            _ => self.error(format!("unexpected byte 0x{b:02x}")),
        }
    }

    fn read_dictionary(&mut self, depth: usize) -> Result<Dictionary> {
        self.pos += 2;
        let mut entries: SmallVec<[(Vec<u8>, Object); 8]> = SmallVec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(b'>') if self.data.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    // Kept for the job: made at its size, without the room left by growing.
                    let mut dict = Dictionary::new();
                    dict.as_hashmap_mut().reserve_exact(entries.len());
                    for (key, value) in entries {
                        dict.set(key, value);
                    }
                    return Ok(dict);
                }
                Some(b'/') => {
                    let key = self.read_name()?;
                    let value = self.read_nested(depth + 1)?;
                    entries.push((key, value));
                }
                None => return self.error("unterminated dictionary"),
                _ => return self.error("dictionary key is not a name"),
            }
        }
    }

    fn read_name(&mut self) -> Result<Vec<u8>> {
        self.pos += 1; // '/'
        let start = self.pos;
        while self.peek().is_some_and(|b| is_regular(b) && b != b'#') {
            self.pos += 1;
        }
        let mut name = self.data[start..self.pos].to_vec();
        while let Some(b) = self.peek().filter(|&b| is_regular(b)) {
            if b == b'#' {
                let hex = self.data.get(self.pos + 1..self.pos + 3).and_then(|h| std::str::from_utf8(h).ok());
                if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    name.push(v);
                    self.pos += 3;
                    continue;
                }
            }
            name.push(b);
            self.pos += 1;
        }
        Ok(name)
    }

    fn read_literal_string(&mut self) -> Result<Vec<u8>> {
        self.pos += 1; // '('
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let Some(b) = self.peek() else {
                return self.error("unterminated string");
            };
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return self.error("unterminated string");
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut value = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        value = value * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((value & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
    }

    fn read_hex_string(&mut self) -> Result<Vec<u8>> {
        self.pos += 1; // '<'
        let mut digits = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return self.error("unterminated hex string");
            };
            self.pos += 1;
            match b {
                b'>' => break,
                b'0'..=b'9' => digits.push(b - b'0'),
                b'a'..=b'f' => digits.push(b - b'a' + 10),
                b'A'..=b'F' => digits.push(b - b'A' + 10),
                _ if is_whitespace(b) => {}
                _ => return self.error("invalid character in hex string"),
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(0);
        }
        Ok(digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect())
    }

    fn read_number_or_reference(&mut self) -> Result<Object> {
        let start = self.pos;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.pos += 1;
        }
        let mut dot = false;
        while let Some(b) = self.peek() {
            match b {
                b'0'..=b'9' => self.pos += 1,
                b'.' if !dot => {
                    dot = true;
                    self.pos += 1
                }
                _ => break,
            }
        }
        let text = std::str::from_utf8(&self.data[start..self.pos]).unwrap_or("");
        if dot {
            return match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Object::Real(v as f32)),
                _ if text == "." || text == "-." || text == "+." => Ok(Object::Real(0.0)),
                _ => self.error("invalid number"),
            };
        }
        let Ok(value) = text.parse::<i64>() else {
            return match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Object::Real(v as f32)),
                _ => self.error("invalid number"),
            };
        };
        // `n g R` is a reference.
        if value >= 0 && !text.starts_with(['+', '-']) {
            let after = self.pos;
            if let Some(reference) = self.try_reference(value) {
                return Ok(reference);
            }
            self.pos = after;
        }
        Ok(Object::Integer(value))
    }

    fn try_reference(&mut self, number: i64) -> Option<Object> {
        self.skip_space();
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start || self.pos - start > 5 {
            return None;
        }
        let generation: u16 = std::str::from_utf8(&self.data[start..self.pos]).ok()?.parse().ok()?;
        if !self.at_keyword(b"R") {
            return None;
        }
        self.pos += 1;
        Some(Object::Reference((u32::try_from(number).ok()?, generation)))
    }

    /// Reads what follows `n g obj`: an object, and for a dictionary followed by `stream`, the
    /// stream's raw bytes (filters untouched).
    pub fn read_indirect_body(&mut self, resolve_length: LengthResolver) -> Result<Object> {
        Ok(match self.read_indirect_parts(resolve_length)? {
            (Object::Dictionary(dict), Some(data)) => Object::Stream(Stream {
                dict,
                content: self.data[data.clone()].to_vec(),
                allows_compression: true,
                start_position: Some(data.start),
            }),
            (object, _) => object,
        })
    }

    /// [`Parser::read_indirect_body`] without copying stream bytes: the object (for a stream,
    /// its dictionary) and, for a stream, where its raw bytes lie in the data.
    pub fn read_indirect_parts(
        &mut self,
        resolve_length: LengthResolver,
    ) -> Result<(Object, Option<std::ops::Range<usize>>)> {
        let object = self.read_object()?;
        let Object::Dictionary(dict) = object else {
            return Ok((object, None));
        };
        if !self.stream_keyword() {
            return Ok((Object::Dictionary(dict), None));
        }
        let start = self.pos;
        let declared = match dict.get(b"Length") {
            Ok(Object::Integer(n)) => Some(*n),
            Ok(Object::Reference(id)) => resolve_length(*id),
            _ => None,
        };
        let end = declared
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| start.checked_add(n))
            .filter(|&end| end <= self.data.len() && Parser::new(self.data, end).at_keyword(b"endstream"))
            .or_else(|| self.find_endstream(start))
            .ok_or_else(|| SyntaxError { offset: start, message: "stream has no 'endstream'".into() })?;
        self.pos = end;
        Ok((Object::Dictionary(dict), Some(start..end)))
    }

    /// A stream whose dictionary holds only `/Length` (a direct integer) and, at most,
    /// `/Filter /FlateDecode` (nearly every page's content), read without building the
    /// dictionary: where its data lies and whether it is Flate. `None` for anything else,
    /// which [`Parser::read_indirect_parts`] then reads. The data must end where `endstream`
    /// is, as that function requires.
    pub fn read_plain_stream(&mut self) -> Option<(std::ops::Range<usize>, bool)> {
        self.skip_space();
        if self.data.get(self.pos..self.pos + 2) != Some(b"<<") {
            return None;
        }
        self.pos += 2;
        let (mut length, mut flate) = (None, None);
        loop {
            self.skip_space();
            match self.peek()? {
                b'>' if self.data_at(self.pos + 1) == Some(b'>') => {
                    self.pos += 2;
                    break;
                }
                b'/' => {}
                _ => return None,
            }
            self.pos += 1;
            let key = self.regular_word();
            if key == b"Length" && length.is_none() {
                let value = self.read_unsigned().ok()?;
                // A number followed by another and R is a reference.
                let mut ahead = Parser::new(self.data, self.pos);
                if ahead.read_unsigned().is_ok() && ahead.at_keyword(b"R") {
                    return None;
                }
                length = Some(usize::try_from(value).ok()?);
            } else if key == b"Filter" && flate.is_none() {
                self.skip_space();
                if self.peek()? != b'/' {
                    return None;
                }
                self.pos += 1;
                if self.regular_word() != b"FlateDecode" {
                    return None;
                }
                flate = Some(true);
            } else {
                return None;
            }
        }
        if !self.stream_keyword() {
            return None;
        }
        let start = self.pos;
        let end = start.checked_add(length?)?;
        if end > self.data.len() || !Parser::new(self.data, end).at_keyword(b"endstream") {
            return None;
        }
        self.pos = end;
        Some((start..end, flate.unwrap_or(false)))
    }

    /// Consumes the keyword `stream` and the end of line after it, where the data begins: false,
    /// consuming nothing, when the next token is something else.
    fn stream_keyword(&mut self) -> bool {
        if !self.at_keyword(b"stream") {
            return false;
        }
        self.pos += b"stream".len();
        // The keyword is followed by CRLF or LF (a lone CR is tolerated).
        match (self.peek(), self.data.get(self.pos + 1)) {
            (Some(b'\r'), Some(b'\n')) => self.pos += 2,
            (Some(b'\n' | b'\r'), _) => self.pos += 1,
            _ => {}
        }
        true
    }

    /// The regular characters from here: a name's or a keyword's bytes (escapes not decoded).
    fn regular_word(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    /// Recovery for a wrong `/Length`: the data ends before the next `endstream` (and its EOL).
    fn find_endstream(&self, start: usize) -> Option<usize> {
        let rest = &self.data[start..];
        let at = memchr_find(rest, b"endstream")?;
        let mut end = start + at;
        if end > start && self.data[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && self.data[end - 1] == b'\r' {
            end -= 1;
        }
        Some(end)
    }
}

/// The first position of `needle` in `haystack`.
pub fn memchr_find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The last position of `needle` in `haystack`.
pub fn memchr_rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Object {
        Parser::new(text.as_bytes(), 0).read_object().unwrap()
    }

    #[test]
    fn every_object_kind_parses() {
        assert_eq!(parse("null"), Object::Null);
        assert_eq!(parse(" true"), Object::Boolean(true));
        assert_eq!(parse("-12"), Object::Integer(-12));
        assert_eq!(parse("3.5"), Object::Real(3.5));
        assert_eq!(parse(".5"), Object::Real(0.5));
        assert_eq!(parse("/A#20B"), Object::Name(b"A B".to_vec()));
        assert_eq!(parse("(a\\(b\\)\\101\\\nc)"), Object::String(b"a(b)Ac".to_vec(), StringFormat::Literal));
        assert_eq!(parse("(x(y)z)"), Object::String(b"x(y)z".to_vec(), StringFormat::Literal));
        assert_eq!(parse("<48 65 6c6>"), Object::String(b"Hel`".to_vec(), StringFormat::Hexadecimal));
        assert_eq!(parse("12 0 R"), Object::Reference((12, 0)));
        assert_eq!(
            parse("[1 2 R 3 4 5 R]"),
            Object::Array(vec![Object::Reference((1, 2)), Object::Integer(3), Object::Reference((4, 5))])
        );
        let dict = parse("<</Type/Page/Kids[1 0 R]%c\n/N -0>>");
        let dict = dict.as_dict().unwrap();
        assert_eq!(dict.get(b"Type").unwrap(), &Object::Name(b"Page".to_vec()));
        assert_eq!(dict.get(b"N").unwrap(), &Object::Integer(0));
    }

    #[test]
    fn streams_take_their_bytes_by_length_or_by_endstream() {
        let text = b"<</Length 5>>\nstream\nhello\nendstream";
        let object = Parser::new(text, 0).read_indirect_body(&|_| None).unwrap();
        assert_eq!(object.as_stream().unwrap().content, b"hello");
        let wrong = b"<</Length 99>>\r\nstream\r\nhi\r\nendstream";
        let object = Parser::new(wrong, 0).read_indirect_body(&|_| None).unwrap();
        assert_eq!(object.as_stream().unwrap().content, b"hi");
        let indirect = b"<</Length 7 0 R>>stream\nabc\nendstream";
        let object = Parser::new(indirect, 0).read_indirect_body(&|id| (id == (7, 0)).then_some(3)).unwrap();
        assert_eq!(object.as_stream().unwrap().content, b"abc");
    }

    #[test]
    fn plain_stream_heads_are_read_without_a_dictionary_and_others_are_left_alone() {
        let read = |text: &str| Parser::new(text.as_bytes(), 0).read_plain_stream();
        let data = "stream\nabcd\nendstream";
        for head in [
            "<</Length 4/Filter/FlateDecode>>",
            "<< /Filter /FlateDecode /Length 4 >>",
            "<< %c\n/Length 4 >>",
        ] {
            let text = format!("{head}{data}");
            let at = text.find("abcd").unwrap();
            let flate = head.contains("Flate");
            assert_eq!(read(&text), Some((at..at + 4, flate)), "{head}");
        }
        for other in [
            "<</Length 4 0 R>>",
            "<</Length 4/Type/XObject>>",
            "<</Length 4/Filter[/FlateDecode]>>",
            "<</Length 4/Filter/DCTDecode>>",
            "<</Length 4/Length 4>>",
            "<</Length 3>>",
            "<</Len#67th 4>>",
            "[1 2]",
        ] {
            assert_eq!(read(&format!("{other}{data}")), None, "{other}");
        }
        assert_eq!(read("<</Length 4>>"), None, "no stream keyword");
    }

    #[test]
    fn hostile_input_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(Parser::new(deep.as_bytes(), 0).read_object().is_err());
        for bad in ["", "(", "<<", "<</A", "[1 2", "<zz>", "/A", "@", "99999999999999999999999"] {
            let _ = Parser::new(bad.as_bytes(), 0).read_object();
        }
        assert!(Parser::new(b"<</A 1>>stream\nno end", 0).read_indirect_body(&|_| None).is_err());
    }
}
