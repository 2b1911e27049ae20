//! `sheetseal preview`: pictures of a finished job's press sheets (PNG), with an optional
//! overlay and contact sheets. Pages are rendered by worker processes (this same program, run
//! with `--worker` over a share of the pages), because pdfium serialises every call behind one
//! lock; a progress bar follows long renders.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sheetseal_core::preview::job::JobFiles;
use sheetseal_core::preview::render::{Renderer, Size};
use sheetseal_core::preview::{contact, png, ranges};
use sheetseal_core::write::atomic::AtomicFile;

#[derive(Args, Clone)]
pub struct PreviewArgs {
    /// A finished job's output folder (manifest.json and the print file).
    dir: PathBuf,
    /// Folder for the PNG files (created if missing): page-000001.png ..., contact-0001.png ...
    #[arg(long)]
    out: PathBuf,
    /// Resolution of page images, in dots per inch.
    #[arg(long, default_value_t = 100.0)]
    dpi: f64,
    /// Output pages to render, e.g. 1-10,15,20- (default: all).
    #[arg(long, value_name = "RANGES", conflicts_with = "sheets")]
    pages: Option<String>,
    /// Sheets to render (both sides), by job-wide sheet number, e.g. 1-5.
    #[arg(long, value_name = "RANGES")]
    sheets: Option<String>,
    /// Draw each leaf's boundary and item id, and the marks' clear zones.
    #[arg(long)]
    overlay: bool,
    /// Also make contact sheets: many pages thumbnailed on one PNG.
    #[arg(long)]
    contact: bool,
    /// Make only contact sheets, no page images.
    #[arg(long)]
    contact_only: bool,
    /// Thumbnails per contact sheet.
    #[arg(long, default_value_t = 48)]
    contact_pages: usize,
    /// Thumbnails per row of a contact sheet.
    #[arg(long, default_value_t = 8)]
    contact_columns: usize,
    /// Thumbnail width in pixels.
    #[arg(long, default_value_t = 160)]
    thumb_width: usize,
    /// Worker processes (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Internal: render in this process and report each page on standard output.
    #[arg(long, hide = true)]
    worker: bool,
    /// Internal: the folder a worker writes thumbnails into.
    #[arg(long, hide = true)]
    thumbs: Option<PathBuf>,
}

/// The largest thumbnail, and the most thumbnails on a contact sheet.
const MAX_THUMB_WIDTH: usize = 1000;
const MAX_CONTACT_PAGES: usize = 400;

pub fn run(args: PreviewArgs) -> Result<()> {
    if args.worker {
        return worker(&args);
    }
    if args.thumb_width == 0 || args.thumb_width > MAX_THUMB_WIDTH {
        bail!("--thumb-width must be 1 to {MAX_THUMB_WIDTH} pixels");
    }
    if args.contact_pages == 0 || args.contact_pages > MAX_CONTACT_PAGES || args.contact_columns == 0 {
        bail!("--contact-pages must be 1 to {MAX_CONTACT_PAGES} and --contact-columns at least 1");
    }
    let job = JobFiles::open(&args.dir, true)?;
    let renderer = Renderer::open(&job.pdf)?;
    let last = renderer.page_count();
    drop(renderer);
    let pages = match (&args.pages, &args.sheets) {
        (Some(text), _) => ranges::parse(text, last).map_err(anyhow::Error::msg).context("--pages")?,
        (None, Some(text)) => {
            let sheets = ranges::parse(text, job.manifest.sheets.len())
                .map_err(anyhow::Error::msg)
                .context("--sheets")?;
            job.pages_of_sheets(&sheets)
        }
        (None, None) => (1..=last).collect(),
    };
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let contact = args.contact || args.contact_only;
    let thumbs = if contact {
        Some(tempfile::Builder::new().prefix(".sheetseal-thumbs-").tempdir_in(&args.out)?)
    } else {
        None
    };

    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let workers = workers.clamp(1, pages.len().max(1));
    let progress = ProgressBar::new(pages.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} pages, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let exe = std::env::current_exe().context("cannot find the sheetseal program to start workers")?;
    let shares: Vec<&[usize]> = pages.chunks(pages.len().div_ceil(workers).max(1)).collect();
    let results: Vec<Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .iter()
            .map(|share| {
                let mut command = Command::new(&exe);
                command.arg("preview").arg(&args.dir).arg("--out").arg(&args.out);
                command.args(["--dpi", &args.dpi.to_string(), "--pages", &ranges::format(share), "--worker"]);
                command.args(["--thumb-width", &args.thumb_width.to_string()]);
                if args.overlay {
                    command.arg("--overlay");
                }
                if args.contact_only {
                    command.arg("--contact-only");
                }
                if let Some(dir) = &thumbs {
                    command.arg("--thumbs").arg(dir.path());
                }
                let progress = &progress;
                scope.spawn(move || run_worker(command, progress))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| bail!("a worker thread panicked"))).collect()
    });
    progress.finish_and_clear();
    for result in results {
        result?;
    }

    let mut written = if args.contact_only { 0 } else { pages.len() };
    if let Some(dir) = &thumbs {
        written += write_contact_sheets(&args, dir.path(), &pages)?;
    }
    say!(
        "{written} PNG file(s) in {} ({} page(s) of {})",
        args.out.display(),
        pages.len(),
        job.pdf.display()
    )?;
    Ok(())
}

/// Runs one worker to the end, advancing the progress bar for every page it reports.
fn run_worker(command: Command, progress: &ProgressBar) -> Result<()> {
    crate::workers::run(command, "preview", b"", |line| {
        if line.starts_with("page ") {
            progress.inc(1);
        }
        Ok(())
    })
}

/// A worker: renders its pages and reports `page N` for each.
fn worker(args: &PreviewArgs) -> Result<()> {
    let job = JobFiles::open(&args.dir, false)?;
    let renderer = Renderer::open(&job.pdf)?;
    let pages = ranges::parse(args.pages.as_deref().unwrap_or("1-"), renderer.page_count())
        .map_err(anyhow::Error::msg)?;
    let thumb = Size::Fit { width: args.thumb_width, height: args.thumb_width * 2 };
    for page in pages {
        if !args.contact_only {
            let picture = job.picture(&renderer, page, Size::Dpi(args.dpi), args.overlay)?;
            write_png(&args.out.join(page_file(page)), &png::encode(&picture)?)?;
        }
        if let Some(dir) = &args.thumbs {
            let picture = job.picture(&renderer, page, thumb, args.overlay)?;
            write_png(&dir.join(page_file(page)), &png::encode(&picture)?)?;
        }
        say!("page {page}")?;
    }
    Ok(())
}

fn page_file(page: usize) -> String {
    format!("page-{page:06}.png")
}

fn write_png(path: &Path, bytes: &[u8]) -> Result<()> {
    AtomicFile::write_all(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Lays the thumbnails out on contact sheets; returns how many were written.
fn write_contact_sheets(args: &PreviewArgs, thumbs: &Path, pages: &[usize]) -> Result<usize> {
    let mut count = 0;
    for (n, group) in pages.chunks(args.contact_pages).enumerate() {
        let mut thumbnails = Vec::with_capacity(group.len());
        for &page in group {
            let path = thumbs.join(page_file(page));
            let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            thumbnails.push((page, png::decode(&bytes)?));
        }
        let sheet = contact::compose(&thumbnails, args.contact_columns);
        write_png(&args.out.join(format!("contact-{:04}.png", n + 1)), &png::encode(&sheet)?)?;
        count += 1;
    }
    Ok(count)
}
