//! Copying objects of one input into the output, each at most once.
//!
//! A source object gets an output number the first time anything refers to it; the number is
//! remembered, so fonts, images and other resources shared by many pages are written once.
//! Numbers are handed out in the order references are met, which depends only on the input and
//! the plan, never on timing.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};

use lopdf::{Document, Object, ObjectId};

use super::file::PdfFile;
use super::syntax;

/// Copies objects of one source document.
pub struct Copier<'d> {
    doc: &'d Document,
    numbers: HashMap<ObjectId, Option<u32>>,
    pending: VecDeque<(ObjectId, u32)>,
    scratch: Vec<u8>,
}

impl<'d> Copier<'d> {
    pub fn new(doc: &'d Document) -> Self {
        Copier { doc, numbers: HashMap::new(), pending: VecDeque::new(), scratch: Vec::with_capacity(4096) }
    }

    /// Serialises `object` (which belongs to this copier's document) into `out`, queueing every
    /// object it refers to for copying.
    pub fn serialise<W: Write>(&mut self, file: &mut PdfFile<W>, object: &Object, out: &mut Vec<u8>) {
        let mut renumber = self.renumberer(file);
        syntax::write_object(object, out, &mut renumber);
    }

    /// Serialises a stream built for the output whose dictionary may refer to this document's
    /// objects.
    pub fn serialise_stream<W: Write>(
        &mut self,
        file: &mut PdfFile<W>,
        dict: &lopdf::Dictionary,
        content: &[u8],
        out: &mut Vec<u8>,
    ) {
        let mut renumber = self.renumberer(file);
        syntax::write_stream(dict, content, out, &mut renumber);
    }

    /// The output number of source object `id`, queueing it for copying; `None` when it is
    /// missing or a page.
    pub fn reference<W: Write>(&mut self, file: &mut PdfFile<W>, id: ObjectId) -> Option<u32> {
        let mut renumber = self.renumberer(file);
        renumber(id)
    }

    /// Writes every queued object, and those they refer to, until nothing is left.
    pub fn flush<W: Write>(&mut self, file: &mut PdfFile<W>) -> io::Result<()> {
        while let Some((id, number)) = self.pending.pop_front() {
            let object = self.doc.get_object(id).unwrap_or(&Object::Null);
            let mut body = std::mem::take(&mut self.scratch);
            body.clear();
            self.serialise(file, object, &mut body);
            file.write_object(number, &body)?;
            self.scratch = body;
        }
        Ok(())
    }

    fn renumberer<'a, W: Write>(
        &'a mut self,
        file: &'a mut PdfFile<W>,
    ) -> impl FnMut(ObjectId) -> Option<u32> + 'a {
        let doc = self.doc;
        let numbers = &mut self.numbers;
        let pending = &mut self.pending;
        move |id| {
            *numbers.entry(id).or_insert_with(|| {
                let object = doc.get_object(id).ok()?;
                if is_page_tree_node(object) {
                    // Pages are placed as forms, never copied: a reference to one (from a link,
                    // say) would drag the whole input along.
                    return None;
                }
                let number = file.reserve();
                pending.push_back((id, number));
                Some(number)
            })
        }
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
    use lopdf::dictionary;

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
        let mut copier = Copier::new(&doc);
        let mut out = Vec::new();
        let root = Object::Array(vec![
            Object::Reference(a),
            Object::Reference(b),
            Object::Reference(page),
            Object::Reference((77, 0)),
        ]);
        copier.serialise(&mut file, &root, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "[1 0 R 2 0 R null null]");
        copier.flush(&mut file).unwrap();
        let holder = file.reserve();
        file.write_object(holder, b"null").unwrap();
        let bytes = file.finish(holder, None).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(text.matches("/Type /Font").count(), 1);
        assert_eq!(text.matches(" 0 obj").count(), 4); // a, b, font, holder
    }
}
