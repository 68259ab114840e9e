//! What can go wrong with secrets and the account registry, in words a person can act on.

use std::path::PathBuf;
use std::time::Duration;

/// A failure of the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// There is no Secret Service to talk to (no session bus, or no keyring daemon on it).
    #[error(
        "No system keyring is available ({detail}). Element Accounts keeps tokens only in the \
         system keyring: start a Secret Service such as gnome-keyring \
         (`gnome-keyring-daemon --start --components=secrets`) or KeePassXC with its Secret \
         Service integration, then restart Element Accounts."
    )]
    Unavailable {
        /// What the platform said.
        detail: String,
    },
    /// The keyring exists but is locked, or access to it was refused.
    #[error(
        "The system keyring is locked ({detail}). Unlock it (with your keyring app, such as \
         Seahorse, or by signing in to your desktop session again) and try again."
    )]
    Locked {
        /// What the platform said.
        detail: String,
    },
    /// The keyring did not answer in time, typically because it waits on an unlock prompt.
    #[error(
        "The system keyring did not answer within {} seconds; it may be waiting for you to \
         unlock it. Unlock your keyring and try again.",
        .0.as_secs()
    )]
    TimedOut(Duration),
    /// A stored entry could not be read as text; it was not written by this app.
    #[error(
        "A keyring entry of Element Accounts is unreadable; remove the account and add it again."
    )]
    Corrupt,
    /// Any other keyring failure.
    #[error("The system keyring failed: {detail}. Try again; if it keeps failing, restart your keyring daemon.")]
    Backend {
        /// What the platform said.
        detail: String,
    },
}

/// A failure of the account registry file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The file was written by a newer version of the app; it is left untouched.
    #[error(
        "{} was written by a newer version of Element Accounts (format {found}, this version \
         reads up to {supported}). It has not been changed: update Element Accounts to use it.",
        path.display()
    )]
    NewerVersion {
        /// The registry file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The registry could not be read or written.
    #[error("Could not {action} {}: {source}. Check that the folder exists and is writable.", path.display())]
    Io {
        /// What was being done ("read", "write", "move aside").
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The registry was refused earlier (newer version) and is read-only for this run.
    #[error("The account list is read-only because {} is from a newer version of Element Accounts.", path.display())]
    ReadOnly {
        /// The registry file.
        path: PathBuf,
    },
    /// No account with this id is registered.
    #[error("No account with id {0} is on this computer.")]
    UnknownAccount(String),
    /// The account registry could not be opened at start-up.
    #[error("The app's account list could not be opened ({detail}). Check that the app's data folder exists and is writable, then restart Element Accounts.")]
    Unavailable {
        /// Why it could not be opened.
        detail: String,
    },
}

/// Removing an account stopped half-way.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoveError {
    /// A secret could not be deleted; the account's record is kept so the removal can be retried.
    #[error("The account was not removed: {0} Nothing else was changed; try removing it again.")]
    Secrets(#[from] VaultError),
    /// The secrets are gone but the record could not be updated; retrying finishes the removal.
    #[error("The account's secrets were deleted but its record could not be removed: {0} Try removing it again.")]
    Registry(#[from] RegistryError),
}
