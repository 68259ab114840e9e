//! The authorization endpoint: checks the request, signs the user in (once per browser session)
//! and sends the browser back to the client with a code.
//!
//! Until the client and redirect URI are known good, failures are HTML pages; after that they
//! go back to the client as RFC 6749 §4.1.2.1 error redirects.

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use url::Url;

use super::html::{error_page, sign_in_form};
use super::{cookie, paths, OAuthError, Params, Provider, SESSION_COOKIE};
use crate::secret::{new_token, now};
use crate::store::{password_matches, NewCode, User};

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
struct AuthRequest {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    scope: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    prompt_none: bool,
    prompt_login: bool,
}

/// Why an authorization request failed, and so where the browser goes.
enum Refusal {
    /// The client or redirect URI is not trustworthy: show a page, redirect nowhere.
    Page(&'static str),
    /// Tell the client, at its verified redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(message) => error_page(StatusCode::BAD_REQUEST, message),
            Refusal::Redirect {
                redirect_uri,
                state,
                error,
            } => {
                let error = error.logged();
                let mut pairs = vec![
                    ("error", error.code().to_owned()),
                    ("error_description", error.to_string()),
                ];
                if let Some(state) = state {
                    pairs.push(("state", state));
                }
                redirect_to(&redirect_uri, &pairs, StatusCode::FOUND, None)
            }
        }
    }
}

/// A redirect to `uri` with `pairs` added to its query.
fn redirect_to(
    uri: &str,
    pairs: &[(&str, String)],
    status: StatusCode,
    set_cookie: Option<String>,
) -> Response {
    let Ok(mut url) = Url::parse(uri) else {
        // The URI was checked against the registration, which only holds parseable URLs.
        return error_page(
            StatusCode::BAD_REQUEST,
            "The redirect URI is not a valid URL.",
        );
    };
    url.query_pairs_mut()
        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
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
    fn check(provider: &Provider, params: &Params) -> Result<Self, Refusal> {
        let Some(client_id) = params.get("client_id") else {
            return Err(Refusal::Page(
                "The request does not say which app is asking (client_id is missing).",
            ));
        };
        let Some(client) = provider.config.client(client_id) else {
            return Err(Refusal::Page(
                "The app asking to sign in is not registered with this server.",
            ));
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
        let refuse = |error| Refusal::Redirect {
            redirect_uri: redirect_uri.to_owned(),
            state: state.clone(),
            error,
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
        if params.get("response_mode").is_some_and(|m| m != "query") {
            return Err(refuse(OAuthError::InvalidRequest(
                "only response_mode=query is supported",
            )));
        }
        if params.get("request").is_some() || params.get("request_uri").is_some() {
            return Err(refuse(OAuthError::InvalidRequest(
                "request objects are not supported",
            )));
        }
        let scope = super::parse_scope(params.get("scope").unwrap_or_default()).map_err(refuse)?;
        let code_challenge = params.get("code_challenge");
        match (code_challenge, params.get("code_challenge_method")) {
            (None, None) if client.is_public() => {
                return Err(refuse(OAuthError::InvalidRequest(
                    "this client must use PKCE with S256",
                )));
            }
            (None, None) => {}
            (Some(challenge), Some("S256")) => {
                // BASE64URL(SHA-256) is 43 characters; RFC 7636 §4.2 allows 43 to 128 unreserved.
                let well_formed = (43..=128).contains(&challenge.len())
                    && challenge
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
                if !well_formed {
                    return Err(refuse(OAuthError::InvalidRequest(
                        "code_challenge is malformed",
                    )));
                }
            }
            (Some(_), None | Some(_)) => {
                return Err(refuse(OAuthError::InvalidRequest(
                    "code_challenge_method must be S256",
                )));
            }
            (None, Some(_)) => {
                return Err(refuse(OAuthError::InvalidRequest(
                    "code_challenge is missing",
                )))
            }
        }
        let prompt = params.get("prompt").unwrap_or_default();
        let prompt_none = prompt.split(' ').any(|p| p == "none");
        if prompt_none && prompt != "none" {
            return Err(refuse(OAuthError::InvalidRequest(
                "prompt=none cannot be combined",
            )));
        }
        Ok(Self {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scope,
            nonce: params.get("nonce").map(str::to_owned),
            code_challenge: code_challenge.map(str::to_owned),
            prompt_none,
            prompt_login: prompt.split(' ').any(|p| p == "login"),
            state,
        })
    }

    /// Issues a code for `user` and redirects back to the client.
    fn issue_code(
        &self,
        provider: &Provider,
        user: &User,
        auth_time: i64,
        status: StatusCode,
        set_cookie: Option<String>,
    ) -> Response {
        let code = new_token();
        let stored = provider.store.create_code(&NewCode {
            code: &code,
            client_id: &self.client_id,
            user_id: &user.id,
            redirect_uri: &self.redirect_uri,
            scope: &self.scope,
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
        redirect_to(&self.redirect_uri, &pairs, status, set_cookie)
    }

    fn refusal(&self, error: OAuthError) -> Refusal {
        Refusal::Redirect {
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.clone(),
            error,
        }
    }

    fn form(
        &self,
        provider: &Provider,
        params: &Params,
        status: StatusCode,
        email: &str,
        error: Option<&str>,
    ) -> Response {
        let hidden: Vec<(&str, &str)> = CARRIED
            .iter()
            .filter_map(|&n| params.get(n).map(|v| (n, v)))
            .collect();
        sign_in_form(
            status,
            &provider.endpoint(paths::AUTHORIZE),
            &self.client_id,
            &hidden,
            email,
            error,
        )
    }
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
    if !request.prompt_login {
        let session = match cookie(&headers, SESSION_COOKIE)
            .map(|id| provider.store.session(id))
            .transpose()
        {
            Ok(s) => s.flatten(),
            Err(e) => return request.refusal(OAuthError::Server(e)).into_response(),
        };
        if let Some((user, auth_time)) = session {
            return request.issue_code(&provider, &user, auth_time, StatusCode::FOUND, None);
        }
    }
    if request.prompt_none {
        return request
            .refusal(OAuthError::LoginRequired("the user is not signed in"))
            .into_response();
    }
    let hint = params.get("login_hint").unwrap_or_default();
    request.form(&provider, &params, StatusCode::OK, hint, None)
}

/// `POST /oauth2/authorize`: the sign-in form, carrying the authorization request.
pub(super) async fn sign_in(State(provider): State<Provider>, body: Bytes) -> Response {
    let Ok(params) = Params::parse(&body) else {
        return error_page(StatusCode::BAD_REQUEST, "The sign-in form repeats a field.");
    };
    let request = match AuthRequest::check(&provider, &params) {
        Ok(r) => r,
        Err(refusal) => return refusal.into_response(),
    };
    let email = params.get("email").unwrap_or_default().to_owned();
    let password = params.get("password").unwrap_or_default().to_owned();
    let user = match provider.store.user_for_sign_in(&email) {
        Ok(u) => u,
        Err(e) => return request.refusal(OAuthError::Server(e)).into_response(),
    };
    // Verify against a dummy hash when the email is unknown, so timing does not tell which
    // emails have accounts.
    let (user, hash) = user.map_or((None, None), |(user, hash)| (Some(user), Some(hash)));
    let matches = tokio::task::spawn_blocking(move || {
        let Some(hash) = hash else {
            let _ = password_matches(&password, dummy_hash());
            return false;
        };
        password_matches(&password, &hash)
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| matches) else {
        let message = "The email or password is not right. Check them and try again.";
        return request.form(
            &provider,
            &params,
            StatusCode::UNAUTHORIZED,
            &email,
            Some(message),
        );
    };
    let session_id = new_token();
    let auth_time = now();
    let lifetime = provider.config.session_lifetime_secs;
    if let Err(e) = provider.store.create_session(
        &session_id,
        &user.id,
        auth_time,
        auth_time + i64::from(lifetime),
    ) {
        return request.refusal(OAuthError::Server(e)).into_response();
    }
    let set_cookie = format!(
        "{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={lifetime}"
    );
    // 303: the browser follows a POST's redirect with GET.
    request.issue_code(
        &provider,
        &user,
        auth_time,
        StatusCode::SEE_OTHER,
        Some(set_cookie),
    )
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        use argon2::password_hash::{PasswordHasher as _, SaltString};
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2::Argon2::default()
            .hash_password(b"not a password anyone has", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}
