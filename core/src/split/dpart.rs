//! `dpart`: PDF/VT document parts. The catalog's `/DPartRoot` names the root of a tree of
//! `/DPart` nodes; leaves name their first and last page (`/Start`, `/End`). Every node at the
//! record level (the file's `/RecordLevel`, or the level chosen with `dpart:level=N|NAME`; the
//! root is level 0) is one item, covering the pages of the leaves below it. Its `/DPM`
//! (document part metadata) dictionary is flattened into the item's metadata with dotted keys
//! (`Recipient.ID`); `dpart:id=KEY` takes the item id from one of them.

use crate::pdf::Objects;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use lopdf::{Dictionary, Object, ObjectId};
use serde::{Deserialize, Serialize};

use super::assemble::{self, Found};
use super::pdf::{self, MAX_VISITS};
use super::{Item, SplitError};
use crate::ingest::SourceDocument;

/// How deep a document part tree may be.
const MAX_LEVELS: usize = 64;
/// How many metadata entries one item keeps, and how long a value may be.
const MAX_METADATA_ENTRIES: usize = 256;
const MAX_METADATA_VALUE: usize = 1024;

/// The parameters of the `dpart` rule.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DpartRule {
    /// The record level: a number (the root is 0) or a name of the file's `/NodeNameList`;
    /// the file's `/RecordLevel` when `None`.
    pub level: Option<String>,
    /// The metadata key whose value is the item id; sequence numbers when `None`.
    pub id_key: Option<String>,
}

impl FromStr for DpartRule {
    type Err = String;

    /// Parses what follows `dpart:`: empty, or `level=N|NAME` and `id=KEY`, comma-separated.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut rule = DpartRule::default();
        for part in text.split(',').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some(("level", level)) if !level.is_empty() => rule.level = Some(level.to_string()),
                Some(("id", key)) if !key.is_empty() => rule.id_key = Some(key.to_string()),
                _ => {
                    return Err(format!(
                        "'dpart:{text}': options are level=N (or a level name) and id=KEY, e.g. dpart:level=1,id=Recipient.ID"
                    ))
                }
            }
        }
        Ok(rule)
    }
}

/// Splits an input at its document parts.
pub fn split(rule: &DpartRule, input: usize, source: &SourceDocument) -> Result<Vec<Item>, SplitError> {
    let doc = &source.doc;
    let path = source.path.as_path();
    let err = |message: String| SplitError::Dpart { path: path.to_path_buf(), message };
    let catalog = doc.catalog().map_err(|e| err(format!("no document catalog: {e}")))?;
    let Some(root) = pdf::get(doc, catalog, b"DPartRoot").and_then(|o| o.as_dict().ok()) else {
        return Err(SplitError::NoDparts { path: path.to_path_buf() });
    };
    let names: Vec<String> = match pdf::get(doc, root, b"NodeNameList") {
        Some(Object::Array(list)) => list.iter().map(|n| pdf::text(doc, n).unwrap_or_default()).collect(),
        _ => Vec::new(),
    };
    let level = match &rule.level {
        Some(level) => match level.parse::<usize>() {
            Ok(n) => n,
            Err(_) => names.iter().position(|n| n == level).ok_or_else(|| {
                err(format!(
                    "no level is named '{level}' (the file's /NodeNameList is [{}])",
                    names.join(" ")
                ))
            })?,
        },
        None => match pdf::get(doc, root, b"RecordLevel").and_then(|l| l.as_i64().ok()) {
            Some(n) if n >= 0 => n as usize,
            _ => {
                return Err(err("the file names no /RecordLevel; choose one with dpart:level=N".to_string()))
            }
        },
    };
    let root_node = root
        .get(b"DPartRootNode")
        .and_then(Object::as_reference)
        .map_err(|_| err("/DPartRootNode is not a reference to a document part".to_string()))?;

    let pages = pdf::page_numbers(source);
    let mut walk = Walk { doc, pages: &pages, visits: 0, on_path: HashSet::new() };
    let mut records = Vec::new();
    walk.collect_level(root_node, 0, level, &mut records).map_err(err)?;
    if records.is_empty() {
        return Err(err(format!("no document part is at level {level} (the tree is shallower)")));
    }
    let mut found = Vec::with_capacity(records.len());
    for (n, record) in records.into_iter().enumerate() {
        let node =
            doc.get_dictionary(record).map_err(|_| err(format!("record {} is not a dictionary", n + 1)))?;
        let range = walk.page_range(record, 0).map_err(err)?;
        let Some((first, last)) = range else {
            return Err(err(format!("record {} (object {} {} R) has no pages", n + 1, record.0, record.1)));
        };
        let mut metadata = BTreeMap::new();
        if let Some(dpm) = pdf::get(doc, node, b"DPM").and_then(|d| d.as_dict().ok()) {
            flatten(doc, dpm, "", &mut metadata, 0);
        }
        let id = match &rule.id_key {
            None => None,
            Some(key) => Some(metadata.get(key).cloned().ok_or_else(|| {
                err(format!("record {} (page {}) has no /DPM entry '{key}' for its id", n + 1, first + 1))
            })?),
        };
        found.push(Found { first, end: last + 1, id, metadata });
    }
    assemble::items(path, "dpart", input, source.pages.len(), found, &[])
}

struct Walk<'a> {
    doc: &'a dyn Objects,
    pages: &'a HashMap<ObjectId, usize>,
    visits: usize,
    /// Nodes on the path from the root, to refuse cycles.
    on_path: HashSet<ObjectId>,
}

impl Walk<'_> {
    fn enter(&mut self, node: ObjectId) -> Result<&Dictionary, String> {
        self.visits += 1;
        if self.visits > MAX_VISITS {
            return Err("the document part tree is too large".to_string());
        }
        if !self.on_path.insert(node) {
            return Err(format!("the document part tree loops back to object {} {} R", node.0, node.1));
        }
        self.doc
            .get_dictionary(node)
            .map_err(|_| format!("object {} {} R is not a document part", node.0, node.1))
    }

    /// The node's children, in order (`/DParts` is an array of arrays of references).
    fn children(&self, node: &Dictionary) -> Vec<ObjectId> {
        let Some(Object::Array(groups)) = pdf::get(self.doc, node, b"DParts") else { return Vec::new() };
        groups
            .iter()
            .filter_map(|g| pdf::resolve(self.doc, g)?.as_array().ok())
            .flatten()
            .filter_map(|kid| kid.as_reference().ok())
            .collect()
    }

    /// Appends the nodes at `level` below `node` (which is at `depth`), in document order.
    fn collect_level(
        &mut self,
        node: ObjectId,
        depth: usize,
        level: usize,
        out: &mut Vec<ObjectId>,
    ) -> Result<(), String> {
        if depth > MAX_LEVELS {
            return Err(format!("the document part tree is deeper than {MAX_LEVELS} levels"));
        }
        if depth == level {
            out.push(node);
            return Ok(());
        }
        let dict = self.enter(node)?.clone();
        if dict.has(b"Start") {
            return Err(format!(
                "the leaf at object {} {} R is at level {depth}, above the record level {level}; choose a lower level",
                node.0, node.1
            ));
        }
        for kid in self.children(&dict) {
            self.collect_level(kid, depth + 1, level, out)?;
        }
        self.on_path.remove(&node);
        Ok(())
    }

    /// The first and last page (0-based) of the leaves below `node`; checks that they run on
    /// without gaps.
    fn page_range(&mut self, node: ObjectId, depth: usize) -> Result<Option<(usize, usize)>, String> {
        if depth > MAX_LEVELS {
            return Err(format!("the document part tree is deeper than {MAX_LEVELS} levels"));
        }
        let dict = self.enter(node)?.clone();
        let range = if let Ok(start) = dict.get(b"Start") {
            let page = |object: &Object, key: &str| {
                object.as_reference().ok().and_then(|r| self.pages.get(&r).copied()).ok_or_else(|| {
                    format!("the /{key} of object {} {} R is not a page of this file", node.0, node.1)
                })
            };
            let first = page(start, "Start")?;
            let last = match dict.get(b"End") {
                Ok(end) => page(end, "End")?,
                Err(_) => first,
            };
            if last < first {
                return Err(format!(
                    "object {} {} R ends (page {}) before it starts (page {})",
                    node.0,
                    node.1,
                    last + 1,
                    first + 1
                ));
            }
            Some((first, last))
        } else {
            let mut range: Option<(usize, usize)> = None;
            for kid in self.children(&dict) {
                let Some((first, last)) = self.page_range(kid, depth + 1)? else { continue };
                range = match range {
                    None => Some((first, last)),
                    Some((start, end)) if first == end + 1 => Some((start, last)),
                    Some((_, end)) => {
                        return Err(format!(
                        "the parts below object {} {} R are not consecutive pages: page {} follows page {}",
                        node.0,
                        node.1,
                        first + 1,
                        end + 1
                    ))
                    }
                };
            }
            range
        };
        self.on_path.remove(&node);
        Ok(range)
    }
}

/// Flattens a `/DPM` dictionary into `out`: nested dictionaries and arrays give dotted keys.
fn flatten(
    doc: &dyn Objects,
    dict: &Dictionary,
    prefix: &str,
    out: &mut BTreeMap<String, String>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    for (key, value) in dict.iter() {
        let key = format!("{prefix}{}", String::from_utf8_lossy(key));
        flatten_value(doc, value, key, out, depth);
    }
}

fn flatten_value(
    doc: &dyn Objects,
    value: &Object,
    key: String,
    out: &mut BTreeMap<String, String>,
    depth: usize,
) {
    if out.len() >= MAX_METADATA_ENTRIES {
        return;
    }
    match pdf::resolve(doc, value) {
        Some(Object::Dictionary(d)) => flatten(doc, d, &format!("{key}."), out, depth + 1),
        Some(Object::Array(items)) if depth <= 8 => {
            for (i, item) in items.iter().enumerate() {
                flatten_value(doc, item, format!("{key}.{i}"), out, depth + 1);
            }
        }
        Some(other) => {
            if let Some(mut text) = pdf::scalar(doc, other) {
                if text.len() > MAX_METADATA_VALUE {
                    let mut cut = MAX_METADATA_VALUE;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                }
                out.insert(key, text);
            }
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use lopdf::dictionary;
    use sheetseal_corpus::CorpusSpec;

    use super::*;
    use crate::split::test_files::{self, catalog, shape, truth};

    fn rule(text: &str) -> DpartRule {
        text.parse().unwrap()
    }

    #[test]
    fn records_of_generated_letters_give_the_letters_and_their_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let spec = CorpusSpec { letters: 25, seed: 8, dparts: true, ..CorpusSpec::default() };
        let (source, records) = test_files::letters(dir.path(), spec);
        let items = split(&rule("id=Recipient.ID"), 0, &source).unwrap();
        assert_eq!(shape(&items), truth(&records));
        let metadata = &items[3].metadata;
        assert_eq!(metadata.get("Recipient.ID").map(String::as_str), Some(records[3].item_id.as_str()));
        assert_eq!(metadata.get("PageCount"), Some(&records[3].page_count.to_string()));

        // The file's record level by default; sequence numbers without an id key.
        let items = split(&rule(""), 0, &source).unwrap();
        assert_eq!(items.len(), 25);
        assert_eq!(items[0].id, "000001");
        // A chosen level, by number or by name: one item per page.
        let pages: usize = records.iter().map(|r| r.page_count).sum();
        assert_eq!(split(&rule("level=2"), 0, &source).unwrap().len(), pages);
        assert_eq!(split(&rule("level=Page"), 0, &source).unwrap().len(), pages);
        assert_eq!(split(&rule("level=0"), 0, &source).unwrap().len(), 1);
        let m = split(&rule("level=3"), 0, &source).unwrap_err().to_string();
        assert!(m.contains("at level 2, above the record level 3"), "{m}");
        let m = split(&rule("level=Batch"), 0, &source).unwrap_err().to_string();
        assert!(m.contains("no level is named 'Batch'") && m.contains("Root Recipient Page"), "{m}");
        let m = split(&rule("id=Recipient.Name"), 0, &source).unwrap_err().to_string();
        assert!(m.contains("record 1 (page 1) has no /DPM entry 'Recipient.Name'"), "{m}");
    }

    #[test]
    fn separator_pages_outside_every_record_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let spec =
            CorpusSpec { letters: 3, seed: 8, dparts: true, separators: true, ..CorpusSpec::default() };
        let (source, records) = test_files::letters(dir.path(), spec);
        let m = split(&rule(""), 0, &source).unwrap_err().to_string();
        let separator = records[0].page_count + 1;
        assert!(m.contains(&format!("page {separator} in no item")), "{m}");
    }

    #[test]
    fn broken_trees_are_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.pdf");
        test_files::pages(&plain, &[""], "", |_, _| {});
        assert!(split(&rule(""), 0, &test_files::open(&plain))
            .unwrap_err()
            .to_string()
            .contains("no PDF/VT"));

        let looped = dir.path().join("loop.pdf");
        test_files::pages(&looped, &["", ""], "", |doc, pages| {
            let root = doc.new_object_id();
            let node = doc.new_object_id();
            let leaf = doc.add_object(dictionary! { "Start" => pages[0], "End" => pages[1] });
            // The node lists itself as well as the leaf.
            doc.objects.insert(
                node,
                Object::Dictionary(dictionary! {
                    "Parent" => root, "DParts" => vec![Object::Array(vec![leaf.into(), node.into()])],
                }),
            );
            doc.objects.insert(
                root,
                Object::Dictionary(dictionary! { "DPartRootNode" => node, "RecordLevel" => 0 }),
            );
            catalog(doc).set("DPartRoot", root);
        });
        let m = split(&rule(""), 0, &test_files::open(&looped)).unwrap_err().to_string();
        assert!(m.contains("loops back"), "{m}");
    }
}
