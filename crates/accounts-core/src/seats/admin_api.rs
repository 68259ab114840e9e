//! A typed client of the Synapse Admin API, for the requests seat administration makes.
//!
//! [`AdminApi`] holds a server admin's access token and sends every request through the client
//! that follows no redirect (the token must not travel on). A failure becomes a [`SeatsError`]:
//! 401 means the session ended, 403 that the account is no admin, 404 an unknown user, any
//! other refusal keeps the homeserver's `errcode` and message. What the answers mean for seats
//! is the ledger's; which account's token to use is the pane's.
//!
//! ```no_run
//! # async fn f() -> Result<(), accounts_core::seats::SeatsError> {
//! use accounts_core::seats::AdminApi;
//! let api = AdminApi::new("https://matrix.example.org".parse().unwrap(), "syt_...");
//! let everyone = api.all_users(500).await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;
use url::Url;

use super::ledger::{SeatUser, UserFacts};
use super::SeatsError;
use crate::transport::credential_client;
use crate::vault::Secret;

/// One page of the user list.
#[derive(Debug, Clone)]
pub struct UserPage {
    /// The users of this page, judged as of the time it was fetched.
    pub users: Vec<SeatUser>,
    /// Where the next page starts, if there is one.
    pub next: Option<u32>,
    /// How many users the homeserver has in all.
    pub total: u32,
}

/// A session (device) of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UserSession {
    /// The device id.
    pub device_id: String,
    /// Its name, if it has one.
    pub display_name: Option<String>,
    /// The address it was last seen from.
    pub last_seen_ip: Option<String>,
    /// When it was last seen (Unix milliseconds).
    #[ts(type = "number | null")]
    pub last_seen_ms: Option<i64>,
}

/// A registration token, as the homeserver reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationToken {
    /// The token itself, which new users type.
    pub token: String,
    /// How many registrations it allows (`None`: unlimited).
    pub uses_allowed: Option<u32>,
    /// Registrations under way with it.
    pub pending: u32,
    /// Registrations completed with it.
    pub completed: u32,
    /// When it expires (Unix milliseconds), if ever.
    pub expiry_ms: Option<i64>,
}

/// What renews an admin's access token once the homeserver no longer accepts it.
pub trait Refresh: Send + Sync {
    /// A token to use instead of `stale`, which the homeserver refused: a newer one someone
    /// else already got, or a refreshed one (saved before it is returned). `None` when the
    /// session cannot go on.
    fn refresh<'a>(
        &'a self,
        stale: &'a Secret,
    ) -> Pin<Box<dyn Future<Output = Option<Secret>> + Send + 'a>>;
}

/// A matrix-sdk session refreshes through the client, which tells the app to save the new
/// tokens (see the Matrix session's watcher).
impl Refresh for matrix_sdk::Client {
    fn refresh<'a>(
        &'a self,
        stale: &'a Secret,
    ) -> Pin<Box<dyn Future<Output = Option<Secret>> + Send + 'a>> {
        Box::pin(async move {
            // The client may have refreshed on its own since the token was taken.
            if let Some(current) = self.access_token().filter(|t| t != stale.expose()) {
                return Some(Secret::new(current));
            }
            if let Err(error) = self.refresh_access_token().await {
                log::warn!("seats: the admin's token could not be refreshed: {error}");
                return None;
            }
            self.access_token().map(Secret::new)
        })
    }
}

/// A Synapse Admin API session: a homeserver and a server admin's token.
#[derive(Clone)]
pub struct AdminApi {
    http: reqwest::Client,
    base: Url,
    token: Arc<Mutex<Secret>>,
    admin_id: Option<String>,
    /// What renews the token when it expires.
    refresher: Option<Arc<dyn Refresh>>,
    /// The homeserver delegates its sign-in to an authorization server (see
    /// [`super::delegated`]).
    delegated: bool,
}

crate::debug_fields!(AdminApi, base);

impl AdminApi {
    /// The Admin API of `homeserver` with `access_token`, over a client that follows no redirect.
    #[must_use]
    pub fn new(homeserver: Url, access_token: impl Into<String>) -> Self {
        Self::with_http(credential_client(), homeserver, access_token)
    }

    /// As [`Self::new`], sharing `http` (which must follow no redirect).
    #[must_use]
    pub fn with_http(
        http: reqwest::Client,
        homeserver: Url,
        access_token: impl Into<String>,
    ) -> Self {
        Self {
            http,
            base: homeserver,
            token: Arc::new(Mutex::new(Secret::new(access_token))),
            admin_id: None,
            refresher: None,
            delegated: false,
        }
    }

    /// The Admin API with the access token of the session `client` (an admin's), refreshed
    /// through that session when the homeserver says it has expired; `None` when the session
    /// has no token.
    #[must_use]
    pub fn of_session(http: reqwest::Client, client: &matrix_sdk::Client) -> Option<Self> {
        let token = client.access_token()?;
        Some(
            Self::with_http(http, client.homeserver(), token)
                .refreshed_by(Arc::new(client.clone())),
        )
    }

    /// The same, renewing the token through `refresher` when it expires.
    #[must_use]
    pub fn refreshed_by(mut self, refresher: Arc<dyn Refresh>) -> Self {
        self.refresher = Some(refresher);
        self
    }

    /// The same, naming the token's owner in errors.
    #[must_use]
    pub fn as_admin(mut self, matrix_id: &str) -> Self {
        self.admin_id = Some(matrix_id.to_owned());
        self
    }

    /// The same, having asked the homeserver whether it delegates its sign-in to an
    /// authorization server (it answers `/_matrix/client/v1/auth_metadata`), where its Admin API
    /// serves less.
    pub async fn detecting_delegated_auth(mut self) -> Self {
        self.delegated = crate::matrix::offers_oauth(&self.http, &self.base).await;
        self
    }

    /// Whether the homeserver delegates its sign-in to an authorization server.
    #[must_use]
    pub fn is_delegated(&self) -> bool {
        self.delegated
    }

    /// The homeserver's URL.
    #[must_use]
    pub fn homeserver(&self) -> &Url {
        &self.base
    }

    /// Whether `user_id` (the token's owner) is a server admin: a 403 from an admin-only
    /// endpoint means not.
    pub async fn is_admin(&self, user_id: &str) -> Result<bool, SeatsError> {
        match self
            .get::<Value>(&["_synapse", "admin", "v2", "users", user_id], &[])
            .await
        {
            Ok(_) => Ok(true),
            Err(Failure::Forbidden { .. }) => Ok(false),
            Err(other) => Err(self.error(other, Subject::User(user_id))),
        }
    }

    /// The users from `from`, `limit` of them, ordered by Matrix ID: deactivated, locked and
    /// guest users included, judged as of `now_ms`.
    pub async fn users_page(
        &self,
        from: u32,
        limit: u32,
        now_ms: i64,
    ) -> Result<UserPage, SeatsError> {
        #[derive(Deserialize)]
        struct Page {
            users: Vec<ListedUser>,
            total: u32,
            /// A string in Synapse; a number is accepted too.
            next_token: Option<Value>,
        }
        let from_n = from;
        let from = from.to_string();
        let limit = limit.max(1).to_string();
        let query = [
            ("from", from.as_str()),
            ("limit", limit.as_str()),
            ("deactivated", "true"),
            ("locked", "true"),
            // Under delegated auth there are no guests, and Synapse refuses the parameter.
            ("guests", if self.delegated { "false" } else { "true" }),
            ("order_by", "name"),
        ];
        let page: Page = self
            .get(&["_synapse", "admin", "v2", "users"], &query)
            .await
            .map_err(|f| self.error(f, Subject::Other("user list")))?;
        let next = match page.next_token {
            None | Some(Value::Null) => None,
            Some(token) => {
                let parsed = match &token {
                    Value::String(text) => text.parse::<u32>().ok(),
                    Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                    _ => None,
                };
                // A cursor that cannot be read, or that does not move on, would end the list
                // early (or never): say so rather than count a part as the whole.
                match parsed {
                    Some(next) if next > from_n => Some(next),
                    _ => {
                        return Err(SeatsError::Unreachable {
                            homeserver: self.base.as_str().trim_end_matches('/').to_owned(),
                            detail: format!("its user list gave an unusable next page ({token})"),
                        })
                    }
                }
            }
        };
        Ok(UserPage {
            users: page
                .users
                .into_iter()
                .map(|u| u.facts().judge(now_ms))
                .collect(),
            next,
            total: page.total,
        })
    }

    /// Every user, page by page.
    pub async fn all_users(&self, page_size: u32) -> Result<Vec<SeatUser>, SeatsError> {
        let now = now_ms();
        let mut users = Vec::new();
        let mut from = Some(0);
        while let Some(start) = from {
            let page = self.users_page(start, page_size, now).await?;
            users.extend(page.users);
            from = page.next;
        }
        Ok(users)
    }

    /// One user as the homeserver has it now.
    pub async fn user(&self, user_id: &str) -> Result<SeatUser, SeatsError> {
        let user: SingleUser = self
            .get(&["_synapse", "admin", "v2", "users", user_id], &[])
            .await
            .map_err(|f| self.error(f, Subject::User(user_id)))?;
        Ok(user.facts().judge(now_ms()))
    }

    /// Whether the homeserver has `user_id` at all (deactivated ones included).
    pub async fn exists(&self, user_id: &str) -> Result<bool, SeatsError> {
        match self.user(user_id).await {
            Ok(_) => Ok(true),
            Err(SeatsError::UnknownUser { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Creates `user_id` with `password`; the caller has checked that it does not exist (the
    /// same request modifies an existing user).
    pub async fn create_user(
        &self,
        user_id: &str,
        display_name: Option<&str>,
        email: Option<&str>,
        password: &Secret,
    ) -> Result<(), SeatsError> {
        let mut body = json!({ "password": password.expose(), "admin": false });
        if let Some(name) = display_name {
            body["displayname"] = json!(name);
        }
        if let Some(address) = email {
            body["threepids"] = json!([{ "medium": "email", "address": address }]);
        }
        self.modify_user(user_id, &body).await
    }

    /// Creates `user_id` with every field a users file can give; the caller has checked that it
    /// does not exist.
    pub async fn create_user_from(
        &self,
        row: &super::csv_file::UserRow,
        password: &Secret,
    ) -> Result<(), SeatsError> {
        let mut body = json!({
            "password": password.expose(),
            "displayname": row.display_name,
            "admin": row.admin,
            "threepids": row.threepids,
        });
        if let Some(url) = &row.avatar_url {
            body["avatar_url"] = json!(url);
        }
        if let Some(user_type) = &row.user_type {
            body["user_type"] = json!(user_type);
        }
        self.modify_user(&row.user_id, &body).await
    }

    /// A user's avatar and third-party identifiers, which the list does not give.
    pub async fn user_details(
        &self,
        user_id: &str,
    ) -> Result<(Option<String>, Vec<super::csv_file::Threepid>), SeatsError> {
        #[derive(Deserialize)]
        struct Details {
            avatar_url: Option<String>,
            #[serde(default)]
            threepids: Vec<ListedThreepid>,
        }
        #[derive(Deserialize)]
        struct ListedThreepid {
            medium: String,
            address: String,
        }
        let details: Details = self
            .get(&["_synapse", "admin", "v2", "users", user_id], &[])
            .await
            .map_err(|f| self.error(f, Subject::User(user_id)))?;
        Ok((
            details.avatar_url,
            details
                .threepids
                .into_iter()
                .map(|t| super::csv_file::Threepid {
                    medium: t.medium,
                    address: t.address,
                })
                .collect(),
        ))
    }

    /// Deactivates `user_id`, erasing its messages for new joiners when `erase`.
    pub async fn deactivate(&self, user_id: &str, erase: bool) -> Result<(), SeatsError> {
        self.send_ok(
            Method::POST,
            &["_synapse", "admin", "v1", "deactivate", user_id],
            &json!({ "erase": erase }),
            user_id,
        )
        .await
    }

    /// Reactivates `user_id` with a new password.
    pub async fn reactivate(&self, user_id: &str, password: &Secret) -> Result<(), SeatsError> {
        let body = json!({ "deactivated": false, "password": password.expose() });
        self.modify_user(user_id, &body).await
    }

    /// Sets a new password and signs the user out everywhere.
    pub async fn reset_password(&self, user_id: &str, password: &Secret) -> Result<(), SeatsError> {
        self.send_ok(
            Method::POST,
            &["_synapse", "admin", "v1", "reset_password", user_id],
            &json!({ "new_password": password.expose(), "logout_devices": true }),
            user_id,
        )
        .await
    }

    /// Grants or revokes server admin.
    pub async fn set_admin(&self, user_id: &str, admin: bool) -> Result<(), SeatsError> {
        self.send_ok(
            Method::PUT,
            &["_synapse", "admin", "v1", "users", user_id, "admin"],
            &json!({ "admin": admin }),
            user_id,
        )
        .await
    }

    /// Locks or unlocks `user_id`.
    pub async fn set_locked(&self, user_id: &str, locked: bool) -> Result<(), SeatsError> {
        self.modify_user(user_id, &json!({ "locked": locked }))
            .await
    }

    /// The sessions (devices) of `user_id`.
    pub async fn sessions(&self, user_id: &str) -> Result<Vec<UserSession>, SeatsError> {
        #[derive(Deserialize)]
        struct Devices {
            devices: Vec<Listed>,
        }
        #[derive(Deserialize)]
        struct Listed {
            device_id: String,
            display_name: Option<String>,
            last_seen_ip: Option<String>,
            last_seen_ts: Option<i64>,
        }
        let devices: Devices = self
            .get(
                &["_synapse", "admin", "v2", "users", user_id, "devices"],
                &[],
            )
            .await
            .map_err(|f| self.error(f, Subject::User(user_id)))?;
        Ok(devices
            .devices
            .into_iter()
            .map(|d| UserSession {
                device_id: d.device_id,
                display_name: d.display_name,
                last_seen_ip: d.last_seen_ip,
                last_seen_ms: d.last_seen_ts,
            })
            .collect())
    }

    /// Signs `user_id` out of the sessions `device_ids`.
    pub async fn sign_out_sessions(
        &self,
        user_id: &str,
        device_ids: &[String],
    ) -> Result<(), SeatsError> {
        self.send_ok(
            Method::POST,
            &[
                "_synapse",
                "admin",
                "v2",
                "users",
                user_id,
                "delete_devices",
            ],
            &json!({ "devices": device_ids }),
            user_id,
        )
        .await
    }

    /// Every registration token, valid or not.
    pub async fn tokens(&self) -> Result<Vec<RegistrationToken>, SeatsError> {
        #[derive(Deserialize)]
        struct Tokens {
            registration_tokens: Vec<ListedToken>,
        }
        let tokens: Tokens = self
            .get(&["_synapse", "admin", "v1", "registration_tokens"], &[])
            .await
            .map_err(|f| self.error(f, Subject::Other("registration tokens")))?;
        Ok(tokens
            .registration_tokens
            .into_iter()
            .map(ListedToken::into_token)
            .collect())
    }

    /// Creates a registration token the homeserver generates.
    pub async fn create_token(
        &self,
        uses_allowed: Option<u32>,
        expiry_ms: Option<i64>,
    ) -> Result<RegistrationToken, SeatsError> {
        let body = json!({ "uses_allowed": uses_allowed, "expiry_time": expiry_ms });
        let token: ListedToken = self
            .send(
                Method::POST,
                &["_synapse", "admin", "v1", "registration_tokens", "new"],
                Some(&body),
            )
            .await
            .map_err(|f| self.error(f, Subject::Other("registration tokens")))?;
        Ok(token.into_token())
    }

    /// Deletes a registration token; registrations under way with it fail.
    pub async fn revoke_token(&self, token: &str) -> Result<(), SeatsError> {
        self.send::<Value>(
            Method::DELETE,
            &["_synapse", "admin", "v1", "registration_tokens", token],
            None,
        )
        .await
        .map(drop)
        .map_err(|f| self.error(f, Subject::Token(token)))
    }

    async fn modify_user(&self, user_id: &str, body: &Value) -> Result<(), SeatsError> {
        self.send_ok(
            Method::PUT,
            &["_synapse", "admin", "v2", "users", user_id],
            body,
            user_id,
        )
        .await
    }

    async fn send_ok(
        &self,
        method: Method,
        path: &[&str],
        body: &Value,
        user_id: &str,
    ) -> Result<(), SeatsError> {
        self.send::<Value>(method, path, Some(body))
            .await
            .map(drop)
            .map_err(|f| self.error(f, Subject::User(user_id)))
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T, Failure> {
        let mut url = self.url(path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.exchange(self.http.get(url)).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        body: Option<&Value>,
    ) -> Result<T, Failure> {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(body);
        }
        self.exchange(request).await
    }

    async fn exchange<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Failure> {
        let again = request.try_clone();
        match self.exchange_once(request).await {
            // Access tokens of a refreshable session expire (Synapse: after 5 minutes): refresh
            // through the session, which saves the new tokens, and try once more.
            Err(Failure::Unauthorized { errcode }) if errcode == "M_UNKNOWN_TOKEN" => match again {
                Some(again) if self.refreshed().await => self.exchange_once(again).await,
                _ => Err(Failure::Unauthorized { errcode }),
            },
            other => other,
        }
    }

    /// Whether the session's token was renewed.
    async fn refreshed(&self) -> bool {
        let Some(refresher) = &self.refresher else {
            return false;
        };
        let stale = self
            .token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match refresher.refresh(&stale).await {
            Some(token) => {
                *self.token.lock().unwrap_or_else(PoisonError::into_inner) = token;
                true
            }
            None => false,
        }
    }

    async fn exchange_once<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Failure> {
        let token = self
            .token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let response = request
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| Failure::Network(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(|e| {
                Failure::Network(format!("an answer that is not the Admin API ({e})"))
            });
        }
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let errcode = body["errcode"].as_str().unwrap_or_default().to_owned();
        let message = body["error"].as_str().unwrap_or_default().to_owned();
        Err(match status {
            // A locked account is not signed out: its refusal says why.
            StatusCode::UNAUTHORIZED if errcode != "M_USER_LOCKED" => {
                Failure::Unauthorized { errcode }
            }
            StatusCode::FORBIDDEN if errcode == "M_FORBIDDEN" => Failure::Forbidden { message },
            StatusCode::NOT_FOUND if errcode == "M_NOT_FOUND" => Failure::NotFound,
            StatusCode::NOT_FOUND if errcode.is_empty() || errcode == "M_UNRECOGNIZED" => {
                Failure::Network(
                    "it has no Synapse Admin API at /_synapse/admin (a proxy in front of it may \
                     not pass it on)"
                        .to_owned(),
                )
            }
            _ if errcode.is_empty() => {
                Failure::Network(format!("HTTP {status}, not the Admin API"))
            }
            _ => Failure::Refused { errcode, message },
        })
    }

    fn url(&self, path: &[&str]) -> Url {
        // Each segment is encoded here, dots included: `Url`'s own segment pushing drops a `.`
        // or `..` segment, and a registration token may be just that.
        let mut joined = self.base.path().trim_end_matches('/').to_owned();
        for segment in path {
            joined.push('/');
            if segment.chars().all(|c| c == '.') {
                joined.push_str(&"%2E".repeat(segment.len()));
            } else {
                joined.extend(utf8_percent_encode(segment, SEGMENT));
            }
        }
        let mut url = self.base.clone();
        url.set_path(&joined);
        url
    }

    fn error(&self, failure: Failure, subject: Subject<'_>) -> SeatsError {
        let homeserver = self.base.as_str().trim_end_matches('/').to_owned();
        let admin = || {
            self.admin_id
                .clone()
                .unwrap_or_else(|| "This account".to_owned())
        };
        match failure {
            Failure::Network(detail) => SeatsError::Unreachable { homeserver, detail },
            Failure::Unauthorized { .. } => SeatsError::SignedOut { matrix_id: admin() },
            // Only the admin check reads a 403 as "not an admin": anywhere else the homeserver
            // refuses this one request (user creation under delegated auth, say).
            Failure::Forbidden { message } => SeatsError::Refused {
                homeserver,
                errcode: "M_FORBIDDEN".to_owned(),
                message,
            },
            Failure::NotFound => match subject {
                Subject::User(user_id) => SeatsError::UnknownUser {
                    user_id: user_id.to_owned(),
                },
                Subject::Token(token) => SeatsError::UnknownToken {
                    token: token.to_owned(),
                },
                Subject::Other(what) => SeatsError::Unreachable {
                    homeserver,
                    detail: format!("it has no {what}"),
                },
            },
            Failure::Refused { errcode, message } => SeatsError::Refused {
                homeserver,
                errcode,
                message,
            },
        }
    }
}

/// What a request was about, for its error.
#[derive(Clone, Copy)]
enum Subject<'a> {
    User(&'a str),
    Token(&'a str),
    Other(&'a str),
}

/// What a path segment may hold unencoded: RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a request failed, before it is put in words.
enum Failure {
    Network(String),
    Unauthorized { errcode: String },
    Forbidden { message: String },
    NotFound,
    Refused { errcode: String, message: String },
}

/// A user as the list endpoint gives it (`creation_ts` in milliseconds).
// One bool per flag of the Admin API's answer.
#[allow(clippy::struct_excessive_bools)]
#[derive(Deserialize)]
struct ListedUser {
    name: String,
    displayname: Option<String>,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    deactivated: bool,
    #[serde(default)]
    locked: bool,
    #[serde(default)]
    is_guest: bool,
    user_type: Option<String>,
    creation_ts: Option<i64>,
    last_seen_ts: Option<i64>,
}

impl ListedUser {
    fn facts(self) -> UserFacts {
        UserFacts {
            user_id: self.name,
            display_name: self.displayname,
            admin: self.admin,
            deactivated: self.deactivated,
            locked: self.locked,
            guest: self.is_guest,
            user_type: self.user_type,
            created_ms: self.creation_ts,
            last_seen_ms: self.last_seen_ts,
        }
    }
}

/// A user as the single-user endpoint gives it (`creation_ts` in seconds there).
#[derive(Deserialize)]
struct SingleUser {
    #[serde(flatten)]
    listed: ListedUser,
}

impl SingleUser {
    fn facts(self) -> UserFacts {
        let mut facts = self.listed.facts();
        facts.created_ms = facts.created_ms.map(|seconds| seconds.saturating_mul(1000));
        facts
    }
}

#[derive(Deserialize)]
struct ListedToken {
    token: String,
    uses_allowed: Option<u32>,
    #[serde(default)]
    pending: u32,
    #[serde(default)]
    completed: u32,
    expiry_time: Option<i64>,
}

impl ListedToken {
    fn into_token(self) -> RegistrationToken {
        RegistrationToken {
            token: self.token,
            uses_allowed: self.uses_allowed,
            pending: self.pending,
            completed: self.completed,
            expiry_ms: self.expiry_time,
        }
    }
}

/// Now, in Unix milliseconds.
#[must_use]
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
