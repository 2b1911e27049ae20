//! The objects of one output file by what they say, so that an object that says the same as one
//! already written gets that one's number instead of being written again.
//!
//! "The same" is byte for byte as written, with the objects it refers to already numbered: two
//! fonts are one when their dictionaries and font programs are, whichever inputs carry them. A
//! folder of one file a letter carries the same font and logo in every file; the print file
//! holds them once, and the printer's RIP reads them once.
//!
//! What is kept of each object is its number and the SHA-256 of its bytes (of a stream, of its
//! dictionary and of its data): nothing of the input, which a folder of one file a letter reads
//! only while its pages are being written. Nothing an input carries can make two different
//! objects one.

use foldhash::HashMap;
use sha2::{Digest, Sha256};
use std::collections::hash_map::Entry;

/// What an object says, as it is written to the output (references renumbered).
pub enum Content<'c> {
    /// Anything but a stream: its bytes.
    Plain(Vec<u8>),
    /// A stream: its dictionary's bytes (without `/Length`) and its data as the input holds it.
    Stream { head: Vec<u8>, data: &'c [u8] },
}

/// The objects written to one output file, by content.
#[derive(Default)]
pub struct SharedObjects {
    /// By the SHA-256 of their bytes.
    plain: HashMap<[u8; 32], u32>,
    /// By the SHA-256 of the dictionary and that of the data.
    streams: HashMap<([u8; 32], [u8; 32]), u32>,
}

/// The output number for some content, and whether the object is still to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbered {
    /// Nothing said this before: the object gets a new number and must be written.
    New(u32),
    /// Object `0` already says this.
    Written(u32),
}

impl SharedObjects {
    /// The number of the object written before with `content`, or a new one from `reserve`,
    /// remembered for what comes after.
    pub fn number(&mut self, content: &Content<'_>, reserve: impl FnOnce() -> u32) -> Numbered {
        match content {
            Content::Plain(bytes) => number_of(self.plain.entry(Sha256::digest(bytes).into()), reserve),
            Content::Stream { head, data } => {
                let key = (Sha256::digest(head).into(), Sha256::digest(data).into());
                number_of(self.streams.entry(key), reserve)
            }
        }
    }
}

/// The number `known` holds, or a new one from `reserve` that it then holds.
fn number_of<K>(known: Entry<'_, K, u32>, reserve: impl FnOnce() -> u32) -> Numbered {
    match known {
        Entry::Occupied(known) => Numbered::Written(*known.get()),
        Entry::Vacant(slot) => Numbered::New(*slot.insert(reserve())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_content_gets_the_first_number_and_nothing_else_does() {
        // The same bytes elsewhere in memory, as another input would hold them.
        let font_again = b"font".to_vec();
        let mut shared = SharedObjects::default();
        let mut next = 0;
        let mut reserve = || {
            next += 1;
            next
        };
        let plain = |text: &str| Content::Plain(text.as_bytes().to_vec());
        let head = |text: &str| text.as_bytes().to_vec();
        assert_eq!(shared.number(&plain("<</A 1>>"), &mut reserve), Numbered::New(1));
        assert_eq!(shared.number(&plain("<</A 2>>"), &mut reserve), Numbered::New(2));
        assert_eq!(shared.number(&plain("<</A 1>>"), &mut reserve), Numbered::Written(1));
        let font = Content::Stream { head: head("<<>>"), data: b"font" };
        assert_eq!(shared.number(&font, &mut reserve), Numbered::New(3));
        // Other data, another dictionary, or the same bytes as a plain object: not the same.
        let other_data = Content::Stream { head: head("<<>>"), data: b"fonT" };
        assert_eq!(shared.number(&other_data, &mut reserve), Numbered::New(4));
        let other_head = Content::Stream { head: head("<</F 1>>"), data: b"font" };
        assert_eq!(shared.number(&other_head, &mut reserve), Numbered::New(5));
        assert_eq!(shared.number(&plain("<<>>"), &mut reserve), Numbered::New(6));
        let same = Content::Stream { head: head("<<>>"), data: &font_again };
        assert_eq!(shared.number(&same, &mut reserve), Numbered::Written(3));
        let same_other = Content::Stream { head: head("<<>>"), data: b"fonT" };
        assert_eq!(shared.number(&same_other, &mut reserve), Numbered::Written(4));
    }
}
