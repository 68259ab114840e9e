//! The homeserver: what the user typed ([`input`]), finding it and what it offers
//! ([`discovery`]), and the failures of reaching it ([`DiscoveryError`]). A homeserver URL is
//! parsed once, into a [`Homeserver`]; every request of an account goes there.

pub mod discovery;
mod error;
pub mod input;

pub use discovery::{
    discover, discovery_client, display_url, http_client, HomeserverInfo, IdentityProvider,
    LoginMethods,
};
pub(crate) use discovery::{join, network_error};
#[cfg(test)]
pub(crate) use error::examples as error_examples;
pub use error::DiscoveryError;
pub use input::{
    is_loopback_host, parse_homeserver_input, Homeserver, HomeserverInput, ServerName,
};
