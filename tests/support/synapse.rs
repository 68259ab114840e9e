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
