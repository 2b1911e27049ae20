//! The inserter's camera log parser (`reconcile::scanlog::ScanLog`): any bytes, read with the
//! automatic format detection. It must end (every line is read at most once, none is longer than
//! its limit) and every read it reports names a line of the log.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sheetseal_core::reconcile::scanlog::{LogOptions, ScanLog};

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let Ok(log) = ScanLog::new(std::io::Cursor::new(data), LogOptions::default()) else {
        return;
    };
    let mut last = 0;
    for read in log {
        match read {
            Ok(read) => {
                assert!(read.line > last && read.line <= lines, "line {} after {last} of {lines}", read.line);
                last = read.line;
            }
            Err(_) => break,
        }
    }
});
