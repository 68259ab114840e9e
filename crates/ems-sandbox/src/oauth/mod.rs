//! The OIDC provider: discovery, JWKS, the authorization endpoint with its sign-in
//! form, the token endpoint, userinfo, revocation and end-session, as one axum router.
//!
//! Request parsing is done here by hand (raw query or body into [`Params`]) so that every
//! malformed request becomes an OAuth error or an error page, never an extractor's rejection.

mod account;
mod authorize;
mod csrf;
mod error;
mod html;
mod logout;
pub mod matrix;
mod metadata;
mod sign_in;
mod token;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::Router;

pub(crate) use csrf::derive_key as derive_csrf_key;
pub use csrf::{CSRF_COOKIE, CSRF_FIELD};
pub use error::OAuthError;

use crate::config::ProviderConfig;
use crate::keys::IdTokenKey;
use crate::store::Store;

/// The name of the browser-session cookie; distinctive because cookies ignore ports and Synapse
/// and the app's loopback listener share 127.0.0.1.
pub const SESSION_COOKIE: &str = "ems_sandbox_session";

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Paths of the endpoints, relative to the issuer.
pub mod paths {
    /// OIDC discovery.
    pub const DISCOVERY: &str = ".well-known/openid-configuration";
    /// The JWK set.
    pub const JWKS: &str = "oauth2/jwks";
    /// The authorization endpoint (GET: the request; POST: the sign-in form).
    pub const AUTHORIZE: &str = "oauth2/authorize";
    /// The token endpoint.
    pub const TOKEN: &str = "oauth2/token";
    /// The userinfo endpoint.
    pub const USERINFO: &str = "oauth2/userinfo";
    /// RFC 7009 revocation.
    pub const REVOKE: &str = "oauth2/revoke";
    /// RP-initiated logout (end-session).
    pub const LOGOUT: &str = "oauth2/logout";
    /// RFC 7591 dynamic client registration (the authorization-server listener only).
    pub const REGISTER: &str = "oauth2/registration";
    /// RFC 7662 introspection, for the homeserver (the authorization-server listener only).
    pub const INTROSPECT: &str = "oauth2/introspect";
    /// The account-management pages (the authorization-server listener only).
    pub const ACCOUNT: &str = "account/";
    /// The sign-up page of `prompt=create` (the authorization-server listener only).
    pub const SIGN_UP: &str = "oauth2/sign-up";
}

/// The scopes this provider knows.
pub const SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "offline_access",
    "ems.account",
    "ems.subscriptions",
];

/// How long an ID token is valid, in seconds.
const ID_TOKEN_LIFETIME: i64 = 600;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct Provider {
    pub(crate) store: Arc<Store>,
    pub(crate) config: Arc<ProviderConfig>,
    pub(crate) key: Arc<IdTokenKey>,
    /// The issuer, ending in `/`.
    pub(crate) issuer: Arc<str>,
    /// The issuer's origin (`http://127.0.0.1:8765`), which browser form POSTs must come from.
    pub(crate) origin: Arc<str>,
    /// The key of the forms' CSRF tokens.
    pub(crate) csrf_key: Arc<[u8; 32]>,
    /// The homeserver this listener is the authorization server of, on the https listener.
    pub(crate) matrix: Option<Arc<matrix::MatrixAuth>>,
}

impl Provider {
    /// The absolute URL of an endpoint.
    pub(crate) fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}

/// The router for all endpoints.
pub(crate) fn router(provider: Provider) -> Router {
    let slash = |p: &str| format!("/{p}");
    Router::new()
        .route(&slash(paths::DISCOVERY), get(metadata::discovery))
        .route(&slash(paths::JWKS), get(metadata::jwks))
        .route(
            &slash(paths::AUTHORIZE),
            get(authorize::start).post(authorize::post),
        )
        .route(&slash(paths::TOKEN), post(token::token))
        .route(
            &slash(paths::USERINFO),
            get(metadata::userinfo).post(metadata::userinfo),
        )
        .route(&slash(paths::REVOKE), post(token::revoke))
        .route(&slash(paths::REGISTER), post(matrix::register))
        .route(&slash(paths::INTROSPECT), post(matrix::introspect))
        .route(
            &slash(paths::ACCOUNT),
            get(account::show).post(account::post),
        )
        .route(
            &slash(paths::SIGN_UP),
            get(account::sign_up_form).post(account::sign_up),
        )
        .route(
            &slash(paths::LOGOUT),
            get(logout::confirm).post(logout::end_session),
        )
        .route("/", get(metadata::home))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(provider)
}

/// Form or query parameters. Empty values count as absent (RFC 6749 §3.1); a repeated parameter
/// is an error.
#[derive(Debug, Default)]
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    pub(crate) fn parse(raw: &[u8]) -> Result<Self, OAuthError> {
        let mut map = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(raw) {
            if value.is_empty() {
                continue;
            }
            if map.insert(name.into_owned(), value.into_owned()).is_some() {
                return Err(OAuthError::InvalidRequest(
                    "a parameter appears more than once",
                ));
            }
        }
        Ok(Self(map))
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// The value of a cookie in the request.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(n, v)| (n == name).then_some(v))
}

/// The credential of an `Authorization: Bearer <credential>` header (the scheme in any case),
/// if the request has one.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, credential)| credential.trim())
}

/// The granted scopes, deduplicated, in request order; unknown scopes are refused. `matrix` says
/// whether the Matrix scopes are known (on the authorization-server listener).
pub(crate) fn parse_scope(scope: &str, matrix: bool) -> Result<String, OAuthError> {
    let mut seen: Vec<&str> = Vec::new();
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        if !(SCOPES.contains(&s) || matrix && matrix::is_matrix_scope(s)) {
            return Err(OAuthError::InvalidScope(
                "a requested scope is not known to this server",
            ));
        }
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    if seen.is_empty() {
        return Err(OAuthError::InvalidScope("the scope is empty"));
    }
    let scope = seen.join(" ");
    if matrix {
        matrix::check_scope(&scope)?;
    }
    Ok(scope)
}

pub(crate) fn has_scope(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}

/// The identity claims a scope allows (shared by ID tokens and userinfo).
pub(crate) fn identity_claims(
    user: &crate::store::User,
    scope: &str,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value;
    let mut claims = serde_json::Map::new();
    claims.insert("sub".into(), Value::from(user.id.clone()));
    if has_scope(scope, "email") {
        claims.insert("email".into(), Value::from(user.email.clone()));
        claims.insert("email_verified".into(), Value::Bool(true));
    }
    if has_scope(scope, "profile") {
        claims.insert("name".into(), Value::from(user.name.clone()));
        claims.insert(
            "preferred_username".into(),
            Value::from(user.username.clone()),
        );
    }
    claims
}
