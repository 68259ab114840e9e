//! Creating a Matrix account through the real window, on a homeserver that asks for a
//! registration token: the name is checked as it is typed, a wrong token is refused next to its
//! field, the right one creates the account, which lands signed in; after a restart it is signed
//! in again without typing anything, as the server's `whoami` confirms. No password or token is
//! left in the app's directories.

use std::path::Path;
use std::time::Duration;

use accounts_core::matrix::load_session;
use accounts_core::vault::{AccountRegistry, Vault};
use test_support::synapse::Synapse;
use test_support::synapse_admin::{whoami, Admin};
use test_support::{app_under_test, canary};

const PASSWORD: &str = "nina-e2e-Pa55word";
const TOKEN: &str = "e2e-registration-token";
/// Creating and confirming a session includes opening an encrypted store.
const SETTLE: Duration = Duration::from_mins(1);

/// The one account the app registered: (id, user id, access token).
async fn only_session(data_dir: &Path) -> (String, String, String) {
    let registry = AccountRegistry::open(data_dir).expect("the app's registry");
    let records = registry.accounts();
    assert_eq!(records.len(), 1, "one account is registered: {records:?}");
    let record = &records[0];
    let session = load_session(&Vault::keyring(), &record.id)
        .await
        .expect("keyring readable")
        .expect("the session is in the keyring");
    (
        record.id.clone(),
        record.user_id.clone(),
        session.tokens.access_token,
    )
}

#[tokio::test]
async fn an_account_created_with_a_registration_token_stays_signed_in_after_a_restart() {
    let synapse = Synapse::builder()
        .config("enable_registration: true\nregistration_requires_token: true\n")
        .start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    admin.create_registration_token(TOKEN, Some(1), None).await;
    let nina = format!("@nina:{}", synapse.server_name);

    let app = app_under_test!()
        .homeserver(&synapse.server_name)
        .launch()
        .await;
    app.click("nav-matrix").await;
    app.click("matrix-discover").await;
    assert_eq!(app.text_of("matrix-homeserver-url").await, synapse.url);
    app.click("matrix-create-account").await;

    // The name is checked after a pause: a taken one is refused at once, a free one confirmed.
    app.type_into("matrix-register-username", "admin").await;
    app.wait_count("error", 1, Duration::from_secs(15)).await;
    let name_error = app.text_of("error").await;
    assert!(name_error.contains("already taken"), "{name_error}");
    app.type_into("matrix-register-username", "nina").await;
    app.wait_count("matrix-register-username-free", 1, Duration::from_secs(15))
        .await;
    assert_eq!(app.count("error").await, 0, "a free name clears the error");
    app.type_into("matrix-register-password", PASSWORD).await;
    app.type_into("matrix-register-password-again", PASSWORD)
        .await;
    app.click("matrix-register-submit").await;

    // The token screen: a wrong token is refused next to its field, the right one goes on.
    app.type_into("matrix-register-token", "not-the-token")
        .await;
    app.click("matrix-register-continue").await;
    app.wait_count("error", 1, Duration::from_secs(15)).await;
    let refused = app.text_of("error").await;
    assert!(
        refused.contains("registration token is not valid"),
        "{refused}"
    );
    assert_eq!(
        app.count("matrix-device-id").await,
        0,
        "no account before the token is accepted"
    );
    app.type_into("matrix-register-token", TOKEN).await;
    app.click("matrix-register-continue").await;

    // Signed in, as a sign-in would be.
    app.wait_count("matrix-device-id", 1, SETTLE).await;
    assert_eq!(app.texts_of("matrix-user-id").await, vec![nina.clone()]);
    let device = app.text_of("matrix-device-id").await;
    let on_server = admin.devices(&nina).await;
    assert!(
        on_server.iter().any(|(id, name)| id == &device
            && name
                .as_deref()
                .is_some_and(|n| n.starts_with("Element Accounts on "))),
        "the server has the new session {device}, named as for sign-in: {on_server:?}"
    );
    let (id, user, token) = only_session(&app.data_dir()).await;
    assert_eq!(user, nina);
    assert_eq!(
        app.count(&format!("account-item-{id}")).await,
        1,
        "the sidebar lists the new account"
    );
    assert_eq!(app.count("error").await, 0, "no error once created");

    // Quit and start again: signed in without typing anything, the same session.
    let app = app.restart().await;
    app.click("nav-matrix").await;
    app.wait_count("matrix-device-id", 1, SETTLE).await;
    let restored = app.text_of("matrix-device-id").await;
    assert_eq!(restored, device, "the same session comes back");
    let (_, _, restored_token) = only_session(&app.data_dir()).await;
    assert_eq!(
        whoami(&synapse.url, &restored_token).await,
        Ok((nina.clone(), restored.clone())),
        "whoami confirms the restored session is the one shown"
    );
    assert_eq!(app.count("error").await, 0, "a restart shows no error");

    let home = app.close_keeping_home().await;
    canary::assert_not_written(
        home.path(),
        &[PASSWORD, TOKEN, token.as_str(), restored_token.as_str()],
        "a token or password",
    );
}
