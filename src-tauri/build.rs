//! Builds the app from the top-level `tauri.conf.json` and declares the app's commands, so that
//! the window may call only what its capability file grants.

/// Every command the app exposes; `capabilities/main.json` grants the main window exactly these.
const COMMANDS: &[&str] = &[
    "app_overview",
    "ui_ready",
    "keyring_status",
    "remove_account",
    "ems_sign_in_start",
    "ems_sign_in_finish",
    "ems_sign_in_cancel",
    "ems_accounts",
    "ems_sign_out",
    "ems_remove",
    "matrix_discover",
    "matrix_sign_in",
    "matrix_accounts",
    "matrix_sign_out",
    "matrix_remove",
    // Matrix single sign-on (issue 10).
    "matrix_sso_start",
    "matrix_sso_finish",
    "matrix_sso_cancel",
    "uia_sso_finish",
    "uia_sso_done",
    "uia_sso_cancel",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
