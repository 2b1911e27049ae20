//! The splitting options shared by `impose` and `split-check`.

use anyhow::{bail, Result};
use clap::Args;
use sheetseal_core::split::{oversize::DEFAULT_MAX_SHEETS, OnOversize, Region, SplitRule, SplitWhen};

#[derive(Args)]
pub struct SplitArgs {
    /// How to find the letters: fixed:N, index:FILE.csv (item_id,first_page,page_count, other
    /// columns kept as metadata), outline, text:REGEX, blank, dpart[:level=N][,id=KEY] or
    /// files:DIR (see docs/splitting.md).
    #[arg(long, value_parser = parse_split)]
    split: SplitRule,
    /// For text:REGEX, only text in this region counts: x,y,width,height in millimetres from
    /// the page's top-left corner.
    #[arg(long, value_name = "X,Y,W,H", value_parser = parse_region)]
    split_region: Option<Region>,
    /// For text:REGEX, whether a matching page starts (default) or ends its item.
    #[arg(long, value_name = "start|end", value_parser = parse_when)]
    split_when: Option<SplitWhen>,
    /// The most sheets one item may have (the inserter's limit for one envelope).
    #[arg(long, default_value_t = DEFAULT_MAX_SHEETS)]
    pub max_sheets_per_item: usize,
    /// What to do with longer items: fail the job, or divert them (printed and flagged in the
    /// manifest for manual handling).
    #[arg(long, default_value = "fail", value_name = "fail|divert", value_parser = parse_on_oversize)]
    pub on_oversize: OnOversize,
}

impl SplitArgs {
    /// The rule with the text options applied; refuses text options for other rules.
    pub fn rule(&self) -> Result<SplitRule> {
        match &self.split {
            SplitRule::Text(text) => {
                let mut text = text.clone();
                text.region = self.split_region;
                text.when = self.split_when.unwrap_or_default();
                Ok(SplitRule::Text(text))
            }
            other if self.split_region.is_some() || self.split_when.is_some() => {
                bail!("--split-region and --split-when apply to --split text:REGEX, not to {}", other.name())
            }
            other => Ok(other.clone()),
        }
    }
}

fn parse_split(text: &str) -> Result<SplitRule, String> {
    text.parse()
}

fn parse_region(text: &str) -> Result<Region, String> {
    text.parse()
}

fn parse_when(text: &str) -> Result<SplitWhen, String> {
    text.parse()
}

fn parse_on_oversize(text: &str) -> Result<OnOversize, String> {
    text.parse()
}
