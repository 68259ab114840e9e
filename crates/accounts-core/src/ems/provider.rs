//! The EMS server as an OpenID Connect provider: discovery, the client, ID-token checks.
//!
//! The protocol is the `openidconnect` crate's, over the reqwest 0.13 adapter that matrix-sdk's
//! tree already has; this module only chooses the parameters (client id, scopes, endpoints) and
//! turns failures into [`EmsError`]s.

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType,
    CoreIdToken, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, ClientId, DiscoveryError, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, ProviderMetadata,
};
use serde::{Deserialize, Serialize};
use url::Url;

use super::EmsError;

/// The desktop app's client id at every EMS server (a public native client, PKCE required).
pub const EMS_CLIENT_ID: &str = "element-accounts";

/// The scopes the app asks for (`openid` is always added): identity, a refresh token, and the
/// control-panel API.
pub const EMS_SCOPES: [&str; 5] = [
    "profile",
    "email",
    "offline_access",
    "ems.account",
    "ems.subscriptions",
];

/// Endpoints beyond core discovery that the app uses.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ExtraMetadata {
    /// RFC 7009 token revocation.
    pub revocation_endpoint: Option<String>,
    /// OpenID Connect RP-initiated logout (ends the browser session).
    pub end_session_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for ExtraMetadata {}

/// Discovery metadata with [`ExtraMetadata`].
pub type EmsProviderMetadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// The client as built from discovery.
pub(crate) type EmsClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Who signed in, from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The subject: the EMS account's stable id.
    pub subject: String,
    /// The account's email, when the server shares it.
    pub email: Option<String>,
    /// The account's name, when the server shares it.
    pub name: Option<String>,
}

/// A discovered EMS server.
#[derive(Debug, Clone)]
pub struct EmsProvider {
    issuer: String,
    metadata: EmsProviderMetadata,
    http: oauth2_reqwest::ReqwestClient,
}

impl EmsProvider {
    /// Fetches discovery and the JWKS from `issuer`.
    pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Self, EmsError> {
        let issuer = issuer.trim().to_owned();
        let parsed = Url::parse(&issuer).map_err(|_| EmsError::InvalidIssuer(issuer.clone()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(EmsError::InvalidIssuer(issuer));
        }
        let issuer_url =
            IssuerUrl::new(issuer.clone()).map_err(|_| EmsError::InvalidIssuer(issuer.clone()))?;
        let client = oauth2_reqwest::ReqwestClient::from(http.clone());
        let metadata = EmsProviderMetadata::discover_async(issuer_url, &client)
            .await
            .map_err(|error| match error {
                DiscoveryError::Request(cause) => EmsError::Unreachable {
                    issuer: issuer.clone(),
                    detail: super::error_chain(&cause),
                },
                other => EmsError::NotOidcProvider {
                    issuer: issuer.clone(),
                    detail: super::error_chain(&other),
                },
            })?;
        Ok(Self {
            issuer,
            metadata,
            http: client,
        })
    }

    /// The issuer URL, as discovered.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The HTTP client for protocol requests (redirects are never followed).
    pub(crate) fn http(&self) -> &oauth2_reqwest::ReqwestClient {
        &self.http
    }

    /// The OpenID Connect client of the desktop app at this server.
    pub(crate) fn client(&self) -> EmsClient {
        CoreClient::from_provider_metadata(
            self.metadata.clone(),
            ClientId::new(EMS_CLIENT_ID.to_owned()),
            None,
        )
    }

    /// The revocation endpoint, if the server has one.
    pub(crate) fn revocation_endpoint(&self) -> Option<&str> {
        self.metadata
            .additional_metadata()
            .revocation_endpoint
            .as_deref()
    }

    /// The userinfo endpoint, if the server has one.
    #[must_use]
    pub fn userinfo_endpoint(&self) -> Option<&Url> {
        self.metadata
            .userinfo_endpoint()
            .map(openidconnect::UserInfoUrl::url)
    }

    /// Where to send the browser to end its session at the server (RP-initiated logout). It
    /// names the client only: an `id_token_hint` would put a token into the browser's history.
    #[must_use]
    pub fn end_session_url(&self) -> Option<Url> {
        let endpoint = self
            .metadata
            .additional_metadata()
            .end_session_endpoint
            .as_deref()?;
        let mut url = Url::parse(endpoint).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", EMS_CLIENT_ID);
        Some(url)
    }

    /// Verifies a raw ID token (signature against the JWKS, issuer, audience, expiry, `nonce`).
    pub fn verify_id_token(&self, raw: &str, nonce: &str) -> Result<Identity, EmsError> {
        let token: CoreIdToken = raw
            .parse()
            .map_err(|e: serde_json::Error| EmsError::IdTokenInvalid(format!("malformed: {e}")))?;
        self.identity(&token, &Nonce::new(nonce.to_owned()))
    }

    pub(crate) fn identity(
        &self,
        token: &CoreIdToken,
        nonce: &Nonce,
    ) -> Result<Identity, EmsError> {
        let client = self.client();
        let claims = token
            .claims(&client.id_token_verifier(), nonce)
            .map_err(|e| EmsError::IdTokenInvalid(e.to_string()))?;
        Ok(Identity {
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
        })
    }
}
