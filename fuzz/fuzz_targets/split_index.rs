//! The sidecar index parser (`split::parse_index`): the first two bytes give the input's page
//! count, the rest is the CSV. Accepted indexes must cover every page exactly once, in order.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sheetseal_core::split::parse_index;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let total = u16::from_le_bytes([data[0], data[1]]) as usize % 5000;
    if let Ok(items) = parse_index(&data[2..], Path::new("fuzz.csv"), 0, total) {
        let mut next = 0;
        for item in &items {
            assert_eq!(item.first_page, next, "items must follow each other without gap or overlap");
            assert!(item.page_count > 0 && !item.id.is_empty());
            next += item.page_count;
        }
        assert_eq!(next, total, "every page belongs to an item");
    }
});
