//! The text rule's pages, read by worker processes. pdfium serialises every call in a process
//! and reading one page's text costs about a millisecond, so a large input's pages are shared out
//! among workers (this same program, run as `sheetseal text-worker`), one per core, each reading
//! a contiguous range and matching the rule's pattern there; what they find is put back in page
//! order, and no page's text leaves its worker. The decompression limits are checked over the
//! whole input first, as a single reader counts them. The request, password included, goes to a
//! worker on its standard input, never on its command line.

use std::io::{BufWriter, Write as _};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sheetseal_core::ingest::{self, FileIdentity, IngestOptions, SourceDocument};
use sheetseal_core::limits::Limits;
use sheetseal_core::split::{text, PageMatch, SplitError, TextRule};

use crate::job_progress::DelayedBar;

/// Fewer pages than this a worker are read in this process: starting a worker and opening the
/// input there costs about what reading this many pages does.
const MIN_PAGES_PER_WORKER: usize = 64;
/// How many workers read page text, instead of one per core (1: none, the job reads them).
pub const WORKERS_VAR: &str = "SHEETSEAL_TEXT_WORKERS";

/// What one worker reads.
#[derive(Serialize, Deserialize)]
struct Request {
    path: PathBuf,
    /// The input's page count as the job sees it; the worker refuses an input that differs.
    pages: usize,
    /// The file the job read; the worker refuses to read another (a replaced upload).
    identity: FileIdentity,
    first: usize,
    end: usize,
    rule: TextRule,
    password: Option<String>,
    limits: Limits,
}

/// What `rule` finds on every page of `source`, in page order: a [`text::TextReader`].
pub fn page_matches(
    rule: &TextRule,
    source: &SourceDocument,
    password: Option<&str>,
) -> Result<Vec<Option<PageMatch>>, SplitError> {
    let pages = source.pages.len();
    let workers = match std::env::var(WORKERS_VAR).ok().and_then(|n| n.parse::<usize>().ok()) {
        Some(asked) => asked.min(pages),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()).min(pages / MIN_PAGES_PER_WORKER),
    };
    let (Some(identity), true) = (source.identity(), workers >= 2) else {
        return text::page_matches(rule, source, password);
    };
    text::check_pages(source)?;
    let failed = |detail: String| SplitError::TextReader { path: source.path.clone(), detail };
    let exe =
        std::env::current_exe().map_err(|e| failed(format!("cannot find the sheetseal program: {e}")))?;
    let bar = DelayedBar::new(pages as u64, "pages' text read", Instant::now());
    let share = pages.div_ceil(workers);
    let requests: Vec<Request> = (0..pages)
        .step_by(share)
        .map(|first| Request {
            path: source.path.clone(),
            pages,
            identity,
            first,
            end: (first + share).min(pages),
            rule: rule.clone(),
            password: password.map(str::to_string),
            limits: source.limits.clone(),
        })
        .collect();
    let shares: Vec<Result<Vec<Option<PageMatch>>>> = std::thread::scope(|scope| {
        let running: Vec<_> =
            requests.iter().map(|request| scope.spawn(|| run_worker(&exe, request, &bar))).collect();
        running
            .into_iter()
            .map(|worker| worker.join().unwrap_or_else(|_| bail!("a worker thread panicked")))
            .collect()
    });
    bar.finish();
    let mut matches = Vec::with_capacity(pages);
    for share in shares {
        matches.extend(share.map_err(|e| failed(format!("{e:#}")))?);
    }
    Ok(matches)
}

/// Runs one worker to the end: what it found, or what it said when it failed.
fn run_worker(exe: &std::path::Path, request: &Request, bar: &DelayedBar) -> Result<Vec<Option<PageMatch>>> {
    let mut command = Command::new(exe);
    command.arg("text-worker");
    let mut matches = Vec::with_capacity(request.end - request.first);
    crate::workers::run(command, "text", &serde_json::to_vec(request)?, |line| {
        matches.push(serde_json::from_str(&line).context("a text worker wrote something else")?);
        bar.inc();
        Ok(())
    })?;
    if matches.len() != request.end - request.first {
        bail!("a text worker read {} pages of {}", matches.len(), request.end - request.first);
    }
    Ok(matches)
}

/// `sheetseal text-worker`: reads a request on standard input and prints what the rule finds on
/// each of its pages, one JSON value a line (`null` where it finds nothing).
pub fn worker() -> Result<()> {
    let request: Request =
        serde_json::from_reader(std::io::stdin().lock()).context("not a text worker request")?;
    let options = IngestOptions { password: request.password.clone(), limits: request.limits.clone() };
    let source = ingest::open(&request.path, &options)?;
    if source.identity() != Some(request.identity) {
        bail!("{}", ingest::changed_input(&request.path));
    }
    if source.pages.len() != request.pages || request.first > request.end || request.end > request.pages {
        bail!("{}: {} pages here, the job saw {}", request.path.display(), source.pages.len(), request.pages);
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    let write_failed =
        |e: std::io::Error| SplitError::TextReader { path: request.path.clone(), detail: e.to_string() };
    text::read_page_matches(
        &request.rule,
        &source,
        request.password.as_deref(),
        request.first..request.end,
        |found| {
            serde_json::to_writer(&mut out, &found).map_err(|e| write_failed(e.into()))?;
            // Each page is handed over as soon as it is read (the parent's progress bar counts them).
            out.write_all(b"\n").and_then(|()| out.flush()).map_err(write_failed)
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_through_json() {
        let rule =
            TextRule { region: Some("60,280,90,10".parse().unwrap()), ..TextRule::new("Page 1 of").unwrap() };
        let request = Request {
            path: "in.pdf".into(),
            pages: 300,
            identity: FileIdentity::of_file(&std::fs::File::open(std::env::current_exe().unwrap()).unwrap())
                .unwrap(),
            first: 150,
            end: 300,
            rule: rule.clone(),
            password: Some("secret".into()),
            limits: Limits::default(),
        };
        let json = serde_json::to_string(&request).unwrap();
        let back: Request = serde_json::from_str(&json).unwrap();
        assert_eq!((back.first, back.end, back.password.as_deref()), (150, 300, Some("secret")));
        assert_eq!((back.rule, back.identity), (rule, request.identity));
    }
}
