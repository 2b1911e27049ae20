//! Error messages: the thread-local one for calls without a handle, and copying a message into a
//! caller's buffer.

use std::cell::RefCell;
use std::ffi::c_char;

use crate::status::sheetseal_status;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the message of the last failure on this thread (constructors and calls without a
/// handle).
pub(crate) fn set_thread_error(message: impl Into<String>) {
    LAST_ERROR.with(|last| *last.borrow_mut() = message.into());
}

/// The message of the last failure on this thread.
pub(crate) fn thread_error() -> String {
    LAST_ERROR.with(|last| last.borrow().clone())
}

/// Copies `message` NUL-terminated into `buf` of `len` bytes and writes its length without the
/// NUL to `out_len`. When `buf` is too small nothing is copied, `out_len` gets the length needed
/// (without the NUL) and the call fails.
///
/// # Safety
/// `buf` must be NULL or valid for `len` bytes; `out_len` must be NULL or valid for a write.
pub(crate) unsafe fn copy_message(
    message: &str,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> sheetseal_status {
    if buf.is_null() || out_len.is_null() {
        return sheetseal_status::SHEETSEAL_ERR_NULL_ARGUMENT;
    }
    let bytes = message.as_bytes();
    if bytes.len() >= len {
        *out_len = bytes.len();
        return sheetseal_status::SHEETSEAL_ERR_BUFFER_TOO_SMALL;
    }
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
    *buf.add(bytes.len()) = 0;
    *out_len = bytes.len();
    sheetseal_status::SHEETSEAL_OK
}
