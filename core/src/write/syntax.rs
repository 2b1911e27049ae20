//! Serialising PDF objects, with references renumbered on the way out.

use lopdf::{Dictionary, Object, ObjectId, StringFormat};

use crate::geometry::fmt_num;

/// Appends `object` in PDF syntax; every reference goes through `renumber`, which returns the
/// output object number, or `None` when the reference must become `null` (e.g. a link to a page
/// of the input that is not copied).
pub fn write_object(object: &Object, out: &mut Vec<u8>, renumber: &mut dyn FnMut(ObjectId) -> Option<u32>) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => push_integer(*i, out),
        Object::Real(r) => fmt_num(f64::from(*r), out),
        Object::Name(name) => write_name(name, out),
        Object::String(bytes, format) => write_string(bytes, *format, out),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(item, out, renumber);
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => write_dictionary(dict, &[], out, renumber),
        Object::Stream(stream) => write_stream(&stream.dict, &stream.content, out, renumber),
        Object::Reference(id) => match renumber(*id) {
            Some(n) => push_reference(n, out),
            None => out.extend_from_slice(b"null"),
        },
    }
}

/// Appends a whole number.
pub fn push_integer(value: impl itoa::Integer, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Appends a reference to output object `number`: `number 0 R`.
pub fn push_reference(number: u32, out: &mut Vec<u8>) {
    push_integer(number, out);
    out.extend_from_slice(b" 0 R");
}

/// Appends a dictionary, leaving out the keys in `skip`.
pub fn write_dictionary(
    dict: &Dictionary,
    skip: &[&[u8]],
    out: &mut Vec<u8>,
    renumber: &mut dyn FnMut(ObjectId) -> Option<u32>,
) {
    out.extend_from_slice(b"<<");
    for (key, value) in dict.iter() {
        if skip.contains(&key.as_slice()) {
            continue;
        }
        write_name(key, out);
        out.push(b' ');
        write_object(value, out, renumber);
    }
    out.extend_from_slice(b">>");
}

/// Appends a stream object: its dictionary (without any `/Length` of its own), the exact
/// `/Length` of `content`, and the content bytes unchanged.
pub fn write_stream(
    dict: &Dictionary,
    content: &[u8],
    out: &mut Vec<u8>,
    renumber: &mut dyn FnMut(ObjectId) -> Option<u32>,
) {
    write_stream_head(dict, content.len(), out, renumber);
    out.extend_from_slice(content);
    out.extend_from_slice(STREAM_END);
}

/// What follows a stream's data.
pub const STREAM_END: &[u8] = b"\nendstream";

/// A stream's dictionary with `/Length length`, and the `stream` keyword: what comes before its
/// data.
pub fn write_stream_head(
    dict: &Dictionary,
    length: usize,
    out: &mut Vec<u8>,
    renumber: &mut dyn FnMut(ObjectId) -> Option<u32>,
) {
    write_dictionary(dict, &[b"Length"], out, renumber);
    // Replace the closing ">>" with the length entry and close again.
    out.truncate(out.len() - 2);
    out.extend_from_slice(b"/Length ");
    out.extend_from_slice(length.to_string().as_bytes());
    out.extend_from_slice(b">>\nstream\n");
}

fn write_name(name: &[u8], out: &mut Vec<u8>) {
    out.push(b'/');
    for &b in name {
        let delimiter =
            matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%' | b'#');
        if (0x21..=0x7e).contains(&b) && !delimiter {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

fn write_string(bytes: &[u8], format: StringFormat, out: &mut Vec<u8>) {
    let printable = bytes.iter().all(|&b| (0x20..0x7f).contains(&b));
    if format == StringFormat::Hexadecimal || !printable {
        out.push(b'<');
        for b in bytes {
            out.extend_from_slice(format!("{b:02X}").as_bytes());
        }
        out.push(b'>');
        return;
    }
    out.push(b'(');
    push_literal_contents(bytes.iter().copied(), out);
    out.push(b')');
}

/// Appends `bytes` as the inside of a literal string, `(`, `)` and `\` escaped.
pub fn push_literal_contents(bytes: impl IntoIterator<Item = u8>, out: &mut Vec<u8>) {
    for b in bytes {
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    fn render(object: &Object) -> String {
        let mut out = Vec::new();
        write_object(object, &mut out, &mut |id| (id.0 != 99).then_some(id.0 + 100));
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn objects_serialise_with_renumbered_references() {
        let dict = dictionary! {
            "Type" => "Font",
            "A B" => Object::Reference((5, 0)),
            "Gone" => Object::Reference((99, 0)),
            "S" => Object::string_literal("a(b)\\"),
            "Bin" => Object::String(vec![0, 255], StringFormat::Literal),
            "R" => 1.5,
            "L" => vec![Object::Integer(1), Object::Null, Object::Boolean(true)],
        };
        assert_eq!(
            render(&Object::Dictionary(dict)),
            "<</Type /Font/A#20B 105 0 R/Gone null/S (a\\(b\\)\\\\)/Bin <00FF>/R 1.5/L [1 null true]>>"
        );
    }

    #[test]
    fn streams_get_their_exact_length() {
        let stream = Stream::new(dictionary! { "Length" => 999, "Filter" => "FlateDecode" }, b"abc".to_vec());
        assert_eq!(
            render(&Object::Stream(stream)),
            "<</Filter /FlateDecode/Length 3>>\nstream\nabc\nendstream"
        );
    }
}
