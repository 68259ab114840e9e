//! The Synapse Admin API and a few client-server calls, for setting up and checking Matrix tests
//! (users, deactivation, devices, whoami). Test fixtures only: the app never uses this.
//!
//! Include with `#[path = "support/synapse_admin.rs"] mod synapse_admin;` after `synapse.rs`.

// Each test binary includes this file and uses a part of it.
#![allow(dead_code)]

use serde_json::{json, Value};

/// An admin session on a test Synapse.
pub struct Admin {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Admin {
    /// Signs the admin in.
    pub async fn sign_in(base: &str, admin_user: &str, admin_password: &str) -> Self {
        let http = reqwest::Client::new();
        let answer: Value = http
            .post(format!("{base}/_matrix/client/v3/login"))
            .json(&json!({
                "type": "m.login.password",
                "identifier": { "type": "m.id.user", "user": admin_user },
                "password": admin_password,
            }))
            .send()
            .await
            .expect("admin login request")
            .json()
            .await
            .expect("admin login answer");
        let token = answer["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("admin login failed: {answer}"))
            .to_owned();
        Self {
            base: base.to_owned(),
            token,
            http,
        }
    }

    /// Creates (or updates) `@localpart:server_name` with `password`; returns the full ID.
    pub async fn create_user(&self, server_name: &str, localpart: &str, password: &str) -> String {
        let user_id = format!("@{localpart}:{server_name}");
        let status = self
            .http
            .put(format!("{}/_synapse/admin/v2/users/{user_id}", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "password": password, "displayname": localpart }))
            .send()
            .await
            .expect("create user")
            .status();
        assert!(status.is_success(), "creating {user_id}: HTTP {status}");
        user_id
    }

    /// Deactivates `user_id`.
    pub async fn deactivate(&self, user_id: &str) {
        let status = self
            .http
            .post(format!(
                "{}/_synapse/admin/v1/deactivate/{user_id}",
                self.base
            ))
            .bearer_auth(&self.token)
            .json(&json!({ "erase": false }))
            .send()
            .await
            .expect("deactivate")
            .status();
        assert!(status.is_success(), "deactivating {user_id}: HTTP {status}");
    }

    /// The devices of `user_id`: (device id, display name).
    pub async fn devices(&self, user_id: &str) -> Vec<(String, Option<String>)> {
        let answer: Value = self
            .http
            .get(format!(
                "{}/_synapse/admin/v2/users/{user_id}/devices",
                self.base
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("list devices")
            .json()
            .await
            .expect("devices answer");
        answer["devices"]
            .as_array()
            .unwrap_or_else(|| panic!("no devices list: {answer}"))
            .iter()
            .map(|d| {
                (
                    d["device_id"].as_str().unwrap_or_default().to_owned(),
                    d["display_name"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }

    /// Deletes a device of `user_id`, which revokes its tokens.
    pub async fn delete_device(&self, user_id: &str, device_id: &str) {
        let status = self
            .http
            .delete(format!(
                "{}/_synapse/admin/v2/users/{user_id}/devices/{device_id}",
                self.base
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("delete device")
            .status();
        assert!(status.is_success(), "deleting {device_id}: HTTP {status}");
    }
    // Account management fixtures.

    /// Gives `user_id` exactly these 3PIDs (`(medium, address)`), as an admin can without
    /// validation.
    pub async fn set_threepids(&self, user_id: &str, threepids: &[(&str, &str)]) {
        let list: Vec<Value> = threepids
            .iter()
            .map(|(medium, address)| json!({ "medium": medium, "address": address }))
            .collect();
        let status = self
            .http
            .put(format!("{}/_synapse/admin/v2/users/{user_id}", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "threepids": list }))
            .send()
            .await
            .expect("set 3PIDs")
            .status();
        assert!(
            status.is_success(),
            "setting 3PIDs of {user_id}: HTTP {status}"
        );
    }

    /// The 3PIDs of `user_id` as the server holds them: (medium, address).
    pub async fn threepids(&self, user_id: &str) -> Vec<(String, String)> {
        let answer: Value = self
            .http
            .get(format!("{}/_synapse/admin/v2/users/{user_id}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("query user")
            .json()
            .await
            .expect("user answer");
        answer["threepids"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|t| {
                        (
                            t["medium"].as_str().unwrap_or_default().to_owned(),
                            t["address"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Downloads `mxc://server/id` through the authenticated media API.
    pub async fn download(&self, mxc: &str) -> Vec<u8> {
        let path = mxc.strip_prefix("mxc://").expect("an mxc:// URI");
        let response = self
            .http
            .get(format!(
                "{}/_matrix/client/v1/media/download/{path}",
                self.base
            ))
            .bearer_auth(&self.token)
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
    let response = reqwest::Client::new()
        .post(format!("{base}/_matrix/client/v3/login"))
        .json(&json!({
            "type": "m.login.password",
            "identifier": { "type": "m.id.user", "user": user },
            "password": password,
            "initial_device_display_name": "made by the test",
        }))
        .send()
        .await
        .expect("login request");
    let status = response.status().as_u16();
    if status != 200 {
        return Err(status);
    }
    let answer: Value = response.json().await.expect("login answer");
    Ok((
        answer["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        answer["device_id"].as_str().unwrap_or_default().to_owned(),
    ))
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
        let response = self
            .http
            .post(format!(
                "{}/_synapse/admin/v1/registration_tokens/new",
                self.base
            ))
            .bearer_auth(&self.token)
            .json(&json!({
                "token": token,
                "uses_allowed": uses_allowed,
                "expiry_time": expiry_time,
            }))
            .send()
            .await
            .expect("create registration token");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "creating registration token {token}: HTTP {status}: {body}"
        );
    }

    /// The Admin API's record of `user_id` (threepids, consent version, ...).
    pub async fn user_details(&self, user_id: &str) -> Value {
        self.http
            .get(format!("{}/_synapse/admin/v2/users/{user_id}", self.base))
            .bearer_auth(&self.token)
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
    let response = reqwest::Client::new()
        .get(format!("{base}/_matrix/client/v3/account/whoami"))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("whoami request");
    let status = response.status().as_u16();
    if status != 200 {
        return Err(status);
    }
    let answer: Value = response.json().await.expect("whoami answer");
    Ok((
        answer["user_id"].as_str().unwrap_or_default().to_owned(),
        answer["device_id"].as_str().unwrap_or_default().to_owned(),
    ))
}
