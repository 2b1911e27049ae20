//! Helpers shared by the end-to-end tests.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sheetseal_core::manifest::Manifest;

/// Every input page is on a sheet or dropped, exactly once.
pub fn assert_every_page_accounted_for(manifest: &Manifest) {
    let mut expected = Vec::new();
    for (input, record) in manifest.inputs.iter().enumerate() {
        expected.extend((1..=record.pages).map(|page| (input, page)));
    }
    let accounted: Vec<(usize, usize)> =
        manifest.accounted_pages().iter().map(|p| (p.input, p.page)).collect();
    assert_eq!(accounted, expected);
}

/// The lower-case hex SHA-256 of a file, as the manifest records it.
pub fn sha256_hex(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The binary under test; `SHEETSEAL_TEST_BIN` names another copy of it (useful when the build
/// folder is shared with other checkouts, whose builds replace the binary).
pub fn sheetseal() -> Command {
    Command::new(
        std::env::var_os("SHEETSEAL_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_sheetseal").into()),
    )
}

/// Runs a command, killing it after `limit`; a hang is a test failure. Its output is read while
/// it runs, so a command that writes more than a pipe holds does not block.
pub fn run_with_limit(mut command: Command, limit: Duration) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Output { status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() };
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{command:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs the binary with `args` and asserts success.
pub fn run_ok(args: &[&str]) -> Output {
    let mut command = sheetseal();
    command.args(args);
    let output = run_with_limit(command, Duration::from_secs(300));
    assert!(
        output.status.success(),
        "sheetseal {args:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs an external tool that the tests need; its absence is a failure, not a skip.
pub fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(found, "{name} is not installed: run scripts/test.sh, which installs what the tests need");
    Command::new(name)
}

pub fn tool_ok(mut command: Command) -> Output {
    let output = command.output().expect("run tool");
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `qpdf --check` must report no errors and no warnings.
pub fn assert_qpdf_clean(pdf: &Path) {
    let mut command = tool("qpdf");
    command.arg("--check").arg(pdf);
    let output = command.output().expect("qpdf");
    let text =
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "qpdf --check {}:\n{text}", pdf.display());
    assert!(text.contains("No syntax or stream encoding errors"), "{text}");
}

pub fn page_count(pdf: &Path) -> usize {
    let mut command = tool("qpdf");
    command.arg("--show-npages").arg(pdf);
    String::from_utf8(tool_ok(command).stdout).unwrap().trim().parse().unwrap()
}

/// The text of every page, by pdftotext (pages are separated by form feeds).
pub fn page_texts(pdf: &Path) -> Vec<String> {
    let mut command = tool("pdftotext");
    command.arg("-q").arg(pdf).arg("-");
    let text = String::from_utf8(tool_ok(command).stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(|p| p.trim().to_string()).collect();
    pages.pop(); // after the last form feed
    pages
}

pub fn read_manifest(dir: &Path) -> Manifest {
    let path = dir.join("manifest.json");
    let manifest = Manifest::read(&path).expect("manifest.json");
    // The job writes its records by hand: serde must write the very same text for what it reads.
    let mut by_serde = Vec::new();
    sheetseal_core::record_lines::to_writer(&mut by_serde, &manifest).unwrap();
    by_serde.push(b'\n');
    let written = std::fs::read(&path).unwrap();
    if let Some(at) = written
        .iter()
        .zip(&by_serde)
        .position(|(a, b)| a != b)
        .or_else(|| (written.len() != by_serde.len()).then(|| written.len().min(by_serde.len())))
    {
        let around = |text: &[u8]| {
            String::from_utf8_lossy(&text[at.saturating_sub(80)..(at + 80).min(text.len())]).into_owned()
        };
        panic!(
            "manifest.json differs from serde's text at byte {at}:\n{}\n---\n{}",
            around(&written),
            around(&by_serde)
        );
    }
    manifest
}

/// A grayscale raster.
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Renders a region of one page with pdftoppm: `region` is x, y, width, height in points from
/// the page's lower-left corner, on a page `page_height` points high.
pub fn render_region(pdf: &Path, page: usize, dpi: u32, page_height: f64, region: [f64; 4]) -> Gray {
    let scale = dpi as f64 / 72.0;
    let [x, y, w, h] = region;
    let px = |v: f64| (v * scale).round().max(0.0) as i64;
    let top = page_height - (y + h);
    let mut command = tool("pdftoppm");
    command
        .args(["-gray", "-r", &dpi.to_string(), "-f", &page.to_string(), "-l", &page.to_string()])
        .args(["-x", &px(x).to_string(), "-y", &px(top).to_string()])
        .args(["-W", &px(w).to_string(), "-H", &px(h).to_string()])
        .arg(pdf);
    parse_pgm(&tool_ok(command).stdout)
}

fn parse_pgm(bytes: &[u8]) -> Gray {
    // P5 <width> <height> <maxval> <single whitespace> <pixels>
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..at]).unwrap().to_string());
    }
    assert_eq!(fields[0], "P5", "pdftoppm -gray writes binary PGM");
    let width: usize = fields[1].parse().unwrap();
    let height: usize = fields[2].parse().unwrap();
    let pixels = bytes[at + 1..at + 1 + width * height].to_vec();
    Gray { width, height, pixels }
}

/// Decodes a Data Matrix in a raster with rxing.
pub fn decode_datamatrix(gray: &Gray) -> Option<String> {
    rxing::helpers::detect_in_luma(
        gray.pixels.clone(),
        gray.width as u32,
        gray.height as u32,
        Some(rxing::BarcodeFormat::DATA_MATRIX),
    )
    .ok()
    .map(|r| r.getText().to_string())
}

/// The public real-world corpus beside the project.
pub fn public_corpus() -> PathBuf {
    let dir = std::env::var_os("SHEETSEAL_PUBLIC_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/public"));
    assert!(
        dir.join("MANIFEST.tsv").is_file(),
        "the public corpus is not at {} (set SHEETSEAL_PUBLIC_CORPUS)",
        dir.display()
    );
    dir
}

/// The text pdftotext finds inside `region` (x, y, width, height in points from the lower-left
/// corner) of one page `page_height` points high.
pub fn text_in_region(pdf: &Path, page: usize, page_height: f64, region: [f64; 4]) -> String {
    let [x, y, w, h] = region;
    let top = page_height - (y + h);
    let mut command = tool("pdftotext");
    command
        .args(["-q", "-r", "72", "-f", &page.to_string(), "-l", &page.to_string()])
        .args(["-x", &(x.floor() as i64).to_string(), "-y", &(top.floor() as i64).to_string()])
        .args(["-W", &(w.ceil() as i64 + 1).to_string(), "-H", &(h.ceil() as i64 + 1).to_string()])
        .arg(pdf)
        .arg("-");
    String::from_utf8_lossy(&tool_ok(command).stdout).into_owned()
}

/// The words of a text, sorted: a layout-independent fingerprint of a page's text.
pub fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    words.sort();
    words
}

/// Checks every leaf page against the input: the words pdftotext finds in the page's cell on
/// the output are the words of its source page, and blanks are empty. Returns the pages checked.
pub fn assert_pages_in_their_cells(manifest: &Manifest, job_dir: &Path, inputs: &[PathBuf]) -> usize {
    let input_words: Vec<Vec<Vec<String>>> =
        inputs.iter().map(|p| page_texts(p).iter().map(|t| words(t)).collect()).collect();
    let mut checked = 0;
    for leaf in &manifest.sheets {
        let pdf = job_dir.join(&manifest.outputs[leaf.output].path);
        for page in &leaf.pages {
            let (number, side_name) = match page.side {
                sheetseal_core::plan::Side::Front => (leaf.front_page, "front"),
                sheetseal_core::plan::Side::Back => (leaf.back_page.expect("duplex"), "back"),
            };
            let (region, height) = match &manifest.grid {
                Some(grid) => (grid.cells[page.cell], grid.height),
                None => ([0.0, 0.0, leaf.size[0], leaf.size[1]], leaf.size[1]),
            };
            let found = words(&text_in_region(&pdf, number, height, region));
            let expected = match page.source {
                Some(source) => input_words[source.input][source.page - 1].clone(),
                None => Vec::new(),
            };
            assert_eq!(
                found, expected,
                "leaf {} {side_name} cell {}: output page {number} does not show source {:?}",
                leaf.seq, page.cell, page.source
            );
            checked += 1;
        }
    }
    checked
}

/// Every leaf's mark decodes to its payload (rxing, 300 dpi render of the mark's region).
pub fn assert_marks_decode(manifest: &Manifest, job_dir: &Path) {
    let failures: Vec<String> = manifest
        .sheets
        .iter()
        .filter_map(|leaf| {
            let pdf = job_dir.join(&manifest.outputs[leaf.output].path);
            let [x, y, w, h] = leaf.mark.zone;
            let region = [x - 6.0, y - 6.0, w + 12.0, h + 12.0];
            let gray = render_region(&pdf, leaf.front_page, 300, leaf.size[1], region);
            match decode_datamatrix(&gray) {
                Some(text) if text == leaf.payload => None,
                other => Some(format!("leaf {}: read {other:?}, expected {}", leaf.seq, leaf.payload)),
            }
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
