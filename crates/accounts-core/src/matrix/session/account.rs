//! One Matrix account as the app holds it: its client, what is known of its session, and the
//! task that saves refreshed tokens the moment matrix-sdk reports them.

use std::sync::{Arc, Mutex};

use matrix_sdk::{Client, SessionChange};
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;
use ts_rs::TS;

use super::store::{current_session, load_stored, save_session_as};
use super::Reloader;
use crate::vault::{SubscriptionLink, Vault};

/// Where an account's session stands. Nothing here is secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SessionState {
    /// Being restored from the keyring and the store at start-up.
    Restoring,
    /// Restored; the server is being asked whether the session is still valid.
    Checking,
    /// The server confirmed the session (`whoami`).
    SignedIn {
        /// The session's device id, as the server's `whoami` returned it.
        device_id: String,
    },
    /// The session is kept but the server could not be reached to confirm it.
    Unreachable {
        /// What went wrong, for people.
        message: String,
    },
    /// The server no longer accepts the session (revoked, password reset, device deleted).
    SignedOutOnServer,
    /// The user signed out here; the account's settings are kept.
    SignedOut,
    /// The session could not be restored (keyring or store trouble).
    Failed {
        /// What went wrong and what to do.
        message: String,
    },
}

impl SessionState {
    /// Whether a live session exists (or may exist) for the account.
    #[must_use]
    pub fn has_session(&self) -> bool {
        matches!(
            self,
            Self::Restoring | Self::Checking | Self::SignedIn { .. } | Self::Unreachable { .. }
        )
    }
}

/// A Matrix account as the UI sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MatrixAccountView {
    /// The app's id of the account.
    pub id: String,
    /// The full Matrix ID.
    pub user_id: String,
    /// The homeserver URL the session talks to.
    pub homeserver: String,
    /// The display name, when known.
    pub display_name: Option<String>,
    /// Where the session stands.
    pub session: SessionState,
    /// The EMS subscription the account was opened from, when it was.
    pub subscription: Option<SubscriptionLink>,
}

/// An account held in memory: its client (while it has a session) and its state.
pub(crate) struct LiveAccount {
    pub(crate) client: Option<Client>,
    pub(crate) state: Arc<Mutex<SessionState>>,
    watcher: Option<JoinHandle<()>>,
}

impl LiveAccount {
    /// An account without a client, in `state`.
    pub(crate) fn without_client(state: SessionState) -> Self {
        Self {
            client: None,
            state: Arc::new(Mutex::new(state)),
            watcher: None,
        }
    }

    /// An account with `client`, in `state`, whose refreshed tokens are saved under `id`.
    pub(crate) fn with_client(
        client: Client,
        state: SessionState,
        vault: Vault,
        id: String,
        reloader: Reloader,
    ) -> Self {
        let state = Arc::new(Mutex::new(state));
        let watcher = tokio::spawn(watch_session(
            client.clone(),
            vault,
            id,
            Arc::clone(&state),
            reloader,
        ));
        Self {
            client: Some(client),
            state,
            watcher: Some(watcher),
        }
    }

    pub(crate) fn state(&self) -> SessionState {
        lock(&self.state).clone()
    }
}

impl Drop for LiveAccount {
    fn drop(&mut self) {
        if let Some(watcher) = self.watcher.take() {
            watcher.abort();
        }
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Saves the session whenever matrix-sdk refreshes its tokens, and marks the account signed out
/// on the server when matrix-sdk reports that the token is no longer known.
async fn watch_session(
    client: Client,
    vault: Vault,
    id: String,
    state: Arc<Mutex<SessionState>>,
    reloader: Reloader,
) {
    let mut changes = client.subscribe_to_session_changes();
    loop {
        match changes.recv().await {
            Ok(SessionChange::TokensRefreshed) => {
                if let Some((session, oauth)) = current_session(&client) {
                    match save_session_as(&vault, &id, &session, oauth.as_deref()).await {
                        Ok(()) => log::info!("saved the refreshed tokens of Matrix account {id}"),
                        Err(error) => log::error!(
                            "could not save the refreshed tokens of Matrix account {id}: {error}"
                        ),
                    }
                }
            }
            // matrix-sdk reports this only once a refresh was impossible or refused: the
            // session is over, whatever `soft_logout` says.
            Ok(SessionChange::UnknownToken(_)) => {
                // The command line may have refreshed this session, spending the refresh token
                // the client holds: then the keyring has newer tokens, and the account goes on.
                if let Ok(Some((stored, oauth))) = load_stored(&vault, &id).await {
                    let held = client.session_tokens().and_then(|t| t.refresh_token);
                    if stored.tokens.refresh_token.is_some() && stored.tokens.refresh_token != held
                    {
                        // The new client's own watcher takes over; this one ends with it.
                        if reloader
                            .reload(&id, &client.homeserver(), stored, oauth)
                            .await
                        {
                            return;
                        }
                    }
                }
                log::warn!("Matrix account {id} was signed out on the server");
                *lock(&state) = SessionState::SignedOutOnServer;
            }
            Err(RecvError::Lagged(_)) => {
                // Missed changes: save whatever the client holds now.
                if let Some((session, oauth)) = current_session(&client) {
                    let _ = save_session_as(&vault, &id, &session, oauth.as_deref()).await;
                }
            }
            Err(RecvError::Closed) => return,
        }
    }
}
