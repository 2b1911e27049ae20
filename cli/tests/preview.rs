//! `sheetseal preview` end to end: PNG pictures of a job's sheets whose overlay lines sit at the
//! coordinates the manifest records, marks that a decoder we did not write reads back from the
//! pictures, contact sheets, and the same bytes however many workers render.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sheetseal_core::manifest::Manifest;
use sheetseal_core::preview::overlay::ShapeKind;
use sheetseal_core::preview::png;
use sheetseal_core::preview::raster::Raster;

use crate::util::*;

/// A small duplex job; returns its folder and manifest.
fn job(dir: &Path) -> (PathBuf, Manifest) {
    job_with(dir, &[])
}

/// A small job with extra `impose` options.
fn job_with(dir: &Path, extra: &[&str]) -> (PathBuf, Manifest) {
    let sample = dir.join("in");
    run_ok(&["corpus", "--letters", "5", "--seed", "11", "--out", sample.to_str().unwrap()]);
    let out = dir.join("job");
    let index = format!("index:{}", sample.join("letters.csv").display());
    run_ok(
        &[
            "impose",
            sample.join("letters.pdf").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--job",
            "PV",
            "--split",
            &index,
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .collect::<Vec<_>>(),
    );
    let manifest = read_manifest(&out);
    (out, manifest)
}

fn preview(job: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["preview", job.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend(extra);
    String::from_utf8_lossy(&run_ok(&args).stdout).into_owned()
}

fn picture(path: &Path) -> Raster {
    png::decode(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn pngs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn overlay_lines_sit_where_the_manifest_says() {
    let dir = tempfile::tempdir().unwrap();
    let (job, manifest) = job(dir.path());
    let out = dir.path().join("png");
    // 144 dpi: two pixels a point, so every planned coordinate falls on a pixel edge.
    let summary = preview(&job, &out, &["--overlay", "--dpi", "144", "--contact", "--contact-columns", "4"]);
    let pages = manifest.counts.output_pages;
    assert!(summary.starts_with(&format!("{} PNG file(s)", pages + 1)), "{summary}");
    let names = pngs(&out);
    assert_eq!(names.len(), pages + 1, "{names:?}");
    assert_eq!(names[0], "contact-0001.png");
    assert_eq!(names[1], "page-000001.png");

    let red = ShapeKind::MarkZone.colour();
    let blue = ShapeKind::Leaf.colour();
    for sheet in &manifest.sheets {
        let front = picture(&out.join(format!("page-{:06}.png", sheet.front_page)));
        let [width, height] = sheet.size;
        assert_eq!(
            (front.width, front.height),
            ((width * 2.0).round() as usize, (height * 2.0).round() as usize)
        );
        // The leaf's edges: the first and last pixel columns and rows are the leaf colour.
        for (x, y) in
            [(0, front.height / 2), (front.width - 1, front.height / 2), (front.width / 2, front.height - 1)]
        {
            assert_eq!(front.get(x, y), Some(blue), "sheet {} leaf edge at {x},{y}", sheet.seq);
        }
        // The mark zone: its left edge at column 2x, its top edge at row 2(H - y - h).
        let [x, y, w, h] = sheet.mark.zone;
        let left = (x * 2.0).round() as usize;
        let right = ((x + w) * 2.0).round() as usize - 1;
        let top = ((height - y - h) * 2.0).round() as usize;
        let bottom = ((height - y) * 2.0).round() as usize - 1;
        let middle_row = (top + bottom) / 2;
        let middle_column = (left + right) / 2;
        assert_eq!(front.get(left, middle_row), Some(red), "sheet {} zone left edge", sheet.seq);
        assert_eq!(front.get(right, middle_row), Some(red), "sheet {} zone right edge", sheet.seq);
        assert_eq!(front.get(middle_column, top), Some(red), "sheet {} zone top edge", sheet.seq);
        assert_eq!(front.get(middle_column, bottom), Some(red), "sheet {} zone bottom edge", sheet.seq);
        assert_ne!(front.get(left - 1, middle_row), Some(red), "sheet {} outside the zone", sheet.seq);
        assert_ne!(front.get(middle_column, top - 1), Some(red), "sheet {} outside the zone", sheet.seq);
        // The label with the item id sits on a yellow box at the leaf's top-left corner.
        assert_eq!(front.get(5, 5), Some([255, 236, 100]), "sheet {} label", sheet.seq);
        if let Some(back) = sheet.back_page {
            let back = picture(&out.join(format!("page-{back:06}.png")));
            assert_eq!(back.get(0, back.height / 2), Some(blue));
            assert!(!back.pixels.chunks(3).any(|p| p == red), "no mark zone on a back");
        }
    }
    let contact = picture(&out.join("contact-0001.png"));
    assert!(contact.width > 4 * 100 && contact.height > 100, "{}x{}", contact.width, contact.height);
}

#[test]
fn n_up_overlays_show_cells_cut_lines_and_each_leaf_in_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let (job, manifest) =
        job_with(dir.path(), &["--layout", "nup:2x1", "--sheet", "450x320mm", "--margin", "10"]);
    let grid = manifest.grid.clone().expect("an n-up manifest records its grid");
    let out = dir.path().join("png");
    // 72 dpi: a pixel a point.
    preview(&job, &out, &["--overlay", "--dpi", "72"]);
    let cut = ShapeKind::Cut.colour();
    let blue = ShapeKind::Leaf.colour();
    let red = ShapeKind::MarkZone.colour();
    let front = picture(&out.join("page-000001.png"));
    assert_eq!((front.width, front.height), (grid.width.round() as usize, grid.height.round() as usize));
    // The cut between the two cells runs the whole height of the press sheet: through the
    // margins, where nothing else is drawn, and between the leaves, whose edges it underlies.
    let [x, _, w, _] = grid.cells[0];
    let between = (x + w).round() as usize;
    for y in [0, 5, front.height - 1] {
        assert_eq!(front.get(between, y), Some(cut), "cut line at column {between}, row {y}");
    }
    assert!(matches!(front.get(between, front.height / 2), Some(c) if c == cut || c == blue));
    assert_ne!(front.get(between + 3, 0), Some(cut));
    // Each leaf on the first press sheet is outlined at its cell, with its mark zone inside it.
    let on_first: Vec<_> = manifest.sheets.iter().filter(|s| s.press_sheet == 1).collect();
    assert_eq!(on_first.len(), 2);
    for sheet in on_first {
        let [lx, ly, lw, lh] = sheet.mark.leaf;
        assert_eq!(sheet.mark.leaf, grid.cells[sheet.cell], "the leaf is its cell");
        let middle_row = (grid.height - ly - lh / 2.0).round() as usize;
        let left = lx.round() as usize;
        let middle_column = (lx + lw / 2.0).round() as usize;
        let top = (grid.height - ly - lh).round() as usize;
        assert_eq!(front.get(middle_column, top), Some(blue), "sheet {} leaf top edge", sheet.seq);
        assert!(
            matches!(front.get(left, middle_row), Some(c) if c == blue || c == cut),
            "sheet {}",
            sheet.seq
        );
        let [zx, zy, zw, zh] = sheet.mark.zone;
        assert!(zx >= lx && zx + zw <= lx + lw && zy >= ly && zy + zh <= ly + lh, "zone inside the leaf");
        let zone_left = zx.round() as usize;
        let zone_middle = (grid.height - zy - zh / 2.0).round() as usize;
        assert_eq!(front.get(zone_left, zone_middle), Some(red), "sheet {} zone", sheet.seq);
    }
}

#[test]
fn pictures_show_what_is_printed_and_do_not_depend_on_the_workers() {
    let dir = tempfile::tempdir().unwrap();
    let (job, manifest) = job(dir.path());
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    preview(&job, &one, &["--dpi", "200", "--sheets", "2-3", "--workers", "1"]);
    preview(&job, &two, &["--dpi", "200", "--sheets", "2-3", "--workers", "2"]);
    let wanted: Vec<String> = manifest.sheets[1..3]
        .iter()
        .flat_map(|s| std::iter::once(s.front_page).chain(s.back_page))
        .map(|p| format!("page-{p:06}.png"))
        .collect();
    assert_eq!(pngs(&one), wanted);
    for name in &wanted {
        assert_eq!(std::fs::read(one.join(name)).unwrap(), std::fs::read(two.join(name)).unwrap(), "{name}");
    }
    // The mark on each front reads back, by rxing, from the picture alone.
    for sheet in &manifest.sheets[1..3] {
        let raster = picture(&one.join(format!("page-{:06}.png", sheet.front_page)));
        let [x, y, w, h] = sheet.mark.zone;
        let scale = 200.0 / 72.0;
        let (x0, y0) = (((x - 6.0) * scale) as usize, ((sheet.size[1] - y - h - 6.0) * scale) as usize);
        let (cw, ch) = (((w + 12.0) * scale) as usize, ((h + 12.0) * scale) as usize);
        let mut gray = Gray { width: cw, height: ch, pixels: Vec::with_capacity(cw * ch) };
        for row in y0..y0 + ch {
            for col in x0..x0 + cw {
                let [r, g, b] = raster.get(col, row).unwrap();
                gray.pixels.push(((r as u32 + g as u32 + b as u32) / 3) as u8);
            }
        }
        assert_eq!(decode_datamatrix(&gray).as_deref(), Some(sheet.payload.as_str()), "sheet {}", sheet.seq);
    }
}

#[test]
fn a_changed_print_file_or_a_bad_selection_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (job, manifest) = job(dir.path());
    let out = dir.path().join("png");
    let run = |args: &[&str]| {
        let mut command = sheetseal();
        command.args(["preview", job.to_str().unwrap(), "--out", out.to_str().unwrap()]).args(args);
        run_with_limit(command, Duration::from_secs(60))
    };
    let past_end = format!("{}", manifest.counts.output_pages + 1);
    let output = run(&["--pages", &past_end]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--pages"));
    let output = run(&["--dpi", "5000", "--pages", "1"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("dpi"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let pdf = job.join("PV.pdf");
    let mut bytes = std::fs::read(&pdf).unwrap();
    bytes.extend_from_slice(b"\n% changed\n");
    std::fs::write(&pdf, bytes).unwrap();
    let output = run(&[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("SHA-256 differs"));
}
