//! The Matrix pane's OAuth 2.0 sign-in commands, for homeservers that delegate their sign-in:
//! start (opens the system browser at the authorization server, its sign-up page with
//! `create_account`), finish (waits for the browser and keeps the session) and cancel; and the
//! account management such a server delegates to its authorization server (the actions it
//! serves, and opening one in the browser). Each is a call on the core's
//! [`MatrixAccounts`](accounts_core::matrix::MatrixAccounts).

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::browser::BrowserHandoff;
use accounts_core::matrix::{AccountManagement, MatrixAccountView, OAuthSignIn};
use accounts_core::vault::SubscriptionLink;
use accounts_core::Accounts;
use tauri::State;

use crate::error::IpcError;

/// Starts an OAuth 2.0 sign-in at `homeserver` (a new account there with `create_account`);
/// `account_id` names an account to sign in again, `subscription` the EMS subscription the
/// sign-in was opened from (kept with the account); `admin` asks for the Admin API too (the
/// Seats pane's admin sign-in).
#[tauri::command]
pub async fn matrix_oauth_start(
    homeserver: String,
    create_account: bool,
    account_id: Option<String>,
    subscription: Option<SubscriptionLink>,
    admin: bool,
    core: State<'_, Accounts>,
) -> Result<BrowserHandoff, IpcError> {
    let request =
        OAuthSignIn::new(homeserver, create_account, account_id, subscription).as_admin(admin);
    Ok(core.matrix.begin_oauth_sign_in(request).await?)
}

/// Waits for the browser to come back from the authorization server and keeps the new session.
#[tauri::command]
pub async fn matrix_oauth_finish(core: State<'_, Accounts>) -> Result<MatrixAccountView, IpcError> {
    Ok(core.matrix.finish_oauth_sign_in().await?)
}

/// Gives up the OAuth 2.0 sign-in in progress; nothing is kept.
#[tauri::command]
pub fn matrix_oauth_cancel(core: State<'_, Accounts>) {
    core.matrix.cancel_oauth_sign_in();
}

/// Where the account's homeserver delegates account management, or `null` when it does not.
#[tauri::command]
pub async fn matrix_account_management(
    id: String,
    core: State<'_, Accounts>,
) -> Result<Option<AccountManagement>, IpcError> {
    Ok(core.matrix.account_management(&id).await?)
}

/// Opens the account-management page for `action` (with `device_id` for a session's own
/// actions) in the system browser, or hands the address back to be copied.
#[tauri::command]
pub async fn matrix_account_manage_open(
    id: String,
    action: String,
    device_id: Option<String>,
    core: State<'_, Accounts>,
) -> Result<BrowserHandoff, IpcError> {
    Ok(core
        .matrix
        .open_account_management(&id, &action, device_id.as_deref())
        .await?)
}
