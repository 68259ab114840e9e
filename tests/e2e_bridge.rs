//! The Element One sign-in through the real app: the EMS sandbox seeded with the demo customer
//! (as `scripts/run` seeds it), whose Element One subscription is on a real Synapse that trusts
//! the sandbox for single sign-on, and real headless Chromium as the system browser. One click
//! on "Sign in with Element One" and one form sign in to both panes.

#[path = "support/canary.rs"]
mod canary;
#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/gui.rs"]
mod gui;
#[path = "support/synapse.rs"]
mod synapse;
#[path = "support/synapse_admin.rs"]
mod synapse_admin;

use accounts_core::matrix::load_session;
use accounts_core::vault::{AccountKind, AccountRegistry, Vault};
use chromium::Chromium;
use ems_sandbox::seed::{seed, SeedOutcome};
use ems_sandbox::{
    ClientConfig, ElementOneConfig, HomeserverConfig, Homeservers, NewUser, ProviderConfig,
    RunningSandbox, Sandbox, SandboxConfig, Secret, Store,
};
use gui::AppUnderTest;
use synapse::{free_port, Synapse};
use synapse_admin::whoami;

const EMAIL: &str = "demo@example.org";
const PASSWORD: &str = "the demo customer's long password";

/// The seeded sandbox and a Synapse that is the demo's hosted and Element One homeserver and
/// trusts the sandbox as `oidc-ems`; returns them with the Element One subscription's id.
async fn stack(dir: &std::path::Path) -> (RunningSandbox, Synapse, String) {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let secret = format!("synapse-secret-{port}");
    let provider = ProviderConfig {
        clients: vec![
            ClientConfig::public_native("element-accounts"),
            ClientConfig::confidential(
                "synapse",
                &secret,
                &format!("{url}/_synapse/client/oidc/callback"),
            ),
        ],
        homeservers: vec![HomeserverConfig {
            server_name: format!("127.0.0.1:{port}"),
            url: url.clone(),
            web_client_url: None,
            admin_user: format!("@admin:127.0.0.1:{port}"),
            admin_password: Secret::new(format!("admin-pw-{port}")),
        }],
        element_one: Some(ElementOneConfig {
            server_name: format!("127.0.0.1:{port}"),
            url: url.clone(),
            sso_idp_id: Some("oidc-ems".to_owned()),
            web_client_url: None,
            client_id: Some("synapse".to_owned()),
        }),
        ..ProviderConfig::default()
    };
    let db = dir.join("ems.db");
    let (db2, homeservers) = (db.clone(), Homeservers::from_config(&provider));
    let outcome = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db2).expect("the sandbox database");
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
    let one = subscriptions
        .iter()
        .find(|s| s.kind() == ems_api::SubscriptionKind::ElementOne)
        .expect("an Element One subscription is seeded")
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
    let yaml = format!(
        "oidc_providers:\n\
         \x20 - idp_id: ems\n\
         \x20   idp_name: EMS\n\
         \x20   issuer: \"{issuer}\"\n\
         \x20   client_id: synapse\n\
         \x20   client_secret: \"{secret}\"\n\
         \x20   scopes: [openid, profile, email]\n\
         \x20   user_mapping_provider:\n\
         \x20     config:\n\
         \x20       localpart_template: \"{{{{ user.preferred_username }}}}\"\n\
         \x20       display_name_template: \"{{{{ user.name }}}}\"\n\
         sso:\n  client_whitelist: [\"http://127.0.0.1:\"]\n",
        issuer = sandbox.issuer()
    );
    let oidc = dir.join("oidc.yaml");
    std::fs::write(&oidc, yaml).expect("write the OIDC config");
    let synapse = tokio::task::spawn_blocking(move || Synapse::start_on(port, &[&oidc]))
        .await
        .expect("Synapse starts with the sandbox as its identity provider");
    (sandbox, synapse, one)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_click_and_one_form_sign_in_to_both_panes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (sandbox, synapse, one) = stack(dir.path()).await;
    let matrix_id = format!("@demo:{}", synapse.server_name);

    let app = AppUnderTest::launch(&[("ELEMENT_ACCOUNTS_EMS_ISSUER", sandbox.issuer())]).await;
    app.wait_ready().await;
    app.click("element-one-sign-in").await;
    let url = app.browser_url(1).await;
    assert!(
        url.starts_with(&sandbox.url("oauth2/authorize")),
        "the browser goes to the EMS sign-in: {url}"
    );
    let chromium = Chromium::start().await;
    chromium.open(&url).await;
    chromium.fill("email", EMAIL).await;
    chromium.fill("password", PASSWORD).await;
    chromium.submit().await;
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
    drop(synapse);
    sandbox.shutdown().await.expect("the sandbox stops");
}
