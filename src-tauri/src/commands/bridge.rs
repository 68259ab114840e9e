//! The Element One sign-in: one sign-in at the EMS identity provider covers the EMS account
//! and the Element One Matrix account (start, finish, cancel). Each is a call on the core's
//! bridge, and which Element One account a Matrix account is (signing it in again starts the
//! bridge).

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::bridge::{ElementOne, ElementOneSignedIn, DEFAULT_BRIDGE_TIMEOUT};
use accounts_core::browser::BrowserHandoff;
use accounts_core::vault::SubscriptionLink;
use accounts_core::Accounts;
use tauri::State;

use crate::error::IpcError;

/// Opens the system browser at the EMS sign-in for the Element One account at `homeserver`
/// (`idp_id`: its identity provider for this EMS, or its only one; `matrix_id`: the account the
/// subscription names; `subscription`: kept with the Matrix account). With no `homeserver`,
/// the EMS account's Element One subscription names all of them once EMS is signed in.
#[tauri::command]
pub async fn element_one_sign_in_start(
    issuer: String,
    homeserver: Option<String>,
    idp_id: Option<String>,
    matrix_id: Option<String>,
    subscription: Option<SubscriptionLink>,
    core: State<'_, Accounts>,
) -> Result<BrowserHandoff, IpcError> {
    let target = ElementOne::new(issuer, homeserver, idp_id, matrix_id, subscription);
    Ok(core
        .start_element_one(target, DEFAULT_BRIDGE_TIMEOUT)
        .await?)
}

/// Waits for both legs in the browser; resolves with both accounts.
#[tauri::command]
pub async fn element_one_sign_in_finish(
    core: State<'_, Accounts>,
) -> Result<ElementOneSignedIn, IpcError> {
    let (ems, matrix) = core.finish_element_one().await?;
    Ok(ElementOneSignedIn { ems, matrix })
}

/// Gives up the Element One sign-in in progress.
#[tauri::command]
pub fn element_one_sign_in_cancel(core: State<'_, Accounts>) {
    core.cancel_element_one();
}

/// The Element One account that the Matrix account `account_id` is, when it is one: signing it
/// in again then starts the Element One sign-in for it instead of the homeserver's own.
#[tauri::command]
pub async fn element_one_of_matrix_account(
    account_id: String,
    core: State<'_, Accounts>,
) -> Result<Option<ElementOne>, IpcError> {
    core.registry.require()?;
    Ok(core.element_one_of(&account_id).await)
}
