//! Items into saddle-stitched booklets.
//!
//! Each item becomes its own booklet: its pages padded with blanks to a multiple of four, in
//! signatures of at most `signature` sheets. A booklet sheet has two cells a side (left 0, right
//! 1). For a signature of `p` pages (0-based), sheet `j` prints `p-1-2j | 2j` on its front and
//! `2j+1 | p-2-2j` on its back; folded and nested (sheet 0 outside), the pages read in order.
//! Creep: sheet `j` of `n` moves its pages `creep * j / (n-1)` towards the spine.

use super::{Face, LeafDraft, PlacedFace, PlannedItem, Side};
use crate::split::Item;

/// Cells of a booklet sheet.
pub const LEFT: usize = 0;
pub const RIGHT: usize = 1;

pub(crate) fn leaves(items: &[Item], signature: usize, creep_mm: f64) -> (Vec<LeafDraft>, Vec<PlannedItem>) {
    let mut drafts = Vec::new();
    let mut planned = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let padded = item.page_count.div_ceil(4) * 4;
        let total_sheets = padded / 4;
        let first_sheet = drafts.len();
        let face = |n: usize| {
            if n < item.page_count {
                Face::Page { input: item.input, page: item.first_page + n }
            } else {
                Face::Blank { input: item.input, like_page: item.first_page }
            }
        };
        let mut start = 0;
        let mut number = 0;
        while start < padded {
            let sheets = ((padded - start) / 4).min(signature.max(1));
            let pages = sheets * 4;
            for j in 0..sheets {
                let creep = if sheets > 1 { creep_mm * j as f64 / (sheets - 1) as f64 } else { 0.0 };
                let place =
                    |side, cell, n: usize| PlacedFace { side, cell, face: face(start + n), creep_mm: creep };
                number += 1;
                // Reading order on this sheet: front right, back left, back right, front left.
                let faces = vec![
                    place(Side::Front, RIGHT, 2 * j),
                    place(Side::Back, LEFT, 2 * j + 1),
                    place(Side::Back, RIGHT, pages - 2 - 2 * j),
                    place(Side::Front, LEFT, pages - 1 - 2 * j),
                ];
                drafts.push(LeafDraft { item: index, number, count: total_sheets, faces });
            }
            start += pages;
        }
        planned.push(PlannedItem {
            item: item.clone(),
            seq: index + 1,
            first_sheet,
            sheet_count: total_sheets,
            blanks: padded - item.page_count,
        });
    }
    (drafts, planned)
}
