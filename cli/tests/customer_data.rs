//! Customer data: what the program prints and records carries ids, never page text or
//! addresses; inputs can be deleted after a successful job; job folders are purged after a
//! retention period, file by file, with an audit line each.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::fixtures::{letters, Letters};
use crate::measure::run_measured;
use crate::util::*;

/// The recipient block of the first page of a letter: its last three lines (name, street, town),
/// the block that ends just before the "Ref:" line.
fn address_of(pdf: &Path, page: usize) -> Vec<String> {
    let text = page_texts(pdf).remove(page - 1);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let reference = lines.iter().position(|l| l.starts_with("Ref: ")).expect("a Ref: line");
    let block: Vec<&str> = lines[..reference]
        .iter()
        .rev()
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .copied()
        .collect();
    let address: Vec<String> = block[..3].iter().rev().map(|l| l.to_string()).collect();
    assert!(address.iter().all(|l| l.len() > 4), "{address:?}");
    address
}

fn assert_no_address(what: &str, text: &str, address: &[String]) {
    for line in address {
        assert!(!text.contains(line.as_str()), "{what} shows the address line '{line}'");
    }
}

#[test]
fn output_records_and_errors_never_show_an_address() {
    let dir = tempfile::tempdir().unwrap();
    let Letters { pdf, csv, split } = letters(dir.path(), 12, 4);
    let index = std::fs::read_to_string(&csv).unwrap();
    // Letter 3: its first page from the index.
    let row: Vec<&str> = index.lines().nth(3).unwrap().split(',').collect();
    let (item, first_page): (&str, usize) = (row[0], row[1].parse().unwrap());
    let address = address_of(&pdf, first_page);

    // A successful job: summary, manifest and sheets.csv carry ids only.
    let out = dir.path().join("ok");
    let run = run_ok(&[
        "impose",
        pdf.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--job",
        "PII",
        "--split",
        &split,
    ]);
    assert_no_address("the summary", &String::from_utf8_lossy(&run.stdout), &address);
    assert_no_address("stderr", &String::from_utf8_lossy(&run.stderr), &address);
    for file in ["manifest.json", "sheets.csv"] {
        assert_no_address(file, &std::fs::read_to_string(out.join(file)).unwrap(), &address);
    }

    // Failures that concern that letter name it by id and line, never by its content.
    let row_text = index.lines().nth(3).unwrap();
    let broken_index = index.replacen(row_text, &format!("{item},{first_page},0"), 1);
    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, broken_index).unwrap();
    for args in [
        vec!["--split".to_string(), format!("index:{}", broken.display())],
        vec!["--split".to_string(), "fixed:1000".to_string()],
        vec!["--split".to_string(), split.clone(), "--max-stream-size".to_string(), "16".to_string()],
    ] {
        let mut command = sheetseal();
        command
            .args(["impose", pdf.to_str().unwrap(), "--job", "PII", "--out"])
            .arg(dir.path().join("bad"))
            .args(&args);
        let run = run_measured(command, Duration::from_secs(60));
        assert_eq!(run.status.code(), Some(1), "{args:?}: {}", run.stderr);
        assert_no_address(&format!("the error of {args:?}"), &run.stderr, &address);
        assert_no_address("stdout", &run.stdout, &address);
    }
}

#[test]
fn inputs_are_deleted_after_a_successful_job_only() {
    let dir = tempfile::tempdir().unwrap();
    let Letters { pdf, csv, split } = letters(dir.path(), 4, 2);

    // A failed job keeps them.
    let mut command = sheetseal();
    command.args([
        "impose",
        pdf.to_str().unwrap(),
        "--job",
        "bad id",
        "--split",
        &split,
        "--delete-input-on-success",
        "--out",
    ]);
    command.arg(dir.path().join("fail"));
    assert_eq!(run_measured(command, Duration::from_secs(60)).status.code(), Some(1));
    assert!(pdf.exists() && csv.exists());

    let out = dir.path().join("out");
    let pdf_bytes = std::fs::metadata(&pdf).unwrap().len();
    let run = run_ok(&[
        "impose",
        pdf.to_str().unwrap(),
        "--job",
        "DEL",
        "--split",
        &split,
        "--delete-input-on-success",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!pdf.exists() && !csv.exists(), "the inputs are gone");
    assert!(out.join("manifest.json").exists() && out.join("DEL.pdf").exists());
    let stdout = String::from_utf8_lossy(&run.stdout);
    let audit: Vec<&str> = stdout.lines().filter(|l| l.contains(" deleted ")).collect();
    assert_eq!(audit.len(), 2, "{stdout}");
    assert!(
        audit[0].ends_with(&format!("deleted {} {pdf_bytes} bytes: overwritten and deleted", pdf.display())),
        "{}",
        audit[0]
    );
}

fn age(path: &Path, days: u64) {
    let then = SystemTime::now() - Duration::from_secs(days * 86_400);
    File::open(path).unwrap().set_modified(then).unwrap();
}

#[test]
fn purge_removes_job_folders_past_retention_with_an_audit_line_per_file() {
    let root = tempfile::tempdir().unwrap();
    for (job, days) in [("J-OLD", 45), ("J-NEW", 3)] {
        let folder = root.path().join(job);
        for file in ["input/letters.pdf", "output/J.pdf", "output/manifest.json", "preview/p1.png"] {
            let path = folder.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"customer data").unwrap();
            age(&path, days);
        }
        for sub in ["input", "output", "preview", ""] {
            age(&folder.join(sub), days);
        }
    }
    let log = root.path().join("J-NEW/audit.log");
    let root_arg = root.path().to_str().unwrap();

    let dry = run_ok(&["purge", "--older-than", "30", root_arg, "--dry-run"]);
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert_eq!(stdout.lines().filter(|l| l.ends_with("would be deleted (dry run)")).count(), 4, "{stdout}");
    assert!(root.path().join("J-OLD/input/letters.pdf").exists());

    let run = run_ok(&["purge", "--older-than", "30", root_arg, "--audit-log", log.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let audit: Vec<&str> = stdout.lines().filter(|l| l.ends_with("overwritten and deleted")).collect();
    assert_eq!(audit.len(), 4, "{stdout}");
    assert!(audit.iter().all(|l| l.contains("/J-OLD/") && l.contains(" 13 bytes")), "{audit:?}");
    assert!(!root.path().join("J-OLD").exists());
    assert!(root.path().join("J-NEW/output/manifest.json").exists());
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 4);
    assert!(stdout.contains("1 job folder(s) removed, 4 file(s), 52 bytes; 1 kept"), "{stdout}");
}
