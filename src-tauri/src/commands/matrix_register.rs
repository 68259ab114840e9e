//! The Matrix pane's account-creation commands: how a homeserver registers, whether a name is
//! free, and one command per stage. Each maps its arguments onto [`AccountCreation`] and its
//! errors onto [`IpcError`]; the password crosses once, into a `Secret`.

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::matrix::{
    AccountCreation, MatrixAccounts, NewAccount, RegistrationError, RegistrationOffer,
    RegistrationProgress,
};
use accounts_core::vault::Secret;
use tauri::State;

use super::registry_ready as ready;
use crate::error::IpcError;
use crate::RegistryState;

fn failed(error: RegistrationError) -> IpcError {
    log::info!("Matrix account creation: {error}");
    IpcError::from(error)
}

/// How `homeserver` lets accounts be created (or why it does not), before anything is typed.
#[tauri::command]
pub async fn matrix_register_offer(
    homeserver: String,
    creation: State<'_, AccountCreation>,
) -> Result<RegistrationOffer, IpcError> {
    creation.offer(&homeserver).await.map_err(failed)
}

/// Whether `username` is free on `homeserver`.
#[tauri::command]
pub async fn matrix_register_check_username(
    homeserver: String,
    username: String,
    creation: State<'_, AccountCreation>,
) -> Result<(), IpcError> {
    creation
        .check_username(&homeserver, &username)
        .await
        .map_err(IpcError::from)
}

/// Starts creating the account; returns the first stage to show (or the account).
#[tauri::command]
pub async fn matrix_register_start(
    homeserver: String,
    username: String,
    password: String,
    creation: State<'_, AccountCreation>,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<RegistrationProgress, IpcError> {
    let request = NewAccount {
        homeserver,
        username,
        password: Secret::new(password),
    };
    let registry = ready(registry.inner())?;
    creation
        .start(matrix.inner(), registry, request)
        .await
        .map_err(failed)
}

/// The registration-token stage.
#[tauri::command]
pub async fn matrix_register_token(
    id: String,
    token: String,
    creation: State<'_, AccountCreation>,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<RegistrationProgress, IpcError> {
    let registry = ready(registry.inner())?;
    creation
        .submit_token(&id, &token, matrix.inner(), registry)
        .await
        .map_err(failed)
}

/// The terms stage: `accepted` lists the ids of the policies the user ticked.
#[tauri::command]
pub async fn matrix_register_accept_terms(
    id: String,
    accepted: Vec<String>,
    creation: State<'_, AccountCreation>,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<RegistrationProgress, IpcError> {
    let registry = ready(registry.inner())?;
    creation
        .accept_terms(&id, &accepted, matrix.inner(), registry)
        .await
        .map_err(failed)
}

/// The email stage, first half: the server mails a link to `address`.
#[tauri::command]
pub async fn matrix_register_email(
    id: String,
    address: String,
    creation: State<'_, AccountCreation>,
) -> Result<RegistrationProgress, IpcError> {
    creation.request_email(&id, &address).await.map_err(failed)
}

/// The email stage, second half: done once the user has followed the link.
#[tauri::command]
pub async fn matrix_register_check_email(
    id: String,
    creation: State<'_, AccountCreation>,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<RegistrationProgress, IpcError> {
    let registry = ready(registry.inner())?;
    creation
        .check_email(&id, matrix.inner(), registry)
        .await
        .map_err(failed)
}

/// Gives up the account creation in progress.
#[tauri::command]
pub async fn matrix_register_cancel(
    id: String,
    creation: State<'_, AccountCreation>,
) -> Result<(), IpcError> {
    creation.cancel(&id).await;
    Ok(())
}
