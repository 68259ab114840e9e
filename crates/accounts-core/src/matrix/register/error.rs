//! What can go wrong creating a Matrix account, in words a person can act on.
//!
//! Kept apart from [`MatrixError`] (signing in and keeping sessions) because each variant here
//! belongs next to one field of the registration screens: the UI places the message by its code.
//! Nothing here ever carries a password or a token.

use std::time::Duration;

use crate::matrix::error::MatrixError;
use crate::matrix::homeserver::DiscoveryError;
use crate::ErrorCode;

/// Creating an account on a homeserver failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// The homeserver could not be found or reached.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The homeserver does not let anyone create an account.
    #[error(
        "{homeserver} does not let new accounts be created here: registration is closed. Ask the \
         server's administrator for an account, then sign in with it."
    )]
    Closed {
        /// The homeserver URL.
        homeserver: String,
    },
    /// Every way the server offers includes a step this app cannot do.
    #[error(
        "{homeserver} asks for {} to create an account, which this app cannot do. Create the \
         account in the homeserver's web client (for example Element Web, pointed at \
         {homeserver}), then sign in with it here.", plain_stages(.stages)
    )]
    Unsupported {
        /// The homeserver URL.
        homeserver: String,
        /// The steps the app cannot do, as the server names them.
        stages: Vec<String>,
    },
    /// The user name is already taken.
    #[error(
        "The user name \"{username}\" is already taken on this homeserver. Choose another one."
    )]
    UsernameTaken {
        /// The user name asked for.
        username: String,
    },
    /// The user name is not allowed.
    #[error("The user name \"{username}\" cannot be used: {detail}. Use lower-case letters, digits and . _ = - / only.")]
    UsernameInvalid {
        /// The user name asked for.
        username: String,
        /// What the server said.
        detail: String,
    },
    /// The password does not meet the server's policy.
    #[error("The homeserver refused this password: {detail}. Choose a stronger one.")]
    WeakPassword {
        /// The server's policy message.
        detail: String,
    },
    /// The registration token is unknown, expired or used up.
    #[error(
        "This registration token is not valid: it may be mistyped, expired or used up. Check it, \
         or ask the server's administrator for a new one."
    )]
    TokenInvalid,
    /// Not every policy was accepted.
    #[error("To create an account you must accept every policy of the homeserver: {}.", .missing.join(", "))]
    TermsNotAccepted {
        /// The policies (their names) not accepted.
        missing: Vec<String>,
    },
    /// The email address is not valid.
    #[error("\"{address}\" is not a valid email address ({detail}). Check it and try again.")]
    EmailInvalid {
        /// The address typed.
        address: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The email address already belongs to an account.
    #[error("{address} already belongs to an account on this homeserver. Sign in with that account, or use another address.")]
    EmailInUse {
        /// The address typed.
        address: String,
    },
    /// The server refuses addresses like this one.
    #[error("The homeserver does not accept this email address: {detail}. Use another address.")]
    EmailDenied {
        /// What the server said.
        detail: String,
    },
    /// No account creation is in progress under this id.
    #[error("This account creation is no longer in progress (it was cancelled, finished, left unfinished for over an hour, or another was started). Start again.")]
    NotInProgress,
    /// Too many attempts.
    #[error("{}", rate_limited(*.retry_after))]
    RateLimited {
        /// How long the server asks to wait, when it says.
        retry_after: Option<Duration>,
    },
    /// The server answered in a way the app did not expect.
    #[error(
        "{homeserver} answered unexpectedly while creating the account: {detail}. Try again later."
    )]
    Server {
        /// The homeserver URL.
        homeserver: String,
        /// What it answered (never a token).
        detail: String,
    },
    /// The account was created on the server but its session could not be kept here.
    #[error(
        "The account {user_id} was created, but could not be kept on this computer: {source} Once \
         that is fixed, sign in with {user_id} and your password."
    )]
    NotKept {
        /// The new account's Matrix ID.
        user_id: String,
        /// Why it could not be kept.
        source: Box<MatrixError>,
    },
}

impl RegistrationError {
    /// The code the UI branches on; it tells the UI which field the message belongs to.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Discovery(inner) => inner.code(),
            Self::Closed { .. } => ErrorCode::MatrixRegistrationClosed,
            Self::Unsupported { .. } => ErrorCode::MatrixRegistrationUnsupported,
            Self::UsernameTaken { .. } => ErrorCode::MatrixUsernameTaken,
            Self::UsernameInvalid { .. } => ErrorCode::MatrixUsernameInvalid,
            Self::WeakPassword { .. } => ErrorCode::MatrixWeakPassword,
            Self::TokenInvalid => ErrorCode::MatrixRegistrationTokenInvalid,
            Self::TermsNotAccepted { .. } => ErrorCode::MatrixTermsNotAccepted,
            Self::EmailInvalid { .. } => ErrorCode::MatrixEmailInvalid,
            Self::EmailInUse { .. } => ErrorCode::MatrixEmailInUse,
            Self::EmailDenied { .. } => ErrorCode::MatrixEmailDenied,
            Self::NotInProgress => ErrorCode::MatrixRegistrationNotInProgress,
            Self::RateLimited { .. } => ErrorCode::MatrixRateLimited,
            Self::Server { .. } => ErrorCode::MatrixServerError,
            // The account exists on the server: the code says so, whatever stopped keeping it.
            Self::NotKept { .. } => ErrorCode::MatrixRegistrationNotKept,
        }
    }
}

/// The server's stage names as a person reads them.
fn plain_stages(stages: &[String]) -> String {
    let named: Vec<String> = stages
        .iter()
        .map(|stage| match stage.as_str() {
            "m.login.recaptcha" => "a CAPTCHA (m.login.recaptcha)".to_owned(),
            "m.login.msisdn" => "a phone number check (m.login.msisdn)".to_owned(),
            "m.login.sso" => "a single sign-on step (m.login.sso)".to_owned(),
            other => format!("a step called {other}"),
        })
        .collect();
    named.join(" and ")
}

fn rate_limited(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(delay) => {
            let seconds = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
            format!("Too many attempts: the homeserver asks you to wait {seconds} seconds before trying again.")
        }
        None => "Too many attempts: wait a few minutes before trying again.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::assert_pinned;
    use crate::matrix::homeserver::error_examples::homeserver;
    use crate::vault::VaultError;

    /// One value of every variant, with the code it must keep.
    fn registration_examples() -> Vec<(RegistrationError, &'static str)> {
        vec![
            (
                RegistrationError::Discovery(DiscoveryError::NoSuchHost {
                    host: "matrix.example.invalid".into(),
                }),
                "matrix_no_such_host",
            ),
            (
                RegistrationError::Closed {
                    homeserver: homeserver(),
                },
                "matrix_registration_closed",
            ),
            (
                RegistrationError::Unsupported {
                    homeserver: homeserver(),
                    stages: vec!["m.login.recaptcha".into()],
                },
                "matrix_registration_unsupported",
            ),
            (
                RegistrationError::UsernameTaken {
                    username: "alice".into(),
                },
                "matrix_username_taken",
            ),
            (
                RegistrationError::UsernameInvalid {
                    username: "Alice!".into(),
                    detail: "upper-case letters are not allowed".into(),
                },
                "matrix_username_invalid",
            ),
            (
                RegistrationError::WeakPassword {
                    detail: "too short".into(),
                },
                "matrix_weak_password",
            ),
            (
                RegistrationError::TokenInvalid,
                "matrix_registration_token_invalid",
            ),
            (
                RegistrationError::TermsNotAccepted {
                    missing: vec!["Privacy policy".into()],
                },
                "matrix_terms_not_accepted",
            ),
            (
                RegistrationError::EmailInvalid {
                    address: "alice@".into(),
                    detail: "no domain".into(),
                },
                "matrix_email_invalid",
            ),
            (
                RegistrationError::EmailInUse {
                    address: "alice@example.org".into(),
                },
                "matrix_email_in_use",
            ),
            (
                RegistrationError::EmailDenied {
                    detail: "this domain is not allowed".into(),
                },
                "matrix_email_denied",
            ),
            (
                RegistrationError::NotInProgress,
                "matrix_registration_not_in_progress",
            ),
            (
                RegistrationError::RateLimited {
                    retry_after: Some(Duration::from_secs(3)),
                },
                "matrix_rate_limited",
            ),
            (
                RegistrationError::Server {
                    homeserver: homeserver(),
                    detail: "500".into(),
                },
                "matrix_server_error",
            ),
            (
                RegistrationError::NotKept {
                    user_id: "@alice:example.org".into(),
                    source: Box::new(MatrixError::Vault(VaultError::Locked {
                        detail: "x".into(),
                    })),
                },
                "matrix_registration_not_kept",
            ),
        ]
    }

    // Exhaustive on purpose: a new variant fails to compile here until it is named, which is
    // the reminder to add an example of it above.
    fn registration_variant(error: &RegistrationError) -> &'static str {
        match error {
            RegistrationError::Discovery(_) => "Discovery",
            RegistrationError::Closed { .. } => "Closed",
            RegistrationError::Unsupported { .. } => "Unsupported",
            RegistrationError::UsernameTaken { .. } => "UsernameTaken",
            RegistrationError::UsernameInvalid { .. } => "UsernameInvalid",
            RegistrationError::WeakPassword { .. } => "WeakPassword",
            RegistrationError::TokenInvalid => "TokenInvalid",
            RegistrationError::TermsNotAccepted { .. } => "TermsNotAccepted",
            RegistrationError::EmailInvalid { .. } => "EmailInvalid",
            RegistrationError::EmailInUse { .. } => "EmailInUse",
            RegistrationError::EmailDenied { .. } => "EmailDenied",
            RegistrationError::NotInProgress => "NotInProgress",
            RegistrationError::RateLimited { .. } => "RateLimited",
            RegistrationError::Server { .. } => "Server",
            RegistrationError::NotKept { .. } => "NotKept",
        }
    }

    #[test]
    fn every_registration_error_has_a_pinned_code_and_a_message() {
        assert_pinned(
            &registration_examples(),
            registration_variant,
            RegistrationError::code,
        );
    }

    #[test]
    fn unsupported_stages_are_named_plainly_with_the_way_out() {
        let message = RegistrationError::Unsupported {
            homeserver: "https://matrix.example.org".into(),
            stages: vec!["m.login.recaptcha".into()],
        }
        .to_string();
        assert!(message.contains("a CAPTCHA"), "{message}");
        assert!(message.contains("web client"), "{message}");
    }
}
