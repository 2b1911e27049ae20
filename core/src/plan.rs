//! Stage 3, plan: decide which page goes on which side of which sheet.
//!
//! The plan is plain data, built from the items alone: it can be built, printed and tested
//! without opening a PDF. The write stage follows it page by page.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::split::Item;

/// How pages are put on sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One page a side, both sides printed; every item padded to an even page count.
    #[default]
    Duplex,
    /// One page a sheet, fronts only.
    Simplex,
}

impl FromStr for Layout {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "duplex" => Ok(Layout::Duplex),
            "simplex" => Ok(Layout::Simplex),
            other => Err(format!("unknown layout '{other}': use duplex or simplex")),
        }
    }
}

impl Layout {
    /// How many pages one sheet carries.
    pub fn pages_per_sheet(self) -> usize {
        match self {
            Layout::Duplex => 2,
            Layout::Simplex => 1,
        }
    }
}

/// What is printed on one side of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Face {
    /// A page of an input (0-based input and page).
    Page { input: usize, page: usize },
    /// A blank page, the size of the given input page (the other side of the same sheet).
    Blank { input: usize, like_page: usize },
}

/// Which side of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Front,
    Back,
}

/// One physical sheet: it belongs to exactly one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sheet {
    /// Position in the job, 1-based.
    pub seq: usize,
    /// The item it belongs to (0-based index into the plan's items).
    pub item: usize,
    /// Sheet number within the item, 1-based.
    pub number: usize,
    /// How many sheets the item has.
    pub count: usize,
    pub front: Face,
    pub back: Option<Face>,
    /// The output page that carries the front, 0-based.
    pub first_output_page: usize,
}

impl Sheet {
    /// The sides in print order.
    pub fn faces(&self) -> impl Iterator<Item = (Side, Face)> + '_ {
        std::iter::once((Side::Front, self.front)).chain(self.back.map(|b| (Side::Back, b)))
    }
}

/// An item as planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedItem {
    pub item: Item,
    /// Position in the job, 1-based.
    pub seq: usize,
    /// Index of its first sheet in the plan's sheets (0-based).
    pub first_sheet: usize,
    pub sheet_count: usize,
    /// Blank pages added to it.
    pub blanks: usize,
}

/// The whole job's imposition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub layout: Layout,
    pub items: Vec<PlannedItem>,
    pub sheets: Vec<Sheet>,
    pub output_pages: usize,
}

impl Plan {
    /// Lays `items` out; they must be non-empty and each have at least one page.
    pub fn build(layout: Layout, items: &[Item]) -> Plan {
        let mut planned = Vec::with_capacity(items.len());
        let mut sheets = Vec::new();
        let mut output_pages = 0;
        for (index, item) in items.iter().enumerate() {
            let per_sheet = layout.pages_per_sheet();
            let count = item.page_count.div_ceil(per_sheet);
            let first_sheet = sheets.len();
            let mut blanks = 0;
            for (n, chunk) in item.pages().collect::<Vec<_>>().chunks(per_sheet).enumerate() {
                let front = Face::Page { input: item.input, page: chunk[0] };
                let back = match layout {
                    Layout::Simplex => None,
                    Layout::Duplex => Some(match chunk.get(1) {
                        Some(&page) => Face::Page { input: item.input, page },
                        None => {
                            blanks += 1;
                            Face::Blank { input: item.input, like_page: chunk[0] }
                        }
                    }),
                };
                sheets.push(Sheet {
                    seq: sheets.len() + 1,
                    item: index,
                    number: n + 1,
                    count,
                    front,
                    back,
                    first_output_page: output_pages,
                });
                output_pages += if back.is_some() { 2 } else { 1 };
            }
            planned.push(PlannedItem {
                item: item.clone(),
                seq: index + 1,
                first_sheet,
                sheet_count: count,
                blanks,
            });
        }
        Plan { layout, items: planned, sheets, output_pages }
    }

    /// Every output page in order, with the sheet (0-based index) and side it is on.
    pub fn pages(&self) -> impl Iterator<Item = (usize, Side, Face)> + '_ {
        self.sheets
            .iter()
            .enumerate()
            .flat_map(|(i, sheet)| sheet.faces().map(move |(side, face)| (i, side, face)))
    }

    /// Blank pages added in the whole job.
    pub fn blank_pages(&self) -> usize {
        self.items.iter().map(|i| i.blanks).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn items(sizes: &[usize]) -> Vec<Item> {
        let mut first = 0;
        sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let item = Item {
                    id: format!("I{i}"),
                    input: 0,
                    first_page: first,
                    page_count: n,
                    metadata: Default::default(),
                };
                first += n;
                item
            })
            .collect()
    }

    #[test]
    fn duplex_pads_odd_items_with_a_blank_back() {
        let plan = Plan::build(Layout::Duplex, &items(&[3, 2]));
        assert_eq!(plan.sheets.len(), 3);
        assert_eq!(plan.output_pages, 6);
        assert_eq!(plan.sheets[1].back, Some(Face::Blank { input: 0, like_page: 2 }));
        assert_eq!((plan.sheets[1].number, plan.sheets[1].count), (2, 2));
        assert_eq!(plan.sheets[2].front, Face::Page { input: 0, page: 3 });
        assert_eq!(plan.blank_pages(), 1);
    }

    #[test]
    fn simplex_puts_one_page_on_each_sheet() {
        let plan = Plan::build(Layout::Simplex, &items(&[3, 1]));
        assert_eq!(plan.sheets.len(), 4);
        assert!(plan.sheets.iter().all(|s| s.back.is_none()));
        assert_eq!(plan.items[1].first_sheet, 3);
        assert_eq!(plan.output_pages, 4);
    }

    proptest! {
        #[test]
        fn every_page_is_placed_once_in_order_and_no_sheet_is_shared(
            sizes in proptest::collection::vec(1usize..9, 1..60),
            duplex in any::<bool>(),
        ) {
            let layout = if duplex { Layout::Duplex } else { Layout::Simplex };
            let items = items(&sizes);
            let plan = Plan::build(layout, &items);
            let total: usize = sizes.iter().sum();
            let placed: Vec<usize> = plan.pages().filter_map(|(_, _, f)| match f {
                Face::Page { page, .. } => Some(page),
                Face::Blank { .. } => None,
            }).collect();
            prop_assert_eq!(placed, (0..total).collect::<Vec<_>>());
            prop_assert_eq!(plan.pages().count(), plan.output_pages);
            for (i, sheet) in plan.sheets.iter().enumerate() {
                prop_assert_eq!(sheet.seq, i + 1);
                let item = &items[sheet.item];
                for (_, face) in sheet.faces() {
                    let page = match face { Face::Page { page, .. } => page, Face::Blank { like_page, .. } => like_page };
                    prop_assert!(item.pages().contains(&page), "sheet {} carries a page of another item", sheet.seq);
                }
                prop_assert!(sheet.number >= 1 && sheet.number <= sheet.count);
            }
            for p in &plan.items {
                let expected = p.item.page_count.div_ceil(layout.pages_per_sheet());
                prop_assert_eq!(p.sheet_count, expected);
                prop_assert_eq!(plan.sheets[p.first_sheet].number, 1);
            }
        }
    }
}
