//! The closed set of error codes the UI branches on, and the one place each is defined.
//!
//! Every error type of the core names its code through an exhaustive `code()` (no catch-all
//! arm, so a new variant cannot silently get a generic code); the desktop shell only wraps the
//! code and the message into its IPC error. The serialised names are part of the contract with
//! the UI: the TypeScript union in `ui/src/bindings.ts` is generated from this enum.

use serde::Serialize;
use ts_rs::TS;

/// What kind of failure the UI is looking at.
///
/// Not `non_exhaustive`: the set is closed on purpose. A new code changes the TypeScript union
/// the UI must handle, and the shell may match on a code without a catch-all arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A file the app needed could not be read or written.
    Io,
    /// No Secret Service (no session bus, or no keyring daemon).
    KeyringUnavailable,
    /// The keyring is locked or refused access.
    KeyringLocked,
    /// The keyring did not answer in time (probably waiting on an unlock prompt).
    KeyringTimeout,
    /// Any other keyring failure.
    KeyringFailed,
    /// The account registry is from a newer version of the app and is read-only.
    RegistryNewerVersion,
    /// The account registry could not be read and was moved aside.
    RegistryMovedAside,
    /// The account asked for is not on this computer.
    UnknownAccount,
    /// A fault in the app itself; the message says what to report.
    Internal,
    /// The app refused to open an address that is not a web address (or is plain http to
    /// another computer).
    BrowserRefused,
    /// No browser could be started; the message and the address to copy say what to do.
    BrowserUnavailable,
    /// The EMS server address is not a valid URL.
    EmsInvalidIssuer,
    /// The EMS server could not be reached.
    EmsUnreachable,
    /// The server is not an OpenID Connect provider speaking the EMS API.
    EmsNotOidcProvider,
    /// The EMS server, or an endpoint it names, breaks the transport rules.
    EmsInsecure,
    /// The sign-in answer came from another server than the one signed in at.
    EmsIssuerMismatch,
    /// The user cancelled the EMS sign-in.
    EmsCancelled,
    /// The browser did not come back in time.
    EmsTimedOut,
    /// The EMS server refused the sign-in (for example `access_denied`).
    EmsRefused,
    /// The EMS sign-in could not be completed (code exchange or ID-token verification).
    EmsSignInFailed,
    /// The EMS session was ended on the server; sign in again.
    EmsSignedOutOnServer,
    /// The EMS account is signed out on this computer.
    EmsNotSignedIn,
    /// The EMS server failed a request.
    EmsServer,
    /// The EMS server refused a value; `field` names it.
    EmsInvalidField,
    /// Another EMS account already uses this email address.
    EmsEmailTaken,
    /// Seats can be raised, never lowered.
    EmsSeatsCannotDecrease,
    /// This kind of subscription has no seats.
    EmsSeatsNotApplicable,
    /// The subscription is cancelled.
    EmsSubscriptionCancelled,
    /// The account already has an active Element One subscription.
    EmsElementOneExists,
    /// The EMS server offers no Element One.
    EmsElementOneUnavailable,
    /// The deletion confirmation expired or no longer matches the account: preview again.
    EmsConfirmationStale,
    /// The typed email is not the EMS account's (deletion not confirmed).
    EmsEmailMismatch,
    /// The subscription (or other resource) is not on this EMS account.
    EmsNotFound,
    /// The EMS server refused the request for another reason (the message says which).
    EmsRejected,
    /// What was typed is not a server name, Matrix ID or homeserver URL.
    MatrixInvalidServerName,
    /// A plain-http URL for a server that is not on this computer.
    MatrixInsecureUrl,
    /// The homeserver's host name does not resolve.
    MatrixNoSuchHost,
    /// Nothing listens at the homeserver's address.
    MatrixConnectionRefused,
    /// The TLS handshake with the homeserver failed.
    MatrixTls,
    /// The homeserver could not be reached (timeout, reset).
    MatrixUnreachable,
    /// The server answered, but is not a Matrix homeserver.
    MatrixNotAHomeserver,
    /// The server's `/.well-known/matrix/client` is unusable.
    MatrixWellKnownInvalid,
    /// The well-known names a homeserver that cannot be used.
    MatrixWellKnownDeadServer,
    /// Wrong user name or password (or a deactivated account, on Synapse).
    MatrixWrongCredentials,
    /// The server says the account is deactivated.
    MatrixDeactivated,
    /// Too many sign-in attempts; the message gives the delay.
    MatrixRateLimited,
    /// The homeserver does not accept password sign-in.
    MatrixPasswordNotOffered,
    /// The account is already signed in on this computer.
    MatrixAlreadySignedIn,
    /// The account has no session here.
    MatrixNotSignedIn,
    /// The server no longer accepts the account's session.
    MatrixSignedOutOnServer,
    /// The homeserver answered unexpectedly.
    MatrixServerError,
    /// The account's local store could not be opened or written.
    MatrixStore,
    // Managing a Matrix account.
    /// The password at the re-authentication step is wrong; the same prompt can be answered again.
    MatrixUiaWrongPassword,
    /// The server asks for a re-authentication this app cannot complete.
    MatrixUiaUnsupported,
    /// The server refused the action.
    MatrixRefused,
    /// The server finds the new password too weak.
    MatrixWeakPassword,
    /// The chosen file cannot be an avatar.
    MatrixInvalidImage,
    /// What was typed or chosen cannot be used.
    MatrixInvalidInput,
    // Matrix account creation (registration).
    /// The homeserver does not let accounts be created.
    MatrixRegistrationClosed,
    /// The homeserver asks for a registration step the app cannot do.
    MatrixRegistrationUnsupported,
    /// The user name is taken.
    MatrixUsernameTaken,
    /// The user name is not allowed.
    MatrixUsernameInvalid,
    /// The registration token is unknown, expired or used up.
    MatrixRegistrationTokenInvalid,
    /// Not every policy was accepted.
    MatrixTermsNotAccepted,
    /// The email address is not valid.
    MatrixEmailInvalid,
    /// The email address already belongs to an account.
    MatrixEmailInUse,
    /// The server does not accept this email address.
    MatrixEmailDenied,
    /// No account creation is in progress under this id.
    MatrixRegistrationNotInProgress,
    /// The account was created but its session could not be kept here.
    MatrixRegistrationNotKept,
    // Matrix single sign-on and SSO re-authentication.
    /// The user cancelled the single sign-on; nothing was kept.
    MatrixSsoCancelled,
    /// The browser did not come back from single sign-on in time; nothing was kept.
    MatrixSsoTimedOut,
    /// Single sign-on did not complete (no login token, or the local port could not be used).
    MatrixSsoFailed,
    /// The homeserver refused the login token from single sign-on (expired or used).
    MatrixLoginTokenRefused,
    /// The homeserver signs in with OAuth 2.0 only: a password is not taken there.
    MatrixSignsInWithOauth,
    /// An OAuth 2.0 sign-in, refresh or revocation did not complete.
    MatrixOauthFailed,
    /// The server does not offer single sign-on to confirm the action.
    MatrixReauthNotOffered,
    /// The user cancelled confirming their identity; nothing was changed.
    MatrixReauthCancelled,
    /// Confirming the identity took too long; nothing was changed.
    MatrixReauthTimedOut,
    /// The password was changed, but the other sessions are still signed in.
    MatrixPasswordChangedSessionsKept,
    /// The EMS account signed in by the Element One sign-in has no Element One subscription.
    BridgeNoElementOne,
    // Seats (a hosted homeserver's users, against the seats paid).
    /// No Matrix account on this computer administers the homeserver.
    SeatsNoAdmin,
    /// The Matrix account is not a server admin of the homeserver.
    SeatsNotAdmin,
    /// Every seat paid for is taken; raise the seats first.
    SeatsNoSeatFree,
    /// The subscription is not a hosted homeserver of a signed-in EMS account.
    SeatsUnknownSubscription,
    /// The homeserver could not be reached, or answered unexpectedly.
    SeatsHomeserverUnreachable,
    /// The admin's session was ended on the server; sign in again.
    SeatsSignedOut,
    /// The homeserver refused the change.
    SeatsRefused,
    /// What was typed cannot be used (for example a user name with a space).
    SeatsInvalidInput,
    /// The change has a consequence to confirm first (revoking the last admin, or one's own rights).
    SeatsConfirmConsequence,
    /// The user name is taken.
    SeatsUserExists,
    /// The homeserver has no such user.
    SeatsUnknownUser,
    /// The homeserver has no such registration token.
    SeatsUnknownToken,
    /// EMS cannot be reached: the seats shown are the last fetched, and nothing is changed.
    SeatsEmsUnreachable,
    /// The homeserver leaves this action to its authorization server (next-generation auth).
    SeatsDelegated,
}

/// Test support: checks that `examples` hold one value per variant (as named by `variant`, an
/// exhaustive match, so that a new variant fails to compile until it is named and listed), each
/// with its pinned code and a message for people.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_pinned<E: std::fmt::Display>(
    examples: &[(E, &str)],
    variant: impl Fn(&E) -> &'static str,
    code: impl Fn(&E) -> ErrorCode,
) {
    let mut seen = std::collections::BTreeSet::new();
    for (error, pinned) in examples {
        let name = variant(error);
        assert!(
            seen.insert(name),
            "{name} is listed twice: one example per variant"
        );
        assert_eq!(
            serde_json::to_value(code(error)).expect("an error code serialises"),
            serde_json::json!(pinned),
            "{name}: the UI branches on this code, so it must not change"
        );
        assert!(
            !error.to_string().trim().is_empty(),
            "{name}: every error tells people what happened and what to do"
        );
    }
}
