//! The set of Matrix accounts on this computer, each with its own session, side by side.
//!
//! [`Sessions`] keeps a fresh sign-in's session (`adopt`), restores at start-up, confirms
//! sessions with the server, signs out and removes. The non-secret records live in the shared
//! [`Registry`] the core's `Accounts` owns; tokens and store passphrases in the [`Vault`]; each
//! account's matrix-sdk store in its own folder under `stores`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use matrix_sdk::Client;
use url::Url;

mod account;
mod grant;
mod store;

pub use account::{MatrixAccountView, SessionState};
pub use grant::{device_display_name, LoginGrant};
pub use store::{load_session, load_stored, save_session, save_session_as, SessionIds};

use self::account::{lock, LiveAccount};
use self::store::{
    build_client, ids_of, new_store_passphrase, restore, session_from_grant, store_dir,
};
use crate::matrix::error::{http_failure, is_signed_out, MatrixError};
use crate::matrix::homeserver::{
    discover, discovery_client, display_url, http_client, join, DiscoveryError, HomeserverInfo,
};
use crate::vault::{
    self, new_account_id, AccountKind, AccountRecord, Registry, Secret, SecretKey, SecretKind,
    SubscriptionLink, Vault,
};

/// The folder, inside the app's data folder, that holds one matrix-sdk store per account.
pub const STORES_DIR: &str = "matrix";

/// How long removing an account waits for the server to end its session.
const LOGOUT_ON_REMOVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Which account a fresh session belongs to, as the sign-in that made it says.
#[derive(Debug, Clone, Default)]
pub struct SignInTarget {
    /// The account being signed in again, if any.
    pub account_id: Option<String>,
    /// The EMS subscription the sign-in was opened from, if any.
    pub subscription: Option<SubscriptionLink>,
}

/// Every Matrix account of this computer and its live session.
pub struct Sessions {
    stores: PathBuf,
    vault: Vault,
    registry: Registry,
    http: reqwest::Client,
    discovery: reqwest::Client,
    device_name: String,
    live: Arc<Mutex<HashMap<String, LiveAccount>>>,
}

crate::debug_fields!(Sessions, stores);

impl Sessions {
    /// The accounts whose stores live under `stores`, whose secrets are in `vault` and whose
    /// records are in `registry`.
    #[must_use]
    pub fn new(stores: PathBuf, vault: Vault, registry: Registry) -> Self {
        Self {
            stores,
            vault,
            registry,
            http: http_client(),
            discovery: discovery_client(),
            device_name: device_display_name(),
            live: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The same accounts, whose requests that carry a credential (matrix-sdk's included) also
    /// trust `extra_roots`: for tests, which cannot set [`crate::transport::EXTRA_CA_ENV`] in
    /// their running process.
    #[must_use]
    pub fn trusting(mut self, extra_roots: &[reqwest::Certificate]) -> Self {
        self.http = crate::transport::credential_client_trusting(extra_roots);
        self
    }

    /// What rebuilds an account's client when another process refreshed its session.
    fn reloader(&self) -> Reloader {
        Reloader {
            http: self.http.clone(),
            stores: self.stores.clone(),
            vault: self.vault.clone(),
            live: Arc::clone(&self.live),
        }
    }

    /// The folder of the account's matrix-sdk store.
    #[must_use]
    pub fn store_dir(&self, account_id: &str) -> PathBuf {
        store_dir(&self.stores, account_id)
    }

    /// The client ids this app was registered with at OAuth 2.0 authorization servers.
    #[must_use]
    pub fn oauth_clients(&self) -> crate::matrix::OAuthClients {
        crate::matrix::OAuthClients::new(self.stores.join(crate::matrix::OAUTH_CLIENTS_FILE))
    }

    /// The name new sessions get on the server.
    #[must_use]
    pub fn device_name(&self) -> &str {
        &self.device_name
    }

    /// The HTTP client for requests that carry a password or a token (no redirects).
    #[must_use]
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The secrets.
    #[must_use]
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The account records.
    #[must_use]
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The live client of an account and its Matrix ID, or why there is none.
    pub fn live(&self, account_id: &str) -> Result<(Client, String), MatrixError> {
        let client = self.client(account_id).ok_or(MatrixError::NoSession)?;
        let user_id = client
            .user_id()
            .map(ToString::to_string)
            .ok_or(MatrixError::NoSession)?;
        Ok((client, user_id))
    }

    /// Resolves what the user typed to a homeserver and its sign-in methods.
    pub async fn discover(&self, input: &str) -> Result<HomeserverInfo, DiscoveryError> {
        discover(&self.discovery, input).await
    }

    /// The matrix-sdk client of a signed-in account.
    #[must_use]
    pub fn client(&self, account_id: &str) -> Option<Client> {
        lock(&self.live)
            .get(account_id)
            .and_then(|a| a.client.clone())
    }

    /// Every Matrix account in the registry, with where its session stands.
    #[must_use]
    pub fn list(&self) -> Vec<MatrixAccountView> {
        self.registry
            .of_kind(AccountKind::Matrix)
            .into_iter()
            .map(|r| self.view_of(r))
            .collect()
    }

    /// The account `id` as it stands now.
    pub fn view(&self, id: &str) -> Result<MatrixAccountView, MatrixError> {
        Ok(self.view_of(self.registry.require_kind(id, AccountKind::Matrix)?))
    }

    fn view_of(&self, record: AccountRecord) -> MatrixAccountView {
        let session = self.state_of(&record.id);
        MatrixAccountView {
            id: record.id,
            user_id: record.user_id,
            homeserver: record.server,
            display_name: record.display_name,
            session,
            subscription: record.subscription,
        }
    }

    fn state_of(&self, id: &str) -> SessionState {
        lock(&self.live)
            .get(id)
            .map_or(SessionState::Restoring, LiveAccount::state)
    }

    /// Keeps the session of a fresh grant (a password or single sign-on, a registration) as the
    /// account's session: the account being signed in again (`to.account_id`), an earlier record
    /// of the same user on the same server, or a new account. Every way of signing in goes
    /// through here, so an account signed in from an EMS subscription is always linked to it.
    /// Returns the account once the server has confirmed the session (or said why it could not).
    pub(crate) async fn adopt(
        &self,
        homeserver: &Url,
        grant: LoginGrant,
        to: SignInTarget,
    ) -> Result<MatrixAccountView, MatrixError> {
        self.registry.require()?;
        let homeserver = homeserver.clone();
        let server = display_url(&homeserver);
        let previous = account_of(
            &self.registry,
            to.account_id.as_deref(),
            &grant.user_id,
            &server,
        );
        let id = previous
            .as_ref()
            .map_or_else(new_account_id, |record| record.id.clone());
        if previous.is_some() && self.state_of(&id).has_session() {
            logout_token(&self.http, &homeserver, &grant.access_token).await;
            return Err(MatrixError::AlreadySignedIn {
                user_id: grant.user_id,
            });
        }

        let client = self
            .keep_session(&id, &homeserver, &grant, previous.as_ref())
            .await?;
        if let Some(link) = to.subscription {
            self.link_subscription(&id, link)?;
        }
        log::info!(
            "signed in Matrix account {id} ({}) on {server}",
            grant.user_id
        );
        let account = LiveAccount::with_client(
            client.clone(),
            SessionState::Checking,
            self.vault.clone(),
            id.clone(),
            self.reloader(),
        );
        let state = Arc::clone(&account.state);
        lock(&self.live).insert(id.clone(), account);
        confirm(client, state, homeserver).await;
        self.view(&id)
    }

    /// Records that the account `id` was opened from `link`'s subscription, unless the EMS
    /// account of that subscription was removed meanwhile (the Matrix account then stands on
    /// its own).
    fn link_subscription(&self, id: &str, link: SubscriptionLink) -> Result<(), MatrixError> {
        if self
            .registry
            .require_kind(&link.ems_account, AccountKind::Ems)
            .is_err()
        {
            log::info!("not linking {id} to a subscription of a removed EMS account");
            return Ok(());
        }
        self.registry.update(|r| r.link_subscription(id, link))?;
        Ok(())
    }

    /// Keeps a fresh session: a new store, its passphrase and the tokens in the vault, the record
    /// in the registry. On failure, everything made for it is undone and the session is ended.
    async fn keep_session(
        &self,
        id: &str,
        homeserver: &Url,
        grant: &LoginGrant,
        previous: Option<&AccountRecord>,
    ) -> Result<Client, MatrixError> {
        // A new session starts with a new store: the old one belongs to a device that is gone.
        lock(&self.live).remove(id);
        let dir = self.store_dir(id);
        remove_dir(&dir)?;
        let passphrase = new_store_passphrase();
        let session = session_from_grant(grant)?;
        let kept = async {
            let client = build_client(&self.http, homeserver, &dir, &passphrase).await?;
            restore(&client, session.clone(), grant.oauth_client_id.as_deref()).await?;
            self.vault
                .set(
                    &SecretKey::new(id, SecretKind::StorePassphrase),
                    passphrase.clone(),
                )
                .await?;
            save_session_as(&self.vault, id, &session, grant.oauth_client_id.as_deref()).await?;
            let display_name = client
                .account()
                .get_display_name()
                .await
                .ok()
                .flatten()
                .or_else(|| previous.and_then(|p| p.display_name.clone()));
            self.registry.update(|r| {
                r.upsert(AccountRecord {
                    id: id.to_owned(),
                    kind: AccountKind::Matrix,
                    server: display_url(homeserver),
                    user_id: grant.user_id.clone(),
                    display_name,
                    email: None,
                    // Signing in again keeps the subscription the account was opened from.
                    subscription: previous.and_then(|p| p.subscription.clone()),
                })
            })?;
            Ok::<_, MatrixError>(client)
        }
        .await;
        if kept.is_err() {
            logout_token(&self.http, homeserver, &grant.access_token).await;
            for kind in [SecretKind::MatrixSession, SecretKind::StorePassphrase] {
                let _ = self.vault.delete(&SecretKey::new(id, kind)).await;
            }
            let _ = remove_dir(&dir);
            if previous.is_some() {
                lock(&self.live).insert(
                    id.to_owned(),
                    LiveAccount::without_client(SessionState::SignedOut),
                );
            }
        }
        kept
    }

    /// Restores every Matrix account of the registry from the keyring and its store (no network),
    /// then asks each server to confirm its session. Returns when every check has answered.
    pub async fn restore_all(&self) {
        let records = self.registry.of_kind(AccountKind::Matrix);
        let mut checks = Vec::new();
        for record in records {
            if lock(&self.live).contains_key(&record.id) {
                continue;
            }
            let account = self.restore(&record).await;
            if let (Some(client), SessionState::Checking, Ok(url)) = (
                account.client.clone(),
                account.state(),
                Url::parse(&record.server),
            ) {
                checks.push(tokio::spawn(confirm(
                    client,
                    Arc::clone(&account.state),
                    url,
                )));
            }
            lock(&self.live).insert(record.id.clone(), account);
        }
        for check in checks {
            let _ = check.await;
        }
    }

    /// Restores one account locally; the result says where it stands.
    async fn restore(&self, record: &AccountRecord) -> LiveAccount {
        let id = record.id.clone();
        let attempt = async {
            let homeserver = Url::parse(&record.server).map_err(|e| MatrixError::Store {
                detail: format!("the homeserver URL {} is invalid ({e})", record.server),
            })?;
            let Some((session, oauth)) = load_stored(&self.vault, &id).await? else {
                return Ok(None);
            };
            let passphrase = self
                .vault
                .get(&SecretKey::new(id.clone(), SecretKind::StorePassphrase))
                .await?
                .ok_or_else(|| MatrixError::Store {
                    detail: "its store passphrase is missing from the keyring".into(),
                })?;
            let client =
                build_client(&self.http, &homeserver, &self.store_dir(&id), &passphrase).await?;
            restore(&client, session.clone(), oauth.as_deref()).await?;
            log::info!(
                "restored Matrix account {id} ({}, device {})",
                ids_of(&session).user_id,
                ids_of(&session).device_id
            );
            Ok::<_, MatrixError>(Some(client))
        };
        match attempt.await {
            Ok(Some(client)) => LiveAccount::with_client(
                client,
                SessionState::Checking,
                self.vault.clone(),
                id,
                self.reloader(),
            ),
            Ok(None) => LiveAccount::without_client(SessionState::SignedOut),
            Err(error) => {
                log::error!("could not restore Matrix account {id}: {error}");
                LiveAccount::without_client(SessionState::Failed {
                    message: error.to_string(),
                })
            }
        }
    }

    /// Asks the server whether the account's session is still valid; returns where it stands.
    pub async fn check(&self, account_id: &str) -> SessionState {
        let found = lock(&self.live)
            .get(account_id)
            .and_then(|a| a.client.clone().map(|c| (c, Arc::clone(&a.state))));
        match found {
            Some((client, state)) => {
                let homeserver = client.homeserver();
                confirm(client, Arc::clone(&state), homeserver).await;
                lock(&state).clone()
            }
            None => self.state_of(account_id),
        }
    }

    /// Ends the account's session on the server and forgets its tokens; the account stays, so
    /// that it can be signed in again.
    pub async fn sign_out(&self, account_id: &str) -> Result<(), MatrixError> {
        let record = self
            .registry
            .require_kind(account_id, AccountKind::Matrix)?;
        let (client, state) = {
            let live = lock(&self.live);
            let account = live.get(account_id);
            (
                account.and_then(|a| a.client.clone()),
                account.map_or(SessionState::Restoring, LiveAccount::state),
            )
        };
        let Some(client) = client else {
            return Err(MatrixError::NotSignedIn {
                user_id: record.user_id,
            });
        };
        if state != SessionState::SignedOutOnServer {
            end_session(&client).await?;
        }
        self.vault
            .delete(&SecretKey::new(account_id, SecretKind::MatrixSession))
            .await?;
        lock(&self.live).insert(
            account_id.to_owned(),
            LiveAccount::without_client(SessionState::SignedOut),
        );
        log::info!("signed out Matrix account {account_id}");
        Ok(())
    }

    /// Marks the account's session as ended on the server (after deactivation, say), so that
    /// nothing more is sent with it.
    pub fn mark_signed_out_on_server(&self, account_id: &str) {
        if let Some(account) = lock(&self.live).get(account_id) {
            *lock(&account.state) = SessionState::SignedOutOnServer;
        }
    }

    /// Removes the account from this computer: ends its session on the server when it can (a
    /// server that cannot be reached does not stop the removal), deletes its store, its keyring
    /// entries and its record.
    pub async fn remove(&self, account_id: &str) -> Result<(), MatrixError> {
        self.registry
            .require_kind(account_id, AccountKind::Matrix)?;
        let account = lock(&self.live).remove(account_id);
        if let Some(account) = account {
            if let (Some(client), true) = (account.client.clone(), account.state().has_session()) {
                match tokio::time::timeout(LOGOUT_ON_REMOVE_TIMEOUT, end_session(&client)).await
                {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => log::warn!(
                        "removing Matrix account {account_id}: the server did not end the session: {error}"
                    ),
                    Err(_) => log::warn!(
                        "removing Matrix account {account_id}: the server did not answer the sign-out in time"
                    ),
                }
            }
        }
        if let Err(error) = remove_dir(&self.store_dir(account_id)) {
            log::warn!("removing Matrix account {account_id}: {error}");
        }
        vault::remove_account(&self.vault, &self.registry, account_id).await?;
        log::info!("removed Matrix account {account_id}");
        Ok(())
    }
}

/// Ends the client's session on the server: `/logout` for a `/login` session; for an OAuth 2.0
/// one, revoking its tokens at the authorization server (which ends the device on the
/// homeserver). A session the server no longer knows is ended already.
async fn end_session(client: &Client) -> Result<(), MatrixError> {
    if client.oauth().client_id().is_some() {
        return client
            .oauth()
            .logout()
            .await
            .map_err(|e| MatrixError::OAuthFailed {
                homeserver: display_url(&client.homeserver()),
                detail: format!("its authorization server did not revoke the session ({e})"),
            });
    }
    match client.matrix_auth().logout().await {
        Ok(_) => Ok(()),
        Err(error) if is_signed_out(&error) => Ok(()),
        Err(error) => Err(http_failure(&client.homeserver(), &error)),
    }
}

/// The account a new session of `user_id` on `server` belongs to: the one being signed in again
/// (`requested`), or an earlier record of the same user on the same server; `None` for a new one.
fn account_of(
    registry: &Registry,
    requested: Option<&str>,
    user_id: &str,
    server: &str,
) -> Option<AccountRecord> {
    let same_user = |r: &AccountRecord| {
        r.kind == AccountKind::Matrix && r.user_id == user_id && r.server == server
    };
    requested
        .and_then(|id| registry.get(id))
        .filter(same_user)
        .or_else(|| registry.accounts().into_iter().find(same_user))
}

/// Asks the server `whoami` and records the answer in `state`.
async fn confirm(client: Client, state: Arc<Mutex<SessionState>>, homeserver: Url) {
    let next = match client.whoami().await {
        Ok(answer) => match answer.device_id {
            Some(device_id) => SessionState::SignedIn {
                device_id: device_id.to_string(),
            },
            None => SessionState::Unreachable {
                message: format!(
                    "{} did not say which session this is. Try again later.",
                    display_url(&homeserver)
                ),
            },
        },
        Err(error) if is_signed_out(&error) => SessionState::SignedOutOnServer,
        Err(error) => SessionState::Unreachable {
            message: http_failure(&homeserver, &error).to_string(),
        },
    };
    *lock(&state) = next;
}

impl Sessions {
    /// Ends the session of a grant the app will not keep (best effort: a clean-up).
    pub(crate) async fn discard(&self, homeserver: &Url, grant: &LoginGrant) {
        logout_token(&self.http, homeserver, &grant.access_token).await;
    }
}

/// Ends a session the app will not keep (best effort: it is only a clean-up).
async fn logout_token(http: &reqwest::Client, homeserver: &Url, token: &Secret) {
    let Ok(url) = join(homeserver, "_matrix/client/v3/logout") else {
        return;
    };
    let result = http
        .post(url)
        .bearer_auth(token.expose())
        .json(&serde_json::json!({}))
        .send()
        .await;
    if let Err(error) = result {
        log::warn!("could not end an unused session on {homeserver}: {error}");
    }
}

fn remove_dir(dir: &Path) -> Result<(), MatrixError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(MatrixError::Store {
            detail: format!("could not delete {}: {e}", dir.display()),
        }),
    }
}

/// Rebuilds an account's client from the keyring after another process (the command line)
/// refreshed its session: the refresh token the client holds is spent, and matrix-sdk cannot
/// take new tokens into a live client.
#[derive(Clone)]
pub(crate) struct Reloader {
    http: reqwest::Client,
    stores: PathBuf,
    vault: Vault,
    live: Arc<Mutex<HashMap<String, LiveAccount>>>,
}

impl Reloader {
    /// Replaces the account's client with one over the same store and `session`; the account
    /// stays signed in. On failure the account is signed out on the server, as it would be.
    pub(crate) async fn reload(
        &self,
        id: &str,
        homeserver: &Url,
        session: matrix_sdk::authentication::matrix::MatrixSession,
        oauth_client_id: Option<String>,
    ) -> bool {
        let attempt = async {
            let passphrase = self
                .vault
                .get(&SecretKey::new(id, SecretKind::StorePassphrase))
                .await?
                .ok_or_else(|| MatrixError::Store {
                    detail: "its store passphrase is missing from the keyring".into(),
                })?;
            let client = build_client(
                &self.http,
                homeserver,
                &store_dir(&self.stores, id),
                &passphrase,
            )
            .await?;
            let device_id = ids_of(&session).device_id;
            restore(&client, session, oauth_client_id.as_deref()).await?;
            Ok::<_, MatrixError>((client, device_id))
        };
        match attempt.await {
            Ok((client, device_id)) => {
                let account = LiveAccount::with_client(
                    client,
                    SessionState::SignedIn { device_id },
                    self.vault.clone(),
                    id.to_owned(),
                    self.clone(),
                );
                log::info!("Matrix account {id}: took the session another process refreshed");
                lock(&self.live).insert(id.to_owned(), account);
                true
            }
            Err(error) => {
                log::error!("Matrix account {id}: could not take the refreshed session: {error}");
                false
            }
        }
    }
}
