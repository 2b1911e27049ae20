//! `sheetseal marks`: the payload presets, and the readability proof.

use anyhow::Result;
use clap::{Args, Subcommand};
use sheetseal_core::mark::presets::PRESETS;

use crate::readability::{self, ReadabilityArgs};

#[derive(Args)]
pub struct MarksArgs {
    #[command(subcommand)]
    command: MarksCommand,
}

#[derive(Subcommand)]
enum MarksCommand {
    /// List the payload presets, one a line: name, example payload, kind, template, what it is for.
    Presets,
    /// Measure how well marks read (presets x module sizes x resolutions x print-like degradation,
    /// decoded by rxing and zxing-cpp) and write the report (docs/readability.md).
    Readability(ReadabilityArgs),
}

pub fn run(args: MarksArgs) -> Result<()> {
    match args.command {
        MarksCommand::Presets => {
            print!("{}", presets_listing());
            Ok(())
        }
        MarksCommand::Readability(args) => readability::run(args),
    }
}

/// One line a preset, starting with its name.
fn presets_listing() -> String {
    let examples: Vec<String> = PRESETS.iter().map(|p| p.example()).collect();
    let example_width = examples.iter().map(String::len).max().unwrap_or(0);
    let name_width = PRESETS.iter().map(|p| p.name.len()).max().unwrap_or(0);
    PRESETS
        .iter()
        .zip(&examples)
        .map(|(preset, example)| {
            let kind = serde_json::to_value(preset.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            format!(
                "{:name_width$}  {example:example_width$}  {kind:10}  {}  {}\n",
                preset.name, preset.template, preset.summary
            )
        })
        .collect()
}
