//! The mark level: build and read the default payload, encode it to a module matrix, and render a
//! mark into a caller's raster. Thin over `mark::payload` and `mark::symbol`.

use std::ffi::c_char;

use sheetseal_core::mark::payload::SheetPayload;
use sheetseal_core::mark::symbol::{self, Symbol};

use crate::error::{copy_message, set_thread_error};
use crate::panic::{check_null, guard};
use crate::raster::{self, Format, Placement};
use crate::status::sheetseal_status;

/// The fields of a sheet's payload besides the job id.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sheetseal_payload_fields {
    /// The item's 1-based position in the job.
    pub item_seq: usize,
    /// Sheet number within the item, 1-based.
    pub sheet: usize,
    /// The item's sheet count.
    pub sheets: usize,
}

/// An encoded Data Matrix symbol: a grid of modules without quiet zone. Created by
/// `sheetseal_symbol_new`, released by `sheetseal_symbol_free`; immutable, so it may be shared
/// between threads.
#[allow(non_camel_case_types)]
pub struct sheetseal_symbol {
    symbol: Symbol,
}

/// Raster pixel formats.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sheetseal_raster_format {
    /// One byte a pixel: 0 black, 255 white.
    SHEETSEAL_RASTER_GRAY8 = 1,
    /// One bit a pixel, most significant bit first: 1 dark (ink), 0 white.
    SHEETSEAL_RASTER_MONO1 = 2,
}

/// A caller's raster buffer.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sheetseal_raster {
    /// The first byte of the top row.
    pub data: *mut u8,
    /// The buffer's length in bytes (at least `stride * height`).
    pub len: usize,
    pub width: usize,
    pub height: usize,
    /// Bytes from one row to the next.
    pub stride: usize,
    /// A `sheetseal_raster_format` value.
    pub format: u32,
}

/// Where and how large a mark is rendered.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sheetseal_render_options {
    /// The raster's resolution in dots per inch.
    pub resolution_dpi: f64,
    /// The nominal side of one module in millimetres; snapped to whole device pixels (rounded,
    /// at least one).
    pub module_mm: f64,
    /// The top-left pixel of the mark, quiet zone included.
    pub x: usize,
    pub y: usize,
    /// The white quiet zone around the symbol, in modules (2 or more reads reliably).
    pub quiet_modules: usize,
}

unsafe fn text<'a>(data: *const c_char, len: usize) -> Result<&'a str, sheetseal_status> {
    std::str::from_utf8(std::slice::from_raw_parts(data.cast::<u8>(), len)).map_err(|e| {
        set_thread_error(format!("text is not valid UTF-8: {e}"));
        sheetseal_status::SHEETSEAL_ERR_INVALID_UTF8
    })
}

fn mark_error(message: String) -> sheetseal_status {
    set_thread_error(message);
    sheetseal_status::SHEETSEAL_ERR_MARK
}

/// Builds the default payload of one sheet from the job id (`job` of `job_len` bytes) and the
/// fields, and copies it NUL-terminated into `buf` of `len` bytes (its length without the NUL to
/// `*out_len`). `SHEETSEAL_ERR_MARK` when a field is out of the format's range. Thread-safe.
///
/// # Safety
/// `job` valid for `job_len` bytes; `fields` for one read; `buf` for `len` bytes; `out_len` for
/// one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_payload_build(
    job: *const c_char,
    job_len: usize,
    fields: *const sheetseal_payload_fields,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> sheetseal_status {
    guard(|| {
        check_null!(job, fields, buf, out_len);
        let job = match text(job, job_len) {
            Ok(job) => job,
            Err(status) => return status,
        };
        let f = *fields;
        let payload =
            SheetPayload { job: job.to_string(), item_seq: f.item_seq, sheet: f.sheet, sheets: f.sheets };
        match payload.encode() {
            Ok(encoded) => {
                let status = copy_message(&encoded, buf, len, out_len);
                if status != sheetseal_status::SHEETSEAL_OK {
                    set_thread_error(format!("the payload needs {} bytes and a NUL", encoded.len()));
                }
                status
            }
            Err(e) => mark_error(e.to_string()),
        }
    })
}

/// Reads a payload (`payload` of `len` bytes, e.g. from a camera) back into its fields: the job
/// id is copied NUL-terminated into `job_buf` of `job_buf_len` bytes (length to `*out_job_len`),
/// the rest written to `*out_fields`. `SHEETSEAL_ERR_MARK` for a malformed payload or a wrong
/// check character. Thread-safe.
///
/// # Safety
/// `payload` valid for `len` bytes; `job_buf` for `job_buf_len` bytes; outputs for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_payload_decode(
    payload: *const c_char,
    len: usize,
    job_buf: *mut c_char,
    job_buf_len: usize,
    out_job_len: *mut usize,
    out_fields: *mut sheetseal_payload_fields,
) -> sheetseal_status {
    guard(|| {
        check_null!(payload, job_buf, out_job_len, out_fields);
        let payload = match text(payload, len) {
            Ok(p) => p,
            Err(status) => return status,
        };
        match SheetPayload::decode(payload) {
            Ok(decoded) => {
                if decoded.job.len() >= job_buf_len {
                    *out_job_len = decoded.job.len();
                    set_thread_error("the job id does not fit the buffer");
                    return sheetseal_status::SHEETSEAL_ERR_BUFFER_TOO_SMALL;
                }
                let status = copy_message(&decoded.job, job_buf, job_buf_len, out_job_len);
                *out_fields = sheetseal_payload_fields {
                    item_seq: decoded.item_seq,
                    sheet: decoded.sheet,
                    sheets: decoded.sheets,
                };
                status
            }
            Err(e) => mark_error(e.to_string()),
        }
    })
}

/// Encodes `payload` of `len` bytes into the smallest square Data Matrix symbol and writes a new
/// handle to `*out_symbol`. Thread-safe.
///
/// # Safety
/// `payload` valid for `len` bytes; `out_symbol` for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_symbol_new(
    payload: *const c_char,
    len: usize,
    out_symbol: *mut *mut sheetseal_symbol,
) -> sheetseal_status {
    guard(|| {
        check_null!(payload, out_symbol);
        let payload = match text(payload, len) {
            Ok(p) => p,
            Err(status) => return status,
        };
        match symbol::encode(payload, &symbol::SymbolOptions::default()) {
            Ok(symbol) => {
                *out_symbol = Box::into_raw(Box::new(sheetseal_symbol { symbol }));
                sheetseal_status::SHEETSEAL_OK
            }
            Err(e) => mark_error(e.to_string()),
        }
    })
}

/// Releases a symbol. NULL is accepted and ignored. Infallible.
///
/// # Safety
/// `symbol` must be NULL or a handle from `sheetseal_symbol_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_symbol_free(symbol: *mut sheetseal_symbol) {
    crate::panic::guard_or((), || {
        if !symbol.is_null() {
            drop(Box::from_raw(symbol));
        }
    })
}

/// Writes the symbol's size in modules to `*out_rows` and `*out_columns`.
///
/// # Safety
/// `symbol` a live handle; outputs valid for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_symbol_size(
    symbol: *const sheetseal_symbol,
    out_rows: *mut usize,
    out_columns: *mut usize,
) -> sheetseal_status {
    guard(|| {
        check_null!(symbol, out_rows, out_columns);
        *out_rows = (*symbol).symbol.rows;
        *out_columns = (*symbol).symbol.columns;
        sheetseal_status::SHEETSEAL_OK
    })
}

/// Copies the module matrix, one byte a module (1 dark, 0 light), row-major with the top row
/// first, into `buf` of `len` bytes (at least rows x columns); the count copied goes to
/// `*out_len`.
///
/// # Safety
/// `symbol` a live handle; `buf` valid for `len` bytes; `out_len` for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_symbol_modules(
    symbol: *const sheetseal_symbol,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> sheetseal_status {
    guard(|| {
        check_null!(symbol, buf, out_len);
        let dark = &(*symbol).symbol.dark;
        if len < dark.len() {
            *out_len = dark.len();
            set_thread_error(format!("the module matrix needs {} bytes", dark.len()));
            return sheetseal_status::SHEETSEAL_ERR_BUFFER_TOO_SMALL;
        }
        let out = std::slice::from_raw_parts_mut(buf, dark.len());
        for (byte, &d) in out.iter_mut().zip(dark) {
            *byte = u8::from(d);
        }
        *out_len = dark.len();
        sheetseal_status::SHEETSEAL_OK
    })
}

/// Renders the symbol with its quiet zone into the caller's raster at device resolution: each
/// module becomes a square of whole device pixels. Fails without touching the raster when the
/// mark does not fit or an option is out of range (`SHEETSEAL_ERR_INVALID_ARGUMENT`). Pixels
/// outside the mark are not touched. Thread-safe for distinct rasters.
///
/// # Safety
/// `symbol` a live handle; `raster` and `options` valid for one read; `raster->data` valid for
/// `raster->len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_symbol_render(
    symbol: *const sheetseal_symbol,
    raster: *const sheetseal_raster,
    options: *const sheetseal_render_options,
) -> sheetseal_status {
    guard(|| {
        check_null!(symbol, raster, options);
        let r = *raster;
        let o = *options;
        let data = r.data;
        check_null!(data);
        let invalid = |message: String| {
            set_thread_error(message);
            sheetseal_status::SHEETSEAL_ERR_INVALID_ARGUMENT
        };
        let format = match r.format {
            1 => Format::Gray8,
            2 => Format::Mono1,
            other => return invalid(format!("raster format {other} is unknown")),
        };
        let module_px = match raster::module_pixels(o.module_mm, o.resolution_dpi) {
            Ok(px) => px,
            Err(message) => return invalid(message),
        };
        let pixels = std::slice::from_raw_parts_mut(data, r.len);
        let at = Placement { x: o.x, y: o.y, module_px, quiet_modules: o.quiet_modules };
        match raster::render(&(*symbol).symbol, pixels, format, (r.width, r.height, r.stride), at) {
            Ok(()) => sheetseal_status::SHEETSEAL_OK,
            Err(message) => invalid(message),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_then_decode_gives_the_fields_back() {
        let fields = sheetseal_payload_fields { item_seq: 42, sheet: 1, sheets: 3 };
        let mut buf = [0 as c_char; 64];
        let mut len = 0;
        let job = "DEMO";
        let status = unsafe {
            sheetseal_payload_build(job.as_ptr().cast(), job.len(), &fields, buf.as_mut_ptr(), 64, &mut len)
        };
        assert_eq!(status, sheetseal_status::SHEETSEAL_OK);
        let mut job_buf = [0 as c_char; 16];
        let mut job_len = 0;
        let mut out = sheetseal_payload_fields { item_seq: 0, sheet: 0, sheets: 0 };
        let status = unsafe {
            sheetseal_payload_decode(buf.as_ptr(), len, job_buf.as_mut_ptr(), 16, &mut job_len, &mut out)
        };
        assert_eq!(status, sheetseal_status::SHEETSEAL_OK);
        assert_eq!((out.item_seq, out.sheet, out.sheets, job_len), (42, 1, 3, 4));
    }
}
