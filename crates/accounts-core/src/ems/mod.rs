//! The EMS account: OpenID Connect sign-in in the system browser, tokens that refresh one at a
//! time, sign-out.
//!
//! Sign-in is the authorization code flow with PKCE S256, `state` and `nonce` (RFC 8252): the
//! browser comes back to a [`crate::loopback`] listener, the code is exchanged, the ID token is
//! verified against the issuer's JWKS, and the tokens go to the [`crate::vault`]. An
//! [`EmsSession`] hands out access tokens, refreshing them before they expire and after a 401,
//! with one refresh at a time (the server revokes the whole token family when a spent refresh
//! token is presented, so two racing refreshes would sign the user out). The browser is opened
//! through the core's [`crate::browser::Opener`]; [`EmsControlPanel`] is the control-panel API
//! client; [`EmsAccounts`] holds every account, its cache and its deletion in progress.

mod accounts;
mod api;
mod cache;
mod deletion;
mod error;
mod provider;
mod session;
mod signin;
mod tokens;

pub use accounts::{EmsAccountStatus, EmsAccountView, EmsAccounts};
pub use api::{EmsApiError, EmsControlPanel};
pub use cache::{EmsCache, EmsOverview};
pub use deletion::{matrix_accounts_on, DeletionView, EmsDeletions};
pub use error::EmsError;
pub use provider::{EmsProvider, Identity, EMS_CLIENT_ID, EMS_SCOPES};
pub use session::{EmsSession, SessionStatus};
pub use signin::{
    begin_sign_in, Authorization, PendingSignIn, SignedIn, CALLBACK_PATH, DEFAULT_SIGN_IN_TIMEOUT,
};
pub use tokens::TokenSet;

/// An HTTP client for EMS: no redirects followed (the protocol's redirects are the browser's).
///
/// # Panics
/// Only if the TLS backend cannot start at all: the configuration is fixed, and a client that
/// silently followed redirects instead would break the rule above.
#[must_use]
pub fn http_client() -> reqwest::Client {
    // The transport's client: the same timeouts, and the extra CAs the user configured.
    crate::transport::credential_client()
}

/// An error and its causes on one line ("a: b: c"), for messages.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
