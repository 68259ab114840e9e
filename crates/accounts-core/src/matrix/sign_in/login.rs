//! Password and login-token sign-in: one `POST /_matrix/client/v3/login`, never retried.
//!
//! matrix-sdk's `LoginBuilder::send` forces its own retry policy (three attempts, each waiting
//! out the server's `retry_after`), which leaves the user looking at a frozen button for minutes
//! when the server rate-limits. So the request is sent here, once, and a 429 comes back at once
//! with its delay; the session it yields is handed to matrix-sdk with `restore_session`.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::matrix::error::MatrixError;
use crate::matrix::homeserver::{display_url, join, network_error};
use crate::matrix::session::LoginGrant;
use crate::vault::Secret;

/// Signs in with `identifier` (user name, Matrix ID or email) and `password`, asking for a
/// refresh token.
pub async fn password_login(
    http: &reqwest::Client,
    homeserver: &Url,
    identifier: &str,
    password: &Secret,
    device_name: &str,
) -> Result<LoginGrant, MatrixError> {
    let identifier = identifier.trim();
    let id_json = if !identifier.starts_with('@') && identifier.contains('@') {
        serde_json::json!({ "type": "m.id.thirdparty", "medium": "email", "address": identifier })
    } else {
        serde_json::json!({ "type": "m.id.user", "user": identifier })
    };
    let body = serde_json::json!({
        "type": "m.login.password",
        "identifier": id_json,
        "password": password.expose(),
        "initial_device_display_name": device_name,
        "refresh_token": true,
    });
    post_login(http, homeserver, body, LoginKind::Password).await
}

/// Signs in with the single-use `loginToken` that single sign-on handed back (`m.login.token`),
/// asking for a refresh token.
pub async fn token_login(
    http: &reqwest::Client,
    homeserver: &Url,
    login_token: &Secret,
    device_name: &str,
) -> Result<LoginGrant, MatrixError> {
    let body = serde_json::json!({
        "type": "m.login.token",
        "token": login_token.expose(),
        "initial_device_display_name": device_name,
        "refresh_token": true,
    });
    post_login(http, homeserver, body, LoginKind::Token).await
}

/// Which sign-in a `/login` request is, for reading its refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoginKind {
    Password,
    Token,
}

/// Sends one `/login` request (its body holds a secret and is dropped as soon as it is sent).
async fn post_login(
    http: &reqwest::Client,
    homeserver: &Url,
    body: serde_json::Value,
    kind: LoginKind,
) -> Result<LoginGrant, MatrixError> {
    #[derive(Deserialize)]
    struct Grant {
        user_id: String,
        device_id: String,
        access_token: String,
        refresh_token: Option<String>,
    }
    #[derive(Deserialize)]
    struct ErrorBody {
        errcode: Option<String>,
        error: Option<String>,
        retry_after_ms: Option<u64>,
    }

    let url = join(homeserver, "_matrix/client/v3/login")?;
    let response = http
        .post(url.clone())
        .json(&body)
        .send()
        .await
        .map_err(|e| network_error(&url, &e))?;
    drop(body);
    let status = response.status();
    let retry_header = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let bytes = response
        .bytes()
        .await
        .map_err(|e| network_error(&url, &e))?;
    if status.is_success() {
        let grant: Grant = serde_json::from_slice(&bytes).map_err(|e| MatrixError::Server {
            homeserver: display_url(homeserver),
            detail: format!("its sign-in answer could not be read ({e})"),
        })?;
        return Ok(LoginGrant {
            user_id: grant.user_id,
            device_id: grant.device_id,
            access_token: Secret::new(grant.access_token),
            refresh_token: grant.refresh_token.map(Secret::new),
            oauth_client_id: None,
        });
    }
    let error: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
    let errcode = error.as_ref().and_then(|e| e.errcode.clone());
    Err(match (status.as_u16(), errcode.as_deref(), kind) {
        (_, Some("M_LIMIT_EXCEEDED"), _) | (429, _, _) => MatrixError::RateLimited {
            retry_after: retry_header.or_else(|| {
                error
                    .as_ref()
                    .and_then(|e| e.retry_after_ms)
                    .map(Duration::from_millis)
            }),
        },
        (_, Some("M_USER_DEACTIVATED"), _) => MatrixError::Deactivated,
        (_, Some("M_FORBIDDEN"), LoginKind::Token) | (403, None, LoginKind::Token) => {
            MatrixError::LoginTokenRefused {
                homeserver: display_url(homeserver),
            }
        }
        (_, Some("M_FORBIDDEN"), LoginKind::Password) | (403, None, LoginKind::Password) => {
            MatrixError::WrongCredentials
        }
        (300..=399, _, _) => MatrixError::Server {
            homeserver: display_url(homeserver),
            detail: format!(
                "it answered HTTP {status}, a redirect to another address. A sign-in carries a \
                 password or token, so it never follows redirects and nothing was sent on; use \
                 the homeserver's own address"
            ),
        },
        (400, Some("M_UNKNOWN" | "M_UNRECOGNIZED"), LoginKind::Password) => {
            MatrixError::PasswordNotOffered {
                homeserver: display_url(homeserver),
            }
        }
        _ => MatrixError::Server {
            homeserver: display_url(homeserver),
            detail: format!(
                "HTTP {status}{}",
                error
                    .and_then(|e| e.error.map(|m| format!(": {m}")))
                    .unwrap_or_default()
            ),
        },
    })
}
