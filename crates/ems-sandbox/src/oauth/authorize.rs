//! The authorization endpoint: checks the request, signs the user in (once per browser session)
//! and sends the browser back to the client with a code.
//!
//! Until the client and redirect URI are known good, failures are HTML pages; after that they
//! go back to the client as RFC 6749 §4.1.2.1 error redirects. Every redirect back, code or
//! error, carries `iss` (RFC 9207) so a client talking to several providers can tell whose answer
//! it got.
//!
//! A signed-in browser is sent back at once, except to a public client at a loopback address:
//! any local program can listen there, so the user confirms with one click each time (RFC 8252
//! §8.6). The password form's POST lives in [`super::sign_in`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use url::Url;

use super::csrf::{check_form, PreSession, CSRF_FIELD};
use super::html::{consent_page, error_page, sign_in_form};
use super::{cookie, paths, sign_in, OAuthError, Params, Provider, SESSION_COOKIE};
use crate::secret::{new_token, now};
use crate::store::{NewCode, User};

/// The hidden field that marks the consent page's POST.
const CONSENT_FIELD: &str = "consent";

/// The parameters carried from the request to the sign-in form's POST.
const CARRIED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
];

/// A checked authorization request.
pub(super) struct AuthRequest {
    issuer: Arc<str>,
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    scope: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    prompt: Prompt,
    needs_consent: bool,
    response_mode: ResponseMode,
}

/// Where the answer's parameters go on the redirect URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ResponseMode {
    /// In its query (the default for `code`).
    Query,
    /// In its fragment: offered on the authorization-server listener, as MSC2964 clients
    /// (matrix-sdk among them) expect the server to support it.
    Fragment,
}

/// What `prompt` asks for.
#[derive(Debug, Clone, Copy, Default)]
struct Prompt {
    /// No page may be shown.
    none: bool,
    /// Sign in again even with a session.
    login: bool,
    /// Sign up (the authorization-server listener only).
    create: bool,
}

impl Prompt {
    fn parse(params: &Params, sign_up_offered: bool) -> Result<Self, OAuthError> {
        let prompt = params.get("prompt").unwrap_or_default();
        let has = |value| prompt.split(' ').any(|p| p == value);
        let parsed = Self {
            none: has("none"),
            login: has("login"),
            create: has("create"),
        };
        if parsed.none && prompt != "none" {
            return Err(OAuthError::InvalidRequest("prompt=none cannot be combined"));
        }
        if parsed.create && !sign_up_offered {
            return Err(OAuthError::InvalidRequest(
                "prompt=create is offered by the authorization-server listener only",
            ));
        }
        Ok(parsed)
    }
}

/// The PKCE challenge of a request, checked: S256 only, and required of a public client.
fn check_pkce(params: &Params, public: bool) -> Result<Option<&str>, OAuthError> {
    let code_challenge = params.get("code_challenge");
    match (code_challenge, params.get("code_challenge_method")) {
        (None, None) if public => Err(OAuthError::InvalidRequest(
            "this client must use PKCE with S256",
        )),
        (None, None) => Ok(None),
        (Some(challenge), Some("S256")) => {
            // BASE64URL(SHA-256) is 43 characters; RFC 7636 §4.2 allows 43 to 128 unreserved.
            let well_formed = (43..=128).contains(&challenge.len())
                && challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            if well_formed {
                Ok(code_challenge)
            } else {
                Err(OAuthError::InvalidRequest("code_challenge is malformed"))
            }
        }
        (Some(_), None | Some(_)) => Err(OAuthError::InvalidRequest(
            "code_challenge_method must be S256",
        )),
        (None, Some(_)) => Err(OAuthError::InvalidRequest("code_challenge is missing")),
    }
}

/// Why an authorization request failed, and so where the browser goes.
pub(super) enum Refusal {
    /// The client or redirect URI is not trustworthy: show a page, redirect nowhere.
    Page(&'static str),
    /// Tell the client, at its verified redirect URI.
    Redirect {
        issuer: Arc<str>,
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
        mode: ResponseMode,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(message) => error_page(StatusCode::BAD_REQUEST, message),
            Refusal::Redirect {
                issuer,
                redirect_uri,
                state,
                error,
                mode,
            } => {
                let error = error.logged();
                let mut pairs = vec![
                    ("error", error.code().to_owned()),
                    ("error_description", error.to_string()),
                ];
                if let Some(state) = state {
                    pairs.push(("state", state));
                }
                pairs.push(("iss", issuer.to_string()));
                redirect_to(&redirect_uri, &pairs, StatusCode::FOUND, None, mode)
            }
        }
    }
}

/// A redirect to `uri` with `pairs` added to its query, or put in its fragment.
fn redirect_to(
    uri: &str,
    pairs: &[(&str, String)],
    status: StatusCode,
    set_cookie: Option<String>,
    mode: ResponseMode,
) -> Response {
    let Ok(mut url) = Url::parse(uri) else {
        // The URI was checked against the registration, which only holds parseable URLs.
        return error_page(
            StatusCode::BAD_REQUEST,
            "The redirect URI is not a valid URL.",
        );
    };
    let pairs = pairs.iter().map(|(k, v)| (*k, v.as_str()));
    match mode {
        ResponseMode::Query => {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        ResponseMode::Fragment => {
            let fragment = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            url.set_fragment(Some(&fragment));
        }
    }
    let mut response = if status == StatusCode::SEE_OTHER {
        Redirect::to(url.as_str()).into_response()
    } else {
        (StatusCode::FOUND, [(header::LOCATION, url.as_str())]).into_response()
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

impl AuthRequest {
    pub(super) fn check(provider: &Provider, params: &Params) -> Result<Self, Refusal> {
        let Some(client_id) = params.get("client_id") else {
            return Err(Refusal::Page(
                "The request does not say which app is asking (client_id is missing).",
            ));
        };
        let client = match super::matrix::registered(provider, client_id) {
            Ok(Some(client)) => client,
            Ok(None) => {
                return Err(Refusal::Page(
                    "The app asking to sign in is not registered with this server.",
                ))
            }
            Err(e) => {
                let _ = e.logged();
                return Err(Refusal::Page(
                    "The server could not look up the app asking to sign in. Try again.",
                ));
            }
        };
        let Some(redirect_uri) = params.get("redirect_uri") else {
            return Err(Refusal::Page(
                "The request has no redirect_uri, so the answer has nowhere to go.",
            ));
        };
        if !client.allows_redirect(redirect_uri) {
            return Err(Refusal::Page(
                "The address to return to is not registered for this app, so nothing was sent there.",
            ));
        }
        let state = params.get("state").map(str::to_owned);
        let (response_mode, mode_error) = match params.get("response_mode") {
            None | Some("query") => (ResponseMode::Query, None),
            Some("fragment") if provider.matrix.is_some() => (ResponseMode::Fragment, None),
            Some(_) => (
                ResponseMode::Query,
                Some(OAuthError::InvalidRequest(
                    "response_mode must be query (or fragment, at the authorization server)",
                )),
            ),
        };
        let refuse = |error| Refusal::Redirect {
            issuer: provider.issuer.clone(),
            redirect_uri: redirect_uri.to_owned(),
            state: state.clone(),
            error,
            mode: response_mode,
        };
        match params.get("response_type") {
            Some("code") => {}
            Some(_) => {
                return Err(refuse(OAuthError::UnsupportedResponseType(
                    "only response_type=code is supported",
                )))
            }
            None => {
                return Err(refuse(OAuthError::InvalidRequest(
                    "response_type is missing",
                )))
            }
        }
        if let Some(error) = mode_error {
            return Err(refuse(error));
        }
        if params.get("request").is_some() || params.get("request_uri").is_some() {
            return Err(refuse(OAuthError::InvalidRequest(
                "request objects are not supported",
            )));
        }
        let scope = super::parse_scope(
            params.get("scope").unwrap_or_default(),
            provider.matrix.is_some(),
        )
        .map_err(refuse)?;
        let code_challenge = check_pkce(params, client.is_public()).map_err(&refuse)?;
        let prompt = Prompt::parse(params, provider.matrix.is_some()).map_err(&refuse)?;
        Ok(Self {
            prompt,
            response_mode,
            issuer: provider.issuer.clone(),
            needs_consent: client.needs_consent(redirect_uri),
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scope,
            nonce: params.get("nonce").map(str::to_owned),
            code_challenge: code_challenge.map(str::to_owned),
            state,
        })
    }

    /// Issues a code for `user` and redirects back to the client.
    pub(super) fn issue_code(
        &self,
        provider: &Provider,
        user: &User,
        auth_time: i64,
        status: StatusCode,
        set_cookie: Option<String>,
    ) -> Response {
        let mut scope = self.scope.clone();
        if let Some(auth) = &provider.matrix {
            scope = super::matrix::granted_scope(auth, &scope, user);
            match provider.store.matrix_deactivated(&user.id) {
                Ok(false) => {}
                Ok(true) if !super::matrix::opens_matrix_api(&scope) => {}
                Ok(true) => {
                    return self
                        .refusal(OAuthError::AccessDenied(
                            "this user's Matrix account was deactivated",
                        ))
                        .into_response()
                }
                Err(e) => return self.refusal(OAuthError::Server(e)).into_response(),
            }
        }
        let code = new_token();
        let stored = provider.store.create_code(&NewCode {
            code: &code,
            client_id: &self.client_id,
            user_id: &user.id,
            redirect_uri: &self.redirect_uri,
            scope: &scope,
            nonce: self.nonce.as_deref(),
            code_challenge: self.code_challenge.as_deref(),
            auth_time,
            expires_at: now() + i64::from(provider.config.code_lifetime_secs),
        });
        if let Err(e) = stored {
            return self.refusal(OAuthError::Server(e)).into_response();
        }
        let mut pairs = vec![("code", code)];
        if let Some(state) = &self.state {
            pairs.push(("state", state.clone()));
        }
        pairs.push(("iss", self.issuer.to_string()));
        redirect_to(
            &self.redirect_uri,
            &pairs,
            status,
            set_cookie,
            self.response_mode,
        )
    }

    pub(super) fn refusal(&self, error: OAuthError) -> Refusal {
        Refusal::Redirect {
            issuer: self.issuer.clone(),
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.clone(),
            error,
            mode: self.response_mode,
        }
    }

    /// The sign-in form, carrying the request and this browser's CSRF token.
    pub(super) fn form(
        &self,
        provider: &Provider,
        params: &Params,
        pre: &PreSession,
        status: StatusCode,
        email: &str,
        error: Option<&str>,
    ) -> Response {
        let token = pre.token(provider);
        let mut hidden = carried(params);
        hidden.push((CSRF_FIELD, &token));
        pre.set_on(sign_in_form(
            status,
            &provider.endpoint(paths::AUTHORIZE),
            &self.client_id,
            &hidden,
            email,
            error,
        ))
    }

    /// The one-click consent page for a signed-in browser.
    fn consent(
        &self,
        provider: &Provider,
        params: &Params,
        pre: &PreSession,
        user: &User,
    ) -> Response {
        let token = pre.token(provider);
        let mut hidden = carried(params);
        hidden.push((CSRF_FIELD, &token));
        hidden.push((CONSENT_FIELD, "continue"));
        let switch = {
            let mut url = Url::parse(&provider.endpoint(paths::AUTHORIZE))
                .unwrap_or_else(|_| unreachable!("the issuer was checked at start-up"));
            url.query_pairs_mut()
                .extend_pairs(carried(params))
                .append_pair("prompt", "login");
            url.to_string()
        };
        pre.set_on(consent_page(
            &provider.endpoint(paths::AUTHORIZE),
            &self.client_id,
            &hidden,
            &user.email,
            &switch,
        ))
    }
}

/// The request's parameters that the forms carry to their POST.
pub(super) fn carried(params: &Params) -> Vec<(&'static str, &str)> {
    CARRIED
        .iter()
        .filter_map(|&n| params.get(n).map(|v| (n, v)))
        .collect()
}

/// The live browser session of the request, if any.
pub(super) fn browser_session(
    provider: &Provider,
    headers: &HeaderMap,
) -> Result<Option<(User, i64)>, OAuthError> {
    Ok(cookie(headers, SESSION_COOKIE)
        .map(|id| provider.store.session(id))
        .transpose()?
        .flatten())
}

/// A browser's form POST to one of this provider's pages, parsed and checked against forgery
/// ([`check_form`]); when it is refused, the page to answer with. `repeated` is what that page
/// says when the form repeats a field.
pub(super) fn posted_form(
    provider: &Provider,
    headers: &HeaderMap,
    body: &[u8],
    repeated: &str,
) -> Result<Params, Box<Response>> {
    let Ok(params) = Params::parse(body) else {
        return Err(Box::new(error_page(StatusCode::BAD_REQUEST, repeated)));
    };
    check_form(provider, headers, &params)
        .map_err(|forgery| Box::new(error_page(StatusCode::FORBIDDEN, forgery.message())))?;
    Ok(params)
}

/// A [`posted_form`] that carries an authorization request (the sign-in, consent and sign-up
/// pages), with that request checked as the authorization endpoint checks it.
pub(super) fn posted_request(
    provider: &Provider,
    headers: &HeaderMap,
    body: &[u8],
    repeated: &str,
) -> Result<(Params, AuthRequest), Box<Response>> {
    let params = posted_form(provider, headers, body, repeated)?;
    let request = AuthRequest::check(provider, &params)
        .map_err(|refusal| Box::new(refusal.into_response()))?;
    Ok((params, request))
}

/// `GET /oauth2/authorize`: the authorization request.
pub(super) async fn start(
    State(provider): State<Provider>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Ok(params) = Params::parse(query.unwrap_or_default().as_bytes()) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The sign-in request repeats a parameter.",
        );
    };
    let request = match AuthRequest::check(&provider, &params) {
        Ok(r) => r,
        Err(refusal) => return refusal.into_response(),
    };
    let pre = PreSession::of(&headers);
    if request.prompt.create {
        return super::account::to_sign_up(&provider, &params);
    }
    if !request.prompt.login {
        let session = match browser_session(&provider, &headers) {
            Ok(s) => s,
            Err(e) => return request.refusal(e).into_response(),
        };
        if let Some((user, auth_time)) = session {
            if !request.needs_consent {
                return request.issue_code(&provider, &user, auth_time, StatusCode::FOUND, None);
            }
            if request.prompt.none {
                return request
                    .refusal(OAuthError::ConsentRequired(
                        "this app must be confirmed by the user each time",
                    ))
                    .into_response();
            }
            return request.consent(&provider, &params, &pre, &user);
        }
    }
    if request.prompt.none {
        return request
            .refusal(OAuthError::LoginRequired("the user is not signed in"))
            .into_response();
    }
    let hint = params.get("login_hint").unwrap_or_default();
    request.form(&provider, &params, &pre, StatusCode::OK, hint, None)
}

/// `POST /oauth2/authorize`: the sign-in form or the consent page, each carrying the
/// authorization request and the CSRF token.
pub(super) async fn post(
    State(provider): State<Provider>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let repeated = "The sign-in form repeats a field.";
    let (params, request) = match posted_request(&provider, &headers, &body, repeated) {
        Ok(checked) => checked,
        Err(page) => return *page,
    };
    let pre = PreSession::of(&headers);
    if params.get(CONSENT_FIELD) != Some("continue") {
        return sign_in::password(&provider, &request, &params, &pre, peer).await;
    }
    match browser_session(&provider, &headers) {
        // 303: the browser follows a POST's redirect with GET.
        Ok(Some((user, auth_time))) => {
            request.issue_code(&provider, &user, auth_time, StatusCode::SEE_OTHER, None)
        }
        // The session ended between the page and the click: ask for the password.
        Ok(None) => request.form(&provider, &params, &pre, StatusCode::OK, "", None),
        Err(e) => request.refusal(e).into_response(),
    }
}
