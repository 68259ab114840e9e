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

/// Why a request to the EMS server got no answer, in a person's words. The HTTP client's own
/// chain of errors (sockets, OS error numbers, the request's URL) goes to the log instead.
pub(crate) fn unreachable_detail(error: &(dyn std::error::Error + 'static)) -> String {
    let chain = error_chain(error);
    log::warn!("an EMS request got no answer: {chain}");
    let mut http = None;
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(found) = current.downcast_ref::<reqwest::Error>() {
            http = Some(found);
            break;
        }
        cause = current.source();
    }
    let lower = chain.to_lowercase();
    let words = if http.is_some_and(reqwest::Error::is_timeout) {
        "it did not answer in time"
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
    {
        "no server of that name could be found"
    } else if lower.contains("certificate") {
        "its certificate is not trusted"
    } else if lower.contains("connection refused") {
        "nothing answered there (the connection was refused): the server may be down"
    } else if http.is_some_and(reqwest::Error::is_connect) {
        "no connection could be made to it"
    } else {
        "the connection broke off before it answered"
    };
    words.to_owned()
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
