//! The inserter's limit: an item may fold into one envelope only up to so many sheets (e.g. 8
//! for a C5 folder). Longer items fail the job (`fail`, the default) or are printed and flagged
//! in the manifest for manual handling (`divert`).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::SplitError;
use crate::plan::Plan;

/// The default largest item, in sheets.
pub const DEFAULT_MAX_SHEETS: usize = 8;

/// What to do with an item longer than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnOversize {
    /// Refuse the job, listing the items.
    #[default]
    Fail,
    /// Print them, flagged in the manifest for manual handling.
    Divert,
}

impl FromStr for OnOversize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "fail" => Ok(OnOversize::Fail),
            "divert" => Ok(OnOversize::Divert),
            other => Err(format!("'{other}': --on-oversize is fail or divert")),
        }
    }
}

/// An item longer than the limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OversizeItem {
    /// Position in the job, 1-based.
    pub seq: usize,
    pub id: String,
    pub input: usize,
    /// First and last page, 1-based.
    pub first_page: usize,
    pub last_page: usize,
    pub sheets: usize,
}

/// The items of `plan` with more than `max_sheets` sheets.
pub fn find(plan: &Plan, max_sheets: usize) -> Vec<OversizeItem> {
    plan.items
        .iter()
        .filter(|p| p.sheet_count > max_sheets)
        .map(|p| OversizeItem {
            seq: p.seq,
            id: p.item.id.clone(),
            input: p.item.input,
            first_page: p.item.first_page + 1,
            last_page: p.item.first_page + p.item.page_count,
            sheets: p.sheet_count,
        })
        .collect()
}

/// Applies the policy: the indexes (into `plan.items`) of the items to divert, or an error
/// listing the oversize items.
pub fn check(plan: &Plan, max_sheets: usize, policy: OnOversize) -> Result<Vec<usize>, SplitError> {
    let items = find(plan, max_sheets);
    match policy {
        OnOversize::Divert => Ok(items.iter().map(|i| i.seq - 1).collect()),
        OnOversize::Fail if items.is_empty() => Ok(Vec::new()),
        OnOversize::Fail => Err(SplitError::Oversize { limit: max_sheets, items }),
    }
}

/// The error message: up to ten items with their pages.
pub fn describe(items: &[OversizeItem], limit: usize) -> String {
    let mut text = format!(
        "{} item(s) have more than {limit} sheets, the most the inserter folds into one envelope:",
        items.len()
    );
    for item in items.iter().take(10) {
        text.push_str(&format!(
            "\n  item {} '{}' (input {}, pages {} to {}): {} sheets",
            item.seq,
            item.id,
            item.input + 1,
            item.first_page,
            item.last_page,
            item.sheets
        ));
    }
    if items.len() > 10 {
        text.push_str(&format!("\n  ... and {} more", items.len() - 10));
    }
    text.push_str("\nCheck the split rule, raise --max-sheets-per-item, or print them for manual handling with --on-oversize divert");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{FlipAxis, LayoutSpec};
    use crate::split::Item;

    fn plan(sizes: &[usize]) -> Plan {
        let mut first = 0;
        let items: Vec<Item> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                first += n;
                Item::new(format!("I{i}"), 0, first - n, n)
            })
            .collect();
        Plan::build(&LayoutSpec::default(), FlipAxis::Vertical, &items)
    }

    #[test]
    fn long_items_fail_with_their_pages_or_are_diverted() {
        let plan = plan(&[4, 17, 16, 20]);
        let message = check(&plan, 8, OnOversize::Fail).unwrap_err().to_string();
        assert!(message.contains("2 item(s) have more than 8 sheets"), "{message}");
        assert!(message.contains("item 2 'I1' (input 1, pages 5 to 21): 9 sheets"), "{message}");
        assert!(message.contains("item 4 'I3' (input 1, pages 38 to 57): 10 sheets"), "{message}");
        assert!(!message.contains("'I2'"), "{message}");
        assert_eq!(check(&plan, 8, OnOversize::Divert).unwrap(), [1, 3]);
        assert_eq!(check(&plan, 10, OnOversize::Fail).unwrap(), Vec::<usize>::new());
        assert!("skip".parse::<OnOversize>().is_err());
    }
}
