//! Same inputs and options give byte-identical print files, sheets.csv and manifest whatever
//! the number of worker threads (rayon's pool: 1, 2 and 8), so that parallel stages are held
//! to the determinism of the serial ones.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::fixtures::{letters, Letters};
use crate::util::*;

#[test]
fn output_bytes_do_not_depend_on_the_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let Letters { pdf, split, .. } = letters(dir.path(), 120, 9);
    let mut results: BTreeMap<&str, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
    for threads in ["1", "2", "8"] {
        let out = dir.path().join(format!("t{threads}"));
        let mut command = sheetseal();
        command.env("RAYON_NUM_THREADS", threads);
        command.args(["impose", pdf.to_str().unwrap(), "--job", "DET", "--split", &split]);
        command.args(["--layout", "nup:2x1", "--max-sheets-per-file", "40", "--out"]).arg(&out);
        let run = run_with_limit(command, Duration::from_secs(300));
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let files = std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
            .collect();
        results.insert(threads, files);
    }
    let one = &results["1"];
    assert!(one.len() >= 4, "several print files, sheets.csv and the manifest: {:?}", one.keys());
    for threads in ["2", "8"] {
        assert_eq!(results[threads].keys().collect::<Vec<_>>(), one.keys().collect::<Vec<_>>());
        for (name, bytes) in one {
            assert!(results[threads][name] == *bytes, "{name} differs with {threads} threads");
        }
    }
}
