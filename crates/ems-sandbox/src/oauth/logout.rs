//! RP-initiated logout (end-session): ends the browser session; sends the browser on only to a
//! `post_logout_redirect_uri` registered for the client named by `client_id` or `id_token_hint`.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::html::{error_page, page};
use super::{cookie, Params, Provider, SESSION_COOKIE};

/// `GET /oauth2/logout`.
pub(super) async fn end_session_get(
    State(provider): State<Provider>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    end_session(&provider, &headers, query.unwrap_or_default().as_bytes())
}

/// `POST /oauth2/logout`.
pub(super) async fn end_session_post(
    State(provider): State<Provider>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    end_session(&provider, &headers, &body)
}

fn end_session(provider: &Provider, headers: &HeaderMap, raw: &[u8]) -> Response {
    let Ok(params) = Params::parse(raw) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The sign-out request repeats a parameter.",
        );
    };
    let hinted_client = match params.get("id_token_hint") {
        None => None,
        Some(hint) => match provider.key.verify_jwt(hint) {
            Some(claims) if claims["iss"].as_str() == Some(&*provider.issuer) => {
                claims["aud"].as_str().map(str::to_owned)
            }
            _ => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "The id_token_hint was not issued by this server.",
                )
            }
        },
    };
    let client_id = match (params.get("client_id"), hinted_client.as_deref()) {
        (Some(a), Some(b)) if a != b => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "client_id and id_token_hint name different apps.",
            );
        }
        (Some(id), _) | (None, Some(id)) => Some(id.to_owned()),
        (None, None) => None,
    };
    let redirect = match params.get("post_logout_redirect_uri") {
        None => None,
        Some(uri) => {
            let registered = client_id
                .as_deref()
                .and_then(|id| provider.config.client(id))
                .is_some_and(|c| c.allows_post_logout_redirect(uri));
            if !registered {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "The address to return to after signing out is not registered for this app; you were not signed out.",
                );
            }
            Some(uri)
        }
    };
    if let Some(session_id) = cookie(headers, SESSION_COOKIE) {
        if let Err(e) = provider.store.end_session(session_id) {
            log::error!("ending a browser session failed: {e}");
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Signing out failed on the server; try again.",
            );
        }
    }
    let clear =
        HeaderValue::from_static("ems_sandbox_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    let mut response = match redirect.and_then(|uri| Url::parse(uri).ok()) {
        Some(mut url) => {
            if let Some(state) = params.get("state") {
                url.query_pairs_mut().append_pair("state", state);
            }
            (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
        }
        None => page(
            StatusCode::OK,
            "Signed out",
            "<p>You are signed out of EMS. You can close this tab.</p>",
        ),
    };
    response.headers_mut().insert(header::SET_COOKIE, clear);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
