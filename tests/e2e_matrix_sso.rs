//! Matrix single sign-on through the real window, with real headless Chromium as the system
//! browser (handed the URL through `$BROWSER`), a Synapse whose identity provider is the EMS
//! reference server, and Synapse's own "Continue to your account" page clicked in the browser:
//! a cancelled sign-in leaves nothing, then the user signs in as the SSO user and no token
//! reaches the page or the app's files.

use std::time::Duration;

use accounts_core::matrix::load_session;
use accounts_core::vault::{AccountRegistry, Vault};
use fantoccini::Locator;
use test_support::chromium::Chromium;
use test_support::sso::{SsoStack, EMAIL, PASSWORD};
use test_support::synapse_admin::whoami;
use test_support::{app_under_test, canary};

/// Signing in includes opening an encrypted store and asking the server to confirm the session.
const SETTLE: Duration = Duration::from_mins(1);

// One journey as a user takes it: a cancelled attempt, then the sign-in.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_to_matrix_with_single_sign_on_in_the_system_browser() {
    let stack = SsoStack::with_one_user().await;
    let synapse = &stack.synapse;
    let app = app_under_test!()
        .homeserver(&synapse.server_name)
        .launch()
        .await;
    app.click("nav-matrix").await;
    app.click("matrix-discover").await;
    let methods = app.text_of("matrix-login-methods").await;
    assert!(
        methods.contains("Single sign-on with EMS"),
        "methods: {methods}"
    );
    assert_eq!(
        app.text_of("matrix-sso-oidc-ems").await,
        "Sign in with EMS",
        "one button per identity provider, with its name"
    );

    // Start, then cancel: the app says so and keeps nothing.
    app.click("matrix-sso-oidc-ems").await;
    let first = app.browser_url(1).await;
    assert!(
        first.starts_with(&format!(
            "{}/_matrix/client/v3/login/sso/redirect/oidc-ems?redirectUrl=http%3A%2F%2F127.0.0.1%3A",
            synapse.url
        )),
        "the browser goes to the homeserver's SSO for EMS, back to the loopback listener: {first}"
    );
    assert!(
        app.text_of("matrix-sso-waiting")
            .await
            .contains("Finish signing in in your browser"),
        "the app says where the sign-in continues"
    );
    app.click("matrix-sso-cancel").await;
    let error = app.text_of("error").await;
    assert!(
        error.contains("cancelled"),
        "the pane says it was cancelled: {error}"
    );
    let code = app
        .client
        .find(Locator::Css("[data-testid='error']"))
        .await
        .expect("the alert")
        .attr("data-code")
        .await
        .expect("attribute");
    assert_eq!(code.as_deref(), Some("matrix_sso_cancelled"));
    assert_eq!(
        app.count("matrix-user-id").await,
        0,
        "no account after cancelling"
    );
    assert!(
        AccountRegistry::open(&app.data_dir())
            .expect("registry")
            .accounts()
            .is_empty(),
        "nothing was registered"
    );

    // Again, all the way: the sandbox's form and Synapse's Continue page in Chromium.
    app.click("matrix-sso-oidc-ems").await;
    let url = app.browser_url(2).await;
    let chromium = Chromium::start().await;
    chromium.sign_in(&url, EMAIL, PASSWORD).await;
    chromium.wait_for_text("Continue to your account").await;
    chromium.click_primary_button().await;
    chromium.wait_for_text("You can close this tab").await;

    app.wait_count("matrix-device-id", 1, SETTLE).await;
    let user_id = format!("@erin:{}", synapse.server_name);
    assert_eq!(app.texts_of("matrix-user-id").await, vec![user_id.clone()]);
    assert_eq!(
        app.count("error").await,
        0,
        "the earlier cancel is no longer shown"
    );
    assert_eq!(app.count("matrix-sso-waiting").await, 0);

    // The session is the one the app shows, and its token stays in the keyring.
    let registry = AccountRegistry::open(&app.data_dir()).expect("registry");
    let record = registry.accounts().first().cloned().expect("one account");
    assert_eq!(record.user_id, user_id);
    let session = load_session(&Vault::keyring(), &record.id)
        .await
        .expect("keyring readable")
        .expect("the session is in the keyring");
    let token = session.tokens.access_token;
    let (who, device) = whoami(&synapse.url, &token)
        .await
        .unwrap_or_else(|status| panic!("the kept token works: HTTP {status}"));
    assert_eq!(who, user_id);
    assert_eq!(
        app.texts_of("matrix-device-id").await,
        vec![device],
        "the pane shows the server's device id"
    );
    assert_eq!(
        app.count(&format!("account-item-{}", record.id)).await,
        1,
        "the sidebar lists the account"
    );
    let page = app.client.source().await.expect("page source");
    assert!(!page.contains(token.as_str()), "a token reached the UI");

    chromium.close().await;
    let home = app.close_keeping_home().await;
    canary::assert_not_written(home.path(), &[&token], "the access token");
    stack.shutdown().await;
}
