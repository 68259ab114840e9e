//! What can go wrong with an EMS account, in words a person can act on.

use crate::loopback::LoopbackError;
use crate::vault::{RegistryError, VaultError};
use crate::ErrorCode;

/// A failure of EMS sign-in, tokens or sign-out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmsError {
    /// The issuer URL is not a valid http(s) URL.
    #[error("\"{0}\" is not a valid EMS server address. Enter its full URL, such as https://ems.example.com/.")]
    InvalidIssuer(String),
    /// The EMS server could not be reached.
    #[error("Could not reach the EMS server at {issuer}: {detail}. Check the address and your network, then try again.")]
    Unreachable {
        /// The issuer URL.
        issuer: String,
        /// What went wrong.
        detail: String,
    },
    /// The server answered but is not an OpenID Connect provider speaking the EMS API.
    #[error(
        "{issuer} is not an EMS server: it does not publish OpenID Connect discovery ({detail}). \
         The server must speak the documented EMS API (docs/ems-api.yaml and OpenID Connect)."
    )]
    NotOidcProvider {
        /// The issuer URL.
        issuer: String,
        /// What was wrong with its answer.
        detail: String,
    },
    /// The server, or an endpoint it names, breaks the transport rules; nothing was sent there.
    #[error("The EMS server at {issuer} cannot be used safely: {reason}. Nothing was sent to it. Check the address; if it is right, the server is misconfigured.")]
    Insecure {
        /// The issuer URL.
        issuer: String,
        /// Which rule it breaks.
        reason: String,
    },
    /// The authorization response names another server than the one signed in at (RFC 9207):
    /// a mix-up attack, or a misconfigured server. The code was not used.
    #[error("The sign-in answer came from another server ({got}) than the one you signed in at ({expected}). It was refused and nothing was kept: another program or server may be trying to take over your sign-in.")]
    IssuerMismatch {
        /// The flow's issuer.
        expected: String,
        /// What the response named (or "no server" when it named none).
        got: String,
    },
    /// The system browser refused the sign-in page's address.
    #[error(transparent)]
    Browser(#[from] crate::browser::BrowserError),
    /// The user cancelled the sign-in.
    #[error("Sign-in was cancelled. Nothing was changed.")]
    Cancelled,
    /// The browser did not come back in time.
    #[error("The sign-in took too long and was stopped. Start it again.")]
    TimedOut,
    /// The EMS server refused the sign-in (the user declined, or the server said no).
    #[error("The EMS server did not sign you in ({error}{}). Try again, or check your EMS account.", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// The OAuth error code, such as `access_denied`.
        error: String,
        /// The server's description, if any.
        description: Option<String>,
    },
    /// The authorization code could not be exchanged for tokens.
    #[error("The EMS server did not complete the sign-in ({0}). Start it again.")]
    TokenExchange(String),
    /// The ID token was missing, or its signature, issuer, audience, expiry or nonce was wrong.
    #[error("The EMS server's answer could not be verified ({0}); you were not signed in. If it keeps happening, the server may be misconfigured.")]
    IdTokenInvalid(String),
    /// The refresh token is no longer valid: the session was ended on the server.
    #[error("This EMS account was signed out on the server. Sign in again to continue; its settings are kept.")]
    SignedOutOnServer,
    /// The account has no tokens on this computer (signed out here).
    #[error("This EMS account is signed out. Sign in again to continue.")]
    NotSignedIn,
    /// The EMS server failed a request.
    #[error("The EMS server answered {status} to {what}. Try again later.")]
    Server {
        /// What was being done.
        what: &'static str,
        /// The HTTP status.
        status: u16,
    },
    /// The browser callback listener failed.
    #[error(transparent)]
    Listener(LoopbackError),
    /// The keyring failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The account registry failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

impl From<LoopbackError> for EmsError {
    fn from(error: LoopbackError) -> Self {
        match error {
            LoopbackError::Cancelled => Self::Cancelled,
            LoopbackError::TimedOut => Self::TimedOut,
            other => Self::Listener(other),
        }
    }
}

impl EmsError {
    /// The code the UI branches on. Keyring and registry failures keep their own codes.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidIssuer(_) => ErrorCode::EmsInvalidIssuer,
            Self::Unreachable { .. } => ErrorCode::EmsUnreachable,
            Self::NotOidcProvider { .. } => ErrorCode::EmsNotOidcProvider,
            Self::Insecure { .. } => ErrorCode::EmsInsecure,
            Self::IssuerMismatch { .. } => ErrorCode::EmsIssuerMismatch,
            Self::Cancelled => ErrorCode::EmsCancelled,
            Self::TimedOut => ErrorCode::EmsTimedOut,
            Self::Refused { .. } => ErrorCode::EmsRefused,
            Self::TokenExchange(_) | Self::IdTokenInvalid(_) => ErrorCode::EmsSignInFailed,
            Self::SignedOutOnServer => ErrorCode::EmsSignedOutOnServer,
            Self::NotSignedIn => ErrorCode::EmsNotSignedIn,
            Self::Server { .. } => ErrorCode::EmsServer,
            // Cancelling and timing out become their own variants (see `From<LoopbackError>`);
            // what is left is a listener set up wrongly or a port that could not be opened,
            // which the message explains and the UI cannot act on by code.
            Self::Listener(_) => ErrorCode::Internal,
            Self::Vault(inner) => inner.code(),
            Self::Registry(inner) => inner.code(),
            Self::Browser(inner) => inner.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::assert_pinned;

    /// One value of every variant, with the code it must keep.
    fn ems_examples() -> Vec<(EmsError, &'static str)> {
        let issuer = || "https://ems.example.com/".to_owned();
        vec![
            (
                EmsError::InvalidIssuer("ems example".into()),
                "ems_invalid_issuer",
            ),
            (
                EmsError::Unreachable {
                    issuer: issuer(),
                    detail: "connection refused".into(),
                },
                "ems_unreachable",
            ),
            (
                EmsError::NotOidcProvider {
                    issuer: issuer(),
                    detail: "404".into(),
                },
                "ems_not_oidc_provider",
            ),
            (
                EmsError::Insecure {
                    issuer: issuer(),
                    reason: "the token endpoint uses plain http".into(),
                },
                "ems_insecure",
            ),
            (
                EmsError::IssuerMismatch {
                    expected: issuer(),
                    got: "https://evil.example.com/".into(),
                },
                "ems_issuer_mismatch",
            ),
            (EmsError::Cancelled, "ems_cancelled"),
            (EmsError::TimedOut, "ems_timed_out"),
            (
                EmsError::Refused {
                    error: "access_denied".into(),
                    description: Some("the user declined".into()),
                },
                "ems_refused",
            ),
            (
                EmsError::TokenExchange("invalid_grant".into()),
                "ems_sign_in_failed",
            ),
            (
                EmsError::IdTokenInvalid("nonce mismatch".into()),
                "ems_sign_in_failed",
            ),
            (EmsError::SignedOutOnServer, "ems_signed_out_on_server"),
            (EmsError::NotSignedIn, "ems_not_signed_in"),
            (
                EmsError::Server {
                    what: "reading the account",
                    status: 503,
                },
                "ems_server",
            ),
            (
                EmsError::Listener(LoopbackError::Bind {
                    source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
                }),
                "internal",
            ),
            (
                EmsError::Browser(crate::browser::BrowserError::NoOpener),
                "browser_unavailable",
            ),
            (
                EmsError::Vault(VaultError::Locked { detail: "x".into() }),
                "keyring_locked",
            ),
            (
                EmsError::Registry(RegistryError::UnknownAccount("ems-1".into())),
                "unknown_account",
            ),
        ]
    }

    // Exhaustive on purpose: a new variant fails to compile here until it is named, which is
    // the reminder to add an example of it above.
    fn ems_variant(error: &EmsError) -> &'static str {
        match error {
            EmsError::InvalidIssuer(_) => "InvalidIssuer",
            EmsError::Unreachable { .. } => "Unreachable",
            EmsError::NotOidcProvider { .. } => "NotOidcProvider",
            EmsError::Insecure { .. } => "Insecure",
            EmsError::IssuerMismatch { .. } => "IssuerMismatch",
            EmsError::Cancelled => "Cancelled",
            EmsError::TimedOut => "TimedOut",
            EmsError::Refused { .. } => "Refused",
            EmsError::TokenExchange(_) => "TokenExchange",
            EmsError::IdTokenInvalid(_) => "IdTokenInvalid",
            EmsError::SignedOutOnServer => "SignedOutOnServer",
            EmsError::NotSignedIn => "NotSignedIn",
            EmsError::Server { .. } => "Server",
            EmsError::Listener(_) => "Listener",
            EmsError::Vault(_) => "Vault",
            EmsError::Browser(_) => "Browser",
            EmsError::Registry(_) => "Registry",
        }
    }

    #[test]
    fn every_ems_error_has_a_pinned_code_and_a_message() {
        assert_pinned(&ems_examples(), ems_variant, EmsError::code);
    }
}
