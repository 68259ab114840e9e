//! The EMS reference server for a test: a fresh database in a temp folder, the test's users in
//! it, the clients and homeservers it names, served on a free port of 127.0.0.1 until dropped.
//!
//! ```no_run
//! # async fn example() {
//! use test_support::sandbox::SandboxBuilder;
//! let sandbox = SandboxBuilder::new()
//!     .user("dana@example.org", "Dana Scully", Some("dana"), "a long password")
//!     .app_client()
//!     .start()
//!     .await;
//! let authorize = sandbox.url("oauth2/authorize");
//! # let _ = authorize;
//! # }
//! ```
//!
//! What a test does with the sandbox afterwards (its API, its pages, its database) stays in the
//! test: [`TestSandbox`] derefs to [`RunningSandbox`].

use std::net::SocketAddr;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use ems_sandbox::tls::LocalCa;
use ems_sandbox::{
    ClientConfig, ElementOneConfig, HomeserverConfig, Homeservers, MatrixAuthConfig, NewUser,
    ProviderConfig, RunningSandbox, Sandbox, SandboxConfig, Secret, Store, User,
};

use crate::synapse::SynapseAddress;

/// The app's client id at the sandbox: a public native client with loopback redirects.
pub const APP_CLIENT: &str = "element-accounts";

/// What the sandbox starts with; [`Self::start`] starts it.
pub struct SandboxBuilder {
    users: Vec<NewUser>,
    provider: ProviderConfig,
    listener: Option<tokio::net::TcpListener>,
    https: bool,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SandboxBuilder {
    /// A sandbox with no user, no client and no homeserver (the provider's defaults).
    #[must_use]
    pub fn new() -> Self {
        Self {
            users: Vec::new(),
            provider: ProviderConfig::default(),
            listener: None,
            https: false,
        }
    }

    /// Adds the user `email` (`name`, with `username` as `preferred_username` when given) who
    /// signs in with `password`.
    #[must_use]
    pub fn user(mut self, email: &str, name: &str, username: Option<&str>, password: &str) -> Self {
        self.users.push(NewUser {
            email: email.into(),
            name: name.into(),
            username: username.map(Into::into),
            password: Secret::new(password),
        });
        self
    }

    /// Registers `client`.
    #[must_use]
    pub fn client(mut self, client: ClientConfig) -> Self {
        self.provider.clients.push(client);
        self
    }

    /// Registers the app, [`APP_CLIENT`], as a public native client.
    #[must_use]
    pub fn app_client(self) -> Self {
        self.client(ClientConfig::public_native(APP_CLIENT))
    }

    /// Access tokens live `secs` seconds.
    #[must_use]
    pub fn access_token_lifetime(mut self, secs: u32) -> Self {
        self.provider.access_token_lifetime_secs = secs;
        self
    }

    /// Hosts subscriptions on plain addresses that the sandbox hands out but never contacts: a
    /// homeserver `hs1.test` at `http://127.0.0.1:9/` and Element One `one.test` at
    /// `http://127.0.0.1:10/`.
    #[must_use]
    pub fn placeholder_homeservers(mut self) -> Self {
        self.provider.homeservers = vec![HomeserverConfig {
            server_name: "hs1.test".into(),
            url: "http://127.0.0.1:9/".into(),
            web_client_url: Some("http://127.0.0.1:9/web".into()),
            admin_user: "@admin:hs1.test".into(),
            admin_password: Secret::new("admin-secret-never-served"),
        }];
        self.provider.element_one = Some(ElementOneConfig {
            server_name: "one.test".into(),
            url: "http://127.0.0.1:10/".into(),
            sso_idp_id: None,
            web_client_url: None,
            client_id: None,
        });
        self
    }

    /// Hosts homeserver subscriptions on the Synapse at `synapse` (started or not yet), with its
    /// admin as the hosting admin, in place of any homeserver named before.
    #[must_use]
    pub fn hosted_on(mut self, synapse: SynapseAddress) -> Self {
        self.provider.homeservers = vec![HomeserverConfig {
            server_name: synapse.server_name(),
            url: format!("{}/", synapse.url()),
            web_client_url: None,
            admin_user: synapse.admin_user(),
            admin_password: Secret::new(synapse.admin_password()),
        }];
        self
    }

    /// Hosts Element One subscriptions on the Synapse at `synapse`.
    #[must_use]
    pub fn element_one_on(self, synapse: SynapseAddress) -> Self {
        self.element_one(ElementOneConfig {
            server_name: synapse.server_name(),
            url: format!("{}/", synapse.url()),
            sso_idp_id: None,
            web_client_url: None,
            client_id: None,
        })
    }

    /// Hosts Element One subscriptions as `config` says.
    #[must_use]
    pub fn element_one(mut self, config: ElementOneConfig) -> Self {
        self.provider.element_one = Some(config);
        self
    }

    /// Serves on `listener` instead of a free port of its own (for a server of the test's own
    /// that must know the address first, such as a proxy in front).
    #[must_use]
    pub fn listen_on(mut self, listener: tokio::net::TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Also serves the authorization server over https (a certificate from a CA made for this
    /// sandbox, see [`TestSandbox::ca_file`]) for the Synapse at `synapse`, in its
    /// `matrix_authentication_service` mode, with [`matrix_auth_secret`] as the shared secret.
    #[must_use]
    pub fn authorization_server_for(mut self, synapse: SynapseAddress) -> Self {
        self.provider.matrix_auth = Some(MatrixAuthConfig {
            server_name: synapse.server_name(),
            url: synapse.url(),
            secret: Secret::new(matrix_auth_secret(synapse)),
            admins: Vec::new(),
        });
        self.https = true;
        self
    }

    /// Makes `email` an admin of the authorization server's homeserver (it gets
    /// `urn:synapse:admin:*` when it asks). Call after [`Self::authorization_server_for`].
    #[must_use]
    pub fn matrix_admin(mut self, email: &str) -> Self {
        self.provider
            .matrix_auth
            .as_mut()
            .expect("authorization_server_for comes first")
            .admins
            .push(email.to_owned());
        self
    }

    /// The provider settings as they stand, to change what no other method here does.
    #[must_use]
    pub fn provider(mut self, change: impl FnOnce(&mut ProviderConfig)) -> Self {
        change(&mut self.provider);
        self
    }

    /// Starts the sandbox with its users.
    pub async fn start(self) -> TestSandbox {
        self.start_with(|_| ()).await.0
    }

    /// Starts the sandbox with a hosted-homeserver subscription of `seats` seats for the first
    /// user, on the homeserver `hosted_on` named; returns it with the subscription's id.
    pub async fn start_with_hosted(self, seats: u32) -> (TestSandbox, String) {
        self.start_with(move |fresh| {
            fresh
                .store
                .create_subscription(
                    &fresh.users[0].id,
                    &ems_api::NewSubscription::HostedHomeserver(ems_api::NewHostedHomeserver {
                        seats,
                        admin_contact: None,
                        server_name: None,
                    }),
                    fresh.homeservers,
                )
                .expect("a hosted homeserver subscription")
                .id()
                .to_owned()
        })
        .await
    }

    /// Starts the sandbox after `prepare` has been given its fresh database (to create
    /// subscriptions, or seed it): what `prepare` returns comes back with the sandbox.
    pub async fn start_with<T: Send + 'static>(
        self,
        prepare: impl FnOnce(&Fresh<'_>) -> T + Send + 'static,
    ) -> (TestSandbox, T) {
        let dir = tempfile::tempdir().expect("temp dir for the sandbox");
        let database = dir.path().join("ems.db");
        let (db, new_users) = (database.clone(), self.users);
        let homeservers = Homeservers::from_config(&self.provider);
        let (users, prepared) = tokio::task::spawn_blocking(move || {
            let store = Store::open(&db).expect("open the sandbox database");
            let users: Vec<User> = new_users
                .iter()
                .map(|new| {
                    store
                        .add_user(new)
                        .unwrap_or_else(|e| panic!("add {}: {e}", new.email))
                })
                .collect();
            let prepared = prepare(&Fresh {
                store: &store,
                users: &users,
                homeservers: &homeservers,
            });
            (users, prepared)
        })
        .await
        .expect("blocking task");
        let config = SandboxConfig {
            database: database.clone(),
            provider: self.provider,
        };
        let mut ca_file = None;
        let tls = if self.https {
            let ca = LocalCa::generate().expect("a CA for the sandbox");
            let identity = ca.server_identity().expect("a certificate for the sandbox");
            let path = dir.path().join("ca.pem");
            std::fs::write(&path, ca.certificate_pem()).expect("write the CA file");
            ca_file = Some(path);
            let https = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a port for the https listener");
            Some((https, identity))
        } else {
            None
        };
        let running = match (self.listener, tls) {
            (None, None) => serve(&config, "127.0.0.1:0".parse().expect("addr")).await,
            (listener, tls) => {
                let listener = match listener {
                    Some(l) => l,
                    None => tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("a port for the sandbox"),
                };
                Sandbox::start_with_authorization_server(config.clone(), listener, tls)
                    .await
                    .expect("the sandbox starts")
            }
        };
        let sandbox = TestSandbox {
            running,
            users,
            database,
            config,
            ca_file,
            dir,
        };
        (sandbox, prepared)
    }
}

/// A sandbox's database before the sandbox starts, its users added.
pub struct Fresh<'a> {
    /// The database.
    pub store: &'a Store,
    /// The users, as added.
    pub users: &'a [User],
    /// The homeservers the sandbox's config names, to create subscriptions on.
    pub homeservers: &'a Homeservers,
}

async fn serve(config: &SandboxConfig, addr: SocketAddr) -> RunningSandbox {
    Sandbox::bind(config.clone(), addr)
        .await
        .expect("the sandbox starts")
}

/// A sandbox serving in the background, with its users and database; stopped when dropped.
pub struct TestSandbox {
    running: RunningSandbox,
    users: Vec<User>,
    database: PathBuf,
    config: SandboxConfig,
    ca_file: Option<PathBuf>,
    dir: tempfile::TempDir,
}

/// The secret the sandbox shares with the Synapse at `synapse` in
/// `matrix_authentication_service` mode (a test fixture).
#[must_use]
pub fn matrix_auth_secret(synapse: SynapseAddress) -> String {
    format!("matrix-auth-secret-{}", synapse.port)
}

impl Deref for TestSandbox {
    type Target = RunningSandbox;

    fn deref(&self) -> &RunningSandbox {
        &self.running
    }
}

impl TestSandbox {
    /// The user added with `email`.
    #[must_use]
    pub fn user(&self, email: &str) -> &User {
        self.users
            .iter()
            .find(|u| u.email == email)
            .unwrap_or_else(|| panic!("no sandbox user {email}"))
    }

    /// The homeservers the sandbox's config names, to create subscriptions on.
    #[must_use]
    pub fn homeservers(&self) -> Homeservers {
        Homeservers::from_config(&self.config.provider)
    }

    /// The PEM file of the CA that signed the https listener's certificate, when there is one.
    #[must_use]
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// The authorization server's URL for `path` (given without a leading `/`). Panics when the
    /// sandbox has no https listener.
    #[must_use]
    pub fn as_url(&self, path: &str) -> String {
        let issuer = self
            .running
            .authorization_server()
            .expect("the sandbox serves the authorization server");
        format!("{issuer}{}", path.trim_start_matches('/'))
    }

    /// Gives the user `email` an Element One subscription with the user name `username`, as EMS
    /// would.
    pub async fn give_element_one(
        &self,
        email: &str,
        username: &str,
    ) -> ems_api::ElementOneSubscription {
        let (store, homeservers, user, username) = (
            self.store(),
            self.homeservers(),
            self.user(email).id.clone(),
            username.to_owned(),
        );
        let created = tokio::task::spawn_blocking(move || {
            store
                .create_subscription(
                    &user,
                    &ems_api::NewSubscription::ElementOne(ems_api::NewElementOne {
                        username: Some(username),
                    }),
                    &homeservers,
                )
                .expect("an Element One subscription")
        })
        .await
        .expect("blocking task");
        let ems_api::Subscription::ElementOne(one) = created else {
            panic!("Element One: {created:?}")
        };
        one
    }

    /// The sandbox's SQLite database.
    #[must_use]
    pub fn database(&self) -> &Path {
        &self.database
    }

    /// The sandbox's store, opened again (for facts the API does not show, or to issue a token).
    #[must_use]
    pub fn store(&self) -> Store {
        Store::open(&self.database).expect("open the sandbox database")
    }

    /// How many rows `table` of the sandbox's database holds (its sign-in history, its tokens).
    #[must_use]
    pub fn count_rows(&self, table: &str) -> i64 {
        let conn = rusqlite::Connection::open(&self.database).expect("open the sandbox database");
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
            row.get(0)
        })
        .unwrap_or_else(|e| panic!("count {table}: {e}"))
    }

    /// Stops the sandbox and starts it again on the same address, database and config (what a
    /// restart of the server does).
    pub async fn restart(self) -> Self {
        let addr = self.running.local_addr();
        assert!(
            self.running.authorization_server().is_none(),
            "restarting restarts the http listener only"
        );
        self.running.shutdown().await.expect("a clean shutdown");
        let running = serve(&self.config, addr).await;
        Self { running, ..self }
    }

    /// Stops the sandbox and waits until it has stopped; returns the folder of its database,
    /// which stays until dropped (for a look at what was written).
    pub async fn shutdown_keeping_files(self) -> tempfile::TempDir {
        self.running.shutdown().await.expect("the sandbox stops");
        self.dir
    }

    /// Stops the sandbox and waits until it has stopped.
    pub async fn shutdown(self) {
        self.running.shutdown().await.expect("the sandbox stops");
    }
}
