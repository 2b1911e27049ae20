//! What a split found, in numbers, for `sheetseal split-check`: item count, sizes and the items
//! over the inserter's limit, without writing anything.

use std::collections::BTreeMap;

use super::oversize::{self, OversizeItem};
use super::SplitOutcome;
use crate::plan::{FlipAxis, LayoutSpec, Plan};

/// The numbers of one split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitSummary {
    pub items: usize,
    /// Pages in items.
    pub pages: usize,
    pub dropped_pages: usize,
    /// How many items have each page count.
    pub pages_histogram: BTreeMap<usize, usize>,
    /// How many items have each sheet count, in the given layout.
    pub sheets_histogram: BTreeMap<usize, usize>,
    pub sheets: usize,
    /// Items with more sheets than the limit.
    pub oversize: Vec<OversizeItem>,
}

impl SplitSummary {
    /// Counts what `outcome` holds, laid out in `layout`, against a limit of `max_sheets`.
    pub fn new(outcome: &SplitOutcome, layout: &LayoutSpec, max_sheets: usize) -> SplitSummary {
        let plan = Plan::build(layout, FlipAxis::Vertical, &outcome.items);
        let mut pages_histogram = BTreeMap::new();
        let mut sheets_histogram = BTreeMap::new();
        for planned in &plan.items {
            *pages_histogram.entry(planned.item.page_count).or_default() += 1;
            *sheets_histogram.entry(planned.sheet_count).or_default() += 1;
        }
        SplitSummary {
            items: outcome.items.len(),
            pages: outcome.items.iter().map(|i| i.page_count).sum(),
            dropped_pages: outcome.dropped.len(),
            pages_histogram,
            sheets_histogram,
            sheets: plan.sheets.len(),
            oversize: oversize::find(&plan, max_sheets),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::{DropReason, DroppedPage, Item};

    #[test]
    fn sizes_are_counted() {
        let outcome = SplitOutcome {
            items: vec![Item::new("A", 0, 0, 3), Item::new("B", 0, 4, 1), Item::new("C", 0, 5, 3)],
            dropped: vec![DroppedPage { input: 0, page: 3, reason: DropReason::BlankSeparator }],
            warnings: Vec::new(),
        };
        let summary = SplitSummary::new(&outcome, &LayoutSpec::default(), 1);
        assert_eq!((summary.items, summary.pages, summary.dropped_pages, summary.sheets), (3, 7, 1, 5));
        assert_eq!(summary.pages_histogram.into_iter().collect::<Vec<_>>(), [(1, 1), (3, 2)]);
        assert_eq!(summary.sheets_histogram.into_iter().collect::<Vec<_>>(), [(1, 1), (2, 2)]);
        assert_eq!(summary.oversize.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["A", "C"]);
    }
}
