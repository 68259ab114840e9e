//! One process at a time refreshes an account's tokens.
//!
//! The app and the command line (`element-accounts seats …`) use the same sessions from the
//! keyring. A refresh spends the refresh token: if both refreshed at once, one of them would be
//! left with a spent token and signed out. So a refresh happens under an exclusive lock on a
//! file in the data folder, and first reads the keyring again: when the other process has
//! refreshed meanwhile, its tokens are taken instead of refreshing again.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The folder, in the data folder, of the lock files.
pub const LOCKS_DIR: &str = "locks";

/// Held while an account's tokens are refreshed; dropping it releases the lock.
#[derive(Debug)]
pub struct TokenLock {
    _file: File,
}

impl TokenLock {
    /// Waits for, then takes, the lock of `account_id` in the data folder `data_dir`.
    pub async fn acquire(data_dir: &Path, account_id: &str) -> io::Result<Self> {
        let path = lock_path(data_dir, account_id);
        tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                crate::files::private_dir(dir)?;
            }
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .mode(0o600)
                .open(&path)?;
            file.lock()?;
            Ok(Self { _file: file })
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Takes the lock when there is a data folder to keep it in (tests without one share no
    /// session with another process); a lock that cannot be taken is logged and gone without.
    pub async fn acquire_in(data_dir: Option<&Path>, account_id: &str) -> Option<Self> {
        let dir = data_dir?;
        match Self::acquire(dir, account_id).await {
            Ok(lock) => Some(lock),
            Err(error) => {
                log::warn!("could not take the token lock of account {account_id}: {error}");
                None
            }
        }
    }
}

fn lock_path(data_dir: &Path, account_id: &str) -> PathBuf {
    data_dir.join(LOCKS_DIR).join(format!("{account_id}.lock"))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = TokenLock::acquire(dir.path(), "acc").await.expect("first");
        let taken = Arc::new(AtomicBool::new(false));
        let second = tokio::spawn({
            let (dir, taken) = (dir.path().to_owned(), Arc::clone(&taken));
            async move {
                let lock = TokenLock::acquire(&dir, "acc").await.expect("second");
                taken.store(true, Ordering::SeqCst);
                drop(lock);
            }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!taken.load(Ordering::SeqCst), "the second waits");
        drop(first);
        second.await.expect("the second takes it");
        assert!(taken.load(Ordering::SeqCst));
    }
}
