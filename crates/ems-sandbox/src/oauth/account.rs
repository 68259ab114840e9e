//! The browser pages of the authorization-server listener beyond sign-in: the sign-up page that
//! `prompt=create` leads to, and the account-management pages a Matrix client opens through
//! `account_management_uri?action=…` (profile, devices, one device, deactivation).
//!
//! Every page needs the browser's session (the one sign-in made); every POST passes the CSRF
//! check of [`super::csrf`]. What they change on the homeserver goes through
//! [`super::matrix::MatrixAuth`].

use std::fmt::Write as _;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use url::Url;

use super::authorize::{browser_session, carried, posted_request, AuthRequest};
use super::csrf::{check_form, PreSession, CSRF_FIELD};
use super::html::{error_page, escape, hidden_inputs, page};
use super::matrix::{self, MatrixAuth};
use super::sign_in::start_session;
use super::{paths, OAuthError, Params, Provider};
use crate::secret::Secret;
use crate::store::{LiveGrant, NewUser, User};
use crate::SandboxError;

/// `prompt=create`: the browser goes to the sign-up page, carrying the request.
pub(super) fn to_sign_up(provider: &Provider, params: &Params) -> Response {
    let mut url = Url::parse(&provider.endpoint(paths::SIGN_UP))
        .unwrap_or_else(|_| unreachable!("the issuer was checked at start-up"));
    url.query_pairs_mut().extend_pairs(carried(params));
    Redirect::to(url.as_str()).into_response()
}

fn sign_up_page(
    provider: &Provider,
    params: &Params,
    pre: &PreSession,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let token = pre.token(provider);
    let mut hidden = carried(params);
    hidden.push((CSRF_FIELD, &token));
    let mut body = String::from("<p>Create an EMS account to continue.</p>");
    if let Some(error) = error {
        let _ = write!(
            body,
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        );
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{}\">",
        escape(&provider.endpoint(paths::SIGN_UP))
    );
    hidden_inputs(&mut body, &hidden);
    let value = |name: &str| escape(params.get(name).unwrap_or_default());
    let _ = write!(
        body,
        "<label for=\"email\">Email</label>\
         <input id=\"email\" type=\"email\" name=\"email\" value=\"{}\" autocomplete=\"email\" required>\
         <label for=\"name\">Name</label>\
         <input id=\"name\" type=\"text\" name=\"name\" value=\"{}\" autocomplete=\"name\" required>\
         <label for=\"username\">User name (your Matrix ID's first part)</label>\
         <input id=\"username\" type=\"text\" name=\"username\" value=\"{}\" autocomplete=\"username\" required>\
         <label for=\"new-password\">Password (at least 8 characters)</label>\
         <input id=\"new-password\" type=\"password\" name=\"new_password\" autocomplete=\"new-password\" required>\
         <button id=\"create\" type=\"submit\">Create account</button></form>",
        value("email"),
        value("name"),
        value("username"),
    );
    pre.set_on(page(status, "Create your account", &body))
}

/// `GET /oauth2/sign-up`: the sign-up form for an authorization request.
pub(super) async fn sign_up_form(
    State(provider): State<Provider>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if provider.matrix.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(params) = Params::parse(query.unwrap_or_default().as_bytes()) else {
        return error_page(StatusCode::BAD_REQUEST, "The request repeats a parameter.");
    };
    if let Err(refusal) = AuthRequest::check(&provider, &params) {
        return refusal.into_response();
    }
    let pre = PreSession::of(&headers);
    sign_up_page(&provider, &params, &pre, StatusCode::OK, None)
}

/// `POST /oauth2/sign-up`: creates the customer, starts their browser session, and sends the
/// browser back to the client with a code (they have just confirmed by signing up).
pub(super) async fn sign_up(
    State(provider): State<Provider>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if provider.matrix.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let repeated = "The form repeats a field.";
    let (params, request) = match posted_request(&provider, &headers, &body, repeated) {
        Ok(checked) => checked,
        Err(page) => return *page,
    };
    let pre = PreSession::of(&headers);
    let new = NewUser {
        email: params.get("email").unwrap_or_default().to_owned(),
        name: params.get("name").unwrap_or_default().to_owned(),
        username: Some(params.get("username").unwrap_or_default().to_owned()),
        password: Secret::new(params.get("new_password").unwrap_or_default()),
    };
    let store = provider.store.clone();
    let created = tokio::task::spawn_blocking(move || store.add_user(&new))
        .await
        .map_err(SandboxError::from)
        .and_then(|r| r);
    let user = match created {
        Ok(user) => user,
        Err(e @ (SandboxError::InvalidUser { .. } | SandboxError::UserExists(_))) => {
            let message = e.to_string();
            return sign_up_page(
                &provider,
                &params,
                &pre,
                StatusCode::BAD_REQUEST,
                Some(&message),
            );
        }
        Err(e) => return request.refusal(OAuthError::Server(e)).into_response(),
    };
    match start_session(&provider, &user) {
        Ok((auth_time, cookie)) => request.issue_code(
            &provider,
            &user,
            auth_time,
            StatusCode::SEE_OTHER,
            Some(cookie),
        ),
        Err(e) => request.refusal(e).into_response(),
    }
}

/// Why an account page cannot be shown.
fn refused(status: StatusCode, message: &str) -> Response {
    page(
        status,
        "Account",
        &format!("<p class=\"error\" role=\"alert\">{}</p>", escape(message)),
    )
}

/// The signed-in user of an account page, the homeserver, and the user's localpart there.
fn account_holder(
    provider: &Provider,
    headers: &HeaderMap,
) -> Result<(User, std::sync::Arc<MatrixAuth>, String), Box<Response>> {
    let Some(auth) = provider.matrix.clone() else {
        return Err(Box::new(StatusCode::NOT_FOUND.into_response()));
    };
    let server_error = |e: OAuthError| {
        let _ = e.logged();
        Box::new(refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server could not complete the request. Try again.",
        ))
    };
    let user = match browser_session(provider, headers) {
        Ok(Some((user, _))) => user,
        Ok(None) => {
            return Err(Box::new(refused(
                StatusCode::UNAUTHORIZED,
                "You are not signed in here. Open this page again from your Matrix app.",
            )))
        }
        Err(e) => return Err(server_error(e)),
    };
    match provider.store.matrix_deactivated(&user.id) {
        Ok(false) => {}
        Ok(true) => {
            return Err(Box::new(refused(
                StatusCode::GONE,
                "This Matrix account was deactivated.",
            )))
        }
        Err(e) => return Err(server_error(e.into())),
    }
    let localpart = matrix::localpart(provider, &user).map_err(server_error)?;
    Ok((user, auth, localpart))
}

/// The user's live Matrix sessions, each with its device id.
fn devices(provider: &Provider, user: &User) -> Result<Vec<(String, LiveGrant)>, SandboxError> {
    Ok(provider
        .store
        .live_grants(&user.id)?
        .into_iter()
        .filter_map(|g| matrix::device_of(&g.scope).map(|d| (d.to_owned(), g.clone())))
        .collect())
}

/// A form posting `fields` (and the CSRF token) to the account page, with one button.
fn form(
    provider: &Provider,
    pre: &PreSession,
    fields: &[(&str, &str)],
    inputs: &str,
    button: (&str, &str),
) -> String {
    let token = pre.token(provider);
    let mut hidden: Vec<(&str, &str)> = fields.to_vec();
    hidden.push((CSRF_FIELD, &token));
    let mut body = format!(
        "<form method=\"post\" action=\"{}\">",
        escape(&provider.endpoint(paths::ACCOUNT))
    );
    hidden_inputs(&mut body, &hidden);
    let _ = write!(
        body,
        "{inputs}<button id=\"{}\" type=\"submit\">{}</button></form>",
        escape(button.0),
        escape(button.1)
    );
    body
}

fn action_url(provider: &Provider, action: &str, device: Option<&str>) -> String {
    let mut url = Url::parse(&provider.endpoint(paths::ACCOUNT))
        .unwrap_or_else(|_| unreachable!("the issuer was checked at start-up"));
    url.query_pairs_mut().append_pair("action", action);
    if let Some(device) = device {
        url.query_pairs_mut().append_pair("device_id", device);
    }
    url.into()
}

/// `GET /account/?action=…[&device_id=…]`: the page for an account-management action.
async fn page_for(provider: &Provider, headers: &HeaderMap, params: &Params) -> Response {
    let (user, auth, localpart) = match account_holder(provider, headers) {
        Ok(holder) => holder,
        Err(response) => return *response,
    };
    let pre = PreSession::of(headers);
    let matrix_id = format!("@{localpart}:{}", auth.config.server_name);
    let action = params.get("action").unwrap_or("org.matrix.profile");
    let body = match action {
        "org.matrix.profile" => {
            // The name the homeserver has now (the user may have changed it), else the EMS one.
            let name = match auth.query_user(&localpart).await {
                Ok(profile) => profile
                    .and_then(|p| p["display_name"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| user.name.clone()),
                Err(e) => return e.logged().into_page(),
            };
            profile_page(provider, &pre, &name, &matrix_id)
        }
        "org.matrix.devices_list" => match devices_page(provider, &user, &matrix_id) {
            Ok(body) => body,
            Err(response) => return *response,
        },
        "org.matrix.device_view" | "org.matrix.device_delete" => {
            match device_page(provider, &pre, &user, &matrix_id, params.get("device_id")) {
                Ok(body) => body,
                Err(response) => return *response,
            }
        }
        "org.matrix.account_deactivate" => format!(
            "<p>Deactivating <strong>{}</strong> signs out every device and cannot be undone. \
             Your EMS account stays.</p>{}",
            escape(&matrix_id),
            form(
                provider,
                &pre,
                &[("action", "deactivate")],
                "<label for=\"confirm\">Type your user name to confirm</label>\
                 <input id=\"confirm\" type=\"text\" name=\"confirm\" required>",
                ("deactivate", "Deactivate account"),
            )
        ),
        _ => {
            return refused(
                StatusCode::BAD_REQUEST,
                "This page does not offer that action.",
            )
        }
    };
    pre.set_on(page(StatusCode::OK, "Account", &body))
}

fn profile_page(provider: &Provider, pre: &PreSession, name: &str, matrix_id: &str) -> String {
    let inputs = format!(
        "<label for=\"displayname\">Display name</label>\
         <input id=\"displayname\" type=\"text\" name=\"displayname\" value=\"{}\" required>",
        escape(name)
    );
    format!(
        "<p>Signed in as <strong>{}</strong>.</p>{}\
         <p><a href=\"{}\">Devices</a> · <a href=\"{}\">Deactivate account</a></p>",
        escape(matrix_id),
        form(
            provider,
            pre,
            &[("action", "profile")],
            &inputs,
            ("save", "Save")
        ),
        escape(&action_url(provider, "org.matrix.devices_list", None)),
        escape(&action_url(provider, "org.matrix.account_deactivate", None)),
    )
}

fn devices_page(
    provider: &Provider,
    user: &User,
    matrix_id: &str,
) -> Result<String, Box<Response>> {
    let list = devices(provider, user)
        .map_err(|e| Box::new(OAuthError::Server(e).logged().into_page()))?;
    let mut body = format!(
        "<p>Devices of <strong>{}</strong>:</p><ul>",
        escape(matrix_id)
    );
    for (id, _) in &list {
        let _ = write!(
            body,
            "<li><a class=\"device\" href=\"{}\">{}</a></li>",
            escape(&action_url(provider, "org.matrix.device_view", Some(id))),
            escape(id)
        );
    }
    body.push_str("</ul>");
    if list.is_empty() {
        body.push_str("<p>No device is signed in.</p>");
    }
    Ok(body)
}

fn device_page(
    provider: &Provider,
    pre: &PreSession,
    user: &User,
    matrix_id: &str,
    device: Option<&str>,
) -> Result<String, Box<Response>> {
    let Some(device) = device else {
        return Err(Box::new(refused(
            StatusCode::BAD_REQUEST,
            "The page does not say which device.",
        )));
    };
    let list = devices(provider, user)
        .map_err(|e| Box::new(OAuthError::Server(e).logged().into_page()))?;
    if !list.iter().any(|(id, _)| id == device) {
        return Err(Box::new(refused(
            StatusCode::NOT_FOUND,
            "No such device is signed in.",
        )));
    }
    Ok(format!(
        "<p>Device <strong>{}</strong> of {}.</p>{}",
        escape(device),
        escape(matrix_id),
        form(
            provider,
            pre,
            &[("action", "device_delete"), ("device_id", device)],
            "",
            ("sign-out-device", "Sign out this device"),
        )
    ))
}

/// `GET /account/`.
pub(super) async fn show(
    State(provider): State<Provider>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Ok(params) = Params::parse(query.unwrap_or_default().as_bytes()) else {
        return refused(StatusCode::BAD_REQUEST, "The address repeats a parameter.");
    };
    page_for(&provider, &headers, &params).await
}

/// `POST /account/`: saves the display name, signs a device out, or deactivates the account.
pub(super) async fn post(
    State(provider): State<Provider>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(params) = Params::parse(&body) else {
        return refused(StatusCode::BAD_REQUEST, "The form repeats a field.");
    };
    let (user, auth, localpart) = match account_holder(&provider, &headers) {
        Ok(holder) => holder,
        Err(response) => return *response,
    };
    if let Err(forgery) = check_form(&provider, &headers, &params) {
        return refused(StatusCode::FORBIDDEN, forgery.message());
    }
    let done = |action: &str| {
        let mut response = Redirect::to(&action_url(&provider, action, None)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    };
    match params.get("action") {
        Some("profile") => {
            let name = params.get("displayname").unwrap_or_default().trim();
            if name.is_empty() || name.chars().count() > 256 {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "The display name must have 1 to 256 characters.",
                );
            }
            match auth.set_displayname(&localpart, name).await {
                Ok(()) => done("org.matrix.profile"),
                Err(e) => e.logged().into_page(),
            }
        }
        Some("device_delete") => {
            let device = params.get("device_id").unwrap_or_default();
            let grant = match devices(&provider, &user) {
                Ok(list) => list.into_iter().find(|(id, _)| id == device),
                Err(e) => return OAuthError::Server(e).logged().into_page(),
            };
            let Some((_, grant)) = grant else {
                return refused(StatusCode::NOT_FOUND, "No such device is signed in.");
            };
            match matrix::end_grant(&provider, &auth, &grant).await {
                Ok(()) => done("org.matrix.devices_list"),
                Err(e) => e.logged().into_page(),
            }
        }
        Some("deactivate") => {
            if params.get("confirm") != Some(localpart.as_str()) {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "The user name typed does not match, so nothing was deactivated.",
                );
            }
            deactivate(&provider, &auth, &user, &localpart).await
        }
        _ => refused(
            StatusCode::BAD_REQUEST,
            "This page does not offer that action.",
        ),
    }
}

/// Deactivates the user on the homeserver (which deletes their devices there) and ends every
/// Matrix session of theirs here; their EMS account stays.
async fn deactivate(
    provider: &Provider,
    auth: &MatrixAuth,
    user: &User,
    localpart: &str,
) -> Response {
    if let Err(e) = auth.delete_user(localpart).await {
        return e.logged().into_page();
    }
    let ended = provider
        .store
        .set_matrix_deactivated(&user.id)
        .and_then(|()| {
            for (_, grant) in devices(provider, user)? {
                provider.store.revoke_grant(grant.id)?;
            }
            Ok(())
        });
    if let Err(e) = ended {
        return OAuthError::Server(e).logged().into_page();
    }
    page(
        StatusCode::OK,
        "Account deactivated",
        "<p>Your Matrix account was deactivated and every device signed out.</p>",
    )
}

impl OAuthError {
    /// The error as an account page.
    fn into_page(self) -> Response {
        let status = match self {
            OAuthError::HomeserverUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        refused(status, &format!("{self}. Try again later."))
    }
}
