//! Waiting for something to become true, instead of sleeping and hoping: poll a condition until
//! it holds or a deadline passes, then fail with what was awaited and what was last seen.
//!
//! ```no_run
//! # async fn example(ready: impl Fn() -> bool) {
//! use std::time::Duration;
//! test_support::wait_until(|| async { ready() }, Duration::from_secs(30), "the server is ready")
//!     .await;
//! # }
//! ```

use std::fmt::Display;
use std::future::Future;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long to wait between two looks.
const POLL: Duration = Duration::from_millis(100);

/// Waits until `condition` answers `true`, looking every 100 ms; after `timeout`, fails with
/// `what` (what was awaited).
pub async fn wait_until<F, Fut>(mut condition: F, timeout: Duration, what: &str)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    wait_for(
        || {
            let check = condition();
            async move {
                if check.await {
                    Ok(())
                } else {
                    Err("not yet")
                }
            }
        },
        timeout,
        what,
    )
    .await;
}

/// Waits until `attempt` answers `Ok`, looking every 100 ms, and returns its value; after
/// `timeout`, fails with `what` and the last `Err` (what was seen instead).
pub async fn wait_for<T, E, F, Fut>(mut attempt: F, timeout: Duration, what: &str) -> T
where
    E: Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(seen) => assert!(
                Instant::now() < deadline,
                "{what}: not within {timeout:?}; last seen: {seen}"
            ),
        }
        tokio::time::sleep(POLL).await;
    }
}

/// [`wait_until`] for code outside an async runtime (a thread of its own, a `Drop`).
pub fn blocking_wait_until(mut condition: impl FnMut() -> bool, timeout: Duration, what: &str) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until something accepts connections on 127.0.0.1:`port`.
pub async fn until_listening(port: u16, timeout: Duration, what: &str) {
    wait_until(
        || async move { TcpStream::connect(("127.0.0.1", port)).is_ok() },
        timeout,
        what,
    )
    .await;
}
