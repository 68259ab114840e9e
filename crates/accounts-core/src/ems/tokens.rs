//! The tokens of one EMS account, as they are kept in the keyring (one JSON document, a
//! [`Secret`]) and held in memory.

use serde::{Deserialize, Serialize};

use crate::vault::{Secret, SecretKey, SecretKind, Vault};

use super::EmsError;

/// The tokens of a signed-in EMS account.
#[derive(Clone)]
pub struct TokenSet {
    /// The bearer token for the control-panel API.
    pub access_token: Secret,
    /// The token that gets a new access token (rotated on every use).
    pub refresh_token: Option<Secret>,
    /// When the access token expires (Unix seconds), if the server said.
    pub expires_at: Option<i64>,
    /// The ID token, kept as the `id_token_hint` for ending the browser session.
    pub id_token: Option<Secret>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The keyring document; only ever serialised straight into a [`Secret`].
#[derive(Serialize, Deserialize)]
struct Stored {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<i64>,
    id_token: Option<String>,
}

impl TokenSet {
    /// Whether the access token expires within `margin_secs` of now (unknown expiry: no).
    #[must_use]
    pub fn expires_within(&self, margin_secs: i64) -> bool {
        self.expires_at.is_some_and(|at| at - now() <= margin_secs)
    }

    /// Saves the tokens under `account_id` in the vault.
    pub async fn save(&self, vault: &Vault, account_id: &str) -> Result<(), EmsError> {
        let stored = Stored {
            access_token: self.access_token.expose().to_owned(),
            refresh_token: self.refresh_token.as_ref().map(|s| s.expose().to_owned()),
            expires_at: self.expires_at,
            id_token: self.id_token.as_ref().map(|s| s.expose().to_owned()),
        };
        let json = Secret::new(serde_json::to_string(&stored).unwrap_or_default());
        drop(stored);
        vault.set(&key(account_id), json).await?;
        Ok(())
    }

    /// The tokens saved under `account_id`, if any.
    pub async fn load(vault: &Vault, account_id: &str) -> Result<Option<Self>, EmsError> {
        let Some(json) = vault.get(&key(account_id)).await? else {
            return Ok(None);
        };
        let stored: Stored =
            serde_json::from_str(json.expose()).map_err(|_| crate::vault::VaultError::Corrupt)?;
        Ok(Some(Self {
            access_token: Secret::new(stored.access_token),
            refresh_token: stored.refresh_token.map(Secret::new),
            expires_at: stored.expires_at,
            id_token: stored.id_token.map(Secret::new),
        }))
    }

    /// Deletes the tokens of `account_id` from the vault.
    pub async fn forget(vault: &Vault, account_id: &str) -> Result<(), EmsError> {
        vault.delete(&key(account_id)).await?;
        Ok(())
    }
}

fn key(account_id: &str) -> SecretKey {
    SecretKey::new(account_id, SecretKind::EmsTokens)
}

/// Now, in Unix seconds.
pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
