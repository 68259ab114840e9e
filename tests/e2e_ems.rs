//! The EMS sign-in journey through the real app, with real headless Chromium as the system
//! browser (handed the URL through `$BROWSER`) and the EMS reference server as the provider.

use std::time::Duration;

use test_support::chromium::Chromium;
use test_support::gui::AppUnderTest;
use test_support::sandbox::SandboxBuilder;
use test_support::{app_under_test, canary, free_port};

const EMAIL: &str = "dana@example.org";
const PASSWORD: &str = "dana's very long password";

/// The EMS tokens the app keeps in the keyring for its one EMS account.
fn tokens_in_keyring(app: &AppUnderTest) -> Vec<String> {
    let registry: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(app.data_dir().join("accounts.json")).expect("registry"),
    )
    .expect("json");
    let id = registry["accounts"][0]["id"]
        .as_str()
        .expect("an account id")
        .to_owned();
    let out = std::process::Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            "io.element.accounts",
            "username",
            &format!("v1/{id}/ems-tokens"),
        ])
        .output()
        .expect("secret-tool");
    assert!(out.status.success(), "the EMS tokens are in the keyring");
    let stored: serde_json::Value = serde_json::from_slice(&out.stdout).expect("token json");
    ["access_token", "refresh_token"]
        .iter()
        .filter_map(|k| stored[*k].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_to_ems_in_the_system_browser_and_see_the_email() {
    let sandbox = SandboxBuilder::new()
        .user(EMAIL, "Dana Scully", Some("dana"), PASSWORD)
        .app_client()
        .start()
        .await;
    let app = app_under_test!()
        .ems_server(sandbox.issuer())
        .launch()
        .await;
    assert_eq!(
        app.value_of("ems-server").await,
        sandbox.issuer(),
        "the configured server is prefilled"
    );

    app.click("ems-sign-in").await;
    let url = app.browser_url(1).await;
    assert!(
        url.starts_with(&sandbox.url("oauth2/authorize")),
        "the browser is sent to the EMS sign-in: {url}"
    );
    assert!(
        url.contains("code_challenge_method=S256"),
        "PKCE S256: {url}"
    );
    assert!(
        app.text_of("ems-waiting").await.contains("Waiting"),
        "the app says it waits for the browser"
    );

    let chromium = Chromium::start().await;
    chromium.sign_in(&url, EMAIL, PASSWORD).await;
    chromium.wait_for_text("You can close this tab").await;

    app.wait_count("ems-account-email", 1, Duration::from_secs(30))
        .await;
    assert_eq!(
        app.text_of("ems-account-email").await,
        EMAIL,
        "the signed-in account's email is shown"
    );
    assert_eq!(app.text_of("ems-account-status").await, "Signed in");
    assert!(
        app.text_of("account-list").await.contains("Dana Scully"),
        "the sidebar lists the account"
    );
    assert_eq!(app.count("error").await, 0);

    // No EMS token in the UI, the logs or any file of the app (only in the keyring).
    let tokens = tokens_in_keyring(&app);
    assert_eq!(tokens.len(), 2, "an access and a refresh token were kept");
    let page = app.client.source().await.expect("page source");
    for token in &tokens {
        assert!(!page.contains(token.as_str()), "a token reached the UI");
        let leaks = canary::files_containing(token, &[app.home()]);
        assert!(leaks.is_empty(), "a token reached a file: {leaks:?}");
    }

    // After a real sign-in, the app's folders and files are private to this user.
    canary::assert_private_files(app.home());

    // Sign out: the tokens are revoked and the browser is sent to end its session.
    app.click("ems-sign-out").await;
    let end_session = app.browser_url(2).await;
    assert!(
        end_session.starts_with(&sandbox.url("oauth2/logout")),
        "the browser session is ended: {end_session}"
    );
    app.wait_text(
        "ems-account-status",
        |t| t == "Signed out",
        "the account never showed as signed out",
    )
    .await;
    let info = reqwest::Client::new()
        .get(sandbox.url("oauth2/userinfo"))
        .bearer_auth(&tokens[0])
        .send()
        .await
        .expect("userinfo");
    assert_eq!(
        info.status(),
        reqwest::StatusCode::UNAUTHORIZED,
        "sign-out revoked the access token"
    );

    chromium.close().await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_ems_server_is_reported_in_the_pane() {
    let issuer = format!("http://127.0.0.1:{}/", free_port());
    let app = app_under_test!().ems_server(&issuer).launch().await;
    app.click("ems-sign-in").await;
    let error = app.text_of("error").await;
    assert!(
        error.contains("Could not reach the EMS server")
            && error.contains("connection was refused")
            && !error.contains("tcp connect")
            && !error.contains("os error"),
        "a clear message in a person's words: {error}"
    );
    assert_eq!(
        app.count("ems-sign-in").await,
        1,
        "the form is offered again"
    );
    app.close().await;
}
