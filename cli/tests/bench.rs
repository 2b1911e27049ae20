//! The corpus harness, `sheetseal bench`, end to end on a small corpus.

use crate::util::run_ok;

#[test]
fn the_harness_takes_rounds_and_compares_the_job_with_each_peer_it_finds() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let table = dir.path().join("table.md");
    let (cache_arg, table_arg) = (cache.to_str().unwrap(), table.to_str().unwrap());
    let args = ["bench", "--letters", "12", "--cache", cache_arg, "--rounds", "3", "--peers"];
    let output =
        run_ok(&[&args[..], &["--peer-python", "/nonexistent/python", "--markdown", table_arg]].concat());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let row = stdout.lines().find(|l| l.starts_with("sheetseal ")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.contains("12 letters") && row.contains("CPU") && row.contains("ingest"), "{row}");
    // qpdf (which the tests install) is timed in the same rounds and compared.
    assert!(
        stdout.contains("12 letters: sheetseal runs at")
            && stdout.contains("times the rate of qpdf --stream-data=preserve")
            && stdout.contains("medians of 3 alternating rounds"),
        "{stdout}"
    );
    assert_eq!(stderr.matches("round ").count(), 3, "{stderr}");
    // Peers that are not there are skipped with a way to get them, not an error.
    assert!(
        stderr.contains("PyMuPDF job skipped (scripts/install-bench-peers.sh installs them)"),
        "{stderr}"
    );
    for tool in ["pikepdf job", "pypdf job", "qpdf --overlay job"] {
        assert!(stderr.contains(&format!("{tool} skipped")), "{stderr}");
    }
    let markdown = std::fs::read_to_string(&table).unwrap();
    assert!(markdown.starts_with("| tool | letters |"), "{markdown}");
    assert!(markdown.contains("\n- 12 letters: sheetseal runs at"), "{markdown}");
    // The scripted peers' job is written beside the corpora, ready to run by hand.
    let script = std::fs::read_to_string(cache.join("bench-peers.py")).unwrap();
    for job in ["with_pymupdf", "with_pikepdf", "with_pypdf", "with_qpdf_overlay"] {
        assert!(script.contains(&format!("def {job}(")), "{job}");
    }
}

#[test]
fn the_harness_runs_the_job_on_a_folder_of_one_file_a_letter() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let args =
        ["bench", "--letters", "7", "--cache", cache.to_str().unwrap(), "--one-file-per-letter", "--peers"];
    let output = run_ok(&args);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let row = stdout.lines().find(|l| l.starts_with("sheetseal ")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.contains("7 letters") && row.contains("ingest"), "{row}");
    // qpdf (which the tests install) merging the folder is timed once and compared.
    assert!(
        stdout.contains("qpdf --empty --pages (merge)") && stdout.contains("7 letters: sheetseal runs at"),
        "{stdout}"
    );
    assert_eq!(stderr.matches("running the qpdf --empty --pages (merge) once").count(), 1, "{stderr}");
    let folder = cache.join("letter-files-7");
    let mut files: Vec<String> =
        std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files, (1..=7).map(|n| format!("{n:07}.pdf")).collect::<Vec<_>>());
    // The job ran on them: one item an input, each its own file.
    let manifest = crate::util::read_manifest(&cache.join("job-7"));
    assert_eq!(manifest.items.len(), 7);
    assert_eq!(manifest.inputs.len(), 7);
    assert!(manifest.inputs[0].path.ends_with("0000001.pdf"), "{}", manifest.inputs[0].path);
    // The merge has every page of the folder, in the folder's order.
    let merged = crate::util::page_count(&cache.join("peer-qpdf-merge.pdf"));
    assert_eq!(merged, manifest.inputs.iter().map(|i| i.pages).sum::<usize>());
}
