//! Every real-world file of the public corpus (../shared/corpus/public, MANIFEST.tsv) through
//! `impose --split fixed:1`: usable files give a valid print file, the others a clear error.

use std::time::Duration;

use crate::util::*;

struct Entry {
    file: String,
    pages: Option<usize>,
    expected: String,
}

fn entries() -> Vec<Entry> {
    let text = std::fs::read_to_string(public_corpus().join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (file, pages, expected) = (col("file"), col("pages"), col("expected"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Entry {
                file: f[file].to_string(),
                pages: f[pages].parse().ok(),
                expected: f[expected].to_string(),
            }
        })
        .collect()
}

#[test]
fn every_public_file_is_imposed_or_refused_clearly() {
    let corpus = public_corpus();
    let entries = entries();
    assert!(entries.len() >= 50, "the corpus lists {} files", entries.len());
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for entry in &entries {
        let out = dir.path().join(entry.file.trim_end_matches(".pdf"));
        let mut command = sheetseal();
        command.arg("impose").arg(corpus.join(&entry.file)).arg("--out").arg(&out);
        command.args(["--job", "PUB", "--split", "fixed:1"]);
        let output = run_with_limit(command, Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{}: panic\n{stderr}", entry.file);
        match entry.expected.as_str() {
            "ok" | "repairable" => {
                if !output.status.success() {
                    problems.push(format!("{} ({}): {}", entry.file, entry.expected, stderr.trim()));
                    continue;
                }
                let pdf = out.join("PUB.pdf");
                assert_qpdf_clean(&pdf);
                let manifest = read_manifest(&out);
                if let Some(pages) = entry.pages {
                    assert_eq!(manifest.counts.input_pages, pages, "{}", entry.file);
                }
                // Duplex, one page an item: every page gets a sheet of its own and a blank back.
                assert_eq!(manifest.counts.sheets, manifest.counts.input_pages, "{}", entry.file);
                assert_eq!(page_count(&pdf), 2 * manifest.counts.input_pages, "{}", entry.file);
            }
            "error" => {
                assert_eq!(output.status.code(), Some(1), "{}: expected a clear error\n{stderr}", entry.file);
                assert!(stderr.starts_with("error: "), "{}: {stderr}", entry.file);
                assert!(stderr.contains(&entry.file), "{}: the error names the file: {stderr}", entry.file);
                assert!(
                    !out.join("manifest.json").exists() && !out.join("PUB.pdf").exists(),
                    "{}",
                    entry.file
                );
            }
            other => panic!("{}: unknown expectation {other}", entry.file),
        }
    }
    assert!(problems.is_empty(), "usable files that failed:\n{}", problems.join("\n"));
}

#[test]
fn the_right_password_opens_a_protected_file_and_a_wrong_one_is_refused() {
    let corpus = public_corpus();
    let dir = tempfile::tempdir().unwrap();
    let input = corpus.join("encrypted-pw-aes256-r6.pdf");
    let out = dir.path().join("ok");
    run_ok(&[
        "impose",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--job",
        "PW",
        "--split",
        "fixed:1",
        "--password",
        "view",
    ]);
    let manifest = read_manifest(&out);
    assert_eq!(manifest.counts.input_pages, 30);
    assert!(manifest.warnings.iter().any(|w| w.code == "input-decrypted"));
    assert_qpdf_clean(&out.join("PW.pdf"));

    let mut command = sheetseal();
    command.args([
        "impose",
        input.to_str().unwrap(),
        "--job",
        "PW",
        "--split",
        "fixed:1",
        "--password",
        "nope",
        "--out",
    ]);
    command.arg(dir.path().join("bad"));
    let output = run_with_limit(command, Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("password"));
}
