//! Progress bars for long work: press sheets written by a job, pages' text read for a text
//! split. Drawn on standard error, only when that is a terminal (a log or a pipe gets the
//! summary alone) and only once the work has run for a second (short work shows no bar at all).

use std::io::IsTerminal as _;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sheetseal_core::job::Progress;

/// How long work runs before its bar appears.
pub const SHOWN_AFTER: Duration = Duration::from_secs(1);

/// A bar that counts from the start but is drawn only once it is due, and only on a terminal.
pub struct DelayedBar {
    bar: ProgressBar,
    started: Instant,
    after: Duration,
    target: Option<fn() -> ProgressDrawTarget>,
    shown: AtomicBool,
}

impl DelayedBar {
    /// A bar of `len` steps labelled `what` (e.g. "press sheets"), for work started at `started`.
    pub fn new(len: u64, what: &str, started: Instant) -> DelayedBar {
        let target = std::io::stderr().is_terminal().then_some(ProgressDrawTarget::stderr as fn() -> _);
        DelayedBar::with_target(len, what, started, SHOWN_AFTER, target)
    }

    fn with_target(
        len: u64,
        what: &str,
        started: Instant,
        after: Duration,
        target: Option<fn() -> ProgressDrawTarget>,
    ) -> DelayedBar {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{wide_bar}} {{human_pos}}/{{human_len}} {what}, {{eta}} left"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        DelayedBar { bar, started, after, target, shown: AtomicBool::new(false) }
    }

    /// Sets how many steps are done.
    pub fn set_position(&self, done: u64) {
        self.bar.set_position(done);
        self.show_when_due();
    }

    /// One more step done.
    pub fn inc(&self) {
        self.bar.inc(1);
        self.show_when_due();
    }

    fn show_when_due(&self) {
        if let Some(target) = self.target {
            if !self.shown.load(Ordering::Relaxed)
                && self.started.elapsed() >= self.after
                && !self.shown.swap(true, Ordering::Relaxed)
            {
                self.bar.set_draw_target(target());
            }
        }
    }

    /// Whether the bar is drawn.
    #[cfg(test)]
    fn is_shown(&self) -> bool {
        self.shown.load(Ordering::Relaxed)
    }

    /// Takes the bar off the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A job's bar of press sheets written; made at the first report, when the total is known.
pub struct JobProgress {
    started: Instant,
    bar: Option<DelayedBar>,
}

impl JobProgress {
    /// The bar of a job started at `started`; `None` when standard error is not a terminal.
    pub fn on_terminal(started: Instant) -> Option<JobProgress> {
        std::io::stderr().is_terminal().then_some(JobProgress { started, bar: None })
    }

    /// Shows `progress`; never stops the job.
    pub fn update(&mut self, progress: Progress) -> ControlFlow<()> {
        let started = self.started;
        let bar = self
            .bar
            .get_or_insert_with(|| DelayedBar::new(progress.sheets_total as u64, "press sheets", started));
        bar.set_position(progress.sheets_done as u64);
        ControlFlow::Continue(())
    }

    /// Takes the bar off the terminal before the summary is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_counts_from_the_start_and_is_drawn_only_when_due_and_on_a_terminal() {
        let started = Instant::now();
        let hidden = Some(ProgressDrawTarget::hidden as fn() -> _);
        let early = DelayedBar::with_target(40, "sheets", started, Duration::from_secs(3600), hidden);
        early.set_position(7);
        assert!(!early.is_shown(), "work younger than the delay shows nothing");
        assert_eq!(early.bar.position(), 7, "but is counted");

        let due = DelayedBar::with_target(40, "sheets", started, Duration::ZERO, hidden);
        due.inc();
        due.inc();
        assert!(due.is_shown());
        assert_eq!((due.bar.position(), due.bar.length()), (2, Some(40)));
        due.finish();
        assert!(due.bar.is_finished());

        let no_terminal = DelayedBar::with_target(40, "sheets", started, Duration::ZERO, None);
        no_terminal.inc();
        assert!(!no_terminal.is_shown(), "nothing is drawn where standard error is not a terminal");
    }

    #[test]
    fn a_job_bar_follows_the_sheets_and_never_stops_the_job() {
        let mut job = JobProgress { started: Instant::now(), bar: None };
        for done in [1, 7] {
            let progress = Progress { items_total: 10, sheets_done: done, sheets_total: 40 };
            assert_eq!(job.update(progress), ControlFlow::Continue(()));
        }
        let bar = job.bar.as_ref().expect("made at the first report");
        assert_eq!((bar.bar.position(), bar.bar.length()), (7, Some(40)));
    }
}
