//! The C ABI of sheetseal (`libsheetseal`). This first version exports only the version query;
//! the job-level and mark-level APIs follow (see docs/ARCHITECTURE.md).

use std::ffi::c_char;

/// The library version as a NUL-terminated UTF-8 string with static lifetime. Infallible;
/// thread-safe.
#[no_mangle]
pub extern "C" fn sheetseal_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_matches_the_crate() {
        let text = unsafe { std::ffi::CStr::from_ptr(super::sheetseal_version()) };
        assert_eq!(text.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
