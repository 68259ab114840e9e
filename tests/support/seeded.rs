//! The local stack as `scripts/run` seeds it, for journeys through the real app: the EMS
//! sandbox with the demo customer, whose hosted homeserver (and Element One) is a test Synapse.
//!
//! Include with `#[path = "support/seeded.rs"] mod seeded;` after `synapse.rs`, `gui.rs` and
//! `chromium.rs`.

// Each test binary includes this file and uses a part of it.
#![allow(dead_code)]

use ems_sandbox::seed::{seed, SeedOutcome};
use ems_sandbox::{
    ClientConfig, ElementOneConfig, HomeserverConfig, Homeservers, NewUser, ProviderConfig,
    RunningSandbox, Sandbox, SandboxConfig, Secret, Store,
};

use crate::chromium::Chromium;
use crate::gui::AppUnderTest;
use crate::synapse::Synapse;

/// The demo customer's EMS email.
pub const EMAIL: &str = "demo@example.org";
/// The demo customer's EMS password (a test fixture).
pub const PASSWORD: &str = "the demo customer's long password";

/// The sandbox, seeded with the demo customer; returns it with the hosted subscription's id.
pub async fn seeded_sandbox(dir: &std::path::Path, synapse: &Synapse) -> (RunningSandbox, String) {
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
            sso_idp_id: None,
            web_client_url: None,
            client_id: None,
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

/// Signs the demo customer in to EMS from the app's EMS pane, with headless Chromium as the
/// system browser, and waits for the hosted subscription `hosted` to show.
pub async fn sign_in_to_ems(app: &AppUnderTest, hosted: &str) {
    app.click("ems-sign-in").await;
    let url = app.browser_url(1).await;
    let chromium = Chromium::start().await;
    chromium.open(&url).await;
    chromium.fill("email", EMAIL).await;
    chromium.fill("password", PASSWORD).await;
    chromium.submit().await;
    chromium.wait_for_text("You can close this tab").await;
    chromium.close().await;
    app.wait_text(
        &format!("subscription-{hosted}"),
        |t| !t.is_empty(),
        "the subscriptions never showed",
    )
    .await;
}

/// From the Seats pane's offer: the Matrix sign-in at the subscription's homeserver, as its
/// admin; the account is linked to the subscription.
pub async fn sign_in_as_admin(app: &AppUnderTest, synapse: &Synapse, hosted: &str) {
    app.click("seats-admin-sign-in").await;
    app.wait_text(
        "matrix-homeserver-url",
        |t| t.trim_end_matches('/') == synapse.url,
        "the Matrix sign-in is not at the subscription's homeserver",
    )
    .await;
    app.type_into("matrix-username", "admin").await;
    app.type_into("matrix-password", &synapse.admin_password)
        .await;
    app.click("matrix-sign-in").await;
    app.wait_text(
        "matrix-user-id",
        |t| t == synapse.admin_user,
        "the admin never signed in",
    )
    .await;
    assert!(
        app.text_of("matrix-subscription").await.contains(hosted),
        "the admin account is linked to the subscription"
    );
}
