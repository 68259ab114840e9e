//! What can go wrong administering a hosted homeserver's seats, in words an admin can act on.
//!
//! [`SeatsError`] never carries a token or a password: a refused request keeps the homeserver's
//! `errcode` and its message, which name what was wrong with the request, never its body.

use super::delegated::DelegatedAction;
use crate::ems::EmsApiError;
use crate::ErrorCode;

/// A seats request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeatsError {
    /// No Matrix account on this computer is a server admin of the homeserver.
    #[error("No Matrix account on this computer administers {server_name}. Sign in as this homeserver's admin from the Seats pane.")]
    NoAdmin {
        /// The homeserver's server name.
        server_name: String,
    },
    /// The Matrix account is signed in but is not a server admin there.
    #[error("{matrix_id} is not a server admin of {server_name}, so it cannot manage its users. Sign in as the homeserver's admin, or ask them to grant you admin rights.")]
    NotAdmin {
        /// The account's Matrix ID.
        matrix_id: String,
        /// The homeserver's server name.
        server_name: String,
    },
    /// Every seat paid for is taken, so no account can be added or reactivated.
    #[error("No seat is free on {server_name}: {accounts} accounts hold the {seats} seats paid for. Raise the seats, or deactivate an account first.")]
    NoSeatFree {
        /// The homeserver's server name.
        server_name: String,
        /// Seats paid for.
        seats: u32,
        /// Accounts that hold a seat.
        accounts: u32,
    },
    /// The subscription is not an active hosted homeserver of a signed-in EMS account here.
    #[error("Subscription {subscription_id} is not an active hosted homeserver of an EMS account signed in here. Open the Seats pane again to see the current subscriptions.")]
    UnknownSubscription {
        /// The subscription's id.
        subscription_id: String,
    },
    /// The homeserver could not be reached, or answered in a way the app does not understand.
    #[error("Could not reach {homeserver}: {detail}. Check that the homeserver is running and try again.")]
    Unreachable {
        /// The homeserver's URL.
        homeserver: String,
        /// What failed.
        detail: String,
    },
    /// The admin's token is no longer accepted.
    #[error("The session of {matrix_id} was ended on the server (expired or signed out elsewhere). Sign in again in the Matrix pane.")]
    SignedOut {
        /// The admin's Matrix ID.
        matrix_id: String,
    },
    /// The homeserver refused the request.
    #[error("{homeserver} refused: {message} ({errcode}).")]
    Refused {
        /// The homeserver's URL.
        homeserver: String,
        /// The Matrix error code, such as `M_INVALID_PARAM`.
        errcode: String,
        /// The homeserver's own message.
        message: String,
    },
    /// What was typed cannot be used.
    #[error("{0}")]
    InvalidInput(String),
    /// A change whose consequence the admin has to confirm first.
    #[error("{0}")]
    ConfirmConsequence(String),
    /// The user name is taken on the homeserver.
    #[error("{user_id} already exists on this homeserver. Choose another user name, or reactivate that account if it was deactivated.")]
    UserExists {
        /// The Matrix ID asked for.
        user_id: String,
    },
    /// The homeserver has no such user.
    #[error("{user_id} is not a user of this homeserver. Refresh the list.")]
    UnknownUser {
        /// The Matrix ID.
        user_id: String,
    },
    /// The homeserver has no such registration token.
    #[error("The registration token {token} does not exist on this homeserver (any more). Refresh the list.")]
    UnknownToken {
        /// The token.
        token: String,
    },
    /// The homeserver leaves this action to its authorization server (next-generation auth).
    #[error("{server_name} leaves sign-in and accounts to its authorization server (next-generation auth), so {} is done there, not from this app.", .action.words())]
    Delegated {
        /// The homeserver's server name.
        server_name: String,
        /// What was asked for.
        action: DelegatedAction,
    },
    /// The EMS data are the last ones fetched, so nothing is changed.
    #[error("The EMS server cannot be reached, so these seats are the last ones fetched and nothing can be changed. Try again once it is back.")]
    EmsUnreachable,
    /// Reading or changing the subscription at EMS failed.
    #[error(transparent)]
    Ems(#[from] EmsApiError),
}

impl SeatsError {
    /// The code the UI branches on.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NoAdmin { .. } => ErrorCode::SeatsNoAdmin,
            Self::NotAdmin { .. } => ErrorCode::SeatsNotAdmin,
            Self::NoSeatFree { .. } => ErrorCode::SeatsNoSeatFree,
            Self::UnknownSubscription { .. } => ErrorCode::SeatsUnknownSubscription,
            Self::Unreachable { .. } => ErrorCode::SeatsHomeserverUnreachable,
            Self::SignedOut { .. } => ErrorCode::SeatsSignedOut,
            Self::Refused { .. } => ErrorCode::SeatsRefused,
            Self::InvalidInput(_) => ErrorCode::SeatsInvalidInput,
            Self::ConfirmConsequence(_) => ErrorCode::SeatsConfirmConsequence,
            Self::UserExists { .. } => ErrorCode::SeatsUserExists,
            Self::UnknownUser { .. } => ErrorCode::SeatsUnknownUser,
            Self::UnknownToken { .. } => ErrorCode::SeatsUnknownToken,
            Self::Delegated { .. } => ErrorCode::SeatsDelegated,
            Self::EmsUnreachable => ErrorCode::SeatsEmsUnreachable,
            Self::Ems(inner) => inner.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::assert_pinned;

    fn variant(error: &SeatsError) -> &'static str {
        match error {
            SeatsError::NoAdmin { .. } => "NoAdmin",
            SeatsError::NotAdmin { .. } => "NotAdmin",
            SeatsError::NoSeatFree { .. } => "NoSeatFree",
            SeatsError::UnknownSubscription { .. } => "UnknownSubscription",
            SeatsError::Unreachable { .. } => "Unreachable",
            SeatsError::SignedOut { .. } => "SignedOut",
            SeatsError::Refused { .. } => "Refused",
            SeatsError::InvalidInput(_) => "InvalidInput",
            SeatsError::ConfirmConsequence(_) => "ConfirmConsequence",
            SeatsError::UserExists { .. } => "UserExists",
            SeatsError::UnknownUser { .. } => "UnknownUser",
            SeatsError::UnknownToken { .. } => "UnknownToken",
            SeatsError::Delegated { .. } => "Delegated",
            SeatsError::EmsUnreachable => "EmsUnreachable",
            SeatsError::Ems(_) => "Ems",
        }
    }

    #[test]
    fn codes_are_pinned() {
        let server_name = || "example.org".to_owned();
        let examples = [
            (
                SeatsError::NoAdmin {
                    server_name: server_name(),
                },
                "seats_no_admin",
            ),
            (
                SeatsError::NotAdmin {
                    matrix_id: "@bob:example.org".into(),
                    server_name: server_name(),
                },
                "seats_not_admin",
            ),
            (
                SeatsError::NoSeatFree {
                    server_name: server_name(),
                    seats: 3,
                    accounts: 3,
                },
                "seats_no_seat_free",
            ),
            (
                SeatsError::UnknownSubscription {
                    subscription_id: "sub_1".into(),
                },
                "seats_unknown_subscription",
            ),
            (
                SeatsError::Unreachable {
                    homeserver: "https://x".into(),
                    detail: "refused".into(),
                },
                "seats_homeserver_unreachable",
            ),
            (
                SeatsError::SignedOut {
                    matrix_id: "@a:x".into(),
                },
                "seats_signed_out",
            ),
            (
                SeatsError::Refused {
                    homeserver: "https://x".into(),
                    errcode: "M_INVALID_PARAM".into(),
                    message: "bad".into(),
                },
                "seats_refused",
            ),
            (
                SeatsError::InvalidInput("Type a user name.".into()),
                "seats_invalid_input",
            ),
            (
                SeatsError::ConfirmConsequence("Nobody could manage users.".into()),
                "seats_confirm_consequence",
            ),
            (
                SeatsError::UserExists {
                    user_id: "@a:x".into(),
                },
                "seats_user_exists",
            ),
            (
                SeatsError::UnknownUser {
                    user_id: "@a:x".into(),
                },
                "seats_unknown_user",
            ),
            (
                SeatsError::UnknownToken { token: "t".into() },
                "seats_unknown_token",
            ),
            (
                SeatsError::Delegated {
                    server_name: server_name(),
                    action: DelegatedAction::ResetPassword,
                },
                "seats_delegated",
            ),
            (SeatsError::EmsUnreachable, "seats_ems_unreachable"),
            (
                SeatsError::Ems(EmsApiError::Session(crate::ems::EmsError::NotSignedIn)),
                "ems_not_signed_in",
            ),
        ];
        assert_pinned(&examples, variant, SeatsError::code);
    }
}
