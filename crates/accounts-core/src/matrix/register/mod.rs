//! Creating an account on a homeserver, one stage at a time.
//!
//! [`AccountCreation`] holds the one registration in progress: the homeserver, the user name,
//! the password (in memory only, zeroed when the registration ends or is left for an hour: the
//! client-server API asks clients to resend the whole request at every stage), the server's UIA
//! session and the flow being followed. Each call does one stage and says which comes next; `m.login.dummy` is done
//! without asking. When the last stage is done the server signs the new account in and the session
//! is kept exactly as a signed-in account's is (`Sessions::adopt`). Nothing is written
//! on this computer before that, so a failure or a cancel leaves nothing behind.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Mutex as AsyncMutex;
use url::Url;

mod error;
mod requests;
mod stages;

pub use error::RegistrationError;
pub use stages::{RegistrationOffer, RegistrationProgress, RegistrationStep, TermsPolicy};

use self::stages::{choose_flow, plausible_email, policies_of, DUMMY, EMAIL, TERMS, TOKEN};

use self::requests as register;
use self::requests::Registered;
use super::MatrixAccounts;
use crate::matrix::homeserver::{display_url, http_client, Homeserver};
use crate::matrix::session::{MatrixAccountView, SignInTarget};
use crate::vault::{Secret, SubscriptionLink};

/// How long an unfinished registration is kept (with its password, in memory).
const ABANDONED_AFTER: Duration = Duration::from_hours(1);

/// What the user typed on the first screen.
#[derive(Debug)]
pub struct NewAccount {
    /// The homeserver URL, as discovery resolved it.
    pub homeserver: String,
    /// The user name (the local part of the Matrix ID).
    pub username: String,
    /// The password; kept in memory until the registration ends.
    pub password: Secret,
    /// The EMS subscription the form was opened from, kept with the new account.
    pub subscription: Option<SubscriptionLink>,
}

impl NewAccount {
    /// An account with `password`, typed by the user and wrapped at once.
    #[must_use]
    pub fn new(
        homeserver: String,
        username: String,
        password: String,
        subscription: Option<SubscriptionLink>,
    ) -> Self {
        Self {
            homeserver,
            username,
            password: Secret::new(password),
            subscription,
        }
    }
}

/// An email validation under way.
struct EmailChallenge {
    address: String,
    client_secret: String,
    sid: String,
    send_attempt: u32,
}

/// The registration in progress.
struct Pending {
    id: String,
    started: Instant,
    homeserver: Url,
    username: String,
    password: Secret,
    device_name: String,
    session: String,
    flow: Vec<String>,
    completed: Vec<String>,
    params: Value,
    email: Option<EmailChallenge>,
    subscription: Option<SubscriptionLink>,
}

impl Pending {
    fn next_stage(&self) -> Option<&str> {
        self.flow
            .iter()
            .find(|s| !self.completed.contains(s))
            .map(String::as_str)
    }

    /// The request body: the whole registration, with `auth` when a stage is done.
    fn body(&self, auth: Option<Value>) -> Value {
        let mut body = json!({
            "username": self.username,
            "password": self.password.expose(),
            "initial_device_display_name": self.device_name,
            "refresh_token": true,
        });
        if let Some(auth) = auth {
            body["auth"] = auth;
        }
        body
    }

    fn policies(&self) -> Vec<TermsPolicy> {
        policies_of(&self.params)
    }
}

/// The one account creation in progress (a new one replaces it).
pub struct AccountCreation {
    http: reqwest::Client,
    // Held across the server's answer so that two calls for the same registration (a poll and a
    // click) take their turns instead of racing over the UIA session.
    pending: AsyncMutex<Option<Pending>>,
}

crate::debug_fields!(AccountCreation);

impl Default for AccountCreation {
    fn default() -> Self {
        Self::new()
    }
}

impl AccountCreation {
    /// No registration in progress.
    #[must_use]
    pub fn new() -> Self {
        Self {
            http: http_client(),
            pending: AsyncMutex::new(None),
        }
    }

    /// How `homeserver` lets accounts be created: closed, needing a stage the app cannot do, or
    /// the stages it will ask for.
    pub async fn offer(&self, homeserver: &str) -> Result<RegistrationOffer, RegistrationError> {
        let url = parse_homeserver(homeserver)?;
        let needed = register::probe(&self.http, &url).await?;
        let flow = choose_flow(&url, &needed)?;
        Ok(RegistrationOffer {
            homeserver_url: display_url(&url),
            stages: flow,
        })
    }

    /// Whether `username` is free on `homeserver`: `Ok` when it is, else why not.
    pub async fn check_username(
        &self,
        homeserver: &str,
        username: &str,
    ) -> Result<(), RegistrationError> {
        let url = parse_homeserver(homeserver)?;
        register::username_available(&self.http, &url, username.trim()).await
    }

    /// Starts creating the account (any registration in progress is dropped) and does what needs
    /// no one: returns the first stage to show, or the account when the server asks for nothing.
    pub async fn start(
        &self,
        accounts: &MatrixAccounts,
        request: NewAccount,
    ) -> Result<RegistrationProgress, RegistrationError> {
        let mut slot = self.pending.lock().await;
        *slot = None;
        let homeserver = parse_homeserver(&request.homeserver)?;
        let mut pending = Pending {
            id: uuid::Uuid::new_v4().simple().to_string(),
            started: Instant::now(),
            homeserver,
            username: request.username.trim().to_owned(),
            password: request.password,
            device_name: accounts.sessions().device_name().to_owned(),
            session: String::new(),
            flow: Vec::new(),
            completed: Vec::new(),
            params: Value::Null,
            email: None,
            subscription: request.subscription,
        };
        match register::register(&self.http, &pending.homeserver, &pending.body(None)).await? {
            Registered::Done(grant) => {
                let account = finish(accounts, &pending, grant).await?;
                return Ok(done(pending.id, account));
            }
            Registered::AuthNeeded(needed) => {
                pending.flow = choose_flow(&pending.homeserver, &needed)?;
                pending.session =
                    needed
                        .session
                        .clone()
                        .ok_or_else(|| RegistrationError::Server {
                            homeserver: display_url(&pending.homeserver),
                            detail: "it started no registration session".into(),
                        })?;
                pending.completed = needed.completed;
                pending.params = needed.params;
            }
        }
        log::info!(
            "creating a Matrix account on {}: stages {:?}",
            display_url(&pending.homeserver),
            pending.flow
        );
        self.advance(slot, pending, accounts).await
    }

    /// Does the `m.login.registration_token` stage, after checking the token's validity.
    pub async fn submit_token(
        &self,
        id: &str,
        token: &str,
        accounts: &MatrixAccounts,
    ) -> Result<RegistrationProgress, RegistrationError> {
        let mut slot = self.pending.lock().await;
        let pending = take(&mut slot, id)?;
        let token = token.trim();
        let valid = if token.is_empty() {
            Ok(false)
        } else {
            register::token_is_valid(&self.http, &pending.homeserver, token).await
        };
        match valid {
            Ok(true) => {}
            Ok(false) => {
                *slot = Some(pending);
                return Err(RegistrationError::TokenInvalid);
            }
            Err(error) => {
                *slot = Some(pending);
                return Err(error);
            }
        }
        let auth = json!({ "type": TOKEN, "token": token, "session": pending.session });
        self.submit(slot, pending, auth, accounts).await
    }

    /// Does the `m.login.terms` stage; `accepted` names every policy the user ticked.
    pub async fn accept_terms(
        &self,
        id: &str,
        accepted: &[String],
        accounts: &MatrixAccounts,
    ) -> Result<RegistrationProgress, RegistrationError> {
        let mut slot = self.pending.lock().await;
        let pending = take(&mut slot, id)?;
        let missing: Vec<String> = pending
            .policies()
            .into_iter()
            .filter(|p| !accepted.contains(&p.id))
            .map(|p| p.name)
            .collect();
        if !missing.is_empty() {
            *slot = Some(pending);
            return Err(RegistrationError::TermsNotAccepted { missing });
        }
        let auth = json!({ "type": TERMS, "session": pending.session });
        self.submit(slot, pending, auth, accounts).await
    }

    /// Asks the server to mail a validation link to `address` (again, when it was sent before).
    pub async fn request_email(
        &self,
        id: &str,
        address: &str,
    ) -> Result<RegistrationProgress, RegistrationError> {
        let mut slot = self.pending.lock().await;
        let mut pending = take(&mut slot, id)?;
        let address = address.trim().to_owned();
        if let Err(detail) = plausible_email(&address) {
            *slot = Some(pending);
            return Err(RegistrationError::EmailInvalid { address, detail });
        }
        let (client_secret, send_attempt) = match &pending.email {
            Some(previous) if previous.address == address => {
                (previous.client_secret.clone(), previous.send_attempt + 1)
            }
            _ => (uuid::Uuid::new_v4().simple().to_string(), 1),
        };
        let sid = register::request_email_token(
            &self.http,
            &pending.homeserver,
            &client_secret,
            &address,
            send_attempt,
        )
        .await;
        let sid = match sid {
            Ok(sid) => sid,
            Err(error) => {
                *slot = Some(pending);
                return Err(error);
            }
        };
        log::info!("a validation link was mailed for a new Matrix account");
        pending.email = Some(EmailChallenge {
            address: address.clone(),
            client_secret,
            sid,
            send_attempt,
        });
        let progress = RegistrationProgress {
            id: pending.id.clone(),
            step: RegistrationStep::EmailSent {
                address,
                waiting: false,
            },
        };
        *slot = Some(pending);
        Ok(progress)
    }

    /// Retries the `m.login.email.identity` stage with the same session: done once the user has
    /// followed the mailed link, else the same step, `waiting`.
    pub async fn check_email(
        &self,
        id: &str,
        accounts: &MatrixAccounts,
    ) -> Result<RegistrationProgress, RegistrationError> {
        let mut slot = self.pending.lock().await;
        let pending = take(&mut slot, id)?;
        let Some(email) = &pending.email else {
            let progress = RegistrationProgress {
                id: pending.id.clone(),
                step: RegistrationStep::Email,
            };
            *slot = Some(pending);
            return Ok(progress);
        };
        let auth = json!({
            "type": EMAIL,
            "threepid_creds": { "sid": email.sid, "client_secret": email.client_secret },
            "session": pending.session,
        });
        self.submit(slot, pending, auth, accounts).await
    }

    /// Gives up the registration in progress; nothing was kept on this computer for it.
    pub async fn cancel(&self, id: &str) {
        let mut slot = self.pending.lock().await;
        if slot.as_ref().is_some_and(|p| p.id == id) {
            *slot = None;
            log::info!("Matrix account creation cancelled");
        }
    }

    /// Sends one stage and moves on from the server's answer.
    async fn submit(
        &self,
        mut slot: tokio::sync::MutexGuard<'_, Option<Pending>>,
        mut pending: Pending,
        auth: Value,
        accounts: &MatrixAccounts,
    ) -> Result<RegistrationProgress, RegistrationError> {
        let stage = auth["type"].as_str().unwrap_or_default().to_owned();
        let answer =
            register::register(&self.http, &pending.homeserver, &pending.body(Some(auth))).await;
        match answer {
            Ok(Registered::Done(grant)) => {
                let account = finish(accounts, &pending, grant).await?;
                Ok(done(pending.id.clone(), account))
            }
            Ok(Registered::AuthNeeded(needed)) => {
                let failed = !needed.completed.contains(&stage);
                pending.completed = needed.completed;
                if !needed.params.is_null() {
                    pending.params = needed.params;
                }
                if failed && stage == EMAIL {
                    // Until the mailed link is followed the stage fails: that is waiting.
                    let progress = RegistrationProgress {
                        id: pending.id.clone(),
                        step: RegistrationStep::EmailSent {
                            address: pending
                                .email
                                .as_ref()
                                .map(|e| e.address.clone())
                                .unwrap_or_default(),
                            waiting: true,
                        },
                    };
                    *slot = Some(pending);
                    return Ok(progress);
                }
                if failed {
                    return Err(stage_failed(slot, pending, &stage, needed.error));
                }
                self.advance(slot, pending, accounts).await
            }
            Err(error) => {
                // A refused name or password sends the user back to the first screen.
                if !matches!(
                    error,
                    RegistrationError::UsernameTaken { .. }
                        | RegistrationError::UsernameInvalid { .. }
                        | RegistrationError::WeakPassword { .. }
                ) {
                    *slot = Some(pending);
                }
                Err(error)
            }
        }
    }

    /// Does the stages that need no one, then returns the next one to show.
    async fn advance(
        &self,
        mut slot: tokio::sync::MutexGuard<'_, Option<Pending>>,
        pending: Pending,
        accounts: &MatrixAccounts,
    ) -> Result<RegistrationProgress, RegistrationError> {
        let id = pending.id.clone();
        let step = match pending.next_stage() {
            Some(DUMMY) => {
                let auth = json!({ "type": DUMMY, "session": pending.session });
                return Box::pin(self.submit(slot, pending, auth, accounts)).await;
            }
            Some(TOKEN) => RegistrationStep::Token,
            Some(TERMS) => RegistrationStep::Terms {
                policies: pending.policies(),
            },
            Some(EMAIL) => match &pending.email {
                Some(email) => RegistrationStep::EmailSent {
                    address: email.address.clone(),
                    waiting: false,
                },
                None => RegistrationStep::Email,
            },
            Some(other) => {
                return Err(RegistrationError::Unsupported {
                    homeserver: display_url(&pending.homeserver),
                    stages: vec![other.to_owned()],
                })
            }
            None => {
                return Err(RegistrationError::Server {
                    homeserver: display_url(&pending.homeserver),
                    detail: "it still asks for authentication after every stage was done".into(),
                })
            }
        };
        *slot = Some(pending);
        Ok(RegistrationProgress { id, step })
    }
}

/// The error of a stage the server did not accept; the registration stays in progress.
fn stage_failed(
    mut slot: tokio::sync::MutexGuard<'_, Option<Pending>>,
    pending: Pending,
    stage: &str,
    message: Option<String>,
) -> RegistrationError {
    let error = match stage {
        TOKEN => RegistrationError::TokenInvalid,
        _ => RegistrationError::Server {
            homeserver: display_url(&pending.homeserver),
            detail: format!(
                "it did not accept the step {stage}{}",
                message.map(|m| format!(": {m}")).unwrap_or_default()
            ),
        },
    };
    *slot = Some(pending);
    error
}

/// Keeps the new account's session, linked to the subscription the form was opened from.
async fn finish(
    accounts: &MatrixAccounts,
    pending: &Pending,
    grant: crate::matrix::session::LoginGrant,
) -> Result<MatrixAccountView, RegistrationError> {
    let homeserver = &pending.homeserver;
    let user_id = grant.user_id.clone();
    log::info!(
        "created Matrix account {user_id} on {}",
        display_url(homeserver)
    );
    accounts
        .sessions()
        .adopt(
            homeserver,
            grant,
            SignInTarget {
                account_id: None,
                subscription: pending.subscription.clone(),
            },
        )
        .await
        .map_err(|source| RegistrationError::NotKept {
            user_id,
            source: Box::new(source),
        })
}

fn done(id: String, account: MatrixAccountView) -> RegistrationProgress {
    RegistrationProgress {
        id,
        step: RegistrationStep::Done { account },
    }
}

fn take(slot: &mut Option<Pending>, id: &str) -> Result<Pending, RegistrationError> {
    match slot.take() {
        // Left unfinished for long: its password has waited in memory long enough.
        Some(pending) if pending.started.elapsed() > ABANDONED_AFTER => {
            log::info!("an unfinished Matrix account creation was dropped");
            Err(RegistrationError::NotInProgress)
        }
        Some(pending) if pending.id == id => Ok(pending),
        other => {
            *slot = other;
            Err(RegistrationError::NotInProgress)
        }
    }
}

fn parse_homeserver(input: &str) -> Result<Url, RegistrationError> {
    Ok(Homeserver::parse(input)?.into_url())
}
