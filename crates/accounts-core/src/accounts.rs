//! Every account on this computer, EMS and Matrix, over one registry: what the desktop shell
//! holds, and the decisions that concern both kinds.
//!
//! [`Accounts::open`] builds the account sets over the app's data folder: the registry, the
//! Matrix stores, the EMS cache. Each set keeps its own records; what spans them lives here
//! (removing an account of either kind from the sidebar, restoring everything at start-up).

use std::path::Path;

use crate::bridge::BridgeSlot;
use crate::browser::Opener;
use crate::ems::{EmsAccounts, EmsError};
use crate::error_code::ErrorCode;
use crate::matrix::{AccountCreation, MatrixAccounts, MatrixError, STORES_DIR};
use crate::seats::{
    AdminSessions, AuditLog, SeatSubscription, SeatUserChange, Seats, SeatsError, SeatsTarget,
};
use crate::vault::{self, AccountKind, Registry, RemoveError, Vault};

/// The folder, in the app's data folder, of the EMS accounts' last fetched data.
pub const EMS_CACHE_DIR: &str = "ems-cache";

/// Removing an account failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Removing an EMS account failed.
    #[error(transparent)]
    Ems(#[from] EmsError),
    /// Removing a Matrix account failed.
    #[error(transparent)]
    Matrix(#[from] MatrixError),
    /// Removing an account of another kind failed.
    #[error(transparent)]
    Remove(#[from] RemoveError),
}

/// The EMS and Matrix accounts of this computer, the account being created, and the registry
/// they share.
#[derive(Debug)]
pub struct Accounts {
    /// The account records.
    pub registry: Registry,
    /// Secrets in the OS keyring.
    pub vault: Vault,
    /// The one way addresses reach the system browser.
    pub opener: Opener,
    /// The EMS accounts.
    pub ems: EmsAccounts,
    /// The Matrix accounts.
    pub matrix: MatrixAccounts,
    /// The Matrix account being created, if any.
    pub creation: AccountCreation,
    /// The seats of the hosted homeservers administered from here.
    pub seats: Seats,
    /// The Element One bridge in progress, if any.
    pub(crate) bridge: BridgeSlot,
}

impl Accounts {
    /// The accounts kept in `data_dir` (`None` when the platform names no data folder: every
    /// use then says so), with secrets in `vault`; browser flows go through `opener`.
    #[must_use]
    pub fn open(data_dir: Option<&Path>, vault: Vault, opener: Opener) -> Self {
        let registry = data_dir.map_or_else(
            || Registry::unavailable("the platform names no data folder for the app"),
            Registry::open,
        );
        let dir = data_dir.map(Path::to_path_buf).unwrap_or_default();
        Self {
            ems: EmsAccounts::new(
                vault.clone(),
                registry.clone(),
                opener.clone(),
                dir.join(EMS_CACHE_DIR),
            ),
            matrix: MatrixAccounts::new(
                dir.join(STORES_DIR),
                vault.clone(),
                registry.clone(),
                opener.clone(),
            ),
            creation: AccountCreation::new(),
            seats: Seats::default().with_audit(audit_log(data_dir)),
            bridge: BridgeSlot::default(),
            registry,
            vault,
            opener,
        }
    }

    /// The same accounts, whose Matrix requests also trust `extra_roots` (see
    /// [`MatrixAccounts::trusting`]): for tests, which cannot set the variable in their process.
    #[must_use]
    pub fn trusting(mut self, extra_roots: &[reqwest::Certificate]) -> Self {
        self.matrix = self.matrix.trusting(extra_roots);
        self
    }

    /// Restores every Matrix session and checks every EMS session, side by side; returns when
    /// each has answered. Run in the background at start-up.
    pub async fn restore(&self) {
        tokio::join!(self.matrix.restore_all(), self.ems.check_all());
    }

    /// Uses `seats` (fetching users `page_size` at a time, say) instead of the default.
    #[must_use]
    pub fn with_seats(mut self, seats: Seats) -> Self {
        let audit = self.seats.audit().cloned();
        self.seats = seats.with_audit(audit);
        self
    }

    /// Every hosted homeserver the signed-in EMS accounts pay for, with the Matrix account here
    /// that administers each.
    pub async fn seat_subscriptions(&self) -> Result<Vec<SeatSubscription>, SeatsError> {
        self.seats.subscriptions(&self.ems, &self.matrix).await
    }

    /// The same for the command line: the EMS sessions checked first, and the admins' sessions
    /// from the registry and the keyring (no matrix-sdk store is opened).
    pub async fn stored_seat_subscriptions(&self) -> Result<Vec<SeatSubscription>, SeatsError> {
        self.ems.check_all().await;
        let admins = AdminSessions::Stored {
            vault: &self.vault,
            registry: &self.registry,
            http: self.matrix.sessions().http(),
        };
        self.seats.subscriptions_with(&self.ems, admins).await
    }

    /// Grants or revokes server admin on the subscription's homeserver; revoking the rights of
    /// an account signed in on this computer needs `accept_consequence` (see [`crate::seats::Desk::set_admin`]).
    pub async fn set_seat_admin(
        &self,
        target: &SeatsTarget,
        user_id: &str,
        admin: bool,
        accept_consequence: bool,
    ) -> Result<SeatUserChange, SeatsError> {
        let signed_in_here = self.matrix.list().iter().any(|a| a.user_id == user_id);
        self.seats
            .desk(target)?
            .set_admin(user_id, admin, accept_consequence, signed_in_here)
            .await
    }

    /// Removes the account `id` from this computer, whatever its kind: each kind signs out at
    /// its server first, then its secrets, local data and record go.
    pub async fn remove(&self, id: &str) -> Result<(), AccountError> {
        self.registry.require()?;
        match self.registry.get(id).map(|r| r.kind) {
            Some(AccountKind::Matrix) => self.matrix.remove(id).await?,
            Some(AccountKind::Ems) => self.ems.remove(id).await?,
            None => vault::remove_account(&self.vault, &self.registry, id).await?,
        }
        log::info!("removed account {id}");
        Ok(())
    }
}

/// The seats audit log in the data folder; the app's entries are marked `app`.
fn audit_log(data_dir: Option<&Path>) -> Option<AuditLog> {
    data_dir.map(|dir| AuditLog::in_data_dir(dir, "app"))
}

impl AccountError {
    /// The code the UI branches on: the failed removal's own.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Ems(inner) => inner.code(),
            Self::Matrix(inner) => inner.code(),
            Self::Remove(inner) => inner.code(),
        }
    }
}

impl From<vault::RegistryError> for AccountError {
    fn from(error: vault::RegistryError) -> Self {
        Self::Remove(RemoveError::Registry(error))
    }
}
