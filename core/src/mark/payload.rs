//! The default sheet payload: what each mark says (see docs/payload.md).
//!
//! `JOB-SSSSSSNNMMC`: the job id, a dash, the item's 6-digit sequence number in the job, the
//! sheet number and the item's sheet count (2 digits each) and one ISO 7064 MOD 37,36 check
//! character over all letters and digits before it. Example: `DEMO-0000420103Q`.

use serde::{Deserialize, Serialize};

/// The longest job id.
pub const MAX_JOB_ID_LEN: usize = 12;
/// The largest item sequence number the default payload can carry.
pub const MAX_ITEM_SEQ: usize = 999_999;
/// The largest sheet count per item the default payload can carry.
pub const MAX_SHEETS_PER_ITEM: usize = 99;

/// What one sheet's mark identifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetPayload {
    pub job: String,
    /// The item's 1-based position in the job.
    pub item_seq: usize,
    /// Sheet number within the item, 1-based.
    pub sheet: usize,
    /// The item's sheet count.
    pub sheets: usize,
}

/// Why a payload cannot be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    #[error("job id '{0}' is invalid: use 1 to {MAX_JOB_ID_LEN} characters A-Z, 0-9 and '-', starting with a letter or digit")]
    InvalidJobId(String),
    #[error("item {item_seq} is beyond the default payload's 6-digit item sequence (at most {MAX_ITEM_SEQ} items a job); split the job")]
    ItemSeqOverflow { item_seq: usize },
    #[error("item {item_seq} has {sheets} sheets; the default payload carries at most {MAX_SHEETS_PER_ITEM} sheets an item")]
    TooManySheets { item_seq: usize, sheets: usize },
    #[error("payload is not in the default format JOB-SSSSSSNNMMC")]
    Malformed,
    #[error("payload check character is wrong: a misread or a forged mark")]
    BadCheck,
}

/// Checks that a job id is short and safe for marks, file names and logs.
pub fn validate_job_id(job: &str) -> Result<(), PayloadError> {
    let ok = !job.is_empty()
        && job.len() <= MAX_JOB_ID_LEN
        && job.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && !job.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(PayloadError::InvalidJobId(job.chars().take(40).collect()))
    }
}

impl SheetPayload {
    /// Formats the payload in the default format.
    pub fn encode(&self) -> Result<String, PayloadError> {
        validate_job_id(&self.job)?;
        if self.item_seq == 0 || self.item_seq > MAX_ITEM_SEQ {
            return Err(PayloadError::ItemSeqOverflow { item_seq: self.item_seq });
        }
        if self.sheets == 0
            || self.sheets > MAX_SHEETS_PER_ITEM
            || self.sheet == 0
            || self.sheet > self.sheets
        {
            return Err(PayloadError::TooManySheets { item_seq: self.item_seq, sheets: self.sheets });
        }
        let mut text = format!("{}-{:06}{:02}{:02}", self.job, self.item_seq, self.sheet, self.sheets);
        text.push(check_character(&text));
        Ok(text)
    }

    /// Reads a payload in the default format, verifying its check character.
    pub fn decode(text: &str) -> Result<SheetPayload, PayloadError> {
        if !text.is_ascii() || text.is_empty() {
            return Err(PayloadError::Malformed);
        }
        let (body, check) = text.split_at(text.len() - 1);
        let (job, digits) = body.rsplit_once('-').ok_or(PayloadError::Malformed)?;
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PayloadError::Malformed);
        }
        validate_job_id(job).map_err(|_| PayloadError::Malformed)?;
        if !check.starts_with(check_character(body)) {
            return Err(PayloadError::BadCheck);
        }
        let number = |range: std::ops::Range<usize>| {
            digits[range].parse::<usize>().map_err(|_| PayloadError::Malformed)
        };
        let payload = SheetPayload {
            job: job.to_string(),
            item_seq: number(0..6)?,
            sheet: number(6..8)?,
            sheets: number(8..10)?,
        };
        // Only what the encoder makes: item 1 or more, sheet n of m with 1 <= n <= m.
        if payload.item_seq == 0 || payload.sheet == 0 || payload.sheet > payload.sheets {
            return Err(PayloadError::Malformed);
        }
        Ok(payload)
    }
}

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// ISO/IEC 7064 MOD 37,36 (hybrid) check character over the letters and digits of `text`;
/// other characters are skipped. Detects every single substitution and about 99% of adjacent
/// transpositions.
pub fn check_character(text: &str) -> char {
    let mut p = 36u32;
    for value in text.bytes().filter_map(char_value) {
        let mut s = (p + value) % 36;
        if s == 0 {
            s = 36;
        }
        p = (s * 2) % 37;
    }
    ALPHABET[((37 - p) % 36) as usize] as char
}

fn char_value(byte: u8) -> Option<u32> {
    match byte {
        b'0'..=b'9' => Some((byte - b'0') as u32),
        b'A'..=b'Z' => Some((byte - b'A') as u32 + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SheetPayload {
        SheetPayload { job: "DEMO-1".into(), item_seq: 42, sheet: 1, sheets: 3 }
    }

    #[test]
    fn round_trip() {
        let text = sample().encode().unwrap();
        assert!(text.starts_with("DEMO-1-0000420103"), "{text}");
        assert_eq!(text.len(), "DEMO-1-0000420103".len() + 1);
        assert_eq!(SheetPayload::decode(&text).unwrap(), sample());
    }

    #[test]
    fn check_character_catches_every_single_substitution() {
        let text = sample().encode().unwrap();
        for position in 0..text.len() - 1 {
            for replacement in ALPHABET.iter().map(|&b| b as char) {
                let mut altered: Vec<char> = text.chars().collect();
                if altered[position] == replacement || altered[position] == '-' {
                    continue;
                }
                altered[position] = replacement;
                let altered: String = altered.into_iter().collect();
                assert!(SheetPayload::decode(&altered).is_err(), "{altered} was accepted");
            }
        }
    }

    #[test]
    fn limits_are_enforced() {
        let mut p = sample();
        p.item_seq = MAX_ITEM_SEQ + 1;
        assert!(matches!(p.encode(), Err(PayloadError::ItemSeqOverflow { .. })));
        let mut p = sample();
        p.sheets = 100;
        p.sheet = 1;
        assert!(matches!(p.encode(), Err(PayloadError::TooManySheets { .. })));
        for bad in ["", "demo", "-A", "A B", "ABCDEFGHIJKLM", "Ä"] {
            assert!(validate_job_id(bad).is_err(), "{bad}");
        }
        assert!(validate_job_id("JOB-2026-11").is_ok());
    }

    #[test]
    fn malformed_payloads_are_refused() {
        for bad in [
            "",
            "X",
            "DEMO-12345",
            "DEMO-00004201030",
            "demo-0000420103Q",
            "DEMO0000420103Q",
            "DEMO-000042010é",
            "é",
        ] {
            assert!(SheetPayload::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nearly_all_adjacent_transpositions_are_caught() {
        let (mut caught, mut total) = (0, 0);
        for seq in (1..MAX_ITEM_SEQ).step_by(7919) {
            let text = SheetPayload { job: "J".into(), item_seq: seq, sheet: 1, sheets: 2 }.encode().unwrap();
            let chars: Vec<char> = text.chars().collect();
            for i in 2..chars.len() - 2 {
                if chars[i] == chars[i + 1] {
                    continue;
                }
                let mut swapped = chars.clone();
                swapped.swap(i, i + 1);
                total += 1;
                caught += SheetPayload::decode(&swapped.into_iter().collect::<String>()).is_err() as usize;
            }
        }
        assert!(caught * 1000 >= total * 985, "{caught} of {total}");
    }
}
