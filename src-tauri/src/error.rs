//! The one error type that crosses the IPC boundary.
//!
//! It serialises to `{ "code": ..., "message": ... }`. `code` is a closed set mirrored in the
//! generated TypeScript bindings: the UI branches on it, never on the message, which is for
//! people and says what happened and what to do.

use accounts_core::vault::{RegistryError, RemoveError, VaultError};
use serde::Serialize;
use ts_rs::TS;

/// What kind of failure the UI is looking at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// A file the app needed could not be read or written.
    Io,
    /// No Secret Service (no session bus, or no keyring daemon).
    KeyringUnavailable,
    /// The keyring is locked or refused access.
    KeyringLocked,
    /// The keyring did not answer in time (probably waiting on an unlock prompt).
    KeyringTimeout,
    /// Any other keyring failure.
    KeyringFailed,
    /// The account registry is from a newer version of the app and is read-only.
    RegistryNewerVersion,
    /// The account registry could not be read and was moved aside.
    RegistryMovedAside,
    /// The account asked for is not on this computer.
    UnknownAccount,
    /// A fault in the app itself; the message says what to report.
    Internal,
}

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    /// The closed category the UI branches on.
    pub code: ErrorCode,
    /// What happened and what to do, for people.
    pub message: String,
}

impl IpcError {
    /// An error of `code` with a message for people.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<VaultError> for IpcError {
    fn from(error: VaultError) -> Self {
        let code = match error {
            VaultError::Unavailable { .. } => ErrorCode::KeyringUnavailable,
            VaultError::Locked { .. } => ErrorCode::KeyringLocked,
            VaultError::TimedOut(_) => ErrorCode::KeyringTimeout,
            _ => ErrorCode::KeyringFailed,
        };
        Self::new(code, error.to_string())
    }
}

impl From<RegistryError> for IpcError {
    fn from(error: RegistryError) -> Self {
        let code = match error {
            RegistryError::NewerVersion { .. } | RegistryError::ReadOnly { .. } => {
                ErrorCode::RegistryNewerVersion
            }
            RegistryError::UnknownAccount(_) => ErrorCode::UnknownAccount,
            _ => ErrorCode::Io,
        };
        Self::new(code, error.to_string())
    }
}

impl From<RemoveError> for IpcError {
    fn from(error: RemoveError) -> Self {
        let message = error.to_string();
        let code = match error {
            RemoveError::Secrets(inner) => Self::from(inner).code,
            RemoveError::Registry(inner) => Self::from(inner).code,
            _ => ErrorCode::Internal,
        };
        Self::new(code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_code_and_message() {
        let json =
            serde_json::to_value(IpcError::new(ErrorCode::Io, "disk full")).expect("serialisable");
        assert_eq!(
            json,
            serde_json::json!({ "code": "io", "message": "disk full" }),
            "the UI reads exactly these two fields"
        );
    }

    #[test]
    fn codes_are_pinned() {
        // The TypeScript side switches on these strings: renaming one is a breaking change.
        let codes = [
            (ErrorCode::Io, "io"),
            (ErrorCode::KeyringUnavailable, "keyring_unavailable"),
            (ErrorCode::KeyringLocked, "keyring_locked"),
            (ErrorCode::KeyringTimeout, "keyring_timeout"),
            (ErrorCode::KeyringFailed, "keyring_failed"),
            (ErrorCode::RegistryNewerVersion, "registry_newer_version"),
            (ErrorCode::RegistryMovedAside, "registry_moved_aside"),
            (ErrorCode::UnknownAccount, "unknown_account"),
            (ErrorCode::Internal, "internal"),
        ];
        for (code, text) in codes {
            assert_eq!(
                serde_json::to_value(code).expect("serialisable"),
                serde_json::json!(text)
            );
        }
    }

    #[test]
    fn keyring_failures_keep_their_category() {
        let locked: IpcError = VaultError::Locked { detail: "x".into() }.into();
        assert_eq!(locked.code, ErrorCode::KeyringLocked);
        let removal: IpcError =
            RemoveError::Secrets(VaultError::Unavailable { detail: "x".into() }).into();
        assert_eq!(
            removal.code,
            ErrorCode::KeyringUnavailable,
            "the UI can tell the user to start a keyring"
        );
    }
}
