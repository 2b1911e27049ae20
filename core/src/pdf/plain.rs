//! A stream's decoded data, read where it was decoded or appended to a buffer the caller reuses:
//! plain Flate (the filter of nearly all page content) is inflated straight from the file's bytes
//! with one decompressor per thread; everything else goes through lopdf's filters. Both give the
//! same bytes.

use crate::pdf::Entry as _;
use std::cell::{Cell, RefCell};

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
    /// Each thread's decompressor.
    static DECOMPRESSOR: RefCell<libdeflater::Decompressor> = RefCell::new(libdeflater::Decompressor::new());
    /// Each thread's buffer to inflate into (libdeflate inflates whole buffers only: into room
    /// given in advance); taken while in use, so that reading what it holds may inflate again.
    static ROOM: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The room first given to an inflated stream: most page content inflates to a few times its
/// compressed size.
const FIRST_ROOM: usize = 64 * 1024;
/// A buffer grown by one huge stream is not kept.
const KEPT_ROOM: usize = 4 << 20;

/// Appends the decoded data of `stream` to `out`, failing when it would grow `out` by more than
/// `limit` bytes.
pub fn append_plain(stream: &RawStream, limit: usize, out: &mut Vec<u8>) -> Result<(), PlainError> {
    read_plain(stream, limit, |plain| out.extend_from_slice(plain))
}

/// Calls `read` with the decoded data of `stream`, failing when it is more than `limit` bytes:
/// unfiltered data where it lies, plain Flate where it was inflated, without copying either.
pub fn read_plain<R>(
    stream: &RawStream,
    limit: usize,
    read: impl FnOnce(&[u8]) -> R,
) -> Result<R, PlainError> {
    match stream.dict.entry(b"Filter") {
        None if stream.data.len() <= limit => return Ok(read(stream.data)),
        Some(Object::Name(name)) if name == b"FlateDecode" && !stream.dict.has(b"DecodeParms") => {
            if let Some(inflated) = inflate(stream.data, limit) {
                return Ok(read(inflated.plain()));
            }
        }
        _ => {}
    }
    // Anything else, and Flate data that did not inflate cleanly: as lopdf decodes it.
    match stream.to_stream().get_plain_content_with_limit(limit) {
        Ok(plain) => Ok(read(&plain)),
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            Err(PlainError::TooLarge)
        }
        Err(_) => Err(PlainError::Undecodable),
    }
}

/// A stream inflated into the thread's buffer, which is out of its slot while this is held and
/// put back when it is dropped.
struct Inflated {
    room: Vec<u8>,
    len: usize,
}

impl Inflated {
    fn plain(&self) -> &[u8] {
        &self.room[..self.len]
    }
}

impl Drop for Inflated {
    fn drop(&mut self) {
        if self.room.len() <= KEPT_ROOM {
            ROOM.set(std::mem::take(&mut self.room));
        }
    }
}

/// Inflates a complete zlib stream into the thread's buffer; any error, or more than `limit`
/// bytes, is `None` (the caller then asks lopdf, which has the last word). The room is doubled
/// until the data fits or exceeds the limit, so a bomb costs at most twice the limit.
fn inflate(data: &[u8], limit: usize) -> Option<Inflated> {
    let mut inflated = Inflated { room: ROOM.take(), len: 0 };
    let mut size = FIRST_ROOM.max(data.len().saturating_mul(4)).min(limit.saturating_add(1));
    inflated.len = DECOMPRESSOR.with(|cell| {
        let mut inflater = cell.borrow_mut();
        let room = &mut inflated.room;
        loop {
            if room.len() < size {
                room.resize(size, 0);
            }
            match inflater.zlib_decompress(data, &mut room[..size]) {
                Ok(n) if n <= limit => break Some(n),
                Err(libdeflater::DecompressionError::InsufficientSpace) if size <= limit => {
                    size = size.saturating_mul(2).min(limit.saturating_add(1));
                }
                _ => break None,
            }
        }
    })?;
    Some(inflated)
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
    fn data_read_where_it_was_inflated_is_what_is_appended_even_when_reading_inflates_again() {
        let pack = |text: &[u8]| {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(text).unwrap();
            encoder.finish().unwrap()
        };
        let dict = dictionary! { "Filter" => "FlateDecode" };
        let (outer, inner) = (b"BT /F1 12 Tf (outer) Tj ET".repeat(500), b"0 0 m 10 10 l S".repeat(300));
        let (outer_packed, inner_packed) = (pack(&outer), pack(&inner));
        let mut appended = Vec::new();
        append_plain(&raw(&dict, &outer_packed), 1 << 20, &mut appended).unwrap();
        assert_eq!(appended, outer);
        let both = read_plain(&raw(&dict, &outer_packed), 1 << 20, |outer_read| {
            let inner_read = read_plain(&raw(&dict, &inner_packed), 1 << 20, <[u8]>::to_vec).unwrap();
            (outer_read.to_vec(), inner_read)
        });
        assert_eq!(both, Ok((outer.clone(), inner)));
        assert_eq!(read_plain(&raw(&dict, &outer_packed), 100, |_| ()), Err(PlainError::TooLarge));
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
