//! `export`: inserter control files per sheet and per envelope, as CSV, JSON Lines and
//! fixed-width records, checked against the manifest.

use serde_json::Value;

use super::*;

fn export(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["export", path(dir)];
    all.extend(args);
    run(&all)
}

fn export_ok(dir: &Path, args: &[&str]) -> String {
    let output = export(dir, args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stdout(&output)
}

#[test]
fn csv_per_sheet_lists_every_sheet_with_its_payload_and_end_of_collation() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = make_job(root.path(), "job", 15, 31, "EXP", Some("ACME"));
    let out = root.path().join("control.csv");
    export_ok(&dir, &["--format", "csv", "--per", "sheet", "--out", path(&out)]);
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "job",
            "account",
            "seq",
            "item_seq",
            "item_id",
            "sheet",
            "of",
            "last",
            "output",
            "front_page",
            "back_page",
            "pages",
            "payload"
        ]
    );
    assert_eq!(rows.len(), m.sheets.len() + 1);
    for (row, sheet) in rows[1..].iter().zip(&m.sheets) {
        assert_eq!(row[1], "ACME");
        assert_eq!(row[2], sheet.seq.to_string());
        assert_eq!(row[4], sheet.item_id);
        assert_eq!(row[7], if sheet.sheet == sheet.of { "Y" } else { "N" });
        assert_eq!(row[9], sheet.front_page.to_string());
        assert_eq!(row[11], (1 + sheet.back.is_some() as usize).to_string());
        assert_eq!(row[12], sheet.payload);
    }
    // Same manifest, same bytes.
    let again = export_ok(&dir, &["--format", "csv", "--per", "sheet", "--out", "-"]);
    assert_eq!(again, text);
}

#[test]
fn jsonl_per_envelope_gives_each_item_its_sheets_and_pages() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = make_job(root.path(), "job", 15, 32, "EXP", None);
    let text = export_ok(&dir, &["--format", "jsonl", "--per", "envelope", "--out", "-"]);
    let records: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), m.items.len());
    for (record, item) in records.iter().zip(&m.items) {
        assert_eq!(record["item_seq"].as_u64(), Some(item.seq as u64));
        assert_eq!(record["sheets"].as_u64(), Some(item.sheets as u64));
        assert_eq!(record["pages"].as_u64(), Some(item.pages as u64));
        assert_eq!(record["first_payload"].as_str(), Some(m.sheets[item.first_sheet - 1].payload.as_str()));
        let last = &m.sheets[item.first_sheet + item.sheets - 2];
        assert_eq!(record["last_payload"].as_str(), Some(last.payload.as_str()));
        assert_eq!(
            (record["first_page"].as_u64(), record["last_page"].as_u64()),
            (Some(item.first_page as u64), Some(item.last_page as u64))
        );
    }
    // Keys in field order.
    assert!(text.starts_with("{\"job\":\"EXP\",\"item_seq\":1,"), "{text}");
    let chosen = export_ok(
        &dir,
        &["--format", "jsonl", "--per", "envelope", "--fields", "item_id,sheets", "--out", "-"],
    );
    assert_eq!(
        chosen.lines().next().unwrap(),
        format!("{{\"item_id\":\"{}\",\"sheets\":{}}}", m.items[0].id, m.items[0].sheets)
    );
}

#[test]
fn fixed_width_records_follow_the_spec() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = make_job(root.path(), "job", 15, 33, "FIX", None);
    let spec = "fixed:item_seq:6,sheet:2,of:2,last:1,payload:20,=X,item_id:10:r";
    let text = export_ok(&dir, &["--format", spec, "--per", "sheet", "--out", "-"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), m.sheets.len());
    for (line, sheet) in lines.iter().zip(&m.sheets) {
        assert_eq!(line.len(), 6 + 2 + 2 + 1 + 20 + 1 + 10, "{line:?}");
        assert_eq!(&line[..6], format!("{:06}", sheet.item_seq));
        assert_eq!(&line[6..10], format!("{:02}{:02}", sheet.sheet, sheet.of));
        assert_eq!(line[11..31].trim_end(), sheet.payload);
        assert_eq!(&line[31..32], "X");
        assert_eq!(line[32..].trim_start(), sheet.item_id);
    }
}

#[test]
fn records_that_do_not_fit_are_refused_and_leave_no_file() {
    let root = tempfile::tempdir().unwrap();
    let (dir, _) = make_job(root.path(), "job", 5, 34, "FIX", None);
    let out = root.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let file = out.join("control.txt");
    let cases = [
        (vec!["--format", "fixed:payload:8", "--per", "sheet"], "longer than its 8 characters"),
        (
            vec!["--format", "csv", "--per", "envelope", "--fields", "payload"],
            "does not exist in per-envelope",
        ),
        (vec!["--format", "csv", "--per", "sheet", "--fields", "metadata.zip"], "metadata key 'zip'"),
        (vec!["--format", "csv", "--per", "sheet", "--fields", "reason"], "reprint lists"),
        (vec!["--format", "xml", "--per", "sheet"], "unknown format"),
    ];
    for (args, needle) in cases {
        let mut args = args;
        args.extend(["--out", path(&file)]);
        let output = export(&dir, &args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(stderr(&output).contains(needle), "{args:?}: {}", stderr(&output));
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0, "{args:?} left a file");
    }
}
