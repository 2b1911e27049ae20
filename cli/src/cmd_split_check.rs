//! `sheetseal split-check`: split inputs by a rule and report what was found (count, page
//! ranges, sizes, items over the inserter's limit) without writing a print file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use sheetseal_core::ingest::{self, IngestOptions, SourceDocument};
use sheetseal_core::job;
use sheetseal_core::plan::{LayoutChoice, LayoutSpec};
use sheetseal_core::split::{self, oversize, summary::SplitSummary, OnOversize, SplitRule};

use crate::split_args::SplitArgs;

#[derive(Args)]
pub struct SplitCheckArgs {
    /// The mail-merged PDF(s); none with --split files:DIR.
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    split: SplitArgs,
    /// duplex (default), simplex, nup:CxR or booklet: how many sheets each item takes.
    #[arg(long, default_value = "duplex")]
    layout: String,
    /// Password of an encrypted input.
    #[arg(long)]
    password: Option<String>,
    /// List every item (sequence, id, input, pages), not only the first and last few.
    #[arg(long)]
    items: bool,
    /// Print the text a text rule sees on this page (1-based, first input; inside
    /// --split-region if given), to write or check a pattern.
    #[arg(long, value_name = "PAGE")]
    show_text: Option<usize>,
}

/// Items listed at each end when not all are.
const SHOWN_AT_EACH_END: usize = 5;
/// Width of the longest histogram bar.
const BAR_WIDTH: usize = 40;

pub fn run(args: SplitCheckArgs) -> Result<()> {
    let rule = args.split.rule()?;
    let inputs = job::input_paths(&rule, &args.inputs)?;
    let options = IngestOptions { password: args.password.clone(), ..IngestOptions::default() };
    let sources: Vec<SourceDocument> =
        inputs.iter().map(|path| ingest::open(path, &options)).collect::<Result<_, _>>()?;
    if let Some(page) = args.show_text {
        let region = match &rule {
            SplitRule::Text(text) => text.region,
            _ => None,
        };
        let pages = sources[0].pages.len();
        let index = page
            .checked_sub(1)
            .filter(|&p| p < pages)
            .with_context(|| format!("--show-text {page}: the first input has pages 1 to {pages}"))?;
        let mut text = String::new();
        split::text::read_page_texts(
            &sources[0],
            region,
            args.password.as_deref(),
            index..index + 1,
            |read| {
                text = read;
                Ok(())
            },
        )?;
        say!("text of page {page} as the text rule sees it, between the lines:\n---\n{text}\n---")?;
    }
    let outcome =
        split::split_all(&rule, &sources, args.password.as_deref(), &crate::text_workers::page_matches)
            .with_context(|| format!("the {} rule does not split the input", rule.name()))?;
    let max_sheets = args.split.max_sheets_per_item;
    let choice: LayoutChoice = args.layout.parse().map_err(anyhow::Error::msg)?;
    let layout =
        LayoutSpec { layout: choice.layout, duplex: choice.duplex.unwrap_or(true), ..LayoutSpec::default() };
    let summary = SplitSummary::new(&outcome, &layout, max_sheets);

    let total: usize = sources.iter().map(|s| s.pages.len()).sum();
    say!("rule {}: {} input(s), {total} pages", serde_json::to_string(&rule)?, sources.len())?;
    say!(
        "{} items with {} pages; {} page(s) dropped; {} sheets ({})",
        summary.items,
        summary.pages,
        summary.dropped_pages,
        summary.sheets,
        args.layout
    )?;
    print_histogram("pages per item", &summary.pages_histogram)?;
    print_histogram("sheets per item", &summary.sheets_histogram)?;

    say!("items (seq, id, input, pages):")?;
    let count = outcome.items.len();
    for (n, item) in outcome.items.iter().enumerate() {
        let shown = args.items || n < SHOWN_AT_EACH_END || n + SHOWN_AT_EACH_END >= count;
        if !shown {
            if n == SHOWN_AT_EACH_END {
                say!("  ... {} more (--items lists them all)", count - 2 * SHOWN_AT_EACH_END)?;
            }
            continue;
        }
        say!(
            "  {:>7}  {:<24}  {:>3}  {}-{} ({})",
            n + 1,
            item.id,
            item.input + 1,
            item.first_page + 1,
            item.first_page + item.page_count,
            item.page_count
        )?;
    }
    if !outcome.dropped.is_empty() {
        let pages: Vec<String> = outcome.dropped.iter().take(20).map(|d| (d.page + 1).to_string()).collect();
        let more = outcome.dropped.len().saturating_sub(20);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        say!("dropped pages (blank separators): {}{more}", pages.join(", "))?;
    }
    for warning in &outcome.warnings {
        say!("warning: {} {}", warning.code, warning.message)?;
    }
    if !summary.oversize.is_empty() {
        let message = oversize::describe(&summary.oversize, max_sheets);
        match args.split.on_oversize {
            OnOversize::Fail => bail!("{message}"),
            OnOversize::Divert => say!("divert: {message}")?,
        }
    }
    Ok(())
}

fn print_histogram(title: &str, histogram: &BTreeMap<usize, usize>) -> std::io::Result<()> {
    say!("{title}:")?;
    let largest = histogram.values().copied().max().unwrap_or(1);
    for (size, items) in histogram {
        let bar = "#".repeat((items * BAR_WIDTH).div_ceil(largest));
        say!("  {size:>4} | {items:>8} {bar}")?;
    }
    Ok(())
}
