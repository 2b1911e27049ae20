//! Non-fatal findings that a job records in its manifest.

use serde::{Deserialize, Serialize};

/// Something the job worked around or removed; never customer text, only codes and positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// A stable machine-readable code, e.g. `annotations-dropped`.
    pub code: String,
    /// The input file's position in the job (0-based), when the warning concerns an input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<usize>,
    /// The 1-based page number in that input, when the warning concerns a page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<usize>,
    /// A short explanation for operators.
    pub message: String,
}

impl Warning {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Warning { code: code.to_string(), input: None, page: None, message: message.into() }
    }

    pub fn on_page(mut self, page: usize) -> Self {
        self.page = Some(page);
        self
    }
}
