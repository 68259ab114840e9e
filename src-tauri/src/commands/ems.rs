//! The EMS pane's commands: sign-in in the system browser (start, finish, cancel), the account
//! list, sign-out and removal, and the control panel (account, billing, subscriptions). Each maps
//! onto [`EmsAccounts`] or [`EmsControlPanel`] and its errors onto [`IpcError`].

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use std::sync::Mutex;

use accounts_core::browser::{BrowserHandoff, Opener};
use accounts_core::ems::{
    DeletionView, EmsAccountView, EmsAccounts, EmsCache, EmsControlPanel, EmsDeletions, EmsOverview,
};
use accounts_core::vault::AccountRegistry;
use ems_api::{Account, AccountDetails, BillingAddress, NewSubscription, Subscription};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use super::registry_ready as ready;
use crate::error::IpcError;
use crate::{AppState, RegistryState};

/// A sign-in waiting for the browser.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EmsSignInStarted {
    /// The address the browser was sent to (shown for copying when it could not be opened).
    pub authorize_url: String,
    /// Why the browser could not be opened, if it could not.
    pub browser_error: Option<String>,
}

impl From<BrowserHandoff> for EmsSignInStarted {
    fn from(handoff: BrowserHandoff) -> Self {
        Self {
            authorize_url: handoff.url,
            browser_error: handoff.browser_error,
        }
    }
}

/// Discovers the EMS server and opens the system browser at its sign-in page.
#[tauri::command]
pub async fn ems_sign_in_start(
    issuer: String,
    state: State<'_, AppState>,
    ems: State<'_, EmsAccounts>,
) -> Result<EmsSignInStarted, IpcError> {
    let url = ems.begin_sign_in(&issuer).await.map_err(|error| {
        log::info!("EMS sign-in could not start: {error}");
        IpcError::from(error)
    })?;
    let handoff = state
        .opener
        .hand_off(&url)
        .inspect_err(|_| ems.cancel_sign_in())?;
    Ok(handoff.into())
}

/// Waits for the browser to come back and keeps the new session.
#[tauri::command]
pub async fn ems_sign_in_finish(
    ems: State<'_, EmsAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<EmsAccountView, IpcError> {
    let registry = ready(registry.inner())?;
    ems.finish_sign_in(registry).await.map_err(|error| {
        log::info!("EMS sign-in did not complete: {error}");
        IpcError::from(error)
    })
}

/// Gives up the sign-in in progress.
#[tauri::command]
pub fn ems_sign_in_cancel(ems: State<'_, EmsAccounts>) {
    ems.cancel_sign_in();
}

/// Every EMS account on this computer and where it stands.
#[tauri::command]
pub fn ems_accounts(
    ems: State<'_, EmsAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<Vec<EmsAccountView>, IpcError> {
    Ok(ems.list(ready(registry.inner())?))
}

/// Signs out: revokes the tokens and ends the browser session at the server.
#[tauri::command]
pub async fn ems_sign_out(
    id: String,
    state: State<'_, AppState>,
    ems: State<'_, EmsAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<(), IpcError> {
    let end_session = ems.sign_out(&id, ready(registry.inner())?).await?;
    end_browser_session(&state.opener, end_session.as_ref());
    Ok(())
}

/// Signs out and removes the account from this computer (keyring entries and record).
#[tauri::command]
pub async fn ems_remove(
    id: String,
    state: State<'_, AppState>,
    ems: State<'_, EmsAccounts>,
    cache: State<'_, EmsCache>,
    registry: State<'_, RegistryState>,
) -> Result<(), IpcError> {
    forget(&id, &state.opener, &ems, &cache, ready(registry.inner())?).await
}

/// Signs the account out, removes it from this computer with its cached data, and ends the
/// browser session (shared by the EMS pane and the sidebar).
pub(crate) async fn forget(
    id: &str,
    opener: &Opener,
    ems: &EmsAccounts,
    cache: &EmsCache,
    registry: &Mutex<AccountRegistry>,
) -> Result<(), IpcError> {
    let end_session = ems.remove(id, registry).await?;
    cache.forget(id);
    end_browser_session(opener, end_session.as_ref());
    Ok(())
}

/// Best effort: the tokens are already revoked; the browser session only spares a password.
pub(crate) fn end_browser_session(opener: &Opener, url: Option<&url::Url>) {
    if let Some(url) = url {
        if let Err(error) = opener.open(url) {
            log::warn!("could not open the browser to end the EMS session: {error}");
        }
    }
}

/// The control panel of the signed-in EMS account `id`.
fn control_panel(
    id: &str,
    ems: &EmsAccounts,
    registry: &RegistryState,
) -> Result<EmsControlPanel, IpcError> {
    Ok(EmsControlPanel::new(ems.session_of(id, ready(registry)?)?))
}

/// The EMS account's details, billing address, masked payment method and subscriptions; the
/// last ones fetched, marked stale, when the server cannot be reached.
#[tauri::command]
pub async fn ems_overview(
    id: String,
    ems: State<'_, EmsAccounts>,
    cache: State<'_, EmsCache>,
    registry: State<'_, RegistryState>,
) -> Result<EmsOverview, IpcError> {
    let panel = control_panel(&id, &ems, &registry)?;
    Ok(cache.overview(&id, &panel).await?)
}

/// Replaces the personal and company details.
#[tauri::command]
pub async fn ems_update_details(
    id: String,
    details: AccountDetails,
    ems: State<'_, EmsAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<Account, IpcError> {
    Ok(control_panel(&id, &ems, &registry)?
        .update_details(&details)
        .await?)
}

/// Replaces the billing address.
#[tauri::command]
pub async fn ems_update_billing_address(
    id: String,
    address: BillingAddress,
    ems: State<'_, EmsAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<BillingAddress, IpcError> {
    Ok(control_panel(&id, &ems, &registry)?
        .update_billing_address(&address)
        .await?)
}

/// Creates a subscription.
#[tauri::command]
pub async fn ems_create_subscription(
    id: String,
    subscription: NewSubscription,
    ems: State<'_, EmsAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<Subscription, IpcError> {
    Ok(control_panel(&id, &ems, &registry)?
        .create_subscription(&subscription)
        .await?)
}

/// Raises a subscription's seats.
#[tauri::command]
pub async fn ems_raise_seats(
    id: String,
    subscription_id: String,
    seats: u32,
    ems: State<'_, EmsAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<Subscription, IpcError> {
    Ok(control_panel(&id, &ems, &registry)?
        .raise_seats(&subscription_id, seats)
        .await?)
}

/// Cancels a subscription.
#[tauri::command]
pub async fn ems_cancel_subscription(
    id: String,
    subscription_id: String,
    ems: State<'_, EmsAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<Subscription, IpcError> {
    Ok(control_panel(&id, &ems, &registry)?
        .cancel_subscription(&subscription_id)
        .await?)
}

/// What deleting the EMS account removes, including the Matrix accounts here on its hosts. The
/// server's confirmation stays in Rust until [`ems_delete_account`].
#[tauri::command]
pub async fn ems_deletion_preview(
    id: String,
    ems: State<'_, EmsAccounts>,
    deletions: State<'_, EmsDeletions>,
    registry: State<'_, RegistryState>,
) -> Result<DeletionView, IpcError> {
    let panel = control_panel(&id, &ems, &registry)?;
    Ok(deletions
        .preview(&id, &panel, ready(registry.inner())?)
        .await?)
}

/// Deletes the EMS account at the server once `email` (typed by the user) matches, then
/// forgets it on this computer.
#[tauri::command]
pub async fn ems_delete_account(
    id: String,
    email: String,
    ems: State<'_, EmsAccounts>,
    deletions: State<'_, EmsDeletions>,
    cache: State<'_, EmsCache>,
    registry: State<'_, RegistryState>,
) -> Result<(), IpcError> {
    let panel = control_panel(&id, &ems, &registry)?;
    deletions.delete(&id, &email, &panel).await?;
    log::info!("deleted EMS account {id} at the server");
    // The server revoked the tokens with the account: removal's sign-out fails quietly.
    ems.remove(&id, ready(registry.inner())?).await?;
    cache.forget(&id);
    Ok(())
}
