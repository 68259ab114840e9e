//! The Matrix pane's account-creation commands: how a homeserver registers, whether a name is
//! free, and one command per stage. Each maps its arguments onto [`AccountCreation`] and its
//! errors onto [`IpcError`]; the password crosses once, into a `Secret`.

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use std::sync::Mutex;

use accounts_core::matrix::{
    AccountCreation, MatrixAccounts, NewAccount, RegistrationError, RegistrationOffer,
    RegistrationProgress, RegistrationStep,
};
use accounts_core::vault::{AccountRegistry, Secret, SubscriptionLink};
use tauri::State;

use super::matrix::link_subscription;
use super::registry_ready as ready;
use crate::error::IpcError;
use crate::RegistryState;

fn failed(error: RegistrationError) -> IpcError {
    log::info!("Matrix account creation: {error}");
    IpcError::from(error)
}

/// The progress, with a newly created account linked to the EMS subscription the form was
/// opened from (as a sign-in from there is).
fn linked(
    result: Result<RegistrationProgress, RegistrationError>,
    subscription: Option<SubscriptionLink>,
    matrix: &MatrixAccounts,
    registry: &Mutex<AccountRegistry>,
) -> Result<RegistrationProgress, IpcError> {
    let progress = result.map_err(failed)?;
    match progress.step {
        RegistrationStep::Done { account } => Ok(RegistrationProgress {
            id: progress.id,
            step: RegistrationStep::Done {
                account: link_subscription(matrix, registry, account, subscription)?,
            },
        }),
        step => Ok(RegistrationProgress {
            id: progress.id,
            step,
        }),
    }
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

/// Starts creating the account; returns the first stage to show (or the account). Each call
/// that can finish it names the EMS subscription the form was opened from, if any.
#[tauri::command]
pub async fn matrix_register_start(
    homeserver: String,
    username: String,
    password: String,
    subscription: Option<SubscriptionLink>,
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
    let result = creation.start(matrix.inner(), registry, request).await;
    linked(result, subscription, matrix.inner(), registry)
}

/// The registration-token stage.
#[tauri::command]
pub async fn matrix_register_token(
    id: String,
    token: String,
    subscription: Option<SubscriptionLink>,
    creation: State<'_, AccountCreation>,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<RegistrationProgress, IpcError> {
    let registry = ready(registry.inner())?;
    let result = creation
        .submit_token(&id, &token, matrix.inner(), registry)
        .await;
    linked(result, subscription, matrix.inner(), registry)
}

/// The terms stage: `accepted` lists the ids of the policies the user ticked.
#[tauri::command]
pub async fn matrix_register_accept_terms(
    id: String,
    accepted: Vec<String>,
    subscription: Option<SubscriptionLink>,
    creation: State<'_, AccountCreation>,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<RegistrationProgress, IpcError> {
    let registry = ready(registry.inner())?;
    let result = creation
        .accept_terms(&id, &accepted, matrix.inner(), registry)
        .await;
    linked(result, subscription, matrix.inner(), registry)
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
    subscription: Option<SubscriptionLink>,
    creation: State<'_, AccountCreation>,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<RegistrationProgress, IpcError> {
    let registry = ready(registry.inner())?;
    let result = creation.check_email(&id, matrix.inner(), registry).await;
    linked(result, subscription, matrix.inner(), registry)
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
