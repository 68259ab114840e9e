//! Matrix accounts over matrix-sdk: finding the homeserver, password sign-in, sessions that
//! survive restarts, several accounts side by side, sign-out and removal.
//!
//! [`discover`] resolves a server name, Matrix ID or URL to a homeserver and its sign-in methods;
//! [`MatrixAccounts`] holds every account's session and does the rest. Tokens and store
//! passphrases stay in the [`crate::vault`]; records in its registry. Single sign-on is in `sso`;
//! managing an account (profile, sessions, password, 3PIDs, deactivation) in `manage`, with the
//! user-interactive auth it needs in `uia` — by password, or through SSO re-authentication in
//! `uia_sso` (and `reauth`, which parks the request while the user is in the browser;
//! `manage_sso` starts the protected actions that way).
//! [`AccountCreation`] creates an account on the homeserver (registration) and keeps its session
//! as a sign-in's. OAuth 2.0 sign-in is left to a later module.

mod account;
mod accounts;
mod creation;
mod discovery;
mod error;
mod input;
mod login;
mod manage;
mod register;
mod register_error;
mod session;
mod stages;
mod uia;
// Single sign-on and SSO re-authentication (issue 10).
mod reauth;
mod sso;
mod uia_sso;

pub use account::{MatrixAccountView, SessionState};
pub use accounts::{MatrixAccounts, PasswordSignIn, SignInTarget, STORES_DIR};
pub use creation::{AccountCreation, NewAccount};
pub use discovery::{
    discover, discovery_client, http_client, HomeserverInfo, IdentityProvider, LoginMethods,
};
pub use error::{DiscoveryError, MatrixError};
pub use input::{
    is_loopback_host, parse_homeserver_input, Homeserver, HomeserverInput, ServerName,
};
pub use login::{device_display_name, password_login, token_login, LoginGrant};
pub use register_error::RegistrationError;
pub use session::{load_session, SessionIds};
// Managing an account (issue 9): profile, avatar, sessions, password, 3PIDs, deactivation, and
// the user-interactive auth they need.
pub use manage::{
    image_type, AvatarImage, DeviceView, MatrixProfile, PasswordChange, ThreepidView,
    MAX_AVATAR_BYTES,
};
pub use sso::{
    complete_sso, sso_redirect_url, PendingSso, SsoAuthorization, SsoSignIn, DEFAULT_SSO_TIMEOUT,
    SSO_CALLBACK_PATH,
};
pub use stages::{RegistrationOffer, RegistrationProgress, RegistrationStep, TermsPolicy};
pub use uia::{
    send_with_auth, send_with_password, Confirmation, UiaAuth, UiaChallenge, UiaFlow, UiaOutcome,
    UiaStep, PASSWORD_STAGE, SSO_STAGE,
};
pub use uia_sso::{
    offers_sso, sso_fallback_url, SsoReauth, SsoReauthHandle, DEFAULT_REAUTH_INTERVAL,
    DEFAULT_REAUTH_TIMEOUT,
};
