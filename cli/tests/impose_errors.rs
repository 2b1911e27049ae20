//! Bad input and usage: exit status 1, a message that says what and where, and no output that
//! looks complete.

use std::path::Path;
use std::time::Duration;

use crate::util::*;

fn impose_fails(args: &[&str], out: &Path) -> String {
    let mut command = sheetseal();
    command.arg("impose").args(args).arg("--out").arg(out);
    let output = run_with_limit(command, Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(1), "expected exit 1 for {args:?}");
    let listing: Vec<_> =
        std::fs::read_dir(out).map(|d| d.flatten().map(|e| e.file_name()).collect()).unwrap_or_default();
    assert!(
        listing.iter().all(|name| name != "manifest.json"
            && !name.to_string_lossy().ends_with(".pdf")
            && !name.to_string_lossy().contains("partial")),
        "a failed job left {listing:?}"
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn sample(dir: &Path) -> (String, usize) {
    run_ok(&["corpus", "--letters", "5", "--seed", "3", "--out", dir.to_str().unwrap()]);
    let pages = page_count(&dir.join("letters.pdf"));
    (dir.join("letters.pdf").to_string_lossy().into_owned(), pages)
}

#[test]
fn index_problems_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let (input, pages) = sample(&dir.path().join("in"));
    let index = dir.path().join("bad.csv");
    let cases = [
        (format!("item_id,first_page,page_count\nA,1,1\nB,3,{}\n", pages - 2), "line 3"),
        (format!("item_id,first_page,page_count\nA,1,2\nB,2,{}\n", pages - 1), "overlap"),
        (format!("item_id,first_page,page_count\nA,1,{}\n", pages + 1), "line 2"),
        (format!("item_id,first_page,page_count\nA,1,1\nA,2,{}\n", pages - 1), "already used on line 2"),
    ];
    for (text, needle) in cases {
        std::fs::write(&index, &text).unwrap();
        let split = format!("index:{}", index.display());
        let message = impose_fails(&[&input, "--job", "E1", "--split", &split], &dir.path().join("out"));
        assert!(message.contains(needle), "{text:?}: {message}");
    }
}

#[test]
fn usage_errors_are_refused_before_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = sample(&dir.path().join("in"));
    let out = dir.path().join("out");
    let message = impose_fails(&[&input, "--job", "bad id!", "--split", "fixed:1"], &out);
    assert!(message.contains("job id"), "{message}");
    let message = impose_fails(&[&input, "--job", "OK", "--split", "fixed:1", "--mark-module", "9"], &out);
    assert!(message.contains("module size"), "{message}");
    let missing = dir.path().join("missing.pdf");
    let message = impose_fails(&[missing.to_str().unwrap(), "--job", "OK", "--split", "fixed:1"], &out);
    assert!(message.contains("missing.pdf"), "{message}");
}

#[test]
fn a_failed_rerun_leaves_no_manifest_describing_replaced_output() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = sample(&dir.path().join("in"));
    let out = dir.path().join("out");
    let index = format!("index:{}", dir.path().join("in/letters.csv").display());
    run_ok(&["impose", &input, "--out", out.to_str().unwrap(), "--job", "R1", "--split", &index]);
    assert!(out.join("manifest.json").exists());
    // A rule that cannot work: refused before the earlier job's files are touched.
    let mut command = sheetseal();
    command.args(["impose", &input, "--job", "R1", "--split", "fixed:1000", "--out"]).arg(&out);
    let output = run_with_limit(command, Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(1));
    let manifest = read_manifest(&out);
    let bytes = std::fs::read(out.join("R1.pdf")).unwrap();
    assert_eq!(bytes.len() as u64, manifest.outputs[0].bytes, "the earlier job is still whole");
}

#[test]
fn of_several_unreadable_inputs_the_first_in_order_is_named() {
    // Inputs are opened side by side; which fails first in time must not change the message.
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = sample(&dir.path().join("in"));
    let folder = dir.path().join("letters");
    std::fs::create_dir(&folder).unwrap();
    for n in 1..=40 {
        let file = folder.join(format!("{n:02}.pdf"));
        match n {
            7 | 31 => std::fs::write(&file, format!("not a PDF ({n})")).unwrap(),
            _ => std::fs::copy(&input, &file).map(drop).unwrap(),
        }
    }
    let rule = format!("files:{}", folder.display());
    for _ in 0..3 {
        let message = impose_fails(&["--job", "E2", "--split", &rule], &dir.path().join("out"));
        assert!(message.contains("07.pdf") && !message.contains("31.pdf"), "{message}");
    }
}
