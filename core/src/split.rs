//! Stage 2, split: divide an input's pages into postal items (letters), each a run of pages.
//!
//! Every page belongs to exactly one item; the rules here refuse anything else with a message that
//! says where the problem is.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The longest item id accepted from an index.
pub const MAX_ITEM_ID_LEN: usize = 64;

/// How to find where one item ends and the next begins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "lowercase")]
pub enum SplitRule {
    /// Every `pages` pages make one item.
    Fixed { pages: usize },
    /// A sidecar CSV with the columns `item_id,first_page,page_count` (1-based).
    Index { path: PathBuf },
}

impl FromStr for SplitRule {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if let Some(n) = text.strip_prefix("fixed:") {
            let pages: usize = n
                .parse()
                .map_err(|_| format!("'{text}': fixed:N needs a whole number of pages, e.g. fixed:2"))?;
            if pages == 0 {
                return Err("fixed:0 is not a rule: an item has at least one page".to_string());
            }
            Ok(SplitRule::Fixed { pages })
        } else if let Some(path) = text.strip_prefix("index:") {
            if path.is_empty() {
                return Err("index: needs a file, e.g. index:letters.csv".to_string());
            }
            Ok(SplitRule::Index { path: PathBuf::from(path) })
        } else {
            Err(format!("unknown split rule '{text}': use fixed:N or index:FILE.csv"))
        }
    }
}

/// One postal item: a run of consecutive pages of one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// The item's identifier (from the index, or its 1-based sequence number, zero-padded).
    pub id: String,
    /// The input this item comes from (0-based position in the job's inputs).
    pub input: usize,
    /// The first page, 0-based.
    pub first_page: usize,
    pub page_count: usize,
}

impl Item {
    /// The item's pages, 0-based.
    pub fn pages(&self) -> std::ops::Range<usize> {
        self.first_page..self.first_page + self.page_count
    }
}

/// Why pages cannot be divided into items.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    #[error("fixed:{pages} does not divide the {total} pages of the input: the last item would have {remainder} page(s); check the rule or the input")]
    FixedRemainder { pages: usize, total: usize, remainder: usize },
    #[error("cannot read the index {path}: {source}")]
    IndexIo { path: PathBuf, source: std::io::Error },
    #[error("index {path}: {message}")]
    IndexHeader { path: PathBuf, message: String },
    #[error("index {path}, line {line}: {message}")]
    IndexLine { path: PathBuf, line: u64, message: String },
    #[error("index {path}: pages {first} to {last} of {total} belong to no item (they follow the item on line {after_line}); every page must be in exactly one item")]
    IndexTrailingPages { path: PathBuf, first: usize, last: usize, total: usize, after_line: u64 },
    #[error("index {path} lists no items")]
    IndexEmpty { path: PathBuf },
}

/// Splits `total_pages` pages of input `input` by `rule`.
pub fn split(rule: &SplitRule, input: usize, total_pages: usize) -> Result<Vec<Item>, SplitError> {
    match rule {
        SplitRule::Fixed { pages } => split_fixed(*pages, input, total_pages),
        SplitRule::Index { path } => {
            let file = std::fs::File::open(path)
                .map_err(|source| SplitError::IndexIo { path: path.clone(), source })?;
            parse_index(file, path, input, total_pages)
        }
    }
}

fn split_fixed(pages: usize, input: usize, total: usize) -> Result<Vec<Item>, SplitError> {
    let remainder = total % pages;
    if remainder != 0 {
        return Err(SplitError::FixedRemainder { pages, total, remainder });
    }
    Ok((0..total / pages)
        .map(|i| Item { id: format!("{:06}", i + 1), input, first_page: i * pages, page_count: pages })
        .collect())
}

/// Reads a sidecar index: a header naming the columns `item_id`, `first_page` and `page_count`
/// (other columns are allowed and ignored), then one row per item in page order.
pub fn parse_index<R: Read>(
    reader: R,
    path: &Path,
    input: usize,
    total_pages: usize,
) -> Result<Vec<Item>, SplitError> {
    let mut csv = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(reader);
    let header_err = |message: String| SplitError::IndexHeader { path: path.to_path_buf(), message };
    let headers = csv.headers().map_err(|e| header_err(format!("cannot read the header: {e}")))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h.eq_ignore_ascii_case(name)).ok_or_else(|| {
            header_err(format!("no '{name}' column; the header must name item_id,first_page,page_count"))
        })
    };
    let (id_col, first_col, count_col) = (column("item_id")?, column("first_page")?, column("page_count")?);

    let mut items: Vec<Item> = Vec::new();
    let mut lines_by_id: HashMap<String, u64> = HashMap::new();
    let mut next_page = 0usize; // 0-based page the next item must start at
    let mut last_line = 1u64;
    for record in csv.records() {
        let record = record.map_err(|e| SplitError::IndexLine {
            path: path.to_path_buf(),
            line: e.position().map(|p| p.line()).unwrap_or(last_line + 1),
            message: e.to_string(),
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(last_line + 1);
        last_line = line;
        let line_err = |message: String| SplitError::IndexLine { path: path.to_path_buf(), line, message };
        let id = record.get(id_col).unwrap_or_default().to_string();
        if id.is_empty() {
            return Err(line_err("item_id is empty".to_string()));
        }
        if id.len() > MAX_ITEM_ID_LEN || id.chars().any(char::is_control) {
            return Err(line_err(format!(
                "item_id must be at most {MAX_ITEM_ID_LEN} bytes of printable characters"
            )));
        }
        let number = |col: usize, name: &str| -> Result<usize, SplitError> {
            let text = record.get(col).unwrap_or_default();
            text.parse::<usize>().map_err(|_| line_err(format!("{name} '{text}' is not a whole number")))
        };
        let first_page = number(first_col, "first_page")?;
        let page_count = number(count_col, "page_count")?;
        if first_page == 0 {
            return Err(line_err("first_page is 1-based; 0 is not a page".to_string()));
        }
        if page_count == 0 {
            return Err(line_err(format!("item '{id}' has page_count 0; an item has at least one page")));
        }
        if let Some(previous) = lines_by_id.insert(id.clone(), line) {
            return Err(line_err(format!("item_id '{id}' is already used on line {previous}")));
        }
        let first = first_page - 1;
        let last =
            first.checked_add(page_count).ok_or_else(|| line_err("page range overflows".to_string()))?;
        if last > total_pages {
            return Err(line_err(format!(
                "item '{id}' covers pages {first_page} to {last}, but the input has {total_pages} pages"
            )));
        }
        if first < next_page {
            return Err(line_err(format!(
                "item '{id}' starts on page {first_page}, which the item before it already covers (overlap)"
            )));
        }
        if first > next_page {
            return Err(line_err(format!(
                "item '{id}' starts on page {first_page}, but page {} belongs to no item (gap)",
                next_page + 1
            )));
        }
        items.push(Item { id, input, first_page: first, page_count });
        next_page = last;
    }
    if items.is_empty() {
        return Err(SplitError::IndexEmpty { path: path.to_path_buf() });
    }
    if next_page < total_pages {
        return Err(SplitError::IndexTrailingPages {
            path: path.to_path_buf(),
            first: next_page + 1,
            last: total_pages,
            total: total_pages,
            after_line: last_line,
        });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str, total: usize) -> Result<Vec<Item>, SplitError> {
        parse_index(text.as_bytes(), Path::new("idx.csv"), 0, total)
    }

    fn message(result: Result<Vec<Item>, SplitError>) -> String {
        result.expect_err("the index must be refused").to_string()
    }

    #[test]
    fn fixed_rule_makes_equal_items() {
        let items = split(&SplitRule::Fixed { pages: 2 }, 0, 6).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[2], Item { id: "000003".into(), input: 0, first_page: 4, page_count: 2 });
    }

    #[test]
    fn fixed_rule_refuses_a_remainder() {
        let err = split(&SplitRule::Fixed { pages: 4 }, 0, 10).unwrap_err().to_string();
        assert!(err.contains("2 page(s)"), "{err}");
    }

    #[test]
    fn rule_parsing() {
        assert_eq!("fixed:3".parse::<SplitRule>().unwrap(), SplitRule::Fixed { pages: 3 });
        assert!("fixed:0".parse::<SplitRule>().is_err());
        assert!("fixed:x".parse::<SplitRule>().is_err());
        assert!("pages".parse::<SplitRule>().is_err());
        assert_eq!(
            "index:a.csv".parse::<SplitRule>().unwrap(),
            SplitRule::Index { path: PathBuf::from("a.csv") }
        );
    }

    #[test]
    fn a_valid_index_with_extra_columns_is_read() {
        let items = index("item_id,first_page,page_count,name\nA,1,2,x\nB,3,1,y\n", 3).unwrap();
        assert_eq!(items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(items[1].pages(), 2..3);
    }

    #[test]
    fn a_gap_names_the_line_and_the_page() {
        let m = message(index("item_id,first_page,page_count\nA,1,2\nB,4,1\n", 4));
        assert!(m.contains("line 3") && m.contains("page 3 belongs to no item"), "{m}");
    }

    #[test]
    fn an_overlap_names_the_line() {
        let m = message(index("item_id,first_page,page_count\nA,1,2\nB,2,2\n", 4));
        assert!(m.contains("line 3") && m.contains("overlap"), "{m}");
    }

    #[test]
    fn out_of_range_pages_are_refused() {
        let m = message(index("item_id,first_page,page_count\nA,1,5\n", 4));
        assert!(m.contains("line 2") && m.contains("has 4 pages"), "{m}");
    }

    #[test]
    fn duplicate_ids_name_both_lines() {
        let m = message(index("item_id,first_page,page_count\nA,1,1\nA,2,1\n", 2));
        assert!(m.contains("line 3") && m.contains("line 2"), "{m}");
    }

    #[test]
    fn trailing_pages_without_an_item_are_refused() {
        let m = message(index("item_id,first_page,page_count\nA,1,1\n", 3));
        assert!(m.contains("pages 2 to 3"), "{m}");
    }

    #[test]
    fn malformed_rows_are_refused() {
        for (text, needle) in [
            ("item_id,first_page\nA,1\n", "page_count"),
            ("item_id,first_page,page_count\nA,x,1\n", "not a whole number"),
            ("item_id,first_page,page_count\nA,0,1\n", "1-based"),
            ("item_id,first_page,page_count\nA,1,0\n", "page_count 0"),
            ("item_id,first_page,page_count\n,1,1\n", "empty"),
            ("item_id,first_page,page_count\nA,1,1,9\n", "line 2"),
            ("item_id,first_page,page_count\n", "no items"),
        ] {
            let m = message(index(text, 1));
            assert!(m.contains(needle), "{text:?}: {m}");
        }
    }
}
