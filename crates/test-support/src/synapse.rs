//! A real Synapse for a test: started on a free port through `scripts/synapse`, stopped on drop.
//!
//! ```no_run
//! use test_support::synapse::Synapse;
//! let plain = Synapse::start();
//! let open = Synapse::builder()
//!     .config("enable_registration: true\nenable_registration_without_verification: true\n")
//!     .start();
//! # let _ = (plain, open);
//! ```
//!
//! Synapse with the EMS sandbox as its identity provider is [`crate::sso::SsoStack`].

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{free_port, run_to_success};

/// The repository root, found from this crate's manifest directory.
#[must_use]
pub fn repo_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("scripts/synapse").exists() {
        assert!(
            dir.pop(),
            "scripts/synapse not found above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
    dir
}

/// Where a Synapse listens and what it is called, known before it starts (from its port): what
/// the config of another server names when it must name Synapse first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynapseAddress {
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
}

impl SynapseAddress {
    /// A port nothing listens on yet.
    #[must_use]
    pub fn free() -> Self {
        Self { port: free_port() }
    }

    /// The client-server API base URL, `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server name, `127.0.0.1:PORT`.
    #[must_use]
    pub fn server_name(self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The admin's full Matrix ID, as `scripts/synapse` registers it.
    #[must_use]
    pub fn admin_user(self) -> String {
        format!("@admin:{}", self.server_name())
    }

    /// The admin's password (a test fixture), as [`SynapseBuilder::start`] chooses it.
    #[must_use]
    pub fn admin_password(self) -> String {
        format!("admin-pw-{}", self.port)
    }
}

/// A running Synapse with an admin user.
pub struct Synapse {
    /// The client-server API base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    /// The server name, `127.0.0.1:PORT`.
    pub server_name: String,
    /// The admin's full Matrix ID.
    pub admin_user: String,
    /// The admin's password (a test fixture).
    pub admin_password: String,
    /// The port Synapse listens on.
    pub port: u16,
    dir: tempfile::TempDir,
    extra_configs: Vec<PathBuf>,
    env: Vec<(String, PathBuf)>,
    no_admin: bool,
}

/// How a Synapse is to start; [`Self::start`] starts it.
#[derive(Debug, Default)]
pub struct SynapseBuilder {
    port: Option<u16>,
    configs: Vec<String>,
    config_files: Vec<PathBuf>,
    env: Vec<(String, PathBuf)>,
    no_admin: bool,
}

impl SynapseBuilder {
    /// Listens on `port`, chosen up front (with [`free_port`]) when another server's config must
    /// name Synapse's address before Synapse starts. A free port otherwise.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Applies `yaml` after the generated config (a later file replaces whole top-level keys).
    #[must_use]
    pub fn config(mut self, yaml: impl Into<String>) -> Self {
        self.configs.push(yaml.into());
        self
    }

    /// Applies the config file `path` after the generated config; it must outlive the Synapse
    /// when [`Synapse::start_again`] is used.
    #[must_use]
    pub fn config_file(mut self, path: &Path) -> Self {
        self.config_files.push(path.to_path_buf());
        self
    }

    /// Sets the environment variable `key` to `path` for Synapse (`SSL_CERT_FILE`: the CA its
    /// HTTP clients trust).
    #[must_use]
    pub fn env_path(mut self, key: &str, path: &Path) -> Self {
        self.env.push((key.to_owned(), path.to_path_buf()));
        self
    }

    /// Registers no admin (in `matrix_authentication_service` mode Synapse has no
    /// shared-secret registration; its users come from the authorization server).
    #[must_use]
    pub fn without_admin(mut self) -> Self {
        self.no_admin = true;
        self
    }

    /// Starts Synapse and waits until it is healthy, with its admin registered. This blocks: from
    /// async code, see [`Self::start_in_background`].
    #[must_use]
    pub fn start(self) -> Synapse {
        let port = self.port.unwrap_or_else(free_port);
        let dir = tempfile::tempdir().expect("temp dir for Synapse");
        let mut extra_configs = self.config_files;
        for (i, yaml) in self.configs.iter().enumerate() {
            let path = dir.path().join(format!("test-config-{i}.yaml"));
            std::fs::write(&path, yaml).expect("write the extra Synapse config");
            extra_configs.push(path);
        }
        let admin_password = SynapseAddress { port }.admin_password();
        let launch = Launch {
            dir: dir.path(),
            port,
            admin_password: &admin_password,
            configs: &extra_configs,
            env: &self.env,
            no_admin: self.no_admin,
        };
        let stdout = launch.run("start");
        let value = |key: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .unwrap_or_else(|| panic!("scripts/synapse printed no {key}: {stdout}"))
                .to_owned()
        };
        Synapse {
            url: value("SYNAPSE_URL"),
            server_name: value("SYNAPSE_SERVER_NAME"),
            admin_user: value("SYNAPSE_ADMIN_USER"),
            admin_password,
            port,
            dir,
            extra_configs,
            env: self.env,
            no_admin: self.no_admin,
        }
    }

    /// [`Self::start`] on a blocking thread, so that the runtime keeps serving meanwhile (a
    /// server Synapse reads while it starts, such as its identity provider, lives there).
    pub async fn start_in_background(self) -> Synapse {
        tokio::task::spawn_blocking(move || self.start())
            .await
            .expect("Synapse starts")
    }
}

impl Synapse {
    /// How a Synapse is to start: a free port and the default test config, unless told.
    #[must_use]
    pub fn builder() -> SynapseBuilder {
        SynapseBuilder::default()
    }

    /// Where it listens and what it is called.
    #[must_use]
    pub fn address(&self) -> SynapseAddress {
        SynapseAddress { port: self.port }
    }

    /// Starts Synapse with the default test config (blocking).
    #[must_use]
    pub fn start() -> Self {
        Self::builder().start()
    }

    /// Synapse's SQLite database (`homeserver.db` in its directory), for facts no API sets, such
    /// as when a user was last seen (see [`crate::synapse_db`]).
    #[must_use]
    pub fn database_path(&self) -> PathBuf {
        self.dir.path().join("homeserver.db")
    }

    /// Starts Synapse on a free port with guest access, an application service and an extra user
    /// type (see [`AccountKinds`]). Keep the returned config alive as long as the Synapse: it
    /// holds the files that [`Self::start_again`] reads again.
    #[must_use]
    pub fn start_with_account_kinds() -> (Self, AccountKinds) {
        let port = free_port();
        let kinds = AccountKinds::write(&format!("127.0.0.1:{port}"));
        let synapse = Self::builder()
            .port(port)
            .config_file(&kinds.config_path)
            .start();
        (synapse, kinds)
    }

    /// Stops Synapse (as a crash or an outage would), keeping its data for [`Self::start_again`].
    pub fn stop(&self) {
        let status = Command::new(repo_root().join("scripts/synapse"))
            .arg("stop")
            .arg("--dir")
            .arg(self.dir.path())
            .status()
            .expect("run scripts/synapse stop");
        assert!(status.success(), "scripts/synapse stop failed");
    }

    /// Starts a stopped Synapse again on the same port, with the same data and config.
    pub fn start_again(&self) {
        Launch {
            dir: self.dir.path(),
            port: self.port,
            admin_password: &self.admin_password,
            configs: &self.extra_configs,
            env: &self.env,
            no_admin: self.no_admin,
        }
        .run("start (again)");
    }
}

/// How `scripts/synapse start` is run.
struct Launch<'a> {
    dir: &'a Path,
    port: u16,
    admin_password: &'a str,
    configs: &'a [PathBuf],
    env: &'a [(String, PathBuf)],
    no_admin: bool,
}

impl Launch<'_> {
    /// Runs `scripts/synapse start` over `dir`; returns what it printed.
    fn run(&self, what: &str) -> String {
        let mut cmd = Command::new(repo_root().join("scripts/synapse"));
        cmd.arg("start")
            .arg("--dir")
            .arg(self.dir)
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--admin-password")
            .arg(self.admin_password);
        if self.no_admin {
            cmd.arg("--no-admin");
        }
        for config in self.configs {
            cmd.arg("--config").arg(config);
        }
        for (key, value) in self.env {
            cmd.env(key, value);
        }
        run_to_success(&mut cmd, &format!("scripts/synapse {what}"))
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/synapse"))
            .arg("stop")
            .arg("--dir")
            .arg(self.dir.path())
            .status();
    }
}

/// An application service registered with a test Synapse: a bridge in miniature. Its `url` is
/// null, so Synapse sends it nothing and nothing needs to answer; the test acts as the service
/// with [`Self::as_token`].
pub struct AppService {
    /// The registration's `id`.
    pub id: String,
    /// The token the service uses towards Synapse (`Authorization: Bearer`).
    pub as_token: String,
    /// The token Synapse would use towards the service.
    pub hs_token: String,
    /// The localpart of the service's own sender user. Synapse does not create it in the users
    /// table (checked with 1.163.2: the Admin API does not list it).
    pub sender_localpart: String,
    /// Localparts that start with this are the service's, exclusively (`@bridge_.*:SERVER`).
    pub user_prefix: String,
    /// The registration file.
    pub registration_path: PathBuf,
}

/// Extra config for a test Synapse that has every kind of account the seat rules tell apart:
/// `allow_guest_access: true`, one application service in `app_service_config_files`, and the
/// extra user type [`AccountKinds::EXTRA_USER_TYPE`] besides Synapse's `bot` and `support`.
/// The files live in a temp dir that is removed when this is dropped.
pub struct AccountKinds {
    /// The extra config file for [`SynapseBuilder::config_file`].
    pub config_path: PathBuf,
    /// The registered application service.
    pub appservice: AppService,
    _dir: tempfile::TempDir,
}

impl AccountKinds {
    /// A user type of this deployment's own (`user_types.extra_user_types`), neither `bot` nor
    /// `support`.
    pub const EXTRA_USER_TYPE: &str = "service";

    /// Writes the registration and the config for a Synapse whose server name is
    /// `server_name` (`127.0.0.1:PORT`, known before start through [`free_port`]).
    #[must_use]
    pub fn write(server_name: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the extra Synapse config");
        let appservice = AppService {
            id: "seats-test-bridge".to_owned(),
            as_token: "as-token-seats-test-bridge".to_owned(),
            hs_token: "hs-token-seats-test-bridge".to_owned(),
            sender_localpart: "bridgebot".to_owned(),
            user_prefix: "bridge_".to_owned(),
            registration_path: dir.path().join("appservice.yaml"),
        };
        // The namespace regex must match the whole Matrix ID: escape the server name's dots (and
        // anything else a regex would read). YAML single quotes keep backslashes as they are.
        let users_regex = format!(
            "@{}.*:{}",
            regex_escape(&appservice.user_prefix),
            regex_escape(server_name)
        );
        let registration = format!(
            "id: {id}\n\
             url: null\n\
             as_token: {as_token}\n\
             hs_token: {hs_token}\n\
             sender_localpart: {sender}\n\
             rate_limited: false\n\
             namespaces:\n\
             \x20 users:\n\
             \x20   - exclusive: true\n\
             \x20     regex: {regex}\n\
             \x20 aliases: []\n\
             \x20 rooms: []\n",
            id = yaml_quote(&appservice.id),
            as_token = yaml_quote(&appservice.as_token),
            hs_token = yaml_quote(&appservice.hs_token),
            sender = yaml_quote(&appservice.sender_localpart),
            regex = yaml_quote(&users_regex),
        );
        std::fs::write(&appservice.registration_path, registration)
            .expect("write the appservice registration");
        let config_path = dir.path().join("account-kinds.yaml");
        let config = format!(
            "allow_guest_access: true\n\
             app_service_config_files:\n\
             \x20 - {registration}\n\
             user_types:\n\
             \x20 extra_user_types: [{extra}]\n",
            registration = yaml_quote(&appservice.registration_path.to_string_lossy()),
            extra = yaml_quote(Self::EXTRA_USER_TYPE),
        );
        std::fs::write(&config_path, config).expect("write the extra Synapse config");
        Self {
            config_path,
            appservice,
            _dir: dir,
        }
    }
}

/// `text` with every character that means something in a (Python) regex escaped.
#[must_use]
pub fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() && c != '_' && c != '@' && c != ':' && c != '-' {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `text` as a YAML single-quoted scalar: no escapes inside but a doubled quote.
fn yaml_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
