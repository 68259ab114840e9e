//! The Seats pane's commands: the hosted homeservers and who administers them, the user list
//! page by page, the actions on a user, and registration tokens. Each is a call on the core's
//! [`accounts_core::seats`]; raising seats is the EMS pane's `ems_raise_seats`.

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::seats::{
    AuditEntry, ImportPlan, ImportProgress, ImportReport, NewRegistrationToken, NewSeatUser,
    SeatSubscription, SeatUserChange, SeatsTarget, TokenList, UserSession, UsersPage,
};
use accounts_core::Accounts;
use tauri::{AppHandle, Runtime, State};

use crate::dialog::save_path;
use crate::error::IpcError;

/// Every hosted homeserver of a signed-in EMS account, with the Matrix account here that
/// administers it.
#[tauri::command]
pub async fn seats_subscriptions(
    core: State<'_, Accounts>,
) -> Result<Vec<SeatSubscription>, IpcError> {
    Ok(core.seat_subscriptions().await?)
}

/// The next page of users (the first when `restart`), with the ledger so far.
#[tauri::command]
pub async fn seats_load_page(
    target: SeatsTarget,
    restart: bool,
    core: State<'_, Accounts>,
) -> Result<UsersPage, IpcError> {
    Ok(core.seats.load_page(&target, restart).await?)
}

/// Adds a user with a generated password, if a seat is free.
#[tauri::command]
pub async fn seats_add_user(
    target: SeatsTarget,
    user: NewSeatUser,
    core: State<'_, Accounts>,
) -> Result<SeatUserChange, IpcError> {
    Ok(core.seats.desk(&target)?.add_user(&user).await?)
}

/// Deactivates a user (erasing its messages when `erase`), which frees a seat.
#[tauri::command]
pub async fn seats_deactivate(
    target: SeatsTarget,
    user_id: String,
    erase: bool,
    core: State<'_, Accounts>,
) -> Result<SeatUserChange, IpcError> {
    Ok(core
        .seats
        .desk(&target)?
        .deactivate(&user_id, erase)
        .await?)
}

/// Reactivates a user with a typed or generated password, if a seat is free.
#[tauri::command]
pub async fn seats_reactivate(
    target: SeatsTarget,
    user_id: String,
    password: Option<String>,
    core: State<'_, Accounts>,
) -> Result<SeatUserChange, IpcError> {
    Ok(core
        .seats
        .desk(&target)?
        .reactivate(&user_id, password)
        .await?)
}

/// Sets a typed or generated password; the user is signed out everywhere.
#[tauri::command]
pub async fn seats_reset_password(
    target: SeatsTarget,
    user_id: String,
    password: Option<String>,
    core: State<'_, Accounts>,
) -> Result<SeatUserChange, IpcError> {
    Ok(core
        .seats
        .desk(&target)?
        .reset_password(&user_id, password)
        .await?)
}

/// Grants or revokes server admin.
#[tauri::command]
pub async fn seats_set_admin(
    target: SeatsTarget,
    user_id: String,
    admin: bool,
    accept_consequence: bool,
    core: State<'_, Accounts>,
) -> Result<SeatUserChange, IpcError> {
    Ok(core
        .set_seat_admin(&target, &user_id, admin, accept_consequence)
        .await?)
}

/// A user's sessions.
#[tauri::command]
pub async fn seats_sessions(
    target: SeatsTarget,
    user_id: String,
    core: State<'_, Accounts>,
) -> Result<Vec<UserSession>, IpcError> {
    Ok(core.seats.desk(&target)?.sessions(&user_id).await?)
}

/// Signs a user out of one session, or of all (`device_id` null); returns what remains.
#[tauri::command]
pub async fn seats_sign_out_sessions(
    target: SeatsTarget,
    user_id: String,
    device_id: Option<String>,
    core: State<'_, Accounts>,
) -> Result<Vec<UserSession>, IpcError> {
    Ok(core
        .seats
        .desk(&target)?
        .sign_out_sessions(&user_id, device_id.as_deref())
        .await?)
}

/// The registration tokens, weighed against the free seats.
#[tauri::command]
pub async fn seats_tokens(
    target: SeatsTarget,
    core: State<'_, Accounts>,
) -> Result<TokenList, IpcError> {
    Ok(core.seats.desk(&target)?.tokens().await?)
}

/// Creates a registration token.
#[tauri::command]
pub async fn seats_create_token(
    target: SeatsTarget,
    token: NewRegistrationToken,
    core: State<'_, Accounts>,
) -> Result<TokenList, IpcError> {
    Ok(core.seats.desk(&target)?.create_token(&token).await?)
}

/// Deletes a registration token.
#[tauri::command]
pub async fn seats_revoke_token(
    target: SeatsTarget,
    token: String,
    core: State<'_, Accounts>,
) -> Result<TokenList, IpcError> {
    Ok(core.seats.desk(&target)?.revoke_token(&token).await?)
}

/// Reads a users file (its bytes) and plans its import; nothing is created.
#[tauri::command]
pub async fn seats_import_plan(
    target: SeatsTarget,
    bytes: Vec<u8>,
    core: State<'_, Accounts>,
) -> Result<ImportPlan, IpcError> {
    Ok(core.seats.desk(&target)?.plan_import(&bytes).await?)
}

/// Imports the planned file (only its first `limit` rows to create, when given).
#[tauri::command]
pub async fn seats_import_run(
    target: SeatsTarget,
    limit: Option<u32>,
    core: State<'_, Accounts>,
) -> Result<ImportReport, IpcError> {
    Ok(core.seats.desk(&target)?.run_import(limit).await?)
}

/// How far the running import is.
#[tauri::command]
pub fn seats_import_progress(
    target: SeatsTarget,
    core: State<'_, Accounts>,
) -> Result<ImportProgress, IpcError> {
    Ok(core.seats.desk(&target)?.import_progress())
}

/// Stops the running import before its next row.
#[tauri::command]
pub fn seats_import_cancel(target: SeatsTarget, core: State<'_, Accounts>) -> Result<(), IpcError> {
    core.seats.desk(&target)?.cancel_import();
    Ok(())
}

/// Saves the passwords the last import generated to a file the user picks; `None` when they
/// cancel the dialog.
#[tauri::command]
pub async fn seats_import_save_passwords<R: Runtime>(
    target: SeatsTarget,
    app: AppHandle<R>,
    core: State<'_, Accounts>,
) -> Result<Option<u32>, IpcError> {
    let Some(path) = save_path(&app, "Save the generated passwords", "passwords.csv").await else {
        return Ok(None);
    };
    Ok(Some(
        core.seats.desk(&target)?.save_import_passwords(&path)?,
    ))
}

/// Forgets the passwords the last import generated.
#[tauri::command]
pub fn seats_import_forget_passwords(
    target: SeatsTarget,
    core: State<'_, Accounts>,
) -> Result<(), IpcError> {
    core.seats.desk(&target)?.forget_import_passwords();
    Ok(())
}

/// Exports every user, without passwords, to a CSV file the user picks; `None` when they cancel.
#[tauri::command]
pub async fn seats_export<R: Runtime>(
    target: SeatsTarget,
    app: AppHandle<R>,
    core: State<'_, Accounts>,
) -> Result<Option<u32>, IpcError> {
    let Some(path) = save_path(&app, "Export the users", "users.csv").await else {
        return Ok(None);
    };
    Ok(Some(core.seats.desk(&target)?.export_to(&path).await?))
}

/// The audit log of the homeserver, newest first; only entries about `user` when given.
#[tauri::command]
pub fn seats_audit(
    target: SeatsTarget,
    user: Option<String>,
    core: State<'_, Accounts>,
) -> Result<Vec<AuditEntry>, IpcError> {
    Ok(core.seats.desk(&target)?.audit_entries(user.as_deref())?)
}

/// Exports the audit log (only entries about `user` when given) to a file the user picks.
#[tauri::command]
pub async fn seats_audit_export<R: Runtime>(
    target: SeatsTarget,
    user: Option<String>,
    app: AppHandle<R>,
    core: State<'_, Accounts>,
) -> Result<Option<u32>, IpcError> {
    let Some(path) = save_path(&app, "Export the audit log", "seats-audit.jsonl").await else {
        return Ok(None);
    };
    Ok(Some(
        core.seats
            .desk(&target)?
            .export_audit(&path, user.as_deref())?,
    ))
}
