//! A signed-in EMS account: hands out access tokens, refreshing them one at a time.
//!
//! The tokens sit behind one async mutex: a caller that finds the access token expiring (or
//! rejected with a 401) refreshes while holding it, so concurrent callers wait and then use the
//! new token instead of presenting the same refresh token again. The rotated refresh token is
//! saved to the vault before anyone uses the new access token.

use std::sync::atomic::{AtomicU8, Ordering};

use openidconnect::core::CoreErrorResponseType;
use openidconnect::{OAuth2TokenResponse, RefreshToken, RequestTokenError};
use tokio::sync::{Mutex, OnceCell};
use url::Url;

use super::provider::EmsProvider;
use super::tokens::{now, TokenSet};
use super::EmsError;
use std::path::PathBuf;

use crate::vault::{Secret, TokenLock, Vault};

/// Refresh this long before the access token expires.
const REFRESH_MARGIN_SECS: i64 = 30;

/// Where an EMS account stands on this computer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionStatus {
    /// Not checked yet since start-up.
    Unknown,
    /// Tokens are held and working.
    SignedIn,
    /// No tokens on this computer (signed out here).
    SignedOut,
    /// The server ended the session (the refresh token was refused).
    SignedOutOnServer,
}

/// One EMS account's session.
pub struct EmsSession {
    account_id: String,
    issuer: String,
    http: reqwest::Client,
    vault: Vault,
    provider: OnceCell<EmsProvider>,
    tokens: Mutex<Option<TokenSet>>,
    status: AtomicU8,
    /// The data folder whose lock refreshes take, shared with the command line.
    data_dir: Option<PathBuf>,
}

impl std::fmt::Debug for EmsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmsSession")
            .field("account_id", &self.account_id)
            .field("issuer", &self.issuer)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl EmsSession {
    /// The session of `account_id` at `issuer`; tokens are read from the vault when first needed.
    pub fn new(
        account_id: impl Into<String>,
        issuer: impl Into<String>,
        http: reqwest::Client,
        vault: Vault,
    ) -> Self {
        Self {
            account_id: account_id.into(),
            issuer: issuer.into(),
            http,
            vault,
            provider: OnceCell::new(),
            tokens: Mutex::new(None),
            status: AtomicU8::new(0),
            data_dir: None,
        }
    }

    /// The same, refreshing under the token lock of `data_dir` (see [`TokenLock`]).
    #[must_use]
    pub fn sharing_tokens_in(mut self, data_dir: Option<PathBuf>) -> Self {
        self.data_dir = data_dir;
        self
    }

    /// A session for a fresh sign-in: saves its tokens to the vault first.
    pub async fn signed_in(
        account_id: impl Into<String>,
        provider: EmsProvider,
        tokens: TokenSet,
        http: reqwest::Client,
        vault: Vault,
    ) -> Result<Self, EmsError> {
        let session = Self::new(account_id, provider.issuer().to_owned(), http, vault);
        tokens.save(&session.vault, &session.account_id).await?;
        let _ = session.provider.set(provider);
        *session.tokens.lock().await = Some(tokens);
        session.set_status(SessionStatus::SignedIn);
        Ok(session)
    }

    /// The account's id.
    #[must_use]
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The issuer.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Where the account stands, as last seen.
    #[must_use]
    pub fn status(&self) -> SessionStatus {
        match self.status.load(Ordering::Acquire) {
            1 => SessionStatus::SignedIn,
            2 => SessionStatus::SignedOut,
            3 => SessionStatus::SignedOutOnServer,
            _ => SessionStatus::Unknown,
        }
    }

    fn set_status(&self, status: SessionStatus) {
        let value = match status {
            SessionStatus::SignedIn => 1,
            SessionStatus::SignedOut => 2,
            SessionStatus::SignedOutOnServer => 3,
            SessionStatus::Unknown => 0,
        };
        self.status.store(value, Ordering::Release);
    }

    /// The discovered server (discovered once per session).
    pub async fn provider(&self) -> Result<&EmsProvider, EmsError> {
        self.provider
            .get_or_try_init(|| EmsProvider::discover(&self.http, &self.issuer))
            .await
    }

    /// A valid access token, refreshed first when it expires within half a minute.
    pub async fn access_token(&self) -> Result<Secret, EmsError> {
        self.token_refreshed_if(|t| t.expires_within(REFRESH_MARGIN_SECS))
            .await
    }

    /// After the server refused `rejected` with a 401: refreshes unless another caller already
    /// did, and returns the token to retry with.
    pub async fn refresh_after_unauthorized(&self, rejected: &Secret) -> Result<Secret, EmsError> {
        self.token_refreshed_if(|t| t.access_token.expose() == rejected.expose())
            .await
    }

    /// The access token, refreshed first when `stale` says the tokens held should not be used.
    /// One lock covers the check, the refresh and the answer, so that callers who find the same
    /// tokens stale refresh them once.
    async fn token_refreshed_if(
        &self,
        stale: impl FnOnce(&TokenSet) -> bool,
    ) -> Result<Secret, EmsError> {
        let mut guard = self.tokens.lock().await;
        self.load_into(&mut guard).await?;
        if guard.as_ref().is_some_and(stale) {
            self.refresh_locked(&mut guard).await?;
        }
        guard
            .as_ref()
            .map(|t| t.access_token.clone())
            .ok_or(EmsError::NotSignedIn)
    }

    /// Sends a request with the access token; on a 401, refreshes once and retries.
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, EmsError> {
        let token = self.access_token().await?;
        let response = self.send_with(&build, &token).await?;
        if response.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let token = self.refresh_after_unauthorized(&token).await?;
        self.send_with(&build, &token).await
    }

    async fn send_with(
        &self,
        build: &impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        token: &Secret,
    ) -> Result<reqwest::Response, EmsError> {
        build(&self.http)
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| EmsError::Unreachable {
                issuer: self.issuer.clone(),
                detail: super::unreachable_detail(&e),
            })
    }

    /// The account's claims from the userinfo endpoint (a cheap authenticated call).
    pub async fn userinfo(&self) -> Result<serde_json::Value, EmsError> {
        let endpoint = self
            .provider()
            .await?
            .userinfo_endpoint()
            .cloned()
            .ok_or_else(|| EmsError::NotOidcProvider {
                issuer: self.issuer.clone(),
                detail: "no userinfo endpoint".to_owned(),
            })?;
        let response = self.send(|http| http.get(endpoint.clone())).await?;
        if !response.status().is_success() {
            return Err(EmsError::Server {
                what: "the account request",
                status: response.status().as_u16(),
            });
        }
        response.json().await.map_err(|_| EmsError::Server {
            what: "the account request",
            status: 200,
        })
    }

    /// Signs out: revokes the refresh and access tokens at the server (best effort: an
    /// unreachable server does not keep the user signed in here) and forgets them. Returns the
    /// URL that ends the browser session at the server, for the shell to open.
    pub async fn sign_out(&self) -> Result<Option<Url>, EmsError> {
        let mut guard = self.tokens.lock().await;
        self.load_into(&mut guard).await.ok();
        let tokens = guard.take();
        let mut end_session = None;
        if let Ok(provider) = self.provider().await {
            if let Some(tokens) = &tokens {
                if let Some(endpoint) = provider.revocation_endpoint() {
                    let mut revocable = vec![(tokens.access_token.clone(), "access_token")];
                    if let Some(refresh) = &tokens.refresh_token {
                        // The refresh token first: revoking it ends the whole grant.
                        revocable.insert(0, (refresh.clone(), "refresh_token"));
                    }
                    for (token, hint) in revocable {
                        self.revoke(endpoint, &token, hint).await;
                    }
                }
            }
            end_session = provider.end_session_url();
        }
        TokenSet::forget(&self.vault, &self.account_id).await?;
        self.set_status(SessionStatus::SignedOut);
        Ok(end_session)
    }

    /// One RFC 7009 revocation request. Sent directly rather than through `oauth2`, which refuses
    /// revocation endpoints that are not https, and an EMS server on loopback is plain http.
    async fn revoke(&self, endpoint: &str, token: &Secret, hint: &str) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token.expose())
            .append_pair("token_type_hint", hint)
            .append_pair("client_id", super::EMS_CLIENT_ID)
            .finish();
        let result = self
            .http
            .post(endpoint)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await;
        match result {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => log::warn!("EMS token revocation answered {}", response.status()),
            Err(error) => log::warn!(
                "EMS token revocation failed: {}",
                super::error_chain(&error)
            ),
        }
    }

    /// Loads the tokens from the vault into `slot` if it is empty.
    async fn load_into(&self, slot: &mut Option<TokenSet>) -> Result<(), EmsError> {
        if slot.is_none() {
            let Some(tokens) = TokenSet::load(&self.vault, &self.account_id).await? else {
                if self.status() == SessionStatus::SignedOutOnServer {
                    return Err(EmsError::SignedOutOnServer);
                }
                self.set_status(SessionStatus::SignedOut);
                return Err(EmsError::NotSignedIn);
            };
            *slot = Some(tokens);
            if self.status() == SessionStatus::Unknown {
                self.set_status(SessionStatus::SignedIn);
            }
        }
        Ok(())
    }

    /// Refreshes the tokens in `slot` (the caller holds the lock) and saves the rotated ones.
    async fn refresh_locked(&self, slot: &mut Option<TokenSet>) -> Result<(), EmsError> {
        let _shared = TokenLock::acquire_in(self.data_dir.as_deref(), &self.account_id).await;
        // Another process using this session (the command line, or the app) may have refreshed
        // it meanwhile, spending the refresh token held here: take its tokens instead.
        if let Some(stored) = TokenSet::load(&self.vault, &self.account_id).await? {
            let rotated = slot
                .as_ref()
                .is_some_and(|held| held.refresh_token != stored.refresh_token);
            if rotated && !stored.expires_within(REFRESH_MARGIN_SECS) {
                log::info!(
                    "EMS account {}: took the tokens another process refreshed",
                    self.account_id
                );
                *slot = Some(stored);
                self.set_status(SessionStatus::SignedIn);
                return Ok(());
            }
            if rotated {
                *slot = Some(stored);
            }
        }
        let Some(current) = slot.as_ref() else {
            return Err(EmsError::NotSignedIn);
        };
        let Some(refresh) = current.refresh_token.clone() else {
            return Err(EmsError::SignedOutOnServer);
        };
        let provider = self.provider().await?;
        let result = provider
            .client()
            .exchange_refresh_token(&RefreshToken::new(refresh.expose().to_owned()))
            .map_err(|e| EmsError::NotOidcProvider {
                issuer: self.issuer.clone(),
                detail: e.to_string(),
            })?
            .request_async(provider.http())
            .await;
        let response = match result {
            Ok(response) => response,
            Err(RequestTokenError::ServerResponse(error))
                if matches!(
                    error.error(),
                    CoreErrorResponseType::InvalidGrant | CoreErrorResponseType::InvalidClient
                ) =>
            {
                log::warn!(
                    "EMS refresh token refused for account {}; signed out on the server",
                    self.account_id
                );
                *slot = None;
                TokenSet::forget(&self.vault, &self.account_id).await?;
                self.set_status(SessionStatus::SignedOutOnServer);
                return Err(EmsError::SignedOutOnServer);
            }
            Err(error) => {
                return Err(EmsError::Unreachable {
                    issuer: self.issuer.clone(),
                    detail: super::unreachable_detail(&error),
                })
            }
        };
        let next = TokenSet {
            access_token: Secret::new(response.access_token().secret().clone()),
            refresh_token: response
                .refresh_token()
                .map(|t| Secret::new(t.secret().clone()))
                .or_else(|| current.refresh_token.clone()),
            expires_at: response
                .expires_in()
                .map(|d| now() + i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)),
            id_token: current.id_token.clone(),
        };
        // Saved before use: the old refresh token is spent, and losing the new one would sign
        // the user out at the next start.
        next.save(&self.vault, &self.account_id).await?;
        *slot = Some(next);
        self.set_status(SessionStatus::SignedIn);
        Ok(())
    }
}
