//! OAuth 2.0 sign-in (next-generation auth) for homeservers that delegate their sign-in to an
//! authorization server, through matrix-sdk's `oauth()` and the loopback listener.
//!
//! The sign-in comes in two halves over a listener path [`OAUTH_CALLBACK_PATH`], so that the
//! Element One bridge can chain it after its EMS leg on one listener. [`OAuthAuthorization::prepare`]
//! builds a matrix-sdk client without a store for the dance, takes the client id this app
//! registered at that authorization server before ([`OAuthClients`]) or registers one (dynamic
//! registration, a public native client with a loopback redirect URI, which the server matches on
//! any port), has matrix-sdk build the authorization URL (code + PKCE) for a device id the app
//! chose, with `prompt=create` to create an account, and only then sets the path's `state`
//! (matrix-sdk chooses it once the redirect URI, port included, is fixed).
//! [`OAuthAuthorization::exchange`] has matrix-sdk exchange the code of that path's callback.
//! The session is kept through the same path as every other sign-in, with the client id, so that
//! it is refreshed and revoked as an OAuth 2.0 session; one that is not kept is revoked.
//!
//! A sign-in of its own ([`MatrixAccounts::begin_oauth_sign_in`], then
//! [`MatrixAccounts::finish_oauth_sign_in`]) binds a listener for just that path and opens the
//! authorization URL in the system browser through the core's opener. Cancelling or a timeout
//! closes the listener before any session exists, so nothing is kept.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use matrix_sdk::authentication::oauth::registration::{
    ApplicationType, ClientMetadata, Localized, OAuthGrantType,
};
use matrix_sdk::authentication::oauth::ClientId;
use matrix_sdk::ruma::api::client::discovery::get_authorization_server_metadata::v1::Prompt;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::OwnedDeviceId;
use matrix_sdk::Client;
use url::Url;

use crate::browser::BrowserHandoff;
use crate::loopback::{
    Callback, CallbackListener, CallbackState, CancelHandle, LoopbackError, Reply, StaticPage,
};
use crate::matrix::error::MatrixError;
use crate::matrix::homeserver::{display_url, Homeserver};
use crate::matrix::session::{LoginGrant, MatrixAccountView, Sessions, SignInTarget};
use crate::matrix::MatrixAccounts;
use crate::vault::{Secret, SubscriptionLink};

/// The loopback path the authorization server sends the browser back to.
pub const OAUTH_CALLBACK_PATH: &str = "/oauth";

/// How long the app waits for the browser to come back from the authorization server.
pub const DEFAULT_OAUTH_TIMEOUT: Duration = Duration::from_mins(5);

/// The file, in the Matrix stores' folder, of the client ids this app was registered with, per
/// authorization server (not secret: a public client has no secret).
pub const OAUTH_CLIENTS_FILE: &str = "oauth-clients.json";

/// The address the app registers as its home page (`client_uri`), which servers show.
const CLIENT_URI: &str = "https://element.io/";

const SIGNED_IN: StaticPage = StaticPage::signed_in("Signed in to Matrix");

/// The scope of Synapse's Admin API under delegated auth.
pub const ADMIN_SCOPE: &str = "urn:synapse:admin:*";

/// What an OAuth 2.0 sign-in needs.
#[derive(Debug, Clone)]
pub struct OAuthSignIn {
    /// The homeserver URL, as discovery resolved it.
    pub homeserver: String,
    /// Whether to ask the authorization server for its "create an account" page
    /// (`prompt=create`).
    pub create_account: bool,
    /// The account to sign in again (keeping its settings), if any.
    pub account_id: Option<String>,
    /// The EMS subscription the sign-in was opened from, kept with the account.
    pub subscription: Option<SubscriptionLink>,
    /// Whether to ask for the homeserver's Admin API too ([`ADMIN_SCOPE`]): the sign-in of a
    /// seats admin. The authorization server grants it only to that homeserver's admins.
    pub admin: bool,
    /// How long to wait for the browser to come back (see [`DEFAULT_OAUTH_TIMEOUT`]).
    pub timeout: Duration,
}

impl OAuthSignIn {
    /// An OAuth 2.0 sign-in that waits [`DEFAULT_OAUTH_TIMEOUT`] for the browser.
    #[must_use]
    pub fn new(
        homeserver: String,
        create_account: bool,
        account_id: Option<String>,
        subscription: Option<SubscriptionLink>,
    ) -> Self {
        Self {
            homeserver,
            create_account,
            account_id,
            subscription,
            admin: false,
            timeout: DEFAULT_OAUTH_TIMEOUT,
        }
    }

    /// The same sign-in, asking for the homeserver's Admin API too.
    #[must_use]
    pub fn as_admin(mut self, admin: bool) -> Self {
        self.admin = admin;
        self
    }
}

/// The client ids this app was registered with, per authorization server (its issuer).
#[derive(Debug, Clone)]
pub struct OAuthClients {
    file: PathBuf,
}

impl OAuthClients {
    /// The registrations kept in `file`.
    #[must_use]
    pub fn new(file: PathBuf) -> Self {
        Self { file }
    }

    fn read(&self) -> BTreeMap<String, String> {
        std::fs::read(&self.file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// The client id registered at `issuer`, if any.
    #[must_use]
    pub fn get(&self, issuer: &str) -> Option<String> {
        self.read().remove(issuer)
    }

    /// Keeps `client_id` as this app's registration at `issuer`.
    pub fn set(&self, issuer: &str, client_id: &str) -> Result<(), MatrixError> {
        let mut all = self.read();
        all.insert(issuer.to_owned(), client_id.to_owned());
        let store = |e: std::io::Error| MatrixError::Store {
            detail: format!("{} could not be written: {e}", self.file.display()),
        };
        if let Some(dir) = self.file.parent() {
            crate::files::private_dir(dir).map_err(store)?;
        }
        let bytes = serde_json::to_vec_pretty(&all).map_err(|e| MatrixError::Store {
            detail: e.to_string(),
        })?;
        crate::files::write_atomic(&self.file, &bytes, || Ok(())).map_err(store)
    }

    /// Forgets the registration at `issuer` (the server no longer knows it).
    pub fn forget(&self, issuer: &str) {
        let mut all = self.read();
        if all.remove(issuer).is_some() {
            if let Ok(bytes) = serde_json::to_vec_pretty(&all) {
                let _ = crate::files::write_atomic(&self.file, &bytes, || Ok(()));
            }
        }
    }
}

/// A device id of the app's choosing: `EA` and 10 random upper-case letters or digits.
#[must_use]
pub fn new_device_id() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    format!("EA{}", &random[..10])
}

/// The registration this app asks for: a public native client with `redirect_uri`.
fn client_metadata(redirect_uri: &Url, name: &str) -> Result<Raw<ClientMetadata>, MatrixError> {
    let client_uri = Url::parse(CLIENT_URI).map_err(|e| MatrixError::Store {
        detail: e.to_string(),
    })?;
    let mut metadata = ClientMetadata::new(
        ApplicationType::Native,
        // matrix-sdk adds `refresh_token` to the grant types it registers.
        vec![OAuthGrantType::AuthorizationCode {
            redirect_uris: vec![redirect_uri.clone()],
        }],
        Localized::new(client_uri, []),
    );
    metadata.client_name = Some(Localized::new(name.to_owned(), []));
    Raw::new(&metadata)
        .map(Raw::cast_unchecked)
        .map_err(|e| MatrixError::Store {
            detail: e.to_string(),
        })
}

/// An authorization request that matrix-sdk built for a listener's [`OAUTH_CALLBACK_PATH`],
/// whose `state` that listener now expects: the first half of an OAuth 2.0 sign-in. The second
/// half, [`Self::exchange`], takes that path's callback. A sign-in of its own and the Element One
/// bridge (which chains it after the EMS leg, on the same listener) share both halves.
pub struct OAuthAuthorization {
    homeserver: Url,
    client: Client,
    issuer: String,
    device_id: String,
    url: Url,
    back: Url,
}

crate::debug_fields!(OAuthAuthorization, homeserver, device_id);

fn failed(homeserver: &Url, detail: String) -> MatrixError {
    MatrixError::OAuthFailed {
        homeserver: display_url(homeserver),
        detail,
    }
}

impl OAuthAuthorization {
    /// Asks `homeserver` for its authorization server, registers this app there if it has not
    /// yet, and has matrix-sdk build the authorization URL (code + PKCE, a device id of the
    /// app's choosing, `prompt=create` when `create_account`, the Admin API's scope when
    /// `admin`) back to `listener`'s
    /// [`OAUTH_CALLBACK_PATH`], whose state is then set.
    pub async fn prepare(
        homeserver: &Url,
        (create_account, admin): (bool, bool),
        sessions: &Sessions,
        listener: &mut CallbackListener,
    ) -> Result<Self, MatrixError> {
        let client = Client::builder()
            .homeserver_url(homeserver.as_str())
            .http_client(sessions.http().clone())
            .build()
            .await
            .map_err(|e| MatrixError::Store {
                detail: e.to_string(),
            })?;
        let oauth = client.oauth();
        let metadata = oauth.server_metadata().await.map_err(|e| {
            if e.is_not_supported() {
                failed(
                    homeserver,
                    "it does not sign in with OAuth 2.0; use one of the other sign-in methods"
                        .to_owned(),
                )
            } else {
                failed(
                    homeserver,
                    format!("its authorization server could not be found ({e})"),
                )
            }
        })?;
        let issuer = metadata.issuer.to_string();
        let back = listener
            .callback_url(OAUTH_CALLBACK_PATH)
            .ok_or_else(|| {
                MatrixError::SsoListener(LoopbackError::InvalidPath {
                    path: OAUTH_CALLBACK_PATH.to_owned(),
                })
            })?
            .clone();
        let clients = sessions.oauth_clients();
        let registered = clients.get(&issuer);
        if let Some(client_id) = &registered {
            oauth.restore_registered_client(ClientId::new(client_id.clone()));
        }
        let device_id = new_device_id();
        let mut login = oauth.login(
            back.clone(),
            Some(OwnedDeviceId::from(device_id.as_str())),
            Some(client_metadata(&back, sessions.device_name())?.into()),
            admin.then(|| vec![openidconnect::Scope::new(ADMIN_SCOPE.to_owned())]),
        );
        if create_account {
            login = login.prompt(vec![Prompt::Create]);
        }
        let authorization = login.build().await.map_err(|e| {
            failed(
                homeserver,
                format!("its authorization server refused the app's registration ({e})"),
            )
        })?;
        if registered.is_none() {
            if let Some(client_id) = oauth.client_id() {
                clients.set(&issuer, client_id.as_str())?;
            }
        }
        listener
            .set_state(
                OAUTH_CALLBACK_PATH,
                CallbackState::new(authorization.state.secret().clone()),
            )
            .await?;
        Ok(Self {
            homeserver: homeserver.clone(),
            client,
            issuer,
            device_id,
            url: authorization.url,
            back,
        })
    }

    /// Where the browser must go: the authorization server's authorization endpoint.
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The device id the session will have.
    #[must_use]
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Has matrix-sdk exchange the code `callback` brought back: the new session's grant, which
    /// nothing keeps yet (see [`Self::keep`]).
    pub async fn exchange(
        &self,
        callback: &Callback,
        clients: &OAuthClients,
    ) -> Result<LoginGrant, MatrixError> {
        let homeserver = &self.homeserver;
        if let Some(error) = callback.param("error") {
            if error == "invalid_client" || error == "unauthorized_client" {
                // A registration the server no longer knows: the next attempt registers afresh.
                clients.forget(&self.issuer);
            }
            let detail = callback
                .param("error_description")
                .map_or_else(|| error.to_owned(), |d| format!("{error}: {d}"));
            return Err(failed(
                homeserver,
                format!("the authorization server said {detail}"),
            ));
        }
        let mut back = self.back.clone();
        back.query_pairs_mut().extend_pairs(callback.query());
        let oauth = self.client.oauth();
        oauth
            .finish_login(back.into())
            .await
            .map_err(|e| failed(homeserver, format!("the code could not be exchanged ({e})")))?;
        let session = oauth
            .full_session()
            .ok_or_else(|| failed(homeserver, "no session came back".to_owned()))?;
        Ok(LoginGrant {
            user_id: session.user.meta.user_id.to_string(),
            device_id: session.user.meta.device_id.to_string(),
            access_token: Secret::new(session.user.tokens.access_token),
            refresh_token: session.user.tokens.refresh_token.map(Secret::new),
            oauth_client_id: Some(session.client_id.as_str().to_owned()),
        })
    }

    /// Keeps `grant` through the path every sign-in takes, as an OAuth 2.0 session; a session
    /// that cannot be kept is revoked.
    pub(crate) async fn keep(
        &self,
        sessions: &Sessions,
        grant: LoginGrant,
        target: SignInTarget,
    ) -> Result<MatrixAccountView, MatrixError> {
        let kept = sessions.adopt(&self.homeserver, grant, target).await;
        if kept.is_err() {
            self.revoke().await;
        }
        kept
    }

    /// Revokes the session [`Self::exchange`] brought, which the app does not keep (already
    /// signed in here, not recorded, or someone else than expected), at the authorization
    /// server: the homeserver's `/logout` is not served under delegated auth.
    pub(crate) async fn revoke(&self) {
        if let Err(error) = self.client.oauth().logout().await {
            log::warn!("could not revoke an unused OAuth 2.0 session: {error}");
        }
    }
}

/// An OAuth 2.0 sign-in of its own waiting for the browser. Dropping it closes its listener.
pub struct PendingOAuth {
    target: SignInTarget,
    listener: CallbackListener,
    authorization: OAuthAuthorization,
}

crate::debug_fields!(PendingOAuth, authorization);

impl PendingOAuth {
    /// Opens a listener on [`OAUTH_CALLBACK_PATH`] and prepares the authorization request.
    pub async fn begin(request: &OAuthSignIn, sessions: &Sessions) -> Result<Self, MatrixError> {
        let homeserver = Homeserver::parse(&request.homeserver)?.into_url();
        let mut listener = CallbackListener::builder(request.timeout)
            .path_awaiting_state(OAUTH_CALLBACK_PATH)
            .bind()
            .await?;
        let authorization = OAuthAuthorization::prepare(
            &homeserver,
            (request.create_account, request.admin),
            sessions,
            &mut listener,
        )
        .await?;
        Ok(Self {
            target: SignInTarget {
                account_id: request.account_id.clone(),
                subscription: request.subscription.clone(),
            },
            listener,
            authorization,
        })
    }

    /// Where the browser must go: the authorization server's authorization endpoint.
    #[must_use]
    pub fn authorization_url(&self) -> &Url {
        self.authorization.url()
    }

    /// The device id the session will have.
    #[must_use]
    pub fn device_id(&self) -> &str {
        self.authorization.device_id()
    }

    /// Ends the flow with [`MatrixError::SsoCancelled`] from anywhere.
    #[must_use]
    pub fn cancel_handle(&self) -> CancelHandle {
        self.listener.cancel_handle()
    }
}

impl MatrixAccounts {
    /// Starts an OAuth 2.0 sign-in (cancelling any earlier one) and opens the system browser at
    /// the authorization server, or hands the address back to be copied.
    pub async fn begin_oauth_sign_in(
        &self,
        request: OAuthSignIn,
    ) -> Result<BrowserHandoff, MatrixError> {
        self.oauth.cancel();
        self.sessions.registry().require()?;
        let pending = PendingOAuth::begin(&request, &self.sessions).await?;
        let (url, cancel) = (pending.authorization_url().clone(), pending.cancel_handle());
        Ok(self.oauth.open(pending, cancel, &url, &self.opener)?)
    }

    /// Ends the OAuth 2.0 sign-in in progress, if any, with [`MatrixError::SsoCancelled`].
    pub fn cancel_oauth_sign_in(&self) {
        self.oauth.cancel();
    }

    /// Waits for the browser to come back from the sign-in begun by
    /// [`Self::begin_oauth_sign_in`], has the code exchanged and keeps the session.
    pub async fn finish_oauth_sign_in(&self) -> Result<MatrixAccountView, MatrixError> {
        self.oauth
            .run(|pending| self.complete_oauth(pending))
            .await
            .ok_or(MatrixError::SsoCancelled)?
    }

    async fn complete_oauth(
        &self,
        mut pending: PendingOAuth,
    ) -> Result<MatrixAccountView, MatrixError> {
        let callback = pending.listener.next_callback().await?;
        let authorization = &pending.authorization;
        let signed_in = async {
            let grant = authorization
                .exchange(&callback, &self.sessions.oauth_clients())
                .await?;
            authorization
                .keep(&self.sessions, grant, pending.target)
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
    fn device_ids_are_the_apps_own_and_distinct() {
        let (a, b) = (new_device_id(), new_device_id());
        assert!(a.starts_with("EA") && a.len() == 12, "{a}");
        assert!(a
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        assert_ne!(a, b);
    }

    #[test]
    fn registrations_are_kept_per_authorization_server() {
        let dir = tempfile::tempdir().expect("temp dir");
        let clients = OAuthClients::new(dir.path().join("matrix").join(OAUTH_CLIENTS_FILE));
        assert_eq!(clients.get("https://a.example/"), None);
        clients.set("https://a.example/", "01A").expect("set");
        clients.set("https://b.example/", "01B").expect("set");
        assert_eq!(clients.get("https://a.example/").as_deref(), Some("01A"));
        clients.forget("https://a.example/");
        assert_eq!(clients.get("https://a.example/"), None);
        assert_eq!(clients.get("https://b.example/").as_deref(), Some("01B"));
    }
}
