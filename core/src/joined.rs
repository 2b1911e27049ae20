//! A thread that is waited for when dropped, so that it never outlasts what started it (a
//! failed job must not leave a thread behind that still flushes, renames or removes its files).

use std::thread::JoinHandle;

/// A named thread, joined by [`Joined::join`] or, at the latest, when dropped.
pub(crate) struct Joined<T>(Option<JoinHandle<T>>);

impl<T: Send + 'static> Joined<T> {
    /// Starts `work` on a thread named `name`.
    pub(crate) fn spawn(name: &str, work: impl FnOnce() -> T + Send + 'static) -> std::io::Result<Joined<T>> {
        let thread = std::thread::Builder::new().name(name.to_string()).spawn(work)?;
        Ok(Joined(Some(thread)))
    }

    /// [`Joined::spawn`] for work that may be left undone: without a thread to be had, `work`
    /// is dropped unrun and joining gives nothing.
    pub(crate) fn spawn_or_none(name: &str, work: impl FnOnce() -> T + Send + 'static) -> Joined<T> {
        Joined::spawn(name, work).unwrap_or_else(|_| Joined::none())
    }
}

impl<T> Joined<T> {
    /// No thread: joining gives nothing.
    pub(crate) fn none() -> Joined<T> {
        Joined(None)
    }

    /// Waits for the thread; what it returned, or its panic. `None` once joined, or if none was
    /// started.
    pub(crate) fn join(&mut self) -> Option<std::thread::Result<T>> {
        self.0.take().map(JoinHandle::join)
    }
}

impl<T> Drop for Joined<T> {
    fn drop(&mut self) {
        let _ = self.join();
    }
}
