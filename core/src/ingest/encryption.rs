//! How an encrypted input was opened, for the manifest.
//!
//! PDF encryption has two passwords. The user password opens the file; the owner password only
//! restricts what a viewer lets one do (print, copy, edit). A file with an empty user password
//! opens for anyone and is "protected" by its owner password alone: sheetseal prints it, since
//! printing is what it was sent for, and says so. A file with a user password opens only with
//! `--password`.

use lopdf::{Document, Object, Permissions};

use crate::warning::Warning;

/// How the input was protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    None,
    /// Restrictions only: it opens without a password.
    OwnerPasswordOnly {
        printing_allowed: bool,
    },
    /// It opened with the password given.
    UserPassword,
}

/// How `doc` (already opened and decrypted by the reader) was protected. The reader tries the
/// empty password first, so a file that also opens without one is owner-password-only whether a
/// password was given or not.
pub fn protection(doc: &Document, password_given: bool) -> Protection {
    let Some(state) = &doc.encryption_state else {
        return Protection::None;
    };
    let owner_only = !password_given || opens_without_password(doc, state);
    if owner_only {
        Protection::OwnerPasswordOnly {
            printing_allowed: state.permissions().contains(Permissions::PRINTABLE),
        }
    } else {
        Protection::UserPassword
    }
}

/// Checks the empty user password against the encryption dictionary the file had.
fn opens_without_password(doc: &Document, state: &lopdf::EncryptionState) -> bool {
    let Ok(dictionary) = state.encode() else {
        return false;
    };
    let mut probe = Document::with_version(doc.version.as_str());
    let id = probe.add_object(Object::Dictionary(dictionary));
    probe.trailer.set("Encrypt", Object::Reference(id));
    if let Ok(file_id) = doc.trailer.get(b"ID") {
        probe.trailer.set("ID", file_id.clone());
    }
    probe.authenticate_user_password("").is_ok()
}

/// The manifest warning for how the input was opened, if it was encrypted.
pub fn warning(protection: Protection) -> Option<Warning> {
    match protection {
        Protection::None => None,
        Protection::OwnerPasswordOnly { printing_allowed } => Some(Warning::new(
            "input-owner-password-only",
            format!(
                "the input is protected by an owner password only (restrictions, no password to open it); it was opened without a password and printed, as it was sent to be; the output carries no encryption or restrictions{}",
                if printing_allowed {
                    ""
                } else {
                    ". Its permissions say it may not be printed: check that the customer meant to send it"
                }
            ),
        )),
        Protection::UserPassword => Some(Warning::new(
            "input-decrypted",
            "the input was encrypted with a password to open it; it was opened with the password given and the output is written without encryption",
        )),
    }
}
