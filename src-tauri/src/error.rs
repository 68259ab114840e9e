//! The one error type that crosses the IPC boundary.
//!
//! It serialises to `{ "code": ..., "message": ... }`. `code` is a closed set mirrored in the
//! generated TypeScript bindings: the UI branches on it, never on the message, which is for
//! people and says what happened and what to do.

use accounts_core::browser::BrowserError;
use accounts_core::ems::{EmsApiError, EmsError};
use accounts_core::matrix::{DiscoveryError, MatrixError, RegistrationError};
use accounts_core::vault::{RegistryError, RemoveError, VaultError};
use ems_api::ProblemCode;
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
    /// The app refused to open an address that is not a web address (or is plain http to
    /// another computer).
    BrowserRefused,
    /// No browser could be started; the message and the address to copy say what to do.
    BrowserUnavailable,
    /// The EMS server address is not a valid URL.
    EmsInvalidIssuer,
    /// The EMS server could not be reached.
    EmsUnreachable,
    /// The server is not an OpenID Connect provider speaking the EMS API.
    EmsNotOidcProvider,
    /// The EMS server, or an endpoint it names, breaks the transport rules.
    EmsInsecure,
    /// The sign-in answer came from another server than the one signed in at.
    EmsIssuerMismatch,
    /// The user cancelled the EMS sign-in.
    EmsCancelled,
    /// The browser did not come back in time.
    EmsTimedOut,
    /// The EMS server refused the sign-in (for example `access_denied`).
    EmsRefused,
    /// The EMS sign-in could not be completed (code exchange or ID-token verification).
    EmsSignInFailed,
    /// The EMS session was ended on the server; sign in again.
    EmsSignedOutOnServer,
    /// The EMS account is signed out on this computer.
    EmsNotSignedIn,
    /// The EMS server failed a request.
    EmsServer,
    /// The EMS server refused a value; `field` names it.
    EmsInvalidField,
    /// Another EMS account already uses this email address.
    EmsEmailTaken,
    /// Seats can be raised, never lowered.
    EmsSeatsCannotDecrease,
    /// This kind of subscription has no seats.
    EmsSeatsNotApplicable,
    /// The subscription is cancelled.
    EmsSubscriptionCancelled,
    /// The account already has an active Element One subscription.
    EmsElementOneExists,
    /// The EMS server offers no Element One.
    EmsElementOneUnavailable,
    /// The deletion confirmation expired or no longer matches the account: preview again.
    EmsConfirmationStale,
    /// The typed email is not the EMS account's (deletion not confirmed).
    EmsEmailMismatch,
    /// The subscription (or other resource) is not on this EMS account.
    EmsNotFound,
    /// The EMS server refused the request for another reason (the message says which).
    EmsRejected,
    /// What was typed is not a server name, Matrix ID or homeserver URL.
    MatrixInvalidServerName,
    /// A plain-http URL for a server that is not on this computer.
    MatrixInsecureUrl,
    /// The homeserver's host name does not resolve.
    MatrixNoSuchHost,
    /// Nothing listens at the homeserver's address.
    MatrixConnectionRefused,
    /// The TLS handshake with the homeserver failed.
    MatrixTls,
    /// The homeserver could not be reached (timeout, reset).
    MatrixUnreachable,
    /// The server answered, but is not a Matrix homeserver.
    MatrixNotAHomeserver,
    /// The server's `/.well-known/matrix/client` is unusable.
    MatrixWellKnownInvalid,
    /// The well-known names a homeserver that cannot be used.
    MatrixWellKnownDeadServer,
    /// Wrong user name or password (or a deactivated account, on Synapse).
    MatrixWrongCredentials,
    /// The server says the account is deactivated.
    MatrixDeactivated,
    /// Too many sign-in attempts; the message gives the delay.
    MatrixRateLimited,
    /// The homeserver does not accept password sign-in.
    MatrixPasswordNotOffered,
    /// The account is already signed in on this computer.
    MatrixAlreadySignedIn,
    /// The account has no session here.
    MatrixNotSignedIn,
    /// The server no longer accepts the account's session.
    MatrixSignedOutOnServer,
    /// The homeserver answered unexpectedly.
    MatrixServerError,
    /// The account's local store could not be opened or written.
    MatrixStore,
    // Managing a Matrix account (issue 9).
    /// The password at the re-authentication step is wrong; the same prompt can be answered again.
    MatrixUiaWrongPassword,
    /// The server asks for a re-authentication this app cannot complete.
    MatrixUiaUnsupported,
    /// The server refused the action.
    MatrixRefused,
    /// The server finds the new password too weak.
    MatrixWeakPassword,
    /// The chosen file cannot be an avatar.
    MatrixInvalidImage,
    /// What was typed or chosen cannot be used.
    MatrixInvalidInput,
    // Matrix account creation (registration).
    /// The homeserver does not let accounts be created.
    MatrixRegistrationClosed,
    /// The homeserver asks for a registration step the app cannot do.
    MatrixRegistrationUnsupported,
    /// The user name is taken.
    MatrixUsernameTaken,
    /// The user name is not allowed.
    MatrixUsernameInvalid,
    /// The registration token is unknown, expired or used up.
    MatrixRegistrationTokenInvalid,
    /// Not every policy was accepted.
    MatrixTermsNotAccepted,
    /// The email address is not valid.
    MatrixEmailInvalid,
    /// The email address already belongs to an account.
    MatrixEmailInUse,
    /// The server does not accept this email address.
    MatrixEmailDenied,
    /// No account creation is in progress under this id.
    MatrixRegistrationNotInProgress,
    /// The account was created but its session could not be kept here.
    MatrixRegistrationNotKept,
    // Matrix single sign-on and SSO re-authentication (issue 10).
    /// The user cancelled the single sign-on; nothing was kept.
    MatrixSsoCancelled,
    /// The browser did not come back from single sign-on in time; nothing was kept.
    MatrixSsoTimedOut,
    /// Single sign-on did not complete (no login token, or the local port could not be used).
    MatrixSsoFailed,
    /// The homeserver refused the login token from single sign-on (expired or used).
    MatrixLoginTokenRefused,
    /// The server does not offer single sign-on to confirm the action.
    MatrixReauthNotOffered,
    /// The user cancelled confirming their identity; nothing was changed.
    MatrixReauthCancelled,
    /// Confirming the identity took too long; nothing was changed.
    MatrixReauthTimedOut,
    /// The password was changed, but the other sessions are still signed in.
    MatrixPasswordChangedSessionsKept,
}

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

impl From<accounts_core::launch::ReadySignalError> for IpcError {
    fn from(error: accounts_core::launch::ReadySignalError) -> Self {
        Self::new(ErrorCode::Io, error.to_string())
    }
}

impl From<accounts_core::AccountError> for IpcError {
    fn from(error: accounts_core::AccountError) -> Self {
        match error {
            accounts_core::AccountError::Ems(inner) => inner.into(),
            accounts_core::AccountError::Matrix(inner) => inner.into(),
            accounts_core::AccountError::Remove(inner) => inner.into(),
        }
    }
}

impl From<BrowserError> for IpcError {
    fn from(error: BrowserError) -> Self {
        let code = match error {
            BrowserError::Refused(_) => ErrorCode::BrowserRefused,
            BrowserError::EmptyCommand | BrowserError::Launch { .. } | BrowserError::NoOpener => {
                ErrorCode::BrowserUnavailable
            }
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

impl From<DiscoveryError> for IpcError {
    fn from(error: DiscoveryError) -> Self {
        let code = match error {
            DiscoveryError::InvalidName { .. } => ErrorCode::MatrixInvalidServerName,
            DiscoveryError::InsecureUrl { .. } => ErrorCode::MatrixInsecureUrl,
            DiscoveryError::NoSuchHost { .. } => ErrorCode::MatrixNoSuchHost,
            DiscoveryError::ConnectionRefused { .. } => ErrorCode::MatrixConnectionRefused,
            DiscoveryError::Tls { .. } => ErrorCode::MatrixTls,
            DiscoveryError::NotMatrix { .. } => ErrorCode::MatrixNotAHomeserver,
            DiscoveryError::WellKnownInvalid { .. } => ErrorCode::MatrixWellKnownInvalid,
            DiscoveryError::WellKnownDeadServer { .. } => ErrorCode::MatrixWellKnownDeadServer,
            _ => ErrorCode::MatrixUnreachable,
        };
        Self::new(code, error.to_string())
    }
}

impl From<EmsError> for IpcError {
    fn from(error: EmsError) -> Self {
        let message = error.to_string();
        let code = match error {
            EmsError::InvalidIssuer(_) => ErrorCode::EmsInvalidIssuer,
            EmsError::Unreachable { .. } => ErrorCode::EmsUnreachable,
            EmsError::NotOidcProvider { .. } => ErrorCode::EmsNotOidcProvider,
            EmsError::Insecure { .. } => ErrorCode::EmsInsecure,
            EmsError::IssuerMismatch { .. } => ErrorCode::EmsIssuerMismatch,
            EmsError::Cancelled => ErrorCode::EmsCancelled,
            EmsError::TimedOut => ErrorCode::EmsTimedOut,
            EmsError::Refused { .. } => ErrorCode::EmsRefused,
            EmsError::TokenExchange(_) | EmsError::IdTokenInvalid(_) => ErrorCode::EmsSignInFailed,
            EmsError::SignedOutOnServer => ErrorCode::EmsSignedOutOnServer,
            EmsError::NotSignedIn => ErrorCode::EmsNotSignedIn,
            EmsError::Server { .. } => ErrorCode::EmsServer,
            EmsError::Vault(inner) => Self::from(inner).code,
            EmsError::Browser(inner) => Self::from(inner).code,
            EmsError::Registry(inner) => Self::from(inner).code,
            _ => ErrorCode::Internal,
        };
        Self::new(code, message)
    }
}

impl From<EmsApiError> for IpcError {
    fn from(error: EmsApiError) -> Self {
        let message = error.to_string();
        let field = error.field().map(str::to_owned);
        let code = match error {
            EmsApiError::Session(inner) => return Self::from(inner),
            EmsApiError::UnexpectedAnswer { .. } => ErrorCode::EmsServer,
            EmsApiError::NotPreviewed => ErrorCode::EmsConfirmationStale,
            EmsApiError::EmailMismatch => ErrorCode::EmsEmailMismatch,
            _ => match error.code() {
                Some(ProblemCode::InvalidField) => ErrorCode::EmsInvalidField,
                Some(ProblemCode::EmailTaken) => ErrorCode::EmsEmailTaken,
                Some(ProblemCode::SeatsCannotDecrease) => ErrorCode::EmsSeatsCannotDecrease,
                Some(ProblemCode::SeatsNotApplicable) => ErrorCode::EmsSeatsNotApplicable,
                Some(ProblemCode::SubscriptionCancelled) => ErrorCode::EmsSubscriptionCancelled,
                Some(ProblemCode::ElementOneExists) => ErrorCode::EmsElementOneExists,
                Some(ProblemCode::ElementOneUnavailable) => ErrorCode::EmsElementOneUnavailable,
                // A name already used, or not offered: the message sits next to its field.
                Some(ProblemCode::ServerNameUnavailable | ProblemCode::MatrixIdTaken) => {
                    ErrorCode::EmsInvalidField
                }
                Some(ProblemCode::ConfirmationExpired | ProblemCode::ConfirmationMismatch) => {
                    ErrorCode::EmsConfirmationStale
                }
                Some(ProblemCode::NotFound) => ErrorCode::EmsNotFound,
                Some(ProblemCode::ServerError) => ErrorCode::EmsServer,
                Some(ProblemCode::MissingToken | ProblemCode::InvalidToken) => {
                    ErrorCode::EmsSignedOutOnServer
                }
                _ => ErrorCode::EmsRejected,
            },
        };
        Self {
            code,
            message,
            field,
        }
    }
}

impl From<MatrixError> for IpcError {
    fn from(error: MatrixError) -> Self {
        let message = error.to_string();
        let code = match error {
            MatrixError::Discovery(inner) => Self::from(inner).code,
            MatrixError::Browser(inner) => Self::from(inner).code,
            MatrixError::Vault(inner) => Self::from(inner).code,
            MatrixError::Registry(inner) => Self::from(inner).code,
            MatrixError::Remove(inner) => Self::from(inner).code,
            MatrixError::WrongCredentials => ErrorCode::MatrixWrongCredentials,
            MatrixError::Deactivated => ErrorCode::MatrixDeactivated,
            MatrixError::RateLimited { .. } => ErrorCode::MatrixRateLimited,
            MatrixError::PasswordNotOffered { .. } => ErrorCode::MatrixPasswordNotOffered,
            MatrixError::AlreadySignedIn { .. } => ErrorCode::MatrixAlreadySignedIn,
            MatrixError::NotSignedIn { .. } | MatrixError::NoSession => {
                ErrorCode::MatrixNotSignedIn
            }
            MatrixError::SignedOutOnServer { .. } => ErrorCode::MatrixSignedOutOnServer,
            MatrixError::Store { .. } => ErrorCode::MatrixStore,
            MatrixError::UiaWrongPassword { .. } => ErrorCode::MatrixUiaWrongPassword,
            MatrixError::UiaUnsupported { .. } => ErrorCode::MatrixUiaUnsupported,
            MatrixError::Refused { .. } => ErrorCode::MatrixRefused,
            MatrixError::WeakPassword { .. } => ErrorCode::MatrixWeakPassword,
            MatrixError::InvalidImage { .. } => ErrorCode::MatrixInvalidImage,
            MatrixError::InvalidInput { .. } => ErrorCode::MatrixInvalidInput,
            // Matrix single sign-on and SSO re-authentication (issue 10).
            MatrixError::SsoCancelled => ErrorCode::MatrixSsoCancelled,
            MatrixError::SsoTimedOut => ErrorCode::MatrixSsoTimedOut,
            MatrixError::SsoFailed { .. } | MatrixError::SsoListener(_) => {
                ErrorCode::MatrixSsoFailed
            }
            MatrixError::LoginTokenRefused { .. } => ErrorCode::MatrixLoginTokenRefused,
            MatrixError::ReauthNotOffered { .. } => ErrorCode::MatrixReauthNotOffered,
            MatrixError::ReauthCancelled => ErrorCode::MatrixReauthCancelled,
            MatrixError::ReauthTimedOut => ErrorCode::MatrixReauthTimedOut,
            // No password to change: the same "this app cannot confirm it that way" family
            // (a separate arm, to keep merges of this shared match easy).
            #[allow(clippy::match_same_arms)]
            MatrixError::NoPassword => ErrorCode::MatrixUiaUnsupported,
            MatrixError::PasswordChangedSessionsKept { .. } => {
                ErrorCode::MatrixPasswordChangedSessionsKept
            }
            _ => ErrorCode::MatrixServerError,
        };
        Self::new(code, message)
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

// Matrix account creation (registration).
impl From<RegistrationError> for IpcError {
    fn from(error: RegistrationError) -> Self {
        let message = error.to_string();
        let code = match error {
            RegistrationError::Discovery(inner) => Self::from(inner).code,
            RegistrationError::Closed { .. } => ErrorCode::MatrixRegistrationClosed,
            RegistrationError::Unsupported { .. } => ErrorCode::MatrixRegistrationUnsupported,
            RegistrationError::UsernameTaken { .. } => ErrorCode::MatrixUsernameTaken,
            RegistrationError::UsernameInvalid { .. } => ErrorCode::MatrixUsernameInvalid,
            RegistrationError::WeakPassword { .. } => ErrorCode::MatrixWeakPassword,
            RegistrationError::TokenInvalid => ErrorCode::MatrixRegistrationTokenInvalid,
            RegistrationError::TermsNotAccepted { .. } => ErrorCode::MatrixTermsNotAccepted,
            RegistrationError::EmailInvalid { .. } => ErrorCode::MatrixEmailInvalid,
            RegistrationError::EmailInUse { .. } => ErrorCode::MatrixEmailInUse,
            RegistrationError::EmailDenied { .. } => ErrorCode::MatrixEmailDenied,
            RegistrationError::NotInProgress => ErrorCode::MatrixRegistrationNotInProgress,
            RegistrationError::RateLimited { .. } => ErrorCode::MatrixRateLimited,
            RegistrationError::NotKept { .. } => ErrorCode::MatrixRegistrationNotKept,
            _ => ErrorCode::MatrixServerError,
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
    #[allow(clippy::too_many_lines)] // One line per code: the list is the test.
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
            (ErrorCode::EmsInvalidIssuer, "ems_invalid_issuer"),
            (ErrorCode::EmsUnreachable, "ems_unreachable"),
            (ErrorCode::EmsNotOidcProvider, "ems_not_oidc_provider"),
            (ErrorCode::EmsCancelled, "ems_cancelled"),
            (ErrorCode::EmsTimedOut, "ems_timed_out"),
            (ErrorCode::EmsRefused, "ems_refused"),
            (ErrorCode::EmsSignInFailed, "ems_sign_in_failed"),
            (ErrorCode::EmsSignedOutOnServer, "ems_signed_out_on_server"),
            (ErrorCode::EmsNotSignedIn, "ems_not_signed_in"),
            (ErrorCode::EmsServer, "ems_server"),
            (ErrorCode::EmsInvalidField, "ems_invalid_field"),
            (ErrorCode::EmsEmailTaken, "ems_email_taken"),
            (
                ErrorCode::EmsSeatsCannotDecrease,
                "ems_seats_cannot_decrease",
            ),
            (ErrorCode::EmsSeatsNotApplicable, "ems_seats_not_applicable"),
            (
                ErrorCode::EmsSubscriptionCancelled,
                "ems_subscription_cancelled",
            ),
            (ErrorCode::EmsElementOneExists, "ems_element_one_exists"),
            (
                ErrorCode::EmsElementOneUnavailable,
                "ems_element_one_unavailable",
            ),
            (ErrorCode::EmsConfirmationStale, "ems_confirmation_stale"),
            (ErrorCode::EmsEmailMismatch, "ems_email_mismatch"),
            (ErrorCode::EmsNotFound, "ems_not_found"),
            (ErrorCode::EmsRejected, "ems_rejected"),
            (
                ErrorCode::MatrixInvalidServerName,
                "matrix_invalid_server_name",
            ),
            (ErrorCode::MatrixInsecureUrl, "matrix_insecure_url"),
            (ErrorCode::MatrixNoSuchHost, "matrix_no_such_host"),
            (
                ErrorCode::MatrixConnectionRefused,
                "matrix_connection_refused",
            ),
            (ErrorCode::MatrixTls, "matrix_tls"),
            (ErrorCode::MatrixUnreachable, "matrix_unreachable"),
            (ErrorCode::MatrixNotAHomeserver, "matrix_not_a_homeserver"),
            (
                ErrorCode::MatrixWellKnownInvalid,
                "matrix_well_known_invalid",
            ),
            (
                ErrorCode::MatrixWellKnownDeadServer,
                "matrix_well_known_dead_server",
            ),
            (
                ErrorCode::MatrixWrongCredentials,
                "matrix_wrong_credentials",
            ),
            (ErrorCode::MatrixDeactivated, "matrix_deactivated"),
            (ErrorCode::MatrixRateLimited, "matrix_rate_limited"),
            (
                ErrorCode::MatrixPasswordNotOffered,
                "matrix_password_not_offered",
            ),
            (ErrorCode::MatrixAlreadySignedIn, "matrix_already_signed_in"),
            (ErrorCode::MatrixNotSignedIn, "matrix_not_signed_in"),
            (
                ErrorCode::MatrixSignedOutOnServer,
                "matrix_signed_out_on_server",
            ),
            (ErrorCode::MatrixServerError, "matrix_server_error"),
            (ErrorCode::MatrixStore, "matrix_store"),
            (
                ErrorCode::MatrixUiaWrongPassword,
                "matrix_uia_wrong_password",
            ),
            (ErrorCode::MatrixUiaUnsupported, "matrix_uia_unsupported"),
            (ErrorCode::MatrixRefused, "matrix_refused"),
            (ErrorCode::MatrixWeakPassword, "matrix_weak_password"),
            (ErrorCode::MatrixInvalidImage, "matrix_invalid_image"),
            (ErrorCode::MatrixInvalidInput, "matrix_invalid_input"),
            // Matrix account creation (registration).
            (
                ErrorCode::MatrixRegistrationClosed,
                "matrix_registration_closed",
            ),
            (
                ErrorCode::MatrixRegistrationUnsupported,
                "matrix_registration_unsupported",
            ),
            (ErrorCode::MatrixUsernameTaken, "matrix_username_taken"),
            (ErrorCode::MatrixUsernameInvalid, "matrix_username_invalid"),
            (
                ErrorCode::MatrixRegistrationTokenInvalid,
                "matrix_registration_token_invalid",
            ),
            (
                ErrorCode::MatrixTermsNotAccepted,
                "matrix_terms_not_accepted",
            ),
            (ErrorCode::MatrixEmailInvalid, "matrix_email_invalid"),
            (ErrorCode::MatrixEmailInUse, "matrix_email_in_use"),
            (ErrorCode::MatrixEmailDenied, "matrix_email_denied"),
            (
                ErrorCode::MatrixRegistrationNotInProgress,
                "matrix_registration_not_in_progress",
            ),
            (
                ErrorCode::MatrixRegistrationNotKept,
                "matrix_registration_not_kept",
            ),
            // Matrix single sign-on and SSO re-authentication (issue 10).
            (ErrorCode::MatrixSsoCancelled, "matrix_sso_cancelled"),
            (ErrorCode::MatrixSsoTimedOut, "matrix_sso_timed_out"),
            (ErrorCode::MatrixSsoFailed, "matrix_sso_failed"),
            (
                ErrorCode::MatrixLoginTokenRefused,
                "matrix_login_token_refused",
            ),
            (
                ErrorCode::MatrixReauthNotOffered,
                "matrix_reauth_not_offered",
            ),
            (ErrorCode::MatrixReauthCancelled, "matrix_reauth_cancelled"),
            (ErrorCode::MatrixReauthTimedOut, "matrix_reauth_timed_out"),
            (
                ErrorCode::MatrixPasswordChangedSessionsKept,
                "matrix_password_changed_sessions_kept",
            ),
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
