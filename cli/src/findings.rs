//! A check that ran to the end and found problems (verify, reconcile, returns): not an error of
//! the program or its input, so it has an exit status of its own.

/// The check's one-line verdict; the command has already printed its report.
#[derive(Debug)]
pub struct Findings(pub String);

impl std::fmt::Display for Findings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Findings {}
