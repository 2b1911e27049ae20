//! Built-in payload templates for the inserters mail houses run (docs/payload.md, "Presets").

use std::collections::BTreeMap;

use super::layout::MarkKind;
use super::template::{SheetFacts, Template};

/// A named template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub name: &'static str,
    pub kind: MarkKind,
    pub template: &'static str,
    pub summary: &'static str,
}

/// The preset used when none is chosen.
pub const DEFAULT_PRESET: &str = "default";

/// Every preset, the default first.
pub const PRESETS: [Preset; 5] = [
    Preset {
        name: DEFAULT_PRESET,
        kind: MarkKind::DataMatrix,
        template: "{job}-{piece:6}{sheet:2}{sheets:2}{check(mod36)}",
        summary: "job, piece, sheet n of m and a check character; short, upper case, unique per sheet",
    },
    Preset {
        name: "file",
        kind: MarkKind::DataMatrix,
        template: "{item}{sheet:2}{sheets:2}",
        summary: "file-based: the item id from the index (looked up in the inserter's control file) and sheet n of m",
    },
    Preset {
        name: "instruction",
        kind: MarkKind::DataMatrix,
        template: "{piece:6}{sheet:2}{sheets:2}{eoc}{wrap(8)}{feeders(feeders):2,hex,optional}{divert(divert):optional}{check(mod36)}",
        summary: "instruction: piece, n of m, end of collation, wrap-around counter, feeders (hex) and divert from the index",
    },
    Preset {
        name: "relay18",
        kind: MarkKind::DataMatrix,
        template: "{item:14,charset=upper}{sheet:2}{sheets:2}",
        summary: "Pitney Bowes Relay style: exactly 18 characters, a 14-character zero-padded match code, n and m",
    },
    Preset {
        name: "omr",
        kind: MarkKind::Omr,
        template: "1{eoc}{wrap(8):bin}{feeders(feeders):2,bin,optional}{check(parity)}1",
        summary: "OMR ladder: benchmark, end of collation, wrap-around 0-7 in 3 bars, 2 feeders, even parity, safety",
    },
];

/// The preset called `name`.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// The names of every preset, for messages.
pub fn names() -> String {
    PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

impl Preset {
    pub fn template(&self) -> Template {
        Template::parse(self.template).expect("built-in templates parse")
    }

    /// The payload of sheet 1 of 3 of piece 42 (item `L0000042`, feeders 1 and 3) of job `DEMO`,
    /// the 117th sheet of the job.
    pub fn example(&self) -> String {
        let metadata: BTreeMap<String, String> =
            [("feeders".to_string(), "1;2".to_string()), ("divert".to_string(), "0".to_string())].into();
        let facts = SheetFacts {
            job: "DEMO",
            piece: 42,
            item_id: "L0000042",
            sheet: 1,
            sheets: 3,
            seq: 117,
            metadata: &metadata,
        };
        self.template().render(&facts, None).expect("built-in templates render the example")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mark::payload::SheetPayload;

    #[test]
    fn every_preset_parses_and_has_an_example() {
        for preset in PRESETS {
            assert!(!preset.example().is_empty(), "{}", preset.name);
        }
        assert_eq!(PRESETS[0].name, DEFAULT_PRESET);
        assert!(preset("nope").is_none());
    }

    #[test]
    fn the_default_preset_is_the_default_payload() {
        let expected =
            SheetPayload { job: "DEMO".into(), item_seq: 42, sheet: 1, sheets: 3 }.encode().unwrap();
        assert_eq!(preset("default").unwrap().example(), expected);
    }

    #[test]
    fn relay18_is_exactly_18_characters() {
        let relay = preset("relay18").unwrap();
        assert_eq!(relay.template().fixed_length(), Some(18));
        assert_eq!(relay.example(), "000000L00000420103");
    }

    #[test]
    fn the_omr_preset_is_a_bar_pattern_with_even_parity() {
        let omr = preset("omr").unwrap();
        assert_eq!(omr.kind, MarkKind::Omr);
        let example = omr.example();
        assert_eq!(example, "101011111");
        assert_eq!(
            example.bytes().filter(|&b| b == b'1').count() % 2,
            1,
            "parity makes the tracks before the safety bar even"
        );
    }
}
