//! Private D-Bus session buses for keyring tests: one with no services at all (no Secret
//! Service can be found or activated), and one with its own gnome-keyring that a test may lock
//! without disturbing the run's shared keyring.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::run_to_success;
use crate::wait::blocking_wait_until;

/// A `dbus-daemon` of our own, stopped on drop (with the keyring daemon, if any).
pub struct PrivateBus {
    /// The value for `DBUS_SESSION_BUS_ADDRESS`.
    pub address: String,
    daemon: Child,
    keyring: Option<Child>,
    dir: tempfile::TempDir,
}

const CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

impl PrivateBus {
    /// A session bus on which nothing provides, or can activate, a Secret Service.
    #[must_use]
    pub fn without_services() -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the bus");
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            CONFIG.replace("DIR", &dir.path().display().to_string()),
        )
        .expect("write bus config");
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .arg("--nofork")
            .arg("--print-address=1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is installed");
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("the bus prints its address");
        Self {
            address: address.trim().to_owned(),
            daemon,
            keyring: None,
            dir,
        }
    }

    /// A bus with its own gnome-keyring whose "login" collection is created and unlocked.
    #[must_use]
    pub fn with_keyring() -> Self {
        let mut bus = Self::without_services();
        for sub in ["data", "runtime"] {
            std::fs::create_dir_all(bus.dir.path().join(sub)).expect("keyring dirs");
        }
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("XDG_DATA_HOME", bus.dir.path().join("data"))
            .env("XDG_RUNTIME_DIR", bus.dir.path().join("runtime"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon is installed");
        {
            let mut stdin = keyring.stdin.take().expect("stdin");
            stdin.write_all(b"private-bus-keyring").expect("password");
        }
        bus.keyring = Some(keyring);
        blocking_wait_until(
            || bus.has_name("org.freedesktop.secrets"),
            Duration::from_secs(15),
            "the private gnome-keyring takes its bus name",
        );
        bus
    }

    fn has_name(&self, name: &str) -> bool {
        bus_has_name(Some(&self.address), name)
    }

    /// Locks every collection of this bus's keyring (the way a screen lock or timeout would).
    pub fn lock_keyring(&self) {
        run_to_success(
            Command::new("gdbus")
                .args(["call", "--session", "--dest", "org.freedesktop.secrets"])
                .args(["--object-path", "/org/freedesktop/secrets"])
                .args(["--method", "org.freedesktop.Secret.Service.Lock"])
                .arg("['/org/freedesktop/secrets/collection/login', '/org/freedesktop/secrets/aliases/default']")
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address),
            "locking the private keyring (gdbus)",
        );
    }
}

/// Whether `name` has an owner on the session bus at `address` (the test run's own bus when
/// `None`); a bus that does not answer owns nothing.
pub(crate) fn bus_has_name(address: Option<&str>, name: &str) -> bool {
    let mut cmd = Command::new("gdbus");
    cmd.args([
        "call",
        "--session",
        "--dest",
        "org.freedesktop.DBus",
        "--object-path",
        "/org/freedesktop/DBus",
    ])
    .args(["--method", "org.freedesktop.DBus.NameHasOwner", name]);
    if let Some(address) = address {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", address);
    }
    cmd.output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("true"))
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        if let Some(keyring) = &mut self.keyring {
            let _ = keyring.kill();
            let _ = keyring.wait();
        }
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
