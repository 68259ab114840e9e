//! Why a loopback listener could not start, or why it has nothing more to hand over.
//!
//! The first few variants are mistakes in how a caller set up a flow (caught before any port
//! is opened); the rest are the ways a running flow ends without a callback, each distinct so
//! the UI can tell "you cancelled" from "it took too long". Turning these into IPC error codes
//! is left to the desktop shell.

use std::io;

/// Why a loopback listener could not start, or why it has no further callback to give.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoopbackError {
    /// The flow was set up with no expected path, so there would be nothing to wait for.
    #[error("The sign-in could not start: it has no return address to wait on. This is a bug in Element Accounts; please report it.")]
    NoPaths,
    /// An expected path is not a plain absolute path such as `/ems` (ASCII letters, digits, `-._~/`).
    #[error("The sign-in could not start: {path:?} is not a usable return address. This is a bug in Element Accounts; please report it.")]
    InvalidPath {
        /// The path that was refused.
        path: String,
    },
    /// The same path was expected twice; each path must belong to one step of the flow.
    #[error("The sign-in could not start: the return address {path:?} was given twice. This is a bug in Element Accounts; please report it.")]
    DuplicatePath {
        /// The repeated path.
        path: String,
    },
    /// The `state` for a path is too short to be unguessable, or too long to fit in a URL.
    #[error("The sign-in could not start: the check value for {path:?} must be {min} to {max} characters. This is a bug in Element Accounts; please report it.", min = super::CallbackState::MIN_LEN, max = super::CallbackState::MAX_LEN)]
    UnsuitableState {
        /// The path whose `state` was refused.
        path: String,
    },
    /// No local port could be opened on 127.0.0.1 for the browser to come back to.
    #[error("Could not open a local port for the browser to return to: {source}. Check that connections to 127.0.0.1 are allowed, then start the sign-in again.")]
    Bind {
        /// What the operating system answered.
        #[source]
        source: io::Error,
    },
    /// The user cancelled the sign-in; the listener has closed.
    #[error("The sign-in was cancelled.")]
    Cancelled,
    /// The browser did not come back before the flow's timeout; the listener has closed.
    #[error("The sign-in took too long and was stopped. Start it again.")]
    TimedOut,
    /// Every expected path has been served and the listener has closed; there is nothing more to wait for.
    #[error("The sign-in has already received everything it was waiting for.")]
    Finished,
    /// The listener stopped without saying why (its task ended unexpectedly).
    #[error("The sign-in stopped unexpectedly. Start it again.")]
    Stopped,
}
