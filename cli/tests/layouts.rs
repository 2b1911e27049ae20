//! Imposition layouts end to end: where pages and marks land on real press sheets, checked with
//! poppler (text in each cell) and a Data Matrix decoder, and the cut-and-stack order.

use std::path::{Path, PathBuf};

use sheetseal_core::manifest::Manifest;

use crate::util::*;

struct Job {
    manifest: Manifest,
    dir: PathBuf,
    input: PathBuf,
}

fn letters(dir: &Path, count: usize, seed: u64) -> (PathBuf, String) {
    let sample = dir.join("sample");
    run_ok(&[
        "corpus",
        "--letters",
        &count.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        sample.to_str().unwrap(),
    ]);
    (sample.join("letters.pdf"), format!("index:{}", sample.join("letters.csv").display()))
}

fn impose(dir: &Path, name: &str, input: &Path, split: &str, extra: &[&str]) -> Job {
    let out = dir.join(name);
    let mut args = vec![
        "impose",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--job",
        "LAY",
        "--split",
        split,
    ];
    args.extend_from_slice(extra);
    run_ok(&args);
    let manifest = read_manifest(&out);
    for output in &manifest.outputs {
        assert_qpdf_clean(&out.join(&output.path));
        assert_eq!(page_count(&out.join(&output.path)), output.pages);
    }
    Job { manifest, dir: out, input: input.to_path_buf() }
}

/// Guillotines each block, piles stack 1 on stack 2 ...: the leaves from the top of the pile.
fn cut_and_stack(manifest: &Manifest) -> Vec<usize> {
    let cells = manifest.grid.as_ref().map_or(1, |g| g.cells.len());
    let mut blocks: Vec<usize> = manifest.sheets.iter().map(|s| s.block).collect();
    blocks.dedup();
    let mut pile = Vec::new();
    for block in blocks {
        let leaves: Vec<_> = manifest.sheets.iter().filter(|s| s.block == block).collect();
        let mut press_sheets: Vec<usize> = leaves.iter().map(|s| s.press_sheet).collect();
        press_sheets.sort();
        press_sheets.dedup();
        for cell in 0..cells {
            for &press in &press_sheets {
                if let Some(leaf) = leaves.iter().find(|s| s.press_sheet == press && s.cell == cell) {
                    pile.push(leaf.seq);
                }
            }
        }
    }
    pile
}

#[test]
fn two_up_cut_and_stack_on_sra3_reads_in_job_order_and_every_page_is_in_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let (input, index) = letters(dir.path(), 30, 11);
    let job = impose(
        dir.path(),
        "2up",
        &input,
        &index,
        &["--layout", "nup:2x1", "--sheet", "SRA3", "--stack-depth", "7"],
    );
    let m = &job.manifest;
    let grid = m.grid.as_ref().expect("a press sheet grid");
    assert!(grid.width > grid.height, "two A4 cells sit side by side on a landscape SRA3");
    assert!(m.sheets.iter().any(|s| s.block > 1), "several cut-and-stack blocks");
    assert_eq!(cut_and_stack(m), (1..=m.sheets.len()).collect::<Vec<_>>());
    // No letter straddles a block.
    for item in &m.items {
        let blocks: Vec<usize> =
            m.sheets.iter().filter(|s| s.item_seq == item.seq).map(|s| s.block).collect();
        assert!(blocks.windows(2).all(|w| w[0] == w[1]), "item {} straddles", item.id);
    }
    assert_eq!(
        assert_pages_in_their_cells(m, &job.dir, std::slice::from_ref(&job.input)),
        m.counts.input_pages + m.counts.blank_pages
    );
    assert_marks_decode(m, &job.dir);
    // Each mark sits at the same place relative to its own leaf.
    for leaf in &m.sheets {
        let (zone, trim) = (leaf.mark.zone, leaf.mark.leaf);
        let offset = (zone[0] - trim[0], (trim[1] + trim[3]) - (zone[1] + zone[3]));
        let first = (m.sheets[0].mark.zone[0] - m.sheets[0].mark.leaf[0], 0.0);
        assert!((offset.0 - first.0).abs() < 0.01, "leaf {}", leaf.seq);
    }
}

#[test]
fn four_up_with_short_edge_binding_mirrors_backs_across_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (input, index) = letters(dir.path(), 12, 5);
    let job = impose(
        dir.path(),
        "4up",
        &input,
        &index,
        &[
            "--layout",
            "nup:2x2",
            "--sheet",
            "SRA3",
            "--cell",
            "148x210mm",
            "--scaling",
            "fit",
            "--binding",
            "short",
            "--stack-depth",
            "3",
        ],
    );
    let m = &job.manifest;
    let grid = m.grid.as_ref().unwrap();
    assert!(grid.height > grid.width, "a 2x2 grid of A5 cells sits on a portrait SRA3");
    for leaf in &m.sheets {
        if let Some(back) = leaf.pages.iter().find(|p| p.side == sheetseal_core::plan::Side::Back) {
            // Portrait sheet turned about its short (top) edge: the back is in the other row.
            assert_eq!(back.cell % 2, leaf.cell % 2);
            assert_ne!(back.cell / 2, leaf.cell / 2);
        }
    }
    assert_eq!(cut_and_stack(m), (1..=m.sheets.len()).collect::<Vec<_>>());
    assert_pages_in_their_cells(m, &job.dir, std::slice::from_ref(&job.input));
    assert_marks_decode(m, &job.dir);
}

#[test]
fn booklets_put_every_page_in_its_folded_place() {
    let dir = tempfile::tempdir().unwrap();
    let (input, index) = letters(dir.path(), 10, 3);
    let job = impose(
        dir.path(),
        "booklet",
        &input,
        &index,
        &["--layout", "booklet", "--signature", "2", "--creep", "0.5"],
    );
    let m = &job.manifest;
    assert_eq!(m.counts.output_pages % 2, 0);
    for item in &m.items {
        assert_eq!((item.pages + item.blank_pages) % 4, 0, "item {} padded to a multiple of 4", item.id);
    }
    assert_pages_in_their_cells(m, &job.dir, std::slice::from_ref(&job.input));
    assert_marks_decode(m, &job.dir);
    // Reading a booklet: pages of each item, unfolded sheet by sheet, cover the item once.
    for item in &m.items {
        let mut pages: Vec<usize> = m
            .sheets
            .iter()
            .filter(|s| s.item_seq == item.seq)
            .flat_map(|s| s.pages.iter().filter_map(|p| p.source.map(|s| s.page)))
            .collect();
        pages.sort();
        assert_eq!(pages, (item.first_page..=item.last_page).collect::<Vec<_>>());
    }
}

#[test]
fn output_is_split_by_press_sheets_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let (input, index) = letters(dir.path(), 9, 2);
    let job = impose(dir.path(), "split", &input, &index, &["--max-sheets-per-file", "4"]);
    let m = &job.manifest;
    assert!(m.outputs.len() > 1);
    assert!(m.outputs.iter().all(|o| o.press_sheets <= 4 && o.path.starts_with("LAY-")));
    assert_eq!(m.outputs.iter().map(|o| o.pages).sum::<usize>(), m.counts.output_pages);
    assert_pages_in_their_cells(m, &job.dir, std::slice::from_ref(&job.input));
}

#[test]
fn rotated_cropped_and_mixed_size_pages_impose_in_every_layout() {
    let corpus = public_corpus();
    let dir = tempfile::tempdir().unwrap();
    let layouts: [&[&str]; 4] = [
        &["--layout", "duplex"],
        &["--layout", "simplex"],
        &["--layout", "nup:2x1", "--sheet", "A3", "--cell", "210x297mm", "--margin", "0"],
        &["--layout", "booklet"],
    ];
    for file in [
        "rotated-all-rotations.pdf",
        "rotated-inherited-override.pdf",
        "cropbox-qpdf-boxes.pdf",
        "odd-size-mixed-big-small.pdf",
        "inherited-calrgb.pdf",
        "odd-size-userunit-8x11.pdf",
    ] {
        for (n, layout) in layouts.iter().enumerate() {
            let input = corpus.join(file);
            let name = format!("{}-{n}", file.trim_end_matches(".pdf"));
            let job = impose(dir.path(), &name, &input, "fixed:1", layout);
            assert_pages_in_their_cells(&job.manifest, &job.dir, std::slice::from_ref(&input));
        }
    }
}

/// Pixels of a 50 dpi render of a whole page that differ clearly from another render, ignoring
/// the mark's quiet zone.
fn differing_pixels(a: &Gray, b: &Gray, zone_px: [usize; 4]) -> usize {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let [zx, zy, zw, zh] = zone_px;
    (0..a.height)
        .flat_map(|y| (0..a.width).map(move |x| (x, y)))
        .filter(|&(x, y)| !(x >= zx && x < zx + zw && y >= zy && y < zy + zh))
        .filter(|&(x, y)| a.pixels[y * a.width + x].abs_diff(b.pixels[y * b.width + x]) > 64)
        .count()
}

/// Renders a whole page at 50 dpi.
fn render_page(pdf: &Path, page: usize, size: [f64; 2]) -> Gray {
    render_region(pdf, page, 50, size[1], [0.0, 0.0, size[0], size[1]])
}

/// A leaf's mark zone in 50 dpi pixels (x, y from the top, width, height).
fn zone_px(leaf: &sheetseal_core::manifest::SheetRecord) -> [usize; 4] {
    let scale = 50.0 / 72.0;
    let [zx, zy, zw, zh] = leaf.mark.zone;
    [zx * scale, (leaf.size[1] - zy - zh) * scale, zw * scale + 2.0, zh * scale + 2.0]
        .map(|v| v.max(0.0) as usize)
}

#[test]
fn flattened_annotations_look_like_qpdf_flattening_them() {
    let corpus = public_corpus();
    let dir = tempfile::tempdir().unwrap();
    let input = corpus.join("forms-annots-f1040.pdf");
    let flat = impose(dir.path(), "flat", &input, "fixed:1", &["--layout", "simplex"]);
    assert!(flat.manifest.counts.annotations_flattened > 0);
    // qpdf flattens the same appearance streams independently.
    let reference = dir.path().join("qpdf-flattened.pdf");
    let mut command = tool("qpdf");
    command.arg("--flatten-annotations=print").arg(&input).arg(&reference);
    tool_ok(command);
    for leaf in &flat.manifest.sheets {
        let ours = render_page(&flat.dir.join("LAY.pdf"), leaf.front_page, leaf.size);
        let theirs = render_page(&reference, leaf.front.page, leaf.size);
        let diff = differing_pixels(&theirs, &ours, zone_px(leaf));
        assert!(diff < 40, "page {}: {diff} pixels differ from qpdf's flattening", leaf.seq);
    }
}

#[test]
fn annotations_can_be_dropped_instead() {
    let corpus = public_corpus();
    let dir = tempfile::tempdir().unwrap();
    let input = corpus.join("forms-annots-manual-appearances.pdf");
    let flat = impose(dir.path(), "flat", &input, "fixed:1", &["--layout", "simplex"]);
    let dropped =
        impose(dir.path(), "drop", &input, "fixed:1", &["--layout", "simplex", "--annotations", "drop"]);
    assert_eq!(dropped.manifest.counts.annotations_flattened, 0);
    assert_eq!(
        dropped.manifest.counts.annotations_dropped,
        flat.manifest.counts.annotations_flattened + flat.manifest.counts.annotations_dropped
    );
    let mut changed = 0;
    for leaf in &flat.manifest.sheets {
        let with = render_page(&flat.dir.join("LAY.pdf"), leaf.front_page, leaf.size);
        let without = render_page(&dropped.dir.join("LAY.pdf"), leaf.front_page, leaf.size);
        changed += usize::from(differing_pixels(&with, &without, zone_px(leaf)) > 100);
    }
    assert!(changed >= 5, "the widgets' appearances show on {changed} pages only");
    // Page content alone is the input's page text.
    assert_eq!(
        words(&page_texts(&dropped.dir.join("LAY.pdf")).join(" ")),
        words(&page_texts(&input).join(" "))
    );
}

#[test]
fn printer_marks_sit_outside_the_trim_at_the_cut_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (input, index) = letters(dir.path(), 4, 9);
    let job = impose(
        dir.path(),
        "marks",
        &input,
        &index,
        &["--layout", "nup:2x1", "--sheet", "SRA3", "--printer-marks", "all", "--stack-depth", "2"],
    );
    let m = &job.manifest;
    let grid = m.grid.as_ref().unwrap();
    let pdf = job.dir.join("LAY.pdf");
    // Slug line: in the bottom margin, naming the job and the press sheet, no date.
    let trim_bottom = grid.cells.iter().map(|c| c[1]).fold(f64::MAX, f64::min);
    let slug = text_in_region(&pdf, 1, grid.height, [0.0, 0.0, grid.width, trim_bottom]);
    assert!(
        slug.contains("job LAY") && slug.contains(&format!("press sheet 1 of {}", m.counts.press_sheets)),
        "{slug:?}"
    );
    // Crop marks: dark pixels just above the grid at every vertical cut line, none between.
    let [x0, y0, w, h] = grid.cells[0];
    let top = y0 + h;
    let band = render_region(&pdf, 1, 300, grid.height, [0.0, top + 9.0, grid.width, 14.0]);
    let dark_columns: Vec<usize> = (0..band.width)
        .filter(|&x| (0..band.height).any(|y| band.pixels[y * band.width + x] < 128))
        .collect();
    let px = |v: f64| (v * 300.0 / 72.0).round() as i64;
    for cut in [x0, x0 + w, grid.cells[1][0] + grid.cells[1][2]] {
        assert!(dark_columns.iter().any(|&c| (c as i64 - px(cut)).abs() <= 2), "no crop mark at x={cut}");
    }
    assert!(
        dark_columns.iter().all(|&c| [x0, x0 + w, grid.cells[1][0] + grid.cells[1][2]].iter().any(|&cut| (c
            as i64
            - px(cut))
        .abs()
            <= 3)
            || (c as f64) > px(grid.width / 2.0 - 20.0) as f64
                && (c as f64) < px(grid.width / 2.0 + 20.0) as f64),
        "only crop marks and the registration target above the grid"
    );
    // The marks that are the same on every side are one form, written once and shown by all.
    let doc = lopdf::Document::load(&pdf).unwrap();
    let forms: std::collections::BTreeSet<lopdf::ObjectId> = doc
        .get_pages()
        .values()
        .map(|&page| {
            let resources = doc.get_dictionary(page).unwrap().get(b"Resources").unwrap().as_dict().unwrap();
            let xobjects = resources.get(b"XObject").unwrap().as_dict().unwrap();
            xobjects.get(b"PM").unwrap().as_reference().unwrap()
        })
        .collect();
    assert_eq!(forms.len(), 1, "one printer's marks form for the file");
}
