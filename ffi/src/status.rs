//! Status codes: the stable numeric contract every fallible call returns.

/// The result of every fallible call. The values are part of the ABI: they are never renumbered
/// and new ones are only appended. Errors live in the range 7000..8000, our own.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sheetseal_status {
    /// Success: outputs were written.
    SHEETSEAL_OK = 0,
    /// A required pointer argument was NULL.
    SHEETSEAL_ERR_NULL_ARGUMENT = 7001,
    /// A text argument was not valid UTF-8.
    SHEETSEAL_ERR_INVALID_UTF8 = 7002,
    /// The library panicked; the handle involved should be freed and not used again.
    SHEETSEAL_ERR_PANIC = 7003,
    /// A caller buffer was too small; the needed length was reported where the call allows.
    SHEETSEAL_ERR_BUFFER_TOO_SMALL = 7004,
    /// An argument had a value outside its documented range.
    SHEETSEAL_ERR_INVALID_ARGUMENT = 7005,
    /// The job description was not valid JSON or not a valid job.
    SHEETSEAL_ERR_CONFIG = 7100,
    /// An input PDF could not be read.
    SHEETSEAL_ERR_INGEST = 7101,
    /// The inputs could not be split into postal items.
    SHEETSEAL_ERR_SPLIT = 7102,
    /// A mark could not be built or encoded.
    SHEETSEAL_ERR_MARK = 7103,
    /// The imposed PDF could not be produced.
    SHEETSEAL_ERR_WRITE = 7104,
    /// An output could not be written to disk.
    SHEETSEAL_ERR_OUTPUT = 7105,
    /// The progress callback asked to stop the job.
    SHEETSEAL_ERR_CANCELLED = 7106,
    /// A fault of the library itself.
    SHEETSEAL_ERR_INTERNAL = 7199,
}

impl From<&sheetseal_core::Error> for sheetseal_status {
    fn from(error: &sheetseal_core::Error) -> Self {
        use sheetseal_core::Error as E;
        match error {
            E::Config(_) => sheetseal_status::SHEETSEAL_ERR_CONFIG,
            E::Ingest(_) => sheetseal_status::SHEETSEAL_ERR_INGEST,
            E::Split(_) => sheetseal_status::SHEETSEAL_ERR_SPLIT,
            E::Mark(_) => sheetseal_status::SHEETSEAL_ERR_MARK,
            E::Write(_) => sheetseal_status::SHEETSEAL_ERR_WRITE,
            E::Output { .. } => sheetseal_status::SHEETSEAL_ERR_OUTPUT,
            E::Cancelled => sheetseal_status::SHEETSEAL_ERR_CANCELLED,
            _ => sheetseal_status::SHEETSEAL_ERR_INTERNAL,
        }
    }
}

/// The NUL-terminated name of a status value.
pub(crate) fn name(status: u32) -> &'static str {
    use sheetseal_status as S;
    const ALL: [(sheetseal_status, &str); 14] = [
        (S::SHEETSEAL_OK, "ok\0"),
        (S::SHEETSEAL_ERR_NULL_ARGUMENT, "null argument\0"),
        (S::SHEETSEAL_ERR_INVALID_UTF8, "invalid UTF-8\0"),
        (S::SHEETSEAL_ERR_PANIC, "internal panic\0"),
        (S::SHEETSEAL_ERR_BUFFER_TOO_SMALL, "buffer too small\0"),
        (S::SHEETSEAL_ERR_INVALID_ARGUMENT, "invalid argument\0"),
        (S::SHEETSEAL_ERR_CONFIG, "invalid job description\0"),
        (S::SHEETSEAL_ERR_INGEST, "unreadable input\0"),
        (S::SHEETSEAL_ERR_SPLIT, "split failed\0"),
        (S::SHEETSEAL_ERR_MARK, "mark failed\0"),
        (S::SHEETSEAL_ERR_WRITE, "imposition failed\0"),
        (S::SHEETSEAL_ERR_OUTPUT, "output not writable\0"),
        (S::SHEETSEAL_ERR_CANCELLED, "cancelled\0"),
        (S::SHEETSEAL_ERR_INTERNAL, "internal error\0"),
    ];
    ALL.iter().find(|(s, _)| *s as u32 == status).map_or("unknown status\0", |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_numbers_never_change() {
        assert_eq!(sheetseal_status::SHEETSEAL_OK as u32, 0);
        assert_eq!(sheetseal_status::SHEETSEAL_ERR_NULL_ARGUMENT as u32, 7001);
        assert_eq!(sheetseal_status::SHEETSEAL_ERR_CONFIG as u32, 7100);
        assert_eq!(sheetseal_status::SHEETSEAL_ERR_CANCELLED as u32, 7106);
        assert_eq!(sheetseal_status::SHEETSEAL_ERR_INTERNAL as u32, 7199);
    }

    #[test]
    fn every_status_has_a_name() {
        assert_eq!(name(7100), "invalid job description\0");
        assert_eq!(name(12345), "unknown status\0");
    }
}
