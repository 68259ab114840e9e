//! One EMS sign-in in the system browser: authorization code + PKCE S256, `state` and `nonce`,
//! back through a loopback listener (RFC 8252).
//!
//! The flow is two halves: [`Authorization::prepare`] builds the request for a redirect address
//! on a loopback path and chooses its `state`; [`Authorization::complete`] finishes from that
//! path's callback. [`begin_sign_in`] runs them over a listener of its own ([`PendingSignIn`]);
//! the Element One bridge chains them with the Matrix leg. Opening the browser is
//! `EmsAccounts`'s, through the core's opener.

use std::time::Duration;

use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RequestTokenError, Scope, TokenResponse,
};
use url::Url;

use super::provider::{EmsProvider, Identity, EMS_SCOPES};
use super::tokens::{now, TokenSet};
use super::EmsError;
use crate::loopback::{Callback, CallbackListener, CallbackState, CancelHandle, Reply, StaticPage};
use crate::vault::Secret;

/// The loopback path the browser returns to.
pub const CALLBACK_PATH: &str = "/ems";

/// How long the app waits for the browser to come back.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_mins(5);

const SIGNED_IN: StaticPage = StaticPage::signed_in("Signed in to EMS");

/// A completed sign-in.
#[derive(Debug)]
pub struct SignedIn {
    /// The issuer signed in to.
    pub issuer: String,
    /// Who signed in.
    pub identity: Identity,
    /// The new tokens (not yet saved).
    pub tokens: TokenSet,
}

/// The authorization request of one sign-in, made for a redirect URI on a loopback path: the
/// first half of the flow. [`Authorization::complete`] is the second, from that path's callback.
pub struct Authorization {
    provider: EmsProvider,
    authorize_url: Url,
    redirect_url: RedirectUrl,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    nonce: Nonce,
}

crate::debug_fields!(Authorization);

/// A sign-in waiting for the browser, on a listener of its own.
pub struct PendingSignIn {
    listener: CallbackListener,
    authorization: Authorization,
}

crate::debug_fields!(PendingSignIn, authorization);

/// Discovers `issuer`, opens a loopback listener on [`CALLBACK_PATH`] and prepares the
/// authorization URL.
pub async fn begin_sign_in(
    http: &reqwest::Client,
    issuer: &str,
    timeout: Duration,
) -> Result<PendingSignIn, EmsError> {
    let provider = EmsProvider::discover(http, issuer).await?;
    let mut listener = CallbackListener::builder(timeout)
        .path_awaiting_state(CALLBACK_PATH)
        .bind()
        .await?;
    let callback = listener
        .callback_url(CALLBACK_PATH)
        .ok_or_else(|| EmsError::TokenExchange("the callback path is not served".to_owned()))?
        .clone();
    let authorization = Authorization::prepare(provider, &callback)?;
    listener
        .set_state(CALLBACK_PATH, CallbackState::new(authorization.state()))
        .await?;
    Ok(PendingSignIn {
        listener,
        authorization,
    })
}

impl PendingSignIn {
    /// Where the browser must go.
    #[must_use]
    pub fn authorize_url(&self) -> &Url {
        self.authorization.authorize_url()
    }

    /// Ends the flow with [`EmsError::Cancelled`] from anywhere.
    #[must_use]
    pub fn cancel_handle(&self) -> CancelHandle {
        self.listener.cancel_handle()
    }

    /// The discovered server.
    #[must_use]
    pub fn provider(&self) -> &EmsProvider {
        &self.authorization.provider
    }

    /// Waits for the browser, finishes the sign-in and tells the browser tab how it went.
    pub async fn finish(mut self) -> Result<(SignedIn, EmsProvider), EmsError> {
        let callback = self.listener.next_callback().await?;
        let result = self.authorization.complete(&callback).await;
        callback.respond(Reply::Page(if result.is_ok() {
            SIGNED_IN
        } else {
            StaticPage::NOT_SIGNED_IN
        }));
        result
    }
}

impl Authorization {
    /// Builds the authorization request (PKCE S256, `state`, `nonce`) for `redirect`, an address
    /// on a loopback listener; the listener must then expect [`Self::state`] there.
    pub fn prepare(provider: EmsProvider, redirect: &Url) -> Result<Self, EmsError> {
        let redirect_url = RedirectUrl::new(redirect.to_string())
            .map_err(|e| EmsError::TokenExchange(e.to_string()))?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = CsrfToken::new_random();
        let nonce = Nonce::new_random();
        let (state_for_url, nonce_for_url) = (state.clone(), nonce.clone());
        let client = provider.client().set_redirect_uri(redirect_url.clone());
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || state_for_url,
                move || nonce_for_url,
            )
            .set_pkce_challenge(challenge);
        for scope in EMS_SCOPES {
            request = request.add_scope(Scope::new(scope.to_owned()));
        }
        let (authorize_url, _, _) = request.url();
        Ok(Self {
            provider,
            authorize_url,
            redirect_url,
            state,
            verifier,
            nonce,
        })
    }

    /// Where the browser must go.
    #[must_use]
    pub fn authorize_url(&self) -> &Url {
        &self.authorize_url
    }

    /// The `state` the callback must carry.
    #[must_use]
    pub fn state(&self) -> &str {
        self.state.secret()
    }

    /// Finishes the sign-in from the callback the listener served on this request's path:
    /// checks `iss`, exchanges the code and verifies the ID token. Answering the browser is the
    /// caller's (a page, or the next step of a chained flow).
    pub async fn complete(
        mut self,
        callback: &Callback,
    ) -> Result<(SignedIn, EmsProvider), EmsError> {
        self.check_iss(callback.param("iss"))?;
        if let Some(error) = callback.param("error").map(str::to_owned) {
            let description = callback.param("error_description").map(str::to_owned);
            return Err(EmsError::Refused { error, description });
        }
        let Some(code) = callback.param("code").map(str::to_owned) else {
            return Err(EmsError::TokenExchange(
                "the server sent no authorization code".to_owned(),
            ));
        };
        let signed_in = self.exchange(code).await?;
        Ok((signed_in, self.provider))
    }

    /// RFC 9207: an `iss` that is not this flow's issuer means the browser was answered by
    /// another server (a mix-up), so its code must not reach this issuer's token endpoint. A
    /// server that promises `iss` must send it.
    fn check_iss(&self, iss: Option<&str>) -> Result<(), EmsError> {
        let expected = self.provider.metadata_issuer();
        match iss {
            Some(iss) if iss == expected => Ok(()),
            None if !self.provider.sends_iss() => Ok(()),
            other => Err(EmsError::IssuerMismatch {
                expected: expected.to_owned(),
                got: other.unwrap_or("no server").to_owned(),
            }),
        }
    }

    async fn exchange(&mut self, code: String) -> Result<SignedIn, EmsError> {
        let verifier = PkceCodeVerifier::new(self.verifier.secret().clone());
        let response = self
            .provider
            .client()
            .set_redirect_uri(self.redirect_url.clone())
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| EmsError::NotOidcProvider {
                issuer: self.provider.issuer().to_owned(),
                detail: e.to_string(),
            })?
            .set_pkce_verifier(verifier)
            .request_async(self.provider.http())
            .await
            .map_err(|error| match error {
                RequestTokenError::ServerResponse(response) => {
                    EmsError::TokenExchange(response.to_string())
                }
                other => EmsError::TokenExchange(super::error_chain(&other)),
            })?;
        let id_token = response
            .id_token()
            .ok_or_else(|| EmsError::IdTokenInvalid("the server sent no ID token".to_owned()))?;
        let identity = self.provider.identity(id_token, &self.nonce)?;
        let access_token = Secret::new(response.access_token().secret().clone());
        let identity = self
            .provider
            .complete_identity(identity, &access_token)
            .await?;
        let tokens = TokenSet {
            access_token,
            refresh_token: response
                .refresh_token()
                .map(|t| Secret::new(t.secret().clone())),
            expires_at: response
                .expires_in()
                .map(|d| now() + i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)),
            id_token: Some(Secret::new(id_token.to_string())),
        };
        Ok(SignedIn {
            issuer: self.provider.issuer().to_owned(),
            identity,
            tokens,
        })
    }
}
