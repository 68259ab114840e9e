//! The last account data fetched for each EMS account, kept in the app's data directory so
//! that the pane can show them, read-only and marked stale, while the EMS server cannot be
//! reached. Nothing here is secret: details, billing address, the masked card and the
//! subscriptions, as the server answered them. Each file is replaced atomically.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use ems_api::{Account, Subscription};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{EmsApiError, EmsControlPanel, EmsError};
use crate::files::write_atomic;

/// What the EMS pane shows of one account, fetched now or taken from the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EmsOverview {
    /// Details, billing address and masked payment method.
    pub account: Account,
    /// Every subscription, oldest first.
    pub subscriptions: Vec<Subscription>,
    /// When the server gave these data (Unix seconds).
    #[ts(type = "number")]
    pub fetched_at: i64,
    /// Why the data come from the cache (the server could not be reached), when they do; changes
    /// are refused while this is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub stale: Option<String>,
}

/// The cache: one JSON file per EMS account.
#[derive(Debug, Clone)]
pub struct EmsCache {
    dir: PathBuf,
}

impl EmsCache {
    /// A cache kept in `dir` (created on first write).
    #[must_use]
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The account's data from the server, saved for later; when the server cannot be reached
    /// and earlier data are cached, those, marked stale with the reason.
    ///
    /// # Errors
    /// The server's error when it answered (a refusal, a signed-out session), or could not be
    /// reached and nothing is cached.
    pub async fn overview(
        &self,
        account_id: &str,
        panel: &EmsControlPanel,
    ) -> Result<EmsOverview, EmsApiError> {
        let fetched =
            async { Ok::<_, EmsApiError>((panel.account().await?, panel.subscriptions().await?)) };
        match fetched.await {
            Ok((account, subscriptions)) => {
                let overview = EmsOverview {
                    account,
                    subscriptions,
                    fetched_at: now(),
                    stale: None,
                };
                if let Err(error) = self.save(account_id, &overview) {
                    log::warn!("could not cache EMS account {account_id}'s data: {error}");
                }
                Ok(overview)
            }
            Err(error) if unreachable(&error) => match self.load(account_id) {
                Some(cached) => {
                    log::info!("EMS server unreachable; showing cached data of {account_id}");
                    Ok(EmsOverview {
                        stale: Some(format!(
                            "{error} Showing what the server said last; changes wait until it can be reached."
                        )),
                        ..cached
                    })
                }
                None => Err(error),
            },
            Err(error) => Err(error),
        }
    }

    /// Forgets the account's cached data (the account was removed or deleted).
    pub fn forget(&self, account_id: &str) {
        let Some(path) = self.path(account_id) else {
            return;
        };
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => log::warn!("could not remove {}: {e}", path.display()),
        }
    }

    fn save(&self, account_id: &str, overview: &EmsOverview) -> io::Result<()> {
        let path = self
            .path(account_id)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "unusable account id"))?;
        crate::files::private_dir(&self.dir)?;
        let bytes = serde_json::to_vec_pretty(overview).map_err(io::Error::other)?;
        write_atomic(&path, &bytes, || Ok(()))
    }

    /// The account's cached data, when there are any.
    pub(crate) fn load(&self, account_id: &str) -> Option<EmsOverview> {
        let path = self.path(account_id)?;
        let bytes = fs::read(&path).ok()?;
        match serde_json::from_slice::<EmsOverview>(&bytes) {
            Ok(cached) => Some(cached),
            Err(e) => {
                log::warn!("ignoring unreadable EMS cache {}: {e}", path.display());
                None
            }
        }
    }

    /// The account's file; `None` for an id that is not a plain file name (ids are the app's
    /// own, so this only guards against misuse).
    fn path(&self, account_id: &str) -> Option<PathBuf> {
        let plain = !account_id.is_empty()
            && account_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        plain.then(|| self.dir.join(format!("{account_id}.json")))
    }
}

/// Whether `error` means the server could not be reached (or failed), as opposed to refusing.
fn unreachable(error: &EmsApiError) -> bool {
    matches!(
        error,
        EmsApiError::Session(EmsError::Unreachable { .. } | EmsError::Server { .. })
    )
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
