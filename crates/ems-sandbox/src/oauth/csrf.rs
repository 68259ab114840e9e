//! Cross-site request forgery defence for the provider's own HTML forms: the sign-in form, the
//! consent page and the end-session confirmation.
//!
//! Two independent checks guard every browser form POST:
//! - its `Origin` header must be the issuer's origin; a POST without one is refused, because
//!   every browser this server serves sends it on form POSTs (the pages' `Referrer-Policy` is
//!   `same-origin`, under which browsers keep it);
//! - its `csrf_token` field must match the browser's pre-session cookie (`ems_sandbox_csrf`,
//!   set when the form is shown). The token is a keyed hash of the cookie, so a page that
//!   manages to plant a cookie (cookies ignore ports on 127.0.0.1) still cannot forge the token.
//!
//! The machine endpoints (token, revocation, userinfo, the control-panel API) take no cookies and
//! are not guarded here: their callers send no `Origin`.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::{cookie, Params, Provider};
use crate::secret::{new_token, secrets_match};

/// The pre-session cookie.
pub const CSRF_COOKIE: &str = "ems_sandbox_csrf";

/// The hidden form field carrying the token.
pub const CSRF_FIELD: &str = "csrf_token";

/// The key of the token hash, derived from the signing key so that tokens survive a restart.
pub(crate) fn derive_key(signing_secret: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"ems-sandbox csrf key v1\0");
    hash.update(signing_secret);
    hash.finalize().into()
}

/// A browser's pre-session: the value of its cookie, minted when it had none.
pub(crate) struct PreSession {
    id: String,
    fresh: bool,
}

impl PreSession {
    /// The pre-session of the requesting browser, or a new one.
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        match cookie(headers, CSRF_COOKIE).filter(|v| well_formed(v)) {
            Some(id) => Self {
                id: id.to_owned(),
                fresh: false,
            },
            None => Self {
                id: new_token(),
                fresh: true,
            },
        }
    }

    /// The token the forms of this browser carry.
    pub(crate) fn token(&self, provider: &Provider) -> String {
        token_for(&provider.csrf_key, &self.id)
    }

    /// Adds the cookie to a page that shows a form, when the browser did not have it yet.
    pub(crate) fn set_on(&self, mut response: Response) -> Response {
        if self.fresh {
            let value = format!("{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax", self.id);
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

/// Cookie values this server mints: 43 base64url characters.
fn well_formed(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `H(key ‖ H(key ‖ id))`: the outer hash keeps the token from being extended.
fn token_for(key: &[u8; 32], id: &str) -> String {
    let inner: [u8; 32] = Sha256::new()
        .chain_update(key)
        .chain_update(b"csrf\0")
        .chain_update(id.as_bytes())
        .finalize()
        .into();
    let outer = Sha256::new()
        .chain_update(key)
        .chain_update(inner)
        .finalize();
    URL_SAFE_NO_PAD.encode(outer)
}

/// Why a browser form POST was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forgery {
    /// No `Origin` header.
    NoOrigin,
    /// An `Origin` other than the issuer's.
    ForeignOrigin,
    /// No pre-session cookie, no token, or a token for another cookie.
    BadToken,
}

impl Forgery {
    /// What the person in front of the browser is told.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::NoOrigin | Self::ForeignOrigin => {
                "This form was not sent from this server's own page, so it was refused. Start again from the app."
            }
            Self::BadToken => {
                "This form has expired or was not shown to this browser, so it was refused. Start again from the app."
            }
        }
    }
}

/// Checks a browser form POST: its `Origin`, then its token against the pre-session cookie.
pub(crate) fn check_form(
    provider: &Provider,
    headers: &HeaderMap,
    params: &Params,
) -> Result<(), Forgery> {
    let origin = headers
        .get(header::ORIGIN)
        .ok_or(Forgery::NoOrigin)?
        .to_str()
        .map_err(|_| Forgery::ForeignOrigin)?;
    if origin != &*provider.origin {
        log::warn!("refused a form POST from origin {origin:?}");
        return Err(Forgery::ForeignOrigin);
    }
    let id = cookie(headers, CSRF_COOKIE)
        .filter(|v| well_formed(v))
        .ok_or(Forgery::BadToken)?;
    let given = params.get(CSRF_FIELD).ok_or(Forgery::BadToken)?;
    if secrets_match(given, &token_for(&provider.csrf_key, id)) {
        Ok(())
    } else {
        Err(Forgery::BadToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_the_key_and_the_cookie() {
        let key = derive_key(b"one key");
        let id = new_token();
        assert_eq!(token_for(&key, &id), token_for(&key, &id));
        assert_ne!(token_for(&key, &id), token_for(&key, &new_token()));
        assert_ne!(
            token_for(&key, &id),
            token_for(&derive_key(b"another key"), &id),
            "without the server's key a planted cookie gets no valid token"
        );
        assert!(well_formed(&id));
        assert!(!well_formed("short"), "only values this server mints");
    }
}
