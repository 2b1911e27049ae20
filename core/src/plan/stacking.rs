//! Leaves onto press sheets: row order, or cut-and-stack blocks.
//!
//! Cut and stack: a block of `s` press sheets with `k` cells holds up to `s * k` leaves. After
//! printing, the block is guillotined into `k` stacks; stack 1 (top-left cell) is put on top of
//! stack 2, and so on row by row, and the pile reads in job order from the top. So leaf `j` of a
//! block lies in cell `j / s` on press sheet `j % s`. A short last block uses fewer press sheets.
//! Unless straddling is allowed, an item that would not fit in what is left of a block starts the
//! next block, leaving cells empty.

use super::{FlipAxis, LayoutSpec, LeafDraft, PlannedItem, Side, Slot, StackOrder};

/// Where a leaf ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LeafPosition {
    pub press_sheet: usize,
    pub cell: usize,
    pub back_cell: usize,
    pub block: usize,
    pub stack_position: usize,
}

pub(crate) struct Stacked {
    /// Front and back slots of each press sheet.
    pub press_sheets: Vec<(Vec<Slot>, Vec<Slot>)>,
    pub positions: Vec<LeafPosition>,
    pub empty_cells: usize,
    pub straddling_items: Vec<usize>,
}

/// The cell behind `cell` when the sheet turns about `flip`.
pub fn mirrored_cell(cell: usize, columns: usize, rows: usize, flip: FlipAxis) -> usize {
    let (row, column) = (cell / columns, cell % columns);
    match flip {
        FlipAxis::Vertical => row * columns + (columns - 1 - column),
        FlipAxis::Horizontal => (rows - 1 - row) * columns + column,
    }
}

/// Places one-cell leaves on press sheets.
pub(crate) fn stack(
    drafts: &[LeafDraft],
    items: &[PlannedItem],
    spec: &LayoutSpec,
    flip: FlipAxis,
) -> Stacked {
    let (columns, rows) = spec.cells();
    let cells = columns * rows;
    let blocks = if cells == 1 || spec.order == StackOrder::Row {
        // One block per press sheet's worth: leaves simply follow each other.
        (0..drafts.len()).collect::<Vec<_>>().chunks(cells).map(<[usize]>::to_vec).collect::<Vec<_>>()
    } else {
        cut_stack_blocks(items, spec.stack_depth * cells, spec.allow_straddle)
    };
    let mut stacked = Stacked {
        press_sheets: Vec::new(),
        positions: vec![
            LeafPosition { press_sheet: 0, cell: 0, back_cell: 0, block: 0, stack_position: 0 };
            drafts.len()
        ],
        empty_cells: 0,
        straddling_items: Vec::new(),
    };
    let row_order = cells == 1 || spec.order == StackOrder::Row;
    for (block_index, block) in blocks.iter().enumerate() {
        let sheets_in_block = block.len().div_ceil(cells);
        let base = stacked.press_sheets.len();
        stacked.press_sheets.extend((0..sheets_in_block).map(|_| (Vec::new(), Vec::new())));
        stacked.empty_cells += sheets_in_block * cells - block.len();
        for (j, &leaf) in block.iter().enumerate() {
            let (sheet, cell) =
                if row_order { (j / cells, j % cells) } else { (j % sheets_in_block, j / sheets_in_block) };
            let back_cell = mirrored_cell(cell, columns, rows, flip);
            let press_sheet = base + sheet;
            stacked.positions[leaf] = LeafPosition {
                press_sheet,
                cell,
                back_cell,
                block: if row_order { 0 } else { block_index },
                stack_position: if row_order { press_sheet } else { sheet },
            };
            for placed in &drafts[leaf].faces {
                let (slots, cell) = match placed.side {
                    Side::Front => (&mut stacked.press_sheets[press_sheet].0, cell),
                    Side::Back => (&mut stacked.press_sheets[press_sheet].1, back_cell),
                };
                slots.push(Slot { cell, face: placed.face, leaf, creep_mm: placed.creep_mm });
            }
        }
    }
    for (front, back) in &mut stacked.press_sheets {
        front.sort_by_key(|s| s.cell);
        back.sort_by_key(|s| s.cell);
    }
    if !row_order {
        stacked.straddling_items = straddling(items, &stacked.positions);
    }
    stacked
}

/// Splits the leaves (in job order) into blocks of at most `capacity` leaves.
fn cut_stack_blocks(items: &[PlannedItem], capacity: usize, allow_straddle: bool) -> Vec<Vec<usize>> {
    let mut blocks: Vec<Vec<usize>> = vec![Vec::new()];
    for item in items {
        let current = blocks.last().map_or(0, Vec::len);
        let fits = current + item.sheet_count <= capacity;
        if !allow_straddle && !fits && current > 0 && item.sheet_count <= capacity {
            blocks.push(Vec::new());
        }
        for leaf in item.first_sheet..item.first_sheet + item.sheet_count {
            if blocks.last().is_some_and(|b| b.len() == capacity) {
                blocks.push(Vec::new());
            }
            blocks.last_mut().expect("blocks is never empty").push(leaf);
        }
    }
    blocks.retain(|b| !b.is_empty());
    blocks
}

fn straddling(items: &[PlannedItem], positions: &[LeafPosition]) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            let blocks = &positions[item.first_sheet..item.first_sheet + item.sheet_count];
            blocks.iter().any(|p| p.block != blocks[0].block)
        })
        .map(|(i, _)| i)
        .collect()
}

/// One leaf per press sheet, its faces already in their cells (booklets).
pub(crate) fn one_per_press_sheet(drafts: &[LeafDraft], _spec: &LayoutSpec) -> Stacked {
    let mut press_sheets = Vec::with_capacity(drafts.len());
    let mut positions = Vec::with_capacity(drafts.len());
    for (leaf, draft) in drafts.iter().enumerate() {
        let slots = |side| {
            let mut slots: Vec<Slot> = draft
                .faces
                .iter()
                .filter(|f| f.side == side)
                .map(|f| Slot { cell: f.cell, face: f.face, leaf, creep_mm: f.creep_mm })
                .collect();
            slots.sort_by_key(|s| s.cell);
            slots
        };
        press_sheets.push((slots(Side::Front), slots(Side::Back)));
        let cell = draft.faces.iter().find(|f| f.side == Side::Front).map_or(0, |f| f.cell);
        positions.push(LeafPosition {
            press_sheet: leaf,
            cell,
            back_cell: cell,
            block: 0,
            stack_position: leaf,
        });
    }
    Stacked { press_sheets, positions, empty_cells: 0, straddling_items: Vec::new() }
}
