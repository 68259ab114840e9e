//! What the provider says about itself (discovery, JWKS, a home page) and about the user
//! (userinfo).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::html::{escape, page};
use super::{bearer_token, has_scope, identity_claims, paths, Provider, SCOPES};

/// `GET /.well-known/openid-configuration`.
pub(super) async fn discovery(State(provider): State<Provider>) -> Json<Value> {
    let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
    let mut document = json!({
        "issuer": &*provider.issuer,
        "authorization_endpoint": provider.endpoint(paths::AUTHORIZE),
        "token_endpoint": provider.endpoint(paths::TOKEN),
        "userinfo_endpoint": provider.endpoint(paths::USERINFO),
        "jwks_uri": provider.endpoint(paths::JWKS),
        "revocation_endpoint": provider.endpoint(paths::REVOKE),
        "end_session_endpoint": provider.endpoint(paths::LOGOUT),
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login"],
        "authorization_response_iss_parameter_supported": true,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "email", "email_verified", "name", "preferred_username"],
    });
    if provider.matrix.is_some() {
        super::matrix::discovery_fields(&provider, &mut document);
    }
    Json(document)
}

/// `GET /oauth2/jwks`.
pub(super) async fn jwks(State(provider): State<Provider>) -> Json<Value> {
    Json(json!({ "keys": [provider.key.public_jwk()] }))
}

/// `GET /`: tells a person who opens the server in a browser what it is.
pub(super) async fn home(State(provider): State<Provider>) -> Response {
    let discovery = provider.endpoint(paths::DISCOVERY);
    page(
        StatusCode::OK,
        "EMS sandbox",
        &format!(
            "<p>The EMS reference server's OpenID Connect provider. Its discovery document is at \
             <a href=\"{0}\">{0}</a>.</p>",
            escape(&discovery)
        ),
    )
}

/// `GET` or `POST /oauth2/userinfo` with `Authorization: Bearer`.
pub(super) async fn userinfo(State(provider): State<Provider>, headers: HeaderMap) -> Response {
    let Some(token) = bearer_token(&headers) else {
        return challenge(StatusCode::UNAUTHORIZED, "Bearer realm=\"ems-sandbox\"");
    };
    match provider.store.access_token(token) {
        Ok(Some(info)) if has_scope(&info.scope, "openid") => {
            let mut response =
                Json(Value::Object(identity_claims(&info.user, &info.scope))).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(Some(_)) => challenge(
            StatusCode::FORBIDDEN,
            "Bearer error=\"insufficient_scope\", scope=\"openid\"",
        ),
        Ok(None) => challenge(StatusCode::UNAUTHORIZED, "Bearer error=\"invalid_token\""),
        Err(e) => {
            log::error!("userinfo failed: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn challenge(status: StatusCode, value: &'static str) -> Response {
    (
        status,
        [
            (header::WWW_AUTHENTICATE, value),
            (header::CACHE_CONTROL, "no-store"),
        ],
    )
        .into_response()
}
