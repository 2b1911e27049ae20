//! A stream's decoded data, appended to a buffer the caller reuses: plain Flate (the filter of
//! nearly all page content) is inflated straight from the file's bytes with one decompressor per
//! thread; everything else goes through lopdf's filters. Both give the same bytes.

use crate::pdf::Entry as _;
use std::cell::RefCell;

use lopdf::Object;

use super::store::RawStream;

/// Why a stream's data could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainError {
    /// It decodes to more than the limit.
    TooLarge,
    /// A filter failed or is not one lopdf decodes.
    Undecodable,
}

thread_local! {
    /// Each thread's decompressor and the buffer it inflates into (libdeflate inflates whole
    /// buffers only: into room given in advance).
    static INFLATER: RefCell<(libdeflater::Decompressor, Vec<u8>)> =
        RefCell::new((libdeflater::Decompressor::new(), Vec::new()));
}

/// The room first given to an inflated stream: most page content inflates to a few times its
/// compressed size.
const FIRST_ROOM: usize = 64 * 1024;
/// A buffer grown by one huge stream is not kept.
const KEPT_ROOM: usize = 4 << 20;

/// Appends the decoded data of `stream` to `out`, failing when it would grow `out` by more than
/// `limit` bytes.
pub fn append_plain(stream: &RawStream, limit: usize, out: &mut Vec<u8>) -> Result<(), PlainError> {
    let start = out.len();
    match stream.dict.entry(b"Filter") {
        None if stream.data.len() <= limit => {
            out.extend_from_slice(stream.data);
            return Ok(());
        }
        Some(Object::Name(name)) if name == b"FlateDecode" && !stream.dict.has(b"DecodeParms") => {
            if inflate(stream.data, limit, out).is_ok() {
                return Ok(());
            }
            out.truncate(start);
        }
        _ => {}
    }
    // Anything else, and Flate data that did not inflate cleanly: as lopdf decodes it.
    match stream.to_stream().get_plain_content_with_limit(limit) {
        Ok(plain) => {
            out.extend_from_slice(&plain);
            Ok(())
        }
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            Err(PlainError::TooLarge)
        }
        Err(_) => Err(PlainError::Undecodable),
    }
}

/// Inflates a complete zlib stream onto `out`; any error, or more than `limit` bytes, is a
/// failure (the caller then asks lopdf, which has the last word). The room is doubled until the
/// data fits or exceeds the limit, so a bomb costs at most twice the limit.
fn inflate(data: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<(), ()> {
    INFLATER.with(|cell| {
        let (inflater, room) = &mut *cell.borrow_mut();
        let mut size = FIRST_ROOM.max(data.len().saturating_mul(4)).min(limit.saturating_add(1));
        let result = loop {
            if room.len() < size {
                room.resize(size, 0);
            }
            match inflater.zlib_decompress(data, &mut room[..size]) {
                Ok(n) if n <= limit => {
                    out.extend_from_slice(&room[..n]);
                    break Ok(());
                }
                Err(libdeflater::DecompressionError::InsufficientSpace) if size <= limit => {
                    size = size.saturating_mul(2).min(limit.saturating_add(1));
                }
                _ => break Err(()),
            }
        };
        if room.len() > KEPT_ROOM {
            *room = Vec::new();
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};
    use std::borrow::Cow;
    use std::io::Write;

    fn raw<'a>(dict: &'a lopdf::Dictionary, data: &'a [u8]) -> RawStream<'a> {
        RawStream { dict: Cow::Borrowed(dict), data }
    }

    #[test]
    fn flate_data_decodes_as_lopdf_decodes_it() {
        let text: Vec<u8> =
            (0..20_000u32).flat_map(|i| format!("{} {} m ", i % 97, i % 13).into_bytes()).collect();
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&text).unwrap();
        let packed = encoder.finish().unwrap();
        let dict = dictionary! { "Filter" => "FlateDecode" };
        let reference = Stream::new(dict.clone(), packed.clone()).get_plain_content().unwrap();
        let mut out = b"prefix".to_vec();
        append_plain(&raw(&dict, &packed), 1 << 20, &mut out).unwrap();
        assert_eq!(&out[6..], reference.as_slice());
        assert_eq!(append_plain(&raw(&dict, &packed), 1000, &mut Vec::new()), Err(PlainError::TooLarge));
        // Cut short: lopdf decides what is left.
        let cut = &packed[..packed.len() / 2];
        let expected = Stream::new(dict.clone(), cut.to_vec()).get_plain_content_with_limit(1 << 20);
        let mut out = Vec::new();
        let ours = append_plain(&raw(&dict, cut), 1 << 20, &mut out);
        match expected {
            Ok(plain) => assert_eq!((ours, out), (Ok(()), plain)),
            Err(_) => assert_eq!(ours, Err(PlainError::Undecodable)),
        }
        let plain = lopdf::Dictionary::new();
        let mut out = Vec::new();
        append_plain(&raw(&plain, b"0 0 m"), 10, &mut out).unwrap();
        assert_eq!(out, b"0 0 m");
    }
}
