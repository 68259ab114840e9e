//! Single sign-on (`m.login.sso`) for Matrix accounts, through the loopback listener.
//!
//! The flow is two halves: [`SsoAuthorization::prepare`] chooses a `state` and builds the
//! homeserver's SSO redirect for the chosen identity provider, with a loopback address (`state` in
//! its query) as `redirectUrl`; [`complete_sso`] reads the login token from that path's
//! callback. [`MatrixAccounts::begin_sso_sign_in`] runs them over a listener of its own on
//! [`SSO_CALLBACK_PATH`] ([`PendingSso`]) and opens the system browser through the core's opener. Whatever the homeserver shows in
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

use std::time::Duration;

use url::Url;

use super::login::token_login;
use crate::browser::BrowserHandoff;
use crate::loopback::{
    Callback, CallbackListener, CallbackState, CancelHandle, LoopbackError, Reply, StaticPage,
};
use crate::matrix::error::MatrixError;
use crate::matrix::homeserver::{display_url, join, DiscoveryError, Homeserver};
use crate::matrix::session::{MatrixAccountView, SignInTarget};
use crate::matrix::MatrixAccounts;
use crate::vault::{Secret, SubscriptionLink};

/// The loopback path the homeserver sends the browser back to.
pub const SSO_CALLBACK_PATH: &str = "/matrix";

/// How long the app waits for the browser to come back from single sign-on.
pub const DEFAULT_SSO_TIMEOUT: Duration = Duration::from_mins(5);

const SIGNED_IN: StaticPage = StaticPage::signed_in("Signed in to Matrix");

/// What a single sign-on needs.
#[derive(Debug, Clone)]
pub struct SsoSignIn {
    /// The homeserver URL, as discovery resolved it.
    pub homeserver: String,
    /// The identity provider to use (as `/login` named it), or `None` to let the homeserver ask.
    pub idp_id: Option<String>,
    /// The account to sign in again (keeping its settings), if any.
    pub account_id: Option<String>,
    /// The EMS subscription the sign-in was opened from, kept with the account.
    pub subscription: Option<SubscriptionLink>,
    /// How long to wait for the browser to come back (see [`DEFAULT_SSO_TIMEOUT`]).
    pub timeout: Duration,
}

impl SsoSignIn {
    /// A single sign-on that waits [`DEFAULT_SSO_TIMEOUT`] for the browser.
    #[must_use]
    pub fn new(
        homeserver: String,
        idp_id: Option<String>,
        account_id: Option<String>,
        subscription: Option<SubscriptionLink>,
    ) -> Self {
        Self {
            homeserver,
            idp_id,
            account_id,
            subscription,
            timeout: DEFAULT_SSO_TIMEOUT,
        }
    }
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
    target: SignInTarget,
    listener: CallbackListener,
    sso_url: Url,
}

crate::debug_fields!(PendingSso, homeserver);

/// The single sign-on request for one homeserver, made for a return address on a loopback
/// path: the first half of the flow. [`complete_sso`] is the second, from that path's callback.
#[derive(Clone)]
pub struct SsoAuthorization {
    /// Where the browser must go: the homeserver's SSO redirect.
    pub sso_url: Url,
    /// The `state` the return address carries, which the listener must expect there.
    pub state: String,
}

crate::debug_fields!(SsoAuthorization);

impl SsoAuthorization {
    /// Chooses a `state` and builds the SSO redirect of `homeserver` for `idp_id`, with
    /// `callback` (a bare loopback address) plus that state as its `redirectUrl`.
    pub fn prepare(
        homeserver: &Url,
        idp_id: Option<&str>,
        callback: &Url,
    ) -> Result<Self, MatrixError> {
        let state = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let mut back = callback.clone();
        back.query_pairs_mut().append_pair("state", &state);
        let sso_url = sso_redirect_url(homeserver, idp_id, &back)?;
        Ok(Self { sso_url, state })
    }
}

/// The login token the homeserver handed back with the browser to the SSO return address.
pub fn complete_sso(homeserver: &Url, callback: &Callback) -> Result<Secret, MatrixError> {
    callback
        .param("loginToken")
        .map(Secret::new)
        .ok_or_else(|| MatrixError::SsoFailed {
            homeserver: display_url(homeserver),
            detail: "the browser came back without a login token".to_owned(),
        })
}

impl PendingSso {
    /// Opens a listener on [`SSO_CALLBACK_PATH`] and prepares the SSO URL; no request is sent.
    pub async fn begin(request: &SsoSignIn) -> Result<Self, MatrixError> {
        let homeserver = Homeserver::parse(&request.homeserver)?.into_url();
        let mut listener = CallbackListener::builder(request.timeout)
            .path_awaiting_state(SSO_CALLBACK_PATH)
            .bind()
            .await?;
        let callback = listener
            .callback_url(SSO_CALLBACK_PATH)
            .ok_or_else(|| {
                MatrixError::SsoListener(LoopbackError::InvalidPath {
                    path: SSO_CALLBACK_PATH.to_owned(),
                })
            })?
            .clone();
        let authorization =
            SsoAuthorization::prepare(&homeserver, request.idp_id.as_deref(), &callback)?;
        listener
            .set_state(SSO_CALLBACK_PATH, CallbackState::new(authorization.state))
            .await?;
        Ok(Self {
            homeserver,
            target: SignInTarget {
                account_id: request.account_id.clone(),
                subscription: request.subscription.clone(),
            },
            listener,
            sso_url: authorization.sso_url,
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

impl MatrixAccounts {
    /// Starts a single sign-on (cancelling any earlier one) and opens the system browser at the
    /// homeserver's SSO page, or hands the address back to be copied.
    pub async fn begin_sso_sign_in(
        &self,
        request: SsoSignIn,
    ) -> Result<BrowserHandoff, MatrixError> {
        self.sso.cancel();
        self.sessions.registry().require()?;
        let pending = PendingSso::begin(&request).await?;
        let (url, cancel) = (pending.sso_url().clone(), pending.cancel_handle());
        Ok(self.sso.open(pending, cancel, &url, &self.opener)?)
    }

    /// Ends the single sign-on in progress, if any, with [`MatrixError::SsoCancelled`].
    pub fn cancel_sso_sign_in(&self) {
        self.sso.cancel();
    }

    /// Waits for the browser to come back from the single sign-on begun by
    /// [`Self::begin_sso_sign_in`], signs in with its login token and keeps the session.
    pub async fn finish_sso_sign_in(&self) -> Result<MatrixAccountView, MatrixError> {
        self.sso
            .run(|pending| self.complete_sso(pending))
            .await
            .ok_or(MatrixError::SsoCancelled)?
    }

    async fn complete_sso(
        &self,
        mut pending: PendingSso,
    ) -> Result<MatrixAccountView, MatrixError> {
        let callback = pending.listener.next_callback().await?;
        let homeserver = pending.homeserver.clone();
        let signed_in = async {
            let token = complete_sso(&homeserver, &callback)?;
            let grant = token_login(
                self.sessions.http(),
                &homeserver,
                &token,
                self.sessions.device_name(),
            )
            .await?;
            drop(token);
            self.sessions
                .adopt(&homeserver, grant, pending.target)
                .await
        }
        .await;
        callback.respond(Reply::Page(if signed_in.is_ok() {
            SIGNED_IN
        } else {
            StaticPage::NOT_SIGNED_IN
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
