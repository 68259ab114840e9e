//! The one request that may be waiting for the user to confirm their identity through single
//! sign-on, parked so that the UI can show "Finish in your browser, then continue" while it waits.
//!
//! A protected action confirmed with `Confirmation::SingleSignOn` (see `manage`) parks its
//! request here, opens the homeserver's fallback page in the browser and tells the UI; the UI
//! then awaits [`MatrixAccounts::finish_sso_reauth`] (which retries the request at a gentle
//! interval until the server accepts it) and offers [`MatrixAccounts::sso_reauth_done`] ("I have
//! finished", retries at once) and [`MatrixAccounts::cancel_sso_reauth`]. What must follow an
//! accepted request on this computer (removing a deactivated account) is parked with it as an
//! [`AfterReauth`].

use std::future::Future;
use std::pin::Pin;

use matrix_sdk::ruma::api::client::uiaa::AuthData;
use matrix_sdk::HttpError;
use url::Url;

use super::fallback::{SsoReauth, SsoReauthHandle};
use crate::flow::StopFlow;
use crate::matrix::challenge::UiaChallenge;
use crate::matrix::error::MatrixError;
use crate::matrix::MatrixAccounts;

/// The parked request: called with the auth to send, answers as matrix-sdk does.
pub(crate) type Attempt =
    Box<dyn FnMut(AuthData) -> Pin<Box<dyn Future<Output = Result<(), HttpError>> + Send>> + Send>;

/// What this computer does once the server has accepted the parked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AfterReauth {
    /// Nothing more (sessions signed out: the server's device list says it all).
    Nothing,
    /// The account was deactivated: its session died with it; remove it from this computer.
    RemoveAccount(String),
}

/// A parked request: the re-authentication, the request, what follows it.
pub(crate) type Parked = (SsoReauth, Attempt, AfterReauth);

impl StopFlow for SsoReauthHandle {
    fn stop(&self) {
        self.cancel();
    }
}

impl MatrixAccounts {
    /// Parks `attempt` (the request that answered `challenge`, a 401 from `homeserver`) until
    /// the user confirms through single sign-on, replacing (cancelling) any request parked
    /// before. Returns the fallback page to open in the browser.
    pub fn park_sso_reauth<F, Fut>(
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
    }

    /// [`Self::park_sso_reauth`], with what follows once the server accepts.
    pub(crate) fn park_sso_reauth_then<F, Fut>(
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
        self.reauth.cancel();
        let handle = reauth.handle();
        let attempt: Attempt = Box::new(move |auth| Box::pin(attempt(auth)));
        self.reauth.put((reauth, attempt, after), handle);
        Ok(url)
    }

    /// Retries the parked request until the server accepts it (the user confirmed in the
    /// browser), the user cancels, or the re-authentication times out; then does what follows
    /// on this computer (a deactivated account is removed).
    pub async fn finish_sso_reauth(&self) -> Result<(), MatrixError> {
        self.reauth
            .run(|(reauth, attempt, after)| async move {
                reauth.complete(attempt).await?;
                self.after_reauth(after).await
            })
            .await
            .ok_or(MatrixError::ReauthCancelled)?
    }

    /// What this computer does once the server has done a protected action.
    pub(crate) async fn after_reauth(&self, after: AfterReauth) -> Result<(), MatrixError> {
        if let AfterReauth::RemoveAccount(account_id) = after {
            log::info!("deactivated Matrix account {account_id} on the server");
            // The session died with the account: nothing more is sent with it.
            self.sessions.mark_signed_out_on_server(&account_id);
            self.remove(&account_id).await?;
        }
        Ok(())
    }

    /// The user says they have finished in the browser: retry the parked request now.
    pub fn sso_reauth_done(&self) {
        self.reauth.with_handle(SsoReauthHandle::retry_now);
    }

    /// Gives up the parked request with [`MatrixError::ReauthCancelled`]; nothing is changed.
    pub fn cancel_sso_reauth(&self) {
        self.reauth.cancel();
    }
}
