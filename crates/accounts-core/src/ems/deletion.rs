//! Deleting an EMS account: the server's preview of every subscription and host that goes, the
//! Matrix accounts on this computer that live on those hosts, then a typed confirmation of the
//! account's email.
//!
//! The server's confirmation token stays here, keyed by account: the UI sees the preview and
//! sends back only the email the user typed. Removing the local records afterwards is the
//! caller's (the tokens die with the account on the server).

use std::collections::HashMap;
use std::sync::Mutex;

use ems_api::{DeletionReport, Host, Subscription};
use serde::Serialize;
use ts_rs::TS;

use super::{EmsApiError, EmsControlPanel};
use crate::vault::{AccountKind, Registry};

/// What deleting an EMS account removes, as the UI shows it before asking for the email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeletionView {
    /// The email the user must type to confirm.
    pub email: String,
    /// Every subscription, in any status.
    pub subscriptions: Vec<Subscription>,
    /// Every hosted homeserver that is taken down.
    pub hosts: Vec<Host>,
    /// The Matrix accounts on this computer whose homeserver is one of `hosts` (their user IDs).
    pub matrix_accounts: Vec<String>,
    /// When the preview expires (Unix seconds): preview again after that.
    #[ts(type = "number")]
    pub expires_at: i64,
}

struct Pending {
    email: String,
    confirmation_token: String,
}

/// The previews waiting for their typed confirmation, one per EMS account.
#[derive(Default)]
pub struct EmsDeletions {
    pending: Mutex<HashMap<String, Pending>>,
}

crate::debug_fields!(EmsDeletions);

impl EmsDeletions {
    /// Asks the server what deleting `account_id`'s EMS account removes and keeps the
    /// confirmation for [`Self::delete`].
    pub async fn preview(
        &self,
        account_id: &str,
        panel: &EmsControlPanel,
        registry: &Registry,
    ) -> Result<DeletionView, EmsApiError> {
        let account = panel.account().await?;
        let preview = panel.deletion_preview().await?;
        let matrix_accounts = matrix_accounts_on(&preview.hosts, registry);
        self.lock().insert(
            account_id.to_owned(),
            Pending {
                email: account.email.clone(),
                confirmation_token: preview.confirmation_token,
            },
        );
        Ok(DeletionView {
            email: account.email,
            subscriptions: preview.subscriptions,
            hosts: preview.hosts,
            matrix_accounts,
            expires_at: preview.expires_at,
        })
    }

    /// Deletes the EMS account previewed last, if `typed_email` is its email.
    pub async fn delete(
        &self,
        account_id: &str,
        typed_email: &str,
        panel: &EmsControlPanel,
    ) -> Result<DeletionReport, EmsApiError> {
        let token = {
            let pending = self.lock();
            let entry = pending.get(account_id).ok_or(EmsApiError::NotPreviewed)?;
            if !entry.email.eq_ignore_ascii_case(typed_email.trim()) {
                return Err(EmsApiError::EmailMismatch);
            }
            entry.confirmation_token.clone()
        };
        let report = panel.delete_account(&token).await?;
        self.lock().remove(account_id);
        Ok(report)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The user IDs of the Matrix accounts in `registry` whose homeserver is one of `hosts`.
#[must_use]
pub fn matrix_accounts_on(hosts: &[Host], registry: &Registry) -> Vec<String> {
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    registry
        .of_kind(AccountKind::Matrix)
        .into_iter()
        .filter(|r| hosts.iter().any(|h| same(&h.homeserver_url, &r.server)))
        .map(|r| r.user_id)
        .collect()
}
