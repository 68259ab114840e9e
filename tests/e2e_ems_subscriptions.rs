//! From an EMS subscription to its Matrix session, through the real app on a seeded local stack:
//! a real Synapse, the EMS reference server seeded with the demo customer (as `scripts/run`
//! seeds it) whose hosted homeserver is that Synapse, and real headless Chromium as the system
//! browser for the EMS sign-in.

use test_support::app_under_test;
use test_support::sandbox::TestSandbox;
use test_support::seeded::{seeded_sandbox, sign_in_to_ems, EMAIL};
use test_support::synapse::Synapse;
use test_support::synapse_admin::Admin;

const MATRIX_PASSWORD: &str = "demo-matrix-Pa55word";

/// The subscription as the sandbox's API answers it now.
async fn subscription_at_server(sandbox: &TestSandbox, id: &str) -> serde_json::Value {
    let store = sandbox.store();
    let token = tokio::task::spawn_blocking(move || {
        store
            .issue_access_token(EMAIL, "element-accounts", "openid ems.subscriptions", 300)
            .expect("a token for the check")
    })
    .await
    .expect("blocking task");
    reqwest::Client::new()
        .get(sandbox.url(&format!("api/v1/subscriptions/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("the sandbox answers")
        .json()
        .await
        .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_a_hosted_subscription_to_its_matrix_session() {
    let synapse = Synapse::start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let matrix_id = admin
        .create_user(&synapse.server_name, "demo", MATRIX_PASSWORD)
        .await;
    let (sandbox, hosted) = seeded_sandbox(&synapse).await;

    let app = app_under_test!()
        .ems_server(sandbox.issuer())
        .launch()
        .await;
    sign_in_to_ems(&app, &hosted).await;

    // The seeded subscriptions, the hosted homeserver on the local Synapse.
    assert_eq!(
        app.text_of(&format!("ems-server-name-{hosted}")).await,
        synapse.server_name
    );
    assert_eq!(app.text_of(&format!("ems-seats-{hosted}")).await, "10");
    assert!(app.text_of("ems-payment-method").await.contains("4242"));

    // Raise the seats; the new count is the sandbox's.
    app.type_into(&format!("ems-seats-input-{hosted}"), "12")
        .await;
    app.click(&format!("ems-raise-seats-{hosted}")).await;
    app.wait_text(
        &format!("ems-seats-{hosted}"),
        |t| t == "12",
        "the raised count never showed",
    )
    .await;
    let at_server = subscription_at_server(&sandbox, &hosted).await;
    assert_eq!(at_server["seats"], 12, "the sandbox holds the new count");

    // Open its Matrix account: the Matrix pane is pointed at the subscription's homeserver.
    app.click(&format!("ems-open-matrix-{hosted}")).await;
    app.wait_text(
        "matrix-homeserver-url",
        |t| t.trim_end_matches('/') == synapse.url,
        "the Matrix pane is not at the subscription's homeserver",
    )
    .await;
    app.type_into("matrix-username", "demo").await;
    app.type_into("matrix-password", MATRIX_PASSWORD).await;
    app.click("matrix-sign-in").await;
    app.wait_text(
        "matrix-user-id",
        |t| t == matrix_id,
        "the Matrix account never appeared",
    )
    .await;
    assert!(
        app.text_of("matrix-subscription").await.contains(&hosted),
        "the Matrix account names its subscription"
    );

    // And the subscription lists its Matrix account.
    app.click("nav-ems").await;
    app.wait_text(
        &format!("ems-linked-matrix-{hosted}"),
        |t| t.contains(&matrix_id),
        "the subscription does not list its Matrix account",
    )
    .await;
    let registry = std::fs::read_to_string(app.data_dir().join("accounts.json")).expect("registry");
    assert!(
        registry.contains(&hosted),
        "the link is kept in the registry"
    );
    app.close().await;
}
