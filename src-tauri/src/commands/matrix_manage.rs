//! The commands that manage a signed-in Matrix account: profile, avatar, sessions, password,
//! email addresses and phone numbers, deactivation. Each maps its arguments onto
//! [`MatrixAccounts`] and its errors onto [`IpcError`]; passwords are wrapped in a [`Secret`] at
//! once and sent on, never kept.

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::matrix::{
    AvatarImage, Confirmation, DeviceView, MatrixProfile, PasswordChange, ThreepidView, UiaAuth,
    UiaStep,
};
use accounts_core::vault::Secret;
use accounts_core::Accounts;
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::error::IpcError;

/// The answer to a re-authentication challenge, from the UI's prompt.
#[derive(Deserialize, TS)]
pub struct UiaAnswer {
    /// The challenge's session id.
    pub session: Option<String>,
    /// The account's password, for the `m.login.password` stage. `None` when the stage was
    /// completed elsewhere (the server's fallback page in the browser), which needs a session.
    pub password: Option<String>,
}

impl std::fmt::Debug for UiaAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UiaAnswer")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl UiaAnswer {
    /// How the action is confirmed: with this answer, or (none yet) not at all.
    fn confirmation(answer: Option<Self>) -> Confirmation {
        let Some(answer) = answer else {
            return Confirmation::None;
        };
        match (answer.password, answer.session) {
            (Some(password), session) => Confirmation::Uia(UiaAuth::Password {
                session,
                password: Secret::new(password),
            }),
            (None, Some(session)) => Confirmation::Uia(UiaAuth::Fallback { session }),
            (None, None) => Confirmation::None,
        }
    }
}

/// The account's display name and whether it has an avatar.
#[tauri::command]
pub async fn matrix_profile(
    id: String,
    core: State<'_, Accounts>,
) -> Result<MatrixProfile, IpcError> {
    Ok(core.matrix.profile(&id).await?)
}

/// Sets the display name (an empty one removes it).
#[tauri::command]
pub async fn matrix_set_display_name(
    id: String,
    name: String,
    core: State<'_, Accounts>,
) -> Result<(), IpcError> {
    Ok(core.matrix.set_display_name(&id, &name).await?)
}

/// The avatar's bytes and type, fetched through the account's session; `None` without one.
#[tauri::command]
pub async fn matrix_avatar(
    id: String,
    core: State<'_, Accounts>,
) -> Result<Option<AvatarImage>, IpcError> {
    Ok(core.matrix.avatar(&id).await?)
}

/// Uploads an image as the avatar.
#[tauri::command]
pub async fn matrix_set_avatar(
    id: String,
    data: Vec<u8>,
    core: State<'_, Accounts>,
) -> Result<(), IpcError> {
    Ok(core.matrix.set_avatar(&id, data).await?)
}

/// Removes the avatar.
#[tauri::command]
pub async fn matrix_remove_avatar(id: String, core: State<'_, Accounts>) -> Result<(), IpcError> {
    Ok(core.matrix.remove_avatar(&id).await?)
}

/// The account's sessions, this app's own first.
#[tauri::command]
pub async fn matrix_devices(
    id: String,
    core: State<'_, Accounts>,
) -> Result<Vec<DeviceView>, IpcError> {
    Ok(core.matrix.devices(&id).await?)
}

/// Renames one session.
#[tauri::command]
pub async fn matrix_rename_device(
    id: String,
    device_id: String,
    name: String,
    core: State<'_, Accounts>,
) -> Result<(), IpcError> {
    Ok(core.matrix.rename_device(&id, &device_id, &name).await?)
}

/// Signs out other sessions; answers a challenge first, then `done` once retried with `auth`.
#[tauri::command]
pub async fn matrix_delete_devices(
    id: String,
    device_ids: Vec<String>,
    auth: Option<UiaAnswer>,
    core: State<'_, Accounts>,
) -> Result<UiaStep, IpcError> {
    let confirm = UiaAnswer::confirmation(auth);
    Ok(core
        .matrix
        .delete_devices(&id, &device_ids, confirm)
        .await?)
}

/// Changes the password; the current one confirms it.
#[tauri::command]
pub async fn matrix_change_password(
    id: String,
    current: String,
    new: String,
    sign_out_others: bool,
    core: State<'_, Accounts>,
) -> Result<(), IpcError> {
    let change = PasswordChange::new(current, new, sign_out_others);
    Ok(core.matrix.change_password(&id, change).await?)
}

/// The email addresses and phone numbers on the account.
#[tauri::command]
pub async fn matrix_threepids(
    id: String,
    core: State<'_, Accounts>,
) -> Result<Vec<ThreepidView>, IpcError> {
    Ok(core.matrix.threepids(&id).await?)
}

/// Removes an email address or phone number.
#[tauri::command]
pub async fn matrix_remove_threepid(
    id: String,
    medium: String,
    address: String,
    core: State<'_, Accounts>,
) -> Result<(), IpcError> {
    Ok(core.matrix.remove_threepid(&id, &medium, &address).await?)
}

/// Deactivates the account for good, then removes it from this computer; answers a challenge
/// first, then `done` once retried with `auth`.
#[tauri::command]
pub async fn matrix_deactivate(
    id: String,
    erase: bool,
    auth: Option<UiaAnswer>,
    core: State<'_, Accounts>,
) -> Result<UiaStep, IpcError> {
    let confirm = UiaAnswer::confirmation(auth);
    Ok(core.matrix.deactivate(&id, erase, confirm).await?)
}
