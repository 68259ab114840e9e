//! The real app in a real webview: `tauri-driver` + WebKitWebDriver under the test run's Xvfb.
//!
//! Each [`AppUnderTest`] has its own data, config, cache and state directories and its own
//! `$BROWSER` (a script that writes each URL it is handed to a file the test reads). App instances
//! run one at a time: the single-instance plugin would otherwise hand a second instance over to
//! the first.
//!
//! The binary is the app crate's, which Cargo names only to that crate's tests: they start from
//! [`app_under_test!`](crate::app_under_test).
//!
//! ```ignore
//! let app = test_support::app_under_test!()
//!     .ems_server(sandbox.issuer())
//!     .launch()
//!     .await;
//! app.click("ems-sign-in").await;
//! let url = app.browser_url(1).await;
//! ```

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::free_port;
use crate::secret_service::bus_has_name;
use crate::wait::{until_listening, wait_for, wait_until};

/// An [`AppBuilder`] for the app binary Cargo built for this test (`CARGO_BIN_EXE_element-accounts`,
/// set only for the app crate's tests, so it never runs a stale binary).
#[macro_export]
macro_rules! app_under_test {
    () => {
        $crate::gui::AppBuilder::new(env!("CARGO_BIN_EXE_element-accounts"))
    };
}

/// Serialises the app instances of one test binary (cargo runs test binaries one after another).
static ONE_APP_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What is done to the app's data directory before the app starts.
type Prepare<'a> = Box<dyn FnOnce(&Path) + 'a>;

/// How the app is to start; [`Self::launch`] starts it.
pub struct AppBuilder<'a> {
    binary: PathBuf,
    env: Vec<(String, String)>,
    prepare: Option<Prepare<'a>>,
}

impl<'a> AppBuilder<'a> {
    /// The app at `binary`, with fresh directories and nothing added to its environment.
    #[must_use]
    pub fn new(binary: impl Into<PathBuf>) -> Self {
        Self {
            binary: binary.into(),
            env: Vec::new(),
            prepare: None,
        }
    }

    /// Adds `key=value` to the app's environment.
    #[must_use]
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Points the app's EMS pane at `issuer` (`ELEMENT_ACCOUNTS_EMS_ISSUER`).
    #[must_use]
    pub fn ems_server(self, issuer: &str) -> Self {
        self.env("ELEMENT_ACCOUNTS_EMS_ISSUER", issuer)
    }

    /// Points the app's Matrix pane at `homeserver` (`ELEMENT_ACCOUNTS_HOMESERVER`): a server
    /// name or a URL.
    #[must_use]
    pub fn homeserver(self, homeserver: &str) -> Self {
        self.env("ELEMENT_ACCOUNTS_HOMESERVER", homeserver)
    }

    /// Adds each `(key, value)` of `env` to the app's environment.
    #[must_use]
    pub fn envs(self, env: &[(&str, &str)]) -> Self {
        env.iter()
            .fold(self, |app, (key, value)| app.env(key, value))
    }

    /// Gives `prepare` the app's data directory before the app starts (to seed files it will
    /// find at start-up).
    #[must_use]
    pub fn prepare(mut self, prepare: impl FnOnce(&Path) + 'a) -> Self {
        self.prepare = Some(Box::new(prepare));
        self
    }

    /// Launches the app and waits until its front end reports that it rendered the shell.
    pub async fn launch(self) -> AppUnderTest {
        let turn = ONE_APP_AT_A_TIME.lock().await;
        let home = tempfile::tempdir().expect("temp dir for the app");
        for sub in ["data", "config", "cache", "state"] {
            std::fs::create_dir_all(home.path().join(sub)).expect("xdg dir");
        }
        std::fs::create_dir_all(home.path().join(DATA_DIR)).expect("app data dir");
        if let Some(prepare) = self.prepare {
            prepare(&home.path().join(DATA_DIR));
        }
        AppUnderTest::start(self.binary, Arc::new(home), self.env, turn).await
    }
}

/// The app's data directory under an instance's home (`$XDG_DATA_HOME/<identifier>`).
const DATA_DIR: &str = "data/io.element.accounts";

/// A running app driven through WebDriver.
pub struct AppUnderTest {
    /// The WebDriver session on the app's window.
    pub client: Client,
    driver: Child,
    binary: PathBuf,
    env: Vec<(String, String)>,
    home: Arc<tempfile::TempDir>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl AppUnderTest {
    /// Starts the app over `home` and waits until its front end reports that it rendered.
    async fn start(
        binary: PathBuf,
        home: Arc<tempfile::TempDir>,
        env: Vec<(String, String)>,
        turn: tokio::sync::MutexGuard<'static, ()>,
    ) -> Self {
        let bus = env
            .iter()
            .find(|(key, _)| key == "DBUS_SESSION_BUS_ADDRESS")
            .map(|(_, value)| value.as_str());
        wait_until_no_instance(bus).await;
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
        for (key, value) in &env {
            cmd.env(key, value);
        }
        let driver = cmd
            .spawn()
            .expect("tauri-driver is installed (scripts/install-deps installs it)");
        until_listening(port, Duration::from_secs(20), "tauri-driver listens").await;

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": &binary }),
        );
        let mut builder = ClientBuilder::rustls().expect("rustls connector");
        builder.capabilities(caps);
        let webdriver = format!("http://127.0.0.1:{port}");
        // An app that exits at start-up leaves WebKitWebDriver waiting; fail instead of hanging.
        let client = tokio::time::timeout(Duration::from_secs(90), builder.connect(&webdriver))
            .await
            .expect("the app's window did not come up within 90 s")
            .expect("a WebDriver session on the app");
        let app = Self {
            client,
            driver,
            binary,
            env,
            home,
            _turn: turn,
        };
        app.wait_ready().await;
        app
    }

    /// Quits and starts the app again over the same directories, with the same environment: what
    /// a user sees after quitting and starting it again.
    pub async fn restart(self) -> Self {
        let (binary, env) = (self.binary.clone(), self.env.clone());
        let home = self.close_keeping_home().await;
        let turn = ONE_APP_AT_A_TIME.lock().await;
        Self::start(binary, home, env, turn).await
    }

    /// The app's data directory (`$XDG_DATA_HOME/<identifier>`).
    #[must_use]
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join(DATA_DIR)
    }

    /// Waits for the `n`-th URL (counting from 1) the app handed to `$BROWSER`.
    pub async fn browser_url(&self, n: usize) -> String {
        let file = self.home.path().join("browser-urls");
        wait_for(
            || async {
                let urls = std::fs::read_to_string(&file).unwrap_or_default();
                urls.lines()
                    .nth(n - 1)
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{} URLs", urls.lines().count()))
            },
            Duration::from_secs(30),
            &format!("the app opens browser URL #{n}"),
        )
        .await
    }

    /// The root of this instance's private directories.
    #[must_use]
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Waits until the front end has reported that it rendered the shell.
    pub async fn wait_ready(&self) {
        let ready = self.home.path().join("ready");
        wait_until(
            || async { ready.exists() },
            Duration::from_secs(30),
            "the UI reports ready",
        )
        .await;
    }

    /// Waits for the element with `data-testid` = `id` (up to 15 s, like every wait for one
    /// element here).
    async fn element(&self, id: &str) -> Element {
        wait_for_element(&self.client, Locator::Css(&format!("[data-testid='{id}']")))
            .await
            .unwrap_or_else(|e| panic!("no element with data-testid={id}: {e}"))
    }

    /// Waits for the element with `data-testid` = `id` and returns its text.
    pub async fn text_of(&self, id: &str) -> String {
        self.element(id).await.text().await.expect("element text")
    }

    /// Clicks the element with `data-testid` = `id`.
    pub async fn click(&self, id: &str) {
        self.element(id)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click {id}: {e}"));
    }

    /// Waits until no element matches `data-testid` = `id`.
    pub async fn wait_gone(&self, id: &str) {
        wait_until(
            || async { self.count(id).await == 0 },
            Duration::from_secs(15),
            &format!("{id} is no longer shown"),
        )
        .await;
    }

    /// Waits until an element matches the CSS selector `css` (a state the front end reports in an
    /// attribute, say), up to 15 s.
    pub async fn wait_for_css(&self, css: &str) {
        wait_for_element(&self.client, Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"));
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
        self.element(id)
            .await
            .prop("value")
            .await
            .expect("element value")
            .unwrap_or_default()
    }

    /// Types `text` into the input with `data-testid` = `id`, replacing what it held.
    pub async fn type_into(&self, id: &str, text: &str) {
        let input = self.element(id).await;
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
        wait_for_element(&self.client, Locator::Css(css))
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
        wait_for(
            || async {
                let found = self.count(id).await;
                if found == n {
                    return Ok(());
                }
                let errors = self.texts_of("error").await;
                Err(format!("{found} of them; errors shown: {errors:?}"))
            },
            timeout,
            &format!("{n} of {id}"),
        )
        .await;
    }

    /// Waits (up to a minute: some steps open an encrypted store) until the text of `id` is
    /// what `wanted` accepts; fails with `what`, the text shown and the errors shown.
    pub async fn wait_text(&self, id: &str, wanted: impl Fn(&str) -> bool, what: &str) {
        wait_for(
            || async {
                let text = if self.count(id).await > 0 {
                    self.text_of(id).await
                } else {
                    String::new()
                };
                if wanted(&text) {
                    return Ok(());
                }
                let errors = self.texts_of("error").await;
                Err(format!("{id} shows {text:?}; errors: {errors:?}"))
            },
            Duration::from_mins(1),
            what,
        )
        .await;
    }

    /// Closes the app but keeps its directories (for a look at what it left there).
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

/// Waits up to 15 s for an element that `locator` finds on `client`'s page: the one wait for an
/// element that the app's window and the test browser share.
pub(crate) async fn wait_for_element(
    client: &Client,
    locator: Locator<'_>,
) -> Result<Element, CmdError> {
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(locator)
        .await
}

/// The D-Bus name the single-instance plugin takes (`<identifier>.SingleInstance`).
const SINGLE_INSTANCE_NAME: &str = "io.element.accounts.SingleInstance";

/// Waits until no app instance holds the single-instance name on the session bus (`bus`, or the
/// test run's). A previous instance that is still shutting down would otherwise receive the new
/// one's hand-over and vanish without answering, and the new one would exit.
async fn wait_until_no_instance(bus: Option<&str>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if !bus_has_name(bus, SINGLE_INSTANCE_NAME) || Instant::now() > deadline {
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
