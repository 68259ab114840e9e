//! The Matrix pane's commands: discovery, password sign-in, the account list, sign-out and
//! removal. Each is a call on the core's [`MatrixAccounts`](accounts_core::matrix::MatrixAccounts).

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::matrix::{HomeserverInfo, MatrixAccountView, PasswordSignIn};
use accounts_core::vault::SubscriptionLink;
use accounts_core::Accounts;
use tauri::State;

use crate::error::IpcError;

/// Resolves a server name, Matrix ID or URL to a homeserver and its sign-in methods.
#[tauri::command]
pub async fn matrix_discover(
    input: String,
    core: State<'_, Accounts>,
) -> Result<HomeserverInfo, IpcError> {
    Ok(core.matrix.discover(&input).await?)
}

/// Signs in with a password; `account_id` names an account to sign in again, `subscription`
/// the EMS subscription the sign-in was opened from (kept with the account).
#[tauri::command]
pub async fn matrix_sign_in(
    homeserver: String,
    identifier: String,
    password: String,
    account_id: Option<String>,
    subscription: Option<SubscriptionLink>,
    core: State<'_, Accounts>,
) -> Result<MatrixAccountView, IpcError> {
    let request = PasswordSignIn::new(homeserver, identifier, password, account_id, subscription);
    Ok(core.matrix.sign_in(request).await?)
}

/// Every Matrix account on this computer and where its session stands.
#[tauri::command]
pub fn matrix_accounts(core: State<'_, Accounts>) -> Vec<MatrixAccountView> {
    core.matrix.list()
}

/// Ends the account's session on the server; the account stays, signed out.
#[tauri::command]
pub async fn matrix_sign_out(id: String, core: State<'_, Accounts>) -> Result<(), IpcError> {
    Ok(core.matrix.sign_out(&id).await?)
}

/// Removes the account from this computer: session, store, keyring entries and record.
#[tauri::command]
pub async fn matrix_remove(id: String, core: State<'_, Accounts>) -> Result<(), IpcError> {
    Ok(core.matrix.remove(&id).await?)
}
