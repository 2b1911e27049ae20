//! Forms drawn inside forms: how deep they nest, and loops.
//!
//! A Form XObject's content can draw other forms (`/Name Do`), which can draw others. Real
//! files nest a few levels; a hostile one nests thousands deep, or draws a form inside itself
//! (directly or through others), which sends a renderer into endless recursion. Renderers stop
//! such a loop where it closes; [`FormGraph`] finds the same place, so that the writer can
//! replace that one drawing with an empty form and say so.
//!
//! The edges are drawings, not mere references: resources shared between forms (common in real
//! files) make loops in the reference graph that no renderer ever follows, so the content of
//! each form is scanned for the names it actually draws.

use crate::pdf::Entry as _;
use crate::pdf::Objects;
use foldhash::HashMap;

use lopdf::{Object, ObjectId, Stream};

use crate::limits::{decode_within_limits, DecodeBudget, DecodeFailure, LimitError, Limits};

/// A drawing that closes a loop: `form` draws `target` under `name`, and `target` (through the
/// forms it draws) draws `form`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopCut {
    pub form: ObjectId,
    pub name: Vec<u8>,
    pub target: ObjectId,
}

#[derive(Clone, Copy)]
enum State {
    /// On the path being explored.
    Open,
    /// Explored: the most levels of forms it draws, itself included.
    Done(usize),
}

/// What is known about the forms of one document.
#[derive(Default)]
pub struct FormGraph {
    state: HashMap<ObjectId, State>,
}

struct Frame {
    id: ObjectId,
    children: Vec<(Vec<u8>, ObjectId)>,
    next: usize,
    height: usize,
}

impl FormGraph {
    /// Explores form `root` and every form it draws (each once per document); returns how many
    /// levels of forms it nests, itself included. Loops found are appended to `cuts`.
    pub fn analyse(
        &mut self,
        doc: &dyn Objects,
        root: ObjectId,
        limits: &Limits,
        budget: &DecodeBudget,
        cuts: &mut Vec<LoopCut>,
    ) -> Result<usize, LimitError> {
        if let Some(State::Done(height)) = self.state.get(&root) {
            return Ok(*height);
        }
        let too_deep = || LimitError::FormsTooDeep { object: root, limit: limits.max_form_nesting };
        self.state.insert(root, State::Open);
        let mut stack =
            vec![Frame { id: root, children: drawn_forms(doc, root, limits, budget)?, next: 0, height: 0 }];
        while let Some(frame) = stack.last_mut() {
            if let Some((name, child)) = frame.children.get(frame.next).cloned() {
                frame.next += 1;
                match self.state.get(&child) {
                    Some(State::Open) => cuts.push(LoopCut { form: frame.id, name, target: child }),
                    Some(State::Done(height)) => frame.height = frame.height.max(*height),
                    None => {
                        if stack.len() >= limits.max_form_nesting {
                            return Err(too_deep());
                        }
                        self.state.insert(child, State::Open);
                        let children = drawn_forms(doc, child, limits, budget)?;
                        stack.push(Frame { id: child, children, next: 0, height: 0 });
                    }
                }
                continue;
            }
            let done = stack.pop().expect("a frame is on the stack");
            let height = done.height + 1;
            if height > limits.max_form_nesting {
                return Err(too_deep());
            }
            self.state.insert(done.id, State::Done(height));
            match stack.last_mut() {
                Some(parent) => parent.height = parent.height.max(height),
                None => return Ok(height),
            }
        }
        unreachable!("the loop returns when the root frame is done")
    }
}

/// Whether `object` is a Form XObject.
pub fn is_form(object: &Object) -> bool {
    matches!(object, Object::Stream(s) if s.dict.entry(b"Subtype").and_then(|o| o.as_name().ok()) == Some(b"Form"))
}

/// The forms that form `id` draws, by the name it draws them under, in order of first use.
fn drawn_forms(
    doc: &dyn Objects,
    id: ObjectId,
    limits: &Limits,
    budget: &DecodeBudget,
) -> Result<Vec<(Vec<u8>, ObjectId)>, LimitError> {
    let Ok(Object::Stream(stream)) = doc.get_object(id) else {
        return Ok(Vec::new());
    };
    let content = match decode_within_limits(stream, Some(id), limits.max_stream_bytes, budget) {
        Ok(content) => content,
        Err(DecodeFailure::Limit(error)) => return Err(error),
        // Content no renderer can decode draws nothing.
        Err(DecodeFailure::Undecodable) => return Ok(Vec::new()),
    };
    let Some(xobjects) = xobject_resources(doc, stream) else {
        return Ok(Vec::new());
    };
    Ok(drawn_names(&content)
        .into_iter()
        .filter_map(|name| {
            let child = xobjects.get(&name).ok()?.as_reference().ok()?;
            doc.get_object(child).ok().filter(|o| is_form(o)).map(|_| (name, child))
        })
        .collect())
}

/// The `/XObject` resource dictionary of a form, through references.
pub fn xobject_resources<'d>(doc: &'d dyn Objects, form: &'d Stream) -> Option<&'d lopdf::Dictionary> {
    let resources = doc.dereference(form.dict.entry(b"Resources")?).ok()?.1.as_dict().ok()?;
    doc.dereference(resources.entry(b"XObject")?).ok()?.1.as_dict().ok()
}

/// The names a content stream draws with `Do`, each once, in order of first use. A tolerant
/// scanner: strings, comments, dictionaries and inline image data are skipped, anything it does
/// not understand is passed over.
pub fn drawn_names(content: &[u8]) -> Vec<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut last_name: Option<Vec<u8>> = None;
    let mut at = 0;
    while at < content.len() {
        match content[at] {
            b if is_whitespace(b) => at += 1,
            b'%' => {
                while at < content.len() && !matches!(content[at], b'\r' | b'\n') {
                    at += 1;
                }
            }
            b'(' => {
                at = skip_literal_string(content, at);
                last_name = None;
            }
            b'<' if content.get(at + 1) == Some(&b'<') => at += 2,
            b'<' => {
                at = content[at..].iter().position(|&b| b == b'>').map_or(content.len(), |p| at + p + 1);
                last_name = None;
            }
            b'>' | b'[' | b']' | b'{' | b'}' | b')' => {
                at += 1;
                last_name = None;
            }
            b'/' => {
                let end = token_end(content, at + 1);
                last_name = Some(decode_name(&content[at + 1..end]));
                at = end;
            }
            _ => {
                let end = token_end(content, at).max(at + 1);
                let token = &content[at..end];
                at = end;
                if token == b"Do" {
                    if let Some(name) = last_name.take() {
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                } else if token == b"ID" {
                    at = skip_inline_image(content, at);
                }
                last_name = None;
            }
        }
    }
    names
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn token_end(content: &[u8], from: usize) -> usize {
    content[from..]
        .iter()
        .position(|&b| is_whitespace(b) || is_delimiter(b))
        .map_or(content.len(), |p| from + p)
}

fn skip_literal_string(content: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut at = start;
    while at < content.len() {
        match content[at] {
            b'\\' => at += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    content.len()
}

/// Skips inline image data after `ID`: up to an `EI` that stands alone between whitespace.
fn skip_inline_image(content: &[u8], from: usize) -> usize {
    let mut at = from;
    while at + 2 <= content.len() {
        let standalone = content[at..].starts_with(b"EI")
            && at > 0
            && is_whitespace(content[at - 1])
            && content.get(at + 2).is_none_or(|&b| is_whitespace(b));
        if standalone {
            return at + 2;
        }
        at += 1;
    }
    content.len()
}

/// A name token's bytes with `#xx` escapes decoded, as dictionaries store keys.
fn decode_name(raw: &[u8]) -> Vec<u8> {
    let mut name = Vec::with_capacity(raw.len());
    let mut at = 0;
    while at < raw.len() {
        let hex = raw
            .get(at + 1..at + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (raw[at], hex) {
            (b'#', Some(byte)) => {
                name.push(byte);
                at += 3;
            }
            (byte, _) => {
                name.push(byte);
                at += 1;
            }
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Document};

    #[test]
    fn drawn_names_skip_strings_comments_and_inline_images() {
        let content = b"q /Fm1 Do (a /Fake Do) Tj % /Comment Do\n BI /W 1 /H 1 ID \x00/Img Do\x01 EI \
            <</Tag /Not>> BDC /F#202 Do EMC /Fm1 Do /Other Tf";
        assert_eq!(drawn_names(content), vec![b"Fm1".to_vec(), b"F 2".to_vec()]);
        assert!(drawn_names(b"").is_empty());
        assert!(drawn_names(b"((((").is_empty());
        assert!(drawn_names(b"/Do Do Do /").len() == 1);
    }

    /// Forms `ids[i]` drawing `ids[i+1]`, the last drawing `loop_to` if given.
    fn chain(doc: &mut Document, count: usize, loop_to: Option<usize>) -> Vec<ObjectId> {
        let ids: Vec<ObjectId> = (0..count).map(|_| doc.new_object_id()).collect();
        for (i, id) in ids.iter().enumerate() {
            let next = if i + 1 < count { Some(ids[i + 1]) } else { loop_to.map(|j| ids[j]) };
            let (content, resources) = match next {
                Some(next) => (
                    b"/X Do".to_vec(),
                    dictionary! { "XObject" => dictionary! { "X" => Object::Reference(next) } },
                ),
                None => (b"0 0 1 1 re f".to_vec(), dictionary! {}),
            };
            let dict = dictionary! { "Type" => "XObject", "Subtype" => "Form", "Resources" => resources };
            doc.objects.insert(*id, Object::Stream(Stream::new(dict, content)));
        }
        ids
    }

    #[test]
    fn nesting_is_measured_and_bounded() {
        let mut doc = Document::with_version("1.7");
        let ids = chain(&mut doc, 5, None);
        let limits = Limits::default();
        let budget = DecodeBudget::new(1 << 30);
        let mut cuts = Vec::new();
        assert_eq!(FormGraph::default().analyse(&doc, ids[0], &limits, &budget, &mut cuts), Ok(5));
        assert!(cuts.is_empty());
        let tight = Limits { max_form_nesting: 4, ..Limits::default() };
        let error = FormGraph::default().analyse(&doc, ids[0], &tight, &budget, &mut cuts).unwrap_err();
        assert_eq!(error, LimitError::FormsTooDeep { object: ids[0], limit: 4 });
        // A form explored before is not explored again, and still counts.
        let mut graph = FormGraph::default();
        assert_eq!(graph.analyse(&doc, ids[2], &limits, &budget, &mut cuts), Ok(3));
        assert_eq!(graph.analyse(&doc, ids[0], &limits, &budget, &mut cuts), Ok(5));
    }

    #[test]
    fn a_loop_is_cut_where_it_closes() {
        let mut doc = Document::with_version("1.7");
        let ids = chain(&mut doc, 3, Some(0));
        let mut cuts = Vec::new();
        let limits = Limits::default();
        let height =
            FormGraph::default().analyse(&doc, ids[0], &limits, &DecodeBudget::new(1 << 30), &mut cuts);
        assert_eq!(height, Ok(3));
        assert_eq!(cuts, vec![LoopCut { form: ids[2], name: b"X".to_vec(), target: ids[0] }]);
    }

    #[test]
    fn shared_resources_that_are_never_drawn_are_not_a_loop() {
        let mut doc = Document::with_version("1.7");
        let a = doc.new_object_id();
        let shared = doc.add_object(dictionary! { "XObject" => dictionary! { "A" => Object::Reference(a) } });
        let dict = dictionary! { "Type" => "XObject", "Subtype" => "Form", "Resources" => Object::Reference(shared) };
        doc.objects.insert(a, Object::Stream(Stream::new(dict, b"0 0 1 1 re f".to_vec())));
        let mut cuts = Vec::new();
        let height =
            FormGraph::default().analyse(&doc, a, &Limits::default(), &DecodeBudget::new(1 << 30), &mut cuts);
        assert_eq!(height, Ok(1));
        assert!(cuts.is_empty());
    }
}
