//! A page's content streams, decoded for the scan. Streams filtered only with `FlateDecode` (the
//! usual case) are inflated with one decompressor per thread, reset between streams, straight
//! into the growing buffer; anything else, and any stream that fails that way, goes through
//! lopdf's decoder, so the result is the same bytes lopdf would give.

use std::cell::RefCell;

use flate2::{Decompress, FlushDecompress, Status};
use lopdf::Stream;

/// Why a stream could not be appended.
#[derive(Debug, PartialEq, Eq)]
pub enum Undecoded {
    /// It inflates to more than the room left.
    TooLarge,
    /// Damaged, or in a filter nothing here decodes.
    Failed,
}

thread_local! {
    static INFLATER: RefCell<Decompress> = RefCell::new(Decompress::new(true));
}

/// Appends `stream`'s decoded content to `out`, which may grow by at most `room` bytes.
pub fn append_decoded(stream: &Stream, room: usize, out: &mut Vec<u8>) -> Result<(), Undecoded> {
    let start = out.len();
    let only_flate = matches!(stream.filters().as_deref(), Ok([filter]) if *filter == b"FlateDecode")
        && stream.dict.get(b"DecodeParms").is_err();
    if only_flate && inflate(&stream.content, room, out).is_ok() {
        return Ok(());
    }
    out.truncate(start);
    match stream.get_plain_content_with_limit(room) {
        Ok(plain) => {
            out.extend_from_slice(&plain);
            Ok(())
        }
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            Err(Undecoded::TooLarge)
        }
        Err(_) => Err(Undecoded::Failed),
    }
}

/// Inflates a zlib stream into `out`, at most `room` bytes.
fn inflate(mut input: &[u8], room: usize, out: &mut Vec<u8>) -> Result<(), Undecoded> {
    INFLATER.with(|inflater| {
        let mut inflater = inflater.borrow_mut();
        inflater.reset(true);
        let start = out.len();
        loop {
            let written = out.len() - start;
            if written > room {
                return Err(Undecoded::TooLarge);
            }
            // Room for a typical ratio, and one byte past the limit to notice going over it.
            let want = (input.len() * 4).clamp(16 * 1024, 1 << 20).min(room - written + 1);
            out.reserve(want);
            let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
            let status =
                inflater.decompress_vec(input, out, FlushDecompress::None).map_err(|_| Undecoded::Failed)?;
            input = &input[(inflater.total_in() - before_in) as usize..];
            let progressed = inflater.total_in() != before_in || inflater.total_out() != before_out;
            match status {
                Status::StreamEnd => {
                    return if out.len() - start > room { Err(Undecoded::TooLarge) } else { Ok(()) };
                }
                // A stream cut short: lopdf's decoder decides what it is worth.
                _ if !progressed && input.is_empty() => return Err(Undecoded::Failed),
                _ if !progressed && out.len() < out.capacity() => return Err(Undecoded::Failed),
                _ => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;
    use std::io::Write;

    fn flate(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn inflated_content_is_what_lopdf_decodes_and_the_room_is_kept() {
        let text: Vec<u8> =
            (0..200_000u32).flat_map(|i| format!("{} 0 m {} 1 l S\n", i % 97, i % 13).into_bytes()).collect();
        let stream = Stream::new(dictionary! { "Filter" => "FlateDecode" }, flate(&text));
        let mut out = b"prefix".to_vec();
        append_decoded(&stream, text.len(), &mut out).unwrap();
        assert_eq!(&out[6..], &stream.get_plain_content().unwrap()[..]);
        assert_eq!(&out[6..], &text[..]);
        // One byte less room: too large, as lopdf says.
        let mut out = Vec::new();
        assert_eq!(append_decoded(&stream, text.len() - 1, &mut out), Err(Undecoded::TooLarge));
        // The same decompressor, reset, serves the next stream.
        let small = Stream::new(dictionary! { "Filter" => "FlateDecode" }, flate(b"0 0 1 1 re f"));
        let mut out = Vec::new();
        append_decoded(&small, 100, &mut out).unwrap();
        assert_eq!(out, b"0 0 1 1 re f");
    }

    #[test]
    fn damaged_unfiltered_and_other_filters_go_through_lopdf() {
        let plain = Stream::new(dictionary! {}, b"1 0 0 1 0 0 cm".to_vec());
        let mut out = Vec::new();
        append_decoded(&plain, 100, &mut out).unwrap();
        assert_eq!(out, b"1 0 0 1 0 0 cm");
        // A cut-off stream decodes as far as lopdf takes it, never panics.
        let whole = flate(&vec![b'x'; 50_000]);
        let cut = Stream::new(dictionary! { "Filter" => "FlateDecode" }, whole[..whole.len() / 2].to_vec());
        let mut ours = Vec::new();
        let result = append_decoded(&cut, 1 << 20, &mut ours);
        match cut.get_plain_content_with_limit(1 << 20) {
            Ok(theirs) => assert_eq!((result, ours), (Ok(()), theirs)),
            Err(_) => assert!(result.is_err()),
        }
        let junk = Stream::new(dictionary! { "Filter" => "FlateDecode" }, b"not zlib at all".to_vec());
        let _ = append_decoded(&junk, 100, &mut Vec::new());
    }
}
