//! Matrix accounts over matrix-sdk, by capability:
//!
//! - `homeserver`: what the user typed, discovery, the failures of reaching a server;
//! - `session`: the account set ([`Sessions`]): each account's live client, its store and
//!   keyring entries, restore at start-up, sign-out and removal, and keeping a fresh sign-in;
//! - `sign_in`: password and single sign-on;
//! - `uia`: confirming a protected action (a password, or single sign-on in the browser);
//! - `manage`: profile, avatar, sessions, password, 3PIDs, deactivation;
//! - `register`: creating an account ([`AccountCreation`]).
//!
//! [`MatrixAccounts`] is what the rest of the app holds: the account set and the one browser
//! flow of each kind that may be in progress. The capabilities add their methods to it from
//! their own modules. A child module may use what this one defines; no two sibling modules
//! depend on each other in a circle (`tests/module_rule.rs`).

mod challenge;
mod error;
mod homeserver;
mod manage;
mod register;
mod session;
mod sign_in;
mod uia;

use std::path::PathBuf;

use matrix_sdk::Client;

pub use challenge::{UiaChallenge, UiaFlow, PASSWORD_STAGE, SSO_STAGE};
pub use error::MatrixError;
pub use homeserver::{
    discover, discovery_client, http_client, is_loopback_host, parse_homeserver_input,
    DiscoveryError, Homeserver, HomeserverInfo, HomeserverInput, IdentityProvider, LoginMethods,
    ServerName,
};
pub use manage::{
    account_management_url, image_type, AccountManagement, AvatarImage, DeviceView, ManageAction,
    MatrixProfile, PasswordChange, ThreepidView, MAX_AVATAR_BYTES,
};
pub use register::{
    AccountCreation, NewAccount, RegistrationError, RegistrationOffer, RegistrationProgress,
    RegistrationStep, TermsPolicy,
};
pub use session::{
    device_display_name, load_session, load_stored, save_session, save_session_as, LoginGrant,
    MatrixAccountView, SessionIds, SessionState, Sessions, SignInTarget, STORES_DIR,
};
pub use sign_in::oauth::{
    new_device_id, OAuthAuthorization, OAuthClients, OAuthSignIn, PendingOAuth, ADMIN_SCOPE,
    DEFAULT_OAUTH_TIMEOUT, OAUTH_CALLBACK_PATH, OAUTH_CLIENTS_FILE,
};
pub use sign_in::sso::{
    complete_sso, sso_redirect_url, PendingSso, SsoAuthorization, SsoSignIn, DEFAULT_SSO_TIMEOUT,
    SSO_CALLBACK_PATH,
};
pub use sign_in::{offers_oauth, password_login, token_login, PasswordSignIn};
pub use uia::fallback::{
    offers_sso, sso_fallback_url, SsoReauth, SsoReauthHandle, DEFAULT_REAUTH_INTERVAL,
    DEFAULT_REAUTH_TIMEOUT,
};
pub use uia::{send_with_auth, send_with_password, Confirmation, UiaAuth, UiaOutcome, UiaStep};

use crate::browser::Opener;
use crate::flow::FlowSlot;
use crate::vault::{Registry, Vault};

/// The Matrix accounts of this computer and the browser flows in progress for them.
pub struct MatrixAccounts {
    sessions: Sessions,
    opener: Opener,
    /// The single sign-on in progress, if any.
    sso: FlowSlot<PendingSso>,
    /// The OAuth 2.0 sign-in in progress, if any.
    oauth: FlowSlot<PendingOAuth>,
    /// The request waiting for single sign-on re-authentication, if any.
    reauth: FlowSlot<uia::reauth::Parked, SsoReauthHandle>,
}

crate::debug_fields!(MatrixAccounts, sessions);

impl MatrixAccounts {
    /// The accounts whose stores live under `stores`, whose secrets are in `vault` and whose
    /// records are in `registry`; browser flows go through `opener`.
    #[must_use]
    pub fn new(stores: PathBuf, vault: Vault, registry: Registry, opener: Opener) -> Self {
        Self {
            sessions: Sessions::new(stores, vault, registry),
            opener,
            sso: FlowSlot::default(),
            oauth: FlowSlot::default(),
            reauth: FlowSlot::default(),
        }
    }

    /// The same accounts trusting `extra_roots` for their credential-carrying requests (see
    /// [`Sessions::trusting`]).
    #[must_use]
    pub fn trusting(mut self, extra_roots: &[reqwest::Certificate]) -> Self {
        self.sessions = self.sessions.trusting(extra_roots);
        self
    }

    /// The account set itself.
    #[must_use]
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// Resolves what the user typed to a homeserver and its sign-in methods.
    pub async fn discover(&self, input: &str) -> Result<HomeserverInfo, DiscoveryError> {
        self.sessions.discover(input).await
    }

    /// The matrix-sdk client of a signed-in account.
    #[must_use]
    pub fn client(&self, account_id: &str) -> Option<Client> {
        self.sessions.client(account_id)
    }

    /// Every Matrix account, with where its session stands.
    #[must_use]
    pub fn list(&self) -> Vec<MatrixAccountView> {
        self.sessions.list()
    }

    /// Restores every account at start-up and asks each server to confirm its session.
    pub async fn restore_all(&self) {
        self.sessions.restore_all().await;
    }

    /// Asks the server whether the account's session is still valid.
    pub async fn check(&self, account_id: &str) -> SessionState {
        self.sessions.check(account_id).await
    }

    /// Ends the account's session on the server; the account stays, signed out.
    pub async fn sign_out(&self, account_id: &str) -> Result<(), MatrixError> {
        self.sessions.sign_out(account_id).await
    }

    /// Removes the account from this computer.
    pub async fn remove(&self, account_id: &str) -> Result<(), MatrixError> {
        self.sessions.remove(account_id).await
    }

    /// The folder of the account's matrix-sdk store.
    #[must_use]
    pub fn store_dir(&self, account_id: &str) -> PathBuf {
        self.sessions.store_dir(account_id)
    }
}
