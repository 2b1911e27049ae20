//! The payload template parser and renderer (`mark::template::Template`): the text before the
//! first newline is the template, the bytes after it give one sheet's facts (numbers from the
//! first bytes, index columns from the rest). A template that parses must render every sheet
//! the same way twice, and its rendering is never longer than the fixed length it claims.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use sheetseal_core::mark::template::{SheetFacts, Template};
use sheetseal_core::mark::MarkKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (spec, rest) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(template) = Template::parse(spec) else {
        return;
    };
    let number = |i: usize| rest.as_bytes().get(i).map_or(1, |&b| b as usize * 37 + i);
    let sheets = number(2) % 40 + 1;
    // The item id, then the columns the presets and the seeds read, comma-separated.
    let mut cells = rest.split(',');
    let item_id = cells.next().unwrap_or("");
    let metadata: BTreeMap<String, String> = ["feeders", "divert", "branch"]
        .iter()
        .zip(cells)
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let facts = SheetFacts {
        job: "FUZZ-1",
        piece: number(0),
        item_id,
        sheet: number(1) % sheets + 1,
        sheets,
        seq: number(3) * 1000 + number(4),
        metadata: &metadata,
    };
    let key = MarkKey::from_bytes(&[0x5a; 32]);
    let first = template.render(&facts, key.as_ref());
    let second = template.render(&facts, key.as_ref());
    assert_eq!(first, second, "rendering must not depend on anything but the facts");
    if let (Ok(rendered), Some(length)) = (&first, template.fixed_length()) {
        assert!(rendered.len() <= length, "{spec:?} claims {length} characters and rendered {rendered:?}");
    }
});
