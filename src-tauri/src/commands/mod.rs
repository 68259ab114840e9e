//! The app's commands: each hands its arguments to the core and wraps its errors in
//! [`IpcError`]. Anything that decides something belongs in `accounts-core`.

// Tauri hands `State` and `AppHandle` to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

pub mod bridge;
pub mod ems;
pub mod matrix;
pub mod matrix_manage;
pub mod matrix_oauth;
pub mod matrix_register;
pub mod matrix_sso;
pub mod seats;
pub mod uia_sso;

use accounts_core::browser::BrowserHandoff;
use accounts_core::Accounts;
use tauri::{AppHandle, Runtime, State};

use crate::error::IpcError;
use crate::ipc::AppOverview;
use crate::AppState;

/// What the shell shows at start-up: version, configured servers, accounts, data locations.
#[tauri::command]
pub fn app_overview<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    core: State<'_, Accounts>,
) -> AppOverview {
    AppOverview::of(&app, &state.launch, &core.registry)
}

/// The front end calls this once it has rendered the shell: the signal the run command's check
/// mode and the start-up benchmark wait for.
#[tauri::command]
pub fn ui_ready(state: State<'_, AppState>) -> Result<(), IpcError> {
    log::info!("the front end has rendered the shell");
    Ok(state.launch.report_ready()?)
}

/// Opens a link the UI shows from server data (a registration policy, a web client) in the
/// system browser, through the one opener that refuses anything but web addresses.
#[tauri::command]
pub fn open_link(url: String, core: State<'_, Accounts>) -> Result<BrowserHandoff, IpcError> {
    Ok(core.opener.open_link(&url)?)
}

/// Whether secrets can be kept: `Ok` when the keyring takes a write, else why not.
#[tauri::command]
pub async fn keyring_status(core: State<'_, Accounts>) -> Result<(), IpcError> {
    Ok(core.vault.check().await?)
}

/// Removes an account from this computer, whatever its kind: its session at the server, its
/// keyring entries, its local data and its record.
#[tauri::command]
pub async fn remove_account(id: String, core: State<'_, Accounts>) -> Result<(), IpcError> {
    Ok(core.remove(&id).await?)
}
