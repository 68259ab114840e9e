//! A fresh grant from the homeserver (a sign-in, a registration), before it is kept as an
//! account's session, and the name new sessions get.

use crate::vault::Secret;

/// What the server returned for a successful sign-in.
#[derive(Debug)]
pub struct LoginGrant {
    /// The full Matrix ID.
    pub user_id: String,
    /// The new session's device id.
    pub device_id: String,
    /// The access token.
    pub access_token: Secret,
    /// The refresh token, when the server issues them.
    pub refresh_token: Option<Secret>,
    /// The OAuth 2.0 client id the session was granted to, when the homeserver delegates its
    /// sign-in to an authorization server (refreshing and revoking need it); `None` for a
    /// `/login` session.
    pub oauth_client_id: Option<String>,
}

/// The name the new session gets on the server: "Element Accounts on <host name>".
#[must_use]
pub fn device_display_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this computer".to_owned());
    format!("Element Accounts on {host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_is_named_after_this_computer() {
        let name = device_display_name();
        assert!(name.starts_with("Element Accounts on "), "{name}");
        assert!(name.len() > "Element Accounts on ".len());
    }
}
