//! Checks of generated files with real PDF tools: qpdf, pdftotext, pdffonts and pdftoppm.
//!
//! These tools are required (CI installs `qpdf` and `poppler-utils`): a missing tool fails the
//! test rather than skipping it.

use serde_json::Value;
use sheetseal_corpus::{generate, CorpusSpec, CorpusSummary, LetterRecord};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Runs a tool and returns its output; panics (failing the test) if it cannot be run.
fn run(tool: &str, args: &[&str]) -> Output {
    Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run `{tool}` ({e}); install qpdf and poppler-utils to run these tests")
    })
}

/// Runs a tool that must succeed and returns its standard output.
fn stdout(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = run(tool, args);
    assert!(
        out.status.success(),
        "`{tool} {}` failed: {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

struct Fixture {
    _dir: tempfile::TempDir,
    summary: CorpusSummary,
    records: Vec<LetterRecord>,
}

impl Fixture {
    fn pdf(&self) -> &str {
        self.summary.pdf_path.to_str().unwrap()
    }
}

/// One 30-letter corpus with an outline, shared by the tests of this file.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let spec = CorpusSpec { letters: 30, seed: 5, outline: true, ..CorpusSpec::default() };
        let summary = generate(&spec, dir.path()).unwrap();
        let records = sheetseal_corpus::letter_records(&spec).unwrap();
        assert!(summary.pages > 64, "the fixture should need a two-level page tree");
        Fixture { _dir: dir, summary, records }
    })
}

fn qpdf_check(path: &str) {
    let out = stdout("qpdf", &["--check", path]);
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("No syntax or stream encoding errors"), "{text}");
}

#[test]
fn qpdf_check_passes() {
    let f = fixture();
    qpdf_check(f.pdf());
    let n = stdout("qpdf", &["--show-npages", f.pdf()]);
    assert_eq!(String::from_utf8_lossy(&n).trim(), f.summary.pages.to_string());
}

#[test]
fn qpdf_check_passes_with_an_xref_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    let spec = CorpusSpec { letters: 4, seed: 2, ..CorpusSpec::default() };
    let file = std::fs::File::create(&path).unwrap();
    sheetseal_corpus::write_pdf_with_xref_stream(&spec, file).unwrap();
    qpdf_check(path.to_str().unwrap());
    let text = stdout("pdftotext", &[path.to_str().unwrap(), "-"]);
    assert!(String::from_utf8_lossy(&text).contains("Ref: L0000004"));
}

#[test]
fn text_extraction_gives_the_real_text() {
    let f = fixture();
    let raw = stdout("pdftotext", &[f.pdf(), "-"]);
    let text = String::from_utf8(raw).expect("pdftotext prints UTF-8");
    assert_eq!(text.matches("Page 1 of").count(), f.records.len());
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(pages.len() >= f.summary.pages);
    for r in &f.records {
        let first = pages[r.first_page - 1];
        assert!(first.contains(&format!("Ref: {}", r.item_id)), "{first}");
        assert_eq!(text.matches(&format!("Ref: {}", r.item_id)).count(), 1);
        for k in 1..=r.page_count {
            let page = pages[r.first_page - 1 + (k - 1)];
            let footer = format!("Page {k} of {}", r.page_count);
            assert!(page.contains(&footer), "page {k} of {}: {page}", r.item_id);
            assert!(page.contains("Nordlicht Energie GmbH"), "sender line missing");
        }
    }
    // Non-ASCII text survives the /ToUnicode map.
    assert!(text.contains("Hafenstraße 21 · 20457 Hamburg"));
}

#[test]
fn one_embedded_subset_font() {
    let f = fixture();
    let out = String::from_utf8(stdout("pdffonts", &[f.pdf()])).unwrap();
    let fonts: Vec<&str> = out.lines().skip(2).collect();
    assert_eq!(fonts.len(), 1, "{out}");
    let cols: Vec<&str> = fonts[0].split_whitespace().collect();
    // name, type (2 words), encoding, emb, sub, uni, object id.
    let name = cols[0];
    assert!(name.ends_with("+DejaVuSans"), "{name}");
    assert!(name[..6].bytes().all(|b| b.is_ascii_uppercase()), "{name}");
    assert_eq!(&cols[1..7], ["CID", "TrueType", "Identity-H", "yes", "yes", "yes"], "{out}");
}

/// Every object of the file, by "obj:N 0 R" key, from qpdf's JSON.
fn objects(path: &str) -> BTreeMap<String, Value> {
    let json: Value = serde_json::from_slice(&stdout("qpdf", &["--json", "--json-key=qpdf", path])).unwrap();
    let objs = json["qpdf"][1].as_object().expect("qpdf JSON v2 objects");
    objs.iter()
        .filter(|(k, _)| k.starts_with("obj:"))
        .map(|(k, v)| {
            let dict =
                if v.get("stream").is_some() { v["stream"]["dict"].clone() } else { v["value"].clone() };
            (k.trim_start_matches("obj:").to_string(), dict)
        })
        .collect()
}

#[test]
fn image_and_font_are_shared() {
    let f = fixture();
    let objs = objects(f.pdf());
    let with = |key: &str, value: &str| -> Vec<&String> {
        objs.iter()
            .filter(|(_, d)| d.get(key).and_then(Value::as_str) == Some(value))
            .map(|(k, _)| k)
            .collect()
    };
    let images = with("/Subtype", "/Image");
    assert_eq!(images.len(), 1, "one image object");
    assert_eq!(with("/Subtype", "/Type0").len(), 1, "one font object");
    assert_eq!(with("/Subtype", "/CIDFontType2").len(), 1);
    let font_files: Vec<_> = objs.values().filter(|d| d.get("/Length1").is_some()).collect();
    assert_eq!(font_files.len(), 1, "one FontFile2 stream");
    let descriptors = with("/Type", "/FontDescriptor");
    assert_eq!(descriptors.len(), 1);
    assert!(objs[descriptors[0]].get("/FontFile2").is_some());

    // Every page uses the same resources, which hold the image and the font.
    let pages: Vec<&Value> =
        objs.values().filter(|d| d.get("/Type").and_then(Value::as_str) == Some("/Page")).collect();
    assert_eq!(pages.len(), f.summary.pages);
    let resources = pages[0]["/Resources"].as_str().unwrap();
    for p in &pages {
        assert_eq!(p["/Resources"].as_str(), Some(resources));
        assert_eq!(p["/MediaBox"], serde_json::json!([0, 0, 595.276, 841.89]));
        assert!(p.get("/CropBox").is_none());
    }
    let res = &objs[resources];
    assert_eq!(res["/XObject"]["/Im1"].as_str(), Some(images[0].as_str()));

    // The page tree is balanced: no node has more than 64 kids.
    for node in objs.values().filter(|d| d.get("/Type").and_then(Value::as_str) == Some("/Pages")) {
        let kids = node["/Kids"].as_array().unwrap().len();
        assert!((1..=64).contains(&kids), "{kids} kids");
    }

    // Document information: producer, no dates.
    let infos: Vec<_> = objs.values().filter(|d| d.get("/Producer").is_some()).collect();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0]["/Producer"].as_str(), Some("u:sheetseal-corpus"));
    assert!(infos[0].get("/CreationDate").is_none() && infos[0].get("/ModDate").is_none());
}

#[test]
fn outline_has_one_bookmark_per_letter() {
    let f = fixture();
    let json: Value =
        serde_json::from_slice(&stdout("qpdf", &["--json", "--json-key=outlines", f.pdf()])).unwrap();
    let items = json["outlines"].as_array().unwrap();
    assert_eq!(items.len(), f.records.len());
    for (item, r) in items.iter().zip(&f.records) {
        assert_eq!(item["title"].as_str(), Some(r.item_id.as_str()));
        assert_eq!(item["destpageposfrom1"].as_u64(), Some(r.first_page as u64));
        assert_eq!(item["dest"][1].as_str(), Some("/Fit"));
        assert!(item["kids"].as_array().unwrap().is_empty());
    }
}

#[test]
fn no_outline_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CorpusSpec { letters: 3, ..CorpusSpec::default() };
    let s = generate(&spec, dir.path()).unwrap();
    let json: Value = serde_json::from_slice(&stdout(
        "qpdf",
        &["--json", "--json-key=outlines", s.pdf_path.to_str().unwrap()],
    ))
    .unwrap();
    assert!(json["outlines"].as_array().unwrap().is_empty());
}

/// A grey-scale raster of one page at 50 dpi: (width, height, pixels).
fn render(pdf: &str, page: usize, dir: &Path) -> (usize, usize, Vec<u8>) {
    let prefix = dir.join(format!("page{page}"));
    let p = page.to_string();
    stdout(
        "pdftoppm",
        &["-r", "50", "-gray", "-f", &p, "-l", &p, "-singlefile", pdf, prefix.to_str().unwrap()],
    );
    let data = std::fs::read(prefix.with_extension("pgm")).unwrap();
    // Binary PGM: "P5", width, height, maxval, one whitespace byte, then the pixels.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while data[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !data[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    assert_eq!(fields[3], "255");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = data[i + 1..].to_vec();
    assert_eq!(pixels.len(), w * h);
    (w, h, pixels)
}

#[test]
fn mark_strip_and_margins_stay_white() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let multi = f.records.iter().find(|r| r.page_count >= 2).unwrap();
    let pages = [1, multi.first_page + 1, multi.first_page + multi.page_count - 1, f.summary.pages];
    let px_per_mm = 50.0 / 25.4;
    for page in pages {
        let (w, h, pixels) = render(f.pdf(), page, dir.path());
        assert!((413..=414).contains(&w) && (584..=585).contains(&h), "A4 at 50 dpi: {w}x{h}");
        let at = |x: usize, y: usize| pixels[y * w + x];
        let left = (20.0 * px_per_mm) as usize;
        let right = w - (12.0 * px_per_mm) as usize;
        let bottom = h - (10.0 * px_per_mm) as usize;
        for y in 0..h {
            for x in (0..left).chain(right..w) {
                assert_eq!(at(x, y), 255, "page {page}: ink at ({x}, {y}) in a margin");
            }
        }
        for y in bottom..h {
            for x in 0..w {
                assert_eq!(at(x, y), 255, "page {page}: ink at ({x}, {y}) in the bottom 10 mm");
            }
        }
        let dark = pixels.iter().filter(|&&p| p < 160).count();
        assert!(dark > w * h / 100, "page {page} looks blank ({dark} dark pixels)");
        // The logo (top right) is there.
        let logo_dark =
            (10..60).flat_map(|y| (250..right).map(move |x| (x, y))).filter(|&(x, y)| at(x, y) < 200).count();
        assert!(logo_dark > 200, "page {page}: no logo ({logo_dark})");
    }
}

#[test]
fn document_parts_and_separators_pass_qpdf_and_sit_where_the_records_say() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CorpusSpec { letters: 70, seed: 3, outline: true, dparts: true, separators: true };
    let summary = generate(&spec, dir.path()).unwrap();
    let records = sheetseal_corpus::letter_records(&spec).unwrap();
    let pdf = summary.pdf_path.to_str().unwrap();
    qpdf_check(pdf);
    let letter_pages: usize = records.iter().map(|r| r.page_count).sum();
    assert_eq!(summary.pages, letter_pages + 69);
    let n = stdout("qpdf", &["--show-npages", pdf]);
    assert_eq!(String::from_utf8_lossy(&n).trim(), summary.pages.to_string());
    // Separators are empty pages right after each letter but the last.
    let text = String::from_utf8(stdout("pdftotext", &["-q", pdf, "-"])).unwrap();
    let pages: Vec<&str> = text.split('\u{c}').collect();
    for (n, r) in records.iter().enumerate() {
        assert!(pages[r.first_page - 1].contains(&format!("Ref: {}", r.item_id)), "letter {n}");
        if n + 1 < records.len() {
            assert_eq!(pages[r.first_page - 1 + r.page_count].trim(), "", "separator after letter {n}");
        }
    }
    // The document parts: a /DPartRoot with one record per letter, whose /DPM names it.
    let json: Value = serde_json::from_slice(&stdout("qpdf", &["--json", "--json-key=qpdf", pdf])).unwrap();
    let objects = &json["qpdf"][1];
    let trailer_root = objects["trailer"]["value"]["/Root"].as_str().unwrap();
    let catalog = &objects[format!("obj:{trailer_root}")]["value"];
    let dpart_root = &objects[format!("obj:{}", catalog["/DPartRoot"].as_str().unwrap())]["value"];
    assert_eq!(dpart_root["/RecordLevel"], 1);
    let root_node = &objects[format!("obj:{}", dpart_root["/DPartRootNode"].as_str().unwrap())]["value"];
    let record_refs: Vec<&str> = root_node["/DParts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a.as_array().unwrap())
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(record_refs.len(), 70);
    let record = &objects[format!("obj:{}", record_refs[41])]["value"];
    assert_eq!(record["/DPM"]["/Recipient"]["/ID"], format!("u:{}", records[41].item_id));
    assert_eq!(record["/DPM"]["/PageCount"], records[41].page_count);
    assert_eq!(record["/DParts"][0].as_array().unwrap().len(), records[41].page_count);
}

#[test]
fn the_default_spec_still_gives_the_same_bytes() {
    // New options must not change what the default spec generates. Pinned with flate2's zlib-rs
    // backend: a different compressor gives other (equally valid) bytes.
    use sha2::Digest;
    let mut bytes = Vec::new();
    sheetseal_corpus::write_pdf(&CorpusSpec { letters: 5, seed: 3, ..CorpusSpec::default() }, &mut bytes)
        .unwrap();
    let hex: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "e0768ffacc2e72f0d08c028c861580bfbe952ebd74b88e1feba7590da2ec372e");
}
