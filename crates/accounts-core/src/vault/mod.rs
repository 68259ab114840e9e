//! The vault: secrets in the OS keyring and the non-secret account registry beside them.
//!
//! [`Vault`] is the async face of a [`SecretStore`]: every keyring call runs on a blocking thread
//! with a timeout, so a keyring that waits on an unlock prompt cannot hang the app. There is no
//! fallback to a file: when the keyring fails, the caller gets a [`VaultError`] that says why.
//! [`remove_account`] removes an account's secrets and its record together.

mod error;
mod registry;
mod secret;
mod shared;
mod store;
mod token_lock;

use std::sync::Arc;
use std::time::Duration;

pub use error::{RegistryError, RemoveError, VaultError};
pub use registry::{
    AccountKind, AccountRecord, AccountRegistry, RegistryNotice, SubscriptionLink, REGISTRY_FILE,
    REGISTRY_VERSION,
};
pub use secret::Secret;
pub use shared::Registry;
pub use store::{
    KeyringStore, MemoryStore, SecretKey, SecretKind, SecretStore, ENTRY_FORMAT, FORMAT_ATTRIBUTE,
    KEYRING_SERVICE,
};
pub use token_lock::{TokenLock, LOCKS_DIR};

/// How long a keyring call may take before the user is told to unlock the keyring.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The account id used by [`Vault::check`]'s probe entry.
const PROBE_ACCOUNT: &str = "probe";

/// Secrets, kept in a [`SecretStore`] and reached off the async runtime.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn SecretStore>,
    timeout: Duration,
}

crate::debug_fields!(Vault, timeout);

impl Vault {
    /// A vault over `store` with the default timeout.
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self {
            store,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The vault over the OS keyring.
    #[must_use]
    pub fn keyring() -> Self {
        Self::new(Arc::new(KeyringStore))
    }

    /// The same vault with another timeout per call.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn run<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn SecretStore) -> Result<T, VaultError> + Send + 'static,
    ) -> Result<T, VaultError> {
        let store = Arc::clone(&self.store);
        // The blocking thread cannot be interrupted; on timeout its result is dropped.
        let task = tokio::task::spawn_blocking(move || call(store.as_ref()));
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(VaultError::Backend {
                detail: format!("the keyring call stopped unexpectedly ({join})"),
            }),
            Err(_) => Err(VaultError::TimedOut(self.timeout)),
        }
    }

    /// The secret under `key`, or `None`.
    pub async fn get(&self, key: &SecretKey) -> Result<Option<Secret>, VaultError> {
        let key = key.clone();
        self.run(move |store| store.get(&key)).await
    }

    /// Stores `secret` under `key`, replacing any earlier value.
    pub async fn set(&self, key: &SecretKey, secret: Secret) -> Result<(), VaultError> {
        let key = key.clone();
        self.run(move |store| store.set(&key, &secret)).await
    }

    /// Deletes the secret under `key` (a missing one is fine).
    pub async fn delete(&self, key: &SecretKey) -> Result<(), VaultError> {
        let key = key.clone();
        self.run(move |store| store.delete(&key)).await
    }

    /// Deletes every secret of `account_id`.
    pub async fn delete_account(&self, account_id: &str) -> Result<(), VaultError> {
        let account_id = account_id.to_owned();
        self.run(move |store| {
            SecretKind::ALL
                .iter()
                .try_for_each(|kind| store.delete(&SecretKey::new(account_id.clone(), *kind)))
        })
        .await
    }

    /// Checks that secrets can be written: writes and deletes a probe entry. (Reading alone
    /// succeeds on a locked keyring that holds nothing yet.)
    pub async fn check(&self) -> Result<(), VaultError> {
        self.run(|store| {
            let key = SecretKey::new(PROBE_ACCOUNT, SecretKind::StorePassphrase);
            store.set(&key, &Secret::new("probe"))?;
            store.delete(&key)
        })
        .await
    }
}

/// A new, random account id.
#[must_use]
pub fn new_account_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Removes the account `id`: its keyring entries first, then its record. If the keyring fails,
/// the record stays so that the user can retry; if the record cannot be written, the secrets
/// are already gone and a retry finishes the job.
pub async fn remove_account(
    vault: &Vault,
    registry: &Registry,
    id: &str,
) -> Result<(), RemoveError> {
    registry.require()?;
    if registry.get(id).is_none() {
        return Err(RegistryError::UnknownAccount(id.to_owned()).into());
    }
    vault.delete_account(id).await?;
    registry.update(|r| r.remove(id))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> AccountRecord {
        AccountRecord {
            id: id.to_owned(),
            kind: AccountKind::Ems,
            server: "http://127.0.0.1:8480/".to_owned(),
            user_id: "user-1".to_owned(),
            display_name: Some("Alice".to_owned()),
            email: None,
            subscription: None,
        }
    }

    #[tokio::test]
    async fn a_failed_keyring_keeps_the_record_and_a_retry_removes_both() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(MemoryStore::default());
        let vault = Vault::new(store.clone());
        let registry = Registry::from(AccountRegistry::open(dir.path()).expect("open"));
        let id = new_account_id();
        registry.update(|r| r.upsert(record(&id))).expect("save");
        let key = SecretKey::new(id.clone(), SecretKind::EmsTokens);
        vault.set(&key, Secret::new("tokens")).await.expect("set");

        store.fail_with(Some(VaultError::Locked {
            detail: "locked".into(),
        }));
        let err = remove_account(&vault, &registry, &id)
            .await
            .expect_err("keyring is locked");
        assert!(
            matches!(err, RemoveError::Secrets(VaultError::Locked { .. })),
            "got {err:?}"
        );
        assert!(
            registry.get(&id).is_some(),
            "the record stays until the secrets are gone"
        );

        store.fail_with(None);
        remove_account(&vault, &registry, &id)
            .await
            .expect("the retry succeeds");
        assert!(registry.get(&id).is_none(), "the record is gone");
        assert_eq!(
            vault.get(&key).await.expect("get"),
            None,
            "the secret is gone"
        );
        let reopened = AccountRegistry::open(dir.path()).expect("reopen");
        assert!(reopened.accounts().is_empty(), "the removal is on disk");
    }

    #[tokio::test]
    async fn a_hanging_keyring_times_out() {
        struct Hanging;
        impl SecretStore for Hanging {
            fn get(&self, _: &SecretKey) -> Result<Option<Secret>, VaultError> {
                std::thread::sleep(Duration::from_secs(5));
                Ok(None)
            }
            fn set(&self, _: &SecretKey, _: &Secret) -> Result<(), VaultError> {
                Ok(())
            }
            fn delete(&self, _: &SecretKey) -> Result<(), VaultError> {
                Ok(())
            }
        }
        let vault = Vault::new(Arc::new(Hanging)).with_timeout(Duration::from_millis(100));
        let result = vault.get(&SecretKey::new("a", SecretKind::EmsTokens)).await;
        assert!(
            matches!(result, Err(VaultError::TimedOut(d)) if d == Duration::from_millis(100)),
            "a keyring waiting on a prompt must not hang the caller: {result:?}"
        );
    }
}
