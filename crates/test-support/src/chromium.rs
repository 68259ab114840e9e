//! Real headless Chromium as the user's system browser, driven through `chromedriver`.
//!
//! The app hands sign-in URLs to `$BROWSER` (a script of the GUI harness that writes them to a
//! file); the test opens each in this Chromium and signs in as a user would.
//!
//! [`Chromium::trusting`] gives it a test CA the way a user's browser gets a company's: in the
//! NSS database under a home directory private to the test (`certutil`), never by switching
//! certificate checks off.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::gui::wait_for_element;
use crate::wait::{until_listening, wait_for};
use crate::{free_port, run_to_success};

/// A headless Chromium with a fresh profile.
pub struct Chromium {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    _home: Option<tempfile::TempDir>,
}

impl Chromium {
    /// Starts chromedriver and a headless Chromium with the flags this closed network needs.
    pub async fn start() -> Self {
        Self::start_in(None).await
    }

    /// [`Self::start`], trusting the CA in the PEM file `ca_file` besides the system's: it goes
    /// into `~/.pki/nssdb` of a fresh home directory that Chromium runs with.
    pub async fn trusting(ca_file: &std::path::Path) -> Self {
        let home = tempfile::tempdir().expect("a home for Chromium");
        let db = home.path().join(".pki/nssdb");
        std::fs::create_dir_all(&db).expect("the NSS database folder");
        let db = format!("sql:{}", db.display());
        let certutil = |args: &[&str]| {
            run_to_success(
                Command::new("certutil").args(args),
                &format!("certutil {args:?} (from libnss3-tools)"),
            );
        };
        certutil(&["-N", "-d", &db, "--empty-password"]);
        let ca = ca_file.to_string_lossy();
        certutil(&["-A", "-d", &db, "-n", "test CA", "-t", "C,,", "-i", &ca]);
        Self::start_in(Some(home)).await
    }

    async fn start_in(home: Option<tempfile::TempDir>) -> Self {
        let port = free_port();
        let mut command = Command::new("/usr/bin/chromedriver");
        command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(home) = &home {
            // Chromium inherits chromedriver's environment and reads NSS from $HOME/.pki/nssdb.
            command.env("HOME", home.path());
        }
        let driver = command
            .spawn()
            .expect("chromedriver is installed (chromium-driver)");
        until_listening(port, Duration::from_secs(20), "chromedriver listens").await;
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        let client = ClientBuilder::rustls()
            .expect("rustls connector")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Self {
            client,
            driver,
            _profile: profile,
            _home: home,
        }
    }

    /// Opens `url`.
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("Chromium could not open {url}: {e}"));
    }

    /// Types `text` into the input named `name`.
    pub async fn fill(&self, name: &str, text: &str) {
        let input = wait_for_element(&self.client, Locator::Css(&format!("input[name='{name}']")))
            .await
            .unwrap_or_else(|e| panic!("no input named {name}: {e}"));
        input.send_keys(text).await.expect("typing");
    }

    /// Opens `url` and signs in on the EMS sandbox's form there as `email` with `password`.
    pub async fn sign_in(&self, url: &str, email: &str, password: &str) {
        self.open(url).await;
        self.fill("email", email).await;
        self.fill("password", password).await;
        self.submit().await;
    }

    /// Clicks the page's `a.primary-button`: Synapse's "Continue" on its "Continue to your
    /// account" page, or "Continue with …" on its re-authentication page.
    pub async fn click_primary_button(&self) {
        self.primary_button()
            .await
            .click()
            .await
            .expect("click Synapse's primary button");
    }

    /// The `href` of the page's `a.primary-button`, not followed.
    pub async fn primary_href(&self) -> String {
        self.primary_button()
            .await
            .attr("href")
            .await
            .expect("attribute")
            .expect("an href")
    }

    async fn primary_button(&self) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css("a.primary-button"))
            .await
            .expect("Synapse's primary button (Continue)")
    }

    /// Submits the page's form with its submit button.
    pub async fn submit(&self) {
        self.client
            .find(Locator::Css("form [type='submit']"))
            .await
            .expect("a submit button")
            .click()
            .await
            .expect("click submit");
    }

    /// Clicks "Continue as …" on the EMS sandbox's consent page, which a browser that is signed
    /// in already gets before a code goes to the app (a public client at a loopback address).
    pub async fn continue_as(&self) {
        wait_for_element(&self.client, Locator::Id("continue"))
            .await
            .unwrap_or_else(|e| panic!("no consent page with a Continue button: {e}"))
            .click()
            .await
            .expect("click Continue");
    }

    /// Waits until the page's text contains `needle`; returns the text.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        wait_for(
            || async {
                let text = match self.client.find(Locator::Css("body")).await {
                    Ok(body) => body.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                if text.contains(needle) {
                    Ok(text)
                } else {
                    Err(format!("the page shows: {text}"))
                }
            },
            Duration::from_secs(30),
            &format!("the browser shows {needle:?}"),
        )
        .await
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
