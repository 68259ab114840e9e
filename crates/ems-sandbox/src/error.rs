//! Errors of starting and administering the sandbox (configuration, database, keys, users).
//!
//! Errors answered to an OAuth client or a browser are [`crate::oauth::OAuthError`]; this module is
//! for the operator: the `ems-sandbox` command line and the tests that start a sandbox.

use std::net::SocketAddr;
use std::path::PathBuf;

/// What went wrong while starting or administering the sandbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The config file could not be read.
    #[error(
        "could not read the config file {path}: {source}. Check the path given with --config."
    )]
    ReadConfig {
        /// The file that was read.
        path: PathBuf,
        /// Why reading failed.
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has unknown or mistyped keys.
    #[error("the config file is not valid: {}\nSee docs/ems-sandbox.md for the format.", .0.to_string().trim_end())]
    ParseConfig(#[from] Box<toml::de::Error>),
    /// A client in the config file is unusable (for example a duplicate id or a bad redirect URI).
    #[error("client {client_id:?} in the config file is not valid: {reason}")]
    InvalidClient {
        /// The offending client's id.
        client_id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A setting in the config file has a value that cannot work.
    #[error("{key} in the config file is not valid: {reason}")]
    InvalidSetting {
        /// The config key.
        key: &'static str,
        /// What is wrong with its value.
        reason: &'static str,
    },
    /// A homeserver in the config file is unusable.
    #[error("homeserver {server_name:?} in the config file is not valid: {reason}")]
    InvalidHomeserver {
        /// The homeserver's server name as written.
        server_name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No user has this email address (for `seed` and `token issue`).
    #[error("no user has the email address {0}")]
    NoSuchUser(String),
    /// A requested scope is not one the sandbox knows.
    #[error("unknown scope {0:?}; known: openid profile email offline_access ems.account ems.subscriptions")]
    UnknownScope(String),
    /// Seeding needs something the config file lacks, or a seed step was refused.
    #[error("cannot seed: {0}")]
    Seed(String),
    /// The configured issuer is not an absolute http(s) URL without query or fragment.
    #[error(
        "the issuer {0:?} must be an absolute http(s) URL ending in '/' without query or fragment"
    )]
    InvalidIssuer(String),
    /// The `SQLite` database failed.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// The database file could not be created or restricted to its owner.
    #[error("could not create or protect the database file {path}: {source}. Check the directory given with --db.")]
    DatabaseFile {
        /// The database file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The database was written by a newer sandbox with migrations this one does not know.
    #[error("the database is at schema version {found}, newer than this sandbox knows ({known}); use a newer ems-sandbox")]
    DatabaseTooNew {
        /// The database's `user_version`.
        found: i64,
        /// The newest version this build can migrate to.
        known: i64,
    },
    /// The signing key stored in the database cannot be read.
    #[error(
        "the stored ID-token signing key is corrupt; restore the database or start from a new one"
    )]
    CorruptSigningKey,
    /// A user field given to `user add` is unusable.
    #[error("invalid {field}: {reason}")]
    InvalidUser {
        /// Which field: email, name, username or password.
        field: &'static str,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A user with this email or username already exists.
    #[error("a user with this {0} already exists")]
    UserExists(&'static str),
    /// Hashing the password failed.
    #[error("could not hash the password: {0}")]
    PasswordHash(argon2::password_hash::Error),
    /// The listening socket could not be bound.
    #[error("could not listen on {addr}: {source}. Is another server using the port?")]
    Bind {
        /// The requested address.
        addr: SocketAddr,
        /// Why binding failed.
        source: std::io::Error,
    },
    /// The listening socket failed (reading its address or serving).
    #[error("the server socket failed: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS certificate or key could not be made, read or used.
    #[error("TLS set-up failed: {0}")]
    Tls(String),
    /// The Matrix authorization server's config is not usable.
    #[error("[matrix_auth] in the config file is not valid: {0}")]
    InvalidMatrixAuth(&'static str),
    /// A background task panicked or was cancelled.
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<toml::de::Error> for SandboxError {
    fn from(e: toml::de::Error) -> Self {
        Self::ParseConfig(Box::new(e))
    }
}
