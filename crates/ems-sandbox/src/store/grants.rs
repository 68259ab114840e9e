//! Browser sessions, authorization codes, and grants (a refresh-token family with its tokens).
//!
//! A grant is created when a code is exchanged. Each refresh rotates the refresh token inside the
//! grant; presenting a spent refresh token, or a spent code, revokes the whole grant (RFC 6749
//! §4.1.2 and §10.4; OAuth 2.0 Security BCP §4.14).

use rusqlite::{params, OptionalExtension as _, Transaction, TransactionBehavior};

use super::users::{user_from_row, User};
use super::Store;
use crate::secret::{now, token_hash};
use crate::SandboxError;

/// An authorization code to store.
#[derive(Debug)]
pub struct NewCode<'a> {
    /// The code as sent to the client (only its hash is stored).
    pub code: &'a str,
    /// The client it was issued to.
    pub client_id: &'a str,
    /// The signed-in user.
    pub user_id: &'a str,
    /// The redirect URI of the authorization request; the token request must repeat it.
    pub redirect_uri: &'a str,
    /// The granted scope, space-separated.
    pub scope: &'a str,
    /// The client's `nonce`, echoed in the ID token.
    pub nonce: Option<&'a str>,
    /// The PKCE S256 challenge.
    pub code_challenge: Option<&'a str>,
    /// When the user authenticated (Unix seconds).
    pub auth_time: i64,
    /// When the code expires (Unix seconds).
    pub expires_at: i64,
}

/// What a stored code was issued for.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    /// The client it was issued to.
    pub client_id: String,
    /// The signed-in user.
    pub user: User,
    /// The redirect URI of the authorization request.
    pub redirect_uri: String,
    /// The granted scope.
    pub scope: String,
    /// The client's `nonce`.
    pub nonce: Option<String>,
    /// The PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// When the user authenticated.
    pub auth_time: i64,
    /// When the code expires.
    pub expires_at: i64,
}

/// The tokens a checked code buys, made by the caller.
#[derive(Debug)]
pub struct IssuedTokens {
    /// The first access token.
    pub access_token: String,
    /// When it expires (Unix seconds).
    pub access_expires_at: i64,
    /// The first refresh token, if the scope allows one.
    pub refresh_token: Option<String>,
}

/// The outcome of presenting a code at the token endpoint.
#[derive(Debug)]
pub enum CodeExchange<E> {
    /// No such code.
    Unknown,
    /// The code was spent before; any grant made with it is now revoked.
    Reused,
    /// The caller's check refused the request; the code is spent all the same.
    Refused(E),
    /// The code is spent and bound to a new grant holding these tokens.
    Granted(Box<CodeGrant>, IssuedTokens),
}

/// The outcome of presenting a refresh token.
#[derive(Debug)]
pub enum RefreshRedemption {
    /// No such token, or its grant was revoked.
    Invalid,
    /// The token was rotated before: its whole family is now revoked.
    Reused,
    /// The grant is older than the refresh tokens' absolute lifetime.
    Expired,
    /// First use: the token is now spent; here is its grant.
    Fresh {
        /// The grant's id.
        grant_id: i64,
        /// The client it was issued to.
        client_id: String,
        /// The grant's scope.
        scope: String,
        /// The user.
        user: User,
    },
}

/// What an access token stands for.
#[derive(Debug, Clone)]
pub struct AccessTokenInfo {
    /// The user.
    pub user: User,
    /// The client it was issued to.
    pub client_id: String,
    /// The token's scope.
    pub scope: String,
}

impl Store {
    /// Records a browser session for `user_id`.
    pub fn create_session(
        &self,
        session_id: &str,
        user_id: &str,
        auth_time: i64,
        expires_at: i64,
    ) -> Result<(), SandboxError> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM browser_sessions WHERE expires_at <= ?1",
            [now()],
        )?;
        conn.execute(
            "INSERT INTO browser_sessions (id_hash, user_id, auth_time, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash(session_id), user_id, auth_time, expires_at],
        )?;
        Ok(())
    }

    /// The user and authentication time of a live browser session.
    pub fn session(&self, session_id: &str) -> Result<Option<(User, i64)>, SandboxError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT u.id, u.email, u.name, u.username, s.auth_time
                 FROM browser_sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id_hash = ?1 AND s.expires_at > ?2",
                params![token_hash(session_id), now()],
                |row| Ok((user_from_row(row)?, row.get(4)?)),
            )
            .optional()?)
    }

    /// Ends a browser session; an unknown one is already ended.
    pub fn end_session(&self, session_id: &str) -> Result<(), SandboxError> {
        self.conn().execute(
            "DELETE FROM browser_sessions WHERE id_hash = ?1",
            [token_hash(session_id)],
        )?;
        Ok(())
    }

    /// Stores a new authorization code.
    pub fn create_code(&self, code: &NewCode<'_>) -> Result<(), SandboxError> {
        let conn = self.conn();
        // Spent codes are kept until they expire so that a replay can still revoke their grant.
        conn.execute(
            "DELETE FROM authorization_codes WHERE expires_at < ?1",
            [now() - 3600],
        )?;
        conn.execute(
            "INSERT INTO authorization_codes (code_hash, client_id, user_id, redirect_uri, scope,
                 nonce, code_challenge, auth_time, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                token_hash(code.code),
                code.client_id,
                code.user_id,
                code.redirect_uri,
                code.scope,
                code.nonce,
                code.code_challenge,
                code.auth_time,
                code.expires_at
            ],
        )?;
        Ok(())
    }

    /// Spends a code and, if `check` accepts what it was issued for, binds it to a new grant
    /// with the tokens `check` made, all in one transaction: a second redemption, however close
    /// behind, finds the code spent with its grant and revokes that grant.
    pub fn exchange_code<E>(
        &self,
        code: &str,
        check: impl FnOnce(&CodeGrant) -> Result<IssuedTokens, E>,
    ) -> Result<CodeExchange<E>, SandboxError> {
        let hash = token_hash(code);
        let mut conn = self.conn();
        // IMMEDIATE takes the write lock first, so another connection (the command line) cannot
        // spend the same code between the read and the write.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = tx
            .query_row(
                "SELECT c.client_id, c.redirect_uri, c.scope, c.nonce, c.code_challenge, c.auth_time,
                        c.expires_at, c.used_at, c.grant_id, u.id, u.email, u.name, u.username
                 FROM authorization_codes c JOIN users u ON u.id = c.user_id
                 WHERE c.code_hash = ?1",
                [&hash],
                |row| {
                    let used: Option<i64> = row.get(7)?;
                    let grant_id: Option<i64> = row.get(8)?;
                    let grant = CodeGrant {
                        client_id: row.get(0)?,
                        redirect_uri: row.get(1)?,
                        scope: row.get(2)?,
                        nonce: row.get(3)?,
                        code_challenge: row.get(4)?,
                        auth_time: row.get(5)?,
                        expires_at: row.get(6)?,
                        user: User { id: row.get(9)?, email: row.get(10)?, name: row.get(11)?, username: row.get(12)? },
                    };
                    Ok((used, grant_id, grant))
                },
            )
            .optional()?;
        let outcome = match row {
            None => CodeExchange::Unknown,
            Some((Some(_), grant_id, _)) => {
                if let Some(grant_id) = grant_id {
                    revoke_grant(&tx, grant_id)?;
                }
                CodeExchange::Reused
            }
            Some((None, _, grant)) => {
                tx.execute(
                    "UPDATE authorization_codes SET used_at = ?1 WHERE code_hash = ?2",
                    params![now(), hash],
                )?;
                match check(&grant) {
                    Err(refused) => CodeExchange::Refused(refused),
                    Ok(tokens) => {
                        tx.execute(
                            "INSERT INTO grants (client_id, user_id, scope, auth_time, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![grant.client_id, grant.user.id, grant.scope, grant.auth_time, now()],
                        )?;
                        let grant_id = tx.last_insert_rowid();
                        tx.execute(
                            "UPDATE authorization_codes SET grant_id = ?1 WHERE code_hash = ?2",
                            params![grant_id, hash],
                        )?;
                        insert_tokens(&tx, grant_id, &grant.scope, &tokens)?;
                        CodeExchange::Granted(Box::new(grant), tokens)
                    }
                }
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Spends a refresh token: the first call gets its grant, a later call revokes the family. A
    /// grant made before `created_after` (the absolute lifetime's start) refreshes no more.
    pub fn redeem_refresh_token(
        &self,
        token: &str,
        created_after: i64,
    ) -> Result<RefreshRedemption, SandboxError> {
        let hash = token_hash(token);
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = tx
            .query_row(
                "SELECT r.used_at, g.revoked_at, g.id, g.client_id, g.scope, u.id, u.email, u.name, u.username, g.created_at
                 FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id JOIN users u ON u.id = g.user_id
                 WHERE r.token_hash = ?1",
                [&hash],
                |row| {
                    let spent_at: Option<i64> = row.get(0)?;
                    let revoked_at: Option<i64> = row.get(1)?;
                    let user = User { id: row.get(5)?, email: row.get(6)?, name: row.get(7)?, username: row.get(8)? };
                    Ok((spent_at, revoked_at, row.get::<_, i64>(2)?, row.get::<_, String>(3)?, row.get::<_, String>(4)?, user, row.get::<_, i64>(9)?))
                },
            )
            .optional()?;
        let outcome = match row {
            None | Some((_, Some(_), ..)) => RefreshRedemption::Invalid,
            Some((None, None, .., created_at)) if created_at <= created_after => {
                RefreshRedemption::Expired
            }
            Some((Some(_), None, grant_id, ..)) => {
                revoke_grant(&tx, grant_id)?;
                RefreshRedemption::Reused
            }
            Some((None, None, grant_id, client_id, scope, user, _)) => {
                tx.execute(
                    "UPDATE refresh_tokens SET used_at = ?1 WHERE token_hash = ?2",
                    params![now(), hash],
                )?;
                RefreshRedemption::Fresh {
                    grant_id,
                    client_id,
                    scope,
                    user,
                }
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Adds a rotated access and refresh token to a grant.
    pub fn add_tokens(
        &self,
        grant_id: i64,
        scope: &str,
        tokens: &IssuedTokens,
    ) -> Result<(), SandboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        insert_tokens(&tx, grant_id, scope, tokens)?;
        tx.commit()?;
        Ok(())
    }

    /// What a live access token stands for.
    pub fn access_token(&self, token: &str) -> Result<Option<AccessTokenInfo>, SandboxError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT u.id, u.email, u.name, u.username, g.client_id, a.scope
                 FROM access_tokens a JOIN grants g ON g.id = a.grant_id JOIN users u ON u.id = g.user_id
                 WHERE a.token_hash = ?1 AND a.expires_at > ?2 AND a.revoked_at IS NULL AND g.revoked_at IS NULL",
                params![token_hash(token), now()],
                |row| Ok(AccessTokenInfo { user: user_from_row(row)?, client_id: row.get(4)?, scope: row.get(5)? }),
            )
            .optional()?)
    }

    /// RFC 7009 revocation by `client_id`: a refresh token revokes its whole grant, an access
    /// token only itself. Tokens of other clients and unknown tokens are left alone.
    pub fn revoke_token(&self, token: &str, client_id: &str) -> Result<(), SandboxError> {
        let hash = token_hash(token);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let refresh_grant: Option<i64> = tx
            .query_row(
                "SELECT g.id FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id
                 WHERE r.token_hash = ?1 AND g.client_id = ?2",
                params![hash, client_id],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(grant_id) = refresh_grant {
            revoke_grant(&tx, grant_id)?;
        } else {
            tx.execute(
                "UPDATE access_tokens SET revoked_at = ?1 WHERE token_hash = ?2 AND revoked_at IS NULL
                 AND grant_id IN (SELECT id FROM grants WHERE client_id = ?3)",
                params![now(), hash, client_id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn insert_tokens(
    tx: &Transaction<'_>,
    grant_id: i64,
    scope: &str,
    tokens: &IssuedTokens,
) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO access_tokens (token_hash, grant_id, scope, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash(&tokens.access_token), grant_id, scope, tokens.access_expires_at],
    )?;
    if let Some(refresh) = &tokens.refresh_token {
        tx.execute(
            "INSERT INTO refresh_tokens (token_hash, grant_id, created_at) VALUES (?1, ?2, ?3)",
            params![token_hash(refresh), grant_id, now()],
        )?;
    }
    Ok(())
}

fn revoke_grant(tx: &Transaction<'_>, grant_id: i64) -> Result<(), SandboxError> {
    tx.execute(
        "UPDATE grants SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
        params![now(), grant_id],
    )?;
    Ok(())
}
