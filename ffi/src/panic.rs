//! The panic boundary: every exported body runs inside [`guard`], so a panic becomes
//! `SHEETSEAL_ERR_PANIC` instead of unwinding into C.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::set_thread_error;
use crate::status::sheetseal_status;

/// Runs `body`; a panic is caught, recorded as the thread's last error and turned into
/// `SHEETSEAL_ERR_PANIC`.
pub(crate) fn guard(body: impl FnOnce() -> sheetseal_status) -> sheetseal_status {
    guard_or(sheetseal_status::SHEETSEAL_ERR_PANIC, body)
}

/// Runs `body`; a panic is caught, recorded as the thread's last error and turned into `fallback`
/// (for calls that return something other than a status).
pub(crate) fn guard_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            set_thread_error(format!("internal error (panic): {text}"));
            fallback
        }
    }
}

/// Fails with `SHEETSEAL_ERR_NULL_ARGUMENT` (and a thread-local message) when any of the named
/// pointers is NULL.
macro_rules! check_null {
    ($($ptr:ident),+ $(,)?) => {
        $(
            if $ptr.is_null() {
                $crate::error::set_thread_error(concat!("argument '", stringify!($ptr), "' is NULL"));
                return $crate::status::sheetseal_status::SHEETSEAL_ERR_NULL_ARGUMENT;
            }
        )+
    };
}
pub(crate) use check_null;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = guard(|| panic!("boom"));
        assert_eq!(status, sheetseal_status::SHEETSEAL_ERR_PANIC);
        assert!(crate::error::thread_error().contains("boom"));
    }

    #[test]
    fn a_value_passes_through() {
        assert_eq!(guard_or(0, || 42), 42);
    }
}
