//! Finding the homeserver: well-known, then `/versions`, then the sign-in methods it offers.
//!
//! Done with reqwest rather than matrix-sdk's builder so that each failure gets its own message
//! (no such host, refused, TLS, not Matrix, a well-known naming a dead server) and so that the
//! https rule (plain http only on this computer) is ours. The client for the account is then
//! built from the resolved URL; nothing here keeps state.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use super::error::DiscoveryError;
use super::input::{check_scheme, parse_homeserver_input, HomeserverInput};
use crate::transport;

/// A homeserver ready to sign in to, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HomeserverInfo {
    /// The homeserver's base URL, without a trailing slash; every request of the account goes here.
    pub homeserver_url: String,
    /// The server name whose well-known named it, when it was found that way.
    pub via_well_known: Option<String>,
    /// The sign-in methods the homeserver offers.
    pub methods: LoginMethods,
}

/// The sign-in methods of a homeserver.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct LoginMethods {
    /// `m.login.password`.
    pub password: bool,
    /// `m.login.sso`, with its identity providers (empty when the server names none).
    pub sso: Option<Vec<IdentityProvider>>,
    /// The server answers `/_matrix/client/v1/auth_metadata`: OAuth 2.0 next-generation auth,
    /// which this version cannot do yet.
    pub oauth: bool,
}

/// An identity provider offered for single sign-on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IdentityProvider {
    /// The provider's id, for the SSO redirect.
    pub id: String,
    /// The name to show.
    pub name: String,
}

/// The HTTP client sign-in, registration and account requests use: they carry passwords and
/// tokens, so it follows no redirect ([`crate::transport::credential_client`]).
#[must_use]
pub fn http_client() -> reqwest::Client {
    transport::credential_client()
}

/// The HTTP client discovery uses: redirects only https to https, or loopback to loopback
/// ([`crate::transport::discovery_client`]).
#[must_use]
pub fn discovery_client() -> reqwest::Client {
    transport::discovery_client()
}

/// Resolves what the user typed to a homeserver and its sign-in methods, through `http` (a
/// [`discovery_client`]; discovery sends nothing secret).
pub async fn discover(
    http: &reqwest::Client,
    input: &str,
) -> Result<HomeserverInfo, DiscoveryError> {
    let (base, via) = match parse_homeserver_input(input)? {
        HomeserverInput::Url(url) => {
            confirm_matrix(http, &url).await?;
            (url, None)
        }
        HomeserverInput::ServerName(name) => {
            let well_known_url = name.well_known_url()?;
            if let Some(base) = read_well_known(http, &well_known_url).await? {
                let dead = |cause: DiscoveryError| DiscoveryError::WellKnownDeadServer {
                    server_name: name.to_string(),
                    base_url: display_url(&base),
                    cause: Box::new(cause),
                };
                check_scheme(&base).map_err(dead)?;
                confirm_matrix(http, &base).await.map_err(dead)?;
                (base, Some(name.to_string()))
            } else {
                // No well-known (404): the spec says to try the server name itself.
                let base = name.fallback_base_url()?;
                confirm_matrix(http, &base).await?;
                (base, None)
            }
        }
    };
    let methods = login_methods(http, &base).await?;
    Ok(HomeserverInfo {
        homeserver_url: display_url(&base),
        via_well_known: via,
        methods,
    })
}

/// `url` as shown and stored: without the trailing slash of an empty path.
#[must_use]
pub fn display_url(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

/// The homeserver base URL a well-known names, or `None` when there is none (404).
async fn read_well_known(http: &reqwest::Client, url: &Url) -> Result<Option<Url>, DiscoveryError> {
    #[derive(Deserialize)]
    struct WellKnown {
        #[serde(rename = "m.homeserver")]
        homeserver: HomeserverEntry,
    }
    #[derive(Deserialize)]
    struct HomeserverEntry {
        base_url: String,
    }

    let response = get(http, url).await?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    let invalid = |detail: String| DiscoveryError::WellKnownInvalid {
        url: url.to_string(),
        detail,
    };
    if !status.is_success() {
        return Err(invalid(format!("it answered HTTP {status}")));
    }
    let body = body_of(response, url).await?;
    let parsed: WellKnown = serde_json::from_slice(&body)
        .map_err(|e| invalid(format!("it is not a valid well-known document: {e}")))?;
    let base = Url::parse(parsed.homeserver.base_url.trim()).map_err(|e| {
        invalid(format!(
            "its base_url \"{}\" is not a URL: {e}",
            parsed.homeserver.base_url
        ))
    })?;
    Ok(Some(base))
}

/// Checks that `base` answers `/_matrix/client/versions` like a homeserver.
async fn confirm_matrix(http: &reqwest::Client, base: &Url) -> Result<(), DiscoveryError> {
    #[derive(Deserialize)]
    struct Versions {
        versions: Vec<String>,
    }
    let url = join(base, "_matrix/client/versions")?;
    let response = get(http, &url).await?;
    let not_matrix = |detail: String| DiscoveryError::NotMatrix {
        url: display_url(base),
        detail,
    };
    let status = response.status();
    if !status.is_success() {
        return Err(not_matrix(format!(
            "/_matrix/client/versions answered HTTP {status}"
        )));
    }
    let body = body_of(response, &url).await?;
    match serde_json::from_slice::<Versions>(&body) {
        Ok(v) if !v.versions.is_empty() => Ok(()),
        _ => Err(not_matrix(
            "/_matrix/client/versions did not list Matrix versions".into(),
        )),
    }
}

/// The sign-in methods `base` offers.
async fn login_methods(http: &reqwest::Client, base: &Url) -> Result<LoginMethods, DiscoveryError> {
    #[derive(Deserialize)]
    struct Flows {
        flows: Vec<Flow>,
    }
    #[derive(Deserialize)]
    struct Flow {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        identity_providers: Vec<IdentityProvider>,
    }

    let mut methods = LoginMethods::default();
    let url = join(base, "_matrix/client/v3/login")?;
    let response = get(http, &url).await?;
    if response.status().is_success() {
        let body = body_of(response, &url).await?;
        if let Ok(flows) = serde_json::from_slice::<Flows>(&body) {
            for flow in flows.flows {
                match flow.kind.as_str() {
                    "m.login.password" => methods.password = true,
                    "m.login.sso" => methods.sso = Some(flow.identity_providers),
                    _ => {}
                }
            }
        }
    }
    let metadata = join(base, "_matrix/client/v1/auth_metadata")?;
    methods.oauth = http
        .get(metadata)
        .send()
        .await
        .is_ok_and(|r| r.status().is_success());
    Ok(methods)
}

/// GETs `url` once; a failure to reach it is the error a person reads.
async fn get(http: &reqwest::Client, url: &Url) -> Result<reqwest::Response, DiscoveryError> {
    http.get(url.clone())
        .send()
        .await
        .map_err(|e| network_error(url, &e))
}

/// The body of `response` (from `url`); a connection lost while reading it is a network error.
async fn body_of(response: reqwest::Response, url: &Url) -> Result<Vec<u8>, DiscoveryError> {
    let body = response.bytes().await.map_err(|e| network_error(url, &e))?;
    Ok(body.to_vec())
}

/// `base` joined with `path`, keeping any path prefix of `base`.
pub(crate) fn join(base: &Url, path: &str) -> Result<Url, DiscoveryError> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let with_slash = format!("{}/", base.path());
        base.set_path(&with_slash);
    }
    base.join(path).map_err(|e| DiscoveryError::InvalidName {
        input: base.to_string(),
        reason: e.to_string(),
    })
}

/// Turns a reqwest failure into the discovery error it means.
pub(crate) fn network_error(url: &Url, error: &reqwest::Error) -> DiscoveryError {
    let host = match (url.host_str(), url.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => url.to_string(),
    };
    let mut chain = Vec::new();
    let mut refused = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        chain.push(current.to_string());
        source = current.source();
    }
    let text = chain.join(": ").to_ascii_lowercase();
    let innermost = chain.last().cloned().unwrap_or_default();
    if refused || text.contains("connection refused") {
        DiscoveryError::ConnectionRefused { host }
    } else if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
    {
        DiscoveryError::NoSuchHost {
            host: url.host_str().unwrap_or_default().to_owned(),
        }
    } else if text.contains("certificate")
        || text.contains("tls")
        || text.contains("handshake")
        || text.contains("ssl")
    {
        DiscoveryError::Tls {
            host,
            detail: innermost,
        }
    } else if error.is_timeout() {
        DiscoveryError::Unreachable {
            host,
            detail: "it did not answer in time".into(),
        }
    } else {
        DiscoveryError::Unreachable {
            host,
            detail: innermost,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_a_path_prefix() {
        let base = Url::parse("https://example.org/matrix").unwrap();
        assert_eq!(
            join(&base, "_matrix/client/versions").unwrap().as_str(),
            "https://example.org/matrix/_matrix/client/versions"
        );
        let root = Url::parse("http://127.0.0.1:8448/").unwrap();
        assert_eq!(display_url(&root), "http://127.0.0.1:8448");
    }
}
