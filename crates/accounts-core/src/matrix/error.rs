//! What can go wrong with a Matrix account, in words a person can act on.
//!
//! [`MatrixError`] covers signing in, keeping and ending sessions and managing an account (finding
//! the homeserver is `homeserver`'s [`DiscoveryError`], which it wraps). It never carries a token
//! or a password. The helpers that turn a matrix-sdk failure into one live here too.

use std::time::Duration;

use matrix_sdk::authentication::oauth::error::RequestTokenError;
use matrix_sdk::authentication::oauth::OAuthError;
use matrix_sdk::{HttpError, RefreshTokenError};
use url::Url;

use super::challenge::UiaChallenge;
use super::homeserver::{display_url, network_error, DiscoveryError};
use crate::loopback::LoopbackError;
use crate::vault::{RegistryError, RemoveError, VaultError};
use crate::ErrorCode;

/// Signing in, restoring, checking or ending a Matrix session failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MatrixError {
    /// The homeserver could not be found or reached.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The server refused the user name and password.
    #[error(
        "Wrong user name or password. Check them and try again. If they are right, the account \
         may have been deactivated: ask the server's administrator."
    )]
    WrongCredentials,
    /// The server says the account is deactivated.
    #[error("This account has been deactivated and can no longer sign in. Ask the server's administrator if this is a mistake.")]
    Deactivated,
    /// Too many sign-in attempts.
    #[error("{}", rate_limited_message(*.retry_after))]
    RateLimited {
        /// How long the server asks to wait, when it says.
        retry_after: Option<Duration>,
    },
    /// The server does not accept password sign-in.
    #[error("{homeserver} does not accept sign-in with a password. Use one of the other sign-in methods it offers, such as single sign-on.")]
    PasswordNotOffered {
        /// The homeserver URL.
        homeserver: String,
    },
    /// The account is already signed in on this computer.
    #[error("{user_id} is already signed in on this computer.")]
    AlreadySignedIn {
        /// The Matrix ID.
        user_id: String,
    },
    /// The account has no session here (signed out).
    #[error("{user_id} is not signed in on this computer. Sign in again first.")]
    NotSignedIn {
        /// The Matrix ID.
        user_id: String,
    },
    /// The server no longer accepts this session's token.
    #[error("{user_id} was signed out on the server (the session was ended elsewhere or its password changed). Sign in again; the account's settings are kept.")]
    SignedOutOnServer {
        /// The Matrix ID.
        user_id: String,
    },
    /// The server answered in a way the app did not expect.
    #[error("{homeserver} answered unexpectedly: {detail}. Try again later.")]
    Server {
        /// The homeserver URL.
        homeserver: String,
        /// What it answered (never a token).
        detail: String,
    },
    /// The account's local store could not be opened or written.
    #[error("The local data of this account could not be opened ({detail}). Remove the account from this computer and sign in again.")]
    Store {
        /// What matrix-sdk said.
        detail: String,
    },
    /// A keyring failure.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// An account registry failure.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Removing the account's secrets and record failed.
    #[error(transparent)]
    Remove(#[from] RemoveError),
    // Managing an account.
    /// The account has no live session here (signed out, or still being restored).
    #[error("This account has no session on this computer (it is signed out, or still being restored). Wait a moment, or sign in again.")]
    NoSession,
    /// The password given at the re-authentication step is wrong; the same challenge can be
    /// answered again.
    #[error("That password is wrong, so nothing was changed. Type the account's current password again.")]
    UiaWrongPassword {
        /// The challenge to answer again (same session).
        challenge: UiaChallenge,
    },
    /// The server asks for a kind of re-authentication this app cannot complete.
    #[error("The server asks for a confirmation this app cannot do yet ({stages}). Nothing was changed; do this from Element instead.")]
    UiaUnsupported {
        /// The flows the server offers.
        stages: String,
    },
    /// The server refused the action.
    #[error("{homeserver} refused: {detail}. Nothing was changed.")]
    Refused {
        /// The homeserver URL.
        homeserver: String,
        /// What it said.
        detail: String,
    },
    /// The server finds the new password too weak.
    #[error("The server refused the new password as too weak: {detail}. Choose a longer or less common one.")]
    WeakPassword {
        /// What the server said.
        detail: String,
    },
    /// The chosen file cannot be an avatar.
    #[error("This file cannot be used as an avatar: {detail}.")]
    InvalidImage {
        /// Why.
        detail: String,
    },
    /// The password was changed, but the other sessions could not all be signed out.
    #[error("Your password was changed, but the other sessions could not be signed out: {cause} Sign them out under Sessions.")]
    PasswordChangedSessionsKept {
        /// Why signing them out failed.
        cause: Box<MatrixError>,
    },
    /// What was typed cannot be used.
    #[error("{detail}")]
    InvalidInput {
        /// What is wrong and what to do.
        detail: String,
    },
    // Single sign-on and SSO re-authentication (matrix::sso, matrix::uia_sso).
    /// The user cancelled the single sign-on; nothing was kept.
    #[error(
        "The single sign-on was cancelled. Nothing was saved; start it again when you are ready."
    )]
    SsoCancelled,
    /// The browser did not come back from single sign-on in time; nothing was kept.
    #[error("The single sign-on took too long and was stopped. Nothing was saved; start it again and finish it in your browser.")]
    SsoTimedOut,
    /// The homeserver sent the browser back without a login token.
    #[error("Single sign-on at {homeserver} did not complete: {detail}. Start it again; if it keeps failing, ask the server's administrator.")]
    SsoFailed {
        /// The homeserver URL.
        homeserver: String,
        /// What went wrong (never a token).
        detail: String,
    },
    /// The homeserver refused the login token single sign-on produced.
    #[error("{homeserver} refused the sign-in from single sign-on: its one-time token expired or was already used. Start the single sign-on again.")]
    LoginTokenRefused {
        /// The homeserver URL.
        homeserver: String,
    },
    /// The loopback listener for the browser's return could not start or stopped.
    #[error(transparent)]
    SsoListener(LoopbackError),
    /// The homeserver delegates sign-in to an OAuth 2.0 authorization server, so it takes no
    /// password here.
    #[error("{homeserver} signs in with OAuth 2.0: use \"Sign in with OAuth 2.0\", which opens its sign-in page in your browser. It does not take a password here.")]
    SignsInWithOAuth {
        /// The homeserver URL.
        homeserver: String,
    },
    /// An OAuth 2.0 sign-in, refresh or revocation did not complete.
    #[error("Signing in with OAuth 2.0 at {homeserver} did not complete: {detail}. Start it again; if it keeps failing, ask the server's administrator.")]
    OAuthFailed {
        /// The homeserver URL.
        homeserver: String,
        /// What went wrong (never a token).
        detail: String,
    },
    /// The server does not offer single sign-on to confirm this action.
    #[error("{homeserver} does not offer single sign-on to confirm this action.")]
    ReauthNotOffered {
        /// The homeserver URL.
        homeserver: String,
    },
    /// The user cancelled confirming their identity; the action was not done.
    #[error("Confirming your identity was cancelled, so nothing was changed.")]
    ReauthCancelled,
    /// The server did not accept the confirmation in time; the action was not done.
    #[error("Confirming your identity took too long, so nothing was changed. Start again and finish the sign-in in your browser.")]
    ReauthTimedOut,
    /// The system browser refused the address of a browser flow.
    #[error(transparent)]
    Browser(#[from] crate::browser::BrowserError),
    /// The account signs in only through single sign-on: it has no password to confirm or change.
    #[error("This account signs in through single sign-on and has no password, so there is none to change here. Nothing was changed; manage how you sign in at your identity provider.")]
    NoPassword,
}

impl From<LoopbackError> for MatrixError {
    fn from(error: LoopbackError) -> Self {
        match error {
            LoopbackError::Cancelled => Self::SsoCancelled,
            LoopbackError::TimedOut => Self::SsoTimedOut,
            other => Self::SsoListener(other),
        }
    }
}

impl MatrixError {
    /// The code the UI branches on. Wrapped failures (finding the server, the keyring, the
    /// registry, removal) keep their own codes.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Discovery(inner) => inner.code(),
            Self::Browser(inner) => inner.code(),
            Self::Vault(inner) => inner.code(),
            Self::Registry(inner) => inner.code(),
            Self::Remove(inner) => inner.code(),
            Self::WrongCredentials => ErrorCode::MatrixWrongCredentials,
            Self::Deactivated => ErrorCode::MatrixDeactivated,
            Self::RateLimited { .. } => ErrorCode::MatrixRateLimited,
            Self::PasswordNotOffered { .. } => ErrorCode::MatrixPasswordNotOffered,
            Self::AlreadySignedIn { .. } => ErrorCode::MatrixAlreadySignedIn,
            Self::NotSignedIn { .. } | Self::NoSession => ErrorCode::MatrixNotSignedIn,
            Self::SignedOutOnServer { .. } => ErrorCode::MatrixSignedOutOnServer,
            Self::Server { .. } => ErrorCode::MatrixServerError,
            Self::Store { .. } => ErrorCode::MatrixStore,
            Self::UiaWrongPassword { .. } => ErrorCode::MatrixUiaWrongPassword,
            // No password to confirm or change: the same "this app cannot confirm it that way"
            // answer as a re-authentication the app cannot do.
            Self::UiaUnsupported { .. } | Self::NoPassword => ErrorCode::MatrixUiaUnsupported,
            Self::Refused { .. } => ErrorCode::MatrixRefused,
            Self::WeakPassword { .. } => ErrorCode::MatrixWeakPassword,
            Self::InvalidImage { .. } => ErrorCode::MatrixInvalidImage,
            // The password did change: the code says so, whatever stopped the sign-outs.
            Self::PasswordChangedSessionsKept { .. } => {
                ErrorCode::MatrixPasswordChangedSessionsKept
            }
            Self::InvalidInput { .. } => ErrorCode::MatrixInvalidInput,
            Self::SsoCancelled => ErrorCode::MatrixSsoCancelled,
            Self::SsoTimedOut => ErrorCode::MatrixSsoTimedOut,
            // Cancelling and timing out become their own variants (see `From<LoopbackError>`);
            // a listener that could not start is a single sign-on that could not complete.
            Self::SsoFailed { .. } | Self::SsoListener(_) => ErrorCode::MatrixSsoFailed,
            Self::LoginTokenRefused { .. } => ErrorCode::MatrixLoginTokenRefused,
            Self::SignsInWithOAuth { .. } => ErrorCode::MatrixSignsInWithOauth,
            Self::OAuthFailed { .. } => ErrorCode::MatrixOauthFailed,
            Self::ReauthNotOffered { .. } => ErrorCode::MatrixReauthNotOffered,
            Self::ReauthCancelled => ErrorCode::MatrixReauthCancelled,
            Self::ReauthTimedOut => ErrorCode::MatrixReauthTimedOut,
        }
    }
}

/// Whether a failed request means the server no longer knows the session.
pub(crate) fn is_signed_out(error: &HttpError) -> bool {
    use matrix_sdk::ruma::api::error::ErrorKind;
    let unknown_token =
        |e: &HttpError| matches!(e.client_api_error_kind(), Some(ErrorKind::UnknownToken(_)));
    match error {
        HttpError::RefreshToken(RefreshTokenError::MatrixAuth(inner)) => {
            unknown_token(inner)
                || inner
                    .as_client_api_error()
                    .is_some_and(|e| matches!(e.status_code.as_u16(), 401 | 403))
        }
        HttpError::RefreshToken(RefreshTokenError::RefreshTokenRequired) => true,
        // An OAuth 2.0 session whose refresh the authorization server answered with an error
        // (`invalid_grant` for a revoked session); a refresh it never answered is no verdict.
        HttpError::RefreshToken(RefreshTokenError::OAuth(inner)) => matches!(
            inner.as_ref(),
            OAuthError::RefreshToken(RequestTokenError::ServerResponse(_))
        ),
        other => unknown_token(other),
    }
}

/// A matrix-sdk request failure as the error a person reads.
pub(crate) fn http_failure(homeserver: &Url, error: &HttpError) -> MatrixError {
    match error {
        HttpError::Reqwest(inner) => network_error(homeserver, inner).into(),
        other => MatrixError::Server {
            homeserver: display_url(homeserver),
            detail: other.to_string(),
        },
    }
}

fn rate_limited_message(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(delay) => {
            let seconds = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
            format!(
                "Too many sign-in attempts: the server asks you to wait {seconds} seconds before \
                 trying again."
            )
        }
        None => "Too many sign-in attempts: wait a few minutes before trying again.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::challenge::UiaFlow;
    use super::super::homeserver::error_examples::{homeserver, refused_connection};
    use super::*;
    use crate::error_code::assert_pinned;

    /// One value of every variant, with the code it must keep. Each wrapping variant holds a
    /// cause whose code differs from any the wrapper could pick itself, to show it is kept.
    #[allow(clippy::too_many_lines)] // One entry per variant: the list is the test.
    fn matrix_examples() -> Vec<(MatrixError, &'static str)> {
        vec![
            (
                MatrixError::Discovery(refused_connection()),
                "matrix_connection_refused",
            ),
            (MatrixError::WrongCredentials, "matrix_wrong_credentials"),
            (MatrixError::Deactivated, "matrix_deactivated"),
            (
                MatrixError::RateLimited { retry_after: None },
                "matrix_rate_limited",
            ),
            (
                MatrixError::PasswordNotOffered {
                    homeserver: homeserver(),
                },
                "matrix_password_not_offered",
            ),
            (
                MatrixError::AlreadySignedIn {
                    user_id: "@alice:example.org".into(),
                },
                "matrix_already_signed_in",
            ),
            (
                MatrixError::NotSignedIn {
                    user_id: "@alice:example.org".into(),
                },
                "matrix_not_signed_in",
            ),
            (
                MatrixError::SignedOutOnServer {
                    user_id: "@alice:example.org".into(),
                },
                "matrix_signed_out_on_server",
            ),
            (
                MatrixError::Server {
                    homeserver: homeserver(),
                    detail: "500".into(),
                },
                "matrix_server_error",
            ),
            (
                MatrixError::Store {
                    detail: "database is locked".into(),
                },
                "matrix_store",
            ),
            (
                MatrixError::Browser(crate::browser::BrowserError::NoOpener),
                "browser_unavailable",
            ),
            (
                MatrixError::Vault(VaultError::Locked { detail: "x".into() }),
                "keyring_locked",
            ),
            (
                MatrixError::Registry(RegistryError::UnknownAccount("matrix-1".into())),
                "unknown_account",
            ),
            (
                MatrixError::Remove(RemoveError::Secrets(VaultError::Unavailable {
                    detail: "no session bus".into(),
                })),
                "keyring_unavailable",
            ),
            (MatrixError::NoSession, "matrix_not_signed_in"),
            (
                MatrixError::UiaWrongPassword {
                    challenge: UiaChallenge {
                        session: Some("uia-1".into()),
                        flows: vec![UiaFlow {
                            stages: vec!["m.login.password".into()],
                        }],
                        completed: Vec::new(),
                    },
                },
                "matrix_uia_wrong_password",
            ),
            (
                MatrixError::UiaUnsupported {
                    stages: "m.login.recaptcha".into(),
                },
                "matrix_uia_unsupported",
            ),
            (
                MatrixError::Refused {
                    homeserver: homeserver(),
                    detail: "forbidden".into(),
                },
                "matrix_refused",
            ),
            (
                MatrixError::WeakPassword {
                    detail: "too short".into(),
                },
                "matrix_weak_password",
            ),
            (
                MatrixError::InvalidImage {
                    detail: "not a PNG, JPEG, GIF or WebP image".into(),
                },
                "matrix_invalid_image",
            ),
            (
                MatrixError::PasswordChangedSessionsKept {
                    cause: Box::new(MatrixError::Server {
                        homeserver: homeserver(),
                        detail: "500".into(),
                    }),
                },
                "matrix_password_changed_sessions_kept",
            ),
            (
                MatrixError::InvalidInput {
                    detail: "Type a display name.".into(),
                },
                "matrix_invalid_input",
            ),
            (MatrixError::SsoCancelled, "matrix_sso_cancelled"),
            (MatrixError::SsoTimedOut, "matrix_sso_timed_out"),
            (
                MatrixError::SsoFailed {
                    homeserver: homeserver(),
                    detail: "no login token".into(),
                },
                "matrix_sso_failed",
            ),
            (
                MatrixError::LoginTokenRefused {
                    homeserver: homeserver(),
                },
                "matrix_login_token_refused",
            ),
            (
                MatrixError::SsoListener(LoopbackError::Bind {
                    source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
                }),
                "matrix_sso_failed",
            ),
            (
                MatrixError::ReauthNotOffered {
                    homeserver: homeserver(),
                },
                "matrix_reauth_not_offered",
            ),
            (MatrixError::ReauthCancelled, "matrix_reauth_cancelled"),
            (MatrixError::ReauthTimedOut, "matrix_reauth_timed_out"),
            (MatrixError::NoPassword, "matrix_uia_unsupported"),
            (
                MatrixError::SignsInWithOAuth {
                    homeserver: homeserver(),
                },
                "matrix_signs_in_with_oauth",
            ),
            (
                MatrixError::OAuthFailed {
                    homeserver: homeserver(),
                    detail: "the authorization server refused the code".into(),
                },
                "matrix_oauth_failed",
            ),
        ]
    }

    // Exhaustive on purpose: a new variant fails to compile here until it is named, which is
    // the reminder to add an example of it above.
    fn matrix_variant(error: &MatrixError) -> &'static str {
        match error {
            MatrixError::Discovery(_) => "Discovery",
            MatrixError::WrongCredentials => "WrongCredentials",
            MatrixError::Deactivated => "Deactivated",
            MatrixError::RateLimited { .. } => "RateLimited",
            MatrixError::PasswordNotOffered { .. } => "PasswordNotOffered",
            MatrixError::AlreadySignedIn { .. } => "AlreadySignedIn",
            MatrixError::NotSignedIn { .. } => "NotSignedIn",
            MatrixError::SignedOutOnServer { .. } => "SignedOutOnServer",
            MatrixError::Server { .. } => "Server",
            MatrixError::Store { .. } => "Store",
            MatrixError::Vault(_) => "Vault",
            MatrixError::Browser(_) => "Browser",
            MatrixError::Registry(_) => "Registry",
            MatrixError::Remove(_) => "Remove",
            MatrixError::NoSession => "NoSession",
            MatrixError::UiaWrongPassword { .. } => "UiaWrongPassword",
            MatrixError::UiaUnsupported { .. } => "UiaUnsupported",
            MatrixError::Refused { .. } => "Refused",
            MatrixError::WeakPassword { .. } => "WeakPassword",
            MatrixError::InvalidImage { .. } => "InvalidImage",
            MatrixError::PasswordChangedSessionsKept { .. } => "PasswordChangedSessionsKept",
            MatrixError::InvalidInput { .. } => "InvalidInput",
            MatrixError::SsoCancelled => "SsoCancelled",
            MatrixError::SsoTimedOut => "SsoTimedOut",
            MatrixError::SsoFailed { .. } => "SsoFailed",
            MatrixError::LoginTokenRefused { .. } => "LoginTokenRefused",
            MatrixError::SsoListener(_) => "SsoListener",
            MatrixError::ReauthNotOffered { .. } => "ReauthNotOffered",
            MatrixError::ReauthCancelled => "ReauthCancelled",
            MatrixError::ReauthTimedOut => "ReauthTimedOut",
            MatrixError::NoPassword => "NoPassword",
            MatrixError::SignsInWithOAuth { .. } => "SignsInWithOAuth",
            MatrixError::OAuthFailed { .. } => "OAuthFailed",
        }
    }

    #[test]
    fn every_matrix_error_has_a_pinned_code_and_a_message() {
        assert_pinned(&matrix_examples(), matrix_variant, MatrixError::code);
    }

    #[test]
    fn the_rate_limit_message_gives_the_delay_rounded_up() {
        let message = MatrixError::RateLimited {
            retry_after: Some(Duration::from_millis(29_500)),
        }
        .to_string();
        assert!(message.contains("wait 30 seconds"), "{message}");
    }
}
