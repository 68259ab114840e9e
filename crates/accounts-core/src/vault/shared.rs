//! The account registry as the core's account sets share it.
//!
//! The registry is opened once at start-up and handed to the EMS and Matrix account sets, which
//! keep their own records in it; the shell holds no lock and passes none. When it cannot be
//! opened (the data folder is unusable), the app still starts, and every use reports why.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::error::RegistryError;
use super::registry::{AccountKind, AccountRecord, AccountRegistry, RegistryNotice};

/// The shared account registry; cheap to clone.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Opened>,
}

enum Opened {
    Open(Mutex<AccountRegistry>),
    Unavailable { detail: String },
}

crate::debug_fields!(Registry);

impl From<AccountRegistry> for Registry {
    fn from(registry: AccountRegistry) -> Self {
        Self {
            inner: Arc::new(Opened::Open(Mutex::new(registry))),
        }
    }
}

impl Registry {
    /// Opens (or starts) the registry in `dir`; a failure is kept and reported on every use.
    #[must_use]
    pub fn open(dir: &Path) -> Self {
        match AccountRegistry::open(dir) {
            Ok(registry) => Self::from(registry),
            Err(error) => {
                log::error!("account registry unavailable: {error}");
                Self::unavailable(error.to_string())
            }
        }
    }

    /// A registry that could not be opened, for the reason `detail`.
    #[must_use]
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(Opened::Unavailable {
                detail: detail.into(),
            }),
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, AccountRegistry>, RegistryError> {
        match self.inner.as_ref() {
            Opened::Open(registry) => Ok(registry.lock().unwrap_or_else(PoisonError::into_inner)),
            Opened::Unavailable { detail } => Err(RegistryError::Unavailable {
                detail: detail.clone(),
            }),
        }
    }

    /// The data folder the registry is kept in, when it could be opened.
    #[must_use]
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.lock()
            .ok()
            .and_then(|r| r.path().parent().map(Path::to_path_buf))
    }

    /// Fails with why the registry could not be opened, if it could not.
    pub fn require(&self) -> Result<(), RegistryError> {
        self.lock().map(drop)
    }

    /// Every registered account (none when the registry could not be opened).
    #[must_use]
    pub fn accounts(&self) -> Vec<AccountRecord> {
        self.lock()
            .map(|r| r.accounts().to_vec())
            .unwrap_or_default()
    }

    /// The registered accounts of `kind`.
    #[must_use]
    pub fn of_kind(&self, kind: AccountKind) -> Vec<AccountRecord> {
        self.accounts()
            .into_iter()
            .filter(|r| r.kind == kind)
            .collect()
    }

    /// The account with `id`, if it is registered.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<AccountRecord> {
        self.lock().ok().and_then(|r| r.get(id).cloned())
    }

    /// The account with `id` if it is of `kind`, else [`RegistryError::UnknownAccount`].
    pub fn require_kind(
        &self,
        id: &str,
        kind: AccountKind,
    ) -> Result<AccountRecord, RegistryError> {
        self.lock()?
            .get(id)
            .filter(|r| r.kind == kind)
            .cloned()
            .ok_or_else(|| RegistryError::UnknownAccount(id.to_owned()))
    }

    /// Changes the registry (each change saves the file before it returns).
    pub fn update<T>(
        &self,
        change: impl FnOnce(&mut AccountRegistry) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        change(&mut *self.lock()?)
    }

    /// What to tell the user about the registry at start-up: a notice with the file's path,
    /// or why it could not be opened.
    pub fn notice(&self) -> Result<Option<(RegistryNotice, PathBuf)>, RegistryError> {
        let registry = self.lock()?;
        Ok(registry
            .notice()
            .cloned()
            .map(|n| (n, registry.path().to_owned())))
    }
}
