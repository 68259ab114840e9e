//! A Matrix session at rest and its matrix-sdk client.
//!
//! The tokens live in the vault as one versioned JSON document per account
//! ([`SecretKind::MatrixSession`]); the matrix-sdk sqlite store lives in a folder per account,
//! encrypted with a random passphrase that is itself in the vault
//! ([`SecretKind::StorePassphrase`]). Building a client and restoring a session are local: no
//! request goes to the server here.

use std::path::{Path, PathBuf};
use std::time::Duration;

use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::authentication::oauth::{ClientId, OAuthSession, UserSession};
use matrix_sdk::config::RequestConfig;
use matrix_sdk::store::RoomLoadSettings;
use matrix_sdk::{Client, SessionMeta, SessionTokens};
use serde::{Deserialize, Serialize};
use url::Url;

use super::grant::LoginGrant;
use crate::matrix::error::MatrixError;
use crate::vault::{Secret, SecretKey, SecretKind, Vault};

/// The format of the session document in the keyring: 1 for a `/login` session, 2 for an
/// OAuth 2.0 one (which an app that knows only 1 must not take for a `/login` session).
const SESSION_FORMAT: u32 = 1;
const OAUTH_SESSION_FORMAT: u32 = 2;

/// The session document as kept in the vault. Only ever serialised into a [`Secret`].
#[derive(Serialize, Deserialize)]
struct StoredSession {
    format: u32,
    user_id: String,
    device_id: String,
    access_token: String,
    refresh_token: Option<String>,
    /// The OAuth 2.0 client the session was granted to (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oauth_client_id: Option<String>,
}

/// The non-secret half of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionIds {
    /// The full Matrix ID.
    pub user_id: String,
    /// The device id of the session.
    pub device_id: String,
}

/// The folder of an account's matrix-sdk store.
#[must_use]
pub fn store_dir(stores: &Path, account_id: &str) -> PathBuf {
    stores.join(account_id)
}

/// A new random store passphrase (two v4 UUIDs: 244 random bits).
#[must_use]
pub fn new_store_passphrase() -> Secret {
    Secret::new(format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    ))
}

/// Builds the client of an account: its homeserver, its encrypted store, refresh-token handling
/// and a bounded retry policy. Local only. Every request of the session carries its access
/// token, so its HTTP client (`http`, a [`crate::transport::credential_client`]) follows no
/// redirect.
pub async fn build_client(
    http: &reqwest::Client,
    homeserver: &Url,
    store: &Path,
    passphrase: &Secret,
) -> Result<Client, MatrixError> {
    let private = |e: std::io::Error| MatrixError::Store {
        detail: format!(
            "its folder {} could not be made private: {e}",
            store.display()
        ),
    };
    crate::files::private_dir(store).map_err(private)?;
    let client = Client::builder()
        .homeserver_url(homeserver.as_str())
        .http_client(http.clone())
        .sqlite_store(store, Some(passphrase.expose()))
        .handle_refresh_tokens()
        .request_config(
            RequestConfig::new()
                .retry_limit(3)
                .timeout(Duration::from_secs(30)),
        )
        .build()
        .await
        .map_err(|e| MatrixError::Store {
            detail: e.to_string(),
        })?;
    // SQLite gives its journal files the database's mode, so narrowing the files made now
    // covers the ones made later.
    crate::files::restrict_tree(store).map_err(private)?;
    Ok(client)
}

/// Hands the session to the client (local; the server is not asked): a `/login` session, or an
/// OAuth 2.0 one when `oauth_client_id` names the client it was granted to.
pub async fn restore(
    client: &Client,
    session: MatrixSession,
    oauth_client_id: Option<&str>,
) -> Result<(), MatrixError> {
    let restored = match oauth_client_id {
        None => {
            client
                .matrix_auth()
                .restore_session(session, RoomLoadSettings::default())
                .await
        }
        Some(client_id) => {
            client
                .oauth()
                .restore_session(
                    OAuthSession {
                        client_id: ClientId::new(client_id.to_owned()),
                        user: UserSession {
                            meta: session.meta,
                            tokens: session.tokens,
                        },
                    },
                    RoomLoadSettings::default(),
                )
                .await
        }
    };
    restored.map_err(|e| MatrixError::Store {
        detail: e.to_string(),
    })
}

/// The session the client holds now, whichever API made it, and its OAuth 2.0 client id.
#[must_use]
pub fn current_session(client: &Client) -> Option<(MatrixSession, Option<String>)> {
    let meta = client.session_meta()?.clone();
    let tokens = client.session_tokens()?;
    let oauth = client.oauth().client_id().map(|id| id.as_str().to_owned());
    Some((MatrixSession { meta, tokens }, oauth))
}

/// The matrix-sdk session of a fresh sign-in.
pub fn session_from_grant(grant: &LoginGrant) -> Result<MatrixSession, MatrixError> {
    to_session(
        &grant.user_id,
        &grant.device_id,
        grant.access_token.expose(),
        grant.refresh_token.as_ref().map(Secret::expose),
    )
}

fn to_session(
    user_id: &str,
    device_id: &str,
    access_token: &str,
    refresh_token: Option<&str>,
) -> Result<MatrixSession, MatrixError> {
    let user_id = user_id.try_into().map_err(|e| MatrixError::Store {
        detail: format!("the stored Matrix ID is invalid ({e})"),
    })?;
    Ok(MatrixSession {
        meta: SessionMeta {
            user_id,
            device_id: device_id.into(),
        },
        tokens: SessionTokens {
            access_token: access_token.to_owned(),
            refresh_token: refresh_token.map(str::to_owned),
        },
    })
}

/// Saves `session` in the vault under `account_id`, keeping the OAuth 2.0 client of the session
/// saved there before, if any (new tokens of the same session).
pub async fn save_session(
    vault: &Vault,
    account_id: &str,
    session: &MatrixSession,
) -> Result<(), MatrixError> {
    let oauth = load_stored(vault, account_id)
        .await
        .ok()
        .flatten()
        .and_then(|(_, oauth)| oauth);
    save_session_as(vault, account_id, session, oauth.as_deref()).await
}

/// Saves `session`, granted to the OAuth 2.0 client `oauth_client_id` if any, under `account_id`.
pub async fn save_session_as(
    vault: &Vault,
    account_id: &str,
    session: &MatrixSession,
    oauth_client_id: Option<&str>,
) -> Result<(), MatrixError> {
    let stored = StoredSession {
        format: if oauth_client_id.is_some() {
            OAUTH_SESSION_FORMAT
        } else {
            SESSION_FORMAT
        },
        oauth_client_id: oauth_client_id.map(str::to_owned),
        user_id: session.meta.user_id.to_string(),
        device_id: session.meta.device_id.to_string(),
        access_token: session.tokens.access_token.clone(),
        refresh_token: session.tokens.refresh_token.clone(),
    };
    let json = Secret::new(
        serde_json::to_string(&stored).map_err(|e| MatrixError::Store {
            detail: e.to_string(),
        })?,
    );
    vault
        .set(&SecretKey::new(account_id, SecretKind::MatrixSession), json)
        .await?;
    Ok(())
}

/// The session saved under `account_id`, if any.
pub async fn load_session(
    vault: &Vault,
    account_id: &str,
) -> Result<Option<MatrixSession>, MatrixError> {
    Ok(load_stored(vault, account_id)
        .await?
        .map(|(session, _)| session))
}

/// The session saved under `account_id` and its OAuth 2.0 client id, if any.
pub async fn load_stored(
    vault: &Vault,
    account_id: &str,
) -> Result<Option<(MatrixSession, Option<String>)>, MatrixError> {
    let Some(json) = vault
        .get(&SecretKey::new(account_id, SecretKind::MatrixSession))
        .await?
    else {
        return Ok(None);
    };
    let stored: StoredSession =
        serde_json::from_str(json.expose()).map_err(|_| crate::vault::VaultError::Corrupt)?;
    if stored.format > OAUTH_SESSION_FORMAT
        || (stored.format == OAUTH_SESSION_FORMAT) != stored.oauth_client_id.is_some()
    {
        return Err(crate::vault::VaultError::Corrupt.into());
    }
    let session = to_session(
        &stored.user_id,
        &stored.device_id,
        &stored.access_token,
        stored.refresh_token.as_deref(),
    )?;
    Ok(Some((session, stored.oauth_client_id)))
}

/// The ids of a matrix-sdk session.
#[must_use]
pub fn ids_of(session: &MatrixSession) -> SessionIds {
    SessionIds {
        user_id: session.meta.user_id.to_string(),
        device_id: session.meta.device_id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::vault::MemoryStore;

    #[tokio::test]
    async fn a_saved_session_reads_back_and_is_versioned() {
        let store = Arc::new(MemoryStore::default());
        let vault = Vault::new(store.clone());
        let session = to_session("@a:example.org", "DEV", "syt_access", Some("syr_refresh"))
            .expect("valid session");
        save_session(&vault, "acc", &session).await.expect("save");
        let loaded = load_session(&vault, "acc").await.expect("load");
        assert_eq!(loaded, Some(session), "what is saved is what is restored");
        let raw = vault
            .get(&SecretKey::new("acc", SecretKind::MatrixSession))
            .await
            .expect("get")
            .expect("present");
        assert!(
            raw.expose().contains("\"format\":1"),
            "the entry is versioned"
        );
        assert_eq!(load_session(&vault, "other").await.expect("load"), None);
    }

    #[tokio::test]
    async fn an_oauth_session_keeps_its_client_through_new_tokens() {
        let vault = Vault::new(Arc::new(MemoryStore::default()));
        let session = to_session("@a:example.org", "DEV", "mat_access", Some("mar_refresh"))
            .expect("valid session");
        save_session_as(&vault, "acc", &session, Some("01CLIENT"))
            .await
            .expect("save");
        let raw = vault
            .get(&SecretKey::new("acc", SecretKind::MatrixSession))
            .await
            .expect("get")
            .expect("present");
        assert!(raw.expose().contains("\"format\":2"), "a format of its own");
        let renewed =
            to_session("@a:example.org", "DEV", "mat_new", Some("mar_new")).expect("valid session");
        save_session(&vault, "acc", &renewed).await.expect("save");
        let (loaded, client) = load_stored(&vault, "acc")
            .await
            .expect("load")
            .expect("present");
        assert_eq!(loaded, renewed);
        assert_eq!(client.as_deref(), Some("01CLIENT"), "the client is kept");
    }

    #[test]
    fn passphrases_are_long_and_distinct() {
        let a = new_store_passphrase();
        let b = new_store_passphrase();
        assert_eq!(a.expose().len(), 64);
        assert_ne!(a, b, "each store gets its own passphrase");
    }
}
