//! Matrix accounts over matrix-sdk: finding the homeserver, password sign-in, sessions that
//! survive restarts, several accounts side by side, sign-out and removal.
//!
//! [`discover`] resolves a server name, Matrix ID or URL to a homeserver and its sign-in methods;
//! [`MatrixAccounts`] holds every account's session and does the rest. Tokens and store
//! passphrases stay in the [`crate::vault`]; records in its registry. Single sign-on is in `sso`;
//! confirming a request through SSO re-authentication in `uia_sso` (and `reauth`, which parks
//! the request while the user is in the browser). OAuth 2.0 sign-in, profiles, devices and
//! passwords are left to later modules.

mod account;
mod accounts;
mod discovery;
mod error;
mod input;
mod login;
mod session;
// Single sign-on and SSO re-authentication (issue 10).
mod reauth;
mod sso;
mod uia_sso;

pub use account::{MatrixAccountView, SessionState};
pub use accounts::{MatrixAccounts, PasswordSignIn, STORES_DIR};
pub use discovery::{discover, http_client, HomeserverInfo, IdentityProvider, LoginMethods};
pub use error::{DiscoveryError, MatrixError};
pub use input::{is_loopback_host, parse_homeserver_input, HomeserverInput, ServerName};
pub use login::{device_display_name, password_login, token_login, LoginGrant};
pub use session::{load_session, SessionIds};
pub use sso::{sso_redirect_url, PendingSso, SsoSignIn, DEFAULT_SSO_TIMEOUT, SSO_CALLBACK_PATH};
pub use uia_sso::{
    offers_sso, sso_fallback_url, SsoReauth, SsoReauthHandle, DEFAULT_REAUTH_INTERVAL,
    DEFAULT_REAUTH_TIMEOUT,
};
