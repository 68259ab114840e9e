//! Matrix accounts through the real window: two accounts added by server name and password,
//! both signed in at once as two distinct sessions; after a restart both are signed in again
//! without typing anything, showing the device ids the server's `whoami` returns; sign-out and
//! removal; and no token or password left in the app's directories.

use std::time::Duration;

use accounts_core::matrix::load_session;
use accounts_core::vault::{AccountRegistry, SecretKey, SecretKind, Vault};
use test_support::gui::AppUnderTest;
use test_support::synapse::Synapse;
use test_support::synapse_admin::{whoami, Admin};
use test_support::{app_under_test, canary};

const ALICE_PASSWORD: &str = "alice-e2e-Pa55word";
const BOB_PASSWORD: &str = "bob-e2e-Pa55word";
/// Restoring and confirming a session, or signing in, includes opening an encrypted store.
const SETTLE: Duration = Duration::from_mins(1);

async fn add_account(app: &AppUnderTest, homeserver_url: &str, identifier: &str, password: &str) {
    app.click("matrix-discover").await;
    assert_eq!(
        app.text_of("matrix-homeserver-url").await,
        homeserver_url,
        "the pane shows the homeserver it will use"
    );
    let methods = app.text_of("matrix-login-methods").await;
    assert!(methods.contains("Password"), "methods: {methods}");
    app.type_into("matrix-username", identifier).await;
    app.type_into("matrix-password", password).await;
    app.click("matrix-sign-in").await;
}

/// The (account id, access token) of every Matrix account the app registered.
async fn sessions_in(data_dir: &std::path::Path) -> Vec<(String, String, String)> {
    let registry = AccountRegistry::open(data_dir).expect("the app's registry");
    let vault = Vault::keyring();
    let mut found = Vec::new();
    for record in registry.accounts() {
        let session = load_session(&vault, &record.id)
            .await
            .expect("keyring readable")
            .expect("the session is in the keyring");
        found.push((
            record.id.clone(),
            record.user_id.clone(),
            session.tokens.access_token,
        ));
    }
    found
}

// One journey as a user takes it: the restart needs the accounts added before it.
#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn two_accounts_sign_in_and_are_signed_in_again_after_a_restart() {
    let synapse = Synapse::start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let alice = admin
        .create_user(&synapse.server_name, "alice", ALICE_PASSWORD)
        .await;
    let bob = admin
        .create_user(&synapse.server_name, "bob", BOB_PASSWORD)
        .await;

    let app = app_under_test!()
        .homeserver(&synapse.server_name)
        .launch()
        .await;
    app.click("nav-matrix").await;
    assert_eq!(
        app.value_of("matrix-homeserver").await,
        synapse.server_name,
        "the field is prefilled with the configured server name"
    );
    add_account(&app, &synapse.url, "alice", ALICE_PASSWORD).await;
    app.wait_count("matrix-device-id", 1, SETTLE).await;
    assert_eq!(app.texts_of("matrix-user-id").await, vec![alice.clone()]);

    app.click("matrix-add").await;
    add_account(&app, &synapse.url, &bob, BOB_PASSWORD).await;
    app.wait_count("matrix-device-id", 2, SETTLE).await;
    assert_eq!(
        app.texts_of("matrix-user-id").await,
        vec![alice.clone(), bob.clone()],
        "both accounts are listed, each with its Matrix ID"
    );
    let devices = app.texts_of("matrix-device-id").await;
    assert_ne!(devices[0], devices[1], "two distinct sessions");
    for (user, device) in [(&alice, &devices[0]), (&bob, &devices[1])] {
        let on_server = admin.devices(user).await;
        assert!(
            on_server.iter().any(|(id, name)| id == device
                && name
                    .as_deref()
                    .is_some_and(|n| n.starts_with("Element Accounts on "))),
            "the server has {user}'s session {device}, named after this computer: {on_server:?}"
        );
    }
    let registered = sessions_in(&app.data_dir()).await;
    assert_eq!(registered.len(), 2, "two accounts are registered");
    for (id, user, _) in &registered {
        assert_eq!(
            app.count(&format!("account-item-{id}")).await,
            1,
            "the sidebar lists {user}"
        );
    }
    assert_eq!(app.count("error").await, 0, "no error along the way");

    // Quit and start again: no typing, both sessions restored.
    let app = app.restart().await;
    app.click("nav-matrix").await;
    app.wait_count("matrix-device-id", 2, SETTLE).await;
    let restored = app.texts_of("matrix-device-id").await;
    assert_eq!(
        restored, devices,
        "the same sessions come back, not new sign-ins"
    );
    let sessions = sessions_in(&app.data_dir()).await;
    assert_eq!(sessions.len(), 2);
    for (_, user, token) in &sessions {
        let (who, device) = whoami(&synapse.url, token)
            .await
            .unwrap_or_else(|status| panic!("{user}'s restored token: HTTP {status}"));
        assert_eq!(&who, user);
        let shown = if user == &alice {
            &restored[0]
        } else {
            &restored[1]
        };
        assert_eq!(
            &device, shown,
            "matrix-device-id shows what whoami returns for the restored session"
        );
    }
    assert_eq!(app.count("error").await, 0, "a restart shows no error");

    // Sign bob out (the server ends the session), then remove him from this computer.
    let (bob_id, _, bob_token) = sessions
        .iter()
        .find(|(_, user, _)| user == &bob)
        .cloned()
        .expect("bob's session");
    sign_out_then_remove(&app, &synapse.url, &bob_id, &bob_token).await;
    let alice_id = &sessions
        .iter()
        .find(|(_, user, _)| user == &alice)
        .expect("alice's session")
        .0;
    assert_eq!(
        app.count(&format!("account-item-{alice_id}")).await,
        1,
        "alice stays in the sidebar"
    );

    let alice_token = sessions
        .iter()
        .find(|(_, user, _)| user == &alice)
        .map(|(_, _, token)| token.clone())
        .expect("alice's token");
    let home = app.close_keeping_home().await;
    canary::assert_not_written(
        home.path(),
        &[&alice_token, &bob_token, ALICE_PASSWORD, BOB_PASSWORD],
        "a token or password",
    );
}

/// Signs an account out in its card (the server ends the session), then removes it from this
/// computer (its store and keyring entries go).
async fn sign_out_then_remove(app: &AppUnderTest, homeserver: &str, id: &str, token: &str) {
    let card = format!("[data-testid='matrix-account-{id}']");
    app.click_css(&format!("{card} [data-testid='matrix-sign-out']"))
        .await;
    app.wait_count("matrix-device-id", 1, SETTLE).await;
    let state = app.text_of(&format!("matrix-account-{id}")).await;
    assert!(state.contains("Signed out"), "the account's card: {state}");
    assert_eq!(
        whoami(homeserver, token).await,
        Err(401),
        "signing out ended the session on the server"
    );
    app.click_css(&format!("{card} [data-testid='matrix-remove']"))
        .await;
    app.wait_gone(&format!("matrix-account-{id}")).await;
    assert!(
        !app.data_dir().join("matrix").join(id).exists(),
        "the account's local store is deleted"
    );
    for kind in [SecretKind::MatrixSession, SecretKind::StorePassphrase] {
        assert_eq!(
            Vault::keyring()
                .get(&SecretKey::new(id, kind))
                .await
                .expect("keyring"),
            None,
            "the account's {kind:?} entry is deleted"
        );
    }
    app.wait_gone(&format!("account-item-{id}")).await;
}
