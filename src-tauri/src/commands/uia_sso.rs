//! Confirming a request through single sign-on (user-interactive auth for accounts without a
//! password): wait for the parked request to be accepted, "I have finished in the browser", and
//! cancel. A command whose request needs it parks it with
//! [`MatrixAccounts::park_sso_reauth`], opens the returned fallback page with
//! [`crate::browser::open`] and tells the UI, which then shows its "Finish in your browser, then
//! continue" prompt and calls these.

use accounts_core::matrix::MatrixAccounts;
use tauri::State;

use crate::error::IpcError;

/// Waits until the homeserver accepts the parked request (the user confirmed in the browser),
/// or the user cancels, or it times out.
#[tauri::command]
pub async fn uia_sso_finish(matrix: State<'_, MatrixAccounts>) -> Result<(), IpcError> {
    matrix.finish_sso_reauth().await.map_err(|error| {
        log::info!("SSO re-authentication did not complete: {error}");
        IpcError::from(error)
    })
}

/// The user has finished in the browser: retry the parked request now.
#[tauri::command]
pub fn uia_sso_done(matrix: State<'_, MatrixAccounts>) {
    matrix.sso_reauth_done();
}

/// Gives up the parked request; nothing is changed.
#[tauri::command]
pub fn uia_sso_cancel(matrix: State<'_, MatrixAccounts>) {
    matrix.cancel_sso_reauth();
}
