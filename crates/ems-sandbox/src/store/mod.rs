//! The sandbox's `SQLite` database: schema migrations, users, the signing key, browser sessions,
//! authorization codes and token grants.
//!
//! rusqlite is blocking; one connection sits behind a std mutex that is held only for short,
//! synchronous statements and never across an `.await`. Slow work (argon2) runs outside it.
//! Codes, tokens and session ids are stored only as SHA-256 hashes. The database file holds the
//! signing key, so it and its WAL files are readable by their owner only.

mod account;
mod grants;
mod matrix;
mod subscriptions;
mod throttle;
mod users;

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{params, Connection, OptionalExtension as _};

pub use grants::{
    AccessTokenInfo, CodeExchange, CodeGrant, IssuedTokens, NewCode, RefreshRedemption,
};
pub use matrix::{LiveGrant, RegisteredClient};
pub use subscriptions::{ElementOneHome, Homeservers};
pub use throttle::{CheckResult, SignInLimits};
pub use users::{password_matches, NewUser, User};

use crate::keys::IdTokenKey;
use crate::secret::now;
use crate::SandboxError;

/// The schema, one entry per version; `PRAGMA user_version` records how many have run.
/// Never edit a released entry: append a new one.
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    secret_key BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE browser_sessions (
    id_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    auth_time INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    auth_time INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE authorization_codes (
    code_hash BLOB PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    auth_time INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    grant_id INTEGER REFERENCES grants(id) ON DELETE CASCADE
);
CREATE TABLE access_tokens (
    token_hash BLOB PRIMARY KEY,
    grant_id INTEGER NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE refresh_tokens (
    token_hash BLOB PRIMARY KEY,
    grant_id INTEGER NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX access_tokens_grant ON access_tokens(grant_id);
CREATE INDEX refresh_tokens_grant ON refresh_tokens(grant_id);
",
    r"
-- The control-panel API. Subscriptions and hosts do not cascade from users: account deletion
-- removes them explicitly, first, so a user row can never vanish from under them.
CREATE TABLE companies (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    number TEXT,
    size TEXT
);
CREATE TABLE billing_addresses (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    line1 TEXT NOT NULL,
    line2 TEXT,
    city TEXT NOT NULL,
    region TEXT,
    postal_code TEXT NOT NULL,
    country TEXT NOT NULL
);
-- Only the brand, last four digits and expiry: never a whole card number.
CREATE TABLE payment_methods (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    brand TEXT NOT NULL,
    last4 TEXT NOT NULL,
    expiry_month INTEGER NOT NULL,
    expiry_year INTEGER NOT NULL,
    holder_name TEXT NOT NULL
);
CREATE TABLE subscriptions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    seats INTEGER,
    admin_contact TEXT,
    matrix_id TEXT,
    server_name TEXT,
    homeserver_url TEXT,
    web_client_domain TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX subscriptions_user ON subscriptions(user_id);
CREATE TABLE hosts (
    subscription_id TEXT PRIMARY KEY REFERENCES subscriptions(id),
    server_name TEXT NOT NULL UNIQUE,
    homeserver_url TEXT NOT NULL,
    web_client_url TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
",
    r"
-- One row per submitted sign-in form: what the throttle counts, and a history an operator (or a
-- test) can read. The email is as typed, so attempts on unknown accounts count too.
CREATE TABLE credential_checks (
    id INTEGER PRIMARY KEY,
    checked_at INTEGER NOT NULL,
    email TEXT NOT NULL COLLATE NOCASE,
    address TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('success', 'failure', 'throttled'))
);
CREATE INDEX credential_checks_email ON credential_checks(email, checked_at);
CREATE INDEX credential_checks_address ON credential_checks(address, checked_at);
",
    // What an Element One subscription says of its homeserver's single sign-on and web client.
    r"
ALTER TABLE subscriptions ADD COLUMN sso_idp_id TEXT;
ALTER TABLE subscriptions ADD COLUMN web_client_url TEXT;
",
    // The Matrix authorization server: clients registered through RFC 7591, and the users whose
    // Matrix account there was deactivated (their EMS account lives on).
    r"
CREATE TABLE registered_clients (
    client_id TEXT PRIMARY KEY,
    redirect_uris TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE matrix_deactivations (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    deactivated_at INTEGER NOT NULL
);
",
];

/// The database.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date. The
    /// file is made `0600` (owner only) whether new or not; `SQLite` gives its `-wal` and `-shm`
    /// files the mode of the database file.
    pub fn open(path: &Path) -> Result<Self, SandboxError> {
        owner_only(path)?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves at worst an uncommitted transaction, which
        // rusqlite rolls back on drop: the connection is still good.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The ID-token signing key, generated and stored on first use.
    pub fn signing_key(&self) -> Result<IdTokenKey, SandboxError> {
        let conn = self.conn();
        let stored: Option<Vec<u8>> = conn
            .query_row(
                "SELECT secret_key FROM signing_keys ORDER BY created_at DESC, rowid DESC LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(bytes) = stored {
            return IdTokenKey::from_secret_bytes(&bytes);
        }
        let key = IdTokenKey::generate();
        conn.execute(
            "INSERT INTO signing_keys (kid, secret_key, created_at) VALUES (?1, ?2, ?3)",
            params![key.kid(), key.secret_bytes(), now()],
        )?;
        Ok(key)
    }
}

/// Creates `path` (and tightens an existing one, with its WAL files) as `0600` before `SQLite`
/// opens it, so the signing key is never readable by other local users, not even for a moment.
#[cfg(unix)]
fn owner_only(path: &Path) -> Result<(), SandboxError> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let io = |source| SandboxError::DatabaseFile {
        path: path.to_owned(),
        source,
    };
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    let mut companions = vec![path.to_owned()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        companions.push(name.into());
    }
    for file in companions.iter().filter(|f| f.exists()) {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> Result<(), SandboxError> {
    Ok(())
}

/// Whether `sql` (a `SELECT 1 ...`) finds a row.
fn exists(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<bool> {
    conn.query_row(sql, params, |_| Ok(()))
        .optional()
        .map(|row| row.is_some())
}

fn migrate(conn: &mut Connection) -> Result<(), SandboxError> {
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > known {
        return Err(SandboxError::DatabaseTooNew { found, known });
    }
    for (version, sql) in (1..)
        .zip(MIGRATIONS)
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_the_key_survives_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ems.db");
        let kid = Store::open(&path)
            .and_then(|s| s.signing_key())
            .expect("first open")
            .kid()
            .to_owned();
        let store = Store::open(&path).expect("reopening must not re-run migrations");
        assert_eq!(
            store.signing_key().expect("key").kid(),
            kid,
            "the key must persist"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_wal_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ems.db");
        std::fs::write(&path, b"").expect("an empty file, as a loose umask would leave it");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let store = Store::open(&path).expect("open");
        store
            .signing_key()
            .expect("a key is written, so the WAL exists");
        for suffix in ["", "-wal", "-shm"] {
            let file = dir.path().join(format!("ems.db{suffix}"));
            let mode = std::fs::metadata(&file)
                .unwrap_or_else(|e| panic!("{} exists: {e}", file.display()))
                .permissions()
                .mode();
            assert_eq!(
                mode & 0o777,
                0o600,
                "{} holds the signing key and must be owner-only",
                file.display()
            );
        }
    }

    #[test]
    fn a_database_from_a_newer_sandbox_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ems.db");
        Connection::open(&path)
            .and_then(|c| c.pragma_update(None, "user_version", 99))
            .expect("set version");
        assert!(
            matches!(
                Store::open(&path),
                Err(SandboxError::DatabaseTooNew { found: 99, .. })
            ),
            "an unknown schema must not be written to"
        );
    }
}
