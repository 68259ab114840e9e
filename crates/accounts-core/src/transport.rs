//! The transport rules every server address must pass, EMS and Matrix alike, and the HTTP
//! clients that enforce them on redirects.
//!
//! - An address is `https`, or plain `http` on this computer (`localhost`, `127.0.0.0/8`,
//!   `::1`), where nobody on the network can read it. Anything else (`file:`, `smb:`, plain
//!   `http` to another host) is refused before a request is made or a browser is started.
//! - A request that carries a credential (a password, a token, a code) never follows a
//!   redirect: reqwest re-sends the body on a 307 or 308, so a server could pass a password on to
//!   another host or to plain http. [`credential_client`] follows none; callers treat a 3xx as
//!   an unexpected answer.
//! - Discovery (`.well-known`, `/versions`, `/login`) carries nothing secret and may be
//!   redirected, but only `https` to `https`, or loopback to loopback ([`discovery_client`]), so
//!   a redirect cannot downgrade the connection or leave this computer for plain http.
//! - Certificates are verified against the system's trust store, plus the certificate
//!   authorities in the PEM file that [`EXTRA_CA_ENV`] names, if any (a company's private CA,
//!   or the local stack's test CA). Verification is never switched off.

use std::net::IpAddr;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use url::Url;

/// How long one request may take, by default.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Discovery follows at most this many redirects.
const MAX_DISCOVERY_REDIRECTS: usize = 5;

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Not a web address at all.
    #[error("{url} is not a web address (its scheme is {scheme}:); only https, and http on this computer, are used")]
    NotWebAddress {
        /// The refused address, without its query, fragment or user info (they may carry a
        /// flow's `state` or a code, which must not reach a log or a message).
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// Plain http to another computer: anyone on the network could read or change it.
    #[error("{url} uses plain http to another computer; only https is used there, so that nobody on the network can read or change what is sent")]
    PlainHttp {
        /// The refused address, shown as in [`TransportError::NotWebAddress`].
        url: String,
    },
}

/// The environment variable naming a PEM file of extra certificate authorities to trust, besides
/// the system's.
pub const EXTRA_CA_ENV: &str = "ELEMENT_ACCOUNTS_EXTRA_CA_FILE";

/// Why the extra certificate authorities could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtraCaError {
    /// The file could not be read.
    #[error("{EXTRA_CA_ENV} names {path}, which could not be read ({detail}); fix the path or unset the variable")]
    Unreadable {
        /// The file.
        path: String,
        /// What the system said.
        detail: String,
    },
    /// The file holds no usable PEM certificate.
    #[error("{EXTRA_CA_ENV} names {path}, which holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA's certificate in PEM")]
    NotPem {
        /// The file.
        path: String,
    },
}

/// The certificates of the PEM file at `path`.
pub fn extra_roots(path: &Path) -> Result<Vec<reqwest::Certificate>, ExtraCaError> {
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|e| ExtraCaError::Unreadable {
        path: shown.clone(),
        detail: e.to_string(),
    })?;
    match reqwest::Certificate::from_pem_bundle(&pem) {
        Ok(certificates) if !certificates.is_empty() => Ok(certificates),
        _ => Err(ExtraCaError::NotPem { path: shown }),
    }
}

/// The extra roots [`EXTRA_CA_ENV`] names, read once. A file that cannot be used is logged and
/// left out: the servers it would vouch for are then refused as untrusted, with that message.
fn roots_from_env() -> &'static [reqwest::Certificate] {
    static ROOTS: OnceLock<Vec<reqwest::Certificate>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let Some(path) = std::env::var_os(EXTRA_CA_ENV).filter(|p| !p.is_empty()) else {
            return Vec::new();
        };
        match extra_roots(Path::new(&path)) {
            Ok(roots) => {
                log::info!(
                    "trusting {} extra certificate authorities from {EXTRA_CA_ENV}",
                    roots.len()
                );
                roots
            }
            Err(e) => {
                log::error!("{e}");
                Vec::new()
            }
        }
    })
}

/// `url` as a refusal shows it: scheme, host, port and path only.
fn shown(url: &Url) -> String {
    let mut bare = url.clone();
    bare.set_query(None);
    bare.set_fragment(None);
    // Only URLs with a host can carry user info; for the rest this does nothing.
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare.to_string()
}

/// Whether `host` is this computer: `localhost`, `127.0.0.0/8` or `::1`.
#[must_use]
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `url` points at this computer.
#[must_use]
pub fn is_loopback_url(url: &Url) -> bool {
    url.host_str().is_some_and(is_loopback_host)
}

/// Checks `url` against the transport rule: `https`, or `http` on this computer.
pub fn check(url: &Url) -> Result<(), TransportError> {
    match url.scheme() {
        "https" if url.host_str().is_some() => Ok(()),
        "http" if is_loopback_url(url) => Ok(()),
        "http" => Err(TransportError::PlainHttp { url: shown(url) }),
        other => Err(TransportError::NotWebAddress {
            url: shown(url),
            scheme: other.to_owned(),
        }),
    }
}

/// Whether a redirect from `from` to `to` keeps the transport as strong: `https` to `https`,
/// or loopback to loopback.
#[must_use]
pub fn redirect_allowed(from: &Url, to: &Url) -> bool {
    match (from.scheme(), to.scheme()) {
        ("https", "https") => true,
        _ => is_loopback_url(from) && is_loopback_url(to) && check(to).is_ok(),
    }
}

fn builder() -> reqwest::ClientBuilder {
    builder_trusting(roots_from_env())
}

fn builder_trusting(extra_roots: &[reqwest::Certificate]) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("ElementAccounts/", env!("CARGO_PKG_VERSION")))
        .tls_certs_merge(extra_roots.iter().cloned())
}

/// The client for every request that carries a credential: it follows no redirect.
///
/// # Panics
/// Only if the TLS backend cannot start at all: the configuration is fixed, and a client that
/// silently followed redirects instead would break the rule above.
#[must_use]
pub fn credential_client() -> reqwest::Client {
    credential_client_trusting(roots_from_env())
}

/// [`credential_client`] trusting `extra_roots` instead of what [`EXTRA_CA_ENV`] names (for
/// tests, which cannot change the environment of a running process safely).
///
/// # Panics
/// As [`credential_client`].
#[must_use]
pub fn credential_client_trusting(extra_roots: &[reqwest::Certificate]) -> reqwest::Client {
    builder_trusting(extra_roots)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client with this fixed configuration always builds")
}

/// The client for discovery requests, which carry nothing secret: it follows redirects only
/// while [`redirect_allowed`] holds for each hop.
///
/// # Panics
/// Only if the TLS backend cannot start at all: the configuration is fixed, and a client that
/// silently followed redirects instead would break the rule above.
#[must_use]
pub fn discovery_client() -> reqwest::Client {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= MAX_DISCOVERY_REDIRECTS {
            return attempt.error("too many redirects");
        }
        let allowed = attempt
            .previous()
            .last()
            .is_some_and(|from| redirect_allowed(from, attempt.url()));
        if allowed {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    builder().redirect(policy).build().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_extra_ca_file_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = extra_roots(&dir.path().join("missing.pem")).expect_err("no file");
        assert!(
            matches!(missing, ExtraCaError::Unreadable { .. }),
            "{missing}"
        );
        assert!(missing.to_string().contains(EXTRA_CA_ENV), "{missing}");
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").expect("write");
        let not_pem = extra_roots(&junk).expect_err("no PEM");
        assert!(matches!(not_pem, ExtraCaError::NotPem { .. }), "{not_pem}");
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("valid url")
    }

    #[test]
    fn web_addresses_pass_and_others_are_refused() {
        assert_eq!(check(&url("https://ems.example.com/")), Ok(()));
        assert_eq!(check(&url("http://127.0.0.1:8480/")), Ok(()));
        assert_eq!(check(&url("http://[::1]:8480/")), Ok(()));
        assert_eq!(check(&url("http://localhost/")), Ok(()));
        assert!(
            matches!(
                check(&url("http://ems.example.com/")),
                Err(TransportError::PlainHttp { .. })
            ),
            "plain http to another host must be refused"
        );
        for refused in [
            "file:///etc/passwd",
            "smb://host/share",
            "javascript:alert(1)",
            "ftp://127.0.0.1/",
        ] {
            assert!(
                matches!(
                    check(&url(refused)),
                    Err(TransportError::NotWebAddress { .. })
                ),
                "{refused} must be refused"
            );
        }
    }

    #[test]
    fn a_refusal_never_shows_the_query_or_user_info() {
        let refused = check(&url(
            "http://user:pw@ems.example.com/authorize?state=S3CRET#frag",
        ))
        .expect_err("plain http off this computer");
        let shown = refused.to_string();
        assert!(
            shown.contains("http://ems.example.com/authorize"),
            "{shown}"
        );
        for hidden in ["S3CRET", "pw", "user", "frag"] {
            assert!(
                !shown.contains(hidden),
                "{hidden} must not be shown: {shown}"
            );
        }
    }

    #[test]
    fn redirects_never_downgrade_or_leave_loopback_for_plain_http() {
        for (from, to, allowed) in [
            ("https://a.example/", "https://b.example/", true),
            ("http://127.0.0.1:1/", "http://127.0.0.1:2/", true),
            ("https://a.example/", "http://a.example/", false),
            ("https://a.example/", "http://127.0.0.1/", false),
            ("http://127.0.0.1:1/", "http://b.example/", false),
            ("http://127.0.0.1:1/", "file:///etc/passwd", false),
        ] {
            assert_eq!(
                redirect_allowed(&url(from), &url(to)),
                allowed,
                "a redirect from {from} to {to}"
            );
        }
    }
}
