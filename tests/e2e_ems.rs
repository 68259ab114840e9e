//! The EMS sign-in journey through the real app, with real headless Chromium as the system
//! browser (handed the URL through `$BROWSER`) and the EMS reference server as the provider.

#[path = "support/canary.rs"]
mod canary;
#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/gui.rs"]
mod gui;

use chromium::Chromium;
use ems_sandbox::{
    ClientConfig, NewUser, ProviderConfig, RunningSandbox, Sandbox, SandboxConfig, Store,
};
use gui::AppUnderTest;

const EMAIL: &str = "dana@example.org";
const PASSWORD: &str = "dana's very long password";

async fn sandbox(dir: &std::path::Path) -> RunningSandbox {
    let db = dir.join("ems.db");
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || {
        Store::open(&db2)
            .and_then(|s| {
                s.add_user(&NewUser {
                    email: EMAIL.into(),
                    name: "Dana Scully".into(),
                    username: Some("dana".into()),
                    password: ems_sandbox::Secret::new(PASSWORD),
                })
            })
            .expect("add Dana")
    })
    .await
    .expect("blocking task");
    let config = SandboxConfig {
        database: db,
        provider: ProviderConfig {
            clients: vec![ClientConfig::public_native("element-accounts")],
            ..ProviderConfig::default()
        },
    };
    Sandbox::bind(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("the sandbox starts")
}

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
    let dir = tempfile::tempdir().expect("temp dir");
    let sandbox = sandbox(dir.path()).await;
    let app = AppUnderTest::launch(&[("ELEMENT_ACCOUNTS_EMS_ISSUER", sandbox.issuer())]).await;
    app.wait_ready().await;
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
    chromium.open(&url).await;
    chromium.fill("email", EMAIL).await;
    chromium.fill("password", PASSWORD).await;
    chromium.submit().await;
    chromium.wait_for_text("You can close this tab").await;

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.count("ems-account-email").await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the account never appeared"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
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
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while app.text_of("ems-account-status").await != "Signed out" {
        assert!(
            std::time::Instant::now() < deadline,
            "the account never showed as signed out"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let issuer = format!("http://127.0.0.1:{port}/");
    let app = AppUnderTest::launch(&[("ELEMENT_ACCOUNTS_EMS_ISSUER", issuer.as_str())]).await;
    app.wait_ready().await;
    app.click("ems-sign-in").await;
    let error = app.text_of("error").await;
    assert!(
        error.contains("Could not reach the EMS server"),
        "a clear message: {error}"
    );
    assert_eq!(
        app.count("ems-sign-in").await,
        1,
        "the form is offered again"
    );
    app.close().await;
}
