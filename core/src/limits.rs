//! Resource limits for untrusted input, and the checks that enforce them.
//!
//! Uploads come from thousands of customer systems and some are malicious. Every stage that
//! could be made to spend unbounded memory or time on a small file checks a limit here: how far
//! a stream may inflate, how much a whole job may decompress, how many objects a file may hold,
//! how deep the page tree and the forms drawn inside forms may nest, how long a chain of
//! references the writer follows, and how many pixels an image may have. The checks are small
//! functions of plain numbers so that any reader (lopdf today, a lazy reader later) can call
//! them.

use crate::pdf::Entry as _;
use std::sync::atomic::{AtomicU64, Ordering};

use lopdf::{Object, ObjectId, Stream};
use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;

/// The limits in force for a job. The defaults are far above what real mail-merge files need
/// and far below what would hurt a production server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// The most bytes one stream may decompress to (object streams while the file is read, page
    /// content while it is written): 64 MiB.
    pub max_stream_bytes: u64,
    /// The most bytes the writer may decompress in a whole job: 2 GiB.
    pub max_job_decompressed_bytes: u64,
    /// The most objects one input file may hold: 5,000,000.
    pub max_objects: usize,
    /// The deepest a page tree may nest: 64 levels.
    pub max_page_tree_depth: usize,
    /// The deepest forms may be drawn inside forms (Form XObjects, annotation appearances): 32.
    pub max_form_nesting: usize,
    /// The longest chain of references the writer follows from a page's resources: 256.
    pub max_reference_depth: usize,
    /// Images with more pixels than this are reported in the manifest: 100 megapixels (a full
    /// A4 page at 1000 dpi).
    pub warn_image_pixels: u64,
    /// Images with more pixels than this are refused; `None` (the default) refuses none.
    /// Images are never decoded by sheetseal, only their declared size is read.
    pub max_image_pixels: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stream_bytes: 64 * MIB,
            max_job_decompressed_bytes: 2048 * MIB,
            max_objects: 5_000_000,
            max_page_tree_depth: 64,
            max_form_nesting: 32,
            max_reference_depth: 256,
            warn_image_pixels: 100_000_000,
            max_image_pixels: None,
        }
    }
}

/// A limit that input went beyond. Each message says what the limit protects against and which
/// option raises it, for files that turn out to be genuine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    #[error("{} decompresses to more than {} (--max-stream-size); refused as a decompression bomb. If the file is genuine, raise the limit", describe(*.object, "a stream"), size(*.limit))]
    StreamTooLarge { object: Option<ObjectId>, limit: u64 },
    #[error("the job would decompress more than {} in total (--max-job-decompressed); refused. Split the job or raise the limit", size(*.limit))]
    JobDecompressionExceeded { limit: u64 },
    #[error("the file has {count} objects, more than the limit of {limit} (--max-objects); refused. Split the file or raise the limit")]
    TooManyObjects { count: usize, limit: usize },
    #[error("the page tree is nested deeper than {limit} levels (--max-page-tree-depth); the file is malformed or hostile")]
    PageTreeTooDeep { limit: usize },
    #[error("{} draws forms nested deeper than {limit} levels (--max-form-nesting); refused, a printer could run out of memory on it", describe(Some(*.object), "a form"))]
    FormsTooDeep { object: ObjectId, limit: usize },
    #[error("{} draws forms inside forms more than {limit} times; kept from the renderer, which would take minutes or run out of memory on it", describe(Some(*.object), "a page"))]
    FormDrawingsExceeded { object: ObjectId, limit: usize },
    #[error("{} is drawn on the page but cannot be read; kept from the renderer, which may read it otherwise (a damaged file's forms can draw each other without end)", describe(Some(*.object), "an object"))]
    UnreadableDrawing { object: ObjectId },
    #[error("{} is reached through a chain of more than {limit} references from a page (--max-reference-depth); the file is malformed or hostile", describe(Some(*.object), "an object"))]
    ReferencesTooDeep { object: ObjectId, limit: usize },
    #[error("image {} {} R is {width} x {height} pixels, more than the limit of {limit} pixels (--max-image-pixels); refused. Ask for a smaller image or raise the limit", .object.0, .object.1)]
    ImageTooLarge { object: ObjectId, width: u64, height: u64, limit: u64 },
}

fn describe(object: Option<ObjectId>, what: &str) -> String {
    match object {
        Some((number, generation)) => format!("object {number} {generation} R"),
        None => what.to_string(),
    }
}

/// A byte count for messages: whole MiB when it is one, bytes otherwise.
pub fn size(bytes: u64) -> String {
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads a byte count: a whole number with an optional `KiB`, `MiB` or `GiB` suffix.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let help = || format!("'{text}': give a size in bytes, or with KiB, MiB or GiB, e.g. 64MiB");
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let scale = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "K" => 1024,
        "MiB" | "M" => MIB,
        "GiB" | "G" => 1024 * MIB,
        _ => return Err(help()),
    };
    let value: u64 = digits.parse().map_err(|_| help())?;
    value.checked_mul(scale).filter(|v| *v > 0).ok_or_else(help)
}

/// Refuses a file with more objects than the limit.
pub fn check_object_count(count: usize, limits: &Limits) -> Result<(), LimitError> {
    if count > limits.max_objects {
        return Err(LimitError::TooManyObjects { count, limit: limits.max_objects });
    }
    Ok(())
}

/// What to do with an image of a given declared size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageVerdict {
    Accept,
    /// Larger than `warn_image_pixels`: kept, with a warning.
    Warn,
    Refuse,
}

/// Judges an image by its declared `/Width` and `/Height`.
pub fn judge_image(width: u64, height: u64, limits: &Limits) -> ImageVerdict {
    let pixels = width.saturating_mul(height);
    match limits.max_image_pixels {
        Some(max) if pixels > max => ImageVerdict::Refuse,
        _ if pixels > limits.warn_image_pixels => ImageVerdict::Warn,
        _ => ImageVerdict::Accept,
    }
}

/// The most bytes each filter can produce from one input byte. Deflate cannot expand beyond
/// 1032:1; an LZW code takes at least 9 bits and never stands for more than 4096 bytes;
/// RunLength gives at most 128 bytes for 2; ASCII85 at most 4 for 1 (`z`). Image codecs and
/// unknown filters have no useful bound.
fn expansion_bound(filter: &[u8]) -> Option<u64> {
    match filter {
        b"FlateDecode" | b"Fl" => Some(1032),
        b"LZWDecode" | b"LZW" => Some(4096),
        b"RunLengthDecode" | b"RL" => Some(64),
        b"ASCII85Decode" | b"A85" => Some(4),
        b"ASCIIHexDecode" | b"AHx" => Some(1),
        _ => None,
    }
}

/// An upper bound on what `stream` decompresses to, from its length and filters alone; `None`
/// when a filter has no known bound.
pub fn decoded_size_bound(stream: &Stream) -> Option<u64> {
    decoded_size_bound_of(&stream.dict, stream.content.len())
}

/// [`decoded_size_bound`] of a stream with dictionary `dict` and `length` bytes of data.
pub fn decoded_size_bound_of(dict: &lopdf::Dictionary, length: usize) -> Option<u64> {
    let filters: Vec<&[u8]> = match dict.entry(b"Filter") {
        None => Vec::new(),
        Some(Object::Name(name)) => vec![name.as_slice()],
        Some(Object::Array(items)) => items.iter().map(|o| o.as_name().ok()).collect::<Option<_>>()?,
        Some(_) => return None,
    };
    filters.iter().try_fold(length as u64, |bound, f| bound.checked_mul(expansion_bound(f)?))
}

/// The bytes a whole job may still decompress, shared by everything that decodes for the job
/// (and safe to share between threads).
#[derive(Debug)]
pub struct DecodeBudget {
    used: AtomicU64,
    limit: u64,
}

impl DecodeBudget {
    pub fn new(limit: u64) -> Self {
        DecodeBudget { used: AtomicU64::new(0), limit }
    }

    /// Records `bytes` decoded; fails once the job has decoded more than its limit.
    pub fn charge(&self, bytes: u64) -> Result<(), LimitError> {
        let before = self.used.fetch_add(bytes, Ordering::Relaxed);
        if before.saturating_add(bytes) > self.limit {
            return Err(LimitError::JobDecompressionExceeded { limit: self.limit });
        }
        Ok(())
    }

    /// Bytes decoded so far.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

/// Why a stream was not decoded.
#[derive(Debug)]
pub enum DecodeFailure {
    /// A limit was reached: the job must stop.
    Limit(LimitError),
    /// The data or its filter cannot be decoded (a damaged stream, or an image codec).
    Undecodable,
}

/// Decodes `stream` (object `id`, if it has one) within the per-stream limit, charging the
/// job's budget for what it produced.
pub fn decode_within_limits(
    stream: &Stream,
    id: Option<ObjectId>,
    limit: u64,
    budget: &DecodeBudget,
) -> Result<Vec<u8>, DecodeFailure> {
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    match stream.get_plain_content_with_limit(cap) {
        Ok(plain) => {
            budget.charge(plain.len() as u64).map_err(DecodeFailure::Limit)?;
            Ok(plain)
        }
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            // What was inflated before the limit struck counts against the job too.
            let _ = budget.charge(limit);
            Err(DecodeFailure::Limit(LimitError::StreamTooLarge { object: id, limit }))
        }
        Err(_) => Err(DecodeFailure::Undecodable),
    }
}

/// Checks, without keeping the result, that a stream copied as it is does not inflate beyond
/// the limit. Streams whose filters bound them below the limit are not decoded at all, so real
/// page content costs nothing; others are decoded once, within the limit.
pub fn check_stream_size(
    stream: &Stream,
    id: ObjectId,
    limit: u64,
    budget: &DecodeBudget,
) -> Result<(), LimitError> {
    if decoded_size_bound(stream).is_some_and(|bound| bound <= limit) {
        return Ok(());
    }
    match decode_within_limits(stream, Some(id), limit, budget) {
        Err(DecodeFailure::Limit(error)) => Err(error),
        // Damaged or image-coded data is passed on as the input had it; renderers skip it.
        Ok(_) | Err(DecodeFailure::Undecodable) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;
    use std::io::Write;

    fn deflated(bytes: &[u8]) -> Stream {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap();
        Stream::new(dictionary! { "Filter" => "FlateDecode" }, encoder.finish().unwrap())
    }

    #[test]
    fn sizes_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_size("64MiB"), Ok(64 * MIB));
        assert_eq!(parse_size("2GiB"), Ok(2048 * MIB));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("10 KiB"), Ok(10 * 1024));
        for bad in ["", "0", "MiB", "12 parsecs", "-1", "99999999999999999999GiB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(size(64 * MIB), "64 MiB");
        assert_eq!(size(1000), "1000 bytes");
    }

    #[test]
    fn filter_bounds_spare_small_streams_and_flag_possible_bombs() {
        let small = deflated(&[b'x'; 1000]);
        assert!(decoded_size_bound(&small).unwrap() >= 1000);
        let plain = Stream::new(dictionary! {}, vec![0; 10]);
        assert_eq!(decoded_size_bound(&plain), Some(10));
        let chained = Stream::new(
            dictionary! { "Filter" => vec![Object::Name(b"FlateDecode".to_vec()), Object::Name(b"DCTDecode".to_vec())] },
            vec![0; 10],
        );
        assert_eq!(decoded_size_bound(&chained), None);
    }

    #[test]
    fn a_bomb_is_refused_at_the_stream_limit_and_charged_to_the_job() {
        let bomb = deflated(&vec![0u8; 8 * MIB as usize]);
        let budget = DecodeBudget::new(100 * MIB);
        let error = check_stream_size(&bomb, (7, 0), MIB, &budget).unwrap_err();
        assert_eq!(error, LimitError::StreamTooLarge { object: Some((7, 0)), limit: MIB });
        assert!(error.to_string().contains("object 7 0 R decompresses to more than 1 MiB"), "{error}");
        assert_eq!(budget.used(), MIB);
        // Just below the stream limit (too close for the filter bound to vouch for it) it is
        // decoded and passes, and the job's budget runs out after two.
        let budget = DecodeBudget::new(20 * MIB);
        let limit = 8 * MIB + 4096;
        let results: Vec<_> = (0..4).map(|_| check_stream_size(&bomb, (7, 0), limit, &budget)).collect();
        assert!(results[..2].iter().all(Result::is_ok), "{results:?}");
        assert_eq!(budget.used(), 32 * MIB, "every decoding counts, refused or not");
        // Far below the limit, the filter bound spares the decoding.
        let budget = DecodeBudget::new(MIB);
        assert!(check_stream_size(&bomb, (7, 0), 64 * MIB, &budget).is_ok());
        assert_eq!(budget.used(), 0);
        assert!(matches!(results[2], Err(LimitError::JobDecompressionExceeded { .. })), "{results:?}");
    }

    #[test]
    fn images_are_judged_by_declared_size() {
        let mut limits = Limits::default();
        assert_eq!(judge_image(2480, 3508, &limits), ImageVerdict::Accept);
        assert_eq!(judge_image(100_000, 100_000, &limits), ImageVerdict::Warn);
        limits.max_image_pixels = Some(1_000_000_000);
        assert_eq!(judge_image(100_000, 100_000, &limits), ImageVerdict::Refuse);
        assert_eq!(judge_image(u64::MAX, u64::MAX, &limits), ImageVerdict::Refuse);
    }

    #[test]
    fn object_counts_above_the_limit_are_refused() {
        let limits = Limits { max_objects: 10, ..Limits::default() };
        assert!(check_object_count(10, &limits).is_ok());
        assert_eq!(check_object_count(11, &limits), Err(LimitError::TooManyObjects { count: 11, limit: 10 }));
    }
}
