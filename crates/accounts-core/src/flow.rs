//! The one browser flow of a kind that may be in progress: a sign-in waiting for the browser, or
//! a request waiting for the user to confirm their identity there.
//!
//! Starting a flow puts it in its [`FlowSlot`] with a handle that can stop it from elsewhere (the
//! UI's Cancel). Finishing takes it out and runs it to its end. Each flow is tagged with a number
//! of its own, so a flow that ends late (one a newer flow replaced while it was finishing) clears
//! only its own handle and never takes away the newer flow's.
//!
//! ```
//! # use accounts_core::flow::{FlowSlot, StopFlow};
//! # #[derive(Clone)] struct Handle; impl StopFlow for Handle { fn stop(&self) {} }
//! # async fn example() {
//! let slot: FlowSlot<&str, Handle> = FlowSlot::default();
//! slot.put("a flow", Handle);
//! let ended = slot.run(|flow| async move { flow.len() }).await; // Some(6)
//! slot.cancel(); // stops whichever flow is current; nothing here
//! # assert_eq!(ended, Some(6)); }
//! ```

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use url::Url;

use crate::browser::{BrowserError, BrowserHandoff, Opener};
use crate::loopback::CancelHandle;

/// What stops a flow from outside it.
pub trait StopFlow: Clone + Send + 'static {
    /// Ends the flow (it then finishes as cancelled). Never blocks.
    fn stop(&self);
}

impl StopFlow for CancelHandle {
    fn stop(&self) {
        self.cancel();
    }
}

/// One flow of a kind in progress; see the module documentation.
pub struct FlowSlot<T, H = CancelHandle> {
    pending: Mutex<Option<(u64, T)>>,
    handle: Mutex<Option<(u64, H)>>,
    next: AtomicU64,
}

impl<T, H> Default for FlowSlot<T, H> {
    fn default() -> Self {
        Self {
            pending: Mutex::new(None),
            handle: Mutex::new(None),
            next: AtomicU64::new(0),
        }
    }
}

impl<T, H> std::fmt::Debug for FlowSlot<T, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowSlot").finish_non_exhaustive()
    }
}

fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T, H: StopFlow> FlowSlot<T, H> {
    /// Makes `flow` the current one, stoppable through `handle`. A flow still waiting here is
    /// dropped; callers stop the earlier flow first ([`Self::cancel`]).
    pub fn put(&self, flow: T, handle: H) {
        let tag = self.next.fetch_add(1, Ordering::Relaxed);
        *lock(&self.handle) = Some((tag, handle));
        *lock(&self.pending) = Some((tag, flow));
    }

    /// Makes `flow` the current one and opens `url`, its first page, in the system browser
    /// through `opener` (or hands the address back to be copied). A refused address stops the
    /// flow at once: nothing waits on a page that was never shown.
    pub fn open(
        &self,
        flow: T,
        handle: H,
        url: &Url,
        opener: &Opener,
    ) -> Result<BrowserHandoff, BrowserError> {
        self.put(flow, handle);
        opener.hand_off(url).inspect_err(|_| self.cancel())
    }

    /// Takes the current flow and runs it to its end with `finish`; `None` when there is none
    /// (it was cancelled, or already finished). Its handle is cleared afterwards, unless a newer
    /// flow has taken the slot meanwhile.
    pub async fn run<F, Fut>(&self, finish: F) -> Option<Fut::Output>
    where
        F: FnOnce(T) -> Fut,
        Fut: Future,
    {
        let (tag, flow) = lock(&self.pending).take()?;
        let ended = finish(flow).await;
        let mut handle = lock(&self.handle);
        if handle.as_ref().is_some_and(|(current, _)| *current == tag) {
            handle.take();
        }
        Some(ended)
    }

    /// Stops the current flow, if any: one being run ends as cancelled, one not yet run is
    /// dropped.
    pub fn cancel(&self) {
        let handle = lock(&self.handle).take();
        lock(&self.pending).take();
        if let Some((_, handle)) = handle {
            handle.stop();
        }
    }

    /// Calls `act` with the current flow's handle, if there is one (to nudge it, say).
    pub fn with_handle(&self, act: impl FnOnce(&H)) {
        if let Some((_, handle)) = lock(&self.handle).as_ref() {
            act(handle);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    use super::*;

    /// Counts how often it was told to stop.
    #[derive(Clone, Default)]
    struct Counter(Arc<AtomicUsize>);
    impl StopFlow for Counter {
        fn stop(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    impl Counter {
        fn stops(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    #[tokio::test]
    async fn a_flow_ending_late_leaves_the_newer_flows_handle_alone() {
        let slot: Arc<FlowSlot<tokio::sync::oneshot::Receiver<()>, Counter>> = Arc::default();
        let (first_ends, first) = tokio::sync::oneshot::channel();
        let first_handle = Counter::default();
        slot.put(first, first_handle.clone());
        let running = {
            let slot = Arc::clone(&slot);
            tokio::spawn(async move { slot.run(|ends| async move { ends.await.is_ok() }).await })
        };
        tokio::task::yield_now().await;

        // A second flow starts while the first is still finishing.
        slot.cancel();
        let (_second_ends, second) = tokio::sync::oneshot::channel();
        let second_handle = Counter::default();
        slot.put(second, second_handle.clone());
        first_ends.send(()).expect("the first flow is running");
        assert_eq!(
            running.await.expect("task"),
            Some(true),
            "the first flow ended"
        );

        slot.cancel();
        assert_eq!(first_handle.stops(), 1, "the first flow was stopped once");
        assert_eq!(
            second_handle.stops(),
            1,
            "cancelling after the first flow ended late still stops the second"
        );
    }

    #[tokio::test]
    async fn a_cancelled_flow_is_not_run() {
        let slot: FlowSlot<u8, Counter> = FlowSlot::default();
        slot.put(1, Counter::default());
        slot.cancel();
        assert_eq!(slot.run(|n| async move { n }).await, None);
    }
}
