//! The PDF reading path: any bytes through `ingest::open_bytes`, and a file that opens through a
//! whole job (split, plan, marks, imposed PDF and manifest written to a temporary folder).
//! Must never panic, hang or exhaust memory; limits are lowered so that each run stays fast.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sheetseal_core::ingest::{self, IngestOptions};
use sheetseal_core::job::{self, JobConfig};
use sheetseal_core::limits::Limits;
use sheetseal_core::split::SplitRule;

/// More pages than this is a slow input, not a more interesting one.
const MAX_PAGES: usize = 64;

fn limits() -> Limits {
    Limits { max_stream_bytes: 8 << 20, max_job_decompressed_bytes: 64 << 20, ..Limits::default() }
}

fuzz_target!(|data: &[u8]| {
    let options = IngestOptions { password: None, limits: limits() };
    let Ok(source) = ingest::open_bytes(Path::new("fuzz.pdf"), data, &options) else {
        return;
    };
    if source.pages.len() > MAX_PAGES {
        return;
    }
    drop(source);
    // tmpfs when there is one: the job flushes every file to disk.
    let base = if Path::new("/dev/shm").is_dir() { Path::new("/dev/shm") } else { Path::new("/tmp") };
    let dir = tempfile::tempdir_in(base).expect("temporary folder");
    let input = dir.path().join("in.pdf");
    std::fs::write(&input, data).expect("write input");
    let mut config =
        JobConfig::new("FUZZ", vec![input], SplitRule::Fixed { pages: 1 }, &dir.path().join("out"));
    config.limits = limits();
    if job::run(&config).is_ok() {
        // A finished job's manifest describes output that exists.
        let manifest = sheetseal_core::manifest::Manifest::read(&dir.path().join("out/manifest.json"))
            .expect("manifest");
        for output in &manifest.outputs {
            assert!(dir.path().join("out").join(&output.path).is_file());
        }
    }
});
