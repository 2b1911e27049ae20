//! Generates a corpus and reports its size and the time taken.
//!
//! `cargo run --release -p sheetseal-corpus --example generate -- [LETTERS] [SEED] [OUT_DIR] [--outline]`

use sheetseal_corpus::{generate, CorpusSpec};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let outline = args.iter().any(|a| a == "--outline");
    args.retain(|a| a != "--outline");
    let letters = args.first().map_or(Ok(300), |a| a.parse())?;
    let seed = args.get(1).map_or(Ok(1), |a| a.parse())?;
    let dir = PathBuf::from(args.get(2).map_or("out/corpus", String::as_str));
    let spec = CorpusSpec { letters, seed, outline, ..CorpusSpec::default() };
    let start = Instant::now();
    let summary = generate(&spec, &dir)?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} letters, {} pages, {:.1} MB in {:.2} s ({:.0} pages/s): {}",
        summary.letters,
        summary.pages,
        summary.pdf_bytes as f64 / 1e6,
        secs,
        summary.pages as f64 / secs,
        summary.pdf_path.display()
    );
    Ok(())
}
