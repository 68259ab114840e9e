//! The Element One sign-in through the real app: the EMS sandbox seeded with the demo customer
//! (as `scripts/run` seeds it), whose Element One subscription is on a real Synapse that trusts
//! the sandbox for single sign-on, and real headless Chromium as the system browser. One click
//! on "Sign in with Element One" and one form sign in to both panes.

use accounts_core::matrix::load_session;
use accounts_core::vault::{AccountKind, AccountRegistry, Vault};
use test_support::chromium::Chromium;
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
        Ok(matrix_id)
    );
    let page = app.client.source().await.expect("page source");
    assert!(!page.contains(token.as_str()), "a token reached the UI");
    chromium.close().await;
    let home = app.close_keeping_home().await;
    let leaks = canary::files_containing(&token, &[home.path()]);
    assert!(
        leaks.is_empty(),
        "the access token was written to a file: {:?}",
        leaks.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    canary::assert_private_files(home.path());
    stack.shutdown().await;
}
