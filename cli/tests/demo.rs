//! The demo job end to end: valid PDF, every page conserved, every mark readable.

use std::path::Path;

use sheetseal_core::manifest::Manifest;
use sheetseal_core::mark::payload::SheetPayload;

use crate::util::*;

/// Points of margin rendered around a mark's quiet zone.
const RENDER_MARGIN_PT: f64 = 6.0;

fn demo(dir: &Path, letters: usize) -> Manifest {
    run_ok(&["demo", "--out", dir.to_str().unwrap(), "--letters", &letters.to_string()]);
    read_manifest(&dir.join("job"))
}

#[test]
fn demo_output_is_valid_conserves_every_page_and_every_mark_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = demo(dir.path(), 300);
    let job_dir = dir.path().join("job");
    let pdf = job_dir.join(&manifest.outputs[0].path);
    let input = dir.path().join("sample/letters.pdf");

    // A valid PDF with exactly the planned pages, whose hash the manifest records.
    assert_qpdf_clean(&pdf);
    assert_eq!(page_count(&pdf), manifest.counts.output_pages);
    assert_eq!(manifest.outputs[0].pages, manifest.counts.output_pages);
    let bytes = std::fs::read(&pdf).unwrap();
    assert_eq!(sheetseal_core::ingest::hex(&sha2_digest(&bytes)), manifest.outputs[0].sha256);
    assert_eq!(manifest.counts.items, 300);
    assert_eq!(manifest.counts.marks, manifest.counts.sheets);

    // Page conservation: every input page exactly once, in order, where the manifest says.
    let input_pages = page_count(&input);
    assert_eq!(manifest.counts.input_pages, input_pages);
    let placed: Vec<usize> = manifest.placed_pages().map(|p| p.page).collect();
    assert_eq!(placed, (1..=input_pages).collect::<Vec<_>>());
    let input_text = page_texts(&input);
    let output_text = page_texts(&pdf);
    assert_eq!(output_text.len(), manifest.counts.output_pages);
    for sheet in &manifest.sheets {
        assert_eq!(
            output_text[sheet.front_page - 1],
            input_text[sheet.front.page - 1],
            "sheet {}",
            sheet.seq
        );
        match (sheet.back_page, sheet.back) {
            (Some(page), Some(source)) => assert_eq!(output_text[page - 1], input_text[source.page - 1]),
            (Some(page), None) => assert_eq!(output_text[page - 1], "", "blank back of sheet {}", sheet.seq),
            (None, _) => panic!("demo is duplex: sheet {} has no back", sheet.seq),
        }
        // No sheet carries pages of two letters.
        let item = &manifest.items[sheet.item_seq - 1];
        for source in std::iter::once(sheet.front).chain(sheet.back) {
            assert!((item.first_page..=item.last_page).contains(&source.page));
        }
    }

    // Every mark decodes, with a decoder we did not write, to the manifest's payload.
    let sheets = &manifest.sheets;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = sheets
            .chunks(sheets.len().div_ceil(2))
            .map(|chunk| {
                let pdf = &pdf;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|sheet| {
                            let [x, y, w, h] = sheet.mark.zone;
                            let m = RENDER_MARGIN_PT;
                            let region = [x - m, y - m, w + 2.0 * m, h + 2.0 * m];
                            let gray = render_region(pdf, sheet.front_page, 300, sheet.size[1], region);
                            match decode_datamatrix(&gray) {
                                Some(text) if text == sheet.payload => None,
                                other => Some(format!(
                                    "sheet {}: read {other:?}, expected {}",
                                    sheet.seq, sheet.payload
                                )),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{} marks failed:\n{}", failures.len(), failures.join("\n"));

    // Payloads identify job, item, sheet n of m.
    for sheet in sheets {
        let payload = SheetPayload::decode(&sheet.payload).unwrap();
        assert_eq!((payload.job.as_str(), payload.item_seq), ("DEMO", sheet.item_seq));
        assert_eq!((payload.sheet, payload.sheets), (sheet.sheet, sheet.of));
    }

    // The flat CSV has one row a sheet.
    let csv = std::fs::read_to_string(job_dir.join("sheets.csv")).unwrap();
    assert_eq!(csv.lines().count(), sheets.len() + 1);
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a");
    let second = dir.path().join("b");
    for out in [&first, &second] {
        run_ok(&["corpus", "--letters", "40", "--seed", "7", "--out", out.to_str().unwrap()]);
    }
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(read(&first.join("letters.pdf")), read(&second.join("letters.pdf")));
    assert_eq!(read(&first.join("letters.csv")), read(&second.join("letters.csv")));

    let input = first.join("letters.pdf");
    let index = format!("index:{}", first.join("letters.csv").display());
    for out in ["j1", "j2"] {
        let out = dir.path().join(out);
        run_ok(&[
            "impose",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--job",
            "DET",
            "--split",
            &index,
        ]);
    }
    for name in ["DET.pdf", "manifest.json", "sheets.csv"] {
        assert_eq!(
            read(&dir.path().join("j1").join(name)),
            read(&dir.path().join("j2").join(name)),
            "{name}"
        );
    }

    let other = dir.path().join("c");
    run_ok(&["corpus", "--letters", "40", "--seed", "8", "--out", other.to_str().unwrap()]);
    assert_ne!(read(&first.join("letters.pdf")), read(&other.join("letters.pdf")));
}

#[test]
fn simplex_marks_every_page() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(&["corpus", "--letters", "12", "--out", dir.path().join("in").to_str().unwrap()]);
    let input = dir.path().join("in/letters.pdf");
    let index = format!("index:{}", dir.path().join("in/letters.csv").display());
    let out = dir.path().join("out");
    run_ok(&[
        "impose",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--job",
        "S1",
        "--split",
        &index,
        "--layout",
        "simplex",
    ]);
    let manifest = read_manifest(&out);
    let pdf = out.join("S1.pdf");
    assert_qpdf_clean(&pdf);
    assert_eq!(page_count(&pdf), page_count(&input));
    assert_eq!(manifest.counts.sheets, manifest.counts.input_pages);
    assert_eq!(manifest.counts.blank_pages, 0);
    for sheet in manifest.sheets.iter().take(8) {
        assert!(sheet.back_page.is_none());
        let [x, y, w, h] = sheet.mark.zone;
        let gray =
            render_region(&pdf, sheet.front_page, 300, sheet.size[1], [x - 6.0, y - 6.0, w + 12.0, h + 12.0]);
        assert_eq!(decode_datamatrix(&gray).as_deref(), Some(sheet.payload.as_str()));
    }
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}
