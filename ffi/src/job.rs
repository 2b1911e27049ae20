//! The job level: run a whole job from the JSON job description the CLI uses.

use std::ffi::{c_char, c_int, c_void};
use std::ops::ControlFlow;

use sheetseal_core::job::{self, JobConfig, Progress, RunOptions, Teardown};

use crate::error::{copy_message, set_thread_error};
use crate::panic::{check_null, guard};
use crate::status::sheetseal_status;

/// A job: its description, and after a run its warnings, counts or error. Created by
/// `sheetseal_job_new`, released by `sheetseal_job_free`. One handle may be used by one thread at
/// a time; different handles may run on different threads at once.
#[allow(non_camel_case_types)]
pub struct sheetseal_job {
    config: JobConfig,
    last_error: String,
    warnings: Vec<String>,
    counts: Option<(usize, usize)>,
    /// Caller-owned input contents by input position (pointer, length).
    input_buffers: Vec<Option<(*const u8, usize)>>,
    progress: sheetseal_progress_callback,
    progress_user_data: *mut c_void,
    output: sheetseal_write_callback,
    output_user_data: *mut c_void,
}

/// An output callback: receives the bytes of output file `file_index` (0-based, in order) with
/// the caller's `user_data`; returns 0 when they were taken, anything else to fail the job
/// (`SHEETSEAL_ERR_OUTPUT`).
#[allow(non_camel_case_types)]
pub type sheetseal_write_callback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, file_index: usize, data: *const u8, len: usize) -> c_int,
>;

/// How far a running job is: passed to the progress callback after each press sheet is written.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sheetseal_progress {
    /// Postal items in the job.
    pub items_total: usize,
    /// Press sheets written so far, over all output files.
    pub sheets_done: usize,
    /// Press sheets in the job.
    pub sheets_total: usize,
}

/// A progress callback: called on the thread running the job with the caller's `user_data`;
/// returns 0 to go on, anything else to cancel the job (`SHEETSEAL_ERR_CANCELLED`). It must not
/// call functions on the same job handle.
#[allow(non_camel_case_types)]
pub type sheetseal_progress_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, progress: *const sheetseal_progress) -> c_int>;

/// Reads the UTF-8 bytes `text` of `len` into a `&str`; sets the thread error on failure.
unsafe fn utf8<'a>(text: *const u8, len: usize) -> Result<&'a str, sheetseal_status> {
    let bytes = std::slice::from_raw_parts(text, len);
    std::str::from_utf8(bytes).map_err(|e| {
        set_thread_error(format!("text is not valid UTF-8: {e}"));
        sheetseal_status::SHEETSEAL_ERR_INVALID_UTF8
    })
}

/// Parses a job description and checks the parts a run cannot do without.
pub(crate) fn parse_config(json: &str) -> Result<JobConfig, String> {
    let config: JobConfig =
        serde_json::from_str(json).map_err(|e| format!("invalid job description: {e}"))?;
    if config.out_dir.as_os_str().is_empty() {
        return Err("invalid job description: 'out_dir' is missing".to_string());
    }
    Ok(config)
}

/// Creates a job from the JSON job description `config_json` of `len` bytes (UTF-8, not
/// necessarily NUL-terminated): the fields of the manifest's `config` plus `out_dir` (and
/// `password` for encrypted inputs). On success writes a new handle to `*out_job`; on failure
/// writes nothing and the thread-local message (`sheetseal_last_error_message`) says why.
/// Thread-safe.
///
/// # Safety
/// `config_json` must be valid for `len` bytes; `out_job` valid for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_new(
    config_json: *const c_char,
    len: usize,
    out_job: *mut *mut sheetseal_job,
) -> sheetseal_status {
    guard(|| {
        check_null!(config_json, out_job);
        let text = match utf8(config_json.cast(), len) {
            Ok(text) => text,
            Err(status) => return status,
        };
        match parse_config(text) {
            Ok(config) => {
                let job = sheetseal_job {
                    input_buffers: vec![None; config.inputs.len()],
                    config,
                    last_error: String::new(),
                    warnings: Vec::new(),
                    counts: None,
                    progress: None,
                    progress_user_data: std::ptr::null_mut(),
                    output: None,
                    output_user_data: std::ptr::null_mut(),
                };
                *out_job = Box::into_raw(Box::new(job));
                sheetseal_status::SHEETSEAL_OK
            }
            Err(message) => {
                set_thread_error(message);
                sheetseal_status::SHEETSEAL_ERR_CONFIG
            }
        }
    })
}

/// Creates a job from a JSON job description file at `path` of `len` bytes (UTF-8), as
/// `sheetseal_job_new` does from a string; relative paths inside it are taken as they are (relative
/// to the process's working folder). `SHEETSEAL_ERR_CONFIG` when the file cannot be read. Thread-safe.
///
/// # Safety
/// `path` must be valid for `len` bytes; `out_job` valid for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_new_from_file(
    path: *const c_char,
    len: usize,
    out_job: *mut *mut sheetseal_job,
) -> sheetseal_status {
    guard(|| {
        check_null!(path, out_job);
        let path = match utf8(path.cast(), len) {
            Ok(path) => path,
            Err(status) => return status,
        };
        match std::fs::read(path) {
            Ok(bytes) => sheetseal_job_new(bytes.as_ptr().cast(), bytes.len(), out_job),
            Err(e) => {
                set_thread_error(format!("cannot read job description {path}: {e}"));
                sheetseal_status::SHEETSEAL_ERR_CONFIG
            }
        }
    })
}

/// Releases a job. NULL is accepted and ignored. Infallible.
///
/// # Safety
/// `job` must be NULL or a handle from `sheetseal_job_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_free(job: *mut sheetseal_job) {
    crate::panic::guard_or((), || {
        if !job.is_null() {
            drop(Box::from_raw(job));
        }
    })
}

/// Runs the job: writes the imposed PDF(s) and the manifest into `out_dir`. On failure nothing
/// that looks like a finished job is left there, and `sheetseal_job_error_message` says why.
/// Warnings of a successful run are read with `sheetseal_job_warning_count` and
/// `sheetseal_job_warning`. A handle may be run again.
///
/// # Safety
/// `job` must be a live handle used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_run(job: *mut sheetseal_job) -> sheetseal_status {
    guard(|| {
        check_null!(job);
        let job = &mut *job;
        job.warnings.clear();
        job.counts = None;
        job.last_error.clear();
        let buffers: Vec<Option<&[u8]>> = job
            .input_buffers
            .iter()
            .map(|b| b.map(|(data, len)| unsafe { std::slice::from_raw_parts(data, len) }))
            .collect();
        let (callback, user_data) = (job.progress, job.progress_user_data);
        let mut hook = |p: Progress| {
            let progress = sheetseal_progress {
                items_total: p.items_total,
                sheets_done: p.sheets_done,
                sheets_total: p.sheets_total,
            };
            match callback {
                Some(f) if unsafe { f(user_data, &progress) } != 0 => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        };
        let (writer, writer_data) = (job.output, job.output_user_data);
        let mut sink = |file: usize, bytes: &[u8]| match writer {
            Some(f) if unsafe { f(writer_data, file, bytes.as_ptr(), bytes.len()) } == 0 => Ok(()),
            _ => Err(std::io::Error::other("the output callback refused the bytes")),
        };
        let options = RunOptions {
            input_bytes: buffers,
            progress: if callback.is_some() { Some(&mut hook) } else { None },
            output: if writer.is_some() { Some(&mut sink) } else { None },
            // A host program is not sheetseal: its page texts are read in its own process.
            text_reader: None,
            // A host program goes on after the job: what the job built is freed.
            teardown: Teardown::Free,
        };
        match job::run_with(&job.config, options) {
            Ok(outcome) => {
                let m = &outcome.manifest;
                job.warnings = m.warnings.iter().map(|w| format!("{}: {}", w.code, w.message)).collect();
                job.counts = Some((m.counts.items, m.counts.sheets));
                sheetseal_status::SHEETSEAL_OK
            }
            Err(error) => {
                job.last_error = error.to_string();
                sheetseal_status::from(&error)
            }
        }
    })
}

/// Gives input `index` (0-based position in the description's `inputs`) from memory: `data` of
/// `len` bytes is read instead of the file, whose path then only names the input in messages
/// and the manifest. The buffer stays owned by the caller and is borrowed, not copied: it must
/// stay valid and unchanged until the job is freed or the input is given again.
/// `SHEETSEAL_ERR_INVALID_ARGUMENT` when `index` is out of range.
///
/// # Safety
/// `job` must be a live handle; `data` valid for `len` bytes for as long as stated above.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_set_input_buffer(
    job: *mut sheetseal_job,
    index: usize,
    data: *const u8,
    len: usize,
) -> sheetseal_status {
    guard(|| {
        check_null!(job, data);
        let job = &mut *job;
        match job.input_buffers.get_mut(index) {
            Some(slot) => {
                *slot = Some((data, len));
                sheetseal_status::SHEETSEAL_OK
            }
            None => {
                job.last_error =
                    format!("input {index} does not exist: the job has {} input(s)", job.input_buffers.len());
                set_thread_error(job.last_error.clone());
                sheetseal_status::SHEETSEAL_ERR_INVALID_ARGUMENT
            }
        }
    })
}

/// Sets the progress callback (NULL removes it) and the `user_data` passed to it.
///
/// # Safety
/// `job` must be a live handle; `user_data` is passed through untouched.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_set_progress(
    job: *mut sheetseal_job,
    callback: sheetseal_progress_callback,
    user_data: *mut c_void,
) -> sheetseal_status {
    guard(|| {
        check_null!(job);
        (*job).progress = callback;
        (*job).progress_user_data = user_data;
        sheetseal_status::SHEETSEAL_OK
    })
}

/// Sends the imposed PDFs to `callback` (with `user_data`) instead of files in `out_dir`; NULL
/// goes back to files. The manifest is still written to `out_dir`, recording each output's name,
/// size and SHA-256.
///
/// # Safety
/// `job` must be a live handle; `user_data` is passed through untouched.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_set_output_callback(
    job: *mut sheetseal_job,
    callback: sheetseal_write_callback,
    user_data: *mut c_void,
) -> sheetseal_status {
    guard(|| {
        check_null!(job);
        (*job).output = callback;
        (*job).output_user_data = user_data;
        sheetseal_status::SHEETSEAL_OK
    })
}

/// Copies the message of the last failed run of `job` (empty if none) into `buf` of `len` bytes,
/// as `sheetseal_last_error_message` does.
///
/// # Safety
/// `job` must be a live handle; `buf` valid for `len` bytes; `out_len` for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_error_message(
    job: *const sheetseal_job,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> sheetseal_status {
    guard(|| {
        check_null!(job);
        copy_message(&(*job).last_error, buf, len, out_len)
    })
}

/// Writes the number of warnings of the last successful run to `*out_count` (0 before a run).
///
/// # Safety
/// `job` must be a live handle; `out_count` valid for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_warning_count(
    job: *const sheetseal_job,
    out_count: *mut usize,
) -> sheetseal_status {
    guard(|| {
        check_null!(job, out_count);
        *out_count = (*job).warnings.len();
        sheetseal_status::SHEETSEAL_OK
    })
}

/// Copies warning `index` ("code: message") of the last successful run into `buf` of `len` bytes,
/// as `sheetseal_last_error_message` does. `SHEETSEAL_ERR_INVALID_ARGUMENT` when `index` is out of
/// range.
///
/// # Safety
/// `job` must be a live handle; `buf` valid for `len` bytes; `out_len` for one write.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_warning(
    job: *const sheetseal_job,
    index: usize,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> sheetseal_status {
    guard(|| {
        check_null!(job);
        let job = &*job;
        match job.warnings.get(index) {
            Some(warning) => copy_message(warning, buf, len, out_len),
            None => {
                set_thread_error(format!("warning {index} does not exist"));
                sheetseal_status::SHEETSEAL_ERR_INVALID_ARGUMENT
            }
        }
    })
}

/// Writes the number of postal items and printer sheets of the last successful run to
/// `*out_items` and `*out_sheets`. `SHEETSEAL_ERR_INVALID_ARGUMENT` when the job has not run
/// successfully.
///
/// # Safety
/// `job` must be a live handle; the outputs valid for one write each.
#[no_mangle]
pub unsafe extern "C" fn sheetseal_job_counts(
    job: *const sheetseal_job,
    out_items: *mut usize,
    out_sheets: *mut usize,
) -> sheetseal_status {
    guard(|| {
        check_null!(job, out_items, out_sheets);
        match (*job).counts {
            Some((items, sheets)) => {
                *out_items = items;
                *out_sheets = sheets;
                sheetseal_status::SHEETSEAL_OK
            }
            None => {
                set_thread_error("the job has not run successfully");
                sheetseal_status::SHEETSEAL_ERR_INVALID_ARGUMENT
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_without_out_dir_is_refused() {
        let err = parse_config(r#"{"job":"J1","inputs":["a.pdf"],"split":{"rule":"fixed","pages":2}}"#);
        assert!(err.unwrap_err().contains("out_dir"));
    }

    #[test]
    fn defaults_fill_what_the_description_leaves_out() {
        let config = parse_config(
            r#"{"job":"J1","inputs":["a.pdf"],"split":{"rule":"fixed","pages":2},"out_dir":"/tmp/x"}"#,
        )
        .unwrap();
        assert_eq!(config.layout, sheetseal_core::plan::LayoutSpec::default());
    }

    #[test]
    fn bad_json_is_a_config_error() {
        let text = b"{not json";
        let mut job = std::ptr::null_mut();
        let status = unsafe { sheetseal_job_new(text.as_ptr().cast(), text.len(), &mut job) };
        assert_eq!(status, sheetseal_status::SHEETSEAL_ERR_CONFIG);
        assert!(job.is_null());
    }
}
