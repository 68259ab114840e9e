// The app's commands, in one place. Adding a command is one line here, plus its function in
// `commands/`: the handler (`lib.rs`), the permission manifest and the window's capability
// (`build.rs`, which writes `capabilities/main.json`) and the TypeScript `Command` union (the
// generated `ui/src/bindings.ts`) are all made from this list. `build.rs` includes this file
// too, so it holds macros only.

/// Hands the list of command paths to the macro `$then`.
macro_rules! app_commands {
    ($then:ident) => {
        $then! {
            commands::app_overview,
            commands::ui_ready,
            commands::keyring_status,
            commands::open_link,
            commands::remove_account,
            commands::bridge::element_one_sign_in_start,
            commands::bridge::element_one_sign_in_finish,
            commands::bridge::element_one_sign_in_cancel,
            commands::bridge::element_one_of_matrix_account,
            commands::ems::ems_sign_in_start,
            commands::ems::ems_sign_in_finish,
            commands::ems::ems_sign_in_cancel,
            commands::ems::ems_accounts,
            commands::ems::ems_sign_out,
            commands::ems::ems_bridged_accounts,
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
            commands::matrix_oauth::matrix_oauth_start,
            commands::matrix_oauth::matrix_oauth_finish,
            commands::matrix_oauth::matrix_oauth_cancel,
            commands::matrix_oauth::matrix_account_management,
            commands::matrix_oauth::matrix_account_manage_open,
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
            commands::seats::seats_revoke_token,
            commands::seats::seats_import_plan,
            commands::seats::seats_import_run,
            commands::seats::seats_import_progress,
            commands::seats::seats_import_cancel,
            commands::seats::seats_import_save_passwords,
            commands::seats::seats_import_forget_passwords,
            commands::seats::seats_export,
            commands::seats::seats_audit,
            commands::seats::seats_audit_export,
        }
    };
}

/// The last segment of a path, as a string: the command's name.
macro_rules! command_name {
    ($name:ident) => {
        stringify!($name)
    };
    ($head:ident :: $($rest:ident)::+) => {
        command_name!($($rest)::+)
    };
}

/// The names of the listed commands.
macro_rules! command_names {
    ($($($segment:ident)::+),* $(,)?) => {
        &[$(command_name!($($segment)::+)),*]
    };
}
