//! `reconcile` on simulated inserter camera logs generated from real manifests, with injected
//! faults: dropped read, double feed, a sheet of another item inside an envelope, a wrapping
//! sequence counter, no-reads, sheets of other jobs and accounts; and a log of a million reads.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use sheetseal_core::manifest::{ItemRecord, Manifest};

use super::*;

/// One log line: a payload, or `None` for a failed read.
type Line = Option<String>;

fn job(root: &Path) -> (PathBuf, Manifest) {
    make_job(root, "job", 40, 11, "REC", Some("ACME"))
}

/// What the camera logs when everything goes right: every sheet once, in print order.
fn perfect(m: &Manifest) -> Vec<Line> {
    m.sheets.iter().map(|s| Some(s.payload.clone())).collect()
}

/// The `n`th item (0-based) with `sheets` sheets.
fn item_with(m: &Manifest, sheets: usize, n: usize) -> &ItemRecord {
    m.items.iter().filter(|i| i.sheets == sheets).nth(n).expect("the sample has such items")
}

/// The log position (0-based, in a perfect log) of sheet `sheet` of `item`.
fn at(item: &ItemRecord, sheet: usize) -> usize {
    item.first_sheet - 1 + sheet - 1
}

fn payload(m: &Manifest, item: &ItemRecord, sheet: usize) -> String {
    m.sheets[at(item, sheet)].payload.clone()
}

/// Writes `lines` as a text log named `name` in `root` and returns its path.
fn text_log(root: &Path, name: &str, lines: &[Line]) -> PathBuf {
    let log = root.join(name);
    write_text(&log, lines);
    log
}

fn write_text(path: &Path, lines: &[Line]) {
    let text: String = lines.iter().map(|l| format!("{}\n", l.as_deref().unwrap_or("NOREAD"))).collect();
    std::fs::write(path, text).unwrap();
}

/// A CSV log with a header, a timestamp and the inserter's piece counter as marker; no-reads
/// are empty payload fields.
fn write_csv(path: &Path, lines: &[Line], marker: impl Fn(usize) -> String) {
    let mut text = String::from("Timestamp;Piece;Barcode\n");
    for (i, line) in lines.iter().enumerate() {
        text.push_str(&format!(
            "2026-05-04T10:{:02}:{:02}Z;{};{}\n",
            i / 60 % 60,
            i % 60,
            marker(i),
            line.as_deref().unwrap_or("")
        ));
    }
    std::fs::write(path, text).unwrap();
}

struct Outcome {
    code: Option<i32>,
    report: Value,
    stdout: String,
}

fn reconcile(dir: &Path, log: &Path, extra: &[&str]) -> Outcome {
    let report = log.with_extension("report.json");
    let mut args = vec!["reconcile", path(dir), "--scans", path(log), "--report", path(&report)];
    args.extend(extra);
    let output = run(&args);
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    let json = std::fs::read(&report).unwrap_or_else(|_| panic!("no report: {}", stderr(&output)));
    Outcome {
        code: output.status.code(),
        report: serde_json::from_slice(&json).unwrap(),
        stdout: stdout(&output),
    }
}

fn item_report(report: &Value, seq: usize) -> &Value {
    &report["items"][seq - 1]
}

/// The envelopes collated for `item`.
fn envelopes_of(report: &Value, seq: usize) -> Vec<&Value> {
    report["envelopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["item"].as_u64() == Some(seq as u64))
        .collect()
}

fn problems(envelope: &Value) -> Vec<&str> {
    envelope["problems"].as_array().unwrap().iter().map(|p| p["problem"].as_str().unwrap()).collect()
}

/// Every other item is complete.
fn others_complete(report: &Value, except: &[usize]) {
    for item in report["items"].as_array().unwrap() {
        let seq = item["seq"].as_u64().unwrap() as usize;
        if !except.contains(&seq) {
            assert_eq!(item["status"], "complete", "item {seq}: {item}");
        }
    }
}

#[test]
fn a_perfect_log_is_complete_as_text_and_as_csv() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = job(root.path());
    let text = root.path().join("perfect.txt");
    write_text(&text, &perfect(&m));
    let out = reconcile(&dir, &text, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    let summary = &out.report["summary"];
    assert_eq!(summary["complete"], true);
    assert_eq!(summary["items_complete"].as_u64(), Some(m.items.len() as u64));
    assert_eq!(summary["envelopes"].as_u64(), Some(m.items.len() as u64));
    assert_eq!(summary["reads"].as_u64(), Some(m.sheets.len() as u64));
    assert!(out.stdout.contains("COMPLETE"), "{}", out.stdout);

    let csv = root.path().join("perfect.csv");
    write_csv(&csv, &perfect(&m), |i| format!("P{i:05}"));
    let out = reconcile(&dir, &csv, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    let first = &out.report["envelopes"][0];
    let sheets = m.items[0].sheets;
    assert_eq!(first["markers"], serde_json::json!(["P00000", format!("P{:05}", sheets - 1)]));
    assert_eq!(first["timestamps"][0], "2026-05-04T10:00:00Z");
}

#[test]
fn a_dropped_read_is_a_missing_sheet_and_the_item_is_reprinted_with_the_same_ids() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = job(root.path());
    let x = item_with(&m, 3, 0);
    let single = item_with(&m, 1, 0);
    let mut lines = perfect(&m);
    // Drop a single-sheet item's only read first (it comes later or earlier; positions differ).
    let (drop_x, drop_single) = (at(x, 2), at(single, 1));
    for position in [drop_x.max(drop_single), drop_x.min(drop_single)] {
        lines.remove(position);
    }
    let log = text_log(root.path(), "dropped.txt", &lines);
    let reprint = root.path().join("reprint.csv");
    let out = reconcile(&dir, &log, &["--reprint", path(&reprint), "--reprint-per", "sheet"]);
    assert_eq!(out.code, Some(3), "{}", out.stdout);

    let envelopes = envelopes_of(&out.report, x.seq);
    assert_eq!(envelopes.len(), 1);
    assert_eq!(envelopes[0]["problems"], serde_json::json!([{"problem": "missing-sheet", "sheets": [2]}]));
    assert_eq!(item_report(&out.report, x.seq)["status"], "incomplete");
    assert_eq!(item_report(&out.report, single.seq)["status"], "never-seen");
    others_complete(&out.report, &[x.seq, single.seq]);

    // Closed loop: the reprint list is the export records of exactly those items.
    let text = std::fs::read_to_string(&reprint).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let payloads: Vec<&str> = rows[1..].iter().map(|r| r[col("payload")]).collect();
    let mut expected: Vec<String> = (1..=3).map(|n| payload(&m, x, n)).collect();
    expected.push(payload(&m, single, 1));
    expected.sort_by_key(|p| m.sheets.iter().position(|s| s.payload == *p));
    assert_eq!(payloads, expected);
    assert!(rows[1..].iter().all(|r| r[col("job")] == "REC"));
    for row in &rows[1..] {
        let expected = if row[col("item_seq")] == x.seq.to_string() { "missing-sheet" } else { "never-seen" };
        assert_eq!(row[col("reason")], expected);
    }
}

#[test]
fn a_double_feed_is_a_duplicate_sheet() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = job(root.path());
    let x = item_with(&m, 3, 1);
    let mut lines = perfect(&m);
    lines.insert(at(x, 1), Some(payload(&m, x, 1)));
    let log = text_log(root.path(), "double.txt", &lines);
    let out = reconcile(&dir, &log, &[]);
    assert_eq!(out.code, Some(3));
    let envelopes = envelopes_of(&out.report, x.seq);
    assert_eq!(envelopes[0]["problems"], serde_json::json!([{"problem": "duplicate-sheet", "sheets": [1]}]));
    assert_eq!(item_report(&out.report, x.seq)["status"], "incomplete");
    others_complete(&out.report, &[x.seq]);
}

#[test]
fn sheets_read_out_of_order_are_reported() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = job(root.path());
    let x = item_with(&m, 3, 2);
    let mut lines = perfect(&m);
    lines.swap(at(x, 1), at(x, 2));
    let log = text_log(root.path(), "order.txt", &lines);
    let out = reconcile(&dir, &log, &[]);
    assert_eq!(out.code, Some(3));
    let envelopes = envelopes_of(&out.report, x.seq);
    assert_eq!(
        envelopes[0]["problems"],
        serde_json::json!([{"problem": "out-of-order", "order": [2, 1, 3]}])
    );
    others_complete(&out.report, &[x.seq]);
}

#[test]
fn a_sheet_of_another_item_between_two_sheets_of_one_envelope() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = job(root.path());
    let (x, y) = (item_with(&m, 3, 0), item_with(&m, 3, 1));
    let mut lines = perfect(&m);
    // Sheet 2 of Y is fed between sheets 1 and 2 of X (and is missing from Y's own set).
    let stray = lines.remove(at(y, 2));
    let position = at(x, 2) - usize::from(at(y, 2) < at(x, 2));
    lines.insert(position, stray);
    let log = text_log(root.path(), "stray.txt", &lines);
    let reprint = root.path().join("reprint.jsonl");
    let out = reconcile(&dir, &log, &["--reprint", path(&reprint), "--reprint-format", "jsonl"]);
    assert_eq!(out.code, Some(3));
    let envelope = envelopes_of(&out.report, x.seq)[0];
    assert_eq!(envelope["problems"], serde_json::json!([{"problem": "other-item", "items": [y.seq]}]));
    assert_eq!(item_report(&out.report, x.seq)["status"], "incomplete");
    let y_report = item_report(&out.report, y.seq);
    assert_eq!(y_report["status"], "incomplete");
    assert_eq!(
        y_report["problems"],
        serde_json::json!(["missing-sheet", "in-other-envelope", "several-envelopes"])
    );
    others_complete(&out.report, &[x.seq, y.seq]);
    let reprinted: Vec<u64> = std::fs::read_to_string(&reprint)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["item_seq"].as_u64().unwrap())
        .collect();
    let mut expected = vec![x.seq as u64, y.seq as u64];
    expected.sort();
    assert_eq!(reprinted, expected);
    assert!(out.stdout.contains(&format!("sheets of other item(s) {}", y.seq)), "{}", out.stdout);
}

#[test]
fn a_wrapping_piece_counter_does_not_move_envelope_boundaries_and_a_rerun_is_caught() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = job(root.path());
    // The inserter's piece counter wraps every 32 reads; the log's line breaks and
    // markers say nothing about envelopes.
    let log = root.path().join("wrap.csv");
    write_csv(&log, &perfect(&m), |i| format!("{:02}", i % 32));
    let out = reconcile(&dir, &log, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(m.sheets.len() > 64, "the counter wraps within the log");

    // The job run again from the start: every item mailed twice; nothing to reprint.
    let mut twice = perfect(&m);
    twice.extend(perfect(&m));
    let log = root.path().join("rerun.csv");
    write_csv(&log, &twice, |i| format!("{:02}", i % 32));
    let reprint = root.path().join("reprint.csv");
    let out = reconcile(&dir, &log, &["--reprint", path(&reprint)]);
    assert_eq!(out.code, Some(3));
    assert_eq!(out.report["summary"]["items_duplicated"].as_u64(), Some(m.items.len() as u64));
    assert_eq!(std::fs::read_to_string(&reprint).unwrap().lines().count(), 1, "only the header");
}

#[test]
fn a_noread_is_reported_and_the_item_reprinted() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = job(root.path());
    let x = item_with(&m, 2, 0);
    let mut lines = perfect(&m);
    lines[at(x, 1)] = None;
    for name in ["noread.txt", "noread.csv"] {
        let log = root.path().join(name);
        if name.ends_with(".csv") {
            write_csv(&log, &lines, |i| i.to_string());
        } else {
            write_text(&log, &lines);
        }
        let out = reconcile(&dir, &log, &[]);
        assert_eq!(out.code, Some(3), "{name}");
        let envelope = envelopes_of(&out.report, x.seq)[0];
        assert_eq!(problems(envelope), ["missing-sheet", "no-read"], "{name}");
        assert_eq!(out.report["summary"]["no_reads"].as_u64(), Some(1));
        others_complete(&out.report, &[x.seq]);
    }
}

#[test]
fn sheets_of_other_jobs_and_other_accounts_are_told_apart() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = job(root.path());
    let (other_account, om) = make_job(root.path(), "other", 5, 3, "OTH", Some("OTHERCO"));
    let (same_account, sm) = make_job(root.path(), "same", 5, 4, "SAM", Some("ACME"));
    let (x, y) = (item_with(&m, 3, 0), item_with(&m, 2, 0));
    let mut lines = perfect(&m);
    let (first, second) = if at(x, 2) > at(y, 2) { (x, y) } else { (y, x) };
    let first_stray = if first.seq == x.seq { &om } else { &sm };
    let second_stray = if first.seq == x.seq { &sm } else { &om };
    lines.insert(at(first, 2), Some(first_stray.sheets[0].payload.clone()));
    lines.insert(at(second, 2), Some(second_stray.sheets[0].payload.clone()));
    let log = text_log(root.path(), "foreign.txt", &lines);

    let out =
        reconcile(&dir, &log, &["--other-job", path(&other_account), "--other-job", path(&same_account)]);
    assert_eq!(out.code, Some(3));
    assert_eq!(
        envelopes_of(&out.report, x.seq)[0]["problems"],
        serde_json::json!([{"problem": "other-account", "accounts": ["OTHERCO"]}])
    );
    assert_eq!(
        envelopes_of(&out.report, y.seq)[0]["problems"],
        serde_json::json!([{"problem": "other-job", "jobs": ["SAM"]}])
    );
    assert!(out.stdout.contains("another customer account OTHERCO"), "{}", out.stdout);

    // Without the other manifests, the same reads are unknown payloads.
    let out = reconcile(&dir, &log, &[]);
    assert_eq!(problems(envelopes_of(&out.report, x.seq)[0]), ["unknown-payload"]);
    assert_eq!(out.report["summary"]["unknown_reads"].as_u64(), Some(2));
}

#[test]
fn an_open_loop_reprint_renumbers_items_into_a_child_job() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = job(root.path());
    let (x, y) = (item_with(&m, 3, 0), item_with(&m, 2, 1));
    let mut lines = perfect(&m);
    for position in [at(x, 2).max(at(y, 1)), at(x, 2).min(at(y, 1))] {
        lines.remove(position);
    }
    let log = text_log(root.path(), "log.txt", &lines);
    let reprint = root.path().join("child.jsonl");
    let args = [
        "--reprint",
        path(&reprint),
        "--reprint-format",
        "jsonl",
        "--reprint-per",
        "sheet",
        "--reprint-job",
        "REC-R1",
    ];
    let out = reconcile(&dir, &log, &args);
    assert_eq!(out.code, Some(3));
    let records: Vec<Value> = std::fs::read_to_string(&reprint)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (a, b) = if x.seq < y.seq { (x, y) } else { (y, x) };
    assert_eq!(records.len(), a.sheets + b.sheets);
    for (i, record) in records.iter().enumerate() {
        let (parent, child_seq, sheet) = if i < a.sheets { (a, 1, i + 1) } else { (b, 2, i + 1 - a.sheets) };
        assert_eq!(record["job"], "REC-R1");
        assert_eq!(record["item_seq"].as_u64(), Some(child_seq));
        assert_eq!(record["seq"].as_u64(), Some(i as u64 + 1));
        assert_eq!(record["sheet"].as_u64(), Some(sheet as u64));
        assert_eq!(record["parent_job"], "REC");
        assert_eq!(record["parent_item_seq"].as_u64(), Some(parent.seq as u64));
        assert_eq!(record["parent_payload"].as_str(), Some(payload(&m, parent, sheet).as_str()));
        assert_eq!(record["payload"], Value::Null, "known once the child job is imposed");
    }
    let bad =
        run(&["reconcile", path(&dir), "--scans", path(&log), "--reprint", "-", "--reprint-job", "bad id"]);
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn logs_that_are_not_camera_logs_are_refused_with_the_line() {
    let root = tempfile::tempdir().unwrap();
    let (dir, _) = job(root.path());
    let log = root.path().join("long.txt");
    std::fs::write(&log, format!("ok\n{}\n", "X".repeat(100_000))).unwrap();
    let out = run(&["reconcile", path(&dir), "--scans", path(&log)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
    let log = root.path().join("header.csv");
    std::fs::write(&log, "when,where\n1,2\n").unwrap();
    let out = run(&["reconcile", path(&dir), "--scans", path(&log), "--log-format", "csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("payload column"), "{}", stderr(&out));
    let out = run(&["reconcile", path(&root.path().join("nowhere")), "--scans", path(&log)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("manifest.json"), "{}", stderr(&out));
}

/// Runs `reconcile` on a log of `reads` reads (the job's reads over and over, with a no-read
/// in every pass) and returns the wall time, the peak resident memory (VmHWM, sampled every
/// 10 ms) and the summary it printed.
fn measure(dir: &Path, log: &Path, m: &Manifest, reads: usize) -> (Duration, u64, String) {
    let payloads: Vec<&str> = m.sheets.iter().map(|s| s.payload.as_str()).collect();
    let mut text = String::with_capacity(reads * 20);
    for i in 0..reads {
        let (pass, position) = (i / payloads.len(), i % payloads.len());
        text.push_str(if position == pass % payloads.len() { "NOREAD" } else { payloads[position] });
        text.push('\n');
    }
    std::fs::write(log, text).unwrap();
    let mut command = sheetseal();
    command.args(["reconcile", path(dir), "--scans", path(log)]);
    command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null());
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            let hwm = status.lines().find_map(|l| l.strip_prefix("VmHWM:"));
            let kb = hwm.and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak_kb = peak_kb.max(kb.unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let elapsed = started.elapsed();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3), "a no-read in every pass: not complete");
    (elapsed, peak_kb, stdout(&output))
}

#[test]
fn a_million_reads_stream_through_in_bounded_memory() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = job(root.path());
    let (small_time, small_peak, small) = measure(&dir, &root.path().join("small.txt"), &m, 100_000);
    let (large_time, large_peak, large) = measure(&dir, &root.path().join("large.txt"), &m, 1_000_000);
    assert!(small.contains("reads: 100000 ("), "{small}");
    assert!(large.contains("reads: 1000000 ("), "{large}");
    eprintln!(
        "reconcile, {} sheets in the job: 100,000 reads in {:.2} s, peak {} MB; 1,000,000 reads in {:.2} s, peak {} MB",
        m.sheets.len(),
        small_time.as_secs_f64(),
        small_peak / 1024,
        large_time.as_secs_f64(),
        large_peak / 1024
    );
    // Ten times the reads, not more memory: the log is streamed (8 MB allowed for allocator
    // noise; keeping 10 bytes a read would take 9 MB more).
    assert!(large_peak <= small_peak + 8 * 1024, "peak {small_peak} kB at 100k reads, {large_peak} kB at 1M");
}
