//! What the integration tests in `tests/` share: the EMS reference server with its users, a real
//! Synapse (trusting the sandbox for single sign-on or not), the app under WebDriver with its
//! `$BROWSER`, a cookie-keeping scripted browser, headless Chromium, and the small servers and
//! checks the tests need around them.
//!
//! A dev-dependency only. It knows nothing of `accounts-core` or the app crate: the tests bring
//! those, and this crate brings the world around them.
//!
//! ```no_run
//! # async fn example() {
//! use test_support::sandbox::SandboxBuilder;
//! use test_support::sso::SsoStack;
//!
//! // The sandbox with one user, as the identity provider of a real Synapse.
//! let stack = SsoStack::builder(
//!     SandboxBuilder::new().user("erin@example.org", "Erin", Some("erin"), "a long password"),
//! )
//! .start()
//! .await;
//! # let _ = stack;
//! # }
//! ```

// A fixture fails its test by panicking, with a message saying what went wrong: every function
// here may panic, and a `# Panics` section on each would say only that.
#![allow(clippy::missing_panics_doc)]

pub mod browser;
pub mod canary;
pub mod chromium;
pub mod figures;
pub mod gui;
pub mod http_fixtures;
pub mod next_gen;
pub mod proc_memory;
pub mod sandbox;
pub mod search_timing;
pub mod secret_service;
pub mod seeded;
pub mod smtp_sink;
pub mod sso;
pub mod synapse;
pub mod synapse_admin;
pub mod synapse_db;
pub mod wait;

pub use wait::{wait_for, wait_until};

/// Runs `command` to its end and returns its standard output; unless it succeeds, fails the
/// test with everything it printed. `what` names it in the messages.
pub(crate) fn run_to_success(command: &mut std::process::Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what} cannot run: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A port on 127.0.0.1 that nothing listens on right now.
#[must_use]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}
