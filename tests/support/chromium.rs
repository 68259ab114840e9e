//! Real headless Chromium as the user's system browser, driven through `chromedriver`.
//!
//! The app hands sign-in URLs to `$BROWSER` (a script of the GUI harness that writes them to a
//! file); the test opens each in this Chromium and signs in as a user would.
//!
//! Include with `#[path = "support/chromium.rs"] mod chromium;`.

// Each test binary includes this file and uses a part of it.
#![allow(dead_code)]

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// A headless Chromium with a fresh profile.
pub struct Chromium {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Chromium {
    /// Starts chromedriver and a headless Chromium with the flags this closed network needs.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (chromium-driver)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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
        let input = self
            .client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(&format!("input[name='{name}']")))
            .await
            .unwrap_or_else(|e| panic!("no input named {name}: {e}"));
        input.send_keys(text).await.expect("typing");
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
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Id("continue"))
            .await
            .unwrap_or_else(|e| panic!("no consent page with a Continue button: {e}"))
            .click()
            .await
            .expect("click Continue");
    }

    /// Waits until the page's text contains `needle`; returns the text.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = match self.client.find(Locator::Css("body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "the browser never showed {needle:?}; it shows: {text}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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
