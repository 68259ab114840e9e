//! User-interactive authentication (UIA): the re-authentication a homeserver asks for before a
//! sensitive action (deleting sessions, changing the password, deactivating the account).
//!
//! The protocol: the action is sent without `auth`; the server answers 401 with a [`UiaChallenge`]
//! (the flows it offers, each a list of stages, and a session id). The app asks the person for
//! what a stage needs and sends the same action again with a [`UiaAuth`] naming that session. A
//! wrong password gets the same session back with an error: [`MatrixError::UiaWrongPassword`],
//! and the next attempt reuses the session.
//!
//! This module knows the password stage (`m.login.password`) and the completion of a stage done
//! elsewhere (the fallback page, e.g. `m.login.sso` in the browser: [`UiaAuth::Fallback`]). It
//! holds no state and never keeps a password: each [`UiaAuth::Password`] is sent once and dropped.
//! Which stage to offer a person is the caller's choice, from [`UiaChallenge::flows`].

use std::future::Future;

use matrix_sdk::ruma::api::client::uiaa::{
    AuthData, FallbackAcknowledgement, MatrixUserIdentifier, Password, UserIdentifier,
};
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::HttpError;
use serde::Serialize;
use ts_rs::TS;
use url::Url;

use super::challenge::UiaChallenge;
use super::error::MatrixError;
use super::homeserver::display_url;
use crate::vault::Secret;

pub mod fallback;
pub mod reauth;

/// What the person supplied for a challenge.
#[derive(Debug)]
#[non_exhaustive]
pub enum UiaAuth {
    /// `m.login.password` with the account's password, sent once.
    Password {
        /// The challenge's session id.
        session: Option<String>,
        /// The account's current password.
        password: Secret,
    },
    /// A stage completed elsewhere (the fallback page in the browser, e.g. `m.login.sso`): the
    /// retried request names only the session.
    Fallback {
        /// The challenge's session id.
        session: String,
    },
}

impl UiaAuth {
    /// The request's `auth` for `user_id`.
    fn to_auth_data(&self, user_id: &str) -> AuthData {
        match self {
            Self::Password { session, password } => {
                let mut data = Password::new(
                    UserIdentifier::Matrix(MatrixUserIdentifier::new(user_id.to_owned())),
                    password.expose().to_owned(),
                );
                data.session.clone_from(session);
                AuthData::Password(data)
            }
            Self::Fallback { session } => fallback_auth(session),
        }
    }
}

/// The `auth` that acknowledges a stage completed on the fallback page: only the session.
pub(super) fn fallback_auth(session: &str) -> AuthData {
    AuthData::FallbackAcknowledgement(FallbackAcknowledgement::new(session.to_owned()))
}

/// Where a protected action stands, as the UI sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum UiaStep {
    /// The server performed the action.
    Done,
    /// The server asks for re-authentication first; send the action again with it.
    AuthRequired {
        /// What the server asks for.
        challenge: UiaChallenge,
    },
    /// The action waits for the user to confirm through single sign-on in the browser: show
    /// "Finish in your browser, then continue", then finish the parked request.
    Browser {
        /// The homeserver's confirmation page (shown for copying when it could not be opened).
        /// It holds no secret: the UIA session id only ties the confirmation to the request.
        url: String,
        /// Why the browser could not be opened, if it could not.
        browser_error: Option<String>,
    },
}

impl UiaStep {
    /// Where the action stands, in a word for the log (no session id, no address).
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::AuthRequired { .. } => "waiting for re-authentication",
            Self::Browser { .. } => "waiting for the browser",
        }
    }
}

/// How a protected action is confirmed.
#[derive(Debug)]
pub enum Confirmation {
    /// Not yet: the first attempt, to which the server answers with its challenge (or does it).
    None,
    /// With the answer to the challenge: a password, or a stage completed on the fallback page.
    Uia(UiaAuth),
    /// Through single sign-on in the browser: the request waits (parked) until the server
    /// accepts it, or the user cancels.
    SingleSignOn,
}

impl Confirmation {
    /// The first attempt's `auth`, and whether a challenge is to be met in the browser.
    pub(super) fn split(self) -> (Option<UiaAuth>, bool) {
        match self {
            Self::None => (None, false),
            Self::Uia(auth) => (Some(auth), false),
            Self::SingleSignOn => (None, true),
        }
    }
}

/// Where a protected action stands, with the action's answer once done.
#[derive(Debug)]
pub enum UiaOutcome<T> {
    /// The server performed the action and answered `T`.
    Done(T),
    /// The server asks for re-authentication first.
    AuthRequired(UiaChallenge),
}

impl<T> UiaOutcome<T> {
    /// The step as the UI sees it (the answer dropped).
    #[must_use]
    pub fn step(self) -> UiaStep {
        match self {
            Self::Done(_) => UiaStep::Done,
            Self::AuthRequired(challenge) => UiaStep::AuthRequired { challenge },
        }
    }
}

/// Sends a protected action once, with `auth` when given, and sorts the answer: done, a
/// challenge, a wrong password, or a failure (mapped by `fail`).
///
/// `send` builds and sends the request with the given `auth`; `user_id` is the account's
/// Matrix ID (the password stage's identifier).
pub async fn send_with_auth<T, F, Fut>(
    homeserver: &Url,
    user_id: &str,
    auth: Option<UiaAuth>,
    send: F,
    fail: impl Fn(&Url, &HttpError) -> MatrixError,
) -> Result<UiaOutcome<T>, MatrixError>
where
    F: FnOnce(Option<AuthData>) -> Fut,
    Fut: Future<Output = Result<T, HttpError>>,
{
    let sent_password = matches!(auth, Some(UiaAuth::Password { .. }));
    let data = auth.as_ref().map(|a| a.to_auth_data(user_id));
    drop(auth);
    let result = send(data).await;
    match result {
        Ok(answer) => Ok(UiaOutcome::Done(answer)),
        Err(error) => match error.as_uiaa_response() {
            Some(info) => {
                let challenge = UiaChallenge::from_info(info);
                match &info.auth_error {
                    Some(body) if sent_password && body.kind == ErrorKind::Forbidden => {
                        Err(MatrixError::UiaWrongPassword { challenge })
                    }
                    Some(body) if !matches!(body.kind, ErrorKind::Forbidden) => {
                        log::info!(
                            "re-authentication at {} was refused: {}",
                            display_url(homeserver),
                            body.message
                        );
                        Ok(UiaOutcome::AuthRequired(challenge))
                    }
                    _ => Ok(UiaOutcome::AuthRequired(challenge)),
                }
            }
            None => Err(fail(homeserver, &error)),
        },
    }
}

/// Sends a protected action with a password already in hand (a password change's current
/// password, say): once without `auth` to learn the flows and the session, then with the
/// password. Fails with [`MatrixError::UiaUnsupported`] when the password alone cannot complete
/// the server's flows.
pub async fn send_with_password<T, F, Fut>(
    homeserver: &Url,
    user_id: &str,
    password: &Secret,
    send: F,
    fail: impl Fn(&Url, &HttpError) -> MatrixError + Copy,
) -> Result<T, MatrixError>
where
    F: Fn(Option<AuthData>) -> Fut,
    Fut: Future<Output = Result<T, HttpError>>,
{
    let challenge = match send_with_auth(homeserver, user_id, None, &send, fail).await? {
        UiaOutcome::Done(answer) => return Ok(answer),
        UiaOutcome::AuthRequired(challenge) => challenge,
    };
    if !challenge.offers_password() && challenge.offers_sso() {
        // An account that signs in only through single sign-on has no password to give.
        return Err(MatrixError::NoPassword);
    }
    if !challenge.offers_password() {
        return Err(MatrixError::UiaUnsupported {
            stages: challenge.describe(),
        });
    }
    let auth = UiaAuth::Password {
        session: challenge.session.clone(),
        password: password.clone(),
    };
    match send_with_auth(homeserver, user_id, Some(auth), &send, fail).await? {
        UiaOutcome::Done(answer) => Ok(answer),
        UiaOutcome::AuthRequired(challenge) => Err(MatrixError::UiaUnsupported {
            stages: challenge.describe(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::challenge::{UiaFlow, PASSWORD_STAGE, SSO_STAGE};

    fn challenge(flows: &[&[&str]], completed: &[&str]) -> UiaChallenge {
        UiaChallenge {
            session: Some("S1".into()),
            flows: flows
                .iter()
                .map(|f| UiaFlow {
                    stages: f.iter().map(|s| (*s).to_owned()).collect(),
                })
                .collect(),
            completed: completed.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn a_stage_is_offered_when_it_alone_completes_a_flow() {
        let both = challenge(&[&[PASSWORD_STAGE], &[SSO_STAGE]], &[]);
        assert!(both.offers_password() && both.offers_sso());
        let sso_only = challenge(&[&[SSO_STAGE]], &[]);
        assert!(
            !sso_only.offers_password(),
            "an SSO-only account has no password stage"
        );
        let two_step = challenge(&[&["m.login.recaptcha", PASSWORD_STAGE]], &[]);
        assert!(
            !two_step.offers_password(),
            "a flow needing another stage first is not completed by the password"
        );
        let half_done = challenge(
            &[&["m.login.recaptcha", PASSWORD_STAGE]],
            &["m.login.recaptcha"],
        );
        assert!(half_done.offers_password(), "completed stages count");
    }

    #[test]
    fn the_fallback_page_names_the_stage_and_session() {
        let url = challenge(&[&[SSO_STAGE]], &[])
            .fallback_url(
                &Url::parse("http://127.0.0.1:8448/").expect("url"),
                SSO_STAGE,
            )
            .expect("a session");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8448/_matrix/client/v3/auth/m.login.sso/fallback/web?session=S1"
        );
    }

    #[test]
    fn the_password_goes_into_auth_with_the_session_and_user() {
        let auth = UiaAuth::Password {
            session: Some("S1".into()),
            password: Secret::new("pw"),
        };
        let json = serde_json::to_value(auth.to_auth_data("@a:example.org")).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "type": "m.login.password",
                "identifier": { "type": "m.id.user", "user": "@a:example.org" },
                "password": "pw",
                "session": "S1",
            })
        );
        assert!(
            !format!("{auth:?}").contains("pw\""),
            "the password never shows in debug output"
        );
    }

    #[test]
    fn a_step_serialises_with_its_status() {
        let json = serde_json::to_value(
            UiaOutcome::<()>::AuthRequired(challenge(&[&[PASSWORD_STAGE]], &[])).step(),
        )
        .expect("json");
        assert_eq!(json["status"], "auth_required");
        assert_eq!(json["challenge"]["session"], "S1");
        assert_eq!(
            serde_json::to_value(UiaStep::Done).expect("json"),
            serde_json::json!({ "status": "done" })
        );
    }
}
