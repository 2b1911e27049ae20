//! Flate compression of the streams sheetseal writes itself (sides' content, joined page
//! content), and the content stream objects of sides.

use flate2::Compression;
use lopdf::dictionary;

use super::small_deflate::{self, SmallDeflater};

/// Content shorter than this is written as it is: compressing it would save a few bytes, not
/// worth the work of compressing it or of inflating it again in every reader.
pub const MIN_COMPRESSED_BYTES: usize = 256;

/// Flate compression at a fast level, with compressors reused for every stream: short streams
/// (a side's marks) go to [`SmallDeflater`], longer ones to zlib, whose set-up zeroes several
/// hundred kilobytes, more than compressing a mark costs.
pub struct Deflater {
    compressor: flate2::Compress,
    small: SmallDeflater,
}

impl Default for Deflater {
    fn default() -> Self {
        Deflater {
            compressor: flate2::Compress::new(Compression::fast(), true),
            small: SmallDeflater::default(),
        }
    }
}

impl Deflater {
    pub fn deflate(&mut self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        if bytes.len() <= small_deflate::MAX_INPUT {
            return Ok(self.small.compress(bytes));
        }
        self.zlib(bytes)
    }

    /// Compresses with zlib whatever the length.
    pub(super) fn zlib(&mut self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        self.compressor.reset();
        let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
        loop {
            let consumed = self.compressor.total_in() as usize;
            let status = self
                .compressor
                .compress_vec(&bytes[consumed..], &mut out, flate2::FlushCompress::Finish)
                .map_err(std::io::Error::other)?;
            match status {
                flate2::Status::StreamEnd => return Ok(out),
                _ => out.reserve(out.capacity().max(64)),
            }
        }
    }

    /// The body of a content stream object holding `content` (compressed unless it is short).
    pub fn content_stream(&mut self, content: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut body = Vec::with_capacity(content.len() / 2 + 64);
        self.content_stream_into(content, &mut body)?;
        Ok(body)
    }

    /// [`content_stream`](Self::content_stream) appended to `body`.
    pub fn content_stream_into(&mut self, content: &[u8], body: &mut Vec<u8>) -> std::io::Result<()> {
        let mut no_references = |id: lopdf::ObjectId| Some(id.0);
        if content.len() < MIN_COMPRESSED_BYTES {
            super::syntax::write_stream(&lopdf::Dictionary::new(), content, body, &mut no_references);
        } else {
            // Operators (page placements, marks), with or without printable text (a slug line),
            // take a code made for them; anything else is searched for repeats.
            let compressed = match super::operator_deflate::compress(content) {
                Some(compressed) => compressed,
                None => self.deflate(content)?,
            };
            let dict = dictionary! { "Filter" => "FlateDecode" };
            super::syntax::write_stream(&dict, &compressed, body, &mut no_references);
        }
        Ok(())
    }
}

/// Compresses `bytes` with a compressor of its own.
pub fn deflate(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    Deflater::default().deflate(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_reused_deflater_round_trips_every_stream() {
        let mut deflater = Deflater::default();
        for size in [0usize, 1, 100, 70_000, 3, small_deflate::MAX_INPUT, small_deflate::MAX_INPUT + 1] {
            let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            let packed = deflater.deflate(&data).unwrap();
            let mut unpacked = Vec::new();
            flate2::read::ZlibDecoder::new(packed.as_slice()).read_to_end(&mut unpacked).unwrap();
            assert_eq!(unpacked, data);
        }
    }

    #[test]
    fn short_content_is_stored_and_long_content_compressed() {
        let mut deflater = Deflater::default();
        let short = deflater.content_stream(b"q 1 0 0 1 0 0 cm /P0 Do Q\n").unwrap();
        assert!(short.starts_with(b"<</Length 26>>\nstream\n"), "{}", String::from_utf8_lossy(&short));
        let long = deflater.content_stream(&b"0 0 1 1 re\n".repeat(40)).unwrap();
        assert!(String::from_utf8_lossy(&long).contains("/Filter /FlateDecode"));
    }
}
