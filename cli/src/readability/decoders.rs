//! The decoders of the readability proof, none written by us: rxing (in process), zxing-cpp
//! (PyPI `zxing-cpp`, through scripts/zxing_decode_dir.py) and, optionally, libdmtx's `dmtxread`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use sheetseal_core::mark::raster::Gray;

/// The zxing-cpp batch script, carried inside the binary so the command runs from anywhere.
const ZXING_SCRIPT: &str = include_str!("../../../scripts/zxing_decode_dir.py");

/// rxing, with its "try harder" detector.
pub fn rxing(image: &Gray) -> Option<String> {
    rxing::helpers::detect_in_luma(
        image.pixels.clone(),
        image.width as u32,
        image.height as u32,
        Some(rxing::BarcodeFormat::DATA_MATRIX),
    )
    .ok()
    .map(|result| result.getText().to_string())
}

/// Writes a binary PGM, the format both Python and libdmtx read.
pub fn write_pgm(image: &Gray, path: &Path) -> Result<()> {
    let mut bytes = format!("P5\n{} {}\n255\n", image.width, image.height).into_bytes();
    bytes.extend_from_slice(&image.pixels);
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Decodes every `.pgm` of `folder` with zxing-cpp: file name to text (`None`: nothing read).
pub fn zxing_cpp(folder: &Path) -> Result<HashMap<String, Option<String>>> {
    let mut child = Command::new("python3")
        .arg("-")
        .arg(folder)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start python3 for the zxing-cpp decoder (scripts/setup.sh installs it)")?;
    child.stdin.take().expect("piped").write_all(ZXING_SCRIPT.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "the zxing-cpp decoder failed (scripts/setup.sh installs python3-zxing-cpp and pillow): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(name, text)| (name.to_string(), (!text.is_empty()).then(|| text.to_string())))
        .collect())
}

/// Decodes one image with libdmtx (`dmtxread`, at most 500 ms an image).
pub fn dmtxread(path: &Path) -> Result<Option<String>> {
    let output = Command::new("dmtxread")
        .args(["-m", "500", "-N", "1"])
        .arg(path)
        .output()
        .context("cannot run dmtxread (Debian dmtx-utils; scripts/setup.sh installs it)")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    Ok((!text.is_empty()).then_some(text))
}
