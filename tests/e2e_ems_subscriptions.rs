//! From an EMS subscription to its Matrix session, through the real app on a seeded local stack:
//! a real Synapse, the EMS reference server seeded with the demo customer (as `scripts/run`
//! seeds it) whose hosted homeserver is that Synapse, and real headless Chromium as the system
//! browser for the EMS sign-in.

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/gui.rs"]
mod gui;
#[path = "support/synapse.rs"]
mod synapse;
#[path = "support/synapse_admin.rs"]
mod synapse_admin;

use std::time::{Duration, Instant};

use chromium::Chromium;
use ems_sandbox::seed::{seed, SeedOutcome};
use ems_sandbox::{
    ClientConfig, ElementOneConfig, HomeserverConfig, Homeservers, NewUser, ProviderConfig,
    RunningSandbox, Sandbox, SandboxConfig, Secret, Store,
};
use gui::AppUnderTest;
use synapse::Synapse;
use synapse_admin::Admin;

const EMAIL: &str = "demo@example.org";
const PASSWORD: &str = "the demo customer's long password";
const MATRIX_PASSWORD: &str = "demo-matrix-Pa55word";
/// Signing in to Matrix includes opening an encrypted store.
const SETTLE: Duration = Duration::from_mins(1);

/// The sandbox, seeded with the demo customer; returns it with the hosted subscription's id.
async fn seeded_sandbox(dir: &std::path::Path, synapse: &Synapse) -> (RunningSandbox, String) {
    let provider = ProviderConfig {
        clients: vec![ClientConfig::public_native("element-accounts")],
        homeservers: vec![HomeserverConfig {
            server_name: synapse.server_name.clone(),
            url: format!("{}/", synapse.url),
            web_client_url: None,
            admin_user: synapse.admin_user.clone(),
            admin_password: Secret::new(synapse.admin_password.clone()),
        }],
        element_one: Some(ElementOneConfig {
            server_name: synapse.server_name.clone(),
            url: format!("{}/", synapse.url),
        }),
        ..ProviderConfig::default()
    };
    let db = dir.join("ems.db");
    let (db2, homeservers) = (db.clone(), Homeservers::from_config(&provider));
    let outcome = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db2).expect("open the sandbox database");
        seed(
            &store,
            &homeservers,
            &NewUser {
                email: EMAIL.into(),
                name: "Demo Customer".into(),
                username: Some("demo".into()),
                password: Secret::new(PASSWORD),
            },
        )
        .expect("seeded")
    })
    .await
    .expect("blocking task");
    let SeedOutcome::Seeded { subscriptions, .. } = outcome else {
        panic!("a fresh database is seeded");
    };
    let hosted = subscriptions
        .iter()
        .find(|s| s.kind() == ems_api::SubscriptionKind::HostedHomeserver)
        .expect("a hosted homeserver is seeded")
        .id()
        .to_owned();
    let sandbox = Sandbox::bind(
        SandboxConfig {
            database: db,
            provider,
        },
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("the sandbox starts");
    (sandbox, hosted)
}

/// The subscription as the sandbox's API answers it now.
async fn subscription_at_server(
    sandbox: &RunningSandbox,
    db: &std::path::Path,
    id: &str,
) -> serde_json::Value {
    let db = db.to_owned();
    let token = tokio::task::spawn_blocking(move || {
        Store::open(&db)
            .and_then(|s| {
                s.issue_access_token(EMAIL, "element-accounts", "openid ems.subscriptions", 300)
            })
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

async fn wait_text(app: &AppUnderTest, id: &str, wanted: impl Fn(&str) -> bool, what: &str) {
    let deadline = Instant::now() + SETTLE;
    loop {
        let text = if app.count(id).await > 0 {
            app.text_of(id).await
        } else {
            String::new()
        };
        if wanted(&text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {id} shows {text:?}; errors: {:?}",
            app.texts_of("error").await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_a_hosted_subscription_to_its_matrix_session() {
    let synapse = Synapse::start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let matrix_id = admin
        .create_user(&synapse.server_name, "demo", MATRIX_PASSWORD)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (sandbox, hosted) = seeded_sandbox(dir.path(), &synapse).await;

    let app = AppUnderTest::launch(&[("ELEMENT_ACCOUNTS_EMS_ISSUER", sandbox.issuer())]).await;
    app.wait_ready().await;
    app.click("ems-sign-in").await;
    let url = app.browser_url(1).await;
    let chromium = Chromium::start().await;
    chromium.open(&url).await;
    chromium.fill("email", EMAIL).await;
    chromium.fill("password", PASSWORD).await;
    chromium.submit().await;
    chromium.wait_for_text("You can close this tab").await;
    chromium.close().await;

    // The seeded subscriptions, the hosted homeserver on the local Synapse.
    let row = format!("subscription-{hosted}");
    wait_text(
        &app,
        &row,
        |t| !t.is_empty(),
        "the subscriptions never showed",
    )
    .await;
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
    wait_text(
        &app,
        &format!("ems-seats-{hosted}"),
        |t| t == "12",
        "the raised count never showed",
    )
    .await;
    let at_server = subscription_at_server(&sandbox, &dir.path().join("ems.db"), &hosted).await;
    assert_eq!(at_server["seats"], 12, "the sandbox holds the new count");

    // Open its Matrix account: the Matrix pane is pointed at the subscription's homeserver.
    app.click(&format!("ems-open-matrix-{hosted}")).await;
    wait_text(
        &app,
        "matrix-homeserver-url",
        |t| t.trim_end_matches('/') == synapse.url,
        "the Matrix pane is not at the subscription's homeserver",
    )
    .await;
    app.type_into("matrix-username", "demo").await;
    app.type_into("matrix-password", MATRIX_PASSWORD).await;
    app.click("matrix-sign-in").await;
    wait_text(
        &app,
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
    wait_text(
        &app,
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
