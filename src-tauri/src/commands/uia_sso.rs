//! Confirming a request through single sign-on (user-interactive auth for accounts without a
//! password): start the protected action that way (signing out sessions, deactivating: the
//! request is parked and the homeserver's fallback page opened with the core's opener),
//! wait for the parked request to be accepted, "I have finished in the browser", and cancel.
//! The UI shows its "Finish in your browser, then continue" prompt meanwhile.

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::browser::Opener;
use accounts_core::matrix::{MatrixAccounts, SsoStart};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use super::registry_ready as ready;
use crate::error::IpcError;
use crate::{AppState, RegistryState};

/// How an action confirmed through single sign-on started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum UiaSsoStep {
    /// The server did it without asking for a confirmation.
    Done,
    /// The request waits for the user in the browser: show the prompt, then `uia_sso_finish`.
    Browser {
        /// The homeserver's confirmation page (shown for copying when it could not be opened).
        /// It holds no secret: the UIA session id only ties the confirmation to the request.
        url: String,
        /// Why the browser could not be opened, if it could not.
        browser_error: Option<String>,
    },
}

/// Opens the confirmation page of a started action, if it has one. A refused address gives
/// the parked request up, so nothing waits on a page that was never shown.
fn opened(
    opener: &Opener,
    matrix: &MatrixAccounts,
    start: SsoStart,
) -> Result<UiaSsoStep, IpcError> {
    match start {
        SsoStart::Done => Ok(UiaSsoStep::Done),
        SsoStart::Browser(url) => {
            let handoff = opener
                .hand_off(&url)
                .inspect_err(|_| matrix.cancel_sso_reauth())?;
            Ok(UiaSsoStep::Browser {
                url: handoff.url,
                browser_error: handoff.browser_error,
            })
        }
    }
}

/// Signs out other sessions, confirmed through single sign-on in the browser.
#[tauri::command]
pub async fn matrix_delete_devices_sso(
    id: String,
    device_ids: Vec<String>,
    state: State<'_, AppState>,
    matrix: State<'_, MatrixAccounts>,
) -> Result<UiaSsoStep, IpcError> {
    let start = matrix.delete_devices_through_sso(&id, &device_ids).await?;
    opened(&state.opener, &matrix, start)
}

/// Deactivates the account, confirmed through single sign-on in the browser; once accepted,
/// `uia_sso_finish` removes it from this computer.
#[tauri::command]
pub async fn matrix_deactivate_sso(
    id: String,
    erase: bool,
    state: State<'_, AppState>,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<UiaSsoStep, IpcError> {
    let registry = ready(registry.inner())?;
    let start = matrix.deactivate_through_sso(registry, &id, erase).await?;
    opened(&state.opener, &matrix, start)
}

/// Waits until the homeserver accepts the parked request (the user confirmed in the browser),
/// or the user cancels, or it times out; then does what follows on this computer.
#[tauri::command]
pub async fn uia_sso_finish(
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<(), IpcError> {
    let registry = ready(registry.inner())?;
    matrix.finish_sso_reauth(registry).await.map_err(|error| {
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
