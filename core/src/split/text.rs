//! `text:REGEX`: an item starts on (with `--split-when end`: ends with) every page whose text
//! matches a regular expression, optionally only the text inside a region of the page. Text
//! comes from pdfium, which also sees text inside Form XObjects.
//!
//! The item id is the capture group named `id`, else the first unnamed capture group, else the
//! item's sequence number; other named groups become the item's metadata.

use std::collections::BTreeMap;
use std::ops::Range;
use std::str::FromStr;

use pdfium_render::prelude::PdfRect;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::assemble::{self, Found};
use super::{Item, SplitError};
use crate::geometry::{invert, mm, placement_matrix, Matrix, Rect};
use crate::ingest::render_guard::RenderGuard;
use crate::ingest::{SourceDocument, SourcePage};

/// The longest pattern accepted (a mistyped shell quote can paste a whole file).
const MAX_PATTERN_LEN: usize = 1024;
/// Compiled patterns may use at most this much memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Whether a matching page starts or ends its item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitWhen {
    /// A matching page is the first page of an item.
    #[default]
    Start,
    /// A matching page is the last page of an item.
    End,
}

impl FromStr for SplitWhen {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "start" => Ok(SplitWhen::Start),
            "end" => Ok(SplitWhen::End),
            other => Err(format!("'{other}': --split-when is start or end")),
        }
    }
}

/// A rectangle of the page as it is displayed, in millimetres from its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub x_mm: f64,
    pub y_mm: f64,
    pub width_mm: f64,
    pub height_mm: f64,
}

impl FromStr for Region {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = || {
            format!("'{text}': a region is x,y,width,height in millimetres from the page's top-left corner, e.g. 80,280,50,10")
        };
        let values: Vec<f64> = text
            .split(',')
            .map(|v| v.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| usage())?;
        let [x_mm, y_mm, width_mm, height_mm] = values[..] else { return Err(usage()) };
        let sane = |v: f64| v.is_finite() && (0.0..=10_000.0).contains(&v);
        if ![x_mm, y_mm, width_mm, height_mm].into_iter().all(sane) || width_mm <= 0.0 || height_mm <= 0.0 {
            return Err(usage());
        }
        Ok(Region { x_mm, y_mm, width_mm, height_mm })
    }
}

impl Region {
    /// The region in the page's user space (what pdfium's text positions use), honouring the
    /// crop box, `/Rotate` and `/UserUnit`.
    pub fn user_space(&self, page: &SourcePage) -> Rect {
        let (_, height) = page.display_size();
        let (x0, x1) = (mm(self.x_mm), mm(self.x_mm + self.width_mm));
        let (y1, y0) = (height - mm(self.y_mm), height - mm(self.y_mm + self.height_mm));
        // A placement matrix is a rotation times a positive scale: never singular.
        let to_user = invert(&placement_matrix(&page.crop_box, page.rotation, page.user_unit, 0.0, 0.0))
            .unwrap_or([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        let corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)].map(|(x, y)| apply(&to_user, x, y));
        let (xs, ys) = (corners.map(|c| c.0), corners.map(|c| c.1));
        let min = |v: [f64; 4]| v.into_iter().fold(f64::INFINITY, f64::min);
        let max = |v: [f64; 4]| v.into_iter().fold(f64::NEG_INFINITY, f64::max);
        Rect { x0: min(xs), y0: min(ys), x1: max(xs), y1: max(ys) }
    }
}

fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

/// The text rule's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextRule {
    pub pattern: String,
    /// Only text inside this region counts; the whole page when `None`.
    #[serde(default)]
    pub region: Option<Region>,
    #[serde(default)]
    pub when: SplitWhen,
}

impl TextRule {
    /// A rule matching `pattern` anywhere on the page, starting items; the pattern is checked.
    pub fn new(pattern: &str) -> Result<TextRule, String> {
        compile(pattern).map_err(|e| e.to_string())?;
        Ok(TextRule { pattern: pattern.to_string(), region: None, when: SplitWhen::Start })
    }
}

fn compile(pattern: &str) -> Result<Regex, SplitError> {
    let err = |detail: String| SplitError::Pattern { pattern: pattern.to_string(), detail };
    if pattern.is_empty() || pattern.len() > MAX_PATTERN_LEN {
        return Err(err(format!("a pattern has 1 to {MAX_PATTERN_LEN} bytes")));
    }
    regex::RegexBuilder::new(pattern).size_limit(REGEX_SIZE_LIMIT).build().map_err(|e| err(e.to_string()))
}

/// What a text rule's pattern captured on a page whose text it matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageMatch {
    /// The capture group named `id`, else the first unnamed group.
    pub id: Option<String>,
    /// The other named groups.
    pub metadata: BTreeMap<String, String>,
}

/// A text rule's compiled pattern.
struct Matcher {
    regex: Regex,
    id_group: Option<usize>,
}

impl Matcher {
    fn new(rule: &TextRule) -> Result<Matcher, SplitError> {
        let regex = compile(&rule.pattern)?;
        let names: Vec<Option<&str>> = regex.capture_names().collect();
        let id_group = names
            .iter()
            .position(|&n| n == Some("id"))
            .or_else(|| names.iter().skip(1).position(Option::is_none).map(|p| p + 1));
        Ok(Matcher { regex, id_group })
    }

    /// What the pattern captures in `text`; `None` when it does not match.
    fn find(&self, text: &str) -> Option<PageMatch> {
        let captures = self.regex.captures(text)?;
        let id = self.id_group.and_then(|g| captures.get(g)).map(|m| m.as_str().trim().to_string());
        let metadata = self
            .regex
            .capture_names()
            .flatten()
            .filter(|&name| name != "id")
            .filter_map(|name| Some((name.to_string(), captures.name(name)?.as_str().trim().to_string())))
            .collect();
        Some(PageMatch { id, metadata })
    }
}

/// Where a text rule reads an input's pages: for every page, in page order, what the rule's
/// pattern finds in its text (or in its region's), `None` where it finds nothing. Only the
/// matches are kept, never the texts, so memory does not grow with the pages' text.
/// [`page_matches`] reads them with pdfium in this process; the CLI shares the pages out among
/// worker processes, since pdfium serialises every call in a process.
pub type TextReader<'a> = dyn Fn(&TextRule, &SourceDocument, Option<&str>) -> Result<Vec<Option<PageMatch>>, SplitError>
    + Sync
    + 'a;

/// What `rule` finds on every page of `source`, in page order, from pdfium's text.
pub fn page_matches(
    rule: &TextRule,
    source: &SourceDocument,
    password: Option<&str>,
) -> Result<Vec<Option<PageMatch>>, SplitError> {
    let mut matches = Vec::with_capacity(source.pages.len());
    read_page_matches(rule, source, password, 0..source.pages.len(), |found| {
        matches.push(found);
        Ok(())
    })?;
    Ok(matches)
}

/// Hands what `rule` finds on each of pages `pages` (0-based) to `each`, in page order.
pub fn read_page_matches(
    rule: &TextRule,
    source: &SourceDocument,
    password: Option<&str>,
    pages: Range<usize>,
    mut each: impl FnMut(Option<PageMatch>) -> Result<(), SplitError>,
) -> Result<(), SplitError> {
    let matcher = Matcher::new(rule)?;
    read_page_texts(source, rule.region, password, pages, |text| each(matcher.find(&text)))
}

/// Hands the text of pages `pages` (0-based) to `each` in page order, from pdfium; each page is
/// first checked against the input's decompression limits. Stops at `each`'s first error.
pub fn read_page_texts(
    source: &SourceDocument,
    region: Option<Region>,
    password: Option<&str>,
    pages: Range<usize>,
    mut each: impl FnMut(String) -> Result<(), SplitError>,
) -> Result<(), SplitError> {
    let document = super::pdf::open_in_pdfium(source, password)?;
    // pdfium takes text positions in user space; without a region, a rectangle far larger than
    // any page takes everything whatever the boxes are.
    const EVERYWHERE: f32 = 1.0e7;
    let mut guard = RenderGuard::new(source);
    for index in pages {
        check_page(&mut guard, source, index)?;
        let failed = |detail: String| SplitError::Page { path: source.path.clone(), page: index + 1, detail };
        let page = document
            .pages()
            .get(index as _)
            .map_err(|e| failed(format!("pdfium cannot open the page: {e}")))?;
        let text = page.text().map_err(|e| failed(format!("pdfium cannot read the page's text: {e}")))?;
        let rect = match region {
            None => PdfRect::new_from_values(-EVERYWHERE, -EVERYWHERE, EVERYWHERE, EVERYWHERE),
            Some(region) => {
                let r = region.user_space(&source.pages[index]);
                PdfRect::new_from_values(r.y0 as f32, r.x0 as f32, r.y1 as f32, r.x1 as f32)
            }
        };
        each(text.inside_rect(rect))?;
    }
    Ok(())
}

/// Checks that pdfium may read `source` and every page of it against its decompression limits,
/// as [`read_page_texts`] does, reading no text: a caller that reads the pages in shares does
/// this first, so that the input's decompression budget is counted once, over all its pages.
pub fn check_pages(source: &SourceDocument) -> Result<(), SplitError> {
    source.check_pdfium_may_read().map_err(|e| super::pdf::split_error(source, e))?;
    let mut guard = RenderGuard::new(source);
    (0..source.pages.len()).try_for_each(|index| check_page(&mut guard, source, index))
}

fn check_page(guard: &mut RenderGuard, source: &SourceDocument, index: usize) -> Result<(), SplitError> {
    guard.check_page(index).map_err(|e| SplitError::Page {
        path: source.path.clone(),
        page: index + 1,
        detail: e.to_string(),
    })
}

/// Splits an input by its text, read by `read`.
pub fn split(
    rule: &TextRule,
    input: usize,
    source: &SourceDocument,
    password: Option<&str>,
    read: &TextReader,
) -> Result<Vec<Item>, SplitError> {
    let matches = read(rule, source, password)?;
    if matches.len() != source.pages.len() {
        return Err(SplitError::TextReader {
            path: source.path.clone(),
            detail: format!("{} pages read of {}", matches.len(), source.pages.len()),
        });
    }
    split_matches(rule, input, source.path.as_path(), matches)
}

/// The item boundaries from what the rule found on each page of an input.
fn split_matches(
    rule: &TextRule,
    input: usize,
    path: &std::path::Path,
    pages: Vec<Option<PageMatch>>,
) -> Result<Vec<Item>, SplitError> {
    let total = pages.len();
    let matches: Vec<Found> = pages
        .into_iter()
        .enumerate()
        .filter_map(|(page, found)| {
            let PageMatch { id, metadata } = found?;
            Some(Found { first: page, end: page + 1, id, metadata })
        })
        .collect();
    if matches.is_empty() {
        return Err(SplitError::TextNoMatch {
            path: path.to_path_buf(),
            pattern: rule.pattern.clone(),
            pages: total,
        });
    }
    let found = match rule.when {
        SplitWhen::Start => assemble::ranges_from_starts(path, "text", matches, total)?,
        SplitWhen::End => {
            let last = matches.last().map_or(0, |m| m.end);
            if last < total {
                return Err(SplitError::TextTrailingPages {
                    path: path.to_path_buf(),
                    first: last + 1,
                    last: total,
                });
            }
            let mut first = 0;
            matches
                .into_iter()
                .map(|m| {
                    let found = Found { first, ..m };
                    first = found.end;
                    found
                })
                .collect()
        }
    };
    assemble::items(path, "text", input, total, found, &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rotation;
    use std::path::Path;

    fn run(pattern: &str, when: SplitWhen, texts: &[&str]) -> Result<Vec<Item>, SplitError> {
        let rule = TextRule { when, ..TextRule::new(pattern).unwrap() };
        let matcher = Matcher::new(&rule).unwrap();
        split_matches(&rule, 0, Path::new("in.pdf"), texts.iter().map(|t| matcher.find(t)).collect())
    }

    fn shape(items: &[Item]) -> Vec<(&str, usize, usize)> {
        items.iter().map(|i| (i.id.as_str(), i.first_page, i.page_count)).collect()
    }

    #[test]
    fn matching_pages_start_items_and_the_capture_is_the_id() {
        let texts =
            ["Ref: A1\r\nPage 1 of 2", "Page 2 of 2", "Ref: B2\r\nPage 1 of 1", "Ref: C3 Page 1 of 1"];
        let items = run(r"Ref: (\w+)", SplitWhen::Start, &texts).unwrap();
        assert_eq!(shape(&items), [("A1", 0, 2), ("B2", 2, 1), ("C3", 3, 1)]);
        let items = run("Page 1 of", SplitWhen::Start, &texts).unwrap();
        assert_eq!(shape(&items), [("000001", 0, 2), ("000002", 2, 1), ("000003", 3, 1)]);
    }

    #[test]
    fn named_groups_become_metadata() {
        let texts = ["Ref: A1 Zip 20095", "x", "Ref: B2 Zip 10115"];
        let items = run(r"Ref: (?P<id>\w+) Zip (?P<zip>\d+)", SplitWhen::Start, &texts).unwrap();
        assert_eq!(shape(&items), [("A1", 0, 2), ("B2", 2, 1)]);
        assert_eq!(items[1].metadata.get("zip").map(String::as_str), Some("10115"));
        assert_eq!(items[1].metadata.len(), 1);
    }

    #[test]
    fn matching_pages_end_items_with_split_when_end() {
        let texts = ["a", "Kind regards", "Kind regards", "b", "Kind regards"];
        let items = run("Kind regards", SplitWhen::End, &texts).unwrap();
        assert_eq!(shape(&items), [("000001", 0, 2), ("000002", 2, 1), ("000003", 3, 2)]);
        let m = run("Kind regards", SplitWhen::End, &texts[..4]).unwrap_err().to_string();
        assert!(m.contains("page 4 after the last page that ends an item"), "{m}");
    }

    #[test]
    fn a_rule_that_never_matches_or_misses_page_one_says_so() {
        let m = run("Page 1 of", SplitWhen::Start, &["x", "y"]).unwrap_err().to_string();
        assert!(m.contains("matches no page of the 2"), "{m}");
        let m = run("Page 1 of", SplitWhen::Start, &["cover", "Page 1 of 1"]).unwrap_err().to_string();
        assert!(m.contains("page 1 does not start an item") && m.contains("page 2"), "{m}");
    }

    #[test]
    fn captured_ids_are_checked() {
        let m = run(r"Ref: (\w*)", SplitWhen::Start, &["Ref: A", "Ref: A"]).unwrap_err().to_string();
        assert!(m.contains("pages 1 and 2"), "{m}");
        let m = run(r"Ref:(\s*)x", SplitWhen::Start, &["Ref: x"]).unwrap_err().to_string();
        assert!(m.contains("page 1") && m.contains("empty"), "{m}");
    }

    #[test]
    fn bad_patterns_and_regions_are_refused() {
        assert!(TextRule::new("(").unwrap_err().contains("("));
        assert!(TextRule::new("").is_err());
        assert!(TextRule::new(&"a".repeat(MAX_PATTERN_LEN + 1)).is_err());
        assert_eq!(
            "10,20,30,5".parse::<Region>().unwrap(),
            Region { x_mm: 10.0, y_mm: 20.0, width_mm: 30.0, height_mm: 5.0 }
        );
        for bad in ["10,20,30", "a,b,c,d", "1,2,0,4", "1,2,3,-4", "1,2,3,NaN"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
        assert!("middle".parse::<SplitWhen>().is_err());
    }

    fn page(crop: Rect, rotation: Rotation) -> SourcePage {
        SourcePage {
            object: (1, 0),
            media_box: crop,
            crop_box: crop,
            trim_box: crop,
            bleed_box: crop,
            rotation,
            user_unit: 1.0,
            resources: None,
            contents: Vec::new(),
            group: None,
            annotations: Vec::new(),
        }
    }

    #[test]
    fn regions_are_measured_from_the_displayed_top_left_corner() {
        let one_mm = mm(1.0);
        let near = |a: Rect, b: Rect| {
            [(a.x0, b.x0), (a.y0, b.y0), (a.x1, b.x1), (a.y1, b.y1)].iter().all(|(p, q)| (p - q).abs() < 1e-6)
        };
        let crop = Rect { x0: 100.0, y0: 200.0, x1: 400.0, y1: 700.0 }; // 300 x 500
        let region = Region { x_mm: 10.0, y_mm: 20.0, width_mm: 30.0, height_mm: 5.0 };
        let upright = region.user_space(&page(crop, Rotation::R0));
        let expected = Rect {
            x0: 100.0 + 10.0 * one_mm,
            y0: 700.0 - 25.0 * one_mm,
            x1: 100.0 + 40.0 * one_mm,
            y1: 700.0 - 20.0 * one_mm,
        };
        assert!(near(upright, expected), "{upright:?}");
        // Turned 90 degrees clockwise for display: the displayed top-left is the box's
        // lower-left corner, and displayed x runs up the box.
        let turned = region.user_space(&page(crop, Rotation::R90));
        let expected = Rect {
            x0: 100.0 + 20.0 * one_mm,
            y0: 200.0 + 10.0 * one_mm,
            x1: 100.0 + 25.0 * one_mm,
            y1: 200.0 + 40.0 * one_mm,
        };
        assert!(near(turned, expected), "{turned:?}");
    }
}

#[cfg(test)]
mod pdf_tests {
    use sheetseal_corpus::CorpusSpec;

    use super::*;
    use crate::split::test_files::{self, shape, truth};

    fn rule(pattern: &str, when: SplitWhen, region: Option<&str>) -> TextRule {
        TextRule { when, region: region.map(|r| r.parse().unwrap()), ..TextRule::new(pattern).unwrap() }
    }

    #[test]
    fn generated_letters_are_found_by_their_text() {
        let dir = tempfile::tempdir().unwrap();
        let spec = CorpusSpec { letters: 30, seed: 9, ..CorpusSpec::default() };
        let (source, records) = test_files::letters(dir.path(), spec);
        let expected = truth(&records);
        let by_ref =
            split(&rule(r"Ref: (L\d{7})", SplitWhen::Start, None), 0, &source, None, &page_matches).unwrap();
        assert_eq!(shape(&by_ref), expected);
        // "Page 1 of" in the footer region only (centred, 12 mm above the bottom edge of A4).
        let footer = rule("Page 1 of", SplitWhen::Start, Some("60,280,90,10"));
        let by_footer = split(&footer, 0, &source, None, &page_matches).unwrap();
        assert_eq!(
            by_footer.iter().map(|i| (i.first_page + 1, i.page_count)).collect::<Vec<_>>(),
            records.iter().map(|r| (r.first_page, r.page_count)).collect::<Vec<_>>()
        );
        // The same words elsewhere on the page are not in the region.
        let header = rule("Page 1 of", SplitWhen::Start, Some("60,10,90,10"));
        assert!(matches!(
            split(&header, 0, &source, None, &page_matches),
            Err(SplitError::TextNoMatch { .. })
        ));
        // The closing formula ends each letter; named groups are carried as metadata.
        let closing =
            rule(r"(?m)^(?P<closing>Yours sincerely|Kind regards|Yours faithfully),", SplitWhen::End, None);
        let by_closing = split(&closing, 0, &source, None, &page_matches).unwrap();
        assert_eq!(
            by_closing.iter().map(|i| (i.first_page + 1, i.page_count)).collect::<Vec<_>>(),
            records.iter().map(|r| (r.first_page, r.page_count)).collect::<Vec<_>>()
        );
        assert!(by_closing.iter().all(|i| i.metadata.contains_key("closing")));
        let customer =
            rule(r"Ref: (?P<id>L\d+).*\s+Customer no\. (?P<customer>[\d-]+)", SplitWhen::Start, None);
        let items = split(&customer, 0, &source, None, &page_matches).unwrap();
        assert_eq!(shape(&items), expected);
        assert!(items.iter().all(|i| i.metadata["customer"].len() == 12), "{:?}", items[0].metadata);
    }

    #[test]
    fn pdfium_reads_the_bytes_the_job_read_and_never_a_replaced_file() {
        let dir = tempfile::tempdir().unwrap();
        let (source, records) =
            test_files::letters(dir.path(), CorpusSpec { letters: 4, seed: 2, ..CorpusSpec::default() });
        let by_ref = rule(r"Ref: (L\d{7})", SplitWhen::Start, None);
        assert_eq!(split(&by_ref, 0, &source, None, &page_matches).unwrap().len(), records.len());

        // An input given in memory is read from those bytes, whatever its path names.
        let bytes = std::fs::read(&source.path).unwrap();
        let elsewhere = dir.path().join("not-on-disk.pdf");
        let in_memory =
            crate::ingest::open_bytes(&elsewhere, &bytes, &crate::ingest::IngestOptions::default()).unwrap();
        assert_eq!(split(&by_ref, 0, &in_memory, None, &page_matches).unwrap().len(), records.len());

        // The upload replaced under the running job (another file renamed over it): refused, not
        // read, even with the same bytes.
        let upload = dir.path().join("upload.tmp");
        std::fs::write(&upload, &bytes).unwrap();
        std::fs::rename(&upload, &source.path).unwrap();
        let error = split(&by_ref, 0, &source, None, &page_matches).unwrap_err();
        assert!(matches!(error, SplitError::InputChanged(_)), "{error}");
        assert!(error.to_string().contains("run it again"), "{error}");
    }

    #[test]
    fn pages_read_in_shares_find_the_same_and_a_short_reader_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (source, records) =
            test_files::letters(dir.path(), CorpusSpec { letters: 6, seed: 4, ..CorpusSpec::default() });
        let pages = source.pages.len();
        let footer = rule(r"Page (?P<n>\d+) of", SplitWhen::Start, Some("60,280,90,10"));
        let whole = page_matches(&footer, &source, None).unwrap();
        let mut shares = Vec::new();
        for share in [0..pages / 2, pages / 2..pages] {
            read_page_matches(&footer, &source, None, share, |found| {
                shares.push(found);
                Ok(())
            })
            .unwrap();
        }
        assert_eq!(shares, whole);
        // Every page has a footer; the first page of each letter says "Page 1 of".
        let firsts: Vec<usize> =
            (0..pages).filter(|&p| whole[p].as_ref().unwrap().metadata["n"] == "1").collect();
        assert_eq!(firsts, records.iter().map(|r| r.first_page - 1).collect::<Vec<_>>());
        check_pages(&source).unwrap();

        let short = |rule: &TextRule, source: &SourceDocument, password: Option<&str>| {
            page_matches(rule, source, password).map(|mut matches| {
                matches.pop();
                matches
            })
        };
        let error = split(&rule("Page 1 of", SplitWhen::Start, None), 0, &source, None, &short).unwrap_err();
        assert!(matches!(error, SplitError::TextReader { .. }), "{error}");
    }
}
