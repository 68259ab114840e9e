//! What a homeserver that delegates its sign-in to an authorization server (next-generation
//! auth, Synapse's `matrix_authentication_service` mode) leaves to that server.
//!
//! There the authorization server owns the accounts and their credentials: Synapse's Admin API
//! does not create users (`PUT /_synapse/admin/v2/users/<id>` of a new user is 403), reset
//! passwords, serve the admin flag or registration tokens (those endpoints are not registered),
//! and a password set through it is never used, since Synapse has no password login. An admin's
//! rights come from the `urn:synapse:admin:*` scope the authorization server grants. So the desk
//! refuses these before any request, with words that say where they are done, and the Seats pane
//! shows them as unavailable; the user list, the ledger, deactivation and sign-outs stay.

use serde::Serialize;
use ts_rs::TS;

/// An admin action the homeserver leaves to its authorization server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DelegatedAction {
    /// Creating a user.
    AddUser,
    /// Importing users from a file (each row creates one).
    ImportUsers,
    /// Setting a user's password.
    ResetPassword,
    /// Reactivating a deactivated user (which sets a password).
    Reactivate,
    /// Granting or revoking server-admin rights.
    SetAdmin,
    /// Listing, creating and revoking registration tokens.
    RegistrationTokens,
}

impl DelegatedAction {
    /// Every such action, in the order the pane lists them.
    pub const ALL: [Self; 6] = [
        Self::AddUser,
        Self::ImportUsers,
        Self::ResetPassword,
        Self::Reactivate,
        Self::SetAdmin,
        Self::RegistrationTokens,
    ];

    /// The action in words, as in "adding users is done there".
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            Self::AddUser => "adding users",
            Self::ImportUsers => "importing users",
            Self::ResetPassword => "resetting passwords",
            Self::Reactivate => "reactivating accounts",
            Self::SetAdmin => "granting or revoking admin rights",
            Self::RegistrationTokens => "registration tokens",
        }
    }
}

/// What the Seats pane shows for such a homeserver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DelegatedAuth {
    /// The actions that are done at the authorization server instead.
    pub unavailable: Vec<DelegatedAction>,
    /// Why, in words to show.
    pub message: String,
}

impl DelegatedAuth {
    /// The homeserver `server_name`'s.
    #[must_use]
    pub fn of(server_name: &str) -> Self {
        let listed: Vec<&str> = DelegatedAction::ALL.iter().map(|a| a.words()).collect();
        Self {
            unavailable: DelegatedAction::ALL.to_vec(),
            message: format!(
                "{server_name} leaves sign-in and accounts to its authorization server (next-generation auth), so these are done there, not from this app: {}. The user list, the seats, deactivation and signing out sessions work here.",
                listed.join(", ")
            ),
        }
    }
}
