//! The real app in a real webview: `tauri-driver` + WebKitWebDriver under the test run's Xvfb.
//!
//! Include with `#[path = "support/gui.rs"] mod gui;`. Each [`AppUnderTest`] has its own data,
//! config, cache and state directories and its own `$BROWSER` (a script that writes each URL it
//! is handed to a file the test reads). App instances run one at a time: the single-instance
//! plugin would otherwise hand a second instance over to the first.

// Each test binary includes this file and uses a part of it.
#![allow(dead_code)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// Serialises the app instances of one test binary (cargo runs test binaries one after another).
static ONE_APP_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// A running app driven through WebDriver.
pub struct AppUnderTest {
    /// The WebDriver session on the app's window.
    pub client: Client,
    driver: Child,
    home: Arc<tempfile::TempDir>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl AppUnderTest {
    /// Launches the freshly built app with `env` added to its environment.
    pub async fn launch(env: &[(&str, &str)]) -> Self {
        Self::launch_with(env, |_| {}).await
    }

    /// Like [`Self::launch`], after `prepare` has been given the app's data directory (to seed
    /// files the app will find at start-up).
    pub async fn launch_with(env: &[(&str, &str)], prepare: impl FnOnce(&Path)) -> Self {
        let turn = ONE_APP_AT_A_TIME.lock().await;
        let home = Arc::new(tempfile::tempdir().expect("temp dir for the app"));
        for sub in ["data", "config", "cache", "state"] {
            std::fs::create_dir_all(home.path().join(sub)).expect("xdg dir");
        }
        let data_dir = home.path().join("data/io.element.accounts");
        std::fs::create_dir_all(&data_dir).expect("app data dir");
        prepare(&data_dir);
        Self::start(home, env, turn).await
    }

    /// Starts the app again over the directories of an earlier instance (see
    /// [`Self::close_keeping_home`]): what a user sees after quitting and starting it again.
    pub async fn relaunch(home: Arc<tempfile::TempDir>, env: &[(&str, &str)]) -> Self {
        let turn = ONE_APP_AT_A_TIME.lock().await;
        Self::start(home, env, turn).await
    }

    async fn start(
        home: Arc<tempfile::TempDir>,
        env: &[(&str, &str)],
        turn: tokio::sync::MutexGuard<'static, ()>,
    ) -> Self {
        let bus = env
            .iter()
            .find(|(key, _)| *key == "DBUS_SESSION_BUS_ADDRESS")
            .map(|(_, value)| (*value).to_owned());
        wait_until_no_instance(bus.as_deref()).await;
        let _ = std::fs::remove_file(home.path().join("ready"));
        let browser = home.path().join("browser.sh");
        std::fs::write(
            &browser,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$1\" >> {}\n",
                home.path().join("browser-urls").display()
            ),
        )
        .expect("write browser script");
        let chmod = Command::new("chmod").arg("+x").arg(&browser).status();
        assert!(chmod.is_ok_and(|s| s.success()), "chmod the browser script");

        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new("tauri-driver");
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .arg("--native-driver")
            .arg("/usr/bin/WebKitWebDriver")
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("BROWSER", &browser)
            .env("ELEMENT_ACCOUNTS_READY_FILE", home.path().join("ready"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            cmd.env(key, value);
        }
        let driver = cmd
            .spawn()
            .expect("tauri-driver is installed (scripts/install-deps installs it)");

        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": env!("CARGO_BIN_EXE_element-accounts") }),
        );
        let mut builder = ClientBuilder::rustls().expect("rustls connector");
        builder.capabilities(caps);
        let webdriver = format!("http://127.0.0.1:{port}");
        // An app that exits at start-up leaves WebKitWebDriver waiting; fail instead of hanging.
        let client = tokio::time::timeout(Duration::from_secs(90), builder.connect(&webdriver))
            .await
            .expect("the app's window did not come up within 90 s")
            .expect("a WebDriver session on the app");
        Self {
            client,
            driver,
            home,
            _turn: turn,
        }
    }

    /// The app's data directory (`$XDG_DATA_HOME/<identifier>`).
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data/io.element.accounts")
    }

    /// Waits for the `n`-th URL (counting from 1) the app handed to `$BROWSER`.
    pub async fn browser_url(&self, n: usize) -> String {
        let file = self.home.path().join("browser-urls");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let urls = std::fs::read_to_string(&file).unwrap_or_default();
            if let Some(url) = urls.lines().nth(n - 1) {
                return url.to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "the app never opened browser URL #{n}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The root of this instance's private directories.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Waits until the front end has reported that it rendered the shell.
    pub async fn wait_ready(&self) {
        let ready = self.home.path().join("ready");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready.exists() {
            assert!(Instant::now() < deadline, "the UI never reported ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the element with `data-testid` = `id` and returns its text.
    pub async fn text_of(&self, id: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(&format!("[data-testid='{id}']")))
            .await
            .unwrap_or_else(|e| panic!("no element with data-testid={id}: {e}"))
            .text()
            .await
            .expect("element text")
    }

    /// Clicks the element with `data-testid` = `id`.
    pub async fn click(&self, id: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(&format!("[data-testid='{id}']")))
            .await
            .unwrap_or_else(|e| panic!("no element with data-testid={id}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click {id}: {e}"));
    }

    /// Waits until no element matches `data-testid` = `id`.
    pub async fn wait_gone(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.count(id).await > 0 {
            assert!(Instant::now() < deadline, "{id} is still shown");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How many elements match `data-testid` = `id` right now.
    pub async fn count(&self, id: &str) -> usize {
        self.client
            .find_all(Locator::Css(&format!("[data-testid='{id}']")))
            .await
            .map_or(0, |v| v.len())
    }

    /// The value of the input with `data-testid` = `id`.
    pub async fn value_of(&self, id: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(&format!("[data-testid='{id}']")))
            .await
            .unwrap_or_else(|e| panic!("no element with data-testid={id}: {e}"))
            .prop("value")
            .await
            .expect("element value")
            .unwrap_or_default()
    }

    /// Types `text` into the input with `data-testid` = `id`, replacing what it held.
    pub async fn type_into(&self, id: &str, text: &str) {
        let input = self
            .client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(&format!("[data-testid='{id}']")))
            .await
            .unwrap_or_else(|e| panic!("no element with data-testid={id}: {e}"));
        input
            .clear()
            .await
            .unwrap_or_else(|e| panic!("could not clear {id}: {e}"));
        input
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("could not type into {id}: {e}"));
    }

    /// Clicks the element matching the CSS selector `css` (e.g. a button inside one card).
    pub async fn click_css(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element matches {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click {css}: {e}"));
    }

    /// The texts of every element with `data-testid` = `id`, in document order.
    pub async fn texts_of(&self, id: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self
            .client
            .find_all(Locator::Css(&format!("[data-testid='{id}']")))
            .await
            .unwrap_or_default()
        {
            texts.push(element.text().await.unwrap_or_default());
        }
        texts
    }

    /// Waits until exactly `n` elements match `data-testid` = `id` (up to `timeout`).
    pub async fn wait_count(&self, id: &str, n: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.count(id).await;
            if found == n {
                return;
            }
            if Instant::now() >= deadline {
                let errors = self.texts_of("error").await;
                panic!("expected {n} of {id}, found {found}; errors shown: {errors:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to a minute: some steps open an encrypted store) until the text of `id` is
    /// what `wanted` accepts; fails with `what`, the text shown and the errors shown.
    pub async fn wait_text(&self, id: &str, wanted: impl Fn(&str) -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            let text = if self.count(id).await > 0 {
                self.text_of(id).await
            } else {
                String::new()
            };
            if wanted(&text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: {id} shows {text:?}; errors: {:?}",
                self.texts_of("error").await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Closes the app but keeps its directories, for [`Self::relaunch`].
    pub async fn close_keeping_home(self) -> Arc<tempfile::TempDir> {
        let home = Arc::clone(&self.home);
        self.close().await;
        home
    }

    /// Ends the session and stops tauri-driver with SIGTERM (SIGKILL would orphan WebKitWebDriver).
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.driver.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.driver.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The D-Bus name the single-instance plugin takes (`<identifier>.SingleInstance`).
const SINGLE_INSTANCE_NAME: &str = "io.element.accounts.SingleInstance";

/// Waits until no app instance holds the single-instance name on the session bus (`bus`, or the
/// test run's). A previous instance that is still shutting down would otherwise receive the new
/// one's hand-over and vanish without answering, and the new one would exit.
async fn wait_until_no_instance(bus: Option<&str>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut cmd = Command::new("gdbus");
        cmd.args([
            "call",
            "--session",
            "--dest",
            "org.freedesktop.DBus",
            "--object-path",
            "/org/freedesktop/DBus",
        ])
        .args([
            "--method",
            "org.freedesktop.DBus.NameHasOwner",
            SINGLE_INSTANCE_NAME,
        ]);
        if let Some(address) = bus {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", address);
        }
        let owned = cmd
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("true"));
        if !owned || Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Drop for AppUnderTest {
    /// Ending the WebDriver session does not always end the app; an app left running would take
    /// over the next instance through the single-instance plugin. Stop every process started for
    /// this instance (found by its private ready-file path in the environment).
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let marker = format!(
            "ELEMENT_ACCOUNTS_READY_FILE={}",
            self.home.path().join("ready").display()
        );
        let mine = || -> Vec<String> {
            std::fs::read_dir("/proc")
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|pid| pid.chars().all(|c| c.is_ascii_digit()))
                .filter(|pid| {
                    std::fs::read(format!("/proc/{pid}/environ"))
                        .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == marker.as_bytes()))
                })
                .collect()
        };
        for signal in ["-TERM", "-KILL"] {
            let pids = mine();
            if pids.is_empty() {
                return;
            }
            let _ = Command::new("kill").arg(signal).args(&pids).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && !mine().is_empty() {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}
