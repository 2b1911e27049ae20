//! `outline`: one top-level bookmark per item. The bookmark's title is the item id and its
//! destination the item's first page; a top-level bookmark without a destination of its own
//! takes the first destination found among its children.

use crate::pdf::Objects;
use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Object, ObjectId};

use super::assemble::{self, Found};
use super::pdf::{self, MAX_VISITS};
use super::{Item, SplitError};
use crate::ingest::SourceDocument;

/// How deep a name tree or a bookmark's children are searched for a destination.
const MAX_DEPTH: usize = 64;

/// Splits an input at its top-level bookmarks.
pub fn split(input: usize, source: &SourceDocument) -> Result<Vec<Item>, SplitError> {
    let doc = &source.doc;
    let path = source.path.as_path();
    let err = |message: String| SplitError::Outline { path: path.to_path_buf(), message };
    let catalog = doc.catalog().map_err(|e| err(format!("no document catalog: {e}")))?;
    let Some(outlines) = pdf::get(doc, catalog, b"Outlines").and_then(|o| o.as_dict().ok()) else {
        return Err(SplitError::NoOutline { path: path.to_path_buf() });
    };
    let pages = pdf::page_numbers(source);
    let destinations = Destinations { doc, catalog, pages: &pages };

    let mut starts = Vec::new();
    let mut seen = HashSet::new();
    let mut next = outlines.get(b"First").ok().and_then(|o| o.as_reference().ok());
    while let Some(id) = next {
        if !seen.insert(id) || seen.len() > MAX_VISITS {
            return Err(err(format!("the top-level bookmarks loop back to object {} {} R", id.0, id.1)));
        }
        let n = starts.len() + 1;
        let item = doc.get_dictionary(id).map_err(|_| err(format!("bookmark {n} is not a dictionary")))?;
        let title = item.get(b"Title").ok().and_then(|t| pdf::text(doc, t)).unwrap_or_default();
        let title = title.trim().to_string();
        let page = destinations.of_item(item, 0).ok_or_else(|| {
            err(format!(
                "top-level bookmark {n} ('{title}') leads to no page of this file, nor do its children"
            ))
        })?;
        starts.push(Found { first: page, id: Some(title), ..Found::default() });
        next = item.get(b"Next").ok().and_then(|o| o.as_reference().ok());
    }
    if starts.is_empty() {
        return Err(SplitError::NoOutline { path: path.to_path_buf() });
    }
    let total = source.pages.len();
    let found = assemble::ranges_from_starts(path, "outline", starts, total)?;
    assemble::items(path, "outline", input, total, found, &[])
}

/// Resolves destinations to 0-based page numbers.
struct Destinations<'a> {
    doc: &'a dyn Objects,
    catalog: &'a Dictionary,
    pages: &'a HashMap<ObjectId, usize>,
}

impl Destinations<'_> {
    /// The page of a bookmark: its own destination or action, else its first child's.
    fn of_item(&self, item: &Dictionary, depth: usize) -> Option<usize> {
        if depth > MAX_DEPTH {
            return None;
        }
        let own = item.get(b"Dest").ok().and_then(|d| self.page_of(d, 0)).or_else(|| {
            let action = pdf::get(self.doc, item, b"A")?.as_dict().ok()?;
            let goto = pdf::get(self.doc, action, b"S").and_then(|s| s.as_name().ok()) == Some(b"GoTo");
            goto.then(|| action.get(b"D").ok().and_then(|d| self.page_of(d, 0))).flatten()
        });
        if own.is_some() {
            return own;
        }
        let mut child = item.get(b"First").ok().and_then(|o| o.as_reference().ok());
        let mut seen = HashSet::new();
        while let Some(id) = child {
            if !seen.insert(id) {
                return None;
            }
            let dict = self.doc.get_dictionary(id).ok()?;
            if let Some(page) = self.of_item(dict, depth + 1) {
                return Some(page);
            }
            child = dict.get(b"Next").ok().and_then(|o| o.as_reference().ok());
        }
        None
    }

    /// The page a destination (explicit array, name or string, or a dictionary with `/D`)
    /// leads to.
    fn page_of(&self, destination: &Object, depth: usize) -> Option<usize> {
        if depth > 4 {
            return None;
        }
        match pdf::resolve(self.doc, destination)? {
            Object::Array(array) => match array.first()? {
                Object::Reference(page) => self.pages.get(page).copied(),
                Object::Integer(n) => usize::try_from(*n).ok().filter(|&n| n < self.pages.len()),
                _ => None,
            },
            Object::Dictionary(d) => self.page_of(d.get(b"D").ok()?, depth + 1),
            Object::Name(name) => {
                let dests = pdf::get(self.doc, self.catalog, b"Dests")?.as_dict().ok()?;
                self.page_of(dests.get(name).ok()?, depth + 1)
            }
            Object::String(name, _) => {
                let names = pdf::get(self.doc, self.catalog, b"Names")?.as_dict().ok()?;
                let tree = pdf::get(self.doc, names, b"Dests")?.as_dict().ok()?;
                let target = self.name_tree_lookup(tree, name, 0)?;
                self.page_of(target, depth + 1)
            }
            _ => None,
        }
    }

    /// Looks `key` up in a name tree.
    fn name_tree_lookup<'b>(&'b self, node: &'b Dictionary, key: &[u8], depth: usize) -> Option<&'b Object> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(Object::Array(pairs)) = pdf::get(self.doc, node, b"Names") {
            for pair in pairs.chunks(2) {
                if let [Object::String(name, _), value] = pair {
                    if name.as_slice() == key {
                        return Some(value);
                    }
                }
            }
        }
        if let Some(Object::Array(kids)) = pdf::get(self.doc, node, b"Kids") {
            for kid in kids {
                let Some(kid) = pdf::dict(self.doc, kid) else { continue };
                let inside = match pdf::get(self.doc, kid, b"Limits") {
                    Some(Object::Array(limits)) => match limits.as_slice() {
                        [Object::String(low, _), Object::String(high, _)] => {
                            low.as_slice() <= key && key <= high.as_slice()
                        }
                        _ => true,
                    },
                    _ => true,
                };
                if inside {
                    if let Some(found) = self.name_tree_lookup(kid, key, depth + 1) {
                        return Some(found);
                    }
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use lopdf::{dictionary, Object, StringFormat};
    use sheetseal_corpus::CorpusSpec;

    use super::*;
    use crate::split::test_files::{self, catalog, shape, truth};

    #[test]
    fn one_bookmark_per_generated_letter_gives_the_letters() {
        let dir = tempfile::tempdir().unwrap();
        let spec = CorpusSpec { letters: 40, seed: 4, outline: true, ..CorpusSpec::default() };
        let (source, records) = test_files::letters(dir.path(), spec);
        assert_eq!(shape(&split(0, &source).unwrap()), truth(&records));
    }

    #[test]
    fn named_destinations_actions_and_children_lead_to_pages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("named.pdf");
        test_files::pages(&path, &["", "", "", "", ""], "", |doc, pages| {
            let string = |s: &str| Object::String(s.as_bytes().to_vec(), StringFormat::Literal);
            let dest = |page| Object::Array(vec![Object::Reference(page), "Fit".into()]);
            let outlines = doc.new_object_id();
            let child = doc.add_object(dictionary! { "Title" => string("child"), "Dest" => dest(pages[4]) });
            let items = [
                doc.add_object(dictionary! { "Title" => string("A"), "Dest" => dest(pages[0]) }),
                doc.add_object(dictionary! { "Title" => string("B"), "Dest" => string("second") }),
                doc.add_object(dictionary! { "Title" => string(" C "), "A" => dictionary! { "S" => "GoTo", "D" => Object::Name(b"third".to_vec()) } }),
                doc.add_object(dictionary! { "Title" => string("D"), "First" => child, "Last" => child }),
            ];
            for (n, &item) in items.iter().enumerate() {
                let d = doc.get_dictionary_mut(item).unwrap();
                d.set("Parent", outlines);
                if n + 1 < items.len() {
                    d.set("Next", items[n + 1]);
                }
            }
            doc.objects.insert(
                outlines,
                Object::Dictionary(dictionary! { "First" => items[0], "Last" => items[3] }),
            );
            let names = dictionary! { "Dests" => dictionary! { "Kids" => vec![Object::Dictionary(dictionary! {
                "Limits" => vec![string("a"), string("z")],
                "Names" => vec![string("second"), dest(pages[1])],
            })] } };
            let cat = catalog(doc);
            cat.set("Outlines", outlines);
            cat.set("Names", names);
            cat.set("Dests", dictionary! { "third" => dictionary! { "D" => dest(pages[3]) } });
        });
        let items = split(0, &test_files::open(&path)).unwrap();
        let expected = [("A", 1, 1), ("B", 2, 2), ("C", 4, 1), ("D", 5, 1)];
        assert_eq!(shape(&items), expected.map(|(id, first, count)| (id.to_string(), first, count)));
    }

    #[test]
    fn a_file_without_an_outline_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain.pdf");
        test_files::pages(&path, &[""], "", |_, _| {});
        let message = split(0, &test_files::open(&path)).unwrap_err().to_string();
        assert!(message.contains("no outline"), "{message}");
    }
}
