//! Copying objects of one input into the output, each at most once.
//!
//! A source object gets an output number the first time anything refers to it; the number is
//! remembered, so fonts, images and other resources shared by many pages are written once. An
//! object that says the same as one the file already holds, from this input or another, gets
//! that one's number ([`SharedObjects`]): the objects it refers to are numbered first, so that
//! what it says can be compared as written. Numbers are handed out in the order references are
//! met, which depends only on the inputs and the plan, never on timing.
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
use super::shared::{Content, Numbered, SharedObjects};
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

/// How many references away from a page an object may be and still be compared with those
/// written before (a font's program is five: resources, font, descendant, descriptor, program).
/// Deeper objects are copied as they are met.
const SHARED_DEPTH: usize = 8;

/// Copies objects of one source document.
pub struct Copier<'d> {
    limits: &'d Limits,
    budget: &'d DecodeBudget,
    numbers: HashMap<ObjectId, Option<u32>>,
    /// The objects whose content is being put together to compare, innermost last.
    comparing: Vec<ObjectId>,
    /// Objects to write, with how many references away from a page they are and, for one put
    /// together to be compared that is not a stream, its bytes as they are written.
    pending: VecDeque<(ObjectId, u32, usize, Option<Vec<u8>>)>,
    forms: FormGraph,
    /// Drawings to replace with the empty form, by the form that draws them.
    cuts: HashMap<ObjectId, Vec<Vec<u8>>>,
    failure: Option<LimitError>,
    warnings: Vec<Warning>,
}

impl<'d> Copier<'d> {
    pub fn new(limits: &'d Limits, budget: &'d DecodeBudget) -> Self {
        Copier {
            limits,
            budget,
            numbers: HashMap::new(),
            comparing: Vec::new(),
            pending: VecDeque::new(),
            forms: FormGraph::default(),
            cuts: HashMap::new(),
            failure: None,
            warnings: Vec::new(),
        }
    }

    /// Serialises `value`, the value of an entry of a dictionary built for the output, into
    /// `out`, queueing every object it refers to for copying. Active content in it is left out.
    pub fn serialise_entry<W: Write>(
        &mut self,
        doc: &dyn Objects,
        file: &mut PdfFile<W>,
        shared: &mut SharedObjects,
        value: &Object,
        out: &mut Vec<u8>,
    ) {
        let value = active_content::sanitize_entry(value);
        let mut renumber = |id| self.number(doc, file, shared, id, 1);
        syntax::write_object(&value, out, &mut renumber);
    }

    /// The output number of source object `id`, queueing it for copying; `None` when it is
    /// missing, a page, or active content.
    pub fn reference<W: Write>(
        &mut self,
        doc: &dyn Objects,
        file: &mut PdfFile<W>,
        shared: &mut SharedObjects,
        id: ObjectId,
    ) -> Option<u32> {
        self.number(doc, file, shared, id, 1)
    }

    /// Writes every queued object, and those they refer to, until nothing is left, each
    /// serialised into `body` first (the writer's one buffer for all its copiers: a job of
    /// thousands of inputs has as many copiers). Fails when the objects go beyond a limit.
    pub fn flush<W: Write>(
        &mut self,
        doc: &dyn Objects,
        file: &mut PdfFile<W>,
        shared: &mut SharedObjects,
        body: &mut Vec<u8>,
    ) -> Result<(), CopyError> {
        while let Some((id, number, depth, written)) = self.pending.pop_front() {
            if let Some(error) = self.failure.take() {
                return Err(error.into());
            }
            if let Some(bytes) = written {
                // Put together already, its references numbered (`content`); nothing to check
                // or cut in an object that is not a stream.
                file.write_object(number, &bytes)?;
                continue;
            }
            // Read afresh, not kept: most copied streams (images, fonts) are copied once.
            let fetched: std::borrow::Cow<Object> = if id == EMPTY_FORM {
                std::borrow::Cow::Owned(Object::Stream(Stream::new(
                    dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 0.into(), 0.into()] },
                    Vec::new(),
                )))
            } else {
                doc.fetch(id).unwrap_or(std::borrow::Cow::Owned(Object::Null))
            };
            let object = &*fetched;
            self.inspect(doc, id, object)?;
            let cut;
            let object = match self.cuts.get(&id) {
                Some(names) => {
                    cut = without_drawings(doc, object, names);
                    &cut
                }
                None => object,
            };
            let object = active_content::sanitize(object);
            body.clear();
            syntax::write_object(&object, body, &mut |id| self.number(doc, file, shared, id, depth + 1));
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
    fn inspect(&mut self, doc: &dyn Objects, id: ObjectId, object: &Object) -> Result<(), LimitError> {
        let Object::Stream(stream) = object else {
            return Ok(());
        };
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => self.inspect_image(doc, id, &stream.dict),
            Ok(b"Form") => {
                let mut found = Vec::new();
                self.forms.analyse(doc, id, self.limits, self.budget, &mut found)?;
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

    fn inspect_image(
        &mut self,
        doc: &dyn Objects,
        id: ObjectId,
        dict: &Dictionary,
    ) -> Result<(), LimitError> {
        let number = |key: &[u8]| {
            let value = doc.dereference(dict.entry(key)?).ok()?.1.as_i64().ok()?;
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

    /// The output number of source object `id`, met `depth` references from a page: the one it
    /// already has, that of a written object that says the same, or a new one, queueing the
    /// object for writing. `None` for refused objects, which become `null`.
    fn number<W: Write>(
        &mut self,
        doc: &dyn Objects,
        file: &mut PdfFile<W>,
        shared: &mut SharedObjects,
        id: ObjectId,
        depth: usize,
    ) -> Option<u32> {
        if let Some(&known) = self.numbers.get(&id) {
            return known;
        }
        if id == EMPTY_FORM || self.comparing.contains(&id) {
            // A reference back to an object being compared (a loop): numbered now, never shared.
            return Some(self.queue(file, id, depth));
        }
        let head = doc.head(id).ok().filter(|object| {
            // Pages are placed as forms, never copied: a reference to one (from a link, say)
            // would drag the whole input along. Actions and embedded files never reach the
            // printer.
            !is_page_tree_node(object) && active_content::classify(object).is_none()
        });
        let Some(head) = head else {
            self.numbers.insert(id, None);
            return None;
        };
        let max_depth = self.limits.max_reference_depth;
        if depth > max_depth {
            self.failure.get_or_insert(LimitError::ReferencesTooDeep { object: id, limit: max_depth });
            self.numbers.insert(id, None);
            return None;
        }
        // A stream's head is its dictionary, as a stream or, where the reader does not hold
        // the stream, as a dictionary.
        let stream = doc.is_stream(id).then(|| dictionary_of(&head)).flatten();
        // Forms are checked and cut as themselves (`inspect`), so each is copied as its own.
        let form =
            stream.is_some_and(|dict| matches!(dict.get(b"Subtype").and_then(Object::as_name), Ok(b"Form")));
        if depth > SHARED_DEPTH || form {
            return Some(self.queue(file, id, depth));
        }
        self.comparing.push(id);
        let content = self.content((doc, file, shared), (id, &head, stream), depth);
        self.comparing.pop();
        if let Some(&known) = self.numbers.get(&id) {
            return known; // numbered by a loop back to it
        }
        let Some(content) = content else {
            return Some(self.queue(file, id, depth));
        };
        let number = match shared.number(&content, || file.reserve()) {
            Numbered::Written(number) => number,
            Numbered::New(number) => {
                let written = match content {
                    Content::Plain(bytes) => Some(bytes),
                    Content::Stream { .. } => None,
                };
                self.pending.push_back((id, number, depth, written));
                number
            }
        };
        self.numbers.insert(id, Some(number));
        Some(number)
    }

    /// Gives `id` a new number and queues it for writing.
    fn queue<W: Write>(&mut self, file: &mut PdfFile<W>, id: ObjectId, depth: usize) -> u32 {
        let number = file.reserve();
        self.numbers.insert(id, Some(number));
        self.pending.push_back((id, number, depth, None));
        number
    }

    /// What object `id` says as it would be written, the objects it refers to numbered first:
    /// `head` as it is, or for a stream (`stream` its dictionary) the dictionary without
    /// `/Length` and the data as the input holds it; `None` when the stream cannot be read.
    fn content<'s, W: Write>(
        &mut self,
        (doc, file, shared): (&'s dyn Objects, &mut PdfFile<W>, &mut SharedObjects),
        (id, head, stream): (ObjectId, &Object, Option<&Dictionary>),
        depth: usize,
    ) -> Option<Content<'s>> {
        let mut renumber = |child| self.number(doc, file, shared, child, depth + 1);
        let mut bytes = Vec::new();
        match stream {
            Some(dict) => {
                let data = doc.raw_stream(id).ok()?.data;
                let dict = active_content::sanitize_dictionary(dict);
                syntax::write_dictionary(&dict, &[b"Length"], &mut bytes, &mut renumber);
                Some(Content::Stream { head: bytes, data })
            }
            None => {
                syntax::write_object(&active_content::sanitize(head), &mut bytes, &mut renumber);
                Some(Content::Plain(bytes))
            }
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

/// The dictionary of a dictionary, or of a stream.
fn dictionary_of(object: &Object) -> Option<&Dictionary> {
    match object {
        Object::Dictionary(dict) => Some(dict),
        Object::Stream(stream) => Some(&stream.dict),
        _ => None,
    }
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

    /// Copies what `root` refers to from `doc` into a file of its own: `root` as written, and
    /// the file (with one object of its own to hold the rest).
    fn copy_one<T: Objects>(doc: &T, root: &Object) -> (String, String) {
        let mut file = PdfFile::new(Vec::new()).unwrap();
        let limits = Limits::default();
        let budget = DecodeBudget::new(1 << 30);
        let mut shared = SharedObjects::default();
        let mut copier = Copier::new(&limits, &budget);
        let mut out = Vec::new();
        copier.serialise_entry(doc, &mut file, &mut shared, root, &mut out);
        copier.flush(doc, &mut file, &mut shared, &mut Vec::new()).unwrap();
        let holder = file.reserve();
        file.write_object(holder, b"null").unwrap();
        let bytes = file.finish(holder, None).unwrap();
        (String::from_utf8(out).unwrap(), String::from_utf8_lossy(&bytes).into_owned())
    }

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
        let root = Object::Array(vec![
            Object::Reference(a),
            Object::Reference(b),
            Object::Reference(page),
            Object::Reference((77, 0)),
        ]);
        let (out, text) = copy_one(&doc, &root);
        // a, met again while b is compared, is numbered then; the font, then b, once their
        // references are numbered.
        assert_eq!(out, "[1 0 R 3 0 R null null]");
        assert_eq!(text.matches("/Type /Font").count(), 1);
        assert_eq!(text.matches(" 0 obj").count(), 4); // a, b, font, holder
    }

    /// An input with a font (dictionary, descriptor and program) and an image of `pixels`,
    /// and its page's resources.
    fn input_with_font_and_image(pixels: &[u8]) -> (Document, Object) {
        let mut doc = Document::with_version("1.7");
        let program = doc.add_object(Stream::new(dictionary! { "Length1" => 4 }, b"glyf".to_vec()));
        let descriptor = doc.add_object(dictionary! { "Type" => "FontDescriptor", "FontFile2" => program });
        let font = doc.add_object(dictionary! { "Type" => "Font", "FontDescriptor" => descriptor });
        let image = doc.add_object(Stream::new(dictionary! { "Subtype" => "Image" }, pixels.to_vec()));
        let resources = dictionary! {
            "Font" => dictionary! { "F1" => font },
            "XObject" => dictionary! { "Im1" => image },
        };
        (doc, Object::Dictionary(resources))
    }

    #[test]
    fn what_several_inputs_carry_alike_is_written_once() {
        let inputs = [
            input_with_font_and_image(b"pixels"),
            input_with_font_and_image(b"pixelz"),
            input_with_font_and_image(b"pixels"),
        ];
        let mut file = PdfFile::new(Vec::new()).unwrap();
        let limits = Limits::default();
        let budget = DecodeBudget::new(1 << 30);
        let mut shared = SharedObjects::default();
        let mut written = Vec::new();
        for (doc, resources) in &inputs {
            let mut copier = Copier::new(&limits, &budget);
            let mut out = Vec::new();
            copier.serialise_entry(doc, &mut file, &mut shared, resources, &mut out);
            copier.flush(doc, &mut file, &mut shared, &mut Vec::new()).unwrap();
            written.push(String::from_utf8(out).unwrap());
        }
        // The first and third inputs carry the same; the second another image.
        assert_eq!(written[0], written[2]);
        assert_ne!(written[0], written[1]);
        assert_eq!(written[0].split("/XObject").next(), written[1].split("/XObject").next());
        let holder = file.reserve();
        file.write_object(holder, b"null").unwrap();
        let bytes = file.finish(holder, None).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(text.matches("glyf").count(), 1);
        assert_eq!(text.matches("/Type /FontDescriptor").count(), 1);
        assert_eq!(text.matches("pixels").count(), 1);
        assert_eq!(text.matches("pixelz").count(), 1);
        // Program, descriptor, font, two images, and the holder.
        assert_eq!(text.matches(" 0 obj").count(), 6);
    }

    #[test]
    fn streams_read_lazily_are_compared_by_their_data_too() {
        // The lazy reader gives a stream's head as its dictionary alone: two images with the
        // same dictionary and other pixels must stay two, and a form stays a form.
        let mut doc = Document::with_version("1.5");
        let image =
            |pixels: &[u8]| Stream::new(dictionary! { "Subtype" => "Image", "Width" => 3 }, pixels.to_vec());
        let ids =
            [doc.add_object(image(b"abc")), doc.add_object(image(b"abd")), doc.add_object(image(b"abc"))];
        let form = dictionary! { "Subtype" => "Form", "Resources" => dictionary! { "XObject" => dictionary! { "I" => ids[0] } } };
        let forms = [
            doc.add_object(Stream::new(form.clone(), b"/I Do".to_vec())),
            doc.add_object(Stream::new(form, b"/I Do".to_vec())),
        ];
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog" });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        let bytes: crate::pdf::reader::Bytes = std::sync::Arc::new(bytes);
        let (lazy, ()) =
            crate::pdf::store::LazyObjects::open(bytes, 100, |_| (), |(), ()| (), || (), &|| ()).unwrap();
        let store = crate::pdf::store::ObjectStore::Lazy(lazy);
        let root = Object::Array(ids.iter().chain(&forms).map(|&id| Object::Reference(id)).collect());
        assert_eq!(copy_one(&store, &root).0, "[1 0 R 2 0 R 1 0 R 3 0 R 4 0 R]");
    }

    #[test]
    fn objects_of_one_input_that_say_the_same_are_written_once() {
        let mut doc = Document::with_version("1.7");
        let logo = || Stream::new(dictionary! { "Subtype" => "Image", "Width" => 1 }, b"logo".to_vec());
        let first = doc.add_object(logo());
        let second = doc.add_object(logo());
        let form = |content: &[u8]| Stream::new(dictionary! { "Subtype" => "Form" }, content.to_vec());
        let form_a = doc.add_object(form(b"0 0 m"));
        let form_b = doc.add_object(form(b"0 0 m"));
        let root = Object::Array([first, second, form_a, form_b].map(Object::Reference).to_vec());
        // The two images are one; forms are copied each as itself.
        assert_eq!(copy_one(&doc, &root).0, "[1 0 R 1 0 R 2 0 R 3 0 R]");
    }
}
