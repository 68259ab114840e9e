//! OAuth 2.0 sign-in (next-generation auth) through the real window, with real headless
//! Chromium trusting the test CA as the system browser, against a Synapse in
//! `matrix_authentication_service` mode whose authorization server is the EMS sandbox over
//! https (the app trusts the CA through `ELEMENT_ACCOUNTS_EXTRA_CA_FILE`): sign in, restart and
//! still be signed in, open the devices page through `matrix-account-manage-devices_list`, sign
//! out; no token reaches the page or the app's files.

use std::time::Duration;

use accounts_core::matrix::load_session;
use accounts_core::transport::EXTRA_CA_ENV;
use accounts_core::vault::{AccountRegistry, Vault};
use test_support::chromium::Chromium;
use test_support::next_gen::NextGenStack;
use test_support::sandbox::SandboxBuilder;
use test_support::synapse_admin::whoami;
use test_support::{app_under_test, canary};

const EMAIL: &str = "quinn@example.org";
const PASSWORD: &str = "quinn's long sandbox password";

/// Signing in includes opening an encrypted store and asking the server to confirm the session.
const SETTLE: Duration = Duration::from_mins(1);

#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_oauth_restart_manage_devices_and_sign_out() {
    let stack = NextGenStack::builder(SandboxBuilder::new().user(
        EMAIL,
        "Quinn OAuth",
        Some("quinn"),
        PASSWORD,
    ))
    .start()
    .await;
    let ca = stack.ca_file().to_string_lossy().into_owned();
    let app = app_under_test!()
        .homeserver(&stack.synapse.server_name)
        .env(EXTRA_CA_ENV, &ca)
        .launch()
        .await;
    app.click("nav-matrix").await;
    app.click("matrix-discover").await;
    let methods = app.text_of("matrix-login-methods").await;
    assert!(methods.contains("OAuth 2.0"), "methods: {methods}");
    assert_eq!(app.count("matrix-password").await, 0, "no password here");

    app.click("matrix-oauth-sign-in").await;
    let url = app.browser_url(1).await;
    assert!(
        url.starts_with(stack.issuer()),
        "the browser goes to the authorization server: {url}"
    );
    assert!(
        app.text_of("matrix-oauth-waiting")
            .await
            .contains("Finish signing in in your browser"),
        "the app says where the sign-in continues"
    );
    let chromium = Chromium::trusting(stack.ca_file()).await;
    chromium.sign_in(&url, EMAIL, PASSWORD).await;
    chromium.wait_for_text("You can close this tab").await;
    app.wait_count("matrix-device-id", 1, SETTLE).await;
    let user_id = format!("@quinn:{}", stack.synapse.server_name);
    assert_eq!(app.texts_of("matrix-user-id").await, vec![user_id.clone()]);

    let registry = AccountRegistry::open(&app.data_dir()).expect("registry");
    let record = registry.accounts().first().cloned().expect("one account");
    let session = load_session(&Vault::keyring(), &record.id)
        .await
        .expect("keyring readable")
        .expect("the session is in the keyring");
    let token = session.tokens.access_token.clone();
    let refresh = session.tokens.refresh_token.clone().unwrap_or_default();
    let (who, device) = whoami(&stack.synapse.url, &token)
        .await
        .unwrap_or_else(|status| panic!("the kept token works: HTTP {status}"));
    assert_eq!(who, user_id);
    assert!(
        device.starts_with("EA"),
        "the app's own device id: {device}"
    );
    assert_eq!(app.texts_of("matrix-device-id").await, vec![device.clone()]);

    // Restart: still signed in.
    let app = app.restart().await;
    app.click("nav-matrix").await;
    app.wait_count("matrix-device-id", 1, SETTLE).await;
    assert_eq!(app.texts_of("matrix-device-id").await, vec![device.clone()]);

    // The devices page opens at the authorization server, in the browser.
    app.click("matrix-manage-open").await;
    app.click("matrix-account-manage-devices_list").await;
    let devices = app.browser_url(2).await;
    assert!(
        devices.contains("action=org.matrix.devices_list"),
        "the devices page: {devices}"
    );
    assert_eq!(app.count("matrix-current-password").await, 0);
    chromium.open(&devices).await;
    chromium.wait_for_text(&device).await;
    app.click("matrix-manage-close").await;

    let page = app.client.source().await.expect("page source");
    assert!(!page.contains(token.as_str()), "a token reached the UI");

    // Sign out: the session is revoked.
    app.click("matrix-sign-out").await;
    app.wait_count("matrix-device-id", 0, SETTLE).await;
    assert_eq!(whoami(&stack.synapse.url, &token).await, Err(401));

    chromium.close().await;
    let home = app.close_keeping_home().await;
    let mut secrets = vec![token.as_str()];
    if !refresh.is_empty() {
        secrets.push(refresh.as_str());
    }
    canary::assert_not_written(home.path(), &secrets, "the OAuth 2.0 tokens");
    stack.shutdown().await;
}
