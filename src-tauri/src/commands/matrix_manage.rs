//! The commands that manage a signed-in Matrix account: profile, avatar, sessions, password,
//! email addresses and phone numbers, deactivation. Each maps its arguments onto
//! [`MatrixAccounts`] and its errors onto [`IpcError`]; passwords are wrapped in a [`Secret`] at
//! once and sent on, never kept.

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::matrix::{
    AvatarImage, DeviceView, MatrixAccounts, MatrixProfile, PasswordChange, ThreepidView, UiaAuth,
    UiaStep,
};
use accounts_core::vault::Secret;
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use super::registry_ready as ready;
use crate::error::IpcError;
use crate::RegistryState;

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
    fn into_auth(self) -> Option<UiaAuth> {
        match (self.password, self.session) {
            (Some(password), session) => Some(UiaAuth::Password {
                session,
                password: Secret::new(password),
            }),
            (None, Some(session)) => Some(UiaAuth::Fallback { session }),
            (None, None) => None,
        }
    }
}

/// The account's display name and whether it has an avatar.
#[tauri::command]
pub async fn matrix_profile(
    id: String,
    matrix: State<'_, MatrixAccounts>,
) -> Result<MatrixProfile, IpcError> {
    Ok(matrix.profile(&id).await?)
}

/// Sets the display name (an empty one removes it).
#[tauri::command]
pub async fn matrix_set_display_name(
    id: String,
    name: String,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<(), IpcError> {
    let registry = ready(registry.inner())?;
    Ok(matrix.set_display_name(registry, &id, &name).await?)
}

/// The avatar's bytes and type, fetched through the account's session; `None` without one.
#[tauri::command]
pub async fn matrix_avatar(
    id: String,
    matrix: State<'_, MatrixAccounts>,
) -> Result<Option<AvatarImage>, IpcError> {
    Ok(matrix.avatar(&id).await?)
}

/// Uploads an image as the avatar.
#[tauri::command]
pub async fn matrix_set_avatar(
    id: String,
    data: Vec<u8>,
    matrix: State<'_, MatrixAccounts>,
) -> Result<(), IpcError> {
    Ok(matrix.set_avatar(&id, data).await?)
}

/// Removes the avatar.
#[tauri::command]
pub async fn matrix_remove_avatar(
    id: String,
    matrix: State<'_, MatrixAccounts>,
) -> Result<(), IpcError> {
    Ok(matrix.remove_avatar(&id).await?)
}

/// The account's sessions, this app's own first.
#[tauri::command]
pub async fn matrix_devices(
    id: String,
    matrix: State<'_, MatrixAccounts>,
) -> Result<Vec<DeviceView>, IpcError> {
    Ok(matrix.devices(&id).await?)
}

/// Renames one session.
#[tauri::command]
pub async fn matrix_rename_device(
    id: String,
    device_id: String,
    name: String,
    matrix: State<'_, MatrixAccounts>,
) -> Result<(), IpcError> {
    Ok(matrix.rename_device(&id, &device_id, &name).await?)
}

/// Signs out other sessions; answers a challenge first, then `done` once retried with `auth`.
#[tauri::command]
pub async fn matrix_delete_devices(
    id: String,
    device_ids: Vec<String>,
    auth: Option<UiaAnswer>,
    matrix: State<'_, MatrixAccounts>,
) -> Result<UiaStep, IpcError> {
    let auth = auth.and_then(UiaAnswer::into_auth);
    Ok(matrix.delete_devices(&id, &device_ids, auth).await?)
}

/// Changes the password; the current one confirms it.
#[tauri::command]
pub async fn matrix_change_password(
    id: String,
    current: String,
    new: String,
    sign_out_others: bool,
    matrix: State<'_, MatrixAccounts>,
) -> Result<(), IpcError> {
    let change = PasswordChange {
        current: Secret::new(current),
        new: Secret::new(new),
        sign_out_others,
    };
    Ok(matrix.change_password(&id, change).await?)
}

/// The email addresses and phone numbers on the account.
#[tauri::command]
pub async fn matrix_threepids(
    id: String,
    matrix: State<'_, MatrixAccounts>,
) -> Result<Vec<ThreepidView>, IpcError> {
    Ok(matrix.threepids(&id).await?)
}

/// Removes an email address or phone number.
#[tauri::command]
pub async fn matrix_remove_threepid(
    id: String,
    medium: String,
    address: String,
    matrix: State<'_, MatrixAccounts>,
) -> Result<(), IpcError> {
    Ok(matrix.remove_threepid(&id, &medium, &address).await?)
}

/// Deactivates the account for good, then removes it from this computer; answers a challenge
/// first, then `done` once retried with `auth`.
#[tauri::command]
pub async fn matrix_deactivate(
    id: String,
    erase: bool,
    auth: Option<UiaAnswer>,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<UiaStep, IpcError> {
    let registry = ready(registry.inner())?;
    let auth = auth.and_then(UiaAnswer::into_auth);
    Ok(matrix.deactivate(registry, &id, erase, auth).await?)
}
