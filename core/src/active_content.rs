//! Active content: what a PDF can do besides being printed (run JavaScript, launch programs,
//! open links, submit forms, carry files, play media).
//!
//! None of it ever reaches the printer. The writer places pages as forms and never copies the
//! catalog, page objects or annotation dictionaries, so document-level and page-level actions
//! are left behind by construction; [`sanitize`] also strips anything of the kind that a hostile
//! file hides inside the resources that are copied. [`inventory`] counts what an input carried,
//! for the manifest.

use crate::pdf::Entry as _;
use std::borrow::Cow;

use lopdf::{Dictionary, Document, Object};
use serde::{Deserialize, Serialize};

/// How many of each kind of active content an input carried (and the output does not).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveContent {
    /// JavaScript actions (document scripts, open actions, field and page triggers).
    pub javascript: usize,
    /// Launch actions (start a program or open a file).
    pub launch: usize,
    /// URI actions (open a web address).
    pub uri: usize,
    /// SubmitForm, ImportData and ResetForm actions.
    pub form_actions: usize,
    /// Every other action (GoTo, GoToR, Named, Rendition, Sound, Movie, Hide, ...).
    pub other_actions: usize,
    /// `/OpenAction` entries: something to do when the file is opened.
    pub open_actions: usize,
    /// `/AA` (additional actions) dictionaries: triggers on pages, fields and the document.
    pub additional_actions: usize,
    /// Embedded files (`/Type /EmbeddedFile` streams).
    pub embedded_files: usize,
    /// RichMedia, Screen, Movie, Sound and 3D annotations.
    pub multimedia: usize,
    /// XFA form definitions (they carry scripts).
    pub xfa_forms: usize,
    /// All of the above.
    pub total: usize,
}

impl ActiveContent {
    /// Every kind together.
    pub fn sum(&self) -> usize {
        self.javascript
            + self.launch
            + self.uri
            + self.form_actions
            + self.other_actions
            + self.open_actions
            + self.additional_actions
            + self.embedded_files
            + self.multimedia
            + self.xfa_forms
    }

    /// Adds another count to this one.
    pub fn add(&mut self, other: &ActiveContent) {
        self.javascript += other.javascript;
        self.launch += other.launch;
        self.uri += other.uri;
        self.form_actions += other.form_actions;
        self.other_actions += other.other_actions;
        self.open_actions += other.open_actions;
        self.additional_actions += other.additional_actions;
        self.embedded_files += other.embedded_files;
        self.multimedia += other.multimedia;
        self.xfa_forms += other.xfa_forms;
        self.total += other.total;
    }
}

/// The manifest warning for an input that carried active content.
pub fn warning(counts: &ActiveContent) -> Option<crate::Warning> {
    let kinds = [
        (counts.javascript, "JavaScript action"),
        (counts.launch, "launch action"),
        (counts.uri, "URI action"),
        (counts.form_actions, "form submission action"),
        (counts.other_actions, "other action"),
        (counts.open_actions, "open action"),
        (counts.additional_actions, "trigger (/AA)"),
        (counts.embedded_files, "embedded file"),
        (counts.multimedia, "multimedia annotation"),
        (counts.xfa_forms, "XFA form"),
    ];
    let listed: Vec<String> =
        kinds.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} {what}(s)")).collect();
    (!listed.is_empty()).then(|| {
        crate::Warning::new(
            "active-content-removed",
            format!(
                "the input carries active content ({}); none of it is copied to the output",
                listed.join(", ")
            ),
        )
    })
}

/// What kind of active content an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    JavaScript,
    Launch,
    Uri,
    FormAction,
    OtherAction,
    EmbeddedFile,
}

/// Every action type of ISO 32000-2, 12.6.4.
const OTHER_ACTIONS: &[&[u8]] = &[
    b"GoTo",
    b"GoToR",
    b"GoToE",
    b"GoToDp",
    b"Thread",
    b"Sound",
    b"Movie",
    b"Hide",
    b"Named",
    b"SetOCGState",
    b"Rendition",
    b"Trans",
    b"GoTo3DView",
    b"RichMediaExecute",
];

const MULTIMEDIA_ANNOTATIONS: &[&[u8]] = &[b"RichMedia", b"Screen", b"Movie", b"Sound", b"3D"];

/// Keys that attach actions to whatever holds them; removed from everything copied.
const TRIGGER_KEYS: &[&[u8]] = &[b"AA", b"OpenAction"];

/// How deep [`inventory`] and [`sanitize`] look inside one object (parsers nest less).
const MAX_DEPTH: usize = 128;

/// Whether `object` is active content in itself: an action, or an embedded file (its stream, or
/// a file specification that carries one).
pub fn classify(object: &Object) -> Option<Kind> {
    let dict = match object {
        Object::Dictionary(d) => d,
        Object::Stream(s) => &s.dict,
        _ => return None,
    };
    let type_name = dict.entry(b"Type").and_then(|o| o.as_name().ok());
    if type_name == Some(b"EmbeddedFile") || dict.has(b"EF") {
        return Some(Kind::EmbeddedFile);
    }
    if type_name.is_some_and(|t| t != b"Action") {
        return None;
    }
    match dict.entry(b"S").and_then(|o| o.as_name().ok())? {
        b"JavaScript" => Some(Kind::JavaScript),
        b"Launch" => Some(Kind::Launch),
        b"URI" => Some(Kind::Uri),
        b"SubmitForm" | b"ImportData" | b"ResetForm" => Some(Kind::FormAction),
        other if OTHER_ACTIONS.contains(&other) => Some(Kind::OtherAction),
        _ => None,
    }
}

/// Counts the active content anywhere in a document.
pub fn inventory(doc: &Document) -> ActiveContent {
    let mut counts = ActiveContent::default();
    for object in doc.objects.values() {
        count(object, &mut counts, 0);
    }
    counts.total = counts.sum();
    counts
}

/// The active content in one object (a stream's dictionary for a stream), without the total:
/// add the counts of every object, then set `total` to [`ActiveContent::sum`].
pub fn count_in(object: &Object) -> ActiveContent {
    let mut counts = ActiveContent::default();
    count(object, &mut counts, 0);
    counts
}

fn count(object: &Object, counts: &mut ActiveContent, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let dict = match object {
        Object::Array(items) => {
            items.iter().for_each(|item| count(item, counts, depth + 1));
            return;
        }
        Object::Dictionary(d) => d,
        Object::Stream(s) => &s.dict,
        _ => return,
    };
    match classify(object) {
        Some(Kind::JavaScript) => counts.javascript += 1,
        Some(Kind::Launch) => counts.launch += 1,
        Some(Kind::Uri) => counts.uri += 1,
        Some(Kind::FormAction) => counts.form_actions += 1,
        Some(Kind::OtherAction) => counts.other_actions += 1,
        // A file specification is counted through the stream it carries.
        Some(Kind::EmbeddedFile) => counts.embedded_files += matches!(object, Object::Stream(_)) as usize,
        None => {}
    }
    counts.open_actions += dict.has(b"OpenAction") as usize;
    counts.additional_actions += dict.has(b"AA") as usize;
    counts.xfa_forms += dict.has(b"XFA") as usize;
    let annotation = dict.entry(b"Subtype").and_then(|o| o.as_name().ok());
    counts.multimedia +=
        annotation.is_some_and(|s| MULTIMEDIA_ANNOTATIONS.contains(&s) && dict.has(b"Rect")) as usize;
    for (_, value) in dict.iter() {
        count(value, counts, depth + 1);
    }
}

/// `object` without active content: inline actions and file specifications become `null`,
/// trigger keys (`/AA`, `/OpenAction`) are left out. Borrowed when there is nothing to remove,
/// which is the case for all real resources.
pub fn sanitize(object: &Object) -> Cow<'_, Object> {
    if needs_cleaning(object, 0) {
        Cow::Owned(clean(object, 0))
    } else {
        Cow::Borrowed(object)
    }
}

/// A dictionary (e.g. of a stream) without active content.
pub fn sanitize_dictionary(dict: &Dictionary) -> Cow<'_, Dictionary> {
    if dict.iter().any(|(key, value)| TRIGGER_KEYS.contains(&key.as_slice()) || needs_cleaning(value, 1)) {
        Cow::Owned(clean_dictionary(dict, 1))
    } else {
        Cow::Borrowed(dict)
    }
}

/// A value of a dictionary sheetseal builds for the output around input objects (a form's
/// `/Resources`, say), cleaned as [`sanitize_dictionary`] cleans each value.
pub fn sanitize_entry(value: &Object) -> Cow<'_, Object> {
    if needs_cleaning(value, 1) {
        Cow::Owned(clean(value, 1))
    } else {
        Cow::Borrowed(value)
    }
}

fn needs_cleaning(object: &Object, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    match object {
        Object::Array(items) => items.iter().any(|item| needs_cleaning(item, depth + 1)),
        Object::Dictionary(_) | Object::Stream(_) if depth > 0 && classify(object).is_some() => true,
        Object::Dictionary(d) => d
            .iter()
            .any(|(key, value)| TRIGGER_KEYS.contains(&key.as_slice()) || needs_cleaning(value, depth + 1)),
        Object::Stream(s) => s
            .dict
            .iter()
            .any(|(key, value)| TRIGGER_KEYS.contains(&key.as_slice()) || needs_cleaning(value, depth + 1)),
        _ => false,
    }
}

fn clean(object: &Object, depth: usize) -> Object {
    if depth > MAX_DEPTH || (depth > 0 && classify(object).is_some()) {
        return Object::Null;
    }
    match object {
        Object::Array(items) => Object::Array(items.iter().map(|item| clean(item, depth + 1)).collect()),
        Object::Dictionary(d) => Object::Dictionary(clean_dictionary(d, depth + 1)),
        Object::Stream(s) => {
            let mut stream = s.clone();
            stream.dict = clean_dictionary(&s.dict, depth + 1);
            Object::Stream(stream)
        }
        other => other.clone(),
    }
}

fn clean_dictionary(dict: &Dictionary, depth: usize) -> Dictionary {
    let mut cleaned = Dictionary::new();
    for (key, value) in dict.iter() {
        if !TRIGGER_KEYS.contains(&key.as_slice()) {
            cleaned.set(key.clone(), clean(value, depth));
        }
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    fn js() -> Object {
        Object::Dictionary(
            dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") },
        )
    }

    #[test]
    fn actions_and_embedded_files_are_recognised_and_look_alikes_are_not() {
        assert_eq!(classify(&js()), Some(Kind::JavaScript));
        let uri = Object::Dictionary(dictionary! { "Type" => "Action", "S" => "URI" });
        assert_eq!(classify(&uri), Some(Kind::Uri));
        let file = Object::Stream(Stream::new(dictionary! { "Type" => "EmbeddedFile" }, vec![1]));
        assert_eq!(classify(&file), Some(Kind::EmbeddedFile));
        // A soft mask, a transition and a structure element also use /S.
        for harmless in [
            dictionary! { "Type" => "Mask", "S" => "Luminosity" },
            dictionary! { "S" => "Wipe" },
            dictionary! { "Type" => "StructElem", "S" => "Link" },
        ] {
            assert_eq!(classify(&Object::Dictionary(harmless)), None);
        }
    }

    #[test]
    fn sanitizing_removes_hidden_actions_and_leaves_clean_objects_borrowed() {
        let clean_font = Object::Dictionary(dictionary! { "Type" => "Font", "BaseFont" => "Helvetica" });
        assert!(matches!(sanitize(&clean_font), Cow::Borrowed(_)));
        let hostile = Object::Dictionary(dictionary! {
            "XObject" => dictionary! { "Fm0" => Object::Reference((4, 0)) },
            "AA" => dictionary! { "O" => js() },
            "Hidden" => vec![js(), Object::Integer(1)],
        });
        let cleaned = sanitize(&hostile).into_owned();
        let dict = cleaned.as_dict().unwrap();
        assert!(!dict.has(b"AA"));
        assert_eq!(dict.get(b"Hidden").unwrap().as_array().unwrap(), &vec![Object::Null, Object::Integer(1)]);
        assert!(dict.has(b"XObject"));
    }

    #[test]
    fn the_inventory_counts_each_kind() {
        let mut doc = Document::with_version("1.7");
        let action = doc.add_object(js());
        doc.add_object(dictionary! { "Type" => "Catalog", "OpenAction" => Object::Reference(action) });
        doc.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "Link", "Rect" => vec![0.into(), 0.into(), 1.into(), 1.into()],
            "A" => dictionary! { "S" => "Launch", "F" => "calc.exe" },
            "AA" => dictionary! { "E" => dictionary! { "S" => "URI", "URI" => "https://x.invalid" } },
        });
        doc.add_object(Stream::new(dictionary! { "Type" => "EmbeddedFile" }, b"secret".to_vec()));
        let counts = inventory(&doc);
        assert_eq!(
            (counts.javascript, counts.launch, counts.uri, counts.open_actions, counts.additional_actions),
            (1, 1, 1, 1, 1)
        );
        assert_eq!(counts.embedded_files, 1);
        assert_eq!(counts.total, 6);
    }
}
