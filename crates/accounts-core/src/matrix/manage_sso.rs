//! The account actions protected by user-interactive auth, confirmed through single sign-on
//! instead of a password: signing out other sessions and deactivating, for accounts that sign
//! in only through an identity provider (or whose owner prefers it).
//!
//! Each sends its request once without `auth` to get the server's challenge, then parks the
//! request with [`MatrixAccounts::park_sso_reauth`] (see `reauth`) and returns the fallback page
//! for the browser; [`MatrixAccounts::finish_sso_reauth`] completes it. The checks before
//! sending and the request itself are the password path's (`manage`), so both answer the same
//! challenge the same way. Opening the browser and the prompt are left to the shell and the UI.

use std::sync::Mutex;

use matrix_sdk::ruma::api::client::account::deactivate;
use matrix_sdk::HttpError;
use url::Url;

use super::accounts::MatrixAccounts;
use super::error::MatrixError;
use super::manage::{action_failure, others_to_delete};
use super::reauth::AfterReauth;
use super::uia::{send_with_auth, UiaOutcome};
use crate::vault::AccountRegistry;

/// How an action confirmed through single sign-on starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoStart {
    /// The server did it without asking for a confirmation.
    Done,
    /// The request is parked: open this page in the browser, then finish with
    /// [`MatrixAccounts::finish_sso_reauth`].
    Browser(Url),
}

impl MatrixAccounts {
    /// Signs out other sessions of the account, confirmed through single sign-on: parks the
    /// deletion and returns the page the user confirms on.
    pub async fn delete_devices_through_sso(
        &self,
        account_id: &str,
        device_ids: &[String],
    ) -> Result<SsoStart, MatrixError> {
        let (client, user_id) = self.live(account_id)?;
        let ids = others_to_delete(&client, device_ids)?;
        let homeserver = client.homeserver();
        let outcome = send_with_auth(
            &homeserver,
            &user_id,
            None,
            |data| client.delete_devices(&ids, data),
            |hs, e| action_failure(hs, &user_id, e),
        )
        .await?;
        let UiaOutcome::AuthRequired(challenge) = outcome else {
            log::info!(
                "signed out {} session(s) of Matrix account {account_id}",
                ids.len()
            );
            return Ok(SsoStart::Done);
        };
        let count = ids.len();
        let url = self
            .park_sso_reauth_then(
                &homeserver,
                &challenge,
                move |auth| {
                    let client = client.clone();
                    let ids = ids.clone();
                    async move { client.delete_devices(&ids, Some(auth)).await.map(|_| ()) }
                },
                AfterReauth::Nothing,
            )
            .await?;
        log::info!(
            "signing out {count} session(s) of Matrix account {account_id} waits for single sign-on"
        );
        Ok(SsoStart::Browser(url))
    }

    /// Deactivates the account, confirmed through single sign-on: parks the deactivation and
    /// returns the page the user confirms on. Once the server accepts,
    /// [`MatrixAccounts::finish_sso_reauth`] removes the account from this computer.
    pub async fn deactivate_through_sso(
        &self,
        registry: &Mutex<AccountRegistry>,
        account_id: &str,
        erase: bool,
    ) -> Result<SsoStart, MatrixError> {
        let (client, user_id) = self.live(account_id)?;
        let homeserver = client.homeserver();
        let send = move |client: matrix_sdk::Client, auth| async move {
            let mut request = deactivate::v3::Request::new();
            request.auth = auth;
            request.erase = erase;
            client.send(request).await.map(|_| ())
        };
        let outcome = send_with_auth(
            &homeserver,
            &user_id,
            None,
            |auth| send(client.clone(), auth),
            |hs, e: &HttpError| action_failure(hs, &user_id, e),
        )
        .await?;
        let UiaOutcome::AuthRequired(challenge) = outcome else {
            log::info!("deactivated Matrix account {account_id} ({user_id}) on the server");
            self.mark_signed_out_on_server(account_id);
            self.remove(registry, account_id).await?;
            return Ok(SsoStart::Done);
        };
        let url = self
            .park_sso_reauth_then(
                &homeserver,
                &challenge,
                move |auth| send(client.clone(), Some(auth)),
                AfterReauth::RemoveAccount(account_id.to_owned()),
            )
            .await?;
        log::info!("deactivating Matrix account {account_id} waits for single sign-on");
        Ok(SsoStart::Browser(url))
    }
}
