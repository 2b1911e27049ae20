//! Items into one-cell leaves: one page a side (1-up and n-up).

use super::{Face, LeafDraft, PlacedFace, PlannedItem, Side};
use crate::split::Item;

/// Every item's pages, one (simplex) or two (duplex) to a leaf; an odd item in duplex ends with
/// a blank back, so no leaf carries pages of two items.
pub(crate) fn one_cell_leaves(items: &[Item], duplex: bool) -> (Vec<LeafDraft>, Vec<PlannedItem>) {
    let per_leaf = if duplex { 2 } else { 1 };
    let mut drafts = Vec::new();
    let mut planned = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let count = item.page_count.div_ceil(per_leaf);
        let first_sheet = drafts.len();
        let mut blanks = 0;
        for n in 0..count {
            let first = item.first_page + n * per_leaf;
            let place = |side, face| PlacedFace { side, cell: 0, face, creep_mm: 0.0 };
            let mut faces = vec![place(Side::Front, Face::Page { input: item.input, page: first })];
            if duplex {
                let back = if first + 1 < item.first_page + item.page_count {
                    Face::Page { input: item.input, page: first + 1 }
                } else {
                    blanks += 1;
                    Face::Blank { input: item.input, like_page: first }
                };
                faces.push(place(Side::Back, back));
            }
            drafts.push(LeafDraft { item: index, number: n + 1, count, faces });
        }
        planned.push(PlannedItem {
            item: item.clone(),
            seq: index + 1,
            first_sheet,
            sheet_count: count,
            blanks,
        });
    }
    (drafts, planned)
}
