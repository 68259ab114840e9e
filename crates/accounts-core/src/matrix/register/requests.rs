//! The registration requests of the client-server API, one function each: the flows a server
//! offers (`POST /register` answering 401), whether a user name is free, whether a registration
//! token is valid, asking the server to mail a validation link, and one `POST /register` with or
//! without a stage's `auth`.
//!
//! Done with reqwest, sent once and never retried (as password sign-in is, for the same reason:
//! a rate limit comes back at once with its delay). Errors become [`RegistrationError`]s that say
//! which field is wrong; the walk through the stages is [`super::creation`]'s.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::error::RegistrationError;
use crate::matrix::homeserver::{display_url, join, network_error};
use crate::matrix::session::LoginGrant;
use crate::vault::Secret;

/// A user-interactive authentication answer (HTTP 401): what the server still needs.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AuthNeeded {
    /// The UIA session to continue, when the server started one.
    pub session: Option<String>,
    /// Each way to finish, as its list of stages.
    #[serde(default)]
    pub flows: Vec<Flow>,
    /// The stages already done in this session.
    #[serde(default)]
    pub completed: Vec<String>,
    /// Parameters of the stages (the policies of `m.login.terms`).
    #[serde(default)]
    pub params: Value,
    /// Why the last stage failed, when it did (the server's message).
    pub error: Option<String>,
}

/// One way to finish the registration.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Flow {
    /// Its stages, in order.
    #[serde(default)]
    pub stages: Vec<String>,
}

/// What one `POST /register` came to.
#[derive(Debug)]
pub(crate) enum Registered {
    /// The account exists and is signed in.
    Done(LoginGrant),
    /// More stages are needed.
    AuthNeeded(AuthNeeded),
}

#[derive(Deserialize)]
struct ErrorBody {
    errcode: Option<String>,
    error: Option<String>,
    retry_after_ms: Option<u64>,
}

/// Asks the server how registration works there, before the user types anything: a `POST
/// /register` without a user name or password, which an open server answers with its flows.
pub(crate) async fn probe(
    http: &reqwest::Client,
    homeserver: &Url,
) -> Result<AuthNeeded, RegistrationError> {
    match register(http, homeserver, &serde_json::json!({})).await? {
        Registered::AuthNeeded(needed) => Ok(needed),
        // No server registers an account with neither name nor password.
        Registered::Done(_) => Err(RegistrationError::Server {
            homeserver: display_url(homeserver),
            detail: "it created an account without a user name or password".into(),
        }),
    }
}

/// One `POST /register`: the request body as the caller built it (user name, password, device
/// name, and the `auth` of a stage).
pub(crate) async fn register(
    http: &reqwest::Client,
    homeserver: &Url,
    body: &Value,
) -> Result<Registered, RegistrationError> {
    #[derive(Deserialize)]
    struct Grant {
        user_id: String,
        device_id: String,
        access_token: String,
        refresh_token: Option<String>,
    }
    let url = join(homeserver, "_matrix/client/v3/register")?;
    let answer = Answer::of(http.post(url.clone()).json(body), &url).await?;
    if answer.status.is_success() {
        let grant: Grant = answer.read(homeserver)?;
        return Ok(Registered::Done(LoginGrant {
            user_id: grant.user_id,
            device_id: grant.device_id,
            access_token: Secret::new(grant.access_token),
            refresh_token: grant.refresh_token.map(Secret::new),
            oauth_client_id: None,
        }));
    }
    if answer.status == reqwest::StatusCode::UNAUTHORIZED {
        if let Ok(needed) = serde_json::from_slice::<AuthNeeded>(&answer.bytes) {
            if !needed.flows.is_empty() {
                return Ok(Registered::AuthNeeded(needed));
            }
        }
    }
    let username = body["username"].as_str().unwrap_or_default();
    Err(answer.failure(homeserver, username))
}

/// Whether `username` is free: `Ok` when it is, else why not.
pub(crate) async fn username_available(
    http: &reqwest::Client,
    homeserver: &Url,
    username: &str,
) -> Result<(), RegistrationError> {
    #[derive(Deserialize)]
    struct Available {
        available: bool,
    }
    let answer = get_with_query(
        http,
        homeserver,
        "_matrix/client/v3/register/available",
        ("username", username),
    )
    .await?;
    if !answer.status.is_success() {
        return Err(answer.failure(homeserver, username));
    }
    match answer.read(homeserver)? {
        Available { available: true } => Ok(()),
        Available { available: false } => Err(RegistrationError::UsernameTaken {
            username: username.to_owned(),
        }),
    }
}

/// Whether the server would accept `token` as a registration token now.
pub(crate) async fn token_is_valid(
    http: &reqwest::Client,
    homeserver: &Url,
    token: &str,
) -> Result<bool, RegistrationError> {
    #[derive(Deserialize)]
    struct Validity {
        valid: bool,
    }
    let answer = get_with_query(
        http,
        homeserver,
        "_matrix/client/v1/register/m.login.registration_token/validity",
        ("token", token),
    )
    .await?;
    if !answer.status.is_success() {
        return Err(answer.failure(homeserver, ""));
    }
    answer.read(homeserver).map(|v: Validity| v.valid)
}

/// Asks the server to mail a validation link to `address`; returns the validation session id.
pub(crate) async fn request_email_token(
    http: &reqwest::Client,
    homeserver: &Url,
    client_secret: &str,
    address: &str,
    send_attempt: u32,
) -> Result<String, RegistrationError> {
    #[derive(Deserialize)]
    struct Sid {
        sid: String,
    }
    let url = join(homeserver, "_matrix/client/v3/register/email/requestToken")?;
    let request = http.post(url.clone()).json(&serde_json::json!({
        "client_secret": client_secret,
        "email": address,
        "send_attempt": send_attempt,
    }));
    let answer = Answer::of(request, &url).await?;
    if answer.status.is_success() {
        return answer.read(homeserver).map(|s: Sid| s.sid);
    }
    let body: Option<ErrorBody> = serde_json::from_slice(&answer.bytes).ok();
    let message = body
        .as_ref()
        .and_then(|b| b.error.clone())
        .unwrap_or_else(|| format!("HTTP {}", answer.status));
    Err(
        match (
            answer.status.as_u16(),
            body.as_ref().and_then(|b| b.errcode.as_deref()),
        ) {
            (_, Some("M_THREEPID_IN_USE")) => RegistrationError::EmailInUse {
                address: address.to_owned(),
            },
            (_, Some("M_THREEPID_DENIED")) => RegistrationError::EmailDenied { detail: message },
            (400, Some("M_UNKNOWN" | "M_INVALID_PARAM" | "M_INVALID_EMAIL") | None) => {
                RegistrationError::EmailInvalid {
                    address: address.to_owned(),
                    detail: message,
                }
            }
            _ => answer.failure(homeserver, ""),
        },
    )
}

/// What the server answered one request with.
struct Answer {
    status: reqwest::StatusCode,
    /// The `Retry-After` header, in seconds.
    retry_after: Option<Duration>,
    bytes: Vec<u8>,
}

impl Answer {
    /// Sends `request` once; `url` is where it goes, for the message of a network error.
    async fn of(request: reqwest::RequestBuilder, url: &Url) -> Result<Self, RegistrationError> {
        let response = request.send().await.map_err(|e| network_error(url, &e))?;
        let status = response.status();
        let retry_after = retry_after_header(&response);
        let bytes = response.bytes().await.map_err(|e| network_error(url, &e))?;
        Ok(Self {
            status,
            retry_after,
            bytes: bytes.to_vec(),
        })
    }

    /// The body read as `T`; a body that is not one is an unexpected answer from `homeserver`.
    fn read<T: DeserializeOwned>(&self, homeserver: &Url) -> Result<T, RegistrationError> {
        serde_json::from_slice(&self.bytes).map_err(|e| unexpected(homeserver, &e.to_string()))
    }

    /// The refusal this answer is, as the error a person reads (see [`failure`]).
    fn failure(&self, homeserver: &Url, username: &str) -> RegistrationError {
        failure(
            homeserver,
            self.status,
            &self.bytes,
            self.retry_after,
            username,
        )
    }
}

/// GETs `path` on the homeserver with one query parameter.
async fn get_with_query(
    http: &reqwest::Client,
    homeserver: &Url,
    path: &str,
    (key, value): (&str, &str),
) -> Result<Answer, RegistrationError> {
    let mut url = join(homeserver, path)?;
    url.query_pairs_mut().append_pair(key, value);
    Answer::of(http.get(url.clone()), &url).await
}

fn retry_after_header(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn unexpected(homeserver: &Url, detail: &str) -> RegistrationError {
    RegistrationError::Server {
        homeserver: display_url(homeserver),
        detail: format!("its answer could not be read ({detail})"),
    }
}

/// A refused registration request as the error a person reads.
fn failure(
    homeserver: &Url,
    status: reqwest::StatusCode,
    bytes: &[u8],
    retry_after: Option<Duration>,
    username: &str,
) -> RegistrationError {
    let body: Option<ErrorBody> = serde_json::from_slice(bytes).ok();
    let errcode = body.as_ref().and_then(|b| b.errcode.clone());
    let message = body.as_ref().and_then(|b| b.error.clone());
    let server = display_url(homeserver);
    match (status.as_u16(), errcode.as_deref()) {
        (_, Some("M_LIMIT_EXCEEDED")) | (429, _) => RegistrationError::RateLimited {
            retry_after: retry_after.or_else(|| {
                body.as_ref()
                    .and_then(|b| b.retry_after_ms)
                    .map(Duration::from_millis)
            }),
        },
        (_, Some("M_USER_IN_USE")) => RegistrationError::UsernameTaken {
            username: username.to_owned(),
        },
        (_, Some("M_INVALID_USERNAME")) => RegistrationError::UsernameInvalid {
            username: username.to_owned(),
            detail: message.unwrap_or_else(|| "the server does not allow it".into()),
        },
        (_, Some("M_EXCLUSIVE")) => RegistrationError::UsernameInvalid {
            username: username.to_owned(),
            detail: "it is reserved on this server".into(),
        },
        // Synapse's policy says which rule failed (M_PASSWORD_TOO_SHORT, ...); the spec's code
        // is M_WEAK_PASSWORD.
        (_, Some(code)) if code == "M_WEAK_PASSWORD" || code.starts_with("M_PASSWORD_") => {
            RegistrationError::WeakPassword {
                detail: message.unwrap_or_else(|| "it is too weak".into()),
            }
        }
        (_, Some("M_THREEPID_IN_USE")) => RegistrationError::EmailInUse {
            address: String::new(),
        },
        (_, Some("M_THREEPID_DENIED")) => RegistrationError::EmailDenied {
            detail: message.unwrap_or_default(),
        },
        (403, Some("M_FORBIDDEN")) | (404 | 405, _) | (_, Some("M_UNRECOGNIZED")) => {
            RegistrationError::Closed { homeserver: server }
        }
        _ => RegistrationError::Server {
            homeserver: server,
            detail: format!(
                "HTTP {status}{}",
                message.map(|m| format!(": {m}")).unwrap_or_default()
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://matrix.example.org").unwrap()
    }

    #[test]
    fn a_disabled_registration_reads_as_closed() {
        let error = failure(
            &url(),
            reqwest::StatusCode::FORBIDDEN,
            br#"{"errcode":"M_FORBIDDEN","error":"Registration has been disabled"}"#,
            None,
            "",
        );
        assert!(
            matches!(error, RegistrationError::Closed { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn a_taken_name_names_the_name() {
        let error = failure(
            &url(),
            reqwest::StatusCode::BAD_REQUEST,
            br#"{"errcode":"M_USER_IN_USE","error":"User ID already taken."}"#,
            None,
            "alice",
        );
        assert!(
            error.to_string().contains("\"alice\" is already taken"),
            "{error}"
        );
    }

    #[test]
    fn the_policy_message_of_a_weak_password_is_kept() {
        let error = failure(
            &url(),
            reqwest::StatusCode::BAD_REQUEST,
            br#"{"errcode":"M_PASSWORD_TOO_SHORT","error":"Password too short"}"#,
            None,
            "",
        );
        assert!(error.to_string().contains("Password too short"), "{error}");
    }
}
