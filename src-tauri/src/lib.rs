//! The Element Accounts desktop shell.
//!
//! This crate only wires things together: plugins, managed state and thin
//! `#[tauri::command]`s over `accounts-core`, where the logic lives. [`run_app`] takes any
//! [`tauri::Runtime`] so that the wiring can be exercised without a real window.

// The command list's macros first: the modules below and `run_app` use them.
#[macro_use]
mod command_list;
pub mod cli;
mod commands;
mod dialog;
mod error;
pub mod ipc;

use accounts_core::browser::Opener;
use accounts_core::files;
use accounts_core::launch::LaunchSettings;
use accounts_core::seats::Seats;
use accounts_core::vault::Vault;
use accounts_core::Accounts;
use tauri::{Builder, Manager, Runtime};

/// Every command's name, from the one list.
pub const COMMANDS: &[&str] = app_commands!(command_names);

/// Registers the listed commands with Tauri.
macro_rules! handler {
    ($($($segment:ident)::+),* $(,)?) => {
        tauri::generate_handler![$($($segment)::+),*]
    };
}

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
        .invoke_handler(app_commands!(handler))
}

/// Starts the desktop app; returns when the last window closes.
pub fn run() {
    let context = tauri::generate_context!("../tauri.conf.json");
    if let Err(error) = run_app(Builder::default(), LaunchSettings::from_env()).run(context) {
        eprintln!("Element Accounts could not start: {error}");
        std::process::exit(1);
    }
}
