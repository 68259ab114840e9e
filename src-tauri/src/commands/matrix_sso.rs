//! The Matrix pane's single sign-on commands: start (opens the system browser at the
//! homeserver's SSO for one identity provider), finish (waits for the browser and keeps the
//! session) and cancel. Each maps onto [`MatrixAccounts`] and its errors onto [`IpcError`].

// Tauri hands `State` and arguments to commands by value; that is its calling convention.
#![allow(clippy::needless_pass_by_value)]

use accounts_core::browser::BrowserHandoff;
use accounts_core::matrix::{MatrixAccountView, MatrixAccounts, SsoSignIn, DEFAULT_SSO_TIMEOUT};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use super::registry_ready as ready;
use crate::error::IpcError;
use crate::{AppState, RegistryState};

/// A single sign-on waiting for the browser.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MatrixSsoStarted {
    /// The address the browser was sent to (shown for copying when it could not be opened).
    /// It holds no secret: the flow's `state` only lets the app's own listener accept the return.
    pub sso_url: String,
    /// Why the browser could not be opened, if it could not.
    pub browser_error: Option<String>,
}

impl From<BrowserHandoff> for MatrixSsoStarted {
    fn from(handoff: BrowserHandoff) -> Self {
        Self {
            sso_url: handoff.url,
            browser_error: handoff.browser_error,
        }
    }
}

/// Starts single sign-on at `homeserver` with the identity provider `idp_id` (or the server's
/// own choice when `None`); `account_id` names an account to sign in again.
#[tauri::command]
pub async fn matrix_sso_start(
    homeserver: String,
    idp_id: Option<String>,
    account_id: Option<String>,
    state: State<'_, AppState>,
    matrix: State<'_, MatrixAccounts>,
) -> Result<MatrixSsoStarted, IpcError> {
    let request = SsoSignIn {
        homeserver,
        idp_id,
        account_id,
        timeout: DEFAULT_SSO_TIMEOUT,
    };
    let url = matrix.begin_sso_sign_in(request).await.map_err(|error| {
        log::info!("Matrix single sign-on could not start: {error}");
        IpcError::from(error)
    })?;
    let handoff = state
        .opener
        .hand_off(&url)
        .inspect_err(|_| matrix.cancel_sso_sign_in())?;
    Ok(handoff.into())
}

/// Waits for the browser to come back from single sign-on and keeps the new session.
#[tauri::command]
pub async fn matrix_sso_finish(
    matrix: State<'_, MatrixAccounts>,
    registry: State<'_, RegistryState>,
) -> Result<MatrixAccountView, IpcError> {
    let registry = ready(registry.inner())?;
    matrix.finish_sso_sign_in(registry).await.map_err(|error| {
        log::info!("Matrix single sign-on did not complete: {error}");
        IpcError::from(error)
    })
}

/// Gives up the single sign-on in progress; nothing is kept.
#[tauri::command]
pub fn matrix_sso_cancel(matrix: State<'_, MatrixAccounts>) {
    matrix.cancel_sso_sign_in();
}
