//! Tests of the plan as data.

use super::*;
use proptest::prelude::*;

fn items(sizes: &[usize]) -> Vec<Item> {
    let mut first = 0;
    sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let item = Item::new(format!("I{i}"), 0, first, n);
            first += n;
            item
        })
        .collect()
}

fn spec(layout: Layout, duplex: bool) -> LayoutSpec {
    LayoutSpec { layout, duplex, ..LayoutSpec::default() }
}

fn page_of(face: Face) -> Option<usize> {
    match face {
        Face::Page { page, .. } => Some(page),
        Face::Blank { .. } => None,
    }
}

#[test]
fn duplex_pads_odd_items_with_a_blank_back() {
    let plan = Plan::build(&spec(Layout::OneUp, true), FlipAxis::Vertical, &items(&[3, 2]));
    assert_eq!(plan.sheets.len(), 3);
    assert_eq!(plan.output_pages(), 6);
    assert_eq!(plan.sheets[1].back(), Some(Face::Blank { input: 0, like_page: 2 }));
    assert_eq!((plan.sheets[1].number, plan.sheets[1].count), (2, 2));
    assert_eq!(plan.sheets[2].front(), Face::Page { input: 0, page: 3 });
    assert_eq!(plan.blank_pages(), 1);
    assert_eq!(plan.leaf_pages(&plan.sheets[2]), (5, Some(6)));
}

#[test]
fn simplex_puts_one_page_on_each_sheet() {
    let plan = Plan::build(&spec(Layout::OneUp, false), FlipAxis::Vertical, &items(&[3, 1]));
    assert_eq!(plan.sheets.len(), 4);
    assert!(plan.sheets.iter().all(|s| s.back().is_none()));
    assert_eq!(plan.items[1].first_sheet, 3);
    assert_eq!(plan.output_pages(), 4);
}

#[test]
fn two_up_cut_and_stack_puts_the_first_half_in_the_left_cell() {
    // 8 one-page letters, 2-up, simplex, deep stacks: press sheets 1-4 carry letters 1-4 on the
    // left and 5-8 on the right.
    let plan =
        Plan::build(&spec(Layout::NUp { columns: 2, rows: 1 }, false), FlipAxis::Vertical, &items(&[1; 8]));
    assert_eq!(plan.press_sheets.len(), 4);
    let left: Vec<usize> = plan.press_sheets.iter().map(|p| p.front[0].leaf).collect();
    let right: Vec<usize> = plan.press_sheets.iter().map(|p| p.front[1].leaf).collect();
    assert_eq!((left, right), (vec![0, 1, 2, 3], vec![4, 5, 6, 7]));
}

#[test]
fn an_item_does_not_straddle_a_block_unless_allowed() {
    let mut s = spec(Layout::NUp { columns: 2, rows: 1 }, false);
    s.stack_depth = 2; // 4 leaves a block
    let plan = Plan::build(&s, FlipAxis::Vertical, &items(&[3, 2]));
    assert_eq!(plan.sheets[3].block, 1, "the second item starts a new block");
    assert_eq!(plan.empty_cells, 1);
    assert!(plan.straddling_items.is_empty());
    s.allow_straddle = true;
    let plan = Plan::build(&s, FlipAxis::Vertical, &items(&[3, 2]));
    assert_eq!(plan.straddling_items, vec![1]);
    assert_eq!((plan.sheets[3].block, plan.sheets[4].block), (0, 1));
}

#[test]
fn max_sheets_per_file_splits_output() {
    let mut s = spec(Layout::OneUp, true);
    s.max_sheets_per_file = Some(2);
    let plan = Plan::build(&s, FlipAxis::Vertical, &items(&[2, 2, 2, 2, 2]));
    assert_eq!(plan.file_pages, vec![4, 4, 2]);
    assert_eq!((plan.press_sheets[2].file, plan.press_sheets[2].first_page), (1, 0));
}

#[test]
fn booklet_pages_read_in_order_when_folded() {
    let plan = Plan::build(&spec(Layout::Booklet, true), FlipAxis::Vertical, &items(&[6]));
    // 6 pages padded to 8: two sheets; outer sheet front: 8 | 1 (0-based 7 | 0).
    assert_eq!(plan.items[0].blanks, 2);
    let outer = &plan.press_sheets[0];
    assert_eq!(page_of(outer.front[0].face), None, "page 8 is a blank");
    assert_eq!(page_of(outer.front[1].face), Some(0));
    assert_eq!(page_of(outer.back[0].face), Some(1));
    assert_eq!(page_of(outer.back[1].face), None, "page 7 is a blank");
    let inner = &plan.press_sheets[1];
    assert_eq!((page_of(inner.front[0].face), page_of(inner.front[1].face)), (Some(5), Some(2)));
    assert_eq!((page_of(inner.back[0].face), page_of(inner.back[1].face)), (Some(3), Some(4)));
}

#[test]
fn booklet_creep_grows_towards_the_innermost_sheet() {
    let mut s = spec(Layout::Booklet, true);
    s.creep_mm = 0.6;
    let plan = Plan::build(&s, FlipAxis::Vertical, &items(&[16]));
    let creep: Vec<f64> =
        plan.press_sheets.iter().map(|p| (p.front[0].creep_mm * 1e6).round() / 1e6).collect();
    assert_eq!(creep, vec![0.0, 0.2, 0.4, 0.6]);
}

/// Simulates guillotining each block into stacks and piling stack 1 on top of stack 2, ...:
/// returns the leaves from the top of the pile down.
fn cut_and_stack(plan: &Plan) -> Vec<usize> {
    let (columns, rows) = plan.spec.cells();
    let mut pile = Vec::new();
    let mut blocks: Vec<usize> = plan.sheets.iter().map(|s| s.block).collect();
    blocks.dedup();
    for block in blocks {
        let sheets: Vec<&PressSheet> = plan
            .press_sheets
            .iter()
            .filter(|p| p.front.first().is_some_and(|s| plan.sheets[s.leaf].block == block))
            .collect();
        for cell in 0..columns * rows {
            for press in &sheets {
                if let Some(slot) = press.front.iter().find(|s| s.cell == cell) {
                    pile.push(slot.leaf);
                }
            }
        }
    }
    pile
}

proptest! {
    #[test]
    fn every_layout_places_each_page_once_and_never_shares_a_leaf(
        sizes in proptest::collection::vec(1usize..9, 1..40),
        kind in 0usize..4,
        duplex in any::<bool>(),
        depth in 1usize..6,
        straddle in any::<bool>(),
        short in any::<bool>(),
    ) {
        let layout = match kind {
            0 => Layout::OneUp,
            1 => Layout::NUp { columns: 2, rows: 1 },
            2 => Layout::NUp { columns: 3, rows: 2 },
            _ => Layout::Booklet,
        };
        let duplex = duplex || layout == Layout::Booklet;
        let mut s = spec(layout, duplex);
        s.stack_depth = depth;
        s.allow_straddle = straddle;
        s.signature = depth;
        let flip = if short { FlipAxis::Horizontal } else { FlipAxis::Vertical };
        let items = items(&sizes);
        let plan = Plan::build(&s, flip, &items);
        let total: usize = sizes.iter().sum();

        // Every page exactly once, on a leaf of its own item.
        let mut seen = vec![0usize; total];
        for leaf in &plan.sheets {
            let item = &items[leaf.item];
            for f in &leaf.faces {
                let (_, page) = f.face.page_ref();
                prop_assert!(item.pages().contains(&page), "leaf {} carries a page of another item", leaf.seq);
                if let Some(p) = page_of(f.face) { seen[p] += 1; }
            }
        }
        prop_assert!(seen.iter().all(|&n| n == 1));

        // Press sheets hold exactly the leaves' faces, each cell at most once a side, and a
        // leaf's back is behind its front.
        let (columns, rows) = s.cells();
        let mut slots = 0;
        for (i, press) in plan.press_sheets.iter().enumerate() {
            for side in [&press.front, &press.back] {
                let mut cells: Vec<usize> = side.iter().map(|s| s.cell).collect();
                cells.dedup();
                prop_assert_eq!(cells.len(), side.len());
                prop_assert!(side.iter().all(|s| s.cell < columns * rows && plan.sheets[s.leaf].press_sheet == i));
                slots += side.len();
            }
            if layout != Layout::Booklet {
                for back in &press.back {
                    let front = press.front.iter().find(|f| f.leaf == back.leaf).unwrap();
                    prop_assert_eq!(back.cell, stacking::mirrored_cell(front.cell, columns, rows, plan.flip));
                }
            }
            prop_assert_eq!(press.back.is_empty(), !duplex);
        }
        prop_assert_eq!(slots, plan.sheets.iter().map(|l| l.faces.len()).sum::<usize>());
        prop_assert_eq!(plan.output_pages(), plan.press_sheets.len() * if duplex { 2 } else { 1 });

        // Cut and stack yields job order; no item straddles a block unless allowed or too big.
        if matches!(layout, Layout::NUp { .. }) {
            prop_assert_eq!(cut_and_stack(&plan), (0..plan.sheets.len()).collect::<Vec<_>>());
            let capacity = depth * columns * rows;
            for &i in &plan.straddling_items {
                prop_assert!(straddle || plan.items[i].sheet_count > capacity);
            }
        }
        // Leaves are numbered n of m within their item, in order.
        for item in &plan.items {
            for (n, leaf) in plan.sheets[item.first_sheet..item.first_sheet + item.sheet_count].iter().enumerate() {
                prop_assert_eq!((leaf.number, leaf.count), (n + 1, item.sheet_count));
            }
        }
    }
}
