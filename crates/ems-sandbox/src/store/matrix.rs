//! What the Matrix authorization server keeps beyond the provider's grants: dynamically
//! registered clients, the live grants of a user (one per Matrix device), and which users'
//! Matrix accounts were deactivated.

use rusqlite::{params, OptionalExtension as _};

use super::users::{user_from_row, User};
use super::{exists, Store};
use crate::secret::{now, token_hash};
use crate::SandboxError;

/// A client registered through RFC 7591 dynamic client registration.
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    /// The issued `client_id`.
    pub client_id: String,
    /// Its redirect URIs, as registered.
    pub redirect_uris: Vec<String>,
    /// The registration response (JSON), served again as it was.
    pub metadata: String,
}

/// A grant that has not been revoked.
#[derive(Debug, Clone)]
pub struct LiveGrant {
    /// The grant's id.
    pub id: i64,
    /// The client it was issued to.
    pub client_id: String,
    /// Its scope.
    pub scope: String,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// Whose it is.
    pub user: User,
}

fn live_grant_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<LiveGrant> {
    Ok(LiveGrant {
        id: row.get(4)?,
        client_id: row.get(5)?,
        scope: row.get(6)?,
        created_at: row.get(7)?,
        user: user_from_row(row)?,
    })
}

impl Store {
    /// Stores a registered client.
    pub fn register_client(&self, client: &RegisteredClient) -> Result<(), SandboxError> {
        let uris = serde_json::to_string(&client.redirect_uris)
            .unwrap_or_else(|_| unreachable!("a list of strings serialises"));
        self.conn().execute(
            "INSERT INTO registered_clients (client_id, redirect_uris, metadata, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![client.client_id, uris, client.metadata, now()],
        )?;
        Ok(())
    }

    /// The registered client with this id.
    pub fn registered_client(
        &self,
        client_id: &str,
    ) -> Result<Option<RegisteredClient>, SandboxError> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT redirect_uris, metadata FROM registered_clients WHERE client_id = ?1",
                [client_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(uris, metadata)| RegisteredClient {
            client_id: client_id.to_owned(),
            redirect_uris: serde_json::from_str(&uris).unwrap_or_default(),
            metadata,
        }))
    }

    /// The live grant that the access or refresh token `token` belongs to (whatever the state of
    /// the token itself), if it was issued to `client_id`.
    pub fn grant_of_token(
        &self,
        token: &str,
        client_id: &str,
    ) -> Result<Option<LiveGrant>, SandboxError> {
        let hash = token_hash(token);
        Ok(self
            .conn()
            .query_row(
                "SELECT u.id, u.email, u.name, u.username, g.id, g.client_id, g.scope, g.created_at
                 FROM grants g JOIN users u ON u.id = g.user_id
                 WHERE g.revoked_at IS NULL AND g.client_id = ?2 AND g.id IN (
                     SELECT grant_id FROM access_tokens WHERE token_hash = ?1
                     UNION SELECT grant_id FROM refresh_tokens WHERE token_hash = ?1)",
                params![hash, client_id],
                live_grant_from_row,
            )
            .optional()?)
    }

    /// A live access token's grant and the token's own scope and expiry, for introspection.
    pub fn introspect_access_token(
        &self,
        token: &str,
    ) -> Result<Option<(LiveGrant, String, i64)>, SandboxError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT u.id, u.email, u.name, u.username, g.id, g.client_id, g.scope, g.created_at,
                        a.scope, a.expires_at
                 FROM access_tokens a JOIN grants g ON g.id = a.grant_id JOIN users u ON u.id = g.user_id
                 WHERE a.token_hash = ?1 AND a.expires_at > ?2 AND a.revoked_at IS NULL
                       AND g.revoked_at IS NULL",
                params![token_hash(token), now()],
                |row| Ok((live_grant_from_row(row)?, row.get(8)?, row.get(9)?)),
            )
            .optional()?)
    }

    /// The user's live grants, oldest first.
    pub fn live_grants(&self, user_id: &str) -> Result<Vec<LiveGrant>, SandboxError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT u.id, u.email, u.name, u.username, g.id, g.client_id, g.scope, g.created_at
             FROM grants g JOIN users u ON u.id = g.user_id
             WHERE g.user_id = ?1 AND g.revoked_at IS NULL ORDER BY g.created_at, g.id",
        )?;
        let grants = statement
            .query_map([user_id], live_grant_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(grants)
    }

    /// Revokes a grant with all its tokens.
    pub fn revoke_grant(&self, grant_id: i64) -> Result<(), SandboxError> {
        self.conn().execute(
            "UPDATE grants SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
            params![now(), grant_id],
        )?;
        Ok(())
    }

    /// Records that the user's Matrix account was deactivated.
    pub fn set_matrix_deactivated(&self, user_id: &str) -> Result<(), SandboxError> {
        self.conn().execute(
            "INSERT OR IGNORE INTO matrix_deactivations (user_id, deactivated_at) VALUES (?1, ?2)",
            params![user_id, now()],
        )?;
        Ok(())
    }

    /// Whether the user's Matrix account was deactivated.
    pub fn matrix_deactivated(&self, user_id: &str) -> Result<bool, SandboxError> {
        Ok(exists(
            &self.conn(),
            "SELECT 1 FROM matrix_deactivations WHERE user_id = ?1",
            [user_id],
        )?)
    }
}
