//! A real Synapse for a test: started on a free port through `scripts/synapse`, stopped on drop.
//!
//! Include with `#[path = "support/synapse.rs"] mod synapse;`.

// Each test binary includes this file and uses a part of it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root, found from the test crate's manifest directory.
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

/// A port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
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
}

impl Synapse {
    /// Starts Synapse with the default test config.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts Synapse with extra config files applied after the generated ones.
    pub fn start_with(extra_configs: &[&Path]) -> Self {
        Self::start_on(free_port(), extra_configs)
    }

    /// Starts Synapse on `port`, chosen up front (e.g. with [`free_port`]) when another server's
    /// config must name Synapse's address before Synapse starts, with extra config files.
    pub fn start_on(port: u16, extra_configs: &[&Path]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir for Synapse");
        let admin_password = format!("admin-pw-{port}");
        let mut cmd = Command::new(repo_root().join("scripts/synapse"));
        cmd.arg("start")
            .arg("--dir")
            .arg(dir.path())
            .arg("--port")
            .arg(port.to_string())
            .arg("--admin-password")
            .arg(&admin_password);
        for config in extra_configs {
            cmd.arg("--config").arg(config);
        }
        let output = cmd.output().expect("run scripts/synapse");
        assert!(
            output.status.success(),
            "scripts/synapse start failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let value = |key: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .unwrap_or_else(|| panic!("scripts/synapse printed no {key}: {stdout}"))
                .to_owned()
        };
        Self {
            url: value("SYNAPSE_URL"),
            server_name: value("SYNAPSE_SERVER_NAME"),
            admin_user: value("SYNAPSE_ADMIN_USER"),
            admin_password,
            port,
            dir,
            extra_configs: extra_configs.iter().map(|p| p.to_path_buf()).collect(),
        }
    }

    /// Synapse's SQLite database (`homeserver.db` in its directory), for facts no API sets, such
    /// as when a user was last seen (see `synapse_db.rs`).
    pub fn database_path(&self) -> PathBuf {
        self.dir.path().join("homeserver.db")
    }

    /// Starts Synapse on a free port with guest access, an application service and an extra user
    /// type (see [`AccountKinds`]). Keep the returned config alive as long as the Synapse: it
    /// holds the files that [`Self::start_again`] reads again.
    pub fn start_with_account_kinds() -> (Self, AccountKinds) {
        let port = free_port();
        let kinds = AccountKinds::write(&format!("127.0.0.1:{port}"));
        let synapse = Self::start_on(port, &[kinds.config_path.as_path()]);
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
        let mut cmd = Command::new(repo_root().join("scripts/synapse"));
        cmd.arg("start")
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--admin-password")
            .arg(&self.admin_password);
        for config in &self.extra_configs {
            cmd.arg("--config").arg(config);
        }
        let output = cmd.output().expect("run scripts/synapse");
        assert!(
            output.status.success(),
            "scripts/synapse start (again) failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
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
    /// The extra config file to pass to [`Synapse::start_on`].
    pub config_path: PathBuf,
    /// The registered application service.
    pub appservice: AppService,
    dir: tempfile::TempDir,
}

impl AccountKinds {
    /// A user type of this deployment's own (`user_types.extra_user_types`), neither `bot` nor
    /// `support`.
    pub const EXTRA_USER_TYPE: &str = "service";

    /// Writes the registration and the config for a Synapse whose server name is
    /// `server_name` (`127.0.0.1:PORT`, known before start through [`free_port`]).
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
            dir,
        }
    }
}

/// `text` with every character that means something in a (Python) regex escaped.
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
