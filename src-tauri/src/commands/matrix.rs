//! The Matrix pane's commands: discovery, password sign-in, the account list, sign-out and
//! removal. Each maps its arguments onto [`MatrixAccounts`] and its errors onto [`IpcError`].

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::matrix::{HomeserverInfo, MatrixAccountView, MatrixAccounts, PasswordSignIn};
use std::sync::{Mutex, PoisonError};

use accounts_core::vault::{AccountKind, AccountRegistry, Secret, SubscriptionLink};
use tauri::State;

use super::registry_ready as ready;
use crate::error::IpcError;
use crate::RegistryState;

/// Resolves a server name, Matrix ID or URL to a homeserver and its sign-in methods.
#[tauri::command]
pub async fn matrix_discover(
    input: String,
    matrix: State<'_, MatrixAccounts>,
) -> Result<HomeserverInfo, IpcError> {
    matrix.discover(&input).await.map_err(|error| {
        log::info!("homeserver discovery for {input:?} failed: {error}");
        IpcError::from(error)
    })
}

/// Signs in with a password; `account_id` names an account to sign in again, `subscription`
/// the EMS subscription the sign-in was opened from (kept with the account).
#[tauri::command]
pub async fn matrix_sign_in(
    homeserver: String,
    identifier: String,
    password: String,
    account_id: Option<String>,
    subscription: Option<SubscriptionLink>,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<MatrixAccountView, IpcError> {
    let request = PasswordSignIn {
        homeserver,
        identifier,
        password: Secret::new(password),
        account_id,
    };
    let registry = ready(registry.inner())?;
    let account = matrix.sign_in(registry, request).await.map_err(|error| {
        log::info!("Matrix sign-in failed: {error}");
        IpcError::from(error)
    })?;
    link_subscription(&matrix, registry, account, subscription)
}

/// Records that `account` was opened from `subscription` (an EMS subscription of an EMS
/// account on this computer), and returns the account as it now stands.
pub(crate) fn link_subscription(
    matrix: &MatrixAccounts,
    registry: &Mutex<AccountRegistry>,
    account: MatrixAccountView,
    subscription: Option<SubscriptionLink>,
) -> Result<MatrixAccountView, IpcError> {
    let Some(link) = subscription else {
        return Ok(account);
    };
    let mut records = registry.lock().unwrap_or_else(PoisonError::into_inner);
    let ems_known = records
        .get(&link.ems_account)
        .is_some_and(|r| r.kind == AccountKind::Ems);
    if !ems_known {
        // The EMS account was removed meanwhile: the Matrix account stands on its own.
        log::info!(
            "not linking {} to a subscription of a removed EMS account",
            account.id
        );
        return Ok(account);
    }
    records.link_subscription(&account.id, link)?;
    drop(records);
    Ok(matrix
        .list(registry)
        .into_iter()
        .find(|a| a.id == account.id)
        .unwrap_or(account))
}

/// Every Matrix account on this computer and where its session stands.
#[tauri::command]
pub fn matrix_accounts(
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Vec<MatrixAccountView> {
    ready(registry.inner()).map_or_else(|_| Vec::new(), |registry| matrix.list(registry))
}

/// Ends the account's session on the server; the account stays, signed out.
#[tauri::command]
pub async fn matrix_sign_out(
    id: String,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<(), IpcError> {
    let registry = ready(registry.inner())?;
    matrix.sign_out(registry, &id).await.map_err(IpcError::from)
}

/// Removes the account from this computer: session, store, keyring entries and record.
#[tauri::command]
pub async fn matrix_remove(
    id: String,
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<(), IpcError> {
    let registry = ready(registry.inner())?;
    matrix.remove(registry, &id).await.map_err(IpcError::from)
}
