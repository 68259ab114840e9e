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
use matrix_sdk::config::RequestConfig;
use matrix_sdk::store::RoomLoadSettings;
use matrix_sdk::{Client, SessionMeta, SessionTokens};
use serde::{Deserialize, Serialize};
use url::Url;

use super::grant::LoginGrant;
use crate::matrix::error::MatrixError;
use crate::vault::{Secret, SecretKey, SecretKind, Vault};

/// The format of the session document in the keyring.
const SESSION_FORMAT: u32 = 1;

/// The session document as kept in the vault. Only ever serialised into a [`Secret`].
#[derive(Serialize, Deserialize)]
struct StoredSession {
    format: u32,
    user_id: String,
    device_id: String,
    access_token: String,
    refresh_token: Option<String>,
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
/// token, so its HTTP client follows no redirect ([`crate::transport::credential_client`]).
pub async fn build_client(
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
        .http_client(crate::transport::credential_client())
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

/// Hands the session to the client (local; the server is not asked).
pub async fn restore(client: &Client, session: MatrixSession) -> Result<(), MatrixError> {
    client
        .matrix_auth()
        .restore_session(session, RoomLoadSettings::default())
        .await
        .map_err(|e| MatrixError::Store {
            detail: e.to_string(),
        })
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

/// Saves `session` in the vault under `account_id`.
pub async fn save_session(
    vault: &Vault,
    account_id: &str,
    session: &MatrixSession,
) -> Result<(), MatrixError> {
    let stored = StoredSession {
        format: SESSION_FORMAT,
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
    let Some(json) = vault
        .get(&SecretKey::new(account_id, SecretKind::MatrixSession))
        .await?
    else {
        return Ok(None);
    };
    let stored: StoredSession =
        serde_json::from_str(json.expose()).map_err(|_| crate::vault::VaultError::Corrupt)?;
    if stored.format > SESSION_FORMAT {
        return Err(crate::vault::VaultError::Corrupt.into());
    }
    to_session(
        &stored.user_id,
        &stored.device_id,
        &stored.access_token,
        stored.refresh_token.as_deref(),
    )
    .map(Some)
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

    #[test]
    fn passphrases_are_long_and_distinct() {
        let a = new_store_passphrase();
        let b = new_store_passphrase();
        assert_eq!(a.expose().len(), 64);
        assert_ne!(a, b, "each store gets its own passphrase");
    }
}
