//! Payload templates at the mark level: a RIP that imposes itself builds each sheet's payload
//! from the same template language as the CLI's `--mark-template` and `--mark-preset`
//! (docs/payload.md), with an optional HMAC key as `--mark-key` gives.

use std::collections::BTreeMap;
use std::ffi::c_char;

use sheetseal_core::mark::template::SheetFacts;
use sheetseal_core::mark::{MarkKey, PayloadConfig};

use crate::error::{copy_message, set_thread_error};
use crate::panic::{check_null, guard};
use crate::status::sheetseal_status;

/// A parsed payload template, with its key if it has one. Created by `sheetseal_template_new`
/// or `sheetseal_template_new_preset`, released by `sheetseal_template_free`; immutable, so it
/// may be shared between threads.
#[allow(non_camel_case_types)]
pub struct sheetseal_template {
    payload: PayloadConfig,
}

/// One index column of an item (`col(NAME)`, `feeders(NAME)`, `divert(NAME)` read them).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sheetseal_column {
    pub name: *const c_char,
    pub name_len: usize,
    pub value: *const c_char,
    pub value_len: usize,
}

/// What a template can say about one sheet. Text is given as pointer and length (UTF-8, no NUL
/// needed); a pointer may be NULL only when its length is 0.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sheetseal_sheet_facts {
    /// The job id (`{job}`).
    pub job: *const c_char,
    pub job_len: usize,
    /// The item's 1-based position in the job (`{piece}`).
    pub piece: usize,
    /// The item's id (`{item}`).
    pub item_id: *const c_char,
    pub item_id_len: usize,
    /// Sheet n of m within the item (`{sheet}`, `{sheets}`, `{eoc}`, `{boc}`).
    pub sheet: usize,
    pub sheets: usize,
    /// The sheet's 1-based position in the job (`{seq}`, `{wrap(K)}`).
    pub seq: usize,
    /// The item's index columns: `columns_len` entries.
    pub columns: *const sheetseal_column,
    pub columns_len: usize,
}

unsafe fn text<'a>(data: *const c_char, len: usize, what: &str) -> Result<&'a str, sheetseal_status> {
    if len == 0 {
        return Ok("");
    }
    if data.is_null() {
        set_thread_error(format!("{what} is NULL with a length of {len}"));
        return Err(sheetseal_status::SHEETSEAL_ERR_NULL_ARGUMENT);
    }
    std::str::from_utf8(std::slice::from_raw_parts(data.cast::<u8>(), len)).map_err(|e| {
        set_thread_error(format!("{what} is not valid UTF-8: {e}"));
        sheetseal_status::SHEETSEAL_ERR_INVALID_UTF8
    })
}

fn mark_error(message: String) -> sheetseal_status {
    set_thread_error(message);
    sheetseal_status::SHEETSEAL_ERR_MARK
}

/// Reads `text` (a template or a preset name), makes the payload with `make`, adds the key (if
/// any) and hands the template out.
unsafe fn new_template(
    text_ptr: *const c_char,
    text_len: usize,
    what: &str,
    make: impl FnOnce(&str) -> Result<PayloadConfig, String>,
    key: *const u8,
    key_len: usize,
    out_template: *mut *mut sheetseal_template,
) -> sheetseal_status {
    check_null!(text_ptr, out_template);
    let payload = match text(text_ptr, text_len, what) {
        Ok(text) => match make(text) {
            Ok(payload) => payload,
            Err(message) => return mark_error(message),
        },
        Err(status) => return status,
    };
    let payload = if key.is_null() {
        payload
    } else {
        let Some(key) = MarkKey::from_bytes(std::slice::from_raw_parts(key, key_len)) else {
            set_thread_error("the key must have at least 16 bytes");
            return sheetseal_status::SHEETSEAL_ERR_INVALID_ARGUMENT;
        };
        match payload.with_key(key) {
            Ok(payload) => payload,
            Err(e) => return mark_error(e.to_string()),
        }
    };
    *out_template = Box::into_raw(Box::new(sheetseal_template { payload }));
    sheetseal_status::SHEETSEAL_OK
}

/// Parses the template `spec` of `spec_len` bytes (e.g. `{job}-{piece:6}{sheet:2}{sheets:2}`)
/// and writes a new handle to `*out_template`. `key` of `key_len` bytes (at least 16), or NULL
/// for none, adds a truncated HMAC as `--mark-key` does. `SHEETSEAL_ERR_MARK` for a template that
/// cannot be read (the message names the character). Thread-safe.
///
/// # Safety
/// `spec` valid for `spec_len` bytes; `key` NULL or valid for `key_len` bytes; `out_template`
/// for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_template_new(
    spec: *const c_char,
    spec_len: usize,
    key: *const u8,
    key_len: usize,
    out_template: *mut *mut sheetseal_template,
) -> sheetseal_status {
    guard(|| {
        let make = |spec: &str| PayloadConfig::template(spec).map_err(|e| e.to_string());
        new_template(spec, spec_len, "the template", make, key, key_len, out_template)
    })
}

/// As `sheetseal_template_new`, with a built-in preset by name (`default`, `file`,
/// `instruction`, `relay18`, `omr`). `SHEETSEAL_ERR_MARK` for an unknown name. Thread-safe.
///
/// # Safety
/// As `sheetseal_template_new`.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_template_new_preset(
    name: *const c_char,
    name_len: usize,
    key: *const u8,
    key_len: usize,
    out_template: *mut *mut sheetseal_template,
) -> sheetseal_status {
    guard(|| {
        let make = |name: &str| PayloadConfig::preset(name).ok_or(format!("unknown payload preset '{name}'"));
        new_template(name, name_len, "the preset name", make, key, key_len, out_template)
    })
}

/// Releases a template. NULL is accepted and ignored. Infallible.
///
/// # Safety
/// `template` must be NULL or a handle from `sheetseal_template_new*` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_template_free(template: *mut sheetseal_template) {
    crate::panic::guard_or((), || {
        if !template.is_null() {
            drop(Box::from_raw(template));
        }
    })
}

/// Builds the payload of one sheet from the template and `facts`, and copies it NUL-terminated
/// into `buf` of `len` bytes (its length without the NUL to `*out_len`; the length needed when
/// the call fails with `SHEETSEAL_ERR_BUFFER_TOO_SMALL`). `SHEETSEAL_ERR_MARK` when a value does
/// not fit its field (a longer value is never truncated) or a column the template reads is
/// missing; the message names the field. Thread-safe; the template may be shared.
///
/// # Safety
/// `template` a live handle; `facts` valid for one read, with its text and `columns` valid for
/// their lengths; `buf` for `len` bytes; `out_len` for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_template_render(
    template: *const sheetseal_template,
    facts: *const sheetseal_sheet_facts,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> sheetseal_status {
    guard(|| {
        check_null!(template, facts, buf, out_len);
        let f = *facts;
        let strings = (|| {
            let job = text(f.job, f.job_len, "the job id")?;
            let item_id = text(f.item_id, f.item_id_len, "the item id")?;
            let mut columns = BTreeMap::new();
            if f.columns_len > 0 {
                if f.columns.is_null() {
                    set_thread_error("columns is NULL with entries");
                    return Err(sheetseal_status::SHEETSEAL_ERR_NULL_ARGUMENT);
                }
                for column in std::slice::from_raw_parts(f.columns, f.columns_len) {
                    let name = text(column.name, column.name_len, "a column name")?;
                    let value = text(column.value, column.value_len, "a column value")?;
                    columns.insert(name.to_string(), value.to_string());
                }
            }
            Ok((job, item_id, columns))
        })();
        let (job, item_id, columns) = match strings {
            Ok(strings) => strings,
            Err(status) => return status,
        };
        let sheet_facts = SheetFacts {
            job,
            piece: f.piece,
            item_id,
            sheet: f.sheet,
            sheets: f.sheets,
            seq: f.seq,
            metadata: &columns,
        };
        let payload = &(*template).payload;
        match payload.template.render(&sheet_facts, payload.key.as_ref()) {
            Ok(rendered) => {
                let status = copy_message(&rendered, buf, len, out_len);
                if status != sheetseal_status::SHEETSEAL_OK {
                    set_thread_error(format!("the payload needs {} bytes and a NUL", rendered.len()));
                }
                status
            }
            Err(e) => mark_error(e.to_string()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::{null, null_mut};

    fn facts<'a>(job: &'a str, item: &'a str, columns: &'a [sheetseal_column]) -> sheetseal_sheet_facts {
        sheetseal_sheet_facts {
            job: job.as_ptr().cast(),
            job_len: job.len(),
            piece: 42,
            item_id: item.as_ptr().cast(),
            item_id_len: item.len(),
            sheet: 1,
            sheets: 3,
            seq: 117,
            columns: columns.as_ptr(),
            columns_len: columns.len(),
        }
    }

    fn render(template: *const sheetseal_template, facts: &sheetseal_sheet_facts) -> Result<String, u32> {
        let mut buf = [0 as c_char; 64];
        let mut len = 0;
        let status =
            unsafe { sheetseal_template_render(template, facts, buf.as_mut_ptr(), buf.len(), &mut len) };
        if status != sheetseal_status::SHEETSEAL_OK {
            return Err(status as u32);
        }
        Ok(String::from_utf8(buf[..len].iter().map(|&c| c as u8).collect()).unwrap())
    }

    #[test]
    fn presets_render_as_the_cli_renders_them() {
        // The sheet of each preset's documented example (`sheetseal marks presets`).
        let column = |name: &'static str, value: &'static str| sheetseal_column {
            name: name.as_ptr().cast(),
            name_len: name.len(),
            value: value.as_ptr().cast(),
            value_len: value.len(),
        };
        let columns = [column("feeders", "1;2"), column("divert", "0")];
        let facts = facts("DEMO", "L0000042", &columns);
        for preset in sheetseal_core::mark::presets::PRESETS {
            let mut template = null_mut();
            let name = preset.name;
            let status = unsafe {
                sheetseal_template_new_preset(name.as_ptr().cast(), name.len(), null(), 0, &mut template)
            };
            assert_eq!(status, sheetseal_status::SHEETSEAL_OK, "{name}");
            assert_eq!(render(template, &facts), Ok(preset.example()), "{name}");
            unsafe { sheetseal_template_free(template) };
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let mut template = null_mut();
        let bad = "{job}{nosuch}";
        let status =
            unsafe { sheetseal_template_new(bad.as_ptr().cast(), bad.len(), null(), 0, &mut template) };
        assert_eq!(status, sheetseal_status::SHEETSEAL_ERR_MARK);
        assert!(template.is_null());
        assert!(crate::error::thread_error().contains("nosuch"), "{}", crate::error::thread_error());

        let spec = "{piece:2}";
        let short_key = [7u8; 8];
        let status = unsafe {
            sheetseal_template_new(spec.as_ptr().cast(), spec.len(), short_key.as_ptr(), 8, &mut template)
        };
        assert_eq!(status, sheetseal_status::SHEETSEAL_ERR_INVALID_ARGUMENT);
        let status =
            unsafe { sheetseal_template_new(spec.as_ptr().cast(), spec.len(), null(), 0, &mut template) };
        assert_eq!(status, sheetseal_status::SHEETSEAL_OK);
        // Piece 42 fits two digits; 420 does not, and is never truncated.
        let mut f = facts("DEMO", "", &[]);
        assert_eq!(render(template, &f), Ok("42".to_string()));
        f.piece = 420;
        assert_eq!(render(template, &f), Err(sheetseal_status::SHEETSEAL_ERR_MARK as u32));
        assert!(crate::error::thread_error().contains("{piece:2}"), "{}", crate::error::thread_error());
        unsafe { sheetseal_template_free(template) };
    }

    #[test]
    fn a_key_appends_an_hmac_that_depends_on_the_key() {
        let spec = "{job}-{piece:6}";
        let f = facts("DEMO", "", &[]);
        let rendered: Vec<String> = [[1u8; 32], [2u8; 32]]
            .iter()
            .map(|key| {
                let mut template = null_mut();
                let status = unsafe {
                    sheetseal_template_new(spec.as_ptr().cast(), spec.len(), key.as_ptr(), 32, &mut template)
                };
                assert_eq!(status, sheetseal_status::SHEETSEAL_OK);
                let payload = render(template, &f).unwrap();
                unsafe { sheetseal_template_free(template) };
                payload
            })
            .collect();
        assert!(rendered[0].starts_with("DEMO-000042") && rendered[0].len() > "DEMO-000042".len());
        assert_ne!(rendered[0], rendered[1]);
    }
}
