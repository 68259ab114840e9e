//! Renewing an admin's Matrix token, shared between the app and the command line.
//!
//! Both use the session kept in the keyring. A refresh takes the account's [`TokenLock`] and
//! reads the keyring again first: when the other process refreshed meanwhile, its token is
//! used. Otherwise the app refreshes through its matrix-sdk client and the command line with a
//! plain `/refresh` request; either saves the rotated tokens before using them.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use matrix_sdk::authentication::matrix::MatrixSession;
use serde::Deserialize;
use serde_json::json;
use url::Url;

use super::admin_api::Refresh;
use crate::matrix::{load_session, save_session};
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
        let stored = match load_session(&self.vault, &self.account_id).await {
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
        let renewed = match &self.client {
            Some(client) => through_client(client).await,
            None => self.through_http(&stored).await,
        }?;
        if let Err(error) = save_session(&self.vault, &self.account_id, &renewed).await {
            log::error!("seats: the admin's refreshed tokens could not be saved: {error}");
        }
        Some(Secret::new(renewed.tokens.access_token))
    }

    /// `POST /refresh` with the stored refresh token.
    async fn through_http(&self, stored: &MatrixSession) -> Option<MatrixSession> {
        #[derive(Deserialize)]
        struct Refreshed {
            access_token: String,
            refresh_token: Option<String>,
        }
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
        let mut renewed = stored.clone();
        renewed.tokens.access_token = refreshed.access_token;
        if refreshed.refresh_token.is_some() {
            renewed.tokens.refresh_token = refreshed.refresh_token;
        }
        Some(renewed)
    }
}

async fn through_client(client: &matrix_sdk::Client) -> Option<MatrixSession> {
    if let Err(error) = client.matrix_auth().refresh_access_token().await {
        log::warn!("seats: the admin's token could not be refreshed: {error}");
        return None;
    }
    client.matrix_auth().session()
}

impl Refresh for SharedRefresh {
    fn refresh<'a>(
        &'a self,
        stale: &'a Secret,
    ) -> Pin<Box<dyn Future<Output = Option<Secret>> + Send + 'a>> {
        Box::pin(self.renew(stale))
    }
}
