//! `returns`: idempotent, safe with concurrent processes, refuses unknown payloads and logs the
//! refusal, prints the item's id and metadata.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use super::*;

const LEDGER: &str = "returns.jsonl";

fn ledger(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(LEDGER)).unwrap_or_default();
    assert!(text.is_empty() || text.ends_with('\n'), "the ledger ends with a whole line");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("ledger line {l:?}: {e}")))
        .collect()
}

fn returns(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["returns", path(dir), "--operator", "ann"];
    all.extend(args);
    let output = run(&all);
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    (output.status.code(), stdout(&output) + &stderr(&output))
}

#[test]
fn scanning_an_envelope_twice_records_it_once_and_says_so() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = make_job(root.path(), "job", 12, 21, "RET", None);
    let item = m.items.iter().find(|i| i.sheets >= 2).unwrap();
    let first = &m.sheets[item.first_sheet - 1];
    let second = &m.sheets[item.first_sheet];

    let (code, out) = returns(&dir, &["--scan", &first.payload]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&format!("returned: {}: item {} id '{}'", first.payload, item.seq, item.id)),
        "{out}"
    );
    let entries = ledger(&dir);
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!((entry["outcome"].as_str(), entry["operator"].as_str()), (Some("returned"), Some("ann")));
    assert_eq!(entry["item_seq"].as_u64(), Some(item.seq as u64));
    assert_eq!(entry["payload"].as_str(), Some(first.payload.as_str()));
    let at = entry["at"].as_str().unwrap();
    assert!(at.len() == 24 && at.ends_with('Z') && at.as_bytes()[10] == b'T', "UTC RFC 3339: {at}");

    // Again, in another process, by someone else, with another sheet of the same envelope.
    for payload in [&first.payload, &second.payload] {
        let mut command = sheetseal();
        command.args(["returns", path(&dir), "--scan", payload]).env("USER", "bob").env_remove("LOGNAME");
        let output = crate::util::run_with_limit(command, std::time::Duration::from_secs(60));
        assert_eq!(output.status.code(), Some(0));
        let out = stdout(&output);
        assert!(
            out.contains("already returned") && out.contains(&format!("recorded at {at} by ann")),
            "{out}"
        );
    }
    assert_eq!(ledger(&dir).len(), 1, "recorded once");
}

#[test]
fn unknown_and_foreign_payloads_are_refused_and_logged() {
    let root = tempfile::tempdir().unwrap();
    let (dir, _) = make_job(root.path(), "job", 6, 22, "RET", None);
    let (other, om) = make_job(root.path(), "other", 3, 23, "OTH", None);
    let (code, out) = returns(
        &dir,
        &["--scan", "NOT-OURS-123", "--scan", &om.sheets[0].payload, "--other-job", path(&other)],
    );
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("REFUSED: 'NOT-OURS-123': not a sheet of job RET; the refusal is logged"), "{out}");
    assert!(out.contains("a sheet of job OTH, not of job RET"), "{out}");
    let entries = ledger(&dir);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["outcome"], "refused");
    assert_eq!(entries[0]["reason"], "unknown-payload");
    assert_eq!(entries[1]["reason"], "other-job");
    assert_eq!(entries[1]["other_job"], "OTH");
    assert!(ledger(&other).is_empty(), "nothing is written into the other job");
}

#[test]
fn two_processes_appending_at_once_leave_a_valid_ledger() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = make_job(root.path(), "job", 60, 24, "CON", None);
    // Two operators scan overlapping batches: every sheet of items 1-40 in order, and of items
    // 21-60 backwards, each with a few unknown payloads and the batch read twice over.
    let payloads = |items: std::ops::RangeInclusive<usize>| -> Vec<String> {
        m.sheets.iter().filter(|s| items.contains(&s.item_seq)).map(|s| s.payload.clone()).collect()
    };
    let mut a = payloads(1..=40);
    let mut b = payloads(21..=60);
    b.reverse();
    for (batch, tag) in [(&mut a, "A"), (&mut b, "B")] {
        batch.extend([format!("UNKNOWN-{tag}1"), format!("UNKNOWN-{tag}2")]);
        let copy = batch.clone();
        batch.extend(copy);
    }
    let files: Vec<_> = [("a.txt", &a), ("b.txt", &b)]
        .iter()
        .map(|(name, batch)| {
            let file = root.path().join(name);
            std::fs::write(&file, batch.join("\n") + "\n").unwrap();
            file
        })
        .collect();
    let children: Vec<_> = files
        .iter()
        .zip(["ann", "bob"])
        .map(|(file, operator)| {
            let mut command = sheetseal();
            command.args(["returns", path(&dir), "--scans", path(file), "--operator", operator]);
            command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    let outputs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for output in &outputs {
        assert_eq!(output.status.code(), Some(3), "unknown payloads were refused: {}", stderr(output));
    }

    let entries = ledger(&dir);
    let returned: Vec<u64> = entries
        .iter()
        .filter(|e| e["outcome"] == "returned")
        .map(|e| e["item_seq"].as_u64().unwrap())
        .collect();
    let distinct: BTreeSet<u64> = returned.iter().copied().collect();
    assert_eq!(returned.len(), distinct.len(), "no item recorded twice: {returned:?}");
    assert_eq!(distinct, (1..=60).collect());
    let refused = entries.iter().filter(|e| e["outcome"] == "refused").count();
    assert_eq!(refused, 8, "each unknown scan is logged, twice per batch");
    // What the two processes said adds up to the ledger.
    let recorded: usize = outputs
        .iter()
        .map(|o| {
            let out = stdout(o);
            let summary = out.lines().last().unwrap().to_string();
            summary.split_whitespace().nth(1).unwrap().parse::<usize>().unwrap()
        })
        .sum();
    assert_eq!(recorded, 60);
    let by_operator: HashMap<&str, usize> = entries.iter().fold(HashMap::new(), |mut acc, e| {
        *acc.entry(e["operator"].as_str().unwrap()).or_default() += 1;
        acc
    });
    assert_eq!(by_operator.values().sum::<usize>(), entries.len());
}

#[test]
fn the_item_metadata_is_printed_and_noreads_in_a_batch_are_skipped() {
    let root = tempfile::tempdir().unwrap();
    let (dir, m) = make_job(root.path(), "job", 6, 25, "MET", None);
    // A manifest whose items carry index metadata (as the split stage may record it).
    let manifest_path = dir.join("manifest.json");
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    manifest["items"][1]["metadata"] = serde_json::json!({"postcode": "AB1 2CD", "segment": "7"});
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();

    let batch = root.path().join("batch.csv");
    let payload = &m.sheets[m.items[1].first_sheet - 1].payload;
    std::fs::write(&batch, format!("time,code\n10:00,{payload}\n10:01,NOREAD\n")).unwrap();
    let (code, out) = returns(&dir, &["--scans", path(&batch)]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(&format!("item 2 id '{}'; postcode=AB1 2CD, segment=7", m.items[1].id)), "{out}");
    assert!(out.contains("1 recorded, 0 already recorded, 0 refused, 1 no-read line(s) skipped"), "{out}");
}
