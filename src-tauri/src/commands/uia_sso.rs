//! Confirming a request through single sign-on (user-interactive auth for accounts without a
//! password): start the protected action that way (signing out sessions, deactivating: the core
//! parks the request and opens the homeserver's fallback page), wait for the parked request to
//! be accepted, "I have finished in the browser", and cancel. The UI shows its "Finish in your
//! browser, then continue" prompt meanwhile.

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::matrix::{Confirmation, UiaStep};
use accounts_core::Accounts;
use tauri::State;

use crate::error::IpcError;

/// Signs out other sessions, confirmed through single sign-on in the browser.
#[tauri::command]
pub async fn matrix_delete_devices_sso(
    id: String,
    device_ids: Vec<String>,
    core: State<'_, Accounts>,
) -> Result<UiaStep, IpcError> {
    let confirm = Confirmation::SingleSignOn;
    Ok(core
        .matrix
        .delete_devices(&id, &device_ids, confirm)
        .await?)
}

/// Deactivates the account, confirmed through single sign-on in the browser; once accepted,
/// `uia_sso_finish` removes it from this computer.
#[tauri::command]
pub async fn matrix_deactivate_sso(
    id: String,
    erase: bool,
    core: State<'_, Accounts>,
) -> Result<UiaStep, IpcError> {
    Ok(core
        .matrix
        .deactivate(&id, erase, Confirmation::SingleSignOn)
        .await?)
}

/// Waits until the homeserver accepts the parked request (the user confirmed in the browser),
/// or the user cancels, or it times out; then does what follows on this computer.
#[tauri::command]
pub async fn uia_sso_finish(core: State<'_, Accounts>) -> Result<(), IpcError> {
    Ok(core.matrix.finish_sso_reauth().await?)
}

/// The user has finished in the browser: retry the parked request now.
#[tauri::command]
pub fn uia_sso_done(core: State<'_, Accounts>) {
    core.matrix.sso_reauth_done();
}

/// Gives up the parked request; nothing is changed.
#[tauri::command]
pub fn uia_sso_cancel(core: State<'_, Accounts>) {
    core.matrix.cancel_sso_reauth();
}
