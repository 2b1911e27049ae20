//! Does a manifest agree with itself? Counts against records, references between records,
//! sheet numbering, payload uniqueness and page conservation (every input page on exactly one
//! sheet, in order, and no sheet carrying pages of two items). A manifest edited by hand or
//! damaged fails here before any tool trusts it.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::manifest::{Manifest, SourceRef};

/// At most this many problems are listed; the rest are counted.
pub const MAX_LISTED: usize = 1000;

/// One contradiction in a manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestProblem {
    /// The sheet (`seq`) concerned, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<usize>,
    /// The item (`seq`) concerned, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    pub message: String,
}

impl fmt::Display for ManifestProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.sheet, self.item) {
            (Some(sheet), _) => write!(f, "sheet {sheet}: {}", self.message),
            (None, Some(item)) => write!(f, "item {item}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// Every contradiction found (at most [`MAX_LISTED`], then one saying how many more).
pub fn problems(m: &Manifest) -> Vec<ManifestProblem> {
    let mut found = Found::default();
    check_counts(m, &mut found);
    check_items(m, &mut found);
    check_sheets(m, &mut found);
    check_conservation(m, &mut found);
    found.finish()
}

#[derive(Default)]
struct Found {
    list: Vec<ManifestProblem>,
    more: usize,
}

impl Found {
    fn add(&mut self, sheet: Option<usize>, item: Option<usize>, message: String) {
        if self.list.len() < MAX_LISTED {
            self.list.push(ManifestProblem { sheet, item, message });
        } else {
            self.more += 1;
        }
    }

    fn job(&mut self, message: String) {
        self.add(None, None, message);
    }

    fn finish(mut self) -> Vec<ManifestProblem> {
        if self.more > 0 {
            let message = format!("{} more problems not listed", self.more);
            self.list.push(ManifestProblem { sheet: None, item: None, message });
        }
        self.list
    }
}

fn check_counts(m: &Manifest, found: &mut Found) {
    let c = &m.counts;
    let pairs = [
        ("items", c.items, m.items.len()),
        ("sheets", c.sheets, m.sheets.len()),
        ("marks", c.marks, m.sheets.len()),
        ("warnings", c.warnings, m.warnings.len()),
        ("input_pages", c.input_pages, total(m.inputs.iter().map(|i| i.pages))),
        ("output_pages", c.output_pages, total(m.outputs.iter().map(|o| o.pages))),
        ("blank_pages", c.blank_pages, total(m.items.iter().map(|i| i.blank_pages))),
        ("sheets of the outputs", c.sheets, total(m.outputs.iter().map(|o| o.sheets))),
    ];
    for (name, counted, recorded) in pairs {
        if counted != recorded {
            found.job(format!("counts.{name} says {counted}, the records give {recorded}"));
        }
    }
    if m.items.is_empty() || m.sheets.is_empty() || m.outputs.is_empty() {
        found.job("the manifest lists no items, sheets or outputs".to_string());
    }
}

/// A sum that a hand-edited number cannot overflow.
fn total(values: impl Iterator<Item = usize>) -> usize {
    values.fold(0, usize::saturating_add)
}

fn check_items(m: &Manifest, found: &mut Found) {
    let mut next_sheet = 1;
    for (index, item) in m.items.iter().enumerate() {
        let mut bad = |message: String| found.add(None, Some(item.seq), message);
        if item.seq != index + 1 {
            bad(format!("is record {} of the items", index + 1));
        }
        if item.input >= m.inputs.len() {
            bad(format!("names input {}, but the job has {} input(s)", item.input, m.inputs.len()));
        }
        if item.first_page == 0 || item.last_page < item.first_page {
            bad(format!("page range {}-{} is empty", item.first_page, item.last_page));
        } else if item.pages != item.last_page - item.first_page + 1 {
            bad(format!("has {} pages, but its range is {}-{}", item.pages, item.first_page, item.last_page));
        }
        if item.sheets == 0 {
            bad("has no sheet".to_string());
        }
        if item.first_sheet != next_sheet {
            bad(format!(
                "starts at sheet {}, the item before it ends at sheet {}",
                item.first_sheet,
                next_sheet.saturating_sub(1)
            ));
        }
        next_sheet = item.first_sheet.saturating_add(item.sheets);
    }
}

fn check_sheets(m: &Manifest, found: &mut Found) {
    let mut payloads: HashMap<&str, usize> = HashMap::with_capacity(m.sheets.len());
    for (index, s) in m.sheets.iter().enumerate() {
        let mut bad = |message: String| found.add(Some(s.seq), None, message);
        if s.seq != index + 1 {
            bad(format!("is record {} of the sheets", index + 1));
        }
        match s.item_seq.checked_sub(1).and_then(|i| m.items.get(i)) {
            None => bad(format!("belongs to item {}, which the manifest does not list", s.item_seq)),
            Some(item) => {
                if item.id != s.item_id {
                    bad(format!("names item id '{}', item {} is '{}'", s.item_id, item.seq, item.id));
                }
                if s.of != item.sheets || s.sheet == 0 || s.sheet > s.of {
                    bad(format!("is sheet {} of {}, its item has {} sheets", s.sheet, s.of, item.sheets));
                } else if s.seq != item.first_sheet.saturating_add(s.sheet - 1) {
                    bad(format!(
                        "is sheet {} of item {}, which starts at sheet {}",
                        s.sheet, item.seq, item.first_sheet
                    ));
                }
                let placed = s.pages.iter().filter_map(|p| p.source);
                for source in std::iter::once(s.front).chain(s.back).chain(placed) {
                    if source.input != item.input
                        || source.page < item.first_page
                        || source.page > item.last_page
                    {
                        bad(format!(
                            "carries page {} of input {}, outside its item's pages {}-{} of input {}",
                            source.page, source.input, item.first_page, item.last_page, item.input
                        ));
                    }
                }
            }
        }
        match m.outputs.get(s.output) {
            None => bad(format!("is in output {}, which the manifest does not list", s.output)),
            Some(output) => {
                for page in std::iter::once(s.front_page).chain(s.back_page) {
                    if page == 0 || page > output.pages {
                        bad(format!(
                            "is printed on page {page} of {}, which has {} pages",
                            output.path, output.pages
                        ));
                    }
                }
            }
        }
        let [x, y, w, h] = s.mark.zone;
        let finite = [x, y, w, h, s.size[0], s.size[1]].iter().all(|v| v.is_finite());
        if !finite || w <= 0.0 || h <= 0.0 || s.size[0] <= 0.0 || s.size[1] <= 0.0 {
            bad("its mark zone or page size is not a positive, finite rectangle".to_string());
        }
        if s.payload.is_empty() {
            bad("has an empty payload".to_string());
        } else if let Some(first) = payloads.insert(&s.payload, s.seq) {
            bad(format!("has the payload of sheet {first} ('{}'): marks must be unique", s.payload));
        }
    }
}

/// Every page of every input exactly once, in input order, as the sheets list them: item by
/// item, each item's pages in page order (a booklet leaf holds its pages in folded order).
fn check_conservation(m: &Manifest, found: &mut Found) {
    // Pages a split rule dropped (blank separators) are accounted for by `dropped`, not sheets.
    let dropped: std::collections::HashSet<(usize, usize)> =
        m.dropped.iter().map(|d| (d.input, d.page)).collect();
    let expected = m
        .inputs
        .iter()
        .enumerate()
        .flat_map(|(input, record)| (1..=record.pages).map(move |page| SourceRef { input, page }))
        .filter(|p| !dropped.contains(&(p.input, p.page)));
    let mut by_item: Vec<Vec<SourceRef>> = Vec::new();
    let mut last_item = None;
    for sheet in &m.sheets {
        if last_item != Some(sheet.item_seq) {
            by_item.push(Vec::new());
            last_item = Some(sheet.item_seq);
        }
        if let Some(pages) = by_item.last_mut() {
            pages.extend(sheet.pages.iter().filter_map(|p| p.source));
        }
    }
    for pages in &mut by_item {
        pages.sort_by_key(|p| (p.input, p.page));
    }
    let mut placed = by_item.into_iter().flatten();
    let mut position = 0usize;
    for want in expected {
        position += 1;
        match placed.next() {
            Some(got) if got == want => {}
            Some(got) => {
                found.job(format!(
                    "page conservation: placed page {position} is page {} of input {}, expected page {} of input {}",
                    got.page, got.input, want.page, want.input
                ));
                return;
            }
            None => {
                found.job(format!(
                    "page conservation: page {} of input {} is on no sheet",
                    want.page, want.input
                ));
                return;
            }
        }
    }
    if let Some(extra) = placed.next() {
        found.job(format!(
            "page conservation: the sheets place page {} of input {} beyond the inputs' pages",
            extra.page, extra.input
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// One item of three pages on two duplex sheets.
    fn manifest() -> Value {
        let sheet = |seq: usize, front: usize, back: Option<usize>, payload: &str| {
            let source = |page: Option<usize>| page.map(|page| json!({"input": 0, "page": page}));
            json!({"seq": seq, "item_seq": 1, "item_id": "A", "sheet": seq, "of": 2, "output": 0,
                   "front_page": 2 * seq - 1, "back_page": 2 * seq, "front": {"input": 0, "page": front},
                   "back": source(back), "size": [595.0, 842.0],
                   "pages": [{"side": "front", "cell": 0, "source": source(Some(front))},
                             {"side": "back", "cell": 0, "source": source(back)}],
                   "press_sheet": seq, "cell": 0, "block": 1, "stack_position": seq,
                   "payload": payload,
                   "mark": {"zone": [14.0, 700.0, 33.0, 33.0], "leaf": [0.0, 0.0, 595.0, 842.0], "modules": [16, 16]}})
        };
        json!({
            "schema": "sheetseal-manifest/1", "tool": {"name": "sheetseal", "version": "0"}, "job": "J",
            "config": {}, "inputs": [{"path": "in.pdf", "sha256": "00", "bytes": 1, "pages": 3}],
            "outputs": [{"path": "J.pdf", "sha256": "00", "bytes": 1, "pages": 4, "sheets": 2, "press_sheets": 2}],
            "counts": {"items": 1, "input_pages": 3, "blank_pages": 1, "output_pages": 4, "sheets": 2,
                       "press_sheets": 2, "empty_cells": 0, "marks": 2, "annotations_flattened": 0,
                       "annotations_dropped": 0, "warnings": 0},
            "grid": null,
            "items": [{"seq": 1, "id": "A", "input": 0, "first_page": 1, "last_page": 3, "pages": 3, "sheets": 2,
                       "first_sheet": 1, "blank_pages": 1}],
            "sheets": [sheet(1, 1, Some(2), "J-1"), sheet(2, 3, None, "J-2")],
            "warnings": []
        })
    }

    fn check(value: &Value) -> Vec<String> {
        let manifest: Manifest = serde_json::from_value(value.clone()).unwrap();
        problems(&manifest).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_consistent_manifest_has_no_problem() {
        assert_eq!(check(&manifest()), Vec::<String>::new());
    }

    #[test]
    fn contradictions_are_named() {
        let mut m = manifest();
        m["counts"]["marks"] = json!(3);
        m["sheets"][1]["payload"] = json!("J-1");
        m["sheets"][1]["back"] = json!({"input": 0, "page": 9});
        m["sheets"][1]["pages"][1]["source"] = json!({"input": 0, "page": 9});
        let problems = check(&m).join("\n");
        assert!(problems.contains("counts.marks says 3"), "{problems}");
        assert!(problems.contains("sheet 2: has the payload of sheet 1"), "{problems}");
        assert!(problems.contains("outside its item's pages"), "{problems}");
        assert!(problems.contains("page conservation"), "{problems}");
    }

    #[test]
    fn absurd_numbers_are_problems_not_panics() {
        let mut m = manifest();
        m["items"][0]["first_sheet"] = json!(usize::MAX);
        m["items"][0]["sheets"] = json!(usize::MAX);
        m["inputs"][0]["pages"] = json!(usize::MAX);
        m["outputs"][0]["pages"] = json!(usize::MAX);
        m["sheets"][0]["item_seq"] = json!(usize::MAX);
        m["sheets"][1]["sheet"] = json!(0);
        assert!(check(&m).len() >= 4);
    }
}
