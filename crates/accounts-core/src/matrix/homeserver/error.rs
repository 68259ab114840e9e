//! Finding or reaching a homeserver failed, in words a person can act on. Never carries a token.

use crate::ErrorCode;

/// Finding or reaching a homeserver failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// What was typed is neither a server name, a Matrix ID nor a homeserver URL.
    #[error(
        "\"{input}\" is not a valid server name ({reason}). Type a server name such as \
         example.org, a Matrix ID such as @alice:example.org, or the homeserver's URL."
    )]
    InvalidName {
        /// What the user typed.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A plain-http URL for a host that is not this computer.
    #[error(
        "{url} uses plain http, which would send your password unencrypted. Use its https:// \
         address (plain http is allowed only for servers on this computer)."
    )]
    InsecureUrl {
        /// The refused URL.
        url: String,
    },
    /// The host name does not resolve.
    #[error("There is no server called {host}: its name could not be found. Check the spelling of the server name.")]
    NoSuchHost {
        /// The host that did not resolve.
        host: String,
    },
    /// Nothing listens on the address.
    #[error("Could not reach {host}: connection refused. Check the server name and port, or whether the server is running.")]
    ConnectionRefused {
        /// `host:port` that refused.
        host: String,
    },
    /// The TLS handshake failed, typically an untrusted or wrong certificate.
    #[error(
        "Could not establish a secure connection to {host}: {detail}. The server's certificate \
         is not trusted for this name; check the address, or ask the server's administrator. A \
         server whose certificate comes from your organisation's own certificate authority is \
         trusted when ELEMENT_ACCOUNTS_EXTRA_CA_FILE names that authority's PEM file."
    )]
    Tls {
        /// `host:port`.
        host: String,
        /// What the TLS layer said.
        detail: String,
    },
    /// Any other network failure (timeout, reset).
    #[error("Could not reach {host}: {detail}. Check your network and try again.")]
    Unreachable {
        /// `host:port`.
        host: String,
        /// What the network layer said.
        detail: String,
    },
    /// The server answered, but not as a Matrix homeserver.
    #[error(
        "{url} is not a Matrix homeserver ({detail}). Check the address; your server's \
         administrator can tell you the right one."
    )]
    NotMatrix {
        /// The base URL that was checked.
        url: String,
        /// What it answered.
        detail: String,
    },
    /// `/.well-known/matrix/client` exists but cannot be used.
    #[error(
        "{url} could not be used to find the homeserver ({detail}). The server's administrator \
         needs to fix it; meanwhile you can type the homeserver's URL instead."
    )]
    WellKnownInvalid {
        /// The well-known URL.
        url: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The well-known names a homeserver that cannot be used.
    #[error(
        "{server_name} says its homeserver is {base_url}, but that server cannot be used: \
         {cause} The server's administrator needs to fix its /.well-known/matrix/client."
    )]
    WellKnownDeadServer {
        /// The server name whose well-known was read.
        server_name: String,
        /// The homeserver URL it names.
        base_url: String,
        /// Why that homeserver cannot be used.
        cause: Box<DiscoveryError>,
    },
}

impl DiscoveryError {
    /// The code the UI branches on.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidName { .. } => ErrorCode::MatrixInvalidServerName,
            Self::InsecureUrl { .. } => ErrorCode::MatrixInsecureUrl,
            Self::NoSuchHost { .. } => ErrorCode::MatrixNoSuchHost,
            Self::ConnectionRefused { .. } => ErrorCode::MatrixConnectionRefused,
            Self::Tls { .. } => ErrorCode::MatrixTls,
            Self::Unreachable { .. } => ErrorCode::MatrixUnreachable,
            Self::NotMatrix { .. } => ErrorCode::MatrixNotAHomeserver,
            Self::WellKnownInvalid { .. } => ErrorCode::MatrixWellKnownInvalid,
            // The server name's own well-known is at fault, whatever the cause: the message
            // names the cause and the administrator who can fix it.
            Self::WellKnownDeadServer { .. } => ErrorCode::MatrixWellKnownDeadServer,
        }
    }
}

/// Example values that the error tests here and in the modules above share.
#[cfg(test)]
pub(crate) mod examples {
    use super::DiscoveryError;

    /// The homeserver the examples name.
    pub(crate) fn homeserver() -> String {
        "https://matrix.example.org".to_owned()
    }

    /// A discovery failure, for errors that wrap one.
    pub(crate) fn refused_connection() -> DiscoveryError {
        DiscoveryError::ConnectionRefused {
            host: "matrix.example.org:443".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::examples::{homeserver, refused_connection};
    use super::*;
    use crate::error_code::assert_pinned;

    /// One value of every variant, with the code it must keep.
    fn discovery_examples() -> Vec<(DiscoveryError, &'static str)> {
        vec![
            (
                DiscoveryError::InvalidName {
                    input: "not a name".into(),
                    reason: "it contains a space".into(),
                },
                "matrix_invalid_server_name",
            ),
            (
                DiscoveryError::InsecureUrl {
                    url: "http://matrix.example.org".into(),
                },
                "matrix_insecure_url",
            ),
            (
                DiscoveryError::NoSuchHost {
                    host: "matrix.example.invalid".into(),
                },
                "matrix_no_such_host",
            ),
            (refused_connection(), "matrix_connection_refused"),
            (
                DiscoveryError::Tls {
                    host: "matrix.example.org:443".into(),
                    detail: "certificate expired".into(),
                },
                "matrix_tls",
            ),
            (
                DiscoveryError::Unreachable {
                    host: "matrix.example.org:443".into(),
                    detail: "timed out".into(),
                },
                "matrix_unreachable",
            ),
            (
                DiscoveryError::NotMatrix {
                    url: homeserver(),
                    detail: "404 on /_matrix/client/versions".into(),
                },
                "matrix_not_a_homeserver",
            ),
            (
                DiscoveryError::WellKnownInvalid {
                    url: "https://example.org/.well-known/matrix/client".into(),
                    detail: "not JSON".into(),
                },
                "matrix_well_known_invalid",
            ),
            (
                DiscoveryError::WellKnownDeadServer {
                    server_name: "example.org".into(),
                    base_url: homeserver(),
                    cause: Box::new(refused_connection()),
                },
                "matrix_well_known_dead_server",
            ),
        ]
    }

    // Exhaustive on purpose: a new variant fails to compile here until it is named, which is
    // the reminder to add an example of it above.
    fn discovery_variant(error: &DiscoveryError) -> &'static str {
        match error {
            DiscoveryError::InvalidName { .. } => "InvalidName",
            DiscoveryError::InsecureUrl { .. } => "InsecureUrl",
            DiscoveryError::NoSuchHost { .. } => "NoSuchHost",
            DiscoveryError::ConnectionRefused { .. } => "ConnectionRefused",
            DiscoveryError::Tls { .. } => "Tls",
            DiscoveryError::Unreachable { .. } => "Unreachable",
            DiscoveryError::NotMatrix { .. } => "NotMatrix",
            DiscoveryError::WellKnownInvalid { .. } => "WellKnownInvalid",
            DiscoveryError::WellKnownDeadServer { .. } => "WellKnownDeadServer",
        }
    }

    #[test]
    fn every_discovery_error_has_a_pinned_code_and_a_message() {
        assert_pinned(
            &discovery_examples(),
            discovery_variant,
            DiscoveryError::code,
        );
    }

    #[test]
    fn a_dead_well_known_names_both_servers_and_the_cause() {
        let message = DiscoveryError::WellKnownDeadServer {
            server_name: "example.org".into(),
            base_url: "https://matrix.example.org".into(),
            cause: Box::new(DiscoveryError::ConnectionRefused {
                host: "matrix.example.org:443".into(),
            }),
        }
        .to_string();
        assert!(message.contains("example.org says its homeserver is https://matrix.example.org"));
        assert!(message.contains("connection refused"), "{message}");
    }
}
