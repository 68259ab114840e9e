//! The local stack as `scripts/run` seeds it, for journeys through the real app: the EMS
//! sandbox with the demo customer, whose hosted homeserver (and Element One) is a test Synapse.

use ems_api::SubscriptionKind;
use ems_sandbox::seed::{seed, SeedOutcome};
use ems_sandbox::{NewUser, Secret};

use crate::chromium::Chromium;
use crate::gui::AppUnderTest;
use crate::sandbox::{Fresh, SandboxBuilder, TestSandbox};
use crate::synapse::Synapse;

/// The demo customer's EMS email.
pub const EMAIL: &str = "demo@example.org";
/// The demo customer's EMS password (a test fixture).
pub const PASSWORD: &str = "the demo customer's long password";

/// The ids of the demo customer's seeded subscriptions.
#[derive(Debug, Clone)]
pub struct Demo {
    /// The hosted homeserver subscription.
    pub hosted: String,
    /// The Element One subscription.
    pub element_one: String,
}

/// Seeds the demo customer into a fresh sandbox database, as `scripts/run` does (a
/// [`SandboxBuilder::start_with`] preparation; the config must name a hosted homeserver and
/// Element One).
#[must_use]
pub fn seed_demo(fresh: &Fresh<'_>) -> Demo {
    let outcome = seed(
        fresh.store,
        fresh.homeservers,
        &NewUser {
            email: EMAIL.into(),
            name: "Demo Customer".into(),
            username: Some("demo".into()),
            password: Secret::new(PASSWORD),
        },
    )
    .expect("seeded");
    let SeedOutcome::Seeded { subscriptions, .. } = outcome else {
        panic!("a fresh database is seeded");
    };
    let id = |kind| {
        subscriptions
            .iter()
            .find(|s| s.kind() == kind)
            .unwrap_or_else(|| panic!("a {kind:?} subscription is seeded"))
            .id()
            .to_owned()
    };
    Demo {
        hosted: id(SubscriptionKind::HostedHomeserver),
        element_one: id(SubscriptionKind::ElementOne),
    }
}

/// The sandbox, seeded with the demo customer, whose hosted homeserver and Element One are
/// `synapse`; returns it with the hosted subscription's id.
pub async fn seeded_sandbox(synapse: &Synapse) -> (TestSandbox, String) {
    seeded_sandbox_with(synapse, |builder| builder).await
}

/// The same, with the builder changed by `change` first (a short token lifetime, say).
pub async fn seeded_sandbox_with(
    synapse: &Synapse,
    change: impl FnOnce(SandboxBuilder) -> SandboxBuilder,
) -> (TestSandbox, String) {
    let builder = SandboxBuilder::new()
        .app_client()
        .hosted_on(synapse.address())
        .element_one_on(synapse.address());
    let (sandbox, demo) = change(builder).start_with(seed_demo).await;
    (sandbox, demo.hosted)
}

/// Signs the demo customer in to EMS from the app's EMS pane, with headless Chromium as the
/// system browser, and waits for the hosted subscription `hosted` to show.
pub async fn sign_in_to_ems(app: &AppUnderTest, hosted: &str) {
    app.click("ems-sign-in").await;
    let url = app.browser_url(1).await;
    let chromium = Chromium::start().await;
    chromium.sign_in(&url, EMAIL, PASSWORD).await;
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
