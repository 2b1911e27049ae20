//! Inserter camera logs, read one line at a time in bounded memory (docs/reconcile.md).
//!
//! Two layouts, one read a line, in reading order:
//! - **text**: by default the whole line (trimmed) is the payload. With columns given, the line
//!   is split on runs of spaces or tabs into those columns.
//! - **CSV**: delimited fields (`,` `;` tab or `|`, RFC 4180 quotes within a line), with a header
//!   row naming the columns, or columns given by the caller.
//!
//! Columns: `payload` (aliases `code`, `barcode`, `data`, `read`, `value`), `timestamp` (`time`,
//! `datetime`, `ts`, `date`), `marker` (`envelope`, `station`, `piece`, `env`); any other column is
//! ignored. A read whose payload is empty or a no-read token (`NOREAD` by default, any case) is a
//! failed read. Blank lines and lines starting with `#` are skipped.

use std::io::{self, BufRead, Read};

use sha2::{Digest, Sha256};

/// The longest line accepted: a camera read is short; a longer line is not a log.
pub const MAX_LINE: usize = 16 * 1024;
/// The most fields a CSV line may have.
const MAX_FIELDS: usize = 64;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRead {
    /// 1-based line number in the log.
    pub line: u64,
    /// What the camera read; `None` for a failed read (no-read).
    pub payload: Option<String>,
    pub timestamp: Option<String>,
    /// The envelope, piece or station marker the inserter logged, if any.
    pub marker: Option<String>,
}

/// How the log is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// CSV when the first line is a header naming a payload column, else text.
    #[default]
    Auto,
    Text,
    Csv,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(LogFormat::Auto),
            "text" => Ok(LogFormat::Text),
            "csv" => Ok(LogFormat::Csv),
            other => Err(format!("unknown log format '{other}': use auto, text or csv")),
        }
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Payload,
    Timestamp,
    Marker,
    Ignored,
}

impl Column {
    /// Recognises a column name (header cell or `--columns` entry), case-insensitively.
    pub fn from_name(name: &str) -> Column {
        match name.trim().trim_matches('"').to_ascii_lowercase().as_str() {
            "payload" | "code" | "barcode" | "data" | "read" | "value" => Column::Payload,
            "timestamp" | "time" | "datetime" | "ts" | "date" => Column::Timestamp,
            "marker" | "envelope" | "station" | "piece" | "env" => Column::Marker,
            _ => Column::Ignored,
        }
    }
}

/// How to read a log.
#[derive(Debug, Clone)]
pub struct LogOptions {
    pub format: LogFormat,
    /// The columns in order, for CSV without a header or for split text lines.
    pub columns: Option<Vec<Column>>,
    /// The CSV delimiter; guessed from the first line when `None`.
    pub delimiter: Option<u8>,
    /// Payload values that mean a failed read (compared ignoring case).
    pub noread: Vec<String>,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            format: LogFormat::Auto,
            columns: None,
            delimiter: None,
            noread: vec!["NOREAD".to_string()],
        }
    }
}

/// Why a log cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanLogError {
    #[error("line {line}: longer than {MAX_LINE} bytes: this is not an inserter camera log")]
    LineTooLong { line: u64 },
    #[error("line {line}: more than {MAX_FIELDS} fields or an unterminated quote")]
    BadCsvLine { line: u64 },
    #[error("the CSV header (line {line}) names no payload column (payload, code, barcode, data, read or value); give --columns")]
    NoPayloadColumn { line: u64 },
    #[error("--columns names no payload column")]
    NoPayloadInColumns,
    #[error("cannot read the log: {0}")]
    Io(#[from] io::Error),
}

/// A reader that hashes and counts what passes through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader { inner, hasher: Sha256::new(), bytes: 0 }
    }

    /// Bytes read so far and their lower-case hex SHA-256.
    pub fn digest(&self) -> (u64, String) {
        (self.bytes, crate::ingest::hex(&self.hasher.clone().finalize()))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// The reads of a log, in order.
pub struct ScanLog<R: BufRead> {
    reader: R,
    options: LogOptions,
    /// Decided at the first line.
    layout: Option<Layout>,
    line: u64,
    buffer: Vec<u8>,
    fields: Vec<u8>,
    ends: Vec<usize>,
}

enum Layout {
    WholeLine,
    Split(Vec<Column>),
    /// Building a CSV reader compiles its state machine: one is built and reset for each line.
    Csv {
        reader: Box<csv_core::Reader>,
        columns: Vec<Column>,
    },
}

fn csv_layout(delimiter: u8, columns: Vec<Column>) -> Layout {
    Layout::Csv { reader: Box::new(csv_core::ReaderBuilder::new().delimiter(delimiter).build()), columns }
}

impl<R: BufRead> ScanLog<R> {
    pub fn new(reader: R, options: LogOptions) -> Result<Self, ScanLogError> {
        if let Some(columns) = &options.columns {
            if !columns.contains(&Column::Payload) {
                return Err(ScanLogError::NoPayloadInColumns);
            }
        }
        Ok(ScanLog {
            reader,
            options,
            layout: None,
            line: 0,
            buffer: Vec::new(),
            fields: Vec::new(),
            ends: vec![0; MAX_FIELDS],
        })
    }

    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// Reads the next line into the buffer, at most [`MAX_LINE`] bytes; `false` at the end.
    fn next_line(&mut self) -> Result<bool, ScanLogError> {
        self.buffer.clear();
        self.line += 1;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(!self.buffer.is_empty());
            }
            let (take, done) = match available.iter().position(|&b| b == b'\n') {
                Some(at) => (at + 1, true),
                None => (available.len(), false),
            };
            if self.buffer.len() + take > MAX_LINE + 1 {
                return Err(ScanLogError::LineTooLong { line: self.line });
            }
            self.buffer.extend_from_slice(&available[..take]);
            self.reader.consume(take);
            if done {
                return Ok(true);
            }
        }
    }

    fn decide_layout(&mut self, text: &str) -> Result<bool, ScanLogError> {
        let guess = self.options.delimiter.or_else(|| guess_delimiter(text));
        let header: Option<Vec<Column>> = guess.map(|d| split_csv_header(text, d));
        let header_names_payload = header.as_ref().is_some_and(|h| h.contains(&Column::Payload));
        let csv = match self.options.format {
            LogFormat::Csv => true,
            LogFormat::Text => false,
            LogFormat::Auto => header_names_payload,
        };
        let (layout, header_line) = match (csv, &self.options.columns) {
            (true, Some(columns)) => (csv_layout(guess.unwrap_or(b','), columns.clone()), false),
            (true, None) => match header {
                Some(columns) if header_names_payload => (csv_layout(guess.unwrap_or(b','), columns), true),
                _ => return Err(ScanLogError::NoPayloadColumn { line: self.line }),
            },
            (false, Some(columns)) => (Layout::Split(columns.clone()), false),
            (false, None) => (Layout::WholeLine, false),
        };
        self.layout = Some(layout);
        Ok(header_line)
    }

    fn parse(&mut self, text: &str) -> Result<ScanRead, ScanLogError> {
        let line = self.line;
        let mut read = ScanRead { line, payload: None, timestamp: None, marker: None };
        let mut assign = |column: Column, value: &str| {
            let value = value.trim();
            let slot = match column {
                Column::Payload => &mut read.payload,
                Column::Timestamp => &mut read.timestamp,
                Column::Marker => &mut read.marker,
                Column::Ignored => return,
            };
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value.to_string());
            }
        };
        match self.layout.as_mut().expect("layout decided at the first line") {
            Layout::WholeLine => assign(Column::Payload, text),
            Layout::Split(columns) => {
                for (column, value) in columns.iter().zip(text.split_whitespace()) {
                    assign(*column, value);
                }
            }
            Layout::Csv { reader, columns } => {
                reader.reset();
                let mut input = text.as_bytes().to_vec();
                input.push(b'\n');
                self.fields.resize(input.len(), 0);
                let (result, _, _, count) = reader.read_record(&input, &mut self.fields, &mut self.ends);
                if result != csv_core::ReadRecordResult::Record {
                    return Err(ScanLogError::BadCsvLine { line });
                }
                let mut start = 0;
                for (column, &end) in columns.iter().zip(&self.ends[..count]) {
                    assign(*column, &String::from_utf8_lossy(&self.fields[start..end]));
                    start = end;
                }
            }
        }
        if read
            .payload
            .as_deref()
            .is_some_and(|p| self.options.noread.iter().any(|t| t.eq_ignore_ascii_case(p)))
        {
            read.payload = None;
        }
        Ok(read)
    }
}

impl<R: BufRead> Iterator for ScanLog<R> {
    type Item = Result<ScanRead, ScanLogError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.next_line() {
                Err(e) => return Some(Err(e)),
                Ok(false) => return None,
                Ok(true) => {}
            }
            let raw = String::from_utf8_lossy(&self.buffer).into_owned();
            let text = raw.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() || text.trim_start().starts_with('#') {
                continue;
            }
            if self.layout.is_none() {
                match self.decide_layout(text) {
                    Err(e) => return Some(Err(e)),
                    Ok(true) => continue, // a header line
                    Ok(false) => {}
                }
            }
            return Some(self.parse(text));
        }
    }
}

/// The delimiter that occurs in the line, in order of preference.
fn guess_delimiter(line: &str) -> Option<u8> {
    [b',', b';', b'\t', b'|'].into_iter().find(|&d| line.as_bytes().contains(&d))
}

fn split_csv_header(line: &str, delimiter: u8) -> Vec<Column> {
    line.split(delimiter as char).map(Column::from_name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(text: &str, options: LogOptions) -> Vec<ScanRead> {
        ScanLog::new(text.as_bytes(), options).unwrap().collect::<Result<_, _>>().unwrap()
    }

    fn payloads(reads: &[ScanRead]) -> Vec<Option<&str>> {
        reads.iter().map(|r| r.payload.as_deref()).collect()
    }

    #[test]
    fn text_logs_take_the_whole_line_and_know_noreads() {
        let log = "# camera 1\nA-1\r\n\n  noread \nB 2\n";
        let reads = reads(log, LogOptions::default());
        assert_eq!(payloads(&reads), [Some("A-1"), None, Some("B 2")]);
        assert_eq!(reads.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4, 5]);
    }

    #[test]
    fn csv_logs_are_recognised_by_their_header_in_any_column_order() {
        let log = "Time;Station;Barcode\n10:00:01;E1;\"A;1\"\n10:00:02;E1;\n10:00:03;E2;NoRead\n";
        let reads = reads(log, LogOptions::default());
        assert_eq!(payloads(&reads), [Some("A;1"), None, None]);
        assert_eq!(reads[0].timestamp.as_deref(), Some("10:00:01"));
        assert_eq!(reads[2].marker.as_deref(), Some("E2"));
    }

    #[test]
    fn columns_can_be_given_for_headerless_logs() {
        let options = LogOptions {
            columns: Some(vec![Column::Timestamp, Column::Payload, Column::Marker]),
            ..LogOptions::default()
        };
        let text = reads("2026-05-01T10:00:00Z  X-1\tENV7\n", options.clone());
        assert_eq!((text[0].payload.as_deref(), text[0].marker.as_deref()), (Some("X-1"), Some("ENV7")));
        let csv = LogOptions { format: LogFormat::Csv, ..options };
        let csv = reads("t,X-2,E9\n", csv);
        assert_eq!(csv[0].payload.as_deref(), Some("X-2"));
    }

    #[test]
    fn bad_logs_are_refused_with_the_line() {
        let long = format!("{}\n", "9".repeat(MAX_LINE + 10));
        let error =
            ScanLog::new(long.as_bytes(), LogOptions::default()).unwrap().next().unwrap().unwrap_err();
        assert!(error.to_string().contains("line 1"), "{error}");
        let csv = LogOptions { format: LogFormat::Csv, ..LogOptions::default() };
        let error = ScanLog::new("a,b\n1,2\n".as_bytes(), csv).unwrap().next().unwrap().unwrap_err();
        assert!(matches!(error, ScanLogError::NoPayloadColumn { line: 1 }), "{error}");
    }
}
