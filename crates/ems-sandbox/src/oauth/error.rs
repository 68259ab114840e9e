//! OAuth 2.0 error responses: the `error` codes of RFC 6749 §4.1.2.1 and §5.2, OIDC's
//! `login_required` and `consent_required`, and how each is answered (JSON at the token endpoint, a redirect to a
//! verified redirect URI, or an HTML page).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::SandboxError;

/// Declares [`OAuthError`] from a table: each refusal that shows the client's developer its
/// description, with the RFC `error` code it is answered with.
macro_rules! refusals {
    ($($(#[doc = $doc:literal])+ $variant:ident => $code:literal,)+) => {
        /// Why an OAuth request was refused. Each description is for the client's developer.
        #[derive(Debug, thiserror::Error)]
        #[non_exhaustive]
        pub enum OAuthError {
            $(
                $(#[doc = $doc])+
                #[error("{0}")]
                $variant(&'static str),
            )+
            /// The server's database failed (`server_error`); the details are logged, not sent.
            #[error("the server could not complete the request; try again")]
            Server(#[from] SandboxError),
        }

        impl OAuthError {
            /// The RFC 6749 `error` code.
            #[must_use]
            pub fn code(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $code,)+
                    Self::Server(_) => "server_error",
                }
            }
        }
    };
}

refusals! {
    /// A parameter is missing, repeated, malformed or has an unsupported value (`invalid_request`).
    InvalidRequest => "invalid_request",
    /// Client authentication failed: unknown client, or a wrong or missing secret (`invalid_client`).
    InvalidClient => "invalid_client",
    /// The code or refresh token is unknown, expired, spent or revoked, or does not match the
    /// client, redirect URI or PKCE verifier (`invalid_grant`).
    InvalidGrant => "invalid_grant",
    /// The grant type is not one this server supports (`unsupported_grant_type`).
    UnsupportedGrantType => "unsupported_grant_type",
    /// The response type is not `code` (`unsupported_response_type`).
    UnsupportedResponseType => "unsupported_response_type",
    /// A requested scope is unknown or wider than the grant (`invalid_scope`).
    InvalidScope => "invalid_scope",
    /// `prompt=none` was asked but the browser has no session (`login_required`).
    LoginRequired => "login_required",
    /// `prompt=none` was asked but the user must confirm this client first
    /// (`consent_required`).
    ConsentRequired => "consent_required",
    /// The user may not sign in to this client (`access_denied`).
    AccessDenied => "access_denied",
    /// The homeserver did not take the user or device it was told about
    /// (`temporarily_unavailable`); nothing was handed out.
    HomeserverUnavailable => "temporarily_unavailable",
}

impl OAuthError {
    /// Logs server-side failures; returns the error for chaining.
    pub(crate) fn logged(self) -> Self {
        if let Self::Server(e) = &self {
            log::error!("request failed: {e}");
        }
        self
    }

    /// The RFC 6749 §5.2 JSON answer (for the token and revocation endpoints). `basic` says
    /// whether the client tried HTTP Basic authentication, which a 401 must then challenge.
    #[must_use]
    pub fn into_json_response(self, basic: bool) -> Response {
        let this = self.logged();
        let status = match this {
            OAuthError::InvalidClient(_) => StatusCode::UNAUTHORIZED,
            OAuthError::Server(_) => StatusCode::INTERNAL_SERVER_ERROR,
            OAuthError::HomeserverUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = json!({ "error": this.code(), "error_description": this.to_string() });
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if basic && status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"ems-sandbox\""),
            );
        }
        response
    }
}
