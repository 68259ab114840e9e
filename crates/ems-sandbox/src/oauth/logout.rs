//! RP-initiated logout (end-session): ends the browser session; sends the browser on only to a
//! `post_logout_redirect_uri` registered for the client named by `client_id` or `id_token_hint`.
//!
//! A GET never ends a live session by itself: it shows a confirmation whose CSRF-protected POST
//! does, so a link or an image on another site cannot sign the user out. A GET from a browser
//! without a session has nothing to end and goes straight on.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::authorize::posted_form;
use super::csrf::{PreSession, CSRF_FIELD};
use super::html::{error_page, page, sign_out_page};
use super::{cookie, paths, Params, Provider, SESSION_COOKIE};

/// The parameters the confirmation carries to its POST.
const CARRIED: &[&str] = &[
    "id_token_hint",
    "client_id",
    "post_logout_redirect_uri",
    "state",
];

/// `GET /oauth2/logout`: the confirmation page, or, without a live session, the end itself.
pub(super) async fn confirm(
    State(provider): State<Provider>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Ok(params) = Params::parse(query.unwrap_or_default().as_bytes()) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The sign-out request repeats a parameter.",
        );
    };
    let redirect = match checked_redirect(&provider, &params) {
        Ok(r) => r,
        Err(message) => return error_page(StatusCode::BAD_REQUEST, message),
    };
    let session = match cookie(&headers, SESSION_COOKIE).map(|id| provider.store.session(id)) {
        None => None,
        Some(Ok(session)) => session,
        Some(Err(e)) => {
            log::error!("reading a browser session failed: {e}");
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Signing out failed on the server; try again.",
            );
        }
    };
    let Some((user, _)) = session else {
        return finish(&provider, &headers, &params, redirect);
    };
    let pre = PreSession::of(&headers);
    let token = pre.token(&provider);
    let mut hidden: Vec<(&str, &str)> = CARRIED
        .iter()
        .filter_map(|&n| params.get(n).map(|v| (n, v)))
        .collect();
    hidden.push((CSRF_FIELD, &token));
    pre.set_on(sign_out_page(
        &provider.endpoint(paths::LOGOUT),
        &hidden,
        &user.email,
    ))
}

/// `POST /oauth2/logout`: the confirmation's form.
pub(super) async fn end_session(
    State(provider): State<Provider>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let repeated = "The sign-out request repeats a parameter.";
    let params = match posted_form(&provider, &headers, &body, repeated) {
        Ok(params) => params,
        Err(page) => return *page,
    };
    match checked_redirect(&provider, &params) {
        Ok(redirect) => finish(&provider, &headers, &params, redirect),
        Err(message) => error_page(StatusCode::BAD_REQUEST, message),
    }
}

/// Where to send the browser afterwards, if anywhere; or why the request is not honoured (for a
/// 400 page).
fn checked_redirect<'a>(
    provider: &Provider,
    params: &'a Params,
) -> Result<Option<&'a str>, &'static str> {
    let hinted_client = match params.get("id_token_hint") {
        None => None,
        Some(hint) => match provider.key.verify_jwt(hint) {
            Some(claims) if claims["iss"].as_str() == Some(&*provider.issuer) => {
                claims["aud"].as_str().map(str::to_owned)
            }
            _ => return Err("The id_token_hint was not issued by this server."),
        },
    };
    let client_id = match (params.get("client_id"), hinted_client.as_deref()) {
        (Some(a), Some(b)) if a != b => {
            return Err("client_id and id_token_hint name different apps.");
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
                return Err("The address to return to after signing out is not registered for this app; you were not signed out.");
            }
            Some(uri)
        }
    };
    Ok(redirect)
}

/// Ends the browser session (if any), clears its cookie, and redirects or says so.
fn finish(
    provider: &Provider,
    headers: &HeaderMap,
    params: &Params,
    redirect: Option<&str>,
) -> Response {
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
