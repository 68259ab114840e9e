//! The Element Accounts desktop shell.
//!
//! This crate only wires things together: plugins, managed state and thin
//! `#[tauri::command]`s over `accounts-core`, where the logic lives. [`run_app`] takes any
//! [`tauri::Runtime`] so that the wiring can be exercised without a real window.

mod commands;
mod error;
pub mod ipc;

use std::sync::Mutex;

use accounts_core::browser::Opener;
use accounts_core::ems::EmsAccounts;
use accounts_core::files;
use accounts_core::launch::LaunchSettings;
use accounts_core::matrix::{AccountCreation, MatrixAccounts, STORES_DIR};
use accounts_core::vault::{AccountRegistry, Vault};
use tauri::{Builder, Manager, Runtime};

use crate::error::{ErrorCode, IpcError};

/// The label of the app's one window; `capabilities/main.json` grants it the app's commands.
pub const MAIN_WINDOW: &str = "main";

/// The folder, in the app's data directory, of the EMS accounts' last fetched data.
pub const EMS_CACHE_DIR: &str = "ems-cache";

/// State shared by every command.
pub struct AppState {
    /// How the app was launched (the servers it was pointed at).
    pub launch: LaunchSettings,
    /// Secrets in the OS keyring.
    pub vault: Vault,
    /// The one way addresses reach the system browser.
    pub opener: Opener,
}

/// The account registry, or why it could not be opened (the app still starts and says so).
pub enum RegistryState {
    /// The registry is open.
    Ready(Mutex<AccountRegistry>),
    /// The registry's folder could not be used.
    Failed(IpcError),
}

fn open_registry<R: Runtime>(app: &tauri::App<R>) -> RegistryState {
    let opened = app
        .path()
        .app_data_dir()
        .map_err(|e| {
            IpcError::new(
                ErrorCode::Io,
                format!("The app's data folder is unknown: {e}"),
            )
        })
        .and_then(|dir| AccountRegistry::open(&dir).map_err(IpcError::from));
    match opened {
        Ok(registry) => RegistryState::Ready(Mutex::new(registry)),
        Err(error) => {
            log::error!("account registry unavailable: {error}");
            RegistryState::Failed(error)
        }
    }
}

/// The app's data, log and cache folders are `0700`, and what is in the data and log folders
/// `0600`, including files an older version or a plugin (the log) made with default modes.
fn make_folders_private<R: Runtime>(app: &tauri::App<R>) {
    let path = app.path();
    for (dir, whole_tree) in [
        (path.app_data_dir(), true),
        (path.app_log_dir(), true),
        // The webview's cache is large and its own: the folder alone is narrowed.
        (path.app_cache_dir(), false),
    ] {
        let Ok(dir) = dir else { continue };
        let made = files::private_dir(&dir).and_then(|()| {
            if whole_tree {
                files::restrict_tree(&dir)
            } else {
                Ok(())
            }
        });
        if let Err(error) = made {
            log::warn!("could not make {} private: {error}", dir.display());
        }
    }
}

/// Manages the Matrix account set and restores its sessions in the background, so that the
/// window never waits on the keyring or a homeserver; the Matrix pane polls until they settle.
fn manage_matrix_accounts<R: Runtime>(app: &tauri::App<R>) {
    // Without a data folder the registry failed too, and every Matrix command reports that
    // before a store path is used.
    let stores = app
        .path()
        .app_data_dir()
        .map(|dir| dir.join(STORES_DIR))
        .unwrap_or_default();
    let vault = app.state::<AppState>().vault.clone();
    app.manage(MatrixAccounts::new(stores, vault));
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        if let RegistryState::Ready(registry) = handle.state::<RegistryState>().inner() {
            handle.state::<MatrixAccounts>().restore_all(registry).await;
        }
    });
}

/// The EMS accounts, checked in the background after start-up (a refresh may be due).
fn manage_ems_accounts<R: Runtime>(app: &tauri::App<R>) {
    let vault = app.state::<AppState>().vault.clone();
    app.manage(EmsAccounts::new(vault));
    app.manage(accounts_core::ems::EmsDeletions::default());
    // Without a data folder the registry failed too, and every EMS command reports that first.
    let cache = app
        .path()
        .app_data_dir()
        .map(|dir| dir.join(EMS_CACHE_DIR))
        .unwrap_or_default();
    app.manage(accounts_core::ems::EmsCache::new(cache));
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        if let RegistryState::Ready(registry) = handle.state::<RegistryState>().inner() {
            handle.state::<EmsAccounts>().check_all(registry).await;
        }
    });
}

/// Whether `url` is the app's own page. The webview shows nothing else: a link from server data
/// goes to the system browser through the core's opener instead.
fn is_app_page(url: &url::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// Creates the main window from the config, refusing navigation away from the app and every
/// new window (`target="_blank"`, `window.open`).
fn open_main_window<R: Runtime>(app: &tauri::App<R>) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)
        .cloned()
        .unwrap_or_default();
    tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
        .on_navigation(|url| {
            let allowed = is_app_page(url);
            if !allowed {
                log::warn!(
                    "the window refused to navigate away from the app (to a {} address)",
                    url.scheme()
                );
            }
            allowed
        })
        .on_new_window(|url, _features| {
            log::warn!(
                "the window refused to open a new window (a {} address)",
                url.scheme()
            );
            tauri::webview::NewWindowResponse::Deny
        })
        .build()?;
    Ok(())
}

/// Registers the plugins, state and commands of the app on `builder`.
pub fn run_app<R: Runtime>(builder: Builder<R>, launch: LaunchSettings) -> Builder<R> {
    builder
        // First, so that a second launch hands over to the running app before anything else runs.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
                // Best effort: the window manager may refuse focus, which is not worth an error.
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(
            tauri_plugin_log::Builder::new()
                .clear_targets()
                .target(tauri_plugin_log::Target::new(
                    tauri_plugin_log::TargetKind::LogDir {
                        file_name: Some("element-accounts".into()),
                    },
                ))
                .target(tauri_plugin_log::Target::new(
                    tauri_plugin_log::TargetKind::Stderr,
                ))
                .level(log::LevelFilter::Info)
                .build(),
        )
        .manage(AppState {
            launch,
            vault: Vault::keyring(),
            opener: Opener::from_env(),
        })
        .setup(|app| {
            open_main_window(app)?;
            make_folders_private(app);
            let registry = open_registry(app);
            app.manage(registry);
            manage_matrix_accounts(app);
            manage_ems_accounts(app);
            // Matrix account creation (registration): the one in progress.
            app.manage(AccountCreation::new());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_overview,
            commands::ui_ready,
            commands::keyring_status,
            commands::open_link,
            commands::remove_account,
            commands::ems::ems_sign_in_start,
            commands::ems::ems_sign_in_finish,
            commands::ems::ems_sign_in_cancel,
            commands::ems::ems_accounts,
            commands::ems::ems_sign_out,
            commands::ems::ems_remove,
            commands::ems::ems_overview,
            commands::ems::ems_update_details,
            commands::ems::ems_update_billing_address,
            commands::ems::ems_create_subscription,
            commands::ems::ems_raise_seats,
            commands::ems::ems_cancel_subscription,
            commands::ems::ems_deletion_preview,
            commands::ems::ems_delete_account,
            commands::matrix::matrix_discover,
            commands::matrix::matrix_sign_in,
            commands::matrix::matrix_accounts,
            commands::matrix::matrix_sign_out,
            commands::matrix::matrix_remove,
            // Managing a Matrix account (issue 9).
            commands::matrix_manage::matrix_profile,
            commands::matrix_manage::matrix_set_display_name,
            commands::matrix_manage::matrix_avatar,
            commands::matrix_manage::matrix_set_avatar,
            commands::matrix_manage::matrix_remove_avatar,
            commands::matrix_manage::matrix_devices,
            commands::matrix_manage::matrix_rename_device,
            commands::matrix_manage::matrix_delete_devices,
            commands::matrix_manage::matrix_change_password,
            commands::matrix_manage::matrix_threepids,
            commands::matrix_manage::matrix_remove_threepid,
            commands::matrix_manage::matrix_deactivate,
            // Matrix account creation (registration).
            commands::matrix_register::matrix_register_offer,
            commands::matrix_register::matrix_register_check_username,
            commands::matrix_register::matrix_register_start,
            commands::matrix_register::matrix_register_token,
            commands::matrix_register::matrix_register_accept_terms,
            commands::matrix_register::matrix_register_email,
            commands::matrix_register::matrix_register_check_email,
            commands::matrix_register::matrix_register_cancel,
            // Matrix single sign-on (issue 10).
            commands::matrix_sso::matrix_sso_start,
            commands::matrix_sso::matrix_sso_finish,
            commands::matrix_sso::matrix_sso_cancel,
            commands::uia_sso::uia_sso_finish,
            commands::uia_sso::uia_sso_done,
            commands::uia_sso::uia_sso_cancel,
            // Account actions confirmed through single sign-on (issues 9 + 10 wired).
            commands::uia_sso::matrix_delete_devices_sso,
            commands::uia_sso::matrix_deactivate_sso
        ])
}

/// Starts the desktop app; returns when the last window closes.
pub fn run() {
    let context = tauri::generate_context!("../tauri.conf.json");
    if let Err(error) = run_app(Builder::default(), LaunchSettings::from_env()).run(context) {
        eprintln!("Element Accounts could not start: {error}");
        std::process::exit(1);
    }
}
