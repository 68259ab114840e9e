//! The sign-in form's POST: the throttle, the password check, the browser session.
//!
//! Every submission is recorded (see [`crate::store::CheckResult`]). Too many failures for the
//! account typed, or from the client's address, within the configured window, and the form is
//! shown again with 429 and `Retry-After`, before any password is hashed.

use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::authorize::AuthRequest;
use super::csrf::PreSession;
use super::{OAuthError, Params, Provider, SESSION_COOKIE};
use crate::secret::{new_token, now};
use crate::store::{password_matches, CheckResult, SignInLimits};

/// Checks the email and password of a sign-in form POST (already checked for forgery) and, if
/// they match, starts a browser session and sends the browser back with a code.
pub(super) async fn password(
    provider: &Provider,
    request: &AuthRequest,
    params: &Params,
    pre: &PreSession,
    peer: SocketAddr,
) -> Response {
    let email = params.get("email").unwrap_or_default().to_owned();
    let address = peer.ip().to_string();
    let limits = SignInLimits {
        per_account: provider.config.sign_in_failures_per_account,
        per_address: provider.config.sign_in_failures_per_address,
        window_secs: provider.config.sign_in_throttle_window_secs,
    };
    let record = |result| {
        provider
            .store
            .record_credential_check(&email, &address, result, now())
    };
    match provider.store.sign_in_wait(&email, &address, limits, now()) {
        Ok(None) => {}
        Ok(Some(wait)) => {
            if let Err(e) = record(CheckResult::Throttled) {
                return request.refusal(OAuthError::Server(e)).into_response();
            }
            let minutes = (wait + 59) / 60;
            let message = format!(
                "Too many failed sign-ins. Wait {minutes} minute{} and try again.",
                if minutes == 1 { "" } else { "s" }
            );
            let mut response = request.form(
                provider,
                params,
                pre,
                StatusCode::TOO_MANY_REQUESTS,
                &email,
                Some(&message),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            return response;
        }
        Err(e) => return request.refusal(OAuthError::Server(e)).into_response(),
    }
    let password = params.get("password").unwrap_or_default().to_owned();
    let user = match provider.store.user_for_sign_in(&email) {
        Ok(u) => u,
        Err(e) => return request.refusal(OAuthError::Server(e)).into_response(),
    };
    // Verify against a dummy hash when the email is unknown, so timing does not tell which
    // emails have accounts.
    let (user, hash) = user.map_or((None, None), |(user, hash)| (Some(user), Some(hash)));
    let matches = tokio::task::spawn_blocking(move || {
        let Some(hash) = hash else {
            let _ = password_matches(&password, dummy_hash());
            return false;
        };
        password_matches(&password, &hash)
    })
    .await
    .unwrap_or(false);
    let result = if matches && user.is_some() {
        CheckResult::Success
    } else {
        CheckResult::Failure
    };
    if let Err(e) = record(result) {
        return request.refusal(OAuthError::Server(e)).into_response();
    }
    let Some(user) = user.filter(|_| matches) else {
        let message = "The email or password is not right. Check them and try again.";
        return request.form(
            provider,
            params,
            pre,
            StatusCode::UNAUTHORIZED,
            &email,
            Some(message),
        );
    };
    let (auth_time, set_cookie) = match start_session(provider, &user) {
        Ok(started) => started,
        Err(e) => return request.refusal(e).into_response(),
    };
    // 303: the browser follows a POST's redirect with GET.
    request.issue_code(
        provider,
        &user,
        auth_time,
        StatusCode::SEE_OTHER,
        Some(set_cookie),
    )
}

/// Starts a browser session for `user`: its authentication time and the `Set-Cookie` value.
pub(super) fn start_session(
    provider: &Provider,
    user: &crate::store::User,
) -> Result<(i64, String), OAuthError> {
    let session_id = new_token();
    let auth_time = now();
    let lifetime = provider.config.session_lifetime_secs;
    provider.store.create_session(
        &session_id,
        &user.id,
        auth_time,
        auth_time + i64::from(lifetime),
    )?;
    // Not `Secure`: the same session serves the http listener and the https one.
    let set_cookie = format!(
        "{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={lifetime}"
    );
    Ok((auth_time, set_cookie))
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        use argon2::password_hash::{PasswordHasher as _, SaltString};
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2::Argon2::default()
            .hash_password(b"not a password anyone has", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}
