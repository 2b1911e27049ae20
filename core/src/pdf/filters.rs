//! Decoding the streams the reader itself needs (cross-reference and object streams): Flate with
//! PNG predictors, bounded in output size. Page content is never decoded here: it is copied.

use std::io::Read;

use lopdf::{Object, Stream};

/// Why a stream cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("filter /{0} is not supported here")]
    Unsupported(String),
    #[error("decompresses to more than {0} bytes")]
    TooLarge(usize),
    #[error("corrupt compressed data")]
    Corrupt,
    #[error("invalid predictor parameters")]
    Predictor,
}

/// Decodes `stream` (no filter, or FlateDecode) to at most `limit` bytes.
pub fn decode(stream: &Stream, limit: usize) -> Result<Vec<u8>, FilterError> {
    let filters: Vec<&[u8]> = match stream.dict.get(b"Filter") {
        Err(_) => Vec::new(),
        Ok(Object::Name(n)) => vec![n.as_slice()],
        Ok(Object::Array(a)) => a.iter().filter_map(|o| o.as_name().ok()).collect(),
        Ok(_) => return Err(FilterError::Unsupported("?".into())),
    };
    match filters.as_slice() {
        [] => Ok(stream.content.clone()),
        [b"FlateDecode" | b"Fl"] => {
            let inflated = inflate(&stream.content, limit)?;
            let params = match stream.dict.get(b"DecodeParms") {
                Ok(Object::Dictionary(d)) => Some(d),
                Ok(Object::Array(a)) => a.first().and_then(|o| o.as_dict().ok()),
                _ => None,
            };
            match params {
                Some(p) => unpredict(inflated, p),
                None => Ok(inflated),
            }
        }
        [other, ..] => Err(FilterError::Unsupported(String::from_utf8_lossy(other).into_owned())),
    }
}

fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, FilterError> {
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(limit));
    let mut decoder = flate2::read::ZlibDecoder::new(data).take(limit as u64 + 1);
    match decoder.read_to_end(&mut out) {
        Ok(_) if out.len() > limit => Err(FilterError::TooLarge(limit)),
        Ok(_) => Ok(out),
        // Truncated streams are common; keep what inflated.
        Err(_) if !out.is_empty() => Ok(out),
        Err(_) => Err(FilterError::Corrupt),
    }
}

/// Undoes a PNG (10-15) predictor; TIFF predictor 2 and others are not used by the streams the
/// reader decodes.
fn unpredict(data: Vec<u8>, params: &lopdf::Dictionary) -> Result<Vec<u8>, FilterError> {
    let int = |key: &[u8], default: i64| params.get(key).and_then(Object::as_i64).unwrap_or(default);
    let predictor = int(b"Predictor", 1);
    if predictor < 10 {
        return if predictor == 1 { Ok(data) } else { Err(FilterError::Predictor) };
    }
    let colors = int(b"Colors", 1);
    let bits = int(b"BitsPerComponent", 8);
    let columns = int(b"Columns", 1);
    if !(1..=4).contains(&colors) || !matches!(bits, 1 | 2 | 4 | 8 | 16) || !(1..=1 << 20).contains(&columns)
    {
        return Err(FilterError::Predictor);
    }
    let bpp = ((colors * bits + 7) / 8).max(1) as usize;
    let row = ((colors * bits * columns + 7) / 8) as usize;
    let mut out = Vec::with_capacity(data.len());
    let mut previous = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        if chunk.len() < row + 1 {
            break;
        }
        let (kind, raw) = (chunk[0], &chunk[1..]);
        let mut current = raw.to_vec();
        for i in 0..row {
            let left = if i >= bpp { current[i - bpp] } else { 0 };
            let up = previous[i];
            let up_left = if i >= bpp { previous[i - bpp] } else { 0 };
            current[i] = match kind {
                0 => current[i],
                1 => current[i].wrapping_add(left),
                2 => current[i].wrapping_add(up),
                3 => current[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => current[i].wrapping_add(paeth(left, up, up_left)),
                _ => return Err(FilterError::Predictor),
            };
        }
        out.extend_from_slice(&current);
        previous = current;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = ((p - i16::from(a)).abs(), (p - i16::from(b)).abs(), (p - i16::from(c)).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn png_up_predictor_is_undone() {
        // Two rows of 3 bytes, the second predicted "Up".
        let encoded = zlib(&[2, 1, 2, 3, 2, 1, 1, 1]);
        let stream = Stream::new(
            dictionary! { "Filter" => "FlateDecode", "DecodeParms" => dictionary! { "Predictor" => 12, "Columns" => 3 } },
            encoded,
        );
        assert_eq!(decode(&stream, 1024).unwrap(), vec![1, 2, 3, 2, 3, 4]);
    }

    #[test]
    fn output_is_bounded() {
        let bomb = zlib(&vec![0u8; 1 << 20]);
        let stream = Stream::new(dictionary! { "Filter" => "FlateDecode" }, bomb);
        assert_eq!(decode(&stream, 1000), Err(FilterError::TooLarge(1000)));
    }
}
