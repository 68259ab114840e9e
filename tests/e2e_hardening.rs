//! What the real window does with addresses a server chose: a registration policy whose URL is
//! `file:` is shown, but clicking it opens nothing (neither `$BROWSER` nor the desktop's
//! `xdg-open` runs), the webview stays on the app, and the app says why. The homeserver is a
//! small one made for the test, since no real server is configured to send such a policy.
//! And a second EMS sign-in in a browser that is still signed in at the provider goes through
//! its one-click consent page: no code reaches a loopback address silently.

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use test_support::app_under_test;
use test_support::chromium::Chromium;
use test_support::gui::AppUnderTest;
use test_support::sandbox::SandboxBuilder;

const POLICY_URL: &str = "file:///etc/passwd";

/// A homeserver whose registration asks only for accepting a policy at [`POLICY_URL`].
async fn homeserver_with_a_file_policy() -> (String, tokio::task::JoinHandle<()>) {
    async fn versions() -> Json<serde_json::Value> {
        Json(json!({ "versions": ["v1.11"] }))
    }
    async fn login() -> Json<serde_json::Value> {
        Json(json!({ "flows": [{ "type": "m.login.password" }] }))
    }
    async fn available() -> Json<serde_json::Value> {
        Json(json!({ "available": true }))
    }
    async fn register() -> impl IntoResponse {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({
                "session": "registration-session",
                "flows": [{ "stages": ["m.login.terms"] }],
                "params": { "m.login.terms": { "policies": { "privacy": {
                    "version": "1.0",
                    "en": { "name": "Privacy Policy", "url": POLICY_URL },
                } } } },
            })),
        )
    }
    let app = Router::new()
        .route("/_matrix/client/versions", get(versions))
        .route("/_matrix/client/v3/login", get(login))
        .route("/_matrix/client/v3/register/available", get(available))
        .route("/_matrix/client/v3/register", post(register));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (url, task)
}

/// A recording `xdg-open` in `dir`: it appends each address it gets to `opened.txt` there.
fn recording_xdg_open(dir: &Path) -> std::path::PathBuf {
    let log = dir.join("opened.txt");
    let script = dir.join("xdg-open");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> {}\n", log.display()),
    )
    .expect("write recorder");
    let chmod = std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status();
    assert!(chmod.is_ok_and(|s| s.success()));
    log
}

#[tokio::test]
async fn a_file_policy_link_opens_nothing_and_the_app_says_why() {
    let (homeserver, _server) = homeserver_with_a_file_policy().await;
    let recorder_dir = tempfile::tempdir().expect("recorder dir");
    let xdg_log = recording_xdg_open(recorder_dir.path());
    let path = format!(
        "{}:{}",
        recorder_dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let app = app_under_test!()
        .homeserver(&homeserver)
        .env("PATH", &path)
        .launch()
        .await;
    app.click("nav-matrix").await;
    app.click("matrix-discover").await;
    assert_eq!(app.text_of("matrix-homeserver-url").await, homeserver);
    app.click("matrix-create-account").await;
    app.type_into("matrix-register-username", "nina").await;
    app.type_into("matrix-register-password", "nina-Pa55word-long")
        .await;
    app.type_into("matrix-register-password-again", "nina-Pa55word-long")
        .await;
    app.click("matrix-register-submit").await;
    app.wait_count("matrix-register-policy-privacy", 1, Duration::from_secs(15))
        .await;

    let before = app.client.current_url().await.expect("the window's URL");
    app.click("matrix-register-policy-privacy").await;
    app.wait_count("error", 1, Duration::from_secs(15)).await;
    let shown = app.text_of("error").await;
    assert!(
        shown.contains("refused") && shown.contains("file"),
        "the app says why nothing opened: {shown}"
    );
    let code = app
        .client
        .find(fantoccini::Locator::Css("[data-testid='error']"))
        .await
        .expect("the error")
        .attr("data-code")
        .await
        .expect("its code");
    assert_eq!(code.as_deref(), Some("browser_refused"));
    assert_eq!(
        app.client.current_url().await.expect("the window's URL"),
        before,
        "the webview never leaves the app"
    );
    assert_eq!(
        app.count("matrix-register-terms").await,
        1,
        "the policies are still shown: nothing typed is lost"
    );
    assert!(
        !app.home().join("browser-urls").exists(),
        "$BROWSER must not run for a file: address"
    );
    assert!(
        !xdg_log.exists(),
        "the desktop opener must not run for a file: address"
    );
    app.close().await;
}

const EMAIL: &str = "erin@example.org";
const PASSWORD: &str = "erin's very long password";

async fn wait_for_status(app: &AppUnderTest, status: &str) {
    app.wait_text(
        "ems-account-status",
        |t| t == status,
        &format!("the EMS account never showed as {status}"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_again_with_a_live_browser_session_asks_for_one_click() {
    let sandbox = SandboxBuilder::new()
        .user(EMAIL, "Erin Reagan", Some("erin"), PASSWORD)
        .app_client()
        .start()
        .await;
    let app = app_under_test!()
        .ems_server(sandbox.issuer())
        .launch()
        .await;
    app.click("ems-sign-in").await;
    let chromium = Chromium::start().await;
    chromium
        .sign_in(&app.browser_url(1).await, EMAIL, PASSWORD)
        .await;
    chromium.wait_for_text("You can close this tab").await;
    wait_for_status(&app, "Signed in").await;

    // Signed out in the app; the browser still holds its session at the provider.
    app.click("ems-sign-out").await;
    app.browser_url(2).await;
    wait_for_status(&app, "Signed out").await;
    app.click("ems-sign-in-again").await;
    chromium.open(&app.browser_url(3).await).await;
    let consent = chromium.wait_for_text("Continue as").await;
    assert!(
        consent.contains(EMAIL) && consent.contains("element-accounts"),
        "the page names who signs in and to what: {consent}"
    );
    assert_eq!(
        app.text_of("ems-account-status").await,
        "Signed out",
        "no code reached the app before the click"
    );
    chromium.continue_as().await;
    chromium.wait_for_text("You can close this tab").await;
    wait_for_status(&app, "Signed in").await;
    assert_eq!(app.count("error").await, 0);
    chromium.close().await;
    app.close().await;
}
