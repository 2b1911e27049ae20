//! `index:FILE`: a sidecar CSV names every item's first page and page count; its other columns
//! (address lines, feeder selections, account ...) become the item's metadata.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use super::{check_id, Item, SplitError};

/// Reads the index at `path` for an input of `total_pages` pages.
pub fn split(path: &Path, input: usize, total_pages: usize) -> Result<Vec<Item>, SplitError> {
    let file = std::fs::File::open(path)
        .map_err(|source| SplitError::IndexIo { path: path.to_path_buf(), source })?;
    parse_index(file, path, input, total_pages)
}

/// Reads a sidecar index: a header naming the columns `item_id`, `first_page` and `page_count`
/// (other columns are kept in [`Item::metadata`] under their header names), then one row per
/// item in page order.
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
    let metadata_cols: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter(|&(col, _)| col != id_col && col != first_col && col != count_col)
        .map(|(col, name)| (col, name.to_string()))
        .collect();
    let mut names = HashMap::new();
    for (col, name) in &metadata_cols {
        if name.is_empty() {
            return Err(header_err(format!("column {} has no name", col + 1)));
        }
        if let Some(other) = names.insert(name.as_str(), col) {
            return Err(header_err(format!("columns {} and {} are both named '{name}'", other + 1, col + 1)));
        }
    }

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
        check_id(&id).map_err(|m| line_err(format!("item_id: {m}")))?;
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
        let metadata = metadata_cols
            .iter()
            .map(|(col, name)| (name.clone(), record.get(*col).unwrap_or_default().to_string()))
            .collect();
        items.push(Item { id, input, first_page: first, page_count, metadata });
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
    fn a_valid_index_with_extra_columns_is_read_and_keeps_them_as_metadata() {
        let items =
            index("item_id,first_page,page_count,name,feeder\nA,1,2,x,1\nB,3,1,\"Smith, J\",\n", 3).unwrap();
        assert_eq!(items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(items[1].pages(), 2..3);
        assert_eq!(items[1].metadata.get("name").map(String::as_str), Some("Smith, J"));
        assert_eq!(items[1].metadata.get("feeder").map(String::as_str), Some(""));
        assert_eq!(items[0].metadata.len(), 2);
    }

    #[test]
    fn metadata_columns_need_distinct_names() {
        let m = message(index("item_id,first_page,page_count,a,a\nA,1,1,x,y\n", 1));
        assert!(m.contains("both named 'a'"), "{m}");
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
