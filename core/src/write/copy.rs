//! Copying objects of one input into the output, each at most once.
//!
//! A source object gets an output number the first time anything refers to it; the number is
//! remembered, so fonts, images and other resources shared by many pages are written once.
//! Numbers are handed out in the order references are met, which depends only on the input and
//! the plan, never on timing.
//!
//! The input is untrusted, so copying is guarded: page objects, actions and embedded files are
//! never followed (they become `null`), trigger keys are dropped (`active_content::sanitize`),
//! a chain of references longer than the limit stops the job, images are judged by their
//! declared size, and every Form XObject is checked for nesting and for drawing itself
//! (`forms`) before it is written.

use crate::pdf::Entry as _;
use crate::pdf::Objects;
use foldhash::{HashMap, HashMapExt};
use std::collections::VecDeque;
use std::io::Write;

use lopdf::{dictionary, Dictionary, Object, ObjectId, Stream};

use super::file::PdfFile;
use super::forms::{FormGraph, LoopCut};
use super::syntax;
use crate::active_content;
use crate::limits::{check_stream_size, judge_image, DecodeBudget, ImageVerdict, LimitError, Limits};
use crate::warning::Warning;

/// Why copying stopped.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Limit(#[from] LimitError),
}

/// Stands for the empty form that replaces a drawing which closes a loop of forms.
const EMPTY_FORM: ObjectId = (u32::MAX, u16::MAX);

/// Copies objects of one source document.
pub struct Copier<'d> {
    doc: &'d dyn Objects,
    limits: &'d Limits,
    budget: &'d DecodeBudget,
    numbers: HashMap<ObjectId, Option<u32>>,
    /// Objects to write, with how many references away from a page they are.
    pending: VecDeque<(ObjectId, u32, usize)>,
    forms: FormGraph,
    /// Drawings to replace with the empty form, by the form that draws them.
    cuts: HashMap<ObjectId, Vec<Vec<u8>>>,
    failure: Option<LimitError>,
    warnings: Vec<Warning>,
}

impl<'d> Copier<'d> {
    pub fn new(doc: &'d dyn Objects, limits: &'d Limits, budget: &'d DecodeBudget) -> Self {
        Copier {
            doc,
            limits,
            budget,
            numbers: HashMap::new(),
            pending: VecDeque::new(),
            forms: FormGraph::default(),
            cuts: HashMap::new(),
            failure: None,
            warnings: Vec::new(),
        }
    }

    /// Serialises `object` (which belongs to this copier's document) into `out`, queueing every
    /// object it refers to for copying. Active content in it is left out.
    pub fn serialise<W: Write>(&mut self, file: &mut PdfFile<W>, object: &Object, out: &mut Vec<u8>) {
        let object = active_content::sanitize(object);
        let mut renumber = self.renumberer(file, 1);
        syntax::write_object(&object, out, &mut renumber);
    }

    /// Serialises `value`, the value of an entry of a dictionary built for the output, into
    /// `out`, queueing every object it refers to for copying. Active content in it is left out.
    pub fn serialise_entry<W: Write>(&mut self, file: &mut PdfFile<W>, value: &Object, out: &mut Vec<u8>) {
        let value = active_content::sanitize_entry(value);
        let mut renumber = self.renumberer(file, 1);
        syntax::write_object(&value, out, &mut renumber);
    }

    /// The output number of source object `id`, queueing it for copying; `None` when it is
    /// missing, a page, or active content.
    pub fn reference<W: Write>(&mut self, file: &mut PdfFile<W>, id: ObjectId) -> Option<u32> {
        let mut renumber = self.renumberer(file, 1);
        renumber(id)
    }

    /// Writes every queued object, and those they refer to, until nothing is left, each
    /// serialised into `body` first (the writer's one buffer for all its copiers: a job of
    /// thousands of inputs has as many copiers). Fails when the objects go beyond a limit.
    pub fn flush<W: Write>(&mut self, file: &mut PdfFile<W>, body: &mut Vec<u8>) -> Result<(), CopyError> {
        while let Some((id, number, depth)) = self.pending.pop_front() {
            if let Some(error) = self.failure.take() {
                return Err(error.into());
            }
            // Read afresh, not kept: most copied streams (images, fonts) are copied once.
            let fetched: std::borrow::Cow<Object> = if id == EMPTY_FORM {
                std::borrow::Cow::Owned(Object::Stream(Stream::new(
                    dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 0.into(), 0.into()] },
                    Vec::new(),
                )))
            } else {
                self.doc.fetch(id).unwrap_or(std::borrow::Cow::Owned(Object::Null))
            };
            let object = &*fetched;
            self.inspect(id, object)?;
            let cut;
            let object = match self.cuts.get(&id) {
                Some(names) => {
                    cut = without_drawings(self.doc, object, names);
                    &cut
                }
                None => object,
            };
            let object = active_content::sanitize(object);
            body.clear();
            {
                let mut renumber = self.renumberer(file, depth + 1);
                syntax::write_object(&object, body, &mut renumber);
            }
            file.write_object(number, body)?;
        }
        match self.failure.take() {
            Some(error) => Err(error.into()),
            None => Ok(()),
        }
    }

    /// Warnings about what was copied (large images, loops of forms cut), taken out.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// Checks an object about to be copied against the limits: images by their declared size
    /// (never decoded), forms by how deep they nest and whether they draw themselves (which
    /// decodes them within the stream limit), any other stream (fonts, colour profiles,
    /// functions) by what it can inflate to, so that no bomb reaches the printer either.
    fn inspect(&mut self, id: ObjectId, object: &Object) -> Result<(), LimitError> {
        let Object::Stream(stream) = object else {
            return Ok(());
        };
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => self.inspect_image(id, &stream.dict),
            Ok(b"Form") => {
                let mut found = Vec::new();
                self.forms.analyse(self.doc, id, self.limits, self.budget, &mut found)?;
                for LoopCut { form, name, target } in found {
                    self.warnings.push(Warning::new(
                        "form-loop-cut",
                        format!(
                            "form {} {} R draws form {} {} R (/{}), which draws it again: an endless loop; that drawing is left out, as viewers do",
                            form.0,
                            form.1,
                            target.0,
                            target.1,
                            String::from_utf8_lossy(&name)
                        ),
                    ));
                    self.cuts.entry(form).or_default().push(name);
                }
                Ok(())
            }
            _ => check_stream_size(stream, id, self.limits.max_stream_bytes, self.budget),
        }
    }

    fn inspect_image(&mut self, id: ObjectId, dict: &Dictionary) -> Result<(), LimitError> {
        let number = |key: &[u8]| {
            let value = self.doc.dereference(dict.entry(key)?).ok()?.1.as_i64().ok()?;
            u64::try_from(value).ok()
        };
        let (Some(width), Some(height)) = (number(b"Width"), number(b"Height")) else {
            return Ok(());
        };
        match judge_image(width, height, self.limits) {
            ImageVerdict::Accept => Ok(()),
            ImageVerdict::Warn => {
                self.warnings.push(Warning::new(
                    "image-large",
                    format!(
                        "image {} {} R is {width} x {height} pixels ({} megapixels); it is copied as it is (sheetseal never decodes images), but a printer may be slow or fail on it",
                        id.0,
                        id.1,
                        width.saturating_mul(height) / 1_000_000
                    ),
                ));
                Ok(())
            }
            ImageVerdict::Refuse => Err(LimitError::ImageTooLarge {
                object: id,
                width,
                height,
                limit: self.limits.max_image_pixels.unwrap_or_default(),
            }),
        }
    }

    /// A function that gives each referenced object its output number, queueing it at `depth`
    /// references from a page; refused objects become `null`.
    fn renumberer<'a, W: Write>(
        &'a mut self,
        file: &'a mut PdfFile<W>,
        depth: usize,
    ) -> impl FnMut(ObjectId) -> Option<u32> + 'a {
        let doc = self.doc;
        let numbers = &mut self.numbers;
        let pending = &mut self.pending;
        let failure = &mut self.failure;
        let max_depth = self.limits.max_reference_depth;
        move |id| {
            *numbers.entry(id).or_insert_with(|| {
                if id != EMPTY_FORM {
                    let object = doc.head(id).ok()?;
                    if is_page_tree_node(&object) || active_content::classify(&object).is_some() {
                        // Pages are placed as forms, never copied: a reference to one (from a
                        // link, say) would drag the whole input along. Actions and embedded
                        // files never reach the printer.
                        return None;
                    }
                    if depth > max_depth {
                        failure.get_or_insert(LimitError::ReferencesTooDeep { object: id, limit: max_depth });
                        return None;
                    }
                }
                let number = file.reserve();
                pending.push_back((id, number, depth));
                Some(number)
            })
        }
    }
}

/// A form with the drawings named in `names` pointed at the empty form: its resources become a
/// private copy, so other forms that share them are untouched.
fn without_drawings(doc: &dyn Objects, object: &Object, names: &[Vec<u8>]) -> Object {
    let Object::Stream(stream) = object else {
        return object.clone();
    };
    let resolve = |o: Option<&Object>| -> Dictionary {
        o.and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok())
            .cloned()
            .unwrap_or_default()
    };
    let mut resources = resolve(stream.dict.entry(b"Resources"));
    let mut xobjects = resolve(resources.entry(b"XObject"));
    for name in names {
        xobjects.set(name.clone(), Object::Reference(EMPTY_FORM));
    }
    resources.set("XObject", xobjects);
    let mut copy = Stream::new(stream.dict.clone(), stream.content.clone());
    copy.dict.set("Resources", resources);
    Object::Stream(copy)
}

fn is_page_tree_node(object: &Object) -> bool {
    let dict = match object {
        Object::Dictionary(d) => d,
        _ => return false,
    };
    matches!(dict.get(b"Type").and_then(Object::as_name), Ok(b"Page") | Ok(b"Pages"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Document};

    #[test]
    fn shared_objects_are_copied_once_and_cycles_terminate() {
        let mut doc = Document::with_version("1.7");
        let font = doc.add_object(dictionary! { "Type" => "Font" });
        let a = doc.new_object_id();
        let b =
            doc.add_object(dictionary! { "Next" => Object::Reference(a), "F" => Object::Reference(font) });
        doc.objects.insert(
            a,
            Object::Dictionary(
                dictionary! { "Next" => Object::Reference(b), "F" => Object::Reference(font) },
            ),
        );
        let page = doc.add_object(dictionary! { "Type" => "Page" });
        let mut file = PdfFile::new(Vec::new()).unwrap();
        let limits = Limits::default();
        let budget = DecodeBudget::new(1 << 30);
        let mut copier = Copier::new(&doc, &limits, &budget);
        let mut out = Vec::new();
        let root = Object::Array(vec![
            Object::Reference(a),
            Object::Reference(b),
            Object::Reference(page),
            Object::Reference((77, 0)),
        ]);
        copier.serialise(&mut file, &root, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "[1 0 R 2 0 R null null]");
        copier.flush(&mut file, &mut Vec::new()).unwrap();
        let holder = file.reserve();
        file.write_object(holder, b"null").unwrap();
        let bytes = file.finish(holder, None).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(text.matches("/Type /Font").count(), 1);
        assert_eq!(text.matches(" 0 obj").count(), 4); // a, b, font, holder
    }
}
