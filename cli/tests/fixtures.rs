//! Hand-made hostile PDFs: written object by object, so that they can be as broken as needed.

#![allow(dead_code)]

use std::path::Path;

/// A PDF file from numbered object bodies (the text between `obj` and `endobj`), with a correct
/// cross-reference table; object `root` is the catalog.
pub fn raw_pdf(objects: &[(u32, Vec<u8>)], root: u32) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let size = objects.iter().map(|(n, _)| *n).max().unwrap_or(0) + 1;
    let mut offsets = vec![None; size as usize];
    for (number, body) in objects {
        offsets[*number as usize] = Some(out.len());
        out.extend_from_slice(format!("{number} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
    for offset in &offsets[1..] {
        match offset {
            Some(at) => out.extend_from_slice(format!("{at:010} 00000 n \n").as_bytes()),
            None => out.extend_from_slice(b"0000000000 65535 f \n"),
        }
    }
    out.extend_from_slice(
        format!("trailer\n<</Size {size}/Root {root} 0 R>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

/// A stream object body: `dict` (without `/Length`, which is added) and its data.
pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("<<{dict}/Length {}>>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

/// Catalog (1), page tree (2) and `pages` pages whose content streams are objects 100, 101, ...
/// each with body `content(i)`; pages use the resources dictionary `resources`.
pub fn pages_pdf(pages: usize, resources: &str, content: impl Fn(usize) -> Vec<u8>) -> Vec<(u32, Vec<u8>)> {
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 10 + i)).collect();
    let mut objects = vec![
        (1, b"<</Type /Catalog/Pages 2 0 R>>".to_vec()),
        (2, format!("<</Type /Pages/Kids [{}]/Count {pages}>>", kids.join(" ")).into_bytes()),
    ];
    for i in 0..pages {
        objects.push((
            10 + i as u32,
            format!(
                "<</Type /Page/Parent 2 0 R/MediaBox [0 0 595 842]/Resources {resources}/Contents {} 0 R>>",
                100 + i
            )
            .into_bytes(),
        ));
        objects.push((100 + i as u32, content(i)));
    }
    objects
}

/// A zlib stream that inflates to `mib` MiB of zero bytes, about 1,000 times smaller: the same
/// fully flushed deflate block, repeated.
pub fn zeros_bomb(mib: u64) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut compress = Compress::new(Compression::best(), false);
    let zeros = vec![0u8; 1 << 20];
    let mut block = Vec::with_capacity(4096);
    compress.compress_vec(&zeros, &mut block, FlushCompress::Full).unwrap();
    assert_eq!(compress.total_in(), 1 << 20, "the block holds the whole MiB");
    let mut out = vec![0x78, 0xDA];
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&[0x03, 0x00]); // a final, empty fixed-Huffman block
    let total = mib << 20;
    let adler = (((total % 65521) as u32) << 16) | 1;
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

/// Writes `bytes` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// A page's content that draws a little text, so that its presence can be checked.
pub fn text_content(text: &str) -> Vec<u8> {
    stream("", format!("BT /F1 24 Tf 72 700 Td ({text}) Tj ET").as_bytes())
}

/// A resources dictionary with Helvetica as /F1.
pub const HELVETICA: &str = "<</Font <</F1 <</Type /Font/Subtype /Type1/BaseFont /Helvetica>>>>>>";

/// A generated mail merge (`sheetseal corpus`) in `dir/in`.
pub struct Letters {
    pub pdf: std::path::PathBuf,
    pub csv: std::path::PathBuf,
    /// `index:` and the CSV's path, for `--split`.
    pub split: String,
}

pub fn letters(dir: &Path, count: usize, seed: u64) -> Letters {
    let input = dir.join("in");
    crate::util::run_ok(&[
        "corpus",
        "--letters",
        &count.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        input.to_str().unwrap(),
    ]);
    let csv = input.join("letters.csv");
    Letters { pdf: input.join("letters.pdf"), split: format!("index:{}", csv.display()), csv }
}
