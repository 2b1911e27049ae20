//! The C ABI of sheetseal (`libsheetseal`): a job level (run a whole job from its JSON description)
//! and a mark level (payloads from templates, symbols, rendering into a caller's raster).
//!
//! Conventions (written out in docs/c-api.md): every exported symbol starts with `sheetseal_`;
//! every fallible call returns a [`sheetseal_status`] and writes its outputs only on success;
//! every body runs inside the panic boundary of [`panic`]; NULL pointers and invalid UTF-8 are
//! errors. The header `ffi/include/sheetseal.h` is generated from this crate by cbindgen.

mod error;
mod job;
mod mark;
mod panic;
mod raster;
mod status;
mod template;

use std::ffi::c_char;

pub use job::{sheetseal_job, sheetseal_progress, sheetseal_progress_callback, sheetseal_write_callback};
pub use mark::{
    sheetseal_payload_fields, sheetseal_raster, sheetseal_raster_format, sheetseal_render_options,
    sheetseal_symbol,
};
pub use status::sheetseal_status;
pub use template::{sheetseal_column, sheetseal_sheet_facts, sheetseal_template};

/// The major version of the library this header belongs to.
pub const SHEETSEAL_VERSION_MAJOR: u32 = 0;
/// The minor version of the library this header belongs to.
pub const SHEETSEAL_VERSION_MINOR: u32 = 1;
/// The patch version of the library this header belongs to.
pub const SHEETSEAL_VERSION_PATCH: u32 = 0;

/// The library version as a NUL-terminated UTF-8 string with static lifetime, e.g. "0.1.0".
/// Infallible; thread-safe.
#[no_mangle]
pub extern "C" fn sheetseal_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The library version as one number, `major * 10000 + minor * 100 + patch`, to compare with the
/// header's `SHEETSEAL_VERSION_*` macros at run time. Infallible; thread-safe.
#[no_mangle]
pub extern "C" fn sheetseal_version_number() -> u32 {
    SHEETSEAL_VERSION_MAJOR * 10000 + SHEETSEAL_VERSION_MINOR * 100 + SHEETSEAL_VERSION_PATCH
}

/// A short, static, NUL-terminated English name for `status` ("ok", "null argument", ...);
/// "unknown status" for a value this version does not know. Infallible; thread-safe.
#[no_mangle]
pub extern "C" fn sheetseal_status_name(status: u32) -> *const c_char {
    status::name(status).as_ptr().cast()
}

/// Copies the message of the last failure of a call on the calling thread that has no handle to
/// keep it (constructors, mark-level calls) into `buf` of `len` bytes, NUL-terminated, and writes
/// its length without the NUL to `*out_len`. An empty message when nothing failed yet. When `buf`
/// is too small, returns `SHEETSEAL_ERR_BUFFER_TOO_SMALL` and writes the length needed (without
/// the NUL) to `*out_len`. Thread-safe (each thread has its own message).
///
/// # Safety
/// `buf` must be valid for `len` bytes and `out_len` for one write, or NULL.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_last_error_message(
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> sheetseal_status {
    panic::guard(|| error::copy_message(&error::thread_error(), buf, len, out_len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_matches_the_crate() {
        let text = unsafe { CStr::from_ptr(sheetseal_version()) };
        assert_eq!(text.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn version_constants_match_the_crate() {
        assert_eq!(SHEETSEAL_VERSION_MAJOR.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
        assert_eq!(SHEETSEAL_VERSION_MINOR.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
        assert_eq!(SHEETSEAL_VERSION_PATCH.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
    }

    #[test]
    fn a_short_buffer_reports_the_needed_length_and_copies_nothing() {
        error::set_thread_error("twelve chars");
        let mut buf = [b'x' as c_char; 8];
        let mut needed = 0usize;
        let status = unsafe { sheetseal_last_error_message(buf.as_mut_ptr(), buf.len(), &mut needed) };
        assert_eq!(status, sheetseal_status::SHEETSEAL_ERR_BUFFER_TOO_SMALL);
        assert_eq!(needed, 12);
        assert!(buf.iter().all(|&c| c == b'x' as c_char));
        let mut big = [0 as c_char; 13];
        let status = unsafe { sheetseal_last_error_message(big.as_mut_ptr(), big.len(), &mut needed) };
        assert_eq!(status, sheetseal_status::SHEETSEAL_OK);
        assert_eq!(unsafe { CStr::from_ptr(big.as_ptr()) }.to_str().unwrap(), "twelve chars");
    }

    #[test]
    fn null_buffers_are_errors() {
        let status = unsafe { sheetseal_last_error_message(std::ptr::null_mut(), 10, std::ptr::null_mut()) };
        assert_eq!(status, sheetseal_status::SHEETSEAL_ERR_NULL_ARGUMENT);
    }
}
