//! What can go wrong with secrets and the account registry, in words a person can act on.

use std::path::PathBuf;
use std::time::Duration;

use crate::ErrorCode;

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
    /// The account registry could not be opened at start-up: the app's data folder could not
    /// be found or used.
    #[error(
        "The account list could not be opened because the app's data folder could not be used \
         ({detail}). Check that your home folder exists, is writable and has free space, then \
         restart Element Accounts."
    )]
    Unavailable {
        /// What went wrong finding or opening the folder.
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

impl VaultError {
    /// The code the UI branches on.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unavailable { .. } => ErrorCode::KeyringUnavailable,
            Self::Locked { .. } => ErrorCode::KeyringLocked,
            Self::TimedOut(_) => ErrorCode::KeyringTimeout,
            Self::Corrupt | Self::Backend { .. } => ErrorCode::KeyringFailed,
        }
    }
}

impl RegistryError {
    /// The code the UI branches on.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NewerVersion { .. } | Self::ReadOnly { .. } => ErrorCode::RegistryNewerVersion,
            Self::Io { .. } | Self::Unavailable { .. } => ErrorCode::Io,
            Self::UnknownAccount(_) => ErrorCode::UnknownAccount,
        }
    }
}

impl RemoveError {
    /// The code the UI branches on: the cause's, so a keyring problem reads as one.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Secrets(inner) => inner.code(),
            Self::Registry(inner) => inner.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::assert_pinned;

    fn io_error() -> RegistryError {
        RegistryError::Io {
            action: "write",
            path: "/data/accounts.json".into(),
            source: std::io::Error::other("disk full"),
        }
    }

    /// One value of every variant, with the code it must keep.
    fn vault_examples() -> Vec<(VaultError, &'static str)> {
        vec![
            (
                VaultError::Unavailable {
                    detail: "no session bus".into(),
                },
                "keyring_unavailable",
            ),
            (
                VaultError::Locked {
                    detail: "prompt dismissed".into(),
                },
                "keyring_locked",
            ),
            (
                VaultError::TimedOut(Duration::from_secs(20)),
                "keyring_timeout",
            ),
            (VaultError::Corrupt, "keyring_failed"),
            (
                VaultError::Backend {
                    detail: "dbus error".into(),
                },
                "keyring_failed",
            ),
        ]
    }

    fn registry_examples() -> Vec<(RegistryError, &'static str)> {
        vec![
            (
                RegistryError::NewerVersion {
                    path: "/data/accounts.json".into(),
                    found: 9,
                    supported: 1,
                },
                "registry_newer_version",
            ),
            (io_error(), "io"),
            (
                RegistryError::ReadOnly {
                    path: "/data/accounts.json".into(),
                },
                "registry_newer_version",
            ),
            (
                RegistryError::UnknownAccount("ems-1".into()),
                "unknown_account",
            ),
            (
                RegistryError::Unavailable {
                    detail: "no home folder".into(),
                },
                "io",
            ),
        ]
    }

    fn remove_examples() -> Vec<(RemoveError, &'static str)> {
        vec![
            (
                RemoveError::Secrets(VaultError::Locked { detail: "x".into() }),
                "keyring_locked",
            ),
            (RemoveError::Registry(io_error()), "io"),
        ]
    }

    // Exhaustive on purpose: a new variant fails to compile here until it is named, which is
    // the reminder to add an example of it above.
    fn vault_variant(error: &VaultError) -> &'static str {
        match error {
            VaultError::Unavailable { .. } => "Unavailable",
            VaultError::Locked { .. } => "Locked",
            VaultError::TimedOut(_) => "TimedOut",
            VaultError::Corrupt => "Corrupt",
            VaultError::Backend { .. } => "Backend",
        }
    }

    fn registry_variant(error: &RegistryError) -> &'static str {
        match error {
            RegistryError::NewerVersion { .. } => "NewerVersion",
            RegistryError::Io { .. } => "Io",
            RegistryError::ReadOnly { .. } => "ReadOnly",
            RegistryError::UnknownAccount(_) => "UnknownAccount",
            RegistryError::Unavailable { .. } => "Unavailable",
        }
    }

    fn remove_variant(error: &RemoveError) -> &'static str {
        match error {
            RemoveError::Secrets(_) => "Secrets",
            RemoveError::Registry(_) => "Registry",
        }
    }

    #[test]
    fn every_vault_error_has_a_pinned_code_and_a_message() {
        assert_pinned(&vault_examples(), vault_variant, VaultError::code);
        assert_pinned(&registry_examples(), registry_variant, RegistryError::code);
        assert_pinned(&remove_examples(), remove_variant, RemoveError::code);
    }
}
