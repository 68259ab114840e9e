//! The EMS server as an OpenID Connect provider: discovery, the client, ID-token checks.
//!
//! The protocol is the `openidconnect` crate's, over the reqwest 0.13 adapter that matrix-sdk's
//! tree already has; this module only chooses the parameters (client id, scopes, endpoints) and
//! turns failures into [`EmsError`]s.
//!
//! What discovery may name is checked before anything is sent there. The issuer and every
//! endpoint pass the transport rule ([`crate::transport::check`]: https, or http on this
//! computer). The authorization, token and revocation endpoints must be on the issuer's own
//! origin, or else all be https: a metadata document that pairs another server's
//! authorization endpoint with its own token endpoint is how a mix-up attack collects someone
//! else's authorization code, and on plain http nothing vouches for either server. Where cross-
//! origin https endpoints remain (real providers split them across hosts), the `iss` check of
//! the authorization response (RFC 9207) is the defence; see `docs/threat-model.md`.

use openidconnect::core::CoreGenderClaim;
use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType,
    CoreIdToken, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AccessToken, EmptyAdditionalClaims, JsonWebKeySet, SubjectIdentifier, UserInfoClaims,
    UserInfoError,
};
use openidconnect::{
    AdditionalProviderMetadata, ClientId, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, ProviderMetadata,
};
use serde::{Deserialize, Serialize};
use url::Url;

use super::EmsError;
use crate::transport;
use crate::vault::Secret;

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
    /// RFC 9207: the server names itself (`iss`) in every authorization response.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: Option<bool>,
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
        transport::check(&parsed).map_err(|rule| EmsError::Insecure {
            issuer: issuer.clone(),
            reason: rule.to_string(),
        })?;
        let issuer_url =
            IssuerUrl::new(issuer.clone()).map_err(|_| EmsError::InvalidIssuer(issuer.clone()))?;
        // Discovery is done by hand rather than with `discover_async`, which fetches the JWKS
        // from wherever the document says before anything can check that address.
        let unreachable = |cause: &reqwest::Error| EmsError::Unreachable {
            issuer: issuer.clone(),
            detail: super::unreachable_detail(cause),
        };
        let not_oidc = |detail: String| EmsError::NotOidcProvider {
            issuer: issuer.clone(),
            detail,
        };
        let document = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let metadata: EmsProviderMetadata = get_json(http, &document)
            .await
            .map_err(|e| e.into_error(&unreachable, &not_oidc, "its discovery document"))?;
        if metadata.issuer() != &issuer_url {
            return Err(not_oidc(format!(
                "its discovery document names another issuer, {}",
                metadata.issuer().as_str()
            )));
        }
        check_endpoints(&parsed, &metadata).map_err(|reason| EmsError::Insecure {
            issuer: issuer.clone(),
            reason,
        })?;
        let jwks: JsonWebKeySet<CoreJsonWebKey> = get_json(http, metadata.jwks_uri().as_str())
            .await
            .map_err(|e| e.into_error(&unreachable, &not_oidc, "its signing keys (JWKS)"))?;
        let metadata = metadata.set_jwks(jwks);
        let client = oauth2_reqwest::ReqwestClient::from(http.clone());
        Ok(Self {
            issuer,
            metadata,
            http: client,
        })
    }

    /// The issuer exactly as the server names itself, for the `iss` check (RFC 9207 compares
    /// strings).
    #[must_use]
    pub fn metadata_issuer(&self) -> &str {
        self.metadata.issuer().as_str()
    }

    /// Whether the server promises `iss` in every authorization response.
    #[must_use]
    pub fn sends_iss(&self) -> bool {
        self.metadata
            .additional_metadata()
            .authorization_response_iss_parameter_supported
            .unwrap_or(false)
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

    /// Fills in the email and name from the UserInfo endpoint when the ID token lacks them
    /// (OIDC Core §5.4 lets a provider return profile claims there only). The answer's `sub`
    /// must be the ID token's (§5.3.4): anything else is refused.
    pub(crate) async fn complete_identity(
        &self,
        identity: Identity,
        access_token: &Secret,
    ) -> Result<Identity, EmsError> {
        if identity.email.is_some() && identity.name.is_some() {
            return Ok(identity);
        }
        let client = self.client();
        let Ok(request) = client.user_info(
            AccessToken::new(access_token.expose().to_owned()),
            Some(SubjectIdentifier::new(identity.subject.clone())),
        ) else {
            // No UserInfo endpoint: the ID token's claims are all there is.
            return Ok(identity);
        };
        let answer: Result<UserInfoClaims<EmptyAdditionalClaims, CoreGenderClaim>, _> =
            request.request_async(&self.http).await;
        let claims = match answer {
            Ok(claims) => claims,
            Err(UserInfoError::ClaimsVerification(cause)) => {
                return Err(EmsError::IdTokenInvalid(format!(
                    "the UserInfo answer is not about the account that signed in: {cause}"
                )));
            }
            // The ID token is verified and names the account; UserInfo only adds display data,
            // so a server that fails it does not cost the user the sign-in.
            Err(other) => {
                log::warn!(
                    "UserInfo failed, keeping the ID token's claims: {}",
                    super::error_chain(&other)
                );
                return Ok(identity);
            }
        };
        Ok(Identity {
            email: identity
                .email
                .or_else(|| claims.email().map(|e| e.as_str().to_owned())),
            name: identity.name.or_else(|| {
                claims
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned())
            }),
            subject: identity.subject,
        })
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

/// Why a discovery fetch failed: the network, or the answer.
enum FetchError {
    Network(reqwest::Error),
    Answer(String),
}

impl FetchError {
    fn into_error(
        self,
        unreachable: &impl Fn(&reqwest::Error) -> EmsError,
        not_oidc: &impl Fn(String) -> EmsError,
        what: &str,
    ) -> EmsError {
        match self {
            Self::Network(cause) => unreachable(&cause),
            Self::Answer(detail) => not_oidc(format!("{what}: {detail}")),
        }
    }
}

/// GETs `url` (redirects are not followed) and reads its JSON.
async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> Result<T, FetchError> {
    let response = http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(FetchError::Network)?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Answer(format!("HTTP {status}")));
    }
    let body = response.bytes().await.map_err(FetchError::Network)?;
    serde_json::from_slice(&body).map_err(|e| FetchError::Answer(format!("not valid JSON ({e})")))
}

/// Checks every endpoint discovery names against the transport rule, and the endpoints that
/// take the authorization code or tokens against the issuer's origin; the reason for a refusal.
fn check_endpoints(issuer: &Url, metadata: &EmsProviderMetadata) -> Result<(), String> {
    let extra = metadata.additional_metadata();
    let parse = |what: &str, raw: &str| {
        Url::parse(raw).map_err(|_| format!("its {what} endpoint \"{raw}\" is not a URL"))
    };
    let mut code_and_tokens = vec![(
        "authorization",
        metadata.authorization_endpoint().url().clone(),
    )];
    if let Some(token) = metadata.token_endpoint() {
        code_and_tokens.push(("token", token.url().clone()));
    }
    if let Some(raw) = &extra.revocation_endpoint {
        code_and_tokens.push(("revocation", parse("revocation", raw)?));
    }
    let mut others = vec![("JWKS", metadata.jwks_uri().url().clone())];
    if let Some(userinfo) = metadata.userinfo_endpoint() {
        others.push(("UserInfo", userinfo.url().clone()));
    }
    if let Some(raw) = &extra.end_session_endpoint {
        others.push(("end-session", parse("end-session", raw)?));
    }
    for (what, url) in code_and_tokens.iter().chain(&others) {
        transport::check(url).map_err(|rule| format!("its {what} endpoint is refused: {rule}"))?;
    }
    for (what, url) in &code_and_tokens {
        let same_origin = url.origin() == issuer.origin();
        let all_https = issuer.scheme() == "https" && url.scheme() == "https";
        if !same_origin && !all_https {
            return Err(format!(
                "its {what} endpoint ({}) is on another server than the issuer, over plain http",
                url.origin().ascii_serialization()
            ));
        }
    }
    Ok(())
}
