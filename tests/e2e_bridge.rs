//! The Element One sign-in through the real app: the EMS sandbox seeded with the demo customer
//! (as `scripts/run` seeds it), whose Element One subscription is on a real Synapse that trusts
//! the sandbox for single sign-on, and real headless Chromium as the system browser. One click
//! on "Sign in with Element One" and one form sign in to both panes; signed out of Matrix,
//! "Sign in again" signs the Element One account in through the homeserver alone.

use accounts_core::matrix::load_session;
use accounts_core::vault::{AccountKind, AccountRegistry, Vault};
use test_support::chromium::Chromium;
use test_support::gui::AppUnderTest;
use test_support::sandbox::SandboxBuilder;
use test_support::seeded::{seed_demo, EMAIL, PASSWORD};
use test_support::sso::SsoStack;
use test_support::synapse_admin::whoami;
use test_support::{app_under_test, canary};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_click_and_one_form_sign_in_to_both_panes() {
    // The seeded sandbox and a Synapse that is the demo's hosted and Element One homeserver and
    // trusts the sandbox as `oidc-ems`.
    let (stack, demo) = SsoStack::builder(SandboxBuilder::new().app_client())
        .synapse_hosts_homeservers()
        .synapse_hosts_element_one()
        .skip_continue_page()
        .start_with(seed_demo)
        .await;
    let (sandbox, synapse, one) = (&stack.sandbox, &stack.synapse, demo.element_one);
    let matrix_id = format!("@demo:{}", synapse.server_name);

    let app = app_under_test!()
        .ems_server(sandbox.issuer())
        .launch()
        .await;
    app.click("element-one-sign-in").await;
    let url = app.browser_url(1).await;
    assert!(
        url.starts_with(&sandbox.url("oauth2/authorize")),
        "the browser goes to the EMS sign-in: {url}"
    );
    let chromium = Chromium::start().await;
    chromium.sign_in(&url, EMAIL, PASSWORD).await;
    chromium.wait_for_text("signed in to both").await;

    // Both panes are signed in; the Matrix account is listed under its Element One subscription.
    app.wait_text(
        &format!("subscription-{one}"),
        |t| !t.is_empty(),
        "the Element One subscription never showed",
    )
    .await;
    app.wait_text(
        &format!("ems-linked-matrix-{one}"),
        |t| t.contains(&matrix_id),
        "the subscription does not list its Matrix account",
    )
    .await;
    app.click("nav-matrix").await;
    app.wait_text(
        "matrix-user-id",
        |t| t == matrix_id,
        "the Matrix pane is not signed in",
    )
    .await;
    assert!(
        app.text_of("matrix-subscription").await.contains(&one),
        "the Matrix account names its subscription"
    );
    let registry = AccountRegistry::open(&app.data_dir()).expect("registry");
    assert_eq!(
        registry
            .accounts()
            .iter()
            .filter(|a| a.kind == AccountKind::Ems)
            .count(),
        1,
        "one EMS account"
    );
    let record = registry
        .accounts()
        .iter()
        .find(|a| a.kind == AccountKind::Matrix)
        .cloned()
        .expect("one Matrix account");
    assert_eq!(
        record
            .subscription
            .as_ref()
            .map(|l| l.subscription_id.as_str()),
        Some(one.as_str()),
        "the link is in the registry"
    );

    // The Matrix session works, and its token is nowhere but the keyring.
    let session = load_session(&Vault::keyring(), &record.id)
        .await
        .expect("keyring readable")
        .expect("the session is in the keyring");
    let token = session.tokens.access_token;
    assert_eq!(
        whoami(&synapse.url, &token).await.map(|(id, _)| id),
        Ok(matrix_id.clone())
    );
    let page = app.client.source().await.expect("page source");
    assert!(!page.contains(token.as_str()), "a token reached the UI");

    let again_token = sign_in_again(&app, &chromium, &synapse.url, &record.id, &matrix_id).await;

    chromium.close().await;
    let home = app.close_keeping_home().await;
    for token in [&token, &again_token] {
        let leaks = canary::files_containing(token, &[home.path()]);
        assert!(
            leaks.is_empty(),
            "an access token was written to a file: {:?}",
            leaks.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
    }
    canary::assert_private_files(home.path());
    stack.shutdown().await;
}

/// Signs the Matrix account `account_id` (`matrix_id`) out alone, then in again with "Sign in
/// again", which is the Element One sign-in: EMS is signed in, so the browser goes straight to
/// the homeserver at `synapse_url`, which signs in at once, with no form. Returns the new
/// session's access token.
async fn sign_in_again(
    app: &AppUnderTest,
    chromium: &Chromium,
    synapse_url: &str,
    account_id: &str,
    matrix_id: &str,
) -> String {
    let first_device = app.text_of("matrix-device-id").await;
    app.click("matrix-sign-out").await;
    app.click("matrix-sign-in-again").await;
    let again = app.browser_url(2).await;
    assert!(
        again.starts_with(&format!(
            "{synapse_url}/_matrix/client/v3/login/sso/redirect/oidc-ems?"
        )),
        "only the homeserver's part runs: {again}"
    );
    assert_eq!(
        app.count("matrix-homeserver").await,
        0,
        "not the homeserver's own sign-in form"
    );
    chromium.open(&again).await;
    chromium.wait_for_text("signed in to both").await;
    app.wait_text(
        "matrix-device-id",
        |t| !t.is_empty() && t != first_device,
        "the Matrix account is not signed in again",
    )
    .await;
    let registry = AccountRegistry::open(&app.data_dir()).expect("registry");
    let matrix: Vec<_> = registry
        .accounts()
        .iter()
        .filter(|a| a.kind == AccountKind::Matrix)
        .map(|a| a.id.clone())
        .collect();
    assert_eq!(
        matrix,
        vec![account_id.to_owned()],
        "the same account, signed in again"
    );
    let again_token = load_session(&Vault::keyring(), account_id)
        .await
        .expect("keyring readable")
        .expect("the new session is in the keyring")
        .tokens
        .access_token;
    assert_eq!(
        whoami(synapse_url, &again_token).await.map(|(id, _)| id),
        Ok(matrix_id.to_owned())
    );
    let page = app.client.source().await.expect("page source");
    assert!(
        !page.contains(again_token.as_str()),
        "a token reached the UI"
    );
    again_token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_element_one_subscription_creating_one_goes_on_with_the_matrix_sign_in() {
    const EMAIL: &str = "olive@example.org";
    const PASSWORD: &str = "olive's long sandbox password";
    let stack = SsoStack::builder(
        SandboxBuilder::new()
            .user(EMAIL, "Olive Element", Some("olive"), PASSWORD)
            .app_client(),
    )
    .synapse_hosts_element_one()
    .skip_continue_page()
    .start()
    .await;
    let (sandbox, synapse) = (&stack.sandbox, &stack.synapse);
    let matrix_id = format!("@olive:{}", synapse.server_name);
    let app = app_under_test!()
        .ems_server(sandbox.issuer())
        .launch()
        .await;

    // One click and one form: EMS is signed in, and there is no Element One subscription yet.
    app.click("element-one-sign-in").await;
    let chromium = Chromium::start().await;
    chromium
        .sign_in(&app.browser_url(1).await, EMAIL, PASSWORD)
        .await;
    chromium
        .wait_for_text("no Element One subscription yet")
        .await;
    app.wait_text(
        "bridge-no-element-one",
        |t| t.contains("no Element One subscription"),
        "the signed-in EMS account does not say what is missing",
    )
    .await;

    // Creating one goes on by itself: the browser is sent to the homeserver, which signs in at
    // once (the provider holds the browser's session).
    app.click("bridge-create-element-one").await;
    assert_eq!(app.value_of("ems-new-kind").await, "element_one");
    app.click("ems-new-submit").await;
    let url = app.browser_url(2).await;
    assert!(
        url.starts_with(&format!(
            "{}/_matrix/client/v3/login/sso/redirect/oidc-ems?",
            synapse.url
        )),
        "only the homeserver's part is left: {url}"
    );
    chromium.open(&url).await;
    chromium.wait_for_text("signed in to both").await;
    app.click("nav-matrix").await;
    app.wait_text(
        "matrix-user-id",
        |t| t == matrix_id,
        "the new Element One account is not signed in",
    )
    .await;
    assert!(
        app.text_of("matrix-subscription")
            .await
            .contains("EMS subscription"),
        "linked to the new subscription"
    );
    chromium.close().await;
    app.close().await;
    stack.shutdown().await;
}
