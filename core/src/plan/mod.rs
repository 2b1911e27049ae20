//! Stage 3, plan: decide which page goes on which side of which cell of which press sheet.
//!
//! The plan is plain data, built from the items alone: it can be built, printed and tested
//! without opening a PDF. Vocabulary:
//! - a **leaf** ([`Sheet`]) is the physical piece of paper that goes into an envelope after
//!   cutting; it belongs to exactly one item and carries exactly one integrity mark;
//! - a **press sheet** ([`PressSheet`]) is what the printer prints: one leaf (1-up), a grid of
//!   leaves (n-up, cut afterwards) or a booklet sheet (two pages a side, folded);
//! - a **cell** is a leaf's place on a press sheet, numbered row by row from the top left of the
//!   front side.
//!
//! [`geometry`] turns cells into coordinates once page sizes are known.

mod booklet;
pub mod geometry;
mod leaves;
pub mod spec;
mod stacking;

use serde::{Deserialize, Serialize};

use crate::split::Item;
pub use spec::{Binding, FlipAxis, Layout, LayoutChoice, LayoutSpec, StackOrder};

/// What is printed in one cell of one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Face {
    /// A page of an input (0-based input and page).
    Page { input: usize, page: usize },
    /// A blank page, the size of the given input page (a page of the same leaf).
    Blank { input: usize, like_page: usize },
}

impl Face {
    /// The input page this face is, or is sized like.
    pub fn page_ref(&self) -> (usize, usize) {
        match *self {
            Face::Page { input, page } => (input, page),
            Face::Blank { input, like_page } => (input, like_page),
        }
    }
}

/// Which side of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Front,
    Back,
}

/// A page on a leaf: which side, which cell of the press sheet, what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlacedFace {
    pub side: Side,
    pub cell: usize,
    pub face: Face,
    /// Booklets: how far the page is moved towards the spine (creep compensation), in mm.
    pub creep_mm: f64,
}

/// A leaf: one physical sheet after cutting, belonging to exactly one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sheet {
    /// Position in the job, 1-based.
    pub seq: usize,
    /// The item it belongs to (0-based index into the plan's items).
    pub item: usize,
    /// Leaf number within the item, 1-based.
    pub number: usize,
    /// How many leaves the item has.
    pub count: usize,
    /// Its pages in reading order.
    pub faces: Vec<PlacedFace>,
    /// The press sheet that prints it (0-based index into the plan's press sheets).
    pub press_sheet: usize,
    /// The front cell that carries its mark.
    pub cell: usize,
    /// Its cut-and-stack block, 0-based.
    pub block: usize,
    /// Its position in its stack after cutting, 0 = top.
    pub stack_position: usize,
}

impl Sheet {
    /// The page the mark is printed on.
    pub fn front(&self) -> Face {
        self.faces.iter().find(|f| f.side == Side::Front && f.cell == self.cell).map(|f| f.face).unwrap_or(
            // Every leaf is built with a front face in its own cell; this is never reached.
            self.faces[0].face,
        )
    }

    /// The page behind the mark's page, for duplex.
    pub fn back(&self) -> Option<Face> {
        self.faces.iter().find(|f| f.side == Side::Back).map(|f| f.face)
    }
}

/// One cell of one side of a press sheet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Slot {
    pub cell: usize,
    pub face: Face,
    /// The leaf it belongs to (0-based index into the plan's sheets).
    pub leaf: usize,
    pub creep_mm: f64,
}

/// A press sheet: what the printer prints, front and (duplex) back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PressSheet {
    /// Position in the job, 1-based.
    pub seq: usize,
    /// The output file it is in (0-based).
    pub file: usize,
    /// The page of that file that prints its front, 0-based; the back is the next page.
    pub first_page: usize,
    pub front: Vec<Slot>,
    pub back: Vec<Slot>,
}

/// An item as planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedItem {
    pub item: Item,
    /// Position in the job, 1-based.
    pub seq: usize,
    /// Index of its first leaf in the plan's sheets (0-based).
    pub first_sheet: usize,
    pub sheet_count: usize,
    /// Blank pages added to it.
    pub blanks: usize,
}

/// The whole job's imposition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub spec: LayoutSpec,
    /// The axis press sheets turn about; backs are mirrored across it.
    pub flip: FlipAxis,
    pub items: Vec<PlannedItem>,
    /// The leaves, in job order.
    pub sheets: Vec<Sheet>,
    pub press_sheets: Vec<PressSheet>,
    /// Pages of each output file.
    pub file_pages: Vec<usize>,
    /// Press-sheet cells left empty (padding at block ends): unprinted paper.
    pub empty_cells: usize,
    /// Items (0-based) that continue from one cut-and-stack block into the next.
    pub straddling_items: Vec<usize>,
}

impl Plan {
    /// Lays `items` out. Items must each have at least one page.
    pub fn build(spec: &LayoutSpec, flip: FlipAxis, items: &[Item]) -> Plan {
        let (drafts, planned) = match spec.layout {
            Layout::Booklet => booklet::leaves(items, spec.signature, spec.creep_mm),
            Layout::OneUp | Layout::NUp { .. } => leaves::one_cell_leaves(items, spec.duplex),
        };
        let flip = if spec.layout == Layout::Booklet { FlipAxis::Vertical } else { flip };
        let stacked = match spec.layout {
            Layout::Booklet => stacking::one_per_press_sheet(&drafts, spec),
            Layout::OneUp | Layout::NUp { .. } => stacking::stack(&drafts, &planned, spec, flip),
        };
        let pages_per_press_sheet = if spec.duplex { 2 } else { 1 };
        let per_file = spec.max_sheets_per_file.unwrap_or(usize::MAX);
        let mut file_pages = Vec::new();
        let press_sheets: Vec<PressSheet> = stacked
            .press_sheets
            .into_iter()
            .enumerate()
            .map(|(i, (front, back))| {
                let file = i / per_file;
                if file_pages.len() <= file {
                    file_pages.push(0);
                }
                let first_page = file_pages[file];
                file_pages[file] += pages_per_press_sheet;
                PressSheet { seq: i + 1, file, first_page, front, back }
            })
            .collect();
        let sheets = drafts
            .into_iter()
            .zip(stacked.positions)
            .enumerate()
            .map(|(i, (mut draft, position))| {
                if spec.layout != Layout::Booklet {
                    for face in &mut draft.faces {
                        face.cell = if face.side == Side::Front { position.cell } else { position.back_cell };
                    }
                }
                Sheet {
                    seq: i + 1,
                    item: draft.item,
                    number: draft.number,
                    count: draft.count,
                    cell: position.cell,
                    faces: draft.faces,
                    press_sheet: position.press_sheet,
                    block: position.block,
                    stack_position: position.stack_position,
                }
            })
            .collect();
        Plan {
            spec: spec.clone(),
            flip,
            items: planned,
            sheets,
            press_sheets,
            file_pages,
            empty_cells: stacked.empty_cells,
            straddling_items: stacked.straddling_items,
        }
    }

    /// Pages in all output files.
    pub fn output_pages(&self) -> usize {
        self.file_pages.iter().sum()
    }

    /// Blank pages added in the whole job.
    pub fn blank_pages(&self) -> usize {
        self.items.iter().map(|i| i.blanks).sum()
    }

    /// 1-based output page of a leaf's front and, for duplex, its back.
    pub fn leaf_pages(&self, leaf: &Sheet) -> (usize, Option<usize>) {
        let press = &self.press_sheets[leaf.press_sheet];
        (press.first_page + 1, self.spec.duplex.then_some(press.first_page + 2))
    }
}

/// A leaf before it has a press sheet.
#[derive(Debug, Clone)]
pub(crate) struct LeafDraft {
    pub item: usize,
    pub number: usize,
    pub count: usize,
    /// Cells here are relative: for one-cell leaves 0 on both sides (the stacking stage assigns
    /// real cells); for booklets the real cells.
    pub faces: Vec<PlacedFace>,
}

#[cfg(test)]
mod tests;
