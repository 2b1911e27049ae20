//! What the reader had to repair to open a damaged file, as warnings for the manifest.
//!
//! A repaired file prints, but it may not print what the customer saw: objects can come from an
//! older revision or be missing. The manifest says so, and an operator can compare the output
//! with the customer's original before it goes to the printer.

use std::collections::BTreeSet;

use lopdf::xref::{XrefEntry, XrefRecovery};
use lopdf::{Document, Object, ObjectId};

use crate::warning::Warning;

/// The code of the warning that the cross-reference data was repaired.
pub const REPAIRED: &str = "input-repaired";

/// How deep references are looked for inside one object (parsers nest less).
const MAX_DEPTH: usize = 128;

/// Warnings for every repair the reader made.
pub fn warnings(doc: &Document) -> Vec<Warning> {
    let mut warnings = Vec::new();
    match doc.xref_recovery {
        Some(XrefRecovery::OffsetCorrected) => warnings.push(Warning::new(
            REPAIRED,
            "the cross-reference data pointed at wrong byte offsets; the sections found nearby were used, as viewers do. Check the output against the customer's original",
        )),
        Some(XrefRecovery::Reconstructed) => warnings.push(Warning::new(
            REPAIRED,
            "the cross-reference table was damaged or missing and was rebuilt by scanning the file for objects; some may come from an older revision. Check the output against the customer's original, and ask for a new export if anything is missing",
        )),
        // Later kinds of repair are reported as repairs too.
        Some(_) => warnings.push(Warning::new(
            REPAIRED,
            "the cross-reference data was damaged and repaired. Check the output against the customer's original",
        )),
        None => {}
    }
    let unreadable = unreadable_objects(doc);
    if let Some(first) = unreadable.first() {
        warnings.push(Warning::new(
            "input-objects-unreadable",
            format!(
                "{} object(s) that the file lists and uses could not be read (the first is {} {} R); whatever uses them prints without them. Check the output against the customer's original",
                unreadable.len(),
                first.0,
                first.1
            ),
        ));
    }
    warnings
}

/// Objects that something in the file refers to and that the cross-reference table lists as in
/// use, but that could not be read: damaged, or inside a damaged object stream.
pub fn unreadable_objects(doc: &Document) -> Vec<ObjectId> {
    let mut referenced = BTreeSet::new();
    for object in doc.objects.values() {
        collect_references(object, &mut referenced, 0);
    }
    if let Ok(Object::Reference(root)) = doc.trailer.get(b"Root") {
        referenced.insert(*root);
    }
    referenced
        .into_iter()
        .filter(|id| !doc.objects.contains_key(id))
        .filter(|id| match doc.reference_table.get(id.0) {
            Some(XrefEntry::Normal { generation, .. }) => *generation == id.1,
            Some(XrefEntry::Compressed { .. }) => id.1 == 0,
            _ => false,
        })
        .collect()
}

fn collect_references(object: &Object, into: &mut BTreeSet<ObjectId>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match object {
        Object::Reference(id) => {
            into.insert(*id);
        }
        Object::Array(items) => items.iter().for_each(|item| collect_references(item, into, depth + 1)),
        Object::Dictionary(dict) => dict.iter().for_each(|(_, v)| collect_references(v, into, depth + 1)),
        Object::Stream(stream) => {
            stream.dict.iter().for_each(|(_, v)| collect_references(v, into, depth + 1))
        }
        _ => {}
    }
}
