//! Matrix accounts over matrix-sdk: finding the homeserver, password sign-in, sessions that
//! survive restarts, several accounts side by side, sign-out and removal.
//!
//! [`discover`] resolves a server name, Matrix ID or URL to a homeserver and its sign-in methods;
//! [`MatrixAccounts`] holds every account's session and does the rest. Tokens and store
//! passphrases stay in the [`crate::vault`]; records in its registry. SSO and OAuth 2.0 sign-in,
//! profiles, devices and passwords are left to later modules.

mod account;
mod accounts;
mod discovery;
mod error;
mod input;
mod login;
mod manage;
mod session;
mod uia;

pub use account::{MatrixAccountView, SessionState};
pub use accounts::{MatrixAccounts, PasswordSignIn, STORES_DIR};
pub use discovery::{discover, http_client, HomeserverInfo, IdentityProvider, LoginMethods};
pub use error::{DiscoveryError, MatrixError};
pub use input::{is_loopback_host, parse_homeserver_input, HomeserverInput, ServerName};
pub use login::{device_display_name, password_login, LoginGrant};
pub use session::{load_session, SessionIds};
// Managing an account (issue 9): profile, avatar, sessions, password, 3PIDs, deactivation, and
// the user-interactive auth they need.
pub use manage::{
    image_type, AvatarImage, DeviceView, MatrixProfile, PasswordChange, ThreepidView,
    MAX_AVATAR_BYTES,
};
pub use uia::{
    send_with_auth, send_with_password, UiaAuth, UiaChallenge, UiaFlow, UiaOutcome, UiaStep,
    PASSWORD_STAGE, SSO_STAGE,
};
