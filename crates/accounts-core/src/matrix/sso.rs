//! Single sign-on (`m.login.sso`) for Matrix accounts, through the loopback listener.
//!
//! [`MatrixAccounts::begin_sso_sign_in`] opens a [`CallbackListener`] expecting one visit to
//! [`SSO_CALLBACK_PATH`] with a fresh `state`, and builds the homeserver's SSO redirect for the
//! chosen identity provider with the listener's address (`state` in its query) as
//! `redirectUrl`. The shell opens the system browser there. Whatever the homeserver shows in
//! between (its identity-provider picker, choosing a user name for a new account, the "Continue
//! to your account" confirmation) happens in the browser; the homeserver finally sends the
//! browser back with `loginToken` appended, keeping our `state`.
//! [`MatrixAccounts::finish_sso_sign_in`] waits for that, signs in with `m.login.token` and keeps
//! the session through the same path as a password sign-in, then tells the browser tab it can be
//! closed. Cancelling or a timeout closes the listener before any session exists, so nothing is
//! kept; a failure after the token arrived is undone by the shared keep-a-session path.
//!
//! matrix-sdk's own SSO login (with its built-in local server) is deliberately not used: every
//! browser flow of the app goes through the one hardened listener in [`crate::loopback`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use url::Url;

use super::account::{lock, MatrixAccountView};
use super::accounts::MatrixAccounts;
use super::discovery::{display_url, join};
use super::error::{DiscoveryError, MatrixError};
use super::input::check_scheme;
use super::login::token_login;
use crate::loopback::{
    CallbackListener, CallbackState, CancelHandle, LoopbackError, Reply, StaticPage,
};
use crate::vault::{AccountRegistry, Secret};

/// The loopback path the homeserver sends the browser back to.
pub const SSO_CALLBACK_PATH: &str = "/matrix";

/// How long the app waits for the browser to come back from single sign-on.
pub const DEFAULT_SSO_TIMEOUT: Duration = Duration::from_mins(5);

const SIGNED_IN: StaticPage = StaticPage::new(
    "Signed in to Matrix",
    "You are signed in. You can close this tab and return to Element Accounts.",
);
const NOT_SIGNED_IN: StaticPage = StaticPage::new(
    "Not signed in",
    "The sign-in was not completed. Return to Element Accounts to see why and try again.",
);

/// What a single sign-on needs.
#[derive(Debug, Clone)]
pub struct SsoSignIn {
    /// The homeserver URL, as discovery resolved it.
    pub homeserver: String,
    /// The identity provider to use (as `/login` named it), or `None` to let the homeserver ask.
    pub idp_id: Option<String>,
    /// The account to sign in again (keeping its settings), if any.
    pub account_id: Option<String>,
    /// How long to wait for the browser to come back (see [`DEFAULT_SSO_TIMEOUT`]).
    pub timeout: Duration,
}

/// The homeserver's SSO redirect for `idp_id` (or its generic one), sending the browser back to
/// `redirect_url` afterwards.
pub fn sso_redirect_url(
    homeserver: &Url,
    idp_id: Option<&str>,
    redirect_url: &Url,
) -> Result<Url, MatrixError> {
    let mut url = join(homeserver, "_matrix/client/v3/login/sso/redirect")?;
    if let Some(idp) = idp_id {
        url.path_segments_mut()
            .map_err(|()| DiscoveryError::InvalidName {
                input: display_url(homeserver),
                reason: "it cannot have a path".to_owned(),
            })?
            .push(idp);
    }
    url.query_pairs_mut()
        .append_pair("redirectUrl", redirect_url.as_str());
    Ok(url)
}

/// A single sign-on waiting for the browser. Dropping it closes its listener.
pub struct PendingSso {
    homeserver: Url,
    account_id: Option<String>,
    listener: CallbackListener,
    sso_url: Url,
}

impl std::fmt::Debug for PendingSso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSso")
            .field("homeserver", &self.homeserver.as_str())
            .finish_non_exhaustive()
    }
}

impl PendingSso {
    /// Opens the listener and builds the SSO URL; no request is sent yet.
    pub async fn begin(request: &SsoSignIn) -> Result<Self, MatrixError> {
        let homeserver =
            Url::parse(request.homeserver.trim()).map_err(|e| DiscoveryError::InvalidName {
                input: request.homeserver.clone(),
                reason: e.to_string(),
            })?;
        check_scheme(&homeserver)?;
        let state = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let listener = CallbackListener::builder(request.timeout)
            .path(SSO_CALLBACK_PATH, CallbackState::new(state))
            .bind()
            .await?;
        // The listener was built with this one path, so it always has its URL.
        let back = listener
            .callback_url_with_state(SSO_CALLBACK_PATH)
            .ok_or_else(|| {
                MatrixError::SsoListener(LoopbackError::InvalidPath {
                    path: SSO_CALLBACK_PATH.to_owned(),
                })
            })?;
        let sso_url = sso_redirect_url(&homeserver, request.idp_id.as_deref(), back)?;
        Ok(Self {
            homeserver,
            account_id: request.account_id.clone(),
            listener,
            sso_url,
        })
    }

    /// Where the browser must go.
    #[must_use]
    pub fn sso_url(&self) -> &Url {
        &self.sso_url
    }

    /// Ends the flow with [`MatrixError::SsoCancelled`] from anywhere.
    #[must_use]
    pub fn cancel_handle(&self) -> CancelHandle {
        self.listener.cancel_handle()
    }
}

/// The one single sign-on that may be in progress, and how to cancel it while it is awaited.
///
/// The cancel handle is tagged with its flow's number so that a flow ending late (cancelled by
/// a newer one) does not take away the newer flow's handle.
#[derive(Default)]
pub(super) struct SsoSlot {
    pending: tokio::sync::Mutex<Option<(u64, PendingSso)>>,
    cancel: Mutex<Option<(u64, CancelHandle)>>,
    flows: AtomicU64,
}

impl MatrixAccounts {
    /// Starts a single sign-on (cancelling any earlier one); returns the URL for the browser.
    pub async fn begin_sso_sign_in(&self, request: SsoSignIn) -> Result<Url, MatrixError> {
        self.cancel_sso_sign_in();
        let pending = PendingSso::begin(&request).await?;
        let url = pending.sso_url().clone();
        let flow = self.sso.flows.fetch_add(1, Ordering::Relaxed);
        *lock(&self.sso.cancel) = Some((flow, pending.cancel_handle()));
        *self.sso.pending.lock().await = Some((flow, pending));
        Ok(url)
    }

    /// Ends the single sign-on in progress, if any, with [`MatrixError::SsoCancelled`].
    pub fn cancel_sso_sign_in(&self) {
        if let Some((_, cancel)) = lock(&self.sso.cancel).take() {
            cancel.cancel();
        }
    }

    /// Waits for the browser to come back from the single sign-on begun by
    /// [`Self::begin_sso_sign_in`], signs in with its login token and keeps the session.
    pub async fn finish_sso_sign_in(
        &self,
        registry: &Mutex<AccountRegistry>,
    ) -> Result<MatrixAccountView, MatrixError> {
        let (flow, mut pending) = self
            .sso
            .pending
            .lock()
            .await
            .take()
            .ok_or(MatrixError::SsoCancelled)?;
        let callback = pending.listener.next_callback().await;
        {
            let mut cancel = lock(&self.sso.cancel);
            if cancel.as_ref().is_some_and(|(current, _)| *current == flow) {
                cancel.take();
            }
        }
        let callback = callback?;
        let homeserver = pending.homeserver.clone();
        let Some(token) = callback.param("loginToken").map(Secret::new) else {
            callback.respond(Reply::Page(NOT_SIGNED_IN));
            return Err(MatrixError::SsoFailed {
                homeserver: display_url(&homeserver),
                detail: "the browser came back without a login token".to_owned(),
            });
        };
        let signed_in = async {
            let grant = token_login(&self.http, &homeserver, &token, self.device_name()).await?;
            drop(token);
            self.adopt(registry, &homeserver, grant, pending.account_id.as_deref())
                .await
        }
        .await;
        callback.respond(Reply::Page(if signed_in.is_ok() {
            SIGNED_IN
        } else {
            NOT_SIGNED_IN
        }));
        signed_in
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_names_the_provider_and_carries_the_return_address() {
        let homeserver = Url::parse("https://matrix.example.org/prefix").expect("url");
        let back = Url::parse("http://127.0.0.1:4000/matrix?state=abc").expect("url");
        let url = sso_redirect_url(&homeserver, Some("oidc-ems/x"), &back).expect("url");
        assert_eq!(
            url.path(),
            "/prefix/_matrix/client/v3/login/sso/redirect/oidc-ems%2Fx",
            "the provider id is one encoded path segment under the base's prefix"
        );
        let redirect: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            redirect,
            vec![("redirectUrl".to_owned(), back.to_string())],
            "the listener's address, state included, is the redirectUrl"
        );
        let generic = sso_redirect_url(&homeserver, None, &back).expect("url");
        assert_eq!(
            generic.path(),
            "/prefix/_matrix/client/v3/login/sso/redirect"
        );
    }
}
