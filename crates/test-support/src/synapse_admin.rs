//! The Synapse Admin API and a few client-server calls, for setting up and checking Matrix tests
//! (users, deactivation, devices, whoami). Test fixtures only: the app never uses this.

use reqwest::Method;
use serde_json::{json, Value};

use crate::wait::wait_for;

/// An admin session on a test Synapse.
pub struct Admin {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Admin {
    /// Signs the admin in.
    pub async fn sign_in(base: &str, admin_user: &str, admin_password: &str) -> Self {
        let (token, _device) = login(base, admin_user, admin_password)
            .await
            .unwrap_or_else(|status| panic!("admin login failed: HTTP {status}"));
        Self {
            base: base.to_owned(),
            token,
            http: reqwest::Client::new(),
        }
    }

    /// A request to `path` on the server (a path from its root), made with the admin's token.
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// Creates (or updates) `@localpart:server_name` with `password`; returns the full ID.
    pub async fn create_user(&self, server_name: &str, localpart: &str, password: &str) -> String {
        let user_id = format!("@{localpart}:{server_name}");
        succeeded(
            self.request(Method::PUT, &format!("/_synapse/admin/v2/users/{user_id}"))
                .json(&json!({ "password": password, "displayname": localpart })),
            &format!("creating {user_id}"),
        )
        .await;
        user_id
    }

    /// Deactivates `user_id`.
    pub async fn deactivate(&self, user_id: &str) {
        succeeded(
            self.request(
                Method::POST,
                &format!("/_synapse/admin/v1/deactivate/{user_id}"),
            )
            .json(&json!({ "erase": false })),
            &format!("deactivating {user_id}"),
        )
        .await;
    }

    /// The devices of `user_id`: (device id, display name).
    pub async fn devices(&self, user_id: &str) -> Vec<(String, Option<String>)> {
        let answer = succeeded(
            self.request(
                Method::GET,
                &format!("/_synapse/admin/v2/users/{user_id}/devices"),
            ),
            &format!("listing the devices of {user_id}"),
        )
        .await;
        answer["devices"]
            .as_array()
            .unwrap_or_else(|| panic!("no devices list: {answer}"))
            .iter()
            .map(|d| {
                (
                    text(&d["device_id"]),
                    d["display_name"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }

    /// Deletes a device of `user_id`, which revokes its tokens.
    pub async fn delete_device(&self, user_id: &str, device_id: &str) {
        succeeded(
            self.request(
                Method::DELETE,
                &format!("/_synapse/admin/v2/users/{user_id}/devices/{device_id}"),
            ),
            &format!("deleting {device_id}"),
        )
        .await;
    }
    // Account management fixtures.

    /// Gives `user_id` exactly these 3PIDs (`(medium, address)`), as an admin can without
    /// validation.
    pub async fn set_threepids(&self, user_id: &str, threepids: &[(&str, &str)]) {
        let list: Vec<Value> = threepids
            .iter()
            .map(|(medium, address)| json!({ "medium": medium, "address": address }))
            .collect();
        self.modify_user(user_id, &json!({ "threepids": list }), "setting the 3PIDs")
            .await;
    }

    /// The 3PIDs of `user_id` as the server holds them: (medium, address).
    pub async fn threepids(&self, user_id: &str) -> Vec<(String, String)> {
        let answer = succeeded(
            self.request(Method::GET, &format!("/_synapse/admin/v2/users/{user_id}")),
            &format!("querying {user_id}"),
        )
        .await;
        answer["threepids"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|t| (text(&t["medium"]), text(&t["address"])))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Downloads `mxc://server/id` through the authenticated media API.
    pub async fn download(&self, mxc: &str) -> Vec<u8> {
        let path = mxc.strip_prefix("mxc://").expect("an mxc:// URI");
        let response = self
            .request(
                Method::GET,
                &format!("/_matrix/client/v1/media/download/{path}"),
            )
            .send()
            .await
            .expect("download media");
        assert!(
            response.status().is_success(),
            "downloading {mxc}: HTTP {}",
            response.status()
        );
        response.bytes().await.expect("media bytes").to_vec()
    }
}

/// Signs `user` in over plain HTTP (a session made outside the app): (access token, device id),
/// or the HTTP status of a refusal.
pub async fn login(base: &str, user: &str, password: &str) -> Result<(String, String), u16> {
    let answer = answer_if_ok(
        reqwest::Client::new()
            .post(format!("{base}/_matrix/client/v3/login"))
            .json(&json!({
                "type": "m.login.password",
                "identifier": { "type": "m.id.user", "user": user },
                "password": password,
                "initial_device_display_name": "made by the test",
            })),
        "login",
    )
    .await?;
    Ok((text(&answer["access_token"]), text(&answer["device_id"])))
}

/// The public profile of `user_id`: the display name and the avatar's mxc URI.
pub async fn profile(base: &str, user_id: &str) -> (Option<String>, Option<String>) {
    let answer: Value = reqwest::Client::new()
        .get(format!("{base}/_matrix/client/v3/profile/{user_id}"))
        .send()
        .await
        .expect("profile request")
        .json()
        .await
        .expect("profile answer");
    (
        answer["displayname"].as_str().map(str::to_owned),
        answer["avatar_url"].as_str().map(str::to_owned),
    )
}

// Registration tokens (Matrix accounts part 4: registration).
impl Admin {
    /// Creates the registration token `token`, usable `uses_allowed` times (unlimited when
    /// `None`) until `expiry_time` (milliseconds since the epoch; never when `None`).
    pub async fn create_registration_token(
        &self,
        token: &str,
        uses_allowed: Option<u32>,
        expiry_time: Option<u64>,
    ) {
        succeeded(
            self.request(Method::POST, "/_synapse/admin/v1/registration_tokens/new")
                .json(&json!({
                    "token": token,
                    "uses_allowed": uses_allowed,
                    "expiry_time": expiry_time,
                })),
            &format!("creating registration token {token}"),
        )
        .await;
    }

    /// The Admin API's record of `user_id` (threepids, consent version, ...), or its refusal
    /// (`errcode`) when there is no such user.
    pub async fn user_details(&self, user_id: &str) -> Value {
        self.request(Method::GET, &format!("/_synapse/admin/v2/users/{user_id}"))
            .send()
            .await
            .expect("user details")
            .json()
            .await
            .expect("user details answer")
    }
}

/// What the server's `whoami` says of `access_token`: (user id, device id), or the HTTP status.
pub async fn whoami(base: &str, access_token: &str) -> Result<(String, String), u16> {
    let answer = answer_if_ok(
        reqwest::Client::new()
            .get(format!("{base}/_matrix/client/v3/account/whoami"))
            .bearer_auth(access_token),
        "whoami",
    )
    .await?;
    Ok((text(&answer["user_id"]), text(&answer["device_id"])))
}

// Seats: the kinds of account the counting rules tell apart, and when a user was last seen.
impl Admin {
    /// The admin's access token, for a client of our own (such as the core's Admin API client).
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Modifies `user_id` through `PUT /_synapse/admin/v2/users/<id>` with `body`; returns the
    /// user as the server then holds it.
    async fn modify_user(&self, user_id: &str, body: &Value, what: &str) -> Value {
        succeeded(
            self.request(Method::PUT, &format!("/_synapse/admin/v2/users/{user_id}"))
                .json(body),
            &format!("{what} of {user_id}"),
        )
        .await
    }

    /// The Admin API's user list (`GET /_synapse/admin/v2/users`) with `params` as its query:
    /// the raw answer.
    async fn list_users(&self, params: &[(&str, &str)], what: &str) -> Value {
        let url = with_query(&format!("{}/_synapse/admin/v2/users", self.base), params);
        succeeded(self.http.get(url).bearer_auth(&self.token), what).await
    }

    /// Sets the `user_type` of `user_id` (`bot`, `support`, a type from the config's
    /// `user_types.extra_user_types`, or `None` for an ordinary user). Synapse 1.163 accepts it
    /// on create and on modify, and refuses an unknown type with 400.
    pub async fn set_user_type(&self, user_id: &str, user_type: Option<&str>) {
        let user = self
            .modify_user(
                user_id,
                &json!({ "user_type": user_type }),
                "setting the user type",
            )
            .await;
        assert_eq!(
            user["user_type"].as_str(),
            user_type,
            "the user type of {user_id} must read back: {user}"
        );
    }

    /// Locks or unlocks `user_id` (a locked user's sign-in is refused with `M_USER_LOCKED`).
    pub async fn set_locked(&self, user_id: &str, locked: bool) {
        let user = self
            .modify_user(user_id, &json!({ "locked": locked }), "setting the lock")
            .await;
        assert_eq!(
            user["locked"].as_bool(),
            Some(locked),
            "the lock of {user_id} must read back: {user}"
        );
    }

    /// One page of the Admin API's user list with every user (`deactivated=true&locked=true`;
    /// guests are included by default): the raw answer, with `users`, `total` and `next_token`.
    pub async fn list_users_page(&self, from: u64, limit: u64) -> Value {
        let (from, limit) = (from.to_string(), limit.to_string());
        self.list_users(
            &[
                ("from", from.as_str()),
                ("limit", limit.as_str()),
                ("deactivated", "true"),
                ("locked", "true"),
            ],
            "listing users",
        )
        .await
    }

    /// The Admin API's `total` of all local users: deactivated, locked and guests included.
    pub async fn total_users(&self) -> u64 {
        let page = self.list_users_page(0, 1).await;
        page["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("the user list has no total: {page}"))
    }

    /// `last_seen_ts` of `user_id` as the Admin API's list gives it (the same figure the core
    /// reads): milliseconds since the epoch, or `None` when never seen.
    pub async fn listed_last_seen(&self, user_id: &str) -> Option<i64> {
        let answer = self
            .list_users(
                &[
                    ("user_id", user_id),
                    ("deactivated", "true"),
                    ("locked", "true"),
                    ("limit", "100"),
                ],
                "listing users by id",
            )
            .await;
        // `user_id` is a substring (SQL LIKE) filter: pick the exact user.
        let user = answer["users"]
            .as_array()
            .and_then(|users| users.iter().find(|u| u["name"].as_str() == Some(user_id)))
            .unwrap_or_else(|| panic!("{user_id} is not in the user list: {answer}"));
        user["last_seen_ts"].as_i64()
    }

    /// Waits until the Admin API's list shows a `last_seen_ts` for `user_id`, and returns it.
    ///
    /// Synapse does not write client IPs at once: `insert_client_ip` queues them in memory and a
    /// looping call flushes the queue to `user_ips` and `devices.last_seen` every 5 seconds
    /// (`synapse/storage/databases/main/client_ips.py`, Synapse 1.163.2; measured 3.3 s after a
    /// request). Once this returns, nothing queued before the awaited request is still pending.
    pub async fn wait_for_last_seen(&self, user_id: &str) -> i64 {
        wait_for(
            || async {
                self.listed_last_seen(user_id)
                    .await
                    .ok_or("no last_seen_ts")
            },
            std::time::Duration::from_secs(30),
            &format!("Synapse records a last_seen_ts for {user_id} within 30 s of its request"),
        )
        .await
    }
}

/// Registers a guest (`POST /register?kind=guest`, which needs `allow_guest_access: true`):
/// (user id, access token). Guests get numeric localparts.
pub async fn register_guest(base: &str) -> (String, String) {
    let answer = succeeded(
        reqwest::Client::new()
            .post(format!("{base}/_matrix/client/v3/register?kind=guest"))
            .json(&json!({})),
        "guest registration",
    )
    .await;
    (
        required_text(&answer, "user_id", "no guest user id"),
        required_text(&answer, "access_token", "no guest access token"),
    )
}

/// Registers `localpart` through the application service whose token is `as_token`
/// (`m.login.application_service`); the localpart must be in its exclusive namespace. Returns
/// the full user id.
pub async fn register_appservice_user(base: &str, as_token: &str, localpart: &str) -> String {
    let answer = succeeded(
        reqwest::Client::new()
            .post(format!("{base}/_matrix/client/v3/register"))
            .bearer_auth(as_token)
            .json(&json!({
                "type": "m.login.application_service",
                "username": localpart,
                "inhibit_login": true,
            })),
        &format!("registering {localpart} through the appservice"),
    )
    .await;
    required_text(&answer, "user_id", &format!("no user id for {localpart}"))
}

/// `whoami` as `user_id`, made by the application service (its `as_token` and
/// `?user_id=`), the way a bridge acts for its puppets: the user id Synapse answers for, or the
/// HTTP status. Synapse does not record such requests in its client-IP log unless
/// `track_appservice_user_ips` is set.
pub async fn whoami_through_appservice(
    base: &str,
    as_token: &str,
    user_id: &str,
) -> Result<String, u16> {
    let answer = answer_if_ok(
        reqwest::Client::new()
            .get(with_query(
                &format!("{base}/_matrix/client/v3/account/whoami"),
                &[("user_id", user_id)],
            ))
            .bearer_auth(as_token),
        "whoami through the appservice",
    )
    .await?;
    Ok(text(&answer["user_id"]))
}

/// Signs `user` in with a password and makes one client request (`whoami`) with the new
/// token, so that Synapse records the user as seen (after its batching delay: see
/// [`Admin::wait_for_last_seen`]). Returns the access token.
pub async fn sign_in_and_request(base: &str, user: &str, password: &str) -> String {
    let (token, _device) = login(base, user, password)
        .await
        .unwrap_or_else(|status| panic!("{user} cannot sign in: HTTP {status}"));
    whoami(base, &token)
        .await
        .unwrap_or_else(|status| panic!("{user}'s whoami: HTTP {status}"));
    token
}

/// `base` with `params` as its query, percent-encoded (reqwest 0.13's `query` needs a feature
/// this workspace does not turn on).
fn with_query(base: &str, params: &[(&str, &str)]) -> reqwest::Url {
    reqwest::Url::parse_with_params(base, params)
        .unwrap_or_else(|e| panic!("a URL from {base}: {e}"))
}

/// Sends `request` and checks that it succeeded; returns its JSON answer (`null` when the body
/// is not JSON). `what` names the request in the failure message.
async fn succeeded(request: reqwest::RequestBuilder, what: &str) -> Value {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or_default();
    assert!(status.is_success(), "{what}: HTTP {status}: {answer}");
    answer
}

/// Sends `request`: its JSON answer when the server says 200, else the HTTP status (for calls
/// whose refusal is what a test looks at).
async fn answer_if_ok(request: reqwest::RequestBuilder, what: &str) -> Result<Value, u16> {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = response.status().as_u16();
    if status != 200 {
        return Err(status);
    }
    Ok(response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{what}: the answer is not JSON: {e}")))
}

/// A string field of an answer, empty when it is missing.
fn text(field: &Value) -> String {
    field.as_str().unwrap_or_default().to_owned()
}

/// The string field `key` of `answer`; its absence fails the test with `missing`.
fn required_text(answer: &Value, key: &str, missing: &str) -> String {
    answer[key]
        .as_str()
        .unwrap_or_else(|| panic!("{missing}: {answer}"))
        .to_owned()
}
