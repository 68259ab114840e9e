//! The app's commands: each maps its arguments onto the core and its errors onto [`IpcError`].

// Tauri hands `State` and `AppHandle` to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

pub mod ems;
pub mod matrix;
pub mod matrix_manage;
pub mod matrix_register;
// Matrix single sign-on (issue 10).
pub mod matrix_sso;
pub mod uia_sso;

use accounts_core::browser::BrowserHandoff;
use accounts_core::ems::{EmsAccounts, EmsCache};
use accounts_core::matrix::MatrixAccounts;
use accounts_core::vault::{self, AccountKind};
use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::{ErrorCode, IpcError};
use crate::ipc::AppOverview;
use crate::{AppState, RegistryState};

/// The open registry, or why it could not be opened.
pub(crate) fn registry_ready(
    registry: &RegistryState,
) -> Result<&std::sync::Mutex<vault::AccountRegistry>, IpcError> {
    match registry {
        RegistryState::Ready(registry) => Ok(registry),
        RegistryState::Failed(error) => Err(error.clone()),
    }
}

/// What the shell shows at start-up: version, configured servers, accounts, data locations.
#[tauri::command]
pub fn app_overview<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    registry: State<'_, RegistryState>,
) -> AppOverview {
    let path = app.path();
    let (accounts, registry_problem) = match registry.inner() {
        RegistryState::Ready(registry) => {
            let registry = registry
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let problem = registry
                .notice()
                .map(|notice| IpcError::new(notice.code(), notice.message(registry.path())));
            (registry.accounts().to_vec(), problem)
        }
        RegistryState::Failed(error) => (Vec::new(), Some(error.clone())),
    };
    AppOverview {
        version: app.package_info().version.to_string(),
        ems_issuer: state.launch.ems_issuer.clone(),
        homeserver: state.launch.homeserver.clone(),
        data_dir: path.app_data_dir().ok().map(|p| p.display().to_string()),
        log_dir: path.app_log_dir().ok().map(|p| p.display().to_string()),
        accounts,
        registry_problem,
    }
}

/// The front end calls this once it has rendered the shell: the signal the run command's check
/// mode and the start-up benchmark wait for.
#[tauri::command]
pub fn ui_ready(state: State<'_, AppState>) -> Result<(), IpcError> {
    log::info!("the front end has rendered the shell");
    if let Some(path) = &state.launch.ready_file {
        std::fs::write(path, b"ready\n").map_err(|error| {
            IpcError::new(
                ErrorCode::Io,
                format!(
                    "Could not write the ready signal to {}: {error}",
                    path.display()
                ),
            )
        })?;
    }
    Ok(())
}

/// Opens a link the UI shows from server data (a registration policy, a web client) in the
/// system browser, through the one opener that refuses anything but web addresses.
#[tauri::command]
pub fn open_link(url: String, state: State<'_, AppState>) -> Result<BrowserHandoff, IpcError> {
    Ok(state.opener.open_link(&url)?)
}

/// Whether secrets can be kept: `Ok` when the keyring takes a write, else why not.
#[tauri::command]
pub async fn keyring_status(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.vault.check().await.map_err(|error| {
        log::warn!("keyring check failed: {error}");
        IpcError::from(error)
    })
}

/// Removes an account from this computer: its keyring entries and its record (and, for a
/// Matrix account, its session and local store).
#[tauri::command]
pub async fn remove_account(
    id: String,
    state: State<'_, AppState>,
    registry: State<'_, RegistryState>,
    matrix: State<'_, MatrixAccounts>,
    ems: State<'_, EmsAccounts>,
    cache: State<'_, EmsCache>,
) -> Result<(), IpcError> {
    let registry = registry_ready(registry.inner())?;
    let kind = registry
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&id)
        .map(|record| record.kind);
    match kind {
        // Each kind signs out at its server first, then removes secrets and record.
        Some(AccountKind::Matrix) => matrix.remove(registry, &id).await?,
        Some(AccountKind::Ems) => ems::forget(&id, &state.opener, &ems, &cache, registry).await?,
        None => vault::remove_account(&state.vault, registry, &id).await?,
    }
    log::info!("removed account {id}");
    Ok(())
}
