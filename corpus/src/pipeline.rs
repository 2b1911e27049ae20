//! Ordered parallel production: jobs are made on worker threads and consumed strictly in job
//! order on the calling thread, so the output does not depend on thread timing.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

/// How many threads to make jobs on: the machine's parallelism, at most 8.
pub(crate) fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Makes jobs `0..jobs` with `make` and passes them to `consume` in order.
///
/// Each worker has its own state from `init`; all states are returned at the end (in worker
/// order, which is not significant). With `threads <= 1` everything runs on this thread. Workers
/// run at most a few jobs ahead of `consume`, so memory stays bounded. If `consume` fails, the
/// workers stop and its error is returned.
pub(crate) fn run_ordered<S, T, E>(
    jobs: usize,
    threads: usize,
    init: impl Fn() -> S + Sync,
    make: impl Fn(&mut S, usize) -> T + Sync,
    mut consume: impl FnMut(T) -> Result<(), E>,
) -> Result<Vec<S>, E>
where
    S: Send,
    T: Send,
{
    if threads <= 1 || jobs <= 1 {
        let mut state = init();
        for job in 0..jobs {
            consume(make(&mut state, job))?;
        }
        return Ok(vec![state]);
    }
    let window = 4 * threads;
    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let consumed = Mutex::new(0usize);
    let progress = Condvar::new();
    let (tx, rx) = mpsc::channel::<(usize, T)>();

    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let tx = tx.clone();
                let (next, abort, consumed, progress) = (&next, &abort, &consumed, &progress);
                let (init, make) = (&init, &make);
                scope.spawn(move || {
                    let mut state = init();
                    loop {
                        let job = next.fetch_add(1, Ordering::Relaxed);
                        if job >= jobs {
                            break;
                        }
                        {
                            let mut done = consumed.lock().unwrap_or_else(|e| e.into_inner());
                            while job >= *done + window && !abort.load(Ordering::Relaxed) {
                                done = progress.wait(done).unwrap_or_else(|e| e.into_inner());
                            }
                        }
                        if abort.load(Ordering::Relaxed) {
                            break;
                        }
                        if tx.send((job, make(&mut state, job))).is_err() {
                            break;
                        }
                    }
                    state
                })
            })
            .collect();
        drop(tx);

        let mut result = Ok(());
        let mut waiting = BTreeMap::new();
        let mut expected = 0;
        'receive: for (job, value) in rx.iter() {
            waiting.insert(job, value);
            while let Some(value) = waiting.remove(&expected) {
                if let Err(e) = consume(value) {
                    result = Err(e);
                    break 'receive;
                }
                expected += 1;
                *consumed.lock().unwrap_or_else(|e| e.into_inner()) = expected;
                progress.notify_all();
            }
        }
        if result.is_err() {
            abort.store(true, Ordering::Relaxed);
            // Take the lock so no worker misses the wake-up between its check and its wait.
            drop(consumed.lock().unwrap_or_else(|e| e.into_inner()));
            progress.notify_all();
        }
        drop(rx);
        let states: Vec<S> =
            workers.into_iter().map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect();
        result.map(|()| states)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept_whatever_the_threads() {
        for threads in [1, 2, 5] {
            let mut seen = Vec::new();
            let states = run_ordered(
                100,
                threads,
                || 0usize,
                |count, job| {
                    *count += 1;
                    // Uneven work so that jobs finish out of order.
                    std::thread::sleep(std::time::Duration::from_micros((job % 7) as u64 * 50));
                    job * 2
                },
                |v| {
                    seen.push(v);
                    Ok::<(), ()>(())
                },
            )
            .unwrap();
            assert_eq!(seen, (0..100).map(|j| j * 2).collect::<Vec<_>>());
            assert_eq!(states.iter().sum::<usize>(), 100);
        }
    }

    #[test]
    fn a_failing_consumer_stops_the_workers() {
        let mut n = 0;
        let r = run_ordered(
            10_000,
            3,
            || (),
            |_, job| job,
            |job| {
                n += 1;
                if job == 20 {
                    Err("stop")
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(r.unwrap_err(), "stop");
        assert_eq!(n, 21);
    }
}
