//! Renewing an admin's Matrix token, shared between the app and the command line.
//!
//! Both use the session kept in the keyring. A refresh takes the account's [`TokenLock`] and
//! reads the keyring again first: when the other process refreshed meanwhile, its token is
//! used. Otherwise the app refreshes through its matrix-sdk client (with the homeserver, or with
//! the authorization server for an OAuth 2.0 session), and the command line with a plain request:
//! the homeserver's `/refresh`, or, for an OAuth 2.0 session, the authorization server's token
//! endpoint that the homeserver names. Either saves the rotated tokens before using them.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use matrix_sdk::authentication::matrix::MatrixSession;
use serde::Deserialize;
use serde_json::json;
use url::Url;

use super::admin_api::Refresh;
use crate::matrix::{load_stored, save_session};
use crate::vault::{Secret, TokenLock, Vault};

/// The keyring session of a Matrix account, renewed under its token lock.
pub struct SharedRefresh {
    vault: Vault,
    account_id: String,
    data_dir: Option<PathBuf>,
    homeserver: Url,
    http: reqwest::Client,
    /// The app's live client, which refreshes (and keeps) the session; `None` on the command
    /// line, which refreshes over plain HTTP.
    client: Option<matrix_sdk::Client>,
}

crate::debug_fields!(SharedRefresh, account_id, homeserver);

impl SharedRefresh {
    /// The session of `account_id` at `homeserver`, refreshed over `http` (which must follow no
    /// redirect), locking in `data_dir`.
    #[must_use]
    pub fn new(
        vault: Vault,
        account_id: &str,
        data_dir: Option<PathBuf>,
        homeserver: Url,
        http: reqwest::Client,
    ) -> Self {
        Self {
            vault,
            account_id: account_id.to_owned(),
            data_dir,
            homeserver,
            http,
            client: None,
        }
    }

    /// The same, refreshing through the app's live `client` of the session.
    #[must_use]
    pub fn through(mut self, client: matrix_sdk::Client) -> Self {
        self.client = Some(client);
        self
    }

    async fn renew(&self, stale: &Secret) -> Option<Secret> {
        let _shared = TokenLock::acquire_in(self.data_dir.as_deref(), &self.account_id).await;
        // The live client refreshes by itself too (its own requests), and its tokens are saved
        // to the keyring a moment later: when it holds a newer token than ours, that is the
        // newest, whatever the keyring says yet.
        if let Some(current) = self
            .client
            .as_ref()
            .and_then(matrix_sdk::Client::access_token)
        {
            if current != stale.expose() {
                return Some(Secret::new(current));
            }
        }
        let (stored, oauth_client) = match load_stored(&self.vault, &self.account_id).await {
            Ok(Some(stored)) => stored,
            Ok(None) => return None,
            Err(error) => {
                log::warn!("seats: the admin's session could not be read: {error}");
                return None;
            }
        };
        if stored.tokens.access_token != stale.expose() {
            // Another process refreshed meanwhile.
            return Some(Secret::new(stored.tokens.access_token));
        }
        let renewed = match (&self.client, oauth_client) {
            (Some(client), _) => through_client(client).await,
            (None, Some(client_id)) => self.through_oauth(&stored, &client_id).await,
            (None, None) => self.through_http(&stored).await,
        }?;
        if let Err(error) = save_session(&self.vault, &self.account_id, &renewed).await {
            log::error!("seats: the admin's refreshed tokens could not be saved: {error}");
        }
        Some(Secret::new(renewed.tokens.access_token))
    }

    /// `POST /refresh` with the stored refresh token.
    async fn through_http(&self, stored: &MatrixSession) -> Option<MatrixSession> {
        let refresh_token = stored.tokens.refresh_token.clone()?;
        let mut url = self.homeserver.clone();
        url.set_path("/_matrix/client/v3/refresh");
        let response = self
            .http
            .post(url)
            .json(&json!({ "refresh_token": refresh_token }))
            .send()
            .await
            .map_err(|e| {
                log::warn!(
                    "seats: the admin's token could not be refreshed: {}",
                    e.without_url()
                );
            })
            .ok()?;
        if !response.status().is_success() {
            log::warn!(
                "seats: the homeserver refused to refresh the admin's token (HTTP {})",
                response.status()
            );
            return None;
        }
        let refreshed: Refreshed = response.json().await.ok()?;
        Some(renewed(stored, refreshed))
    }

    /// The refresh-token grant of an OAuth 2.0 session at the token endpoint of the homeserver's
    /// authorization server, as the public client `client_id`.
    async fn through_oauth(
        &self,
        stored: &MatrixSession,
        client_id: &str,
    ) -> Option<MatrixSession> {
        #[derive(Deserialize)]
        struct Metadata {
            token_endpoint: Url,
        }
        let refresh_token = stored.tokens.refresh_token.clone()?;
        let mut url = self.homeserver.clone();
        url.set_path("/_matrix/client/v1/auth_metadata");
        let failed = |what: &str, e: reqwest::Error| {
            log::warn!(
                "seats: the admin's OAuth 2.0 token could not be refreshed ({what}): {}",
                e.without_url()
            );
        };
        let metadata: Metadata = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| failed("no authorization server metadata", e))
            .ok()?
            .json()
            .await
            .map_err(|e| failed("unreadable authorization server metadata", e))
            .ok()?;
        if let Err(error) = crate::transport::check(&metadata.token_endpoint) {
            log::warn!(
                "seats: not sending the admin's refresh token to the token endpoint: {error}"
            );
            return None;
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", &refresh_token)
            .append_pair("client_id", client_id)
            .finish();
        let response = self
            .http
            .post(metadata.token_endpoint)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| failed("the token endpoint did not answer", e))
            .ok()?;
        if !response.status().is_success() {
            log::warn!(
                "seats: the authorization server refused to refresh the admin's token (HTTP {})",
                response.status()
            );
            return None;
        }
        let refreshed: Refreshed = response.json().await.ok()?;
        Some(renewed(stored, refreshed))
    }
}

/// What a refresh answers: a new access token, and a rotated refresh token if any.
#[derive(Deserialize)]
struct Refreshed {
    access_token: String,
    refresh_token: Option<String>,
}

/// `stored` with the tokens of `refreshed`.
fn renewed(stored: &MatrixSession, refreshed: Refreshed) -> MatrixSession {
    let mut renewed = stored.clone();
    renewed.tokens.access_token = refreshed.access_token;
    if refreshed.refresh_token.is_some() {
        renewed.tokens.refresh_token = refreshed.refresh_token;
    }
    renewed
}

/// Refreshes through the live client, with whichever API it signed in with (the homeserver's,
/// or OAuth 2.0 at its authorization server).
async fn through_client(client: &matrix_sdk::Client) -> Option<MatrixSession> {
    if let Err(error) = client.refresh_access_token().await {
        log::warn!("seats: the admin's token could not be refreshed: {error}");
        return None;
    }
    Some(MatrixSession {
        meta: client.session_meta()?.clone(),
        tokens: client.session_tokens()?,
    })
}

impl Refresh for SharedRefresh {
    fn refresh<'a>(
        &'a self,
        stale: &'a Secret,
    ) -> Pin<Box<dyn Future<Output = Option<Secret>> + Send + 'a>> {
        Box::pin(self.renew(stale))
    }
}
