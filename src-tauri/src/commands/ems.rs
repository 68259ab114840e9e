//! The EMS pane's commands: sign-in in the system browser (start, finish, cancel), the account
//! list, sign-out and removal, and the control panel (account, billing, subscriptions,
//! deletion). Each is a call on the core's [`EmsAccounts`].

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::browser::BrowserHandoff;
use accounts_core::ems::{DeletionView, EmsAccountView, EmsOverview};
use accounts_core::matrix::MatrixAccountView;
use accounts_core::Accounts;
use ems_api::{Account, AccountDetails, BillingAddress, NewSubscription, Subscription};
use tauri::State;

use crate::error::IpcError;

/// Discovers the EMS server and opens the system browser at its sign-in page.
#[tauri::command]
pub async fn ems_sign_in_start(
    issuer: String,
    core: State<'_, Accounts>,
) -> Result<BrowserHandoff, IpcError> {
    Ok(core.ems.start_sign_in(&issuer).await?)
}

/// Waits for the browser to come back and keeps the new session.
#[tauri::command]
pub async fn ems_sign_in_finish(core: State<'_, Accounts>) -> Result<EmsAccountView, IpcError> {
    Ok(core.ems.finish_sign_in().await?)
}

/// Gives up the sign-in in progress.
#[tauri::command]
pub fn ems_sign_in_cancel(core: State<'_, Accounts>) {
    core.ems.cancel_sign_in();
}

/// Every EMS account on this computer and where it stands.
#[tauri::command]
pub fn ems_accounts(core: State<'_, Accounts>) -> Result<Vec<EmsAccountView>, IpcError> {
    core.registry.require()?;
    Ok(core.ems.list())
}

/// Signs out: revokes the tokens and ends the browser session at the server; with
/// `with_bridged`, signs out of the Matrix accounts its Element One subscriptions bridge too.
#[tauri::command]
pub async fn ems_sign_out(
    id: String,
    with_bridged: bool,
    core: State<'_, Accounts>,
) -> Result<(), IpcError> {
    Ok(core.sign_out_ems(&id, with_bridged).await?)
}

/// The Matrix accounts on this computer that the EMS account's Element One subscriptions
/// bridge: signing out of EMS asks about them.
#[tauri::command]
pub async fn ems_bridged_accounts(
    id: String,
    core: State<'_, Accounts>,
) -> Result<Vec<MatrixAccountView>, IpcError> {
    core.registry.require()?;
    Ok(core.bridged_matrix(&id).await)
}

/// Signs out and removes the account from this computer (keyring entries, record, cache).
#[tauri::command]
pub async fn ems_remove(id: String, core: State<'_, Accounts>) -> Result<(), IpcError> {
    Ok(core.ems.remove(&id).await?)
}

/// The EMS account's details, billing address, masked payment method and subscriptions; the
/// last ones fetched, marked stale, when the server cannot be reached.
#[tauri::command]
pub async fn ems_overview(id: String, core: State<'_, Accounts>) -> Result<EmsOverview, IpcError> {
    Ok(core.ems.overview(&id).await?)
}

/// Replaces the personal and company details.
#[tauri::command]
pub async fn ems_update_details(
    id: String,
    details: AccountDetails,
    core: State<'_, Accounts>,
) -> Result<Account, IpcError> {
    Ok(core
        .ems
        .control_panel(&id)?
        .update_details(&details)
        .await?)
}

/// Replaces the billing address.
#[tauri::command]
pub async fn ems_update_billing_address(
    id: String,
    address: BillingAddress,
    core: State<'_, Accounts>,
) -> Result<BillingAddress, IpcError> {
    let panel = core.ems.control_panel(&id)?;
    Ok(panel.update_billing_address(&address).await?)
}

/// Creates a subscription.
#[tauri::command]
pub async fn ems_create_subscription(
    id: String,
    subscription: NewSubscription,
    core: State<'_, Accounts>,
) -> Result<Subscription, IpcError> {
    let panel = core.ems.control_panel(&id)?;
    Ok(panel.create_subscription(&subscription).await?)
}

/// Raises a subscription's seats.
#[tauri::command]
pub async fn ems_raise_seats(
    id: String,
    subscription_id: String,
    seats: u32,
    core: State<'_, Accounts>,
) -> Result<Subscription, IpcError> {
    let panel = core.ems.control_panel(&id)?;
    Ok(panel.raise_seats(&subscription_id, seats).await?)
}

/// Cancels a subscription.
#[tauri::command]
pub async fn ems_cancel_subscription(
    id: String,
    subscription_id: String,
    core: State<'_, Accounts>,
) -> Result<Subscription, IpcError> {
    let panel = core.ems.control_panel(&id)?;
    Ok(panel.cancel_subscription(&subscription_id).await?)
}

/// What deleting the EMS account removes, including the Matrix accounts here on its hosts. The
/// server's confirmation stays in Rust until [`ems_delete_account`].
#[tauri::command]
pub async fn ems_deletion_preview(
    id: String,
    core: State<'_, Accounts>,
) -> Result<DeletionView, IpcError> {
    Ok(core.ems.deletion_preview(&id).await?)
}

/// Deletes the EMS account at the server once `email` (typed by the user) matches, then
/// forgets it on this computer.
#[tauri::command]
pub async fn ems_delete_account(
    id: String,
    email: String,
    core: State<'_, Accounts>,
) -> Result<(), IpcError> {
    Ok(core.ems.delete_account(&id, &email).await?)
}
