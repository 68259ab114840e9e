//! The one error type that crosses the IPC boundary.
//!
//! It serialises to `{ "code": ..., "message": ... }`. `code` is the core's closed
//! [`ErrorCode`], mirrored in the generated TypeScript bindings: the UI branches on it, never on
//! the message, which is for people and says what happened and what to do. Each core error names
//! its own code; this module only wraps the code and the message.

use accounts_core::bridge::BridgeError;
use accounts_core::browser::BrowserError;
use accounts_core::ems::{EmsApiError, EmsError};
use accounts_core::launch::ReadySignalError;
use accounts_core::matrix::{DiscoveryError, MatrixError, RegistrationError};
use accounts_core::seats::SeatsError;
use accounts_core::vault::{RegistryError, RemoveError, VaultError};
use accounts_core::AccountError;
use serde::Serialize;
use ts_rs::TS;

pub use accounts_core::ErrorCode;

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    /// The closed category the UI branches on.
    pub code: ErrorCode,
    /// What happened and what to do, for people.
    pub message: String,
    /// The request field at fault (a dotted path such as `company.name`), so the UI can show
    /// the message next to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
}

impl IpcError {
    /// An error of `code` with a message for people.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }
}

/// Each core error becomes an [`IpcError`] with its own code and message.
macro_rules! from_core_error {
    ($($error:ty),+ $(,)?) => {
        $(
            impl From<$error> for IpcError {
                fn from(error: $error) -> Self {
                    Self::new(error.code(), error.to_string())
                }
            }
        )+
    };
}

from_core_error!(
    VaultError,
    BrowserError,
    RegistryError,
    RemoveError,
    DiscoveryError,
    EmsError,
    MatrixError,
    RegistrationError,
    ReadySignalError,
    AccountError,
    BridgeError,
    SeatsError,
);

/// A control-panel error also names the field at fault, so the UI can show it there.
impl From<EmsApiError> for IpcError {
    fn from(error: EmsApiError) -> Self {
        Self {
            code: error.code(),
            message: error.to_string(),
            field: error.field().map(str::to_owned),
        }
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
        // One line per code: the variant, then the string it must serialise to.
        macro_rules! pinned {
            ($($code:ident => $text:literal,)+) => {
                [$((ErrorCode::$code, $text)),+]
            };
        }
        // The TypeScript side switches on these strings: renaming one is a breaking change.
        let codes = pinned![
            Io => "io",
            KeyringUnavailable => "keyring_unavailable",
            KeyringLocked => "keyring_locked",
            KeyringTimeout => "keyring_timeout",
            KeyringFailed => "keyring_failed",
            RegistryNewerVersion => "registry_newer_version",
            RegistryMovedAside => "registry_moved_aside",
            UnknownAccount => "unknown_account",
            Internal => "internal",
            EmsInvalidIssuer => "ems_invalid_issuer",
            EmsUnreachable => "ems_unreachable",
            EmsNotOidcProvider => "ems_not_oidc_provider",
            EmsCancelled => "ems_cancelled",
            EmsTimedOut => "ems_timed_out",
            EmsRefused => "ems_refused",
            EmsSignInFailed => "ems_sign_in_failed",
            EmsSignedOutOnServer => "ems_signed_out_on_server",
            EmsNotSignedIn => "ems_not_signed_in",
            EmsServer => "ems_server",
            EmsInvalidField => "ems_invalid_field",
            EmsEmailTaken => "ems_email_taken",
            EmsSeatsCannotDecrease => "ems_seats_cannot_decrease",
            EmsSeatsNotApplicable => "ems_seats_not_applicable",
            EmsSubscriptionCancelled => "ems_subscription_cancelled",
            EmsElementOneExists => "ems_element_one_exists",
            EmsElementOneUnavailable => "ems_element_one_unavailable",
            EmsConfirmationStale => "ems_confirmation_stale",
            EmsEmailMismatch => "ems_email_mismatch",
            EmsNotFound => "ems_not_found",
            EmsRejected => "ems_rejected",
            MatrixInvalidServerName => "matrix_invalid_server_name",
            MatrixInsecureUrl => "matrix_insecure_url",
            MatrixNoSuchHost => "matrix_no_such_host",
            MatrixConnectionRefused => "matrix_connection_refused",
            MatrixTls => "matrix_tls",
            MatrixUnreachable => "matrix_unreachable",
            MatrixNotAHomeserver => "matrix_not_a_homeserver",
            MatrixWellKnownInvalid => "matrix_well_known_invalid",
            MatrixWellKnownDeadServer => "matrix_well_known_dead_server",
            MatrixWrongCredentials => "matrix_wrong_credentials",
            MatrixDeactivated => "matrix_deactivated",
            MatrixRateLimited => "matrix_rate_limited",
            MatrixPasswordNotOffered => "matrix_password_not_offered",
            MatrixAlreadySignedIn => "matrix_already_signed_in",
            MatrixNotSignedIn => "matrix_not_signed_in",
            MatrixSignedOutOnServer => "matrix_signed_out_on_server",
            MatrixServerError => "matrix_server_error",
            MatrixStore => "matrix_store",
            MatrixUiaWrongPassword => "matrix_uia_wrong_password",
            MatrixUiaUnsupported => "matrix_uia_unsupported",
            MatrixRefused => "matrix_refused",
            MatrixWeakPassword => "matrix_weak_password",
            MatrixInvalidImage => "matrix_invalid_image",
            MatrixInvalidInput => "matrix_invalid_input",
            // Matrix account creation (registration).
            MatrixRegistrationClosed => "matrix_registration_closed",
            MatrixRegistrationUnsupported => "matrix_registration_unsupported",
            MatrixUsernameTaken => "matrix_username_taken",
            MatrixUsernameInvalid => "matrix_username_invalid",
            MatrixRegistrationTokenInvalid => "matrix_registration_token_invalid",
            MatrixTermsNotAccepted => "matrix_terms_not_accepted",
            MatrixEmailInvalid => "matrix_email_invalid",
            MatrixEmailInUse => "matrix_email_in_use",
            MatrixEmailDenied => "matrix_email_denied",
            MatrixRegistrationNotInProgress => "matrix_registration_not_in_progress",
            MatrixRegistrationNotKept => "matrix_registration_not_kept",
            // Matrix single sign-on and SSO re-authentication.
            MatrixSsoCancelled => "matrix_sso_cancelled",
            MatrixSsoTimedOut => "matrix_sso_timed_out",
            MatrixSsoFailed => "matrix_sso_failed",
            MatrixLoginTokenRefused => "matrix_login_token_refused",
            MatrixSignsInWithOauth => "matrix_signs_in_with_oauth",
            MatrixOauthFailed => "matrix_oauth_failed",
            MatrixReauthNotOffered => "matrix_reauth_not_offered",
            MatrixReauthCancelled => "matrix_reauth_cancelled",
            MatrixReauthTimedOut => "matrix_reauth_timed_out",
            MatrixPasswordChangedSessionsKept => "matrix_password_changed_sessions_kept",
        ];
        for (code, text) in codes {
            assert_eq!(
                serde_json::to_value(code).expect("serialisable"),
                serde_json::json!(text)
            );
        }
    }

    #[test]
    fn an_ems_validation_error_carries_its_field() {
        let error = EmsApiError::InvalidField {
            field: "billing_address.city".into(),
            detail: "city must not be empty".into(),
        };
        let json = serde_json::to_value(IpcError::from(error)).expect("serialisable");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "ems_invalid_field",
                "message": "city must not be empty",
                "field": "billing_address.city",
            }),
            "the UI shows the message next to the field it names"
        );
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

    #[test]
    fn matrix_failures_keep_their_category() {
        let refused: IpcError = MatrixError::Discovery(DiscoveryError::ConnectionRefused {
            host: "127.0.0.1:1".into(),
        })
        .into();
        assert_eq!(refused.code, ErrorCode::MatrixConnectionRefused);
        let limited: IpcError = MatrixError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(5)),
        }
        .into();
        assert_eq!(limited.code, ErrorCode::MatrixRateLimited);
        assert!(limited.message.contains("5 seconds"), "{}", limited.message);
        let locked: IpcError = MatrixError::Vault(VaultError::Locked { detail: "x".into() }).into();
        assert_eq!(
            locked.code,
            ErrorCode::KeyringLocked,
            "a keyring problem during sign-in is still a keyring problem"
        );
    }
}
