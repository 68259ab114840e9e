//! A real Synapse that trusts the EMS sandbox for single sign-on: the sandbox gets Synapse as a
//! confidential client, and Synapse gets the sandbox as its OpenID Connect provider `oidc-ems`,
//! mapping `preferred_username` to the Matrix user name and `name` to the display name.
//!
//! ```no_run
//! # async fn example() {
//! use test_support::sandbox::SandboxBuilder;
//! use test_support::sso::SsoStack;
//! let stack = SsoStack::builder(
//!     SandboxBuilder::new()
//!         .user("olive@example.org", "Olive", Some("olive"), "a long password")
//!         .app_client(),
//! )
//! .skip_continue_page()
//! .start()
//! .await;
//! # let _ = stack;
//! # }
//! ```
//!
//! By default no redirect is whitelisted, so Synapse asks the user to confirm in the browser
//! ("Continue to your account"), as a real homeserver does.

use std::fmt::Write as _;

use ems_sandbox::{ClientConfig, ElementOneConfig};

use crate::sandbox::{Fresh, SandboxBuilder, TestSandbox};
use crate::synapse::{Synapse, SynapseAddress, SynapseBuilder};

/// Synapse's name for the sandbox as identity provider (`idp_id` `ems`).
pub const IDP: &str = "oidc-ems";

/// The email of the one user of [`SsoStack::with_one_user`].
pub const EMAIL: &str = "erin@example.org";
/// Their password at the sandbox.
pub const PASSWORD: &str = "erin's very long password";

/// The client id Synapse has at the sandbox.
pub const SYNAPSE_CLIENT: &str = "synapse";

/// The sandbox and the Synapse that trusts it, stopped when dropped.
pub struct SsoStack {
    /// The EMS sandbox, the identity provider.
    pub sandbox: TestSandbox,
    /// Synapse, its relying party.
    pub synapse: Synapse,
}

/// One `oidc_providers` entry pointing at the sandbox.
struct Idp {
    id: String,
    name: String,
    /// Whether the user name comes from `preferred_username`; without, Synapse's username
    /// picker asks for one.
    maps_username: bool,
}

/// How the stack is to start; [`Self::start`] starts it.
pub struct SsoStackBuilder {
    sandbox: SandboxBuilder,
    synapse: SynapseBuilder,
    address: Option<SynapseAddress>,
    idps: Vec<Idp>,
    skip_continue_page: bool,
    hosts_homeservers: bool,
    hosts_element_one: bool,
}

impl SsoStack {
    /// A stack over `sandbox` (its users and other clients), with `oidc-ems` as Synapse's only
    /// identity provider.
    #[must_use]
    pub fn builder(sandbox: SandboxBuilder) -> SsoStackBuilder {
        SsoStackBuilder {
            sandbox,
            synapse: Synapse::builder(),
            address: None,
            idps: vec![Idp {
                id: "ems".into(),
                name: "EMS".into(),
                maps_username: true,
            }],
            skip_continue_page: false,
            hosts_homeservers: false,
            hosts_element_one: false,
        }
    }

    /// The sandbox with one user, [`EMAIL`] (`erin`, "Erin Sso"), and Synapse trusting it: the
    /// single sign-on journeys through the window.
    pub async fn with_one_user() -> Self {
        Self::builder(SandboxBuilder::new().user(EMAIL, "Erin Sso", Some("erin"), PASSWORD))
            .start()
            .await
    }

    /// Where the sandbox sends the browser back to Synapse (the redirect URI of Synapse's client).
    #[must_use]
    pub fn callback(&self) -> String {
        format!("{}/_synapse/client/oidc/callback", self.synapse.url)
    }

    /// Stops Synapse, then the sandbox.
    pub async fn shutdown(self) {
        drop(self.synapse);
        self.sandbox.shutdown().await;
    }
}

impl SsoStackBuilder {
    /// Whitelists every loopback redirect (`sso.client_whitelist: ["http://127.0.0.1:"]`), so
    /// Synapse skips its "Continue to your account" page for them.
    #[must_use]
    pub fn skip_continue_page(mut self) -> Self {
        self.skip_continue_page = true;
        self
    }

    /// Adds a second identity provider `oidc-{id}` at the same sandbox that maps no user name:
    /// Synapse's username picker asks the user for one.
    #[must_use]
    pub fn idp_asking_for_a_username(mut self, id: &str, name: &str) -> Self {
        self.idps.push(Idp {
            id: id.into(),
            name: name.into(),
            maps_username: false,
        });
        self
    }

    /// Synapse listens at `address`, chosen up front (for a server of the test's own that must
    /// name it first); a free port otherwise.
    #[must_use]
    pub fn synapse_at(mut self, address: SynapseAddress) -> Self {
        self.address = Some(address);
        self
    }

    /// Synapse also hosts the sandbox's homeserver subscriptions, its admin as the hosting admin.
    #[must_use]
    pub fn synapse_hosts_homeservers(mut self) -> Self {
        self.hosts_homeservers = true;
        self
    }

    /// Synapse is also the sandbox's Element One homeserver, signing in through `oidc-ems` as
    /// the client [`SYNAPSE_CLIENT`] (whose ID tokens carry the Element One user name).
    #[must_use]
    pub fn synapse_hosts_element_one(mut self) -> Self {
        self.hosts_element_one = true;
        self
    }

    /// Starts the sandbox, then Synapse (which reads the sandbox's discovery document while it
    /// starts: the sandbox serves on the runtime meanwhile, so give the test a second worker).
    pub async fn start(self) -> SsoStack {
        self.start_with(|_| ()).await.0
    }

    /// Like [`Self::start`], after `prepare` has been given the sandbox's fresh database (see
    /// [`SandboxBuilder::start_with`]).
    pub async fn start_with<T: Send + 'static>(
        self,
        prepare: impl FnOnce(&Fresh<'_>) -> T + Send + 'static,
    ) -> (SsoStack, T) {
        // The address and the secret are chosen up front: each server's config names the other.
        let address = self.address.unwrap_or_else(SynapseAddress::free);
        let secret = format!("synapse-secret-{}", address.port);
        let callback = format!("{}/_synapse/client/oidc/callback", address.url());
        let mut sandbox = self.sandbox.client(ClientConfig::confidential(
            SYNAPSE_CLIENT,
            &secret,
            &callback,
        ));
        if self.hosts_homeservers {
            sandbox = sandbox.hosted_on(address);
        }
        if self.hosts_element_one {
            sandbox = sandbox.element_one(ElementOneConfig {
                server_name: address.server_name(),
                url: address.url(),
                sso_idp_id: Some(IDP.to_owned()),
                web_client_url: None,
                client_id: Some(SYNAPSE_CLIENT.to_owned()),
            });
        }
        let (sandbox, prepared) = sandbox.start_with(prepare).await;
        let issuer = sandbox.issuer();
        let mut yaml = String::from("oidc_providers:\n");
        for idp in &self.idps {
            let localpart = if idp.maps_username {
                "        localpart_template: \"{{ user.preferred_username }}\"\n"
            } else {
                ""
            };
            write!(
                yaml,
                "  - idp_id: {id}\n    idp_name: \"{name}\"\n    issuer: \"{issuer}\"\n    \
                 client_id: {SYNAPSE_CLIENT}\n    client_secret: \"{secret}\"\n    \
                 scopes: [openid, profile, email]\n    user_mapping_provider:\n      config:\n\
                 {localpart}        display_name_template: \"{{{{ user.name }}}}\"\n",
                id = idp.id,
                name = idp.name,
            )
            .expect("writing to a String");
        }
        if self.skip_continue_page {
            yaml.push_str("sso:\n  client_whitelist: [\"http://127.0.0.1:\"]\n");
        }
        let synapse = self
            .synapse
            .port(address.port)
            .config(yaml)
            .start_in_background()
            .await;
        (SsoStack { sandbox, synapse }, prepared)
    }
}
