//! Where secrets are kept: the OS keyring, behind a small trait so unit tests can use memory.
//!
//! Entries are namespaced: the keyring *service* is the app's identifier and the *user* is
//! `v1/<account id>/<kind>`, one entry per account and kind of secret. The `v1` is the entry
//! format; each entry also carries an `element-accounts-format` attribute so that a later format
//! can find and migrate old entries. The calls here are blocking; [`super::Vault`] runs them off
//! the async runtime with a timeout.

use std::collections::HashMap;
use std::sync::Mutex;

use super::error::VaultError;
use super::secret::Secret;

/// The keyring service name of the app (its bundle identifier).
pub const KEYRING_SERVICE: &str = "io.element.accounts";
/// The format of the entries this build writes.
pub const ENTRY_FORMAT: &str = "v1";
/// The attribute holding [`ENTRY_FORMAT`] on every entry.
pub const FORMAT_ATTRIBUTE: &str = "element-accounts-format";

/// The kinds of secret an account can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretKind {
    /// The EMS access and refresh tokens (one JSON document).
    EmsTokens,
    /// The Matrix access and refresh tokens (one JSON document).
    MatrixSession,
    /// The passphrase of the account's matrix-sdk store.
    StorePassphrase,
}

impl SecretKind {
    /// Every kind, for removing all of an account's secrets.
    pub const ALL: [Self; 3] = [Self::EmsTokens, Self::MatrixSession, Self::StorePassphrase];

    /// The kind's name in the keyring entry.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmsTokens => "ems-tokens",
            Self::MatrixSession => "matrix-session",
            Self::StorePassphrase => "store-passphrase",
        }
    }
}

/// Which secret: an account and a kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretKey {
    /// The account's id in the registry.
    pub account_id: String,
    /// Which of its secrets.
    pub kind: SecretKind,
}

impl SecretKey {
    /// The key of `kind` for `account_id`.
    pub fn new(account_id: impl Into<String>, kind: SecretKind) -> Self {
        Self {
            account_id: account_id.into(),
            kind,
        }
    }

    /// The keyring *user* of this entry: `v1/<account id>/<kind>`.
    #[must_use]
    pub fn entry_user(&self) -> String {
        format!("{ENTRY_FORMAT}/{}/{}", self.account_id, self.kind.as_str())
    }
}

/// A place that keeps secrets. Implementations block; callers go through [`super::Vault`].
pub trait SecretStore: Send + Sync + 'static {
    /// The secret under `key`, or `None` when there is none.
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, VaultError>;
    /// Stores `secret` under `key`, replacing any earlier value.
    fn set(&self, key: &SecretKey, secret: &Secret) -> Result<(), VaultError>;
    /// Deletes the secret under `key`; deleting a missing one succeeds.
    fn delete(&self, key: &SecretKey) -> Result<(), VaultError>;
}

/// The OS keyring (the Secret Service on Linux) through the `keyring` crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyringStore;

impl KeyringStore {
    fn entry(key: &SecretKey) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(KEYRING_SERVICE, &key.entry_user()).map_err(map_keyring_error)
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, VaultError> {
        match Self::entry(key)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(map_keyring_error(error)),
        }
    }

    fn set(&self, key: &SecretKey, secret: &Secret) -> Result<(), VaultError> {
        let entry = Self::entry(key)?;
        entry
            .set_password(secret.expose())
            .map_err(map_keyring_error)?;
        entry
            .inner
            .update_attributes(&HashMap::from([(FORMAT_ATTRIBUTE, ENTRY_FORMAT)]))
            .map_err(map_keyring_error)
    }

    fn delete(&self, key: &SecretKey) -> Result<(), VaultError> {
        match Self::entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(map_keyring_error(error)),
        }
    }
}

/// Turns a keyring failure into one a person can act on. Platform messages are D-Bus errors and
/// never contain the secret.
fn map_keyring_error(error: keyring::Error) -> VaultError {
    match error {
        keyring::Error::NoDefaultStore => VaultError::Unavailable {
            detail: match keyring::Entry::store_status() {
                Err(cause) => cause.to_string(),
                Ok(()) => "no credential store".to_owned(),
            },
        },
        keyring::Error::NoStorageAccess(cause) => VaultError::Locked {
            detail: cause.to_string(),
        },
        keyring::Error::PlatformFailure(cause) => {
            let detail = cause.to_string();
            if is_missing_service(&detail) {
                VaultError::Unavailable { detail }
            } else {
                VaultError::Backend { detail }
            }
        }
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => VaultError::Corrupt,
        other => VaultError::Backend {
            detail: other.to_string(),
        },
    }
}

/// Whether a platform message means that nothing provides the Secret Service.
fn is_missing_service(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    [
        "serviceunknown",
        "not provided by any .service files",
        "result not returned from ss api",
        "no such file or directory",
        "connection refused",
        "org.freedesktop.dbus.error.noreply",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

/// Secrets in memory, for unit tests of code above the vault.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<SecretKey, Secret>>,
    failure: Mutex<Option<VaultError>>,
}

impl MemoryStore {
    /// Makes every later call fail with `error` (or succeed again with `None`).
    pub fn fail_with(&self, error: Option<VaultError>) {
        *self
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = error;
    }

    fn check(&self) -> Result<(), VaultError> {
        match &*self
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<SecretKey, Secret>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, VaultError> {
        self.check()?;
        Ok(self.entries().get(key).cloned())
    }

    fn set(&self, key: &SecretKey, secret: &Secret) -> Result<(), VaultError> {
        self.check()?;
        self.entries().insert(key.clone(), secret.clone());
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<(), VaultError> {
        self.check()?;
        self.entries().remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_namespaced_per_account_and_kind() {
        let key = SecretKey::new("a1b2", SecretKind::MatrixSession);
        assert_eq!(key.entry_user(), "v1/a1b2/matrix-session");
        let other = SecretKey::new("a1b2", SecretKind::StorePassphrase);
        assert_ne!(key.entry_user(), other.entry_user(), "one entry per kind");
    }

    #[test]
    fn missing_service_messages_are_recognised() {
        assert!(is_missing_service(
            "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files"
        ));
        assert!(!is_missing_service("Prompt dismissed"));
    }
}
