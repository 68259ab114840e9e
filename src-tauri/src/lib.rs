//! The Element Accounts desktop shell.
//!
//! This crate only wires things together: plugins, managed state and thin
//! `#[tauri::command]`s over `accounts-core`, where the logic lives. [`run_app`] takes any
//! [`tauri::Runtime`] so that the wiring can be exercised without a real window.

mod commands;
mod error;
pub mod ipc;

use accounts_core::browser::Opener;
use accounts_core::files;
use accounts_core::launch::LaunchSettings;
use accounts_core::seats::Seats;
use accounts_core::vault::Vault;
use accounts_core::Accounts;
use tauri::{Builder, Manager, Runtime};

/// The label of the app's one window; `capabilities/main.json` grants it the app's commands.
pub const MAIN_WINDOW: &str = "main";

/// How the app was launched (the servers it was pointed at), for every command.
pub struct AppState {
    /// The launch settings.
    pub launch: LaunchSettings,
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

/// Opens the accounts over the app's data folder and restores their sessions in the
/// background, so that the window never waits on the keyring or a server; the panes poll until
/// they settle.
fn manage_accounts<R: Runtime>(app: &tauri::App<R>) {
    let data_dir = app.path().app_data_dir().ok();
    app.manage(
        Accounts::open(data_dir.as_deref(), Vault::keyring(), Opener::from_env())
            .with_seats(Seats::new(seats_page_size())),
    );
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        handle.state::<Accounts>().restore().await;
    });
}

/// How many users the Seats pane fetches per request: `ELEMENT_ACCOUNTS_SEATS_PAGE_SIZE` when
/// set (tests make pages small to watch the list load), else the core's default.
fn seats_page_size() -> u32 {
    std::env::var("ELEMENT_ACCOUNTS_SEATS_PAGE_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(accounts_core::seats::DEFAULT_PAGE_SIZE)
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
        .manage(AppState { launch })
        .setup(|app| {
            open_main_window(app)?;
            make_folders_private(app);
            manage_accounts(app);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_overview,
            commands::ui_ready,
            commands::keyring_status,
            commands::open_link,
            commands::remove_account,
            commands::bridge::element_one_sign_in_start,
            commands::bridge::element_one_sign_in_finish,
            commands::bridge::element_one_sign_in_cancel,
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
            commands::matrix_sso::matrix_sso_start,
            commands::matrix_sso::matrix_sso_finish,
            commands::matrix_sso::matrix_sso_cancel,
            commands::uia_sso::uia_sso_finish,
            commands::uia_sso::uia_sso_done,
            commands::uia_sso::uia_sso_cancel,
            commands::uia_sso::matrix_delete_devices_sso,
            commands::uia_sso::matrix_deactivate_sso,
            commands::seats::seats_subscriptions,
            commands::seats::seats_load_page,
            commands::seats::seats_add_user,
            commands::seats::seats_deactivate,
            commands::seats::seats_reactivate,
            commands::seats::seats_reset_password,
            commands::seats::seats_set_admin,
            commands::seats::seats_sessions,
            commands::seats::seats_sign_out_sessions,
            commands::seats::seats_tokens,
            commands::seats::seats_create_token,
            commands::seats::seats_revoke_token
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
