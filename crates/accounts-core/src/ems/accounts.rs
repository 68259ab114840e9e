//! The EMS accounts on this computer: their sessions, the sign-in in progress, and the
//! registry records that go with them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use ts_rs::TS;
use url::Url;

use super::cache::{EmsCache, EmsOverview};
use super::deletion::{DeletionView, EmsDeletions};
use super::session::{EmsSession, SessionStatus};
use super::signin::{begin_sign_in, PendingSignIn, SignedIn, DEFAULT_SIGN_IN_TIMEOUT};
use super::{EmsApiError, EmsControlPanel, EmsError};
use crate::browser::{BrowserHandoff, Opener};
use crate::flow::FlowSlot;
use crate::vault::{self, new_account_id, AccountKind, AccountRecord, Registry, Vault};

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

/// Every EMS account's session, the one sign-in that may be in progress, their records in the
/// shared registry, the cache of what each account's server said last, and the deletions
/// waiting for their typed confirmation.
pub struct EmsAccounts {
    http: reqwest::Client,
    vault: Vault,
    registry: Registry,
    opener: Opener,
    cache: EmsCache,
    deletions: EmsDeletions,
    sessions: Mutex<HashMap<String, Arc<EmsSession>>>,
    sign_in: FlowSlot<PendingSignIn>,
}

crate::debug_fields!(EmsAccounts);

impl EmsAccounts {
    /// No sessions yet; they are made from the registry when first needed. Each account's last
    /// fetched data are cached under `cache_dir`.
    #[must_use]
    pub fn new(vault: Vault, registry: Registry, opener: Opener, cache_dir: PathBuf) -> Self {
        Self {
            http: super::http_client(),
            vault,
            registry,
            opener,
            cache: EmsCache::new(cache_dir),
            deletions: EmsDeletions::default(),
            sessions: Mutex::new(HashMap::new()),
            sign_in: FlowSlot::default(),
        }
    }

    /// Starts a sign-in at `issuer` (cancelling any earlier one) and opens the system browser
    /// at its authorization page, or hands the address back to be copied.
    pub async fn start_sign_in(&self, issuer: &str) -> Result<BrowserHandoff, EmsError> {
        self.sign_in.cancel();
        let pending = begin_sign_in(&self.http, issuer, DEFAULT_SIGN_IN_TIMEOUT).await?;
        let (url, cancel) = (pending.authorize_url().clone(), pending.cancel_handle());
        Ok(self.sign_in.open(pending, cancel, &url, &self.opener)?)
    }

    /// Ends the sign-in in progress, if any, with [`EmsError::Cancelled`].
    pub fn cancel_sign_in(&self) {
        self.sign_in.cancel();
    }

    /// Waits for the sign-in begun by [`Self::start_sign_in`], then keeps its tokens and record.
    /// Signing in again to an account already here updates that account.
    pub async fn finish_sign_in(&self) -> Result<EmsAccountView, EmsError> {
        self.registry.require()?;
        let result = self
            .sign_in
            .run(PendingSignIn::finish)
            .await
            .ok_or(EmsError::Cancelled)?;
        let (signed_in, provider) = result?;
        self.keep(signed_in, provider).await
    }

    /// Keeps a completed sign-in: its session, tokens and record.
    pub(crate) async fn keep(
        &self,
        signed_in: SignedIn,
        provider: super::EmsProvider,
    ) -> Result<EmsAccountView, EmsError> {
        let existing = self
            .registry
            .of_kind(AccountKind::Ems)
            .into_iter()
            .find(|r| r.server == signed_in.issuer && r.user_id == signed_in.identity.subject)
            .map(|r| r.id);
        let id = existing.unwrap_or_else(new_account_id);
        let session = EmsSession::signed_in(
            id.clone(),
            provider,
            signed_in.tokens,
            self.http.clone(),
            self.vault.clone(),
        )
        .await?
        .sharing_tokens_in(self.registry.data_dir());
        let record = AccountRecord {
            id: id.clone(),
            kind: AccountKind::Ems,
            server: signed_in.issuer,
            user_id: signed_in.identity.subject,
            display_name: signed_in.identity.name,
            email: signed_in.identity.email,
            subscription: None,
        };
        self.registry.update(|r| r.upsert(record.clone()))?;
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
                    Arc::new(
                        EmsSession::new(
                            record.id.clone(),
                            record.server.clone(),
                            self.http.clone(),
                            self.vault.clone(),
                        )
                        .sharing_tokens_in(self.registry.data_dir()),
                    )
                }),
        )
    }

    fn view(&self, record: &AccountRecord) -> EmsAccountView {
        let status = match self.session(record).status() {
            SessionStatus::SignedIn => EmsAccountStatus::SignedIn,
            SessionStatus::SignedOut => EmsAccountStatus::SignedOut,
            SessionStatus::SignedOutOnServer => EmsAccountStatus::SignedOutOnServer,
            SessionStatus::Unknown => EmsAccountStatus::Checking,
        };
        EmsAccountView {
            id: record.id.clone(),
            issuer: record.server.clone(),
            email: record.email.clone(),
            name: record.display_name.clone(),
            status,
        }
    }

    /// The session of the EMS account `id`, for the control panel.
    pub fn session_of(&self, id: &str) -> Result<Arc<EmsSession>, EmsError> {
        let record = self.registry.require_kind(id, AccountKind::Ems)?;
        Ok(self.session(&record))
    }

    /// The control panel of the EMS account `id`.
    pub fn control_panel(&self, id: &str) -> Result<EmsControlPanel, EmsError> {
        Ok(EmsControlPanel::new(self.session_of(id)?))
    }

    /// The HTTP client of EMS requests, shared so that its connections are reused.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Every EMS account and where it stands.
    #[must_use]
    pub fn list(&self) -> Vec<EmsAccountView> {
        self.registry
            .of_kind(AccountKind::Ems)
            .iter()
            .map(|r| self.view(r))
            .collect()
    }

    /// The account signed in at `issuer`, if there is one.
    #[must_use]
    pub fn signed_in_at(&self, issuer: &str) -> Option<EmsAccountView> {
        let same = |a: &str| a.trim_end_matches('/') == issuer.trim().trim_end_matches('/');
        self.list()
            .into_iter()
            .find(|a| a.status == EmsAccountStatus::SignedIn && same(&a.issuer))
    }

    /// Checks every account's tokens (refreshing where due), so the UI shows where each stands.
    /// Run in the background at start-up; failures are recorded in each session's status.
    pub async fn check_all(&self) {
        for record in self.registry.of_kind(AccountKind::Ems) {
            let session = self.session(&record);
            if let Err(error) = session.access_token().await {
                log::info!("EMS account {} is not signed in: {error}", record.id);
            }
        }
    }

    /// The account's details, billing and subscriptions; the last ones fetched, marked stale,
    /// when the server cannot be reached.
    pub async fn overview(&self, id: &str) -> Result<EmsOverview, EmsApiError> {
        let panel = self.control_panel(id)?;
        self.cache.overview(id, &panel).await
    }

    /// The account's subscriptions as its server names them now, or as it named them last (the
    /// cache) when it cannot say: a signed-out account's server refuses, yet what it sold stays
    /// known. Empty when neither is there.
    pub async fn last_known_subscriptions(&self, id: &str) -> Vec<ems_api::Subscription> {
        match self.overview(id).await {
            Ok(overview) => overview.subscriptions,
            Err(error) => {
                log::info!("the subscriptions of EMS account {id} come from the cache: {error}");
                self.cache
                    .load(id)
                    .map(|cached| cached.subscriptions)
                    .unwrap_or_default()
            }
        }
    }

    /// What deleting the EMS account `id` removes, including the Matrix accounts here on its
    /// hosts; the server's confirmation stays here until [`Self::delete_account`].
    pub async fn deletion_preview(&self, id: &str) -> Result<DeletionView, EmsApiError> {
        let panel = self.control_panel(id)?;
        self.deletions.preview(id, &panel, &self.registry).await
    }

    /// Deletes the EMS account `id` at the server once `typed_email` matches (the server deletes
    /// every host and subscription first), then forgets it on this computer.
    pub async fn delete_account(&self, id: &str, typed_email: &str) -> Result<(), EmsApiError> {
        let panel = self.control_panel(id)?;
        self.deletions.delete(id, typed_email, &panel).await?;
        log::info!("deleted EMS account {id} at the server");
        // The server revoked the tokens and ended its sessions with the account: removal's
        // sign-out fails quietly, and there is no browser session left to end.
        self.forget(id).await?;
        Ok(())
    }

    /// Signs the account out (revoking its tokens) and sends the browser to end its session at
    /// the server (best effort: the tokens are already revoked; that only spares a password).
    pub async fn sign_out(&self, id: &str) -> Result<(), EmsError> {
        let url = self.revoke(id).await?;
        self.end_browser_session(url.as_ref());
        Ok(())
    }

    async fn revoke(&self, id: &str) -> Result<Option<Url>, EmsError> {
        let record = self.registry.require_kind(id, AccountKind::Ems)?;
        let url = self.session(&record).sign_out().await?;
        log::info!("signed out of EMS account {id}");
        Ok(url)
    }

    fn end_browser_session(&self, url: Option<&Url>) {
        if let Some(url) = url {
            if let Err(error) = self.opener.open(url) {
                log::warn!("could not open the browser to end the EMS session: {error}");
            }
        }
    }

    /// Signs out (best effort), then removes the account's keyring entries, record and cached
    /// data, and ends the browser session at the server.
    pub async fn remove(&self, id: &str) -> Result<(), EmsError> {
        let url = self.forget(id).await?;
        self.end_browser_session(url.as_ref());
        Ok(())
    }

    /// Signs out (best effort) and removes the account's keyring entries, record and cached
    /// data; returns where the browser session at the server would be ended.
    async fn forget(&self, id: &str) -> Result<Option<Url>, EmsError> {
        let url = match self.revoke(id).await {
            Ok(url) => url,
            Err(error @ (EmsError::Vault(_) | EmsError::Registry(_))) => return Err(error),
            Err(error) => {
                log::warn!("EMS sign-out before removal failed: {error}");
                None
            }
        };
        vault::remove_account(&self.vault, &self.registry, id)
            .await
            .map_err(|e| match e {
                vault::RemoveError::Secrets(v) => EmsError::Vault(v),
                vault::RemoveError::Registry(r) => EmsError::Registry(r),
            })?;
        lock(&self.sessions).remove(id);
        self.cache.forget(id);
        log::info!("removed EMS account {id}");
        Ok(url)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
