//! The progress bar of a running job: press sheets written out of all, with the rate and the
//! time left. Drawn on standard error, only when that is a terminal (a log or a pipe gets the
//! summary alone) and only once the job has run for a second (a short job shows no bar at all).

use std::io::IsTerminal as _;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sheetseal_core::job::Progress;

/// How long a job runs before its bar appears.
pub const SHOWN_AFTER: Duration = Duration::from_secs(1);

/// A job's bar, made when it is first due.
pub struct JobProgress {
    started: Instant,
    after: Duration,
    target: fn() -> ProgressDrawTarget,
    bar: Option<ProgressBar>,
}

impl JobProgress {
    /// The bar of a job started at `started`, drawn on standard error; `None` when that is not a
    /// terminal.
    pub fn on_terminal(started: Instant) -> Option<JobProgress> {
        std::io::stderr()
            .is_terminal()
            .then(|| JobProgress::new(started, SHOWN_AFTER, ProgressDrawTarget::stderr))
    }

    fn new(started: Instant, after: Duration, target: fn() -> ProgressDrawTarget) -> JobProgress {
        JobProgress { started, after, target, bar: None }
    }

    /// Shows `progress`; never stops the job.
    pub fn update(&mut self, progress: Progress) -> ControlFlow<()> {
        if self.bar.is_none() && self.started.elapsed() >= self.after {
            let bar = ProgressBar::with_draw_target(Some(progress.sheets_total as u64), (self.target)());
            bar.set_style(
                ProgressStyle::with_template("{wide_bar} {human_pos}/{human_len} press sheets, {eta} left")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(progress.sheets_done as u64);
        }
        ControlFlow::Continue(())
    }

    /// Takes the bar off the terminal before the summary is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(sheets_done: usize) -> Progress {
        Progress { items_total: 10, sheets_done, sheets_total: 40 }
    }

    #[test]
    fn no_bar_before_its_time_then_one_that_follows_the_sheets() {
        let started = Instant::now();
        let mut early = JobProgress::new(started, Duration::from_secs(3600), ProgressDrawTarget::hidden);
        assert_eq!(early.update(progress(1)), ControlFlow::Continue(()));
        assert!(early.bar.is_none(), "a job younger than the delay shows nothing");

        let mut due = JobProgress::new(started, Duration::ZERO, ProgressDrawTarget::hidden);
        for done in [1, 7] {
            assert_eq!(due.update(progress(done)), ControlFlow::Continue(()), "the bar never stops a job");
        }
        let bar = due.bar.as_ref().expect("a bar once the delay has passed");
        assert_eq!((bar.position(), bar.length()), (7, Some(40)));
        due.finish();
        assert!(bar.is_finished());
    }
}
