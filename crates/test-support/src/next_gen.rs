//! A real Synapse in `matrix_authentication_service` mode with the EMS sandbox as its OAuth 2.0
//! authorization server, over https: the sandbox serves its authorization-server listener with a
//! certificate from a CA made for the test, and Synapse trusts that CA through `SSL_CERT_FILE`.
//!
//! ```no_run
//! # async fn example() {
//! use test_support::next_gen::NextGenStack;
//! use test_support::sandbox::SandboxBuilder;
//! let stack = NextGenStack::builder(
//!     SandboxBuilder::new().user("nia@example.org", "Nia", Some("nia"), "a long password"),
//! )
//! .start()
//! .await;
//! let metadata = format!("{}/_matrix/client/v1/auth_metadata", stack.synapse.url);
//! # let _ = metadata;
//! # }
//! ```
//!
//! In this mode Synapse refuses password login and registration, and registers no admin: the
//! sandbox provisions every user, and admins are the users the sandbox's config names
//! ([`SandboxBuilder::matrix_admin`]).

use crate::sandbox::{matrix_auth_secret, SandboxBuilder, TestSandbox};
use crate::synapse::{Synapse, SynapseAddress};

/// The sandbox and the Synapse that delegates its sign-in to it, stopped when dropped.
pub struct NextGenStack {
    /// The EMS sandbox, the authorization server (its https listener).
    pub sandbox: TestSandbox,
    /// Synapse, in `matrix_authentication_service` mode.
    pub synapse: Synapse,
    /// The first user's hosted-homeserver subscription on this Synapse, if one was asked for.
    pub hosted: Option<String>,
}

/// How the stack is to start; [`Self::start`] starts it.
pub struct NextGenStackBuilder {
    sandbox: SandboxBuilder,
    admins: Vec<String>,
    synapse_secret: Option<String>,
    element_one: bool,
    hosted_seats: Option<u32>,
}

impl NextGenStack {
    /// A stack over `sandbox` (its users and other clients).
    #[must_use]
    pub fn builder(sandbox: SandboxBuilder) -> NextGenStackBuilder {
        NextGenStackBuilder {
            sandbox,
            admins: Vec::new(),
            synapse_secret: None,
            element_one: false,
            hosted_seats: None,
        }
    }

    /// The authorization server's issuer, `https://127.0.0.1:PORT/`.
    #[must_use]
    pub fn issuer(&self) -> &str {
        self.sandbox
            .authorization_server()
            .expect("the sandbox serves the authorization server")
    }

    /// The PEM file of the CA every client of the authorization server must trust.
    #[must_use]
    pub fn ca_file(&self) -> &std::path::Path {
        self.sandbox.ca_file().expect("the sandbox has a CA")
    }

    /// Stops Synapse, then the sandbox.
    pub async fn shutdown(self) {
        drop(self.synapse);
        self.sandbox.shutdown().await;
    }
}

impl NextGenStackBuilder {
    /// `email` gets `urn:synapse:admin:*` when it asks for it.
    #[must_use]
    pub fn admin(mut self, email: &str) -> Self {
        self.admins.push(email.to_owned());
        self
    }

    /// Gives Synapse `secret` instead of the one the sandbox has: each refuses the other.
    #[must_use]
    pub fn synapse_secret(mut self, secret: &str) -> Self {
        self.synapse_secret = Some(secret.to_owned());
        self
    }

    /// Makes this Synapse the sandbox's Element One homeserver too: Element One subscriptions
    /// name it, and their Matrix IDs are on its server name.
    #[must_use]
    pub fn hosting_element_one(mut self) -> Self {
        self.element_one = true;
        self
    }

    /// Hosts homeserver subscriptions on this Synapse, and gives the first user one of `seats`
    /// seats ([`NextGenStack::hosted`]).
    #[must_use]
    pub fn hosting_seats(mut self, seats: u32) -> Self {
        self.hosted_seats = Some(seats);
        self
    }

    /// Starts the sandbox, then Synapse.
    pub async fn start(self) -> NextGenStack {
        let address = SynapseAddress::free();
        let mut sandbox = self.sandbox.authorization_server_for(address);
        if self.element_one {
            sandbox = sandbox.element_one_on(address);
        }
        for admin in &self.admins {
            sandbox = sandbox.matrix_admin(admin);
        }
        let (sandbox, hosted) = match self.hosted_seats {
            Some(seats) => {
                let (sandbox, id) = sandbox.hosted_on(address).start_with_hosted(seats).await;
                (sandbox, Some(id))
            }
            None => (sandbox.start().await, None),
        };
        let issuer = sandbox
            .authorization_server()
            .expect("the sandbox serves the authorization server")
            .to_owned();
        let ca_file = sandbox.ca_file().expect("the sandbox has a CA").to_owned();
        let yaml = format!(
            "password_config:\n  enabled: false\n\
             matrix_authentication_service:\n  enabled: true\n  endpoint: \"{issuer}\"\n  \
             secret: \"{secret}\"\n",
            secret = self
                .synapse_secret
                .unwrap_or_else(|| matrix_auth_secret(address)),
        );
        let synapse = Synapse::builder()
            .port(address.port)
            .config(yaml)
            .env_path("SSL_CERT_FILE", &ca_file)
            .without_admin()
            .start_in_background()
            .await;
        NextGenStack {
            sandbox,
            synapse,
            hosted,
        }
    }
}
