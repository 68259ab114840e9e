//! What the user typed to name a homeserver: a server name, a Matrix ID or a URL.
//!
//! Parsing is pure and strict, so that a typo is reported as such before any request is sent.
//! The https rule is the core's transport rule (`crate::transport`): plain http only for hosts
//! on this computer.

use url::{Host, Url};

use super::error::DiscoveryError;

/// A parsed homeserver input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HomeserverInput {
    /// A server name (`example.org`, `127.0.0.1:8448`), also what a Matrix ID names.
    ServerName(ServerName),
    /// A homeserver URL, used as it is.
    Url(Url),
}

/// A Matrix server name: a host and an optional port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerName {
    /// The host: a DNS name, an IPv4 address or a bracketed IPv6 address.
    pub host: String,
    /// The port, when given.
    pub port: Option<u16>,
}

impl std::fmt::Display for ServerName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}:{port}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

impl ServerName {
    /// The URL of `/.well-known/matrix/client` for this name: https, or http on loopback.
    pub fn well_known_url(&self) -> Result<Url, DiscoveryError> {
        let scheme = if is_loopback_host(&self.host) {
            "http"
        } else {
            "https"
        };
        Url::parse(&format!("{scheme}://{self}/.well-known/matrix/client")).map_err(|e| {
            DiscoveryError::InvalidName {
                input: self.to_string(),
                reason: e.to_string(),
            }
        })
    }

    /// The URL tried when the name has no well-known: the name itself as a homeserver.
    pub fn fallback_base_url(&self) -> Result<Url, DiscoveryError> {
        let mut url = self.well_known_url()?;
        url.set_path("/");
        Ok(url)
    }
}

/// Parses what the user typed.
pub fn parse_homeserver_input(input: &str) -> Result<HomeserverInput, DiscoveryError> {
    let trimmed = input.trim();
    let invalid = |reason: &str| DiscoveryError::InvalidName {
        input: trimmed.to_owned(),
        reason: reason.to_owned(),
    };
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        let url = Url::parse(trimmed).map_err(|e| invalid(&e.to_string()))?;
        if url.host().is_none() {
            return Err(invalid("the URL has no host"));
        }
        check_scheme(&url)?;
        return Ok(HomeserverInput::Url(url));
    }
    if trimmed.contains("://") {
        return Err(invalid(
            "only http:// and https:// addresses are homeservers",
        ));
    }
    let name = match trimmed.strip_prefix('@') {
        Some(user_id) => user_id
            .split_once(':')
            .map(|(_, server)| server)
            .filter(|server| !server.is_empty())
            .ok_or_else(|| invalid("a Matrix ID looks like @name:example.org"))?,
        None => trimmed,
    };
    parse_server_name(name)
        .map(HomeserverInput::ServerName)
        .map_err(|reason| invalid(&reason))
}

/// Refuses plain http for anything but this computer.
pub fn check_scheme(url: &Url) -> Result<(), DiscoveryError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if url.host_str().is_some_and(is_loopback_host) => Ok(()),
        "http" => Err(DiscoveryError::InsecureUrl {
            url: url.as_str().trim_end_matches('/').to_owned(),
        }),
        other => Err(DiscoveryError::InvalidName {
            input: url.to_string(),
            reason: format!("{other}: is not a web address"),
        }),
    }
}

pub use crate::transport::is_loopback_host;

/// A homeserver's base URL as discovery resolved it and the UI hands it back: parsed once, here,
/// and held to the transport rule (https, or http on this computer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Homeserver(Url);

impl Homeserver {
    /// Parses a homeserver URL such as `https://matrix.example.org` or `http://127.0.0.1:8008`.
    pub fn parse(input: &str) -> Result<Self, DiscoveryError> {
        let url = Url::parse(input.trim()).map_err(|e| DiscoveryError::InvalidName {
            input: input.to_owned(),
            reason: e.to_string(),
        })?;
        check_scheme(&url)?;
        Ok(Self(url))
    }

    /// The base URL every request of the account goes to.
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The base URL.
    #[must_use]
    pub fn into_url(self) -> Url {
        self.0
    }
}

fn parse_server_name(name: &str) -> Result<ServerName, String> {
    let (host, port) = if let Some(rest) = name.strip_prefix('[') {
        let (ip, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address needs a closing ]")?;
        ip.parse::<std::net::Ipv6Addr>()
            .map_err(|_| format!("{ip} is not an IPv6 address"))?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| format!("\"{after}\" after the IPv6 address is not a :port"))?,
            ),
        };
        (format!("[{ip}]"), port)
    } else {
        match name.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (name.to_owned(), None),
        }
    };
    let port = match port {
        Some(port) => Some(
            port.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("{port} is not a port number"))?,
        ),
        None => None,
    };
    if !host.starts_with('[') {
        if host.is_empty() {
            return Err("the host name is missing".into());
        }
        if let Some(bad) = host
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
        {
            return Err(format!("'{bad}' cannot be part of a host name"));
        }
        if host.split('.').any(str::is_empty) {
            return Err("a host name has no empty labels".into());
        }
        // Let the URL parser have the last word (it also normalises IPv4 addresses).
        match Host::parse(&host) {
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(ServerName {
        host: host.to_ascii_lowercase(),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(host: &str, port: Option<u16>) -> HomeserverInput {
        HomeserverInput::ServerName(ServerName {
            host: host.into(),
            port,
        })
    }

    #[test]
    fn text_after_an_ipv6_address_must_be_a_port() {
        assert!(
            parse_homeserver_input("[::1]garbage").is_err(),
            "trailing text after ] is a typo, not part of the name"
        );
        assert!(parse_homeserver_input("[::1]:8448").is_ok());
        assert!(parse_homeserver_input("[::1]").is_ok());
    }

    #[test]
    fn server_names_matrix_ids_and_urls() {
        assert_eq!(
            parse_homeserver_input(" example.org ").unwrap(),
            server("example.org", None)
        );
        assert_eq!(
            parse_homeserver_input("@alice:example.org").unwrap(),
            server("example.org", None)
        );
        assert_eq!(
            parse_homeserver_input("@alice:127.0.0.1:8448").unwrap(),
            server("127.0.0.1", Some(8448))
        );
        assert_eq!(
            parse_homeserver_input("[::1]:8008").unwrap(),
            server("[::1]", Some(8008))
        );
        assert!(matches!(
            parse_homeserver_input("https://matrix.example.org/").unwrap(),
            HomeserverInput::Url(u) if u.as_str() == "https://matrix.example.org/"
        ));
    }

    #[test]
    fn typos_are_invalid_names() {
        for bad in [
            "",
            "exa mple.org",
            "example..org",
            "example.org:99999",
            "@alice",
            "ftp://example.org",
            "[::1",
        ] {
            assert!(
                matches!(
                    parse_homeserver_input(bad),
                    Err(DiscoveryError::InvalidName { .. })
                ),
                "{bad:?} must be refused before any request"
            );
        }
    }

    #[test]
    fn plain_http_only_on_this_computer() {
        assert!(parse_homeserver_input("http://127.0.0.1:8448").is_ok());
        assert!(parse_homeserver_input("http://localhost:8008").is_ok());
        assert!(matches!(
            parse_homeserver_input("http://matrix.example.org"),
            Err(DiscoveryError::InsecureUrl { .. })
        ));
        let local = ServerName {
            host: "127.0.0.1".into(),
            port: Some(8448),
        };
        assert_eq!(
            local.well_known_url().unwrap().as_str(),
            "http://127.0.0.1:8448/.well-known/matrix/client"
        );
        let remote = ServerName {
            host: "example.org".into(),
            port: None,
        };
        assert_eq!(
            remote.well_known_url().unwrap().as_str(),
            "https://example.org/.well-known/matrix/client",
            "the spec says https"
        );
    }
}

/// Whatever is typed, the parser gives a homeserver or a typed error, and never panics.
///
/// Inputs are arbitrary text, and text built near the grammar (names, Matrix IDs, IPv4 and
/// bracketed IPv6 hosts, ports, http/https/other schemes, each with one thing off), which is
/// what reaches the checks past the first few. A name that parses must also yield its URLs.
#[cfg(test)]
mod properties {
    use proptest::{collection::vec, prelude::*, sample::select};

    use super::*;

    fn host() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => vec("[a-zA-Z0-9-]{0,8}", 1..4).prop_map(|labels| labels.join(".")),
            1 => (any::<[u8; 4]>(), 1_usize..=4).prop_map(|(octets, count)| {
                octets[..count].iter().map(u8::to_string).collect::<Vec<_>>().join(".")
            }),
            1 => any::<std::net::Ipv6Addr>().prop_map(|ip| format!("[{ip}]")),
            1 => select(vec![
                "localhost", "[::1]", "[::1", "::1]", "[]", "[127.0.0.1]", "0x7f.1", "xn--",
                "xn--nxasmq6b", "ex ample.org", "example..org", ".org", "exämple.org", "",
            ])
            .prop_map(str::to_owned),
            1 => "\\PC{0,12}",
        ]
    }

    fn port() -> impl Strategy<Value = String> {
        prop_oneof![
            2 => Just(String::new()),
            2 => any::<u16>().prop_map(|port| format!(":{port}")),
            1 => select(vec![":", ":0", ":65536", ":99999", ":-1", ":+8448", ": 8448", "::"])
                .prop_map(str::to_owned),
            1 => ":[0-9]{0,7}",
        ]
    }

    fn near_input() -> impl Strategy<Value = String> {
        let prefix = prop_oneof![
            3 => Just(String::new()),
            1 => select(vec!["https://", "http://", "HTTPS://", "HtTp://", "ftp://", "file://",
                "https:/", "://"]).prop_map(str::to_owned),
            1 => "@[a-z0-9._=-]{0,8}:?",
        ];
        let suffix = prop_oneof![
            3 => Just(String::new()),
            1 => select(vec!["/", "/_matrix", "?x=1", "#f", "/../", "@", ":"])
                .prop_map(str::to_owned),
        ];
        let space = select(vec!["", "", " ", "\t", "\n", "\u{a0}"]);
        (space.clone(), prefix, host(), port(), suffix, space).prop_map(
            |(lead, prefix, host, port, suffix, trail)| {
                format!("{lead}{prefix}{host}{port}{suffix}{trail}")
            },
        )
    }

    fn check(input: &str) -> Result<(), TestCaseError> {
        match parse_homeserver_input(input) {
            Ok(HomeserverInput::ServerName(name)) => {
                prop_assert_eq!(&name.host, &name.host.to_ascii_lowercase());
                prop_assert_ne!(name.port, Some(0), "port 0 is refused");
                let well_known = name.well_known_url();
                prop_assert!(
                    well_known.is_ok(),
                    "{:?} parsed but has no URL: {:?}",
                    name,
                    well_known
                );
                prop_assert!(name.fallback_base_url().is_ok());
            }
            Ok(HomeserverInput::Url(url)) => {
                prop_assert!(url.host().is_some(), "a homeserver URL has a host: {}", url);
                prop_assert!(
                    check_scheme(&url).is_ok(),
                    "{} got past the scheme rule",
                    url
                );
            }
            Err(DiscoveryError::InvalidName { .. } | DiscoveryError::InsecureUrl { .. }) => {}
            Err(other) => {
                return Err(TestCaseError::fail(format!(
                    "parsing sends no request, so it cannot fail with {other:?}"
                )));
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn any_text_is_a_homeserver_or_a_typed_error(
            input in prop_oneof![any::<String>(), "\\PC{0,40}"],
        ) {
            check(&input)?;
        }

        #[test]
        fn text_near_the_grammar_is_a_homeserver_or_a_typed_error(input in near_input()) {
            check(&input)?;
        }
    }
}
