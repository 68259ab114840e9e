//! The Matrix pane's account-creation commands: how a homeserver registers, whether a name is
//! free, and one command per stage. Each is a call on the core's
//! [`AccountCreation`](accounts_core::matrix::AccountCreation); the password crosses once, into a
//! `Secret`, and the account created is linked to the subscription the form was opened from.

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::matrix::{NewAccount, RegistrationOffer, RegistrationProgress};
use accounts_core::vault::SubscriptionLink;
use accounts_core::Accounts;
use tauri::State;

use crate::error::IpcError;

/// How `homeserver` lets accounts be created (or why it does not), before anything is typed.
#[tauri::command]
pub async fn matrix_register_offer(
    homeserver: String,
    core: State<'_, Accounts>,
) -> Result<RegistrationOffer, IpcError> {
    Ok(core.creation.offer(&homeserver).await?)
}

/// Whether `username` is free on `homeserver`.
#[tauri::command]
pub async fn matrix_register_check_username(
    homeserver: String,
    username: String,
    core: State<'_, Accounts>,
) -> Result<(), IpcError> {
    Ok(core.creation.check_username(&homeserver, &username).await?)
}

/// Starts creating the account; returns the first stage to show (or the account), which is
/// linked to `subscription`, the EMS subscription the form was opened from, if any.
#[tauri::command]
pub async fn matrix_register_start(
    homeserver: String,
    username: String,
    password: String,
    subscription: Option<SubscriptionLink>,
    core: State<'_, Accounts>,
) -> Result<RegistrationProgress, IpcError> {
    let request = NewAccount::new(homeserver, username, password, subscription);
    Ok(core.creation.start(&core.matrix, request).await?)
}

/// The registration-token stage.
#[tauri::command]
pub async fn matrix_register_token(
    id: String,
    token: String,
    core: State<'_, Accounts>,
) -> Result<RegistrationProgress, IpcError> {
    Ok(core
        .creation
        .submit_token(&id, &token, &core.matrix)
        .await?)
}

/// The terms stage: `accepted` lists the ids of the policies the user ticked.
#[tauri::command]
pub async fn matrix_register_accept_terms(
    id: String,
    accepted: Vec<String>,
    core: State<'_, Accounts>,
) -> Result<RegistrationProgress, IpcError> {
    Ok(core
        .creation
        .accept_terms(&id, &accepted, &core.matrix)
        .await?)
}

/// The email stage, first half: the server mails a link to `address`.
#[tauri::command]
pub async fn matrix_register_email(
    id: String,
    address: String,
    core: State<'_, Accounts>,
) -> Result<RegistrationProgress, IpcError> {
    Ok(core.creation.request_email(&id, &address).await?)
}

/// The email stage, second half: done once the user has followed the link.
#[tauri::command]
pub async fn matrix_register_check_email(
    id: String,
    core: State<'_, Accounts>,
) -> Result<RegistrationProgress, IpcError> {
    Ok(core.creation.check_email(&id, &core.matrix).await?)
}

/// Gives up the account creation in progress.
#[tauri::command]
pub async fn matrix_register_cancel(id: String, core: State<'_, Accounts>) -> Result<(), IpcError> {
    core.creation.cancel(&id).await;
    Ok(())
}
