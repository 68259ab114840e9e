//! The sandbox's config file: token lifetimes, the registered OAuth clients, and the homeservers
//! the control-panel API hands out (cloud-hosted ones and the Element One homeserver).
//!
//! The format (TOML) is described in `docs/ems-sandbox.md`. Everything here is plain data with
//! checks; the endpoints that use it live in [`crate::oauth`].

use std::collections::HashSet;
use std::path::Path;

use url::{Host, Url};

use crate::secret::Secret;
use crate::SandboxError;

/// The provider's settings, as read from the config file.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The issuer; when absent, `http://<bound address>/`. Must end in `/`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// How long an access token is valid, in seconds.
    #[serde(default = "default_access_token_lifetime")]
    pub access_token_lifetime_secs: u32,
    /// How long an authorization code is valid, in seconds.
    #[serde(default = "default_code_lifetime")]
    pub code_lifetime_secs: u32,
    /// How long a browser session (the sign-in cookie) lasts, in seconds.
    #[serde(default = "default_session_lifetime")]
    pub session_lifetime_secs: u32,
    /// How long a grant's refresh tokens can be used after the sign-in that made it, in
    /// seconds, however often they rotate. Past it, refreshing fails and the user signs in again.
    #[serde(default = "default_refresh_token_absolute_lifetime")]
    pub refresh_token_absolute_lifetime_secs: u32,
    /// How many failed sign-ins one account may have within the throttle window before further
    /// attempts are answered 429.
    #[serde(default = "default_failures_per_account")]
    pub sign_in_failures_per_account: u32,
    /// How many failed sign-ins one client address may have within the throttle window, over all
    /// accounts, before further attempts are answered 429.
    #[serde(default = "default_failures_per_address")]
    pub sign_in_failures_per_address: u32,
    /// The sliding window over which failed sign-ins are counted, in seconds.
    #[serde(default = "default_throttle_window")]
    pub sign_in_throttle_window_secs: u32,
    /// The registered clients.
    #[serde(default)]
    pub clients: Vec<ClientConfig>,
    /// The homeservers a new hosted-homeserver subscription can be given, in order.
    #[serde(default)]
    pub homeservers: Vec<HomeserverConfig>,
    /// The Element One homeserver (one whose identity provider is this sandbox), if any.
    #[serde(default)]
    pub element_one: Option<ElementOneConfig>,
    /// The homeserver this sandbox is the OAuth 2.0 authorization server of (Synapse's
    /// `matrix_authentication_service` mode), if any. Served only on the https listener.
    #[serde(default)]
    pub matrix_auth: Option<MatrixAuthConfig>,
}

/// The homeserver that delegates its sign-in to this sandbox, as it would to the Matrix
/// Authentication Service.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixAuthConfig {
    /// Its server name: user IDs are `@localpart:<server_name>`.
    pub server_name: String,
    /// Its client-server API URL, where `/_synapse/mas/` lives.
    pub url: String,
    /// The secret shared with it (Synapse's `matrix_authentication_service.secret`): Synapse
    /// sends it to introspect tokens, the sandbox sends it to provision users and devices.
    pub secret: Secret,
    /// The EMS emails of the users who may have the scope `urn:synapse:admin:*` there.
    #[serde(default)]
    pub admins: Vec<String>,
}

impl MatrixAuthConfig {
    /// The absolute URL of `path` under the homeserver's URL.
    #[must_use]
    pub fn homeserver_endpoint(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.url.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    /// Whether `email` is one of the homeserver's admins.
    #[must_use]
    pub fn is_admin(&self, email: &str) -> bool {
        self.admins.iter().any(|a| a.eq_ignore_ascii_case(email))
    }
}

/// A real homeserver the sandbox can assign to a hosted-homeserver subscription.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeserverConfig {
    /// The server name (`127.0.0.1:8448`, `example.org`); unique in the list.
    pub server_name: String,
    /// The client-server API URL.
    pub url: String,
    /// The dedicated web client; the homeserver URL when absent.
    #[serde(default)]
    pub web_client_url: Option<String>,
    /// A server admin's Matrix ID there (for seat management). Never served by the API.
    pub admin_user: String,
    /// That admin's password. Never logged or served.
    pub admin_password: Secret,
}

/// The Element One homeserver.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementOneConfig {
    /// Its server name: Element One Matrix IDs are `@username:<server_name>`.
    pub server_name: String,
    /// Its client-server API URL.
    pub url: String,
    /// Its identity-provider id for this sandbox (Synapse names `idp_id: ems` `oidc-ems`).
    #[serde(default)]
    pub sso_idp_id: Option<String>,
    /// Element One's web client.
    #[serde(default)]
    pub web_client_url: Option<String>,
    /// The client id of the Element One homeserver (a confidential client of this provider).
    /// The ID tokens it gets carry the user's Element One user name as `preferred_username`,
    /// which the homeserver maps to the Matrix ID, even where it differs from the EMS user name.
    #[serde(default)]
    pub client_id: Option<String>,
}

impl HomeserverConfig {
    /// The dedicated web client's URL.
    #[must_use]
    pub fn web_client(&self) -> &str {
        self.web_client_url.as_deref().unwrap_or(&self.url)
    }
}

/// One registered OAuth client.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// The `client_id`.
    pub client_id: String,
    /// The secret of a confidential client (`client_secret_basic` or `client_secret_post`); a
    /// client without one is public and must use PKCE S256.
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// Redirect URIs that must match exactly.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Whether any `http://127.0.0.1:{port}/{path}` (or `http://[::1]:...`) redirect URI is
    /// allowed, whatever the port, as RFC 8252 §7.3 asks for native apps.
    #[serde(default)]
    pub loopback_redirects: bool,
    /// Where end-session may send the browser afterwards (exact match).
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Whether ID tokens carry the profile claims (`email`, `email_verified`, `name`,
    /// `preferred_username`). When off, an ID token says only who (`sub`) and the protocol
    /// claims, and the profile comes from userinfo alone, as some certified providers do.
    #[serde(default = "default_true")]
    pub id_token_profile_claims: bool,
}

fn default_access_token_lifetime() -> u32 {
    300
}
fn default_code_lifetime() -> u32 {
    60
}
fn default_session_lifetime() -> u32 {
    7 * 24 * 3600
}
fn default_refresh_token_absolute_lifetime() -> u32 {
    30 * 24 * 3600
}
fn default_failures_per_account() -> u32 {
    5
}
fn default_failures_per_address() -> u32 {
    20
}
fn default_throttle_window() -> u32 {
    15 * 60
}
fn default_true() -> bool {
    true
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            issuer: None,
            access_token_lifetime_secs: default_access_token_lifetime(),
            code_lifetime_secs: default_code_lifetime(),
            session_lifetime_secs: default_session_lifetime(),
            refresh_token_absolute_lifetime_secs: default_refresh_token_absolute_lifetime(),
            sign_in_failures_per_account: default_failures_per_account(),
            sign_in_failures_per_address: default_failures_per_address(),
            sign_in_throttle_window_secs: default_throttle_window(),
            clients: Vec::new(),
            homeservers: Vec::new(),
            element_one: None,
            matrix_auth: None,
        }
    }
}

impl ProviderConfig {
    /// Reads and checks a TOML config file.
    pub fn load(path: &Path) -> Result<Self, SandboxError> {
        let text = std::fs::read_to_string(path).map_err(|source| SandboxError::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text)
    }

    /// Parses and checks TOML text.
    pub fn from_toml(text: &str) -> Result<Self, SandboxError> {
        let config: Self = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: unique client ids, usable redirect URIs, a well-formed issuer.
    pub fn validate(&self) -> Result<(), SandboxError> {
        if let Some(issuer) = &self.issuer {
            let ok = Url::parse(issuer).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.query().is_none()
                    && u.fragment().is_none()
                    && u.as_str() == issuer
                    && issuer.ends_with('/')
            });
            if !ok {
                return Err(SandboxError::InvalidIssuer(issuer.clone()));
            }
        }
        let positive = [
            (
                "sign_in_failures_per_account",
                self.sign_in_failures_per_account,
            ),
            (
                "sign_in_failures_per_address",
                self.sign_in_failures_per_address,
            ),
            (
                "sign_in_throttle_window_secs",
                self.sign_in_throttle_window_secs,
            ),
            (
                "refresh_token_absolute_lifetime_secs",
                self.refresh_token_absolute_lifetime_secs,
            ),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(SandboxError::InvalidSetting {
                key,
                reason: "it must be at least 1",
            });
        }
        let mut seen = HashSet::new();
        for client in &self.clients {
            let invalid = |reason| SandboxError::InvalidClient {
                client_id: client.client_id.clone(),
                reason,
            };
            if client.client_id.is_empty() {
                return Err(invalid("client_id is empty"));
            }
            if !seen.insert(client.client_id.as_str()) {
                return Err(invalid("client_id appears twice"));
            }
            if client
                .client_secret
                .as_ref()
                .is_some_and(|s| s.expose().is_empty())
            {
                return Err(invalid("client_secret is empty"));
            }
            let uris = client
                .redirect_uris
                .iter()
                .chain(&client.post_logout_redirect_uris);
            for uri in uris {
                if !Url::parse(uri).is_ok_and(|u| u.fragment().is_none() && !u.cannot_be_a_base()) {
                    return Err(invalid(
                        "a redirect URI is not an absolute URL without fragment",
                    ));
                }
            }
            if client.redirect_uris.is_empty() && !client.loopback_redirects {
                return Err(invalid(
                    "it has no redirect_uris and loopback_redirects is off",
                ));
            }
        }
        if let Some(auth) = &self.matrix_auth {
            let url_ok = Url::parse(&auth.url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if auth.server_name.is_empty() || auth.server_name.contains(char::is_whitespace) {
                return Err(SandboxError::InvalidMatrixAuth(
                    "server_name is empty or has spaces",
                ));
            }
            if !url_ok {
                return Err(SandboxError::InvalidMatrixAuth(
                    "url must be an absolute http(s) URL",
                ));
            }
            if auth.secret.expose().len() < 16 {
                return Err(SandboxError::InvalidMatrixAuth(
                    "secret must have at least 16 characters",
                ));
            }
        }
        self.validate_homeservers()
    }

    fn validate_homeservers(&self) -> Result<(), SandboxError> {
        let http_url = |u: &str| {
            Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        };
        let mut names = HashSet::new();
        for hs in &self.homeservers {
            let invalid = |reason| SandboxError::InvalidHomeserver {
                server_name: hs.server_name.clone(),
                reason,
            };
            if hs.server_name.is_empty() || hs.server_name.contains(char::is_whitespace) {
                return Err(invalid("server_name is empty or has spaces"));
            }
            if !names.insert(hs.server_name.as_str()) {
                return Err(invalid("server_name appears twice"));
            }
            if !http_url(&hs.url) || !http_url(hs.web_client()) {
                return Err(invalid(
                    "url and web_client_url must be absolute http(s) URLs",
                ));
            }
            if !hs.admin_user.starts_with('@') || hs.admin_password.expose().is_empty() {
                return Err(invalid(
                    "admin_user must be a Matrix ID and admin_password must not be empty",
                ));
            }
        }
        if let Some(one) = &self.element_one {
            if one.server_name.is_empty()
                || one.server_name.contains(char::is_whitespace)
                || !http_url(&one.url)
                || one.web_client_url.as_deref().is_some_and(|u| !http_url(u))
            {
                return Err(SandboxError::InvalidHomeserver {
                    server_name: one.server_name.clone(),
                    reason: "element_one needs a server_name and an absolute http(s) url (and web_client_url, when given)",
                });
            }
        }
        Ok(())
    }

    /// The client with this id.
    #[must_use]
    pub fn client(&self, client_id: &str) -> Option<&ClientConfig> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }
}

impl ClientConfig {
    /// A public native client (the desktop app): no secret, PKCE S256, any loopback redirect.
    #[must_use]
    pub fn public_native(client_id: &str) -> Self {
        Self {
            client_id: client_id.to_owned(),
            client_secret: None,
            redirect_uris: Vec::new(),
            loopback_redirects: true,
            post_logout_redirect_uris: Vec::new(),
            id_token_profile_claims: true,
        }
    }

    /// A confidential client (a homeserver) with a secret and one exact redirect URI.
    #[must_use]
    pub fn confidential(client_id: &str, secret: &str, redirect_uri: &str) -> Self {
        Self {
            client_id: client_id.to_owned(),
            client_secret: Some(Secret::new(secret)),
            redirect_uris: vec![redirect_uri.to_owned()],
            loopback_redirects: false,
            post_logout_redirect_uris: Vec::new(),
            id_token_profile_claims: true,
        }
    }

    /// Whether the client is public (has no secret) and so must use PKCE.
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.client_secret.is_none()
    }

    /// Whether `uri` is one of this client's redirect URIs: an exact registered one, or, for a
    /// client with `loopback_redirects`, `http` to 127.0.0.1 or `[::1]` on any port (RFC 8252
    /// §7.3) without credentials or fragment.
    #[must_use]
    pub fn allows_redirect(&self, uri: &str) -> bool {
        if self.redirect_uris.iter().any(|r| r == uri) {
            return true;
        }
        if self.is_public()
            && self
                .redirect_uris
                .iter()
                .any(|registered| same_loopback_but_port(registered, uri))
        {
            return true;
        }
        if !self.loopback_redirects {
            return false;
        }
        let Ok(url) = Url::parse(uri) else {
            return false;
        };
        url.scheme() == "http"
            && url.username().is_empty()
            && url.password().is_none()
            && url.fragment().is_none()
            && match url.host() {
                Some(Host::Ipv4(ip)) => ip.is_loopback() && ip.octets() == [127, 0, 0, 1],
                Some(Host::Ipv6(ip)) => ip.is_loopback(),
                _ => false,
            }
    }

    /// Whether a code for `redirect_uri` must wait for the user's click even when the browser is
    /// signed in: for a public client sending it to a loopback address, because any local
    /// program can listen there and the server cannot tell which one asked (RFC 8252 §8.6).
    #[must_use]
    pub fn needs_consent(&self, redirect_uri: &str) -> bool {
        self.is_public()
            && Url::parse(redirect_uri).is_ok_and(|u| match u.host() {
                Some(Host::Ipv4(ip)) => ip.is_loopback(),
                Some(Host::Ipv6(ip)) => ip.is_loopback(),
                Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                None => false,
            })
    }

    /// Whether end-session may redirect to `uri`.
    #[must_use]
    pub fn allows_post_logout_redirect(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|r| r == uri)
    }
}

/// Whether `requested` is the registered loopback redirect URI `registered` on some port: a
/// native app's listener gets whatever port is free, so the port is not part of what a public
/// client registers (RFC 8252 §7.3). Scheme, address, path and query must match exactly.
fn same_loopback_but_port(registered: &str, requested: &str) -> bool {
    let (Ok(registered), Ok(requested)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    let loopback_ip = |u: &Url| match u.host() {
        Some(Host::Ipv4(ip)) => ip.octets() == [127, 0, 0, 1],
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    registered.scheme() == "http"
        && requested.scheme() == "http"
        && loopback_ip(&registered)
        && registered.host() == requested.host()
        && registered.path() == requested.path()
        && registered.query() == requested.query()
        && requested.username().is_empty()
        && requested.password().is_none()
        && requested.fragment().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_allow_any_port_but_only_loopback_http() {
        let app = ClientConfig::public_native("app");
        assert!(
            app.allows_redirect("http://127.0.0.1:49152/ems"),
            "RFC 8252: any port"
        );
        assert!(
            app.allows_redirect("http://[::1]:8080/cb"),
            "IPv6 loopback is loopback too"
        );
        assert!(
            !app.allows_redirect("https://127.0.0.1:1/x"),
            "the loopback rule is for http"
        );
        assert!(
            !app.allows_redirect("http://localhost:1/x"),
            "RFC 8252 §8.3: not localhost"
        );
        assert!(
            !app.allows_redirect("http://127.0.0.2:1/x"),
            "only 127.0.0.1 is registered"
        );
        assert!(
            !app.allows_redirect("http://evil@127.0.0.1:1/x"),
            "no credentials"
        );
        assert!(
            !app.allows_redirect("http://127.0.0.1.evil.example/x"),
            "host must be the IP"
        );
    }

    #[test]
    fn only_public_clients_with_loopback_redirects_need_consent() {
        let app = ClientConfig::public_native("app");
        assert!(app.needs_consent("http://127.0.0.1:49152/ems"));
        assert!(app.needs_consent("http://[::1]:1/cb"));
        let mut web = ClientConfig::public_native("web");
        web.redirect_uris.push("https://app.example/cb".into());
        assert!(
            !web.needs_consent("https://app.example/cb"),
            "a registered https redirect identifies the client"
        );
        let hs = ClientConfig::confidential("hs", "s", "http://127.0.0.1:8008/cb");
        assert!(
            !hs.needs_consent("http://127.0.0.1:8008/cb"),
            "a confidential client proves who it is at the token endpoint"
        );
    }

    #[test]
    fn the_throttle_defaults_leave_room_for_a_few_mistakes() {
        let config = ProviderConfig::from_toml("").expect("an empty config is valid");
        assert_eq!(
            (
                config.sign_in_failures_per_account,
                config.sign_in_failures_per_address,
                config.sign_in_throttle_window_secs,
            ),
            (5, 20, 900),
            "the documented defaults"
        );
        assert!(
            config.clients.is_empty() && config.refresh_token_absolute_lifetime_secs == 2_592_000,
            "30 days of refreshing by default"
        );
        let lean = ProviderConfig::from_toml(
            "[[clients]]\nclient_id = \"app\"\nloopback_redirects = true\nid_token_profile_claims = false\n",
        )
        .expect("valid");
        assert!(!lean.clients[0].id_token_profile_claims);
        assert!(
            ProviderConfig::from_toml(
                "[[clients]]\nclient_id = \"app\"\nloopback_redirects = true\n"
            )
            .expect("valid")
            .clients[0]
                .id_token_profile_claims,
            "profile claims stay in ID tokens unless a client opts out"
        );
        assert!(
            matches!(
                ProviderConfig::from_toml("sign_in_failures_per_account = 0"),
                Err(SandboxError::InvalidSetting {
                    key: "sign_in_failures_per_account",
                    ..
                })
            ),
            "a limit of 0 would lock everyone out"
        );
    }

    #[test]
    fn a_public_clients_loopback_redirect_matches_on_any_port_and_nothing_else() {
        let mut app = ClientConfig::public_native("registered");
        app.loopback_redirects = false;
        app.redirect_uris.push("http://127.0.0.1/callback".into());
        assert!(app.allows_redirect("http://127.0.0.1:49152/callback"));
        assert!(app.allows_redirect("http://127.0.0.1/callback"));
        assert!(
            !app.allows_redirect("http://127.0.0.1:49152/other"),
            "the path is registered"
        );
        assert!(
            !app.allows_redirect("http://127.0.0.1:1/callback?x=1"),
            "so is the query"
        );
        assert!(
            !app.allows_redirect("https://127.0.0.1:1/callback"),
            "and the scheme"
        );
        assert!(
            !app.allows_redirect("http://[::1]:1/callback"),
            "and the address"
        );
    }

    #[test]
    fn confidential_redirects_match_exactly() {
        let hs = ClientConfig::confidential("hs", "s", "http://127.0.0.1:8008/cb");
        assert!(hs.allows_redirect("http://127.0.0.1:8008/cb"));
        assert!(
            !hs.allows_redirect("http://127.0.0.1:8009/cb"),
            "the port is part of an exact URI"
        );
        assert!(
            !hs.allows_redirect("http://127.0.0.1:8008/cb?x=1"),
            "no extra query"
        );
    }

    #[test]
    fn the_config_file_parses_and_unknown_keys_are_refused() {
        let config = ProviderConfig::from_toml(
            "access_token_lifetime_secs = 5\n[[clients]]\nclient_id = \"app\"\nloopback_redirects = true\n",
        )
        .expect("valid config");
        assert_eq!(config.access_token_lifetime_secs, 5);
        assert!(config.client("app").is_some_and(ClientConfig::is_public));
        assert!(
            ProviderConfig::from_toml("acess_token_lifetime_secs = 5").is_err(),
            "a misspelt key must not be silently ignored"
        );
        let with_homeservers = ProviderConfig::from_toml(
            "[[homeservers]]\nserver_name = \"hs.test\"\nurl = \"http://127.0.0.1:1\"\n\
             admin_user = \"@admin:hs.test\"\nadmin_password = \"pw\"\n\
             [element_one]\nserver_name = \"one.test\"\nurl = \"http://127.0.0.1:2\"\n",
        )
        .expect("homeservers parse");
        assert_eq!(
            with_homeservers.homeservers[0].web_client(),
            "http://127.0.0.1:1"
        );
        assert!(
            !format!("{with_homeservers:?}").contains("\"pw\""),
            "admin passwords must not reach Debug output"
        );
        assert!(
            ProviderConfig::from_toml(
                "[[homeservers]]\nserver_name = \"a\"\nurl = \"ftp://x\"\nadmin_user = \"@a:a\"\nadmin_password = \"p\"\n"
            )
            .is_err(),
            "a homeserver URL must be http(s)"
        );
        assert!(
            ProviderConfig::from_toml("[[clients]]\nclient_id = \"x\"\n").is_err(),
            "a client with nowhere to redirect is a config mistake"
        );
    }
}
