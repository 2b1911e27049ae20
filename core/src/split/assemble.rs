//! Turning what a rule found (where items start, or the page range of each) into checked items.
//! Every rule that finds boundaries in the PDF itself goes through here, so that they all refuse
//! the same mistakes with the same messages.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::{check_id, sequence_id, Item, SplitError};

/// An item as a rule found it: its pages (0-based, `first..end`), and the id and metadata the
/// rule read, if any.
#[derive(Debug, Clone, Default)]
pub(crate) struct Found {
    pub first: usize,
    pub end: usize,
    pub id: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

/// Ranges from start pages: each item runs up to the next start, the last to the end of the
/// input. The starts must already be in the order the rule found them.
pub(crate) fn ranges_from_starts(
    path: &Path,
    rule: &'static str,
    starts: Vec<Found>,
    total: usize,
) -> Result<Vec<Found>, SplitError> {
    for (n, pair) in starts.windows(2).enumerate() {
        if pair[1].first < pair[0].first {
            return Err(SplitError::OutOfOrder {
                path: path.to_path_buf(),
                rule,
                id: pair[1].id.clone().unwrap_or_else(|| sequence_id(n + 1)),
                page: pair[1].first + 1,
                previous: pair[0].first + 1,
            });
        }
    }
    let next_starts: Vec<usize> = starts.iter().skip(1).map(|s| s.first).chain([total]).collect();
    Ok(starts.into_iter().zip(next_starts).map(|(found, end)| Found { end, ..found }).collect())
}

/// Checks that `found` covers the pages of input `input` in order, each page once (pages named
/// in `dropped` excepted), and makes the items. Ids the rule did not give are sequence numbers.
pub(crate) fn items(
    path: &Path,
    rule: &'static str,
    input: usize,
    total: usize,
    found: Vec<Found>,
    dropped: &[usize],
) -> Result<Vec<Item>, SplitError> {
    let path_buf = || path.to_path_buf();
    let mut dropped = dropped.iter().copied().peekable();
    let mut next = 0usize; // the first page not yet accounted for
    let mut skip_dropped = |next: &mut usize| {
        while dropped.peek() == Some(next) {
            dropped.next();
            *next += 1;
        }
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut items = Vec::with_capacity(found.len());
    for (n, found) in found.into_iter().enumerate() {
        let id = found.id.unwrap_or_else(|| sequence_id(n));
        skip_dropped(&mut next);
        if found.first < next {
            return Err(SplitError::OutOfOrder {
                path: path_buf(),
                rule,
                id,
                page: found.first + 1,
                previous: items.last().map_or(1, |i: &Item| i.first_page + 1),
            });
        }
        if found.first > next {
            return Err(if next == 0 {
                SplitError::FirstPageNotStart { path: path_buf(), rule, first_start: found.first + 1 }
            } else {
                SplitError::UncoveredPages { path: path_buf(), rule, first: next + 1, last: found.first }
            });
        }
        if found.end <= found.first {
            return Err(SplitError::EmptyItem { path: path_buf(), rule, id, page: found.first + 1 });
        }
        check_id(&id).map_err(|message| SplitError::BadId {
            path: path_buf(),
            rule,
            page: found.first + 1,
            message,
        })?;
        if let Some(&first) = seen.get(&id) {
            return Err(SplitError::DuplicateId {
                path: path_buf(),
                rule,
                id,
                first: first + 1,
                second: found.first + 1,
            });
        }
        seen.insert(id.clone(), found.first);
        items.push(Item {
            id,
            input,
            first_page: found.first,
            page_count: found.end - found.first,
            metadata: found.metadata,
        });
        next = found.end;
    }
    skip_dropped(&mut next);
    if next < total {
        return Err(SplitError::UncoveredPages { path: path_buf(), rule, first: next + 1, last: total });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(first: usize, id: &str) -> Found {
        Found { first, id: (!id.is_empty()).then(|| id.to_string()), ..Found::default() }
    }

    fn run(starts: Vec<Found>, total: usize) -> Result<Vec<Item>, SplitError> {
        let path = Path::new("in.pdf");
        items(path, "test", 0, total, ranges_from_starts(path, "test", starts, total)?, &[])
    }

    #[test]
    fn starts_become_contiguous_items() {
        let items = run(vec![at(0, "A"), at(2, ""), at(3, "C")], 5).unwrap();
        let shape: Vec<_> = items.iter().map(|i| (i.id.as_str(), i.first_page, i.page_count)).collect();
        assert_eq!(shape, [("A", 0, 2), ("000002", 2, 1), ("C", 3, 2)]);
    }

    #[test]
    fn mistakes_name_their_pages() {
        let message = |r: Result<Vec<Item>, SplitError>| r.unwrap_err().to_string();
        let m = message(run(vec![at(2, "A")], 4));
        assert!(m.contains("page 1 does not start an item") && m.contains("page 3"), "{m}");
        let m = message(run(vec![at(0, "A"), at(1, "B"), at(1, "C")], 4));
        assert!(m.contains("'B' would have no pages") && m.contains("page 2"), "{m}");
        let m = message(run(vec![at(0, "A"), at(2, "B"), at(1, "C")], 4));
        assert!(m.contains("'C'") && m.contains("out of page order"), "{m}");
        let m = message(run(vec![at(0, "A"), at(2, "A")], 4));
        assert!(m.contains("pages 1 and 3"), "{m}");
        let m =
            message(items(Path::new("x.pdf"), "t", 0, 5, vec![Found { first: 0, end: 2, ..at(0, "") }], &[]));
        assert!(m.contains("pages 3 to 5 in no item"), "{m}");
    }

    #[test]
    fn dropped_pages_may_sit_between_items() {
        let found = vec![Found { first: 1, end: 3, ..at(0, "") }, Found { first: 4, end: 5, ..at(0, "") }];
        let items = items(Path::new("x.pdf"), "t", 0, 7, found, &[0, 3, 5, 6]).unwrap();
        assert_eq!(items.iter().map(|i| (i.first_page, i.page_count)).collect::<Vec<_>>(), [(1, 2), (4, 1)]);
    }
}
