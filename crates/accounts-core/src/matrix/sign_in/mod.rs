//! Signing in to a homeserver: with a password, or through single sign-on in the system browser
//! (`sso`), both ending in `login` requests sent once; or, where the homeserver delegates its
//! sign-in to an authorization server, with OAuth 2.0 in the system browser (`oauth`). The
//! session is kept by the account set.

mod login;
pub mod oauth;
pub mod sso;

pub use login::{password_login, token_login};

use crate::matrix::error::MatrixError;
use crate::matrix::homeserver::{display_url, join, Homeserver};
use crate::matrix::session::{MatrixAccountView, SignInTarget};
use crate::matrix::MatrixAccounts;
use crate::vault::{Secret, SubscriptionLink};

/// What a password sign-in needs.
#[derive(Debug)]
pub struct PasswordSignIn {
    /// The homeserver URL, as discovery resolved it.
    pub homeserver: String,
    /// A user name, a Matrix ID or an email address.
    pub identifier: String,
    /// The password; it is sent once and dropped.
    pub password: Secret,
    /// The account to sign in again (keeping its settings), if any.
    pub account_id: Option<String>,
    /// The EMS subscription the sign-in was opened from, kept with the account.
    pub subscription: Option<SubscriptionLink>,
}

impl PasswordSignIn {
    /// A sign-in with `password`, typed by the user, which is wrapped at once and sent once.
    #[must_use]
    pub fn new(
        homeserver: String,
        identifier: String,
        password: String,
        account_id: Option<String>,
        subscription: Option<SubscriptionLink>,
    ) -> Self {
        Self {
            homeserver,
            identifier,
            password: Secret::new(password),
            account_id,
            subscription,
        }
    }
}

impl MatrixAccounts {
    /// Signs in with a password and keeps the session; returns the account once the server has
    /// confirmed the session (or said why it could not).
    pub async fn sign_in(&self, request: PasswordSignIn) -> Result<MatrixAccountView, MatrixError> {
        let homeserver = Homeserver::parse(&request.homeserver)?.into_url();
        let sessions = self.sessions();
        // A session the app could not record would be left live on the server.
        sessions.registry().require()?;
        let grant = match password_login(
            sessions.http(),
            &homeserver,
            &request.identifier,
            &request.password,
            sessions.device_name(),
        )
        .await
        {
            Ok(grant) => grant,
            // A homeserver that delegates its sign-in refuses `/login` in its own way (Synapse
            // answers 404 or "not supported"): say what to do instead.
            Err(error @ (MatrixError::Server { .. } | MatrixError::PasswordNotOffered { .. })) => {
                return Err(if offers_oauth(sessions.http(), &homeserver).await {
                    MatrixError::SignsInWithOAuth {
                        homeserver: display_url(&homeserver),
                    }
                } else {
                    error
                });
            }
            Err(error) => return Err(error),
        };
        drop(request.password);
        let to = SignInTarget {
            account_id: request.account_id,
            subscription: request.subscription,
        };
        sessions.adopt(&homeserver, grant, to).await
    }
}

/// Whether `homeserver` answers `/_matrix/client/v1/auth_metadata`: it delegates its sign-in to
/// an OAuth 2.0 authorization server.
pub async fn offers_oauth(http: &reqwest::Client, homeserver: &url::Url) -> bool {
    let Ok(url) = join(homeserver, "_matrix/client/v1/auth_metadata") else {
        return false;
    };
    http.get(url)
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}
