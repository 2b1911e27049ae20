//! `verify` passes a job as written and catches, each on its own, an altered mark, a removed
//! sheet, two swapped sheets, a truncated output and a hand-edited manifest. Altered PDFs are
//! made with qpdf or rewritten through lopdf and still pass `qpdf --check`, so it is verify,
//! not a parser, that catches them; after the manifest's hash is brought up to date with the
//! altered file, the marks alone still catch them.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sheetseal_core::geometry::Rect;
use sheetseal_core::manifest::Manifest;
use sheetseal_core::mark::payload::SheetPayload;
use sheetseal_core::mark::{self, MarkGeometry};

use super::*;

fn job(root: &Path) -> (PathBuf, Manifest) {
    make_job(root, "job", 24, 5, "VER", None)
}

/// Runs verify with a JSON report; returns the exit status and the report.
fn verify(dir: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let report = dir.with_extension("verify.json");
    let mut args = vec!["verify", path(dir), "--report", path(&report)];
    args.extend(extra);
    let output = run(&args);
    let stderr = stderr(&output);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = std::fs::read(&report).unwrap_or_else(|_| panic!("no report: {}\n{stderr}", stdout(&output)));
    (output.status.code(), serde_json::from_slice(&json).unwrap())
}

/// The (code, sheet) of every finding.
fn findings(report: &Value) -> Vec<(String, Option<u64>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["sheet"].as_u64()))
        .collect()
}

fn has(report: &Value, code: &str, sheet: Option<u64>) -> bool {
    findings(report).iter().any(|(c, s)| c == code && (sheet.is_none() || *s == sheet))
}

fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join("manifest.json");
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

/// Brings the manifest's record of the output up to date with the file, as a careless or
/// malicious hand would: only the marks can then tell.
fn rehash(dir: &Path, manifest: &Manifest) {
    let pdf = dir.join(&manifest.outputs[0].path);
    let bytes = std::fs::read(&pdf).unwrap();
    let pages = page_count(&pdf);
    edit_manifest(dir, |m| {
        m["outputs"][0]["sha256"] = Value::from(sheetseal_core::ingest::hex(&sha256(&bytes)));
        m["outputs"][0]["bytes"] = Value::from(bytes.len());
        m["outputs"][0]["pages"] = Value::from(pages);
        m["counts"]["output_pages"] = Value::from(pages);
    });
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

/// Rewrites the output's pages with qpdf (`--pages` ranges), in place.
fn qpdf_pages(pdf: &Path, ranges: &str) {
    let out = pdf.with_extension("edited.pdf");
    let mut command = tool("qpdf");
    command.arg(pdf).arg("--pages").arg(pdf).arg(ranges).arg("--").arg(&out);
    tool_ok(command);
    std::fs::rename(&out, pdf).unwrap();
    assert_qpdf_clean(pdf);
}

#[test]
fn a_job_as_written_passes_with_one_or_two_worker_processes() {
    let root = tempfile::tempdir().unwrap();
    let (dir, manifest) = job(root.path());
    for jobs in ["1", "2"] {
        let (code, report) = verify(&dir, &["--jobs", jobs]);
        assert_eq!(code, Some(0), "--jobs {jobs}: {:?}", findings(&report));
        assert_eq!(report["marks_matched"].as_u64(), Some(manifest.sheets.len() as u64));
        assert_eq!(report["sheets"].as_u64(), Some(manifest.counts.sheets as u64));
        // The input is still there: its hash and page count were checked.
        assert_eq!(report["inputs"][0]["state"], "read", "{}", report["inputs"]);
        assert_eq!(report["inputs"][0]["pages"].as_u64(), Some(manifest.counts.input_pages as u64));
    }
    let output = run(&["verify", path(&dir)]);
    assert!(
        stdout(&output).contains("sheets/s") && stdout(&output).contains("PASSED"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn an_altered_mark_is_caught() {
    let root = tempfile::tempdir().unwrap();
    let (dir, manifest) = job(root.path());
    let sheet = &manifest.sheets[6];
    // Paint a well-formed mark with a payload that is no sheet of the job over sheet 7's mark.
    let forged = SheetPayload { job: "VER".into(), item_seq: 999_999, sheet: 1, sheets: 1 }.encode().unwrap();
    assert_eq!(forged.len(), sheet.payload.len(), "same symbol size, so it covers the original");
    let [w, h] = sheet.size;
    // Paint the quiet zone white first, so the forged symbol replaces the original one.
    let whiteout = MarkGeometry { on_collision: mark::CollisionPolicy::Whiteout, ..MarkGeometry::default() };
    let painted =
        mark::paint(&forged, sheet.seq, &whiteout, &Rect { x0: 0.0, y0: 0.0, x1: w, y1: h }).unwrap();
    let pdf = dir.join(&manifest.outputs[0].path);
    let mut doc = lopdf::Document::load(&pdf).unwrap();
    let page = doc.get_pages()[&(sheet.front_page as u32)];
    doc.add_page_contents(page, painted.ops).unwrap();
    doc.save(&pdf).unwrap();
    assert_qpdf_clean(&pdf);

    let (code, report) = verify(&dir, &["--jobs", "1"]);
    assert_eq!(code, Some(3));
    assert!(has(&report, "output-sha256", None), "{:?}", findings(&report));
    assert!(has(&report, "mark-foreign", Some(sheet.seq as u64)), "{:?}", findings(&report));
    let message =
        report["findings"].as_array().unwrap().iter().find(|f| f["code"] == "mark-foreign").unwrap()
            ["message"]
            .clone();
    assert!(message.as_str().unwrap().contains(&forged), "{message}");

    rehash(&dir, &manifest);
    let (code, report) = verify(&dir, &["--jobs", "1"]);
    assert_eq!(code, Some(3));
    assert_eq!(findings(&report), [("mark-foreign".to_string(), Some(sheet.seq as u64))]);
}

#[test]
fn a_removed_sheet_is_caught() {
    let root = tempfile::tempdir().unwrap();
    let (dir, manifest) = job(root.path());
    let removed = &manifest.sheets[9];
    let (front, back) = (removed.front_page, removed.back_page.unwrap());
    let pdf = dir.join(&manifest.outputs[0].path);
    qpdf_pages(&pdf, &format!("1-{},{}-z", front - 1, back + 1));

    let (code, report) = verify(&dir, &[]);
    assert_eq!(code, Some(3));
    assert!(
        has(&report, "output-pages", None) && has(&report, "output-sha256", None),
        "{:?}",
        findings(&report)
    );
    // Where sheet 10 should be, sheet 11's mark; at the end, a page that is not there.
    assert!(has(&report, "mark-wrong", Some(removed.seq as u64)), "{:?}", findings(&report));
    let last = manifest.sheets.last().unwrap().seq as u64;
    assert!(has(&report, "mark-page-missing", Some(last)), "{:?}", findings(&report));
    assert!(!has(&report, "mark-wrong", Some(removed.seq as u64 - 1)), "sheets before it are fine");

    rehash(&dir, &manifest);
    let (_, report) = verify(&dir, &[]);
    assert!(has(&report, "mark-wrong", Some(removed.seq as u64)), "{:?}", findings(&report));
}

#[test]
fn two_swapped_sheets_are_caught() {
    let root = tempfile::tempdir().unwrap();
    let (dir, manifest) = job(root.path());
    let (a, b) = (&manifest.sheets[4], &manifest.sheets[5]);
    let pdf = dir.join(&manifest.outputs[0].path);
    let (a0, a1, b0, b1) = (a.front_page, a.back_page.unwrap(), b.front_page, b.back_page.unwrap());
    qpdf_pages(&pdf, &format!("1-{},{b0}-{b1},{a0}-{a1},{}-z", a0 - 1, b1 + 1));

    rehash(&dir, &manifest);
    let (code, report) = verify(&dir, &[]);
    assert_eq!(code, Some(3));
    let expected =
        [("mark-wrong".to_string(), Some(a.seq as u64)), ("mark-wrong".to_string(), Some(b.seq as u64))];
    assert_eq!(findings(&report), expected);
    let messages: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert!(messages[0].contains(&format!("the mark of sheet {}", b.seq)), "{messages:?}");
    assert!(messages[1].contains(&format!("the mark of sheet {}", a.seq)), "{messages:?}");
}

#[test]
fn a_truncated_output_is_caught() {
    let root = tempfile::tempdir().unwrap();
    let (dir, manifest) = job(root.path());
    let pdf = dir.join(&manifest.outputs[0].path);
    let bytes = std::fs::read(&pdf).unwrap();
    std::fs::write(&pdf, &bytes[..bytes.len() * 6 / 10]).unwrap();

    let (code, report) = verify(&dir, &[]);
    assert_eq!(code, Some(3));
    assert!(
        has(&report, "output-size", None) && has(&report, "output-sha256", None),
        "{:?}",
        findings(&report)
    );
    // pdfium either refuses the file or recovers the pages that are left: at least the sheets
    // beyond the cut are not verified, and the report says why.
    let matched = report["marks_matched"].as_u64().unwrap() as usize;
    assert!(matched <= manifest.sheets.len() * 2 / 3, "{matched} of {} marks matched", manifest.sheets.len());
    assert!(
        has(&report, "output-unreadable", Some(1)) || has(&report, "mark-page-missing", None),
        "{:?}",
        findings(&report)
    );
}

#[test]
fn a_hand_edited_manifest_is_caught() {
    let root = tempfile::tempdir().unwrap();
    let (dir, manifest) = job(root.path());
    // Two sheets' payloads exchanged: the manifest stays consistent, the marks disagree.
    let (p3, p4) = (manifest.sheets[2].payload.clone(), manifest.sheets[3].payload.clone());
    edit_manifest(&dir, |m| {
        m["sheets"][2]["payload"] = Value::from(p4);
        m["sheets"][3]["payload"] = Value::from(p3);
    });
    let (code, report) = verify(&dir, &[]);
    assert_eq!(code, Some(3));
    assert_eq!(findings(&report), [("mark-wrong".to_string(), Some(3)), ("mark-wrong".to_string(), Some(4))]);

    // A count edited: the manifest contradicts itself.
    edit_manifest(&dir, |m| m["counts"]["sheets"] = Value::from(manifest.counts.sheets + 1));
    let (code, report) = verify(&dir, &[]);
    assert_eq!(code, Some(3));
    assert!(has(&report, "manifest-inconsistent", None), "{:?}", findings(&report));

    // A sheet record removed: page conservation fails and the tools that trust the manifest
    // refuse it.
    edit_manifest(&dir, |m| {
        m["sheets"].as_array_mut().unwrap().remove(7);
    });
    let (_, report) = verify(&dir, &[]);
    let messages = report["findings"].to_string();
    assert!(messages.contains("page conservation"), "{messages}");
    let refused = run(&["export", path(&dir), "--format", "csv", "--per", "sheet", "--out", "-"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("inconsistent") && stderr(&refused).contains("sheetseal verify"),
        "{}",
        stderr(&refused)
    );
}
