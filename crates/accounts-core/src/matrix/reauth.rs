//! The one request that may be waiting for the user to confirm their identity through single
//! sign-on, parked so that the UI can show "Finish in your browser, then continue" while it waits.
//!
//! A command whose request answered 401 with an SSO flow (see [`super::offers_sso`]) parks the
//! request here with [`MatrixAccounts::park_sso_reauth`], opens the returned fallback page in the
//! browser and tells the UI; the UI then awaits [`MatrixAccounts::finish_sso_reauth`] (which
//! retries the request at a gentle interval until the server accepts it) and offers
//! [`MatrixAccounts::sso_reauth_done`] ("I have finished", retries at once) and
//! [`MatrixAccounts::cancel_sso_reauth`]. Which requests need it (deleting devices,
//! deactivating: `manage_sso`) is left to their own modules; what must follow an accepted
//! request on this computer (removing a deactivated account) is parked with it as a
//! [`AfterReauth`].

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use matrix_sdk::ruma::api::client::uiaa::AuthData;
use matrix_sdk::HttpError;
use url::Url;

use super::account::lock;
use super::accounts::MatrixAccounts;
use super::error::MatrixError;
use super::uia::UiaChallenge;
use super::uia_sso::{SsoReauth, SsoReauthHandle};
use crate::vault::AccountRegistry;

/// The parked request: called with the auth to send, answers as matrix-sdk does.
type Attempt =
    Box<dyn FnMut(AuthData) -> Pin<Box<dyn Future<Output = Result<(), HttpError>> + Send>> + Send>;

/// What this computer does once the server has accepted the parked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AfterReauth {
    /// Nothing more (sessions signed out: the server's device list says it all).
    Nothing,
    /// The account was deactivated: its session died with it; remove it from this computer.
    RemoveAccount(String),
}

/// A parked request: its number, the re-authentication, the request, what follows it.
type Parked = (u64, SsoReauth, Attempt, AfterReauth);

/// The request waiting for SSO re-authentication, and the handle that nudges or cancels it.
/// Both are tagged with the request's number so that a late end cannot touch a newer request.
#[derive(Default)]
pub(super) struct ReauthSlot {
    parked: tokio::sync::Mutex<Option<Parked>>,
    handle: Mutex<Option<(u64, SsoReauthHandle)>>,
    requests: AtomicU64,
}

impl MatrixAccounts {
    /// Parks `attempt` (the request that answered `challenge`, a 401 from `homeserver`) until
    /// the user confirms through single sign-on, replacing (cancelling) any request parked
    /// before. Returns the fallback page to open in the browser.
    pub async fn park_sso_reauth<F, Fut>(
        &self,
        homeserver: &Url,
        challenge: &UiaChallenge,
        attempt: F,
    ) -> Result<Url, MatrixError>
    where
        F: FnMut(AuthData) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), HttpError>> + Send + 'static,
    {
        self.park_sso_reauth_then(homeserver, challenge, attempt, AfterReauth::Nothing)
            .await
    }

    /// [`Self::park_sso_reauth`], with what follows once the server accepts.
    pub(super) async fn park_sso_reauth_then<F, Fut>(
        &self,
        homeserver: &Url,
        challenge: &UiaChallenge,
        mut attempt: F,
        after: AfterReauth,
    ) -> Result<Url, MatrixError>
    where
        F: FnMut(AuthData) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), HttpError>> + Send + 'static,
    {
        let reauth = SsoReauth::new(homeserver, challenge)?;
        let url = reauth.fallback_url().clone();
        self.cancel_sso_reauth();
        let request = self.reauth.requests.fetch_add(1, Ordering::Relaxed);
        *lock(&self.reauth.handle) = Some((request, reauth.handle()));
        let attempt: Attempt = Box::new(move |auth| Box::pin(attempt(auth)));
        *self.reauth.parked.lock().await = Some((request, reauth, attempt, after));
        Ok(url)
    }

    /// Retries the parked request until the server accepts it (the user confirmed in the
    /// browser), the user cancels, or the re-authentication times out; then does what follows
    /// on this computer (a deactivated account is removed from `registry`).
    pub async fn finish_sso_reauth(
        &self,
        registry: &Mutex<AccountRegistry>,
    ) -> Result<(), MatrixError> {
        let (request, reauth, attempt, after) = self
            .reauth
            .parked
            .lock()
            .await
            .take()
            .ok_or(MatrixError::ReauthCancelled)?;
        let result = reauth.complete(attempt).await;
        {
            let mut handle = lock(&self.reauth.handle);
            if handle
                .as_ref()
                .is_some_and(|(current, _)| *current == request)
            {
                handle.take();
            }
        }
        result?;
        if let AfterReauth::RemoveAccount(account_id) = after {
            log::info!(
                "deactivated Matrix account {account_id} on the server (confirmed through SSO)"
            );
            self.mark_signed_out_on_server(&account_id);
            self.remove(registry, &account_id).await?;
        }
        Ok(())
    }

    /// The user says they have finished in the browser: retry the parked request now.
    pub fn sso_reauth_done(&self) {
        if let Some((_, handle)) = lock(&self.reauth.handle).as_ref() {
            handle.retry_now();
        }
    }

    /// Gives up the parked request with [`MatrixError::ReauthCancelled`]; nothing is changed.
    pub fn cancel_sso_reauth(&self) {
        if let Some((_, handle)) = lock(&self.reauth.handle).take() {
            handle.cancel();
        }
    }
}
