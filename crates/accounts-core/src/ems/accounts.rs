//! The EMS accounts on this computer: their sessions, the sign-in in progress, and the
//! registry records that go with them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use ts_rs::TS;
use url::Url;

use super::session::{EmsSession, SessionStatus};
use super::signin::{begin_sign_in, PendingSignIn, DEFAULT_SIGN_IN_TIMEOUT};
use super::EmsError;
use crate::loopback::CancelHandle;
use crate::vault::{self, new_account_id, AccountKind, AccountRecord, AccountRegistry, Vault};

/// Where an EMS account stands, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EmsAccountStatus {
    /// Not checked yet since start-up.
    Checking,
    /// Signed in; the tokens work.
    SignedIn,
    /// Signed out on this computer.
    SignedOut,
    /// The server ended the session; sign in again.
    SignedOutOnServer,
}

/// An EMS account as the UI sees it. Nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EmsAccountView {
    /// The account's id in the registry.
    pub id: String,
    /// The EMS server's issuer URL.
    pub issuer: String,
    /// The account's email.
    pub email: Option<String>,
    /// The account's name.
    pub name: Option<String>,
    /// Where it stands.
    pub status: EmsAccountStatus,
}

/// Every EMS account's session, and the one sign-in that may be in progress.
pub struct EmsAccounts {
    http: reqwest::Client,
    vault: Vault,
    sessions: Mutex<HashMap<String, Arc<EmsSession>>>,
    pending: tokio::sync::Mutex<Option<PendingSignIn>>,
    cancel: Mutex<Option<CancelHandle>>,
}

impl std::fmt::Debug for EmsAccounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmsAccounts").finish_non_exhaustive()
    }
}

impl EmsAccounts {
    /// No sessions yet; they are made from the registry when first needed.
    #[must_use]
    pub fn new(vault: Vault) -> Self {
        Self {
            http: super::http_client(),
            vault,
            sessions: Mutex::new(HashMap::new()),
            pending: tokio::sync::Mutex::new(None),
            cancel: Mutex::new(None),
        }
    }

    /// Starts a sign-in at `issuer` (cancelling any earlier one); returns the URL for the browser.
    pub async fn begin_sign_in(&self, issuer: &str) -> Result<Url, EmsError> {
        self.cancel_sign_in();
        let pending = begin_sign_in(&self.http, issuer, DEFAULT_SIGN_IN_TIMEOUT).await?;
        let url = pending.authorize_url().clone();
        *lock(&self.cancel) = Some(pending.cancel_handle());
        *self.pending.lock().await = Some(pending);
        Ok(url)
    }

    /// Ends the sign-in in progress, if any, with [`EmsError::Cancelled`].
    pub fn cancel_sign_in(&self) {
        if let Some(cancel) = lock(&self.cancel).take() {
            cancel.cancel();
        }
    }

    /// Waits for the sign-in begun by [`Self::begin_sign_in`], then keeps its tokens and record.
    /// Signing in again to an account already here updates that account.
    pub async fn finish_sign_in(
        &self,
        registry: &Mutex<AccountRegistry>,
    ) -> Result<EmsAccountView, EmsError> {
        let pending = self
            .pending
            .lock()
            .await
            .take()
            .ok_or(EmsError::Cancelled)?;
        let result = pending.finish().await;
        lock(&self.cancel).take();
        let (signed_in, provider) = result?;
        let existing = lock(registry)
            .accounts()
            .iter()
            .find(|r| {
                r.kind == AccountKind::Ems
                    && r.server == signed_in.issuer
                    && r.user_id == signed_in.identity.subject
            })
            .map(|r| r.id.clone());
        let id = existing.unwrap_or_else(new_account_id);
        let session = EmsSession::signed_in(
            id.clone(),
            provider,
            signed_in.tokens,
            self.http.clone(),
            self.vault.clone(),
        )
        .await?;
        let record = AccountRecord {
            id: id.clone(),
            kind: AccountKind::Ems,
            server: signed_in.issuer,
            user_id: signed_in.identity.subject,
            display_name: signed_in.identity.name,
            email: signed_in.identity.email,
            subscription: None,
        };
        lock(registry).upsert(record.clone())?;
        lock(&self.sessions).insert(id, Arc::new(session));
        log::info!("signed in to EMS account {}", record.id);
        Ok(self.view(&record))
    }

    /// The session of the EMS account `record`, made on first use.
    fn session(&self, record: &AccountRecord) -> Arc<EmsSession> {
        Arc::clone(
            lock(&self.sessions)
                .entry(record.id.clone())
                .or_insert_with(|| {
                    Arc::new(EmsSession::new(
                        record.id.clone(),
                        record.server.clone(),
                        self.http.clone(),
                        self.vault.clone(),
                    ))
                }),
        )
    }

    fn view(&self, record: &AccountRecord) -> EmsAccountView {
        let status = match self.session(record).status() {
            SessionStatus::SignedIn => EmsAccountStatus::SignedIn,
            SessionStatus::SignedOut => EmsAccountStatus::SignedOut,
            SessionStatus::SignedOutOnServer => EmsAccountStatus::SignedOutOnServer,
            _ => EmsAccountStatus::Checking,
        };
        EmsAccountView {
            id: record.id.clone(),
            issuer: record.server.clone(),
            email: record.email.clone(),
            name: record.display_name.clone(),
            status,
        }
    }

    fn ems_records(registry: &Mutex<AccountRegistry>) -> Vec<AccountRecord> {
        lock(registry)
            .accounts()
            .iter()
            .filter(|r| r.kind == AccountKind::Ems)
            .cloned()
            .collect()
    }

    /// The session of the EMS account `id`, for the control panel.
    pub fn session_of(
        &self,
        id: &str,
        registry: &Mutex<AccountRegistry>,
    ) -> Result<Arc<EmsSession>, EmsError> {
        let record = lock(registry)
            .get(id)
            .filter(|r| r.kind == AccountKind::Ems)
            .cloned()
            .ok_or_else(|| vault::RegistryError::UnknownAccount(id.to_owned()))?;
        Ok(self.session(&record))
    }

    /// Every EMS account and where it stands.
    pub fn list(&self, registry: &Mutex<AccountRegistry>) -> Vec<EmsAccountView> {
        Self::ems_records(registry)
            .iter()
            .map(|r| self.view(r))
            .collect()
    }

    /// Checks every account's tokens (refreshing where due), so the UI shows where each stands.
    /// Run in the background at start-up; failures are recorded in each session's status.
    pub async fn check_all(&self, registry: &Mutex<AccountRegistry>) {
        for record in Self::ems_records(registry) {
            let session = self.session(&record);
            if let Err(error) = session.access_token().await {
                log::info!("EMS account {} is not signed in: {error}", record.id);
            }
        }
    }

    /// Signs the account out (revoking its tokens) and returns where to end the browser session.
    pub async fn sign_out(
        &self,
        id: &str,
        registry: &Mutex<AccountRegistry>,
    ) -> Result<Option<Url>, EmsError> {
        let record = lock(registry)
            .get(id)
            .cloned()
            .ok_or_else(|| vault::RegistryError::UnknownAccount(id.to_owned()))?;
        let url = self.session(&record).sign_out().await?;
        log::info!("signed out of EMS account {id}");
        Ok(url)
    }

    /// Signs out (best effort), then removes the account's keyring entries and record.
    pub async fn remove(
        &self,
        id: &str,
        registry: &Mutex<AccountRegistry>,
    ) -> Result<Option<Url>, EmsError> {
        let url = match self.sign_out(id, registry).await {
            Ok(url) => url,
            Err(error @ (EmsError::Vault(_) | EmsError::Registry(_))) => return Err(error),
            Err(error) => {
                log::warn!("EMS sign-out before removal failed: {error}");
                None
            }
        };
        vault::remove_account(&self.vault, registry, id)
            .await
            .map_err(|e| match e {
                vault::RemoveError::Secrets(v) => EmsError::Vault(v),
                vault::RemoveError::Registry(r) => EmsError::Registry(r),
            })?;
        lock(&self.sessions).remove(id);
        log::info!("removed EMS account {id}");
        Ok(url)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
