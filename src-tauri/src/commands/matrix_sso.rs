//! The Matrix pane's single sign-on commands: start (opens the system browser at the
//! homeserver's SSO for one identity provider), finish (waits for the browser and keeps the
//! session) and cancel. Each is a call on the core's
//! [`MatrixAccounts`](accounts_core::matrix::MatrixAccounts).

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::browser::BrowserHandoff;
use accounts_core::matrix::{MatrixAccountView, SsoSignIn};
use accounts_core::vault::SubscriptionLink;
use accounts_core::Accounts;
use tauri::State;

use crate::error::IpcError;

/// Starts single sign-on at `homeserver` with the identity provider `idp_id` (or the server's
/// own choice when `None`); `account_id` names an account to sign in again, `subscription` the
/// EMS subscription the sign-in was opened from (kept with the account).
#[tauri::command]
pub async fn matrix_sso_start(
    homeserver: String,
    idp_id: Option<String>,
    account_id: Option<String>,
    subscription: Option<SubscriptionLink>,
    core: State<'_, Accounts>,
) -> Result<BrowserHandoff, IpcError> {
    let request = SsoSignIn::new(homeserver, idp_id, account_id, subscription);
    Ok(core.matrix.begin_sso_sign_in(request).await?)
}

/// Waits for the browser to come back from single sign-on and keeps the new session.
#[tauri::command]
pub async fn matrix_sso_finish(core: State<'_, Accounts>) -> Result<MatrixAccountView, IpcError> {
    Ok(core.matrix.finish_sso_sign_in().await?)
}

/// Gives up the single sign-on in progress; nothing is kept.
#[tauri::command]
pub fn matrix_sso_cancel(core: State<'_, Accounts>) {
    core.matrix.cancel_sso_sign_in();
}
