//! Re-authentication through single sign-on, for user-interactive auth (UIA) on accounts that
//! have no password.
//!
//! When a request that needs UIA (deleting devices, deactivating) answers 401 with a flow whose
//! only stage is `m.login.sso`, the user confirms their identity in the browser on the
//! homeserver's fallback page, `/_matrix/client/v3/auth/m.login.sso/fallback/web?session=S`.
//! That page goes through the identity provider and ends on a page of the homeserver's own: it
//! never redirects back, so the loopback listener cannot see its end. Instead, [`SsoReauth`]
//! retries the caller's request with `auth: {session: S}` at a gentle interval (and at once
//! when the user says they are done, through [`SsoReauthHandle::retry_now`]) until the server
//! accepts it, the user cancels, or the timeout passes.
//!
//! It knows nothing of which request is being confirmed: the caller supplies it as a closure
//! taking the [`AuthData`] to send. It builds on [`super::uia`]: the challenge, whether it
//! offers SSO, its fallback page and the `auth: {session}` acknowledgement all come from there,
//! so there is one UIA mechanism with two ways to answer it (password, browser).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use matrix_sdk::ruma::api::client::uiaa::{AuthData, UiaaInfo};
use matrix_sdk::HttpError;
use tokio::sync::{watch, Notify};
use tokio::time::{self, Instant};
use url::Url;

use super::fallback_auth;
use crate::matrix::challenge::{UiaChallenge, SSO_STAGE};
use crate::matrix::error::{http_failure, MatrixError};
use crate::matrix::homeserver::display_url;

/// How long to wait between two tries while the user is in the browser.
pub const DEFAULT_REAUTH_INTERVAL: Duration = Duration::from_secs(3);

/// How long the user has to finish in the browser.
pub const DEFAULT_REAUTH_TIMEOUT: Duration = Duration::from_mins(10);

/// Whether the UIA answer offers a flow that single sign-on alone completes (see
/// [`UiaChallenge::offers_sso`]).
#[must_use]
pub fn offers_sso(info: &UiaaInfo) -> bool {
    UiaChallenge::from_info(info).offers_sso()
}

/// The homeserver's fallback page that confirms UIA `session` through single sign-on (see
/// [`UiaChallenge::fallback_url`]).
pub fn sso_fallback_url(homeserver: &Url, session: &str) -> Result<Url, MatrixError> {
    let challenge = UiaChallenge {
        session: Some(session.to_owned()),
        flows: Vec::new(),
        completed: Vec::new(),
    };
    challenge
        .fallback_url(homeserver, SSO_STAGE)
        .ok_or_else(|| MatrixError::ReauthNotOffered {
            homeserver: display_url(homeserver),
        })
}

/// Tells a waiting [`SsoReauth`] that the user is done in the browser, or gives up; cheap to
/// clone, harmless after the re-authentication has ended.
///
/// Neither call blocks or needs a Tokio runtime, so a synchronous command can make them.
#[derive(Debug, Clone)]
pub struct SsoReauthHandle {
    retry: Arc<Notify>,
    cancel: Arc<watch::Sender<bool>>,
}

impl SsoReauthHandle {
    /// Retries at once ("I have finished in the browser"); several calls before the next try
    /// count as one.
    pub fn retry_now(&self) {
        self.retry.notify_one();
    }

    /// Ends the re-authentication with [`MatrixError::ReauthCancelled`].
    pub fn cancel(&self) {
        self.cancel.send_replace(true);
    }
}

/// One UIA session being confirmed through single sign-on; see the module documentation.
#[derive(Debug)]
pub struct SsoReauth {
    homeserver: Url,
    session: String,
    fallback_url: Url,
    interval: Duration,
    timeout: Duration,
    retry: Arc<Notify>,
    cancel: Arc<watch::Sender<bool>>,
}

impl SsoReauth {
    /// The re-authentication for the challenge of a request to `homeserver` (a 401 answer, see
    /// [`UiaChallenge::from_info`]); refused when it offers no single-sign-on flow or names no
    /// session.
    pub fn new(homeserver: &Url, challenge: &UiaChallenge) -> Result<Self, MatrixError> {
        let not_offered = || MatrixError::ReauthNotOffered {
            homeserver: display_url(homeserver),
        };
        if !challenge.offers_sso() {
            return Err(not_offered());
        }
        let session = challenge.session.clone().ok_or_else(not_offered)?;
        let fallback_url = challenge
            .fallback_url(homeserver, SSO_STAGE)
            .ok_or_else(not_offered)?;
        Ok(Self {
            homeserver: homeserver.clone(),
            session,
            fallback_url,
            interval: DEFAULT_REAUTH_INTERVAL,
            timeout: DEFAULT_REAUTH_TIMEOUT,
            retry: Arc::new(Notify::new()),
            cancel: Arc::new(watch::Sender::new(false)),
        })
    }

    /// Tries every `interval` instead of [`DEFAULT_REAUTH_INTERVAL`].
    #[must_use]
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Gives up after `timeout` instead of [`DEFAULT_REAUTH_TIMEOUT`].
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The page to open in the system browser.
    #[must_use]
    pub fn fallback_url(&self) -> &Url {
        &self.fallback_url
    }

    /// The UIA session being confirmed.
    #[must_use]
    pub fn session(&self) -> &str {
        &self.session
    }

    /// A handle for the UI: "done in the browser" and "cancel".
    #[must_use]
    pub fn handle(&self) -> SsoReauthHandle {
        SsoReauthHandle {
            retry: Arc::clone(&self.retry),
            cancel: Arc::clone(&self.cancel),
        }
    }

    /// Retries `attempt` with `auth: {session}` every interval (or at once on
    /// [`SsoReauthHandle::retry_now`]) until the server accepts it: returns its answer. A 401
    /// that still asks for auth means the user is not done yet; any other failure ends it.
    pub async fn complete<T, F, Fut>(self, mut attempt: F) -> Result<T, MatrixError>
    where
        F: FnMut(AuthData) -> Fut,
        Fut: Future<Output = Result<T, HttpError>>,
    {
        let deadline = Instant::now() + self.timeout;
        let mut cancelled = self.cancel.subscribe();
        loop {
            tokio::select! {
                biased;
                // This side holds a sender, so the channel never closes under the wait.
                _ = cancelled.wait_for(|cancelled| *cancelled) => {
                    return Err(MatrixError::ReauthCancelled);
                }
                () = time::sleep_until(deadline) => return Err(MatrixError::ReauthTimedOut),
                () = self.retry.notified() => {}
                () = time::sleep(self.interval) => {}
            }
            let auth = fallback_auth(&self.session);
            match attempt(auth).await {
                Ok(answer) => return Ok(answer),
                Err(error) => match error.as_uiaa_response() {
                    // Not confirmed yet: the same session is still waiting for its SSO stage.
                    Some(info) if still_waiting(info, &self.session) => {
                        log::debug!("SSO re-authentication: not confirmed yet");
                    }
                    _ => return Err(http_failure(&self.homeserver, &error)),
                },
            }
        }
    }
}

/// Whether a 401 answer means "this session still waits for the user", not a refusal.
fn still_waiting(info: &UiaaInfo, session: &str) -> bool {
    // An SSO acknowledgement has nothing the server could find wrong: any 401 for this session
    // (an `auth_error` included, such as a confirmation by the wrong user) means "not yet".
    info.session.as_deref().is_none_or(|s| s == session)
}

#[cfg(test)]
mod tests {
    use super::*;
    use matrix_sdk::ruma::api::client::uiaa::{AuthFlow, AuthType};

    fn info(stages: Vec<Vec<AuthType>>, session: Option<&str>) -> UiaaInfo {
        let mut info = UiaaInfo::new(stages.into_iter().map(AuthFlow::new).collect());
        info.session = session.map(str::to_owned);
        info
    }

    #[test]
    fn only_a_flow_of_sso_alone_counts() {
        assert!(offers_sso(&info(
            vec![vec![AuthType::Password], vec![AuthType::Sso]],
            None
        )));
        assert!(
            !offers_sso(&info(vec![vec![AuthType::Sso, AuthType::Terms]], None)),
            "SSO followed by another stage is not completed by the fallback alone"
        );
        assert!(!offers_sso(&info(vec![vec![AuthType::Password]], None)));
    }

    #[test]
    fn the_fallback_url_carries_the_session() {
        let homeserver = Url::parse("https://hs.example/base").expect("url");
        let url = sso_fallback_url(&homeserver, "a b&c").expect("url");
        assert_eq!(
            url.as_str(),
            "https://hs.example/base/_matrix/client/v3/auth/m.login.sso/fallback/web?session=a+b%26c"
        );
    }

    #[test]
    fn without_sso_or_a_session_there_is_nothing_to_confirm() {
        let homeserver = Url::parse("https://hs.example").expect("url");
        assert!(matches!(
            SsoReauth::new(
                &homeserver,
                &UiaChallenge::from_info(&info(vec![vec![AuthType::Password]], Some("s")))
            ),
            Err(MatrixError::ReauthNotOffered { .. })
        ));
        assert!(matches!(
            SsoReauth::new(
                &homeserver,
                &UiaChallenge::from_info(&info(vec![vec![AuthType::Sso]], None))
            ),
            Err(MatrixError::ReauthNotOffered { .. })
        ));
    }

    #[tokio::test]
    async fn cancel_and_timeout_end_the_wait_without_success() {
        let homeserver = Url::parse("https://hs.example").expect("url");
        let sso = UiaChallenge::from_info(&info(vec![vec![AuthType::Sso]], Some("s")));
        let reauth = SsoReauth::new(&homeserver, &sso)
            .expect("offered")
            .with_interval(Duration::from_mins(1));
        reauth.handle().cancel();
        let cancelled = reauth.complete(|_| async { Ok::<(), HttpError>(()) }).await;
        assert!(
            matches!(cancelled, Err(MatrixError::ReauthCancelled)),
            "a cancel before the first try wins: {cancelled:?}"
        );
        let timed_out = SsoReauth::new(&homeserver, &sso)
            .expect("offered")
            .with_interval(Duration::from_mins(1))
            .with_timeout(Duration::from_millis(50))
            .complete(|_| async { Ok::<(), HttpError>(()) })
            .await;
        assert!(
            matches!(timed_out, Err(MatrixError::ReauthTimedOut)),
            "{timed_out:?}"
        );
    }
}
