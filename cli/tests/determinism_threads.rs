//! Same inputs and options give byte-identical print files, sheets.csv and manifest whatever
//! the number of worker threads (rayon's pool: 1, 2 and 8), so that parallel stages are held
//! to the determinism of the serial ones.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::fixtures::{letters, Letters};
use crate::util::*;

/// The files a job wrote into `out`, by name.
type JobFiles = BTreeMap<String, Vec<u8>>;

/// Runs `impose` with `args` on 1, 2 and 8 threads; what each run wrote.
fn impose_on_threads(dir: &Path, args: &[&str]) -> BTreeMap<&'static str, JobFiles> {
    let mut results = BTreeMap::new();
    for threads in ["1", "2", "8"] {
        let out = dir.join(format!("t{threads}"));
        let mut command = sheetseal();
        command.env("RAYON_NUM_THREADS", threads);
        command.arg("impose").args(args).arg("--out").arg(&out);
        let run = run_with_limit(command, Duration::from_secs(300));
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let files = std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
            .collect();
        results.insert(threads, files);
    }
    results
}

/// Every run wrote the same files, byte for byte, as the one-thread run.
fn assert_same_on_every_thread_count(results: &BTreeMap<&str, JobFiles>) {
    let one = &results["1"];
    for threads in ["2", "8"] {
        assert_eq!(results[threads].keys().collect::<Vec<_>>(), one.keys().collect::<Vec<_>>());
        for (name, bytes) in one {
            assert!(results[threads][name] == *bytes, "{name} differs with {threads} threads");
        }
    }
}

#[test]
fn output_bytes_do_not_depend_on_the_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let Letters { pdf, split, .. } = letters(dir.path(), 120, 9);
    let args = ["--job", "DET", "--split", &split, "--layout", "nup:2x1", "--max-sheets-per-file", "40"];
    let results = impose_on_threads(dir.path(), &[&[pdf.to_str().unwrap()], &args[..]].concat());
    let one = &results["1"];
    assert!(one.len() >= 4, "several print files, sheets.csv and the manifest: {:?}", one.keys());
    assert_same_on_every_thread_count(&results);
}

#[test]
fn a_folder_of_small_inputs_opened_side_by_side_gives_the_same_bytes_and_each_input_its_hash() {
    // One small file a letter: opened in parallel, hashed as each is opened.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("letters");
    std::fs::create_dir(&folder).unwrap();
    let mut files = Vec::new();
    for n in 1..=24u64 {
        let Letters { pdf, .. } = letters(&dir.path().join(format!("gen{n}")), 1, n);
        let file = folder.join(format!("{n:03}.pdf"));
        std::fs::rename(&pdf, &file).unwrap();
        files.push(file);
    }
    let rule = format!("files:{}", folder.display());
    let results = impose_on_threads(dir.path(), &["--job", "DETF", "--split", &rule]);
    assert_same_on_every_thread_count(&results);
    let manifest = read_manifest(&dir.path().join("t2"));
    assert_eq!(manifest.inputs.len(), files.len());
    for (input, file) in manifest.inputs.iter().zip(&files) {
        assert_eq!(input.path, file.display().to_string());
        assert_eq!(input.sha256, sha256_hex(file), "{}", input.path);
    }
    assert_every_page_accounted_for(&manifest);
}
