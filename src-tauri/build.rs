//! Builds the app from the top-level `tauri.conf.json` and declares the app's commands, so that
//! the window may call only what its capability file grants.

/// Every command the app exposes; `capabilities/main.json` grants the main window exactly these.
const COMMANDS: &[&str] = &[
    "app_overview",
    "ui_ready",
    "keyring_status",
    "open_link",
    "remove_account",
    "element_one_sign_in_start",
    "element_one_sign_in_finish",
    "element_one_sign_in_cancel",
    "ems_sign_in_start",
    "ems_sign_in_finish",
    "ems_sign_in_cancel",
    "ems_accounts",
    "ems_sign_out",
    "ems_remove",
    "ems_overview",
    "ems_update_details",
    "ems_update_billing_address",
    "ems_create_subscription",
    "ems_raise_seats",
    "ems_cancel_subscription",
    "ems_deletion_preview",
    "ems_delete_account",
    "matrix_discover",
    "matrix_sign_in",
    "matrix_accounts",
    "matrix_sign_out",
    "matrix_remove",
    // Managing a Matrix account.
    "matrix_profile",
    "matrix_set_display_name",
    "matrix_avatar",
    "matrix_set_avatar",
    "matrix_remove_avatar",
    "matrix_devices",
    "matrix_rename_device",
    "matrix_delete_devices",
    "matrix_change_password",
    "matrix_threepids",
    "matrix_remove_threepid",
    "matrix_deactivate",
    // Matrix account creation (registration).
    "matrix_register_offer",
    "matrix_register_check_username",
    "matrix_register_start",
    "matrix_register_token",
    "matrix_register_accept_terms",
    "matrix_register_email",
    "matrix_register_check_email",
    "matrix_register_cancel",
    // Matrix single sign-on.
    "matrix_sso_start",
    "matrix_sso_finish",
    "matrix_sso_cancel",
    "uia_sso_finish",
    "uia_sso_done",
    "uia_sso_cancel",
    // Account actions confirmed through single sign-on.
    "matrix_delete_devices_sso",
    "matrix_deactivate_sso",
    "seats_subscriptions",
    "seats_load_page",
    "seats_add_user",
    "seats_deactivate",
    "seats_reactivate",
    "seats_reset_password",
    "seats_set_admin",
    "seats_sessions",
    "seats_sign_out_sessions",
    "seats_tokens",
    "seats_create_token",
    "seats_revoke_token",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
