//! Managing a Matrix account through the real window: change the display name, rename this
//! session, and sign out another session (made for the test over HTTP) after a wrong and then the
//! right password at the re-authentication prompt. Each change is confirmed against the server.

#[path = "support/canary.rs"]
mod canary;
#[path = "support/gui.rs"]
mod gui;
#[path = "support/synapse.rs"]
mod synapse;
#[path = "support/synapse_admin.rs"]
mod synapse_admin;

use std::future::Future;
use std::time::{Duration, Instant};

use gui::AppUnderTest;
use synapse::Synapse;
use synapse_admin::{login, profile, whoami, Admin};

const ALICE_PASSWORD: &str = "alice-manage-Pa55word";
/// Signing in includes opening an encrypted store.
const SETTLE: Duration = Duration::from_mins(1);

/// Waits until `check` holds (up to 30 s); `what` says what was expected.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn display_name_session_name_and_another_session_signed_out() {
    let synapse = Synapse::start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let alice = admin
        .create_user(&synapse.server_name, "alice", ALICE_PASSWORD)
        .await;
    let (other_token, other) = login(&synapse.url, "alice", ALICE_PASSWORD)
        .await
        .expect("a session made outside the app");
    let env = [("ELEMENT_ACCOUNTS_HOMESERVER", synapse.server_name.as_str())];

    let app = AppUnderTest::launch(&env).await;
    app.wait_ready().await;
    app.click("nav-matrix").await;
    app.click("matrix-discover").await;
    assert_eq!(app.text_of("matrix-homeserver-url").await, synapse.url);
    app.type_into("matrix-username", "alice").await;
    app.type_into("matrix-password", ALICE_PASSWORD).await;
    app.click("matrix-sign-in").await;
    app.wait_count("matrix-device-id", 1, SETTLE).await;
    let own = app.text_of("matrix-device-id").await;
    app.click("matrix-manage-open").await;

    // The display name, prefilled from the server, changed and read back from the server.
    eventually("the display name field shows the server's name", || async {
        app.value_of("matrix-display-name").await == "alice"
    })
    .await;
    app.type_into("matrix-display-name", "Alice in the app")
        .await;
    app.click("matrix-save-profile").await;
    assert_eq!(
        app.text_of("matrix-profile-saved").await,
        "Display name saved."
    );
    assert_eq!(
        profile(&synapse.url, &alice).await.0.as_deref(),
        Some("Alice in the app"),
        "the server has the new display name"
    );
    eventually("the account card shows the new name", || async {
        app.text_of("matrix-accounts")
            .await
            .contains("Alice in the app")
    })
    .await;

    // Both sessions are listed, this one marked; rename this one.
    app.wait_count(&format!("device-{other}"), 1, SETTLE).await;
    let own_row = app.text_of(&format!("device-{own}")).await;
    assert!(own_row.contains("(this session)"), "{own_row}");
    assert_eq!(
        app.count(&format!("device-select-{own}")).await,
        0,
        "this session cannot be picked for signing out here"
    );
    app.click(&format!("matrix-device-rename-{own}")).await;
    app.type_into(&format!("matrix-device-name-{own}"), "Alice's desk")
        .await;
    app.click(&format!("matrix-device-save-{own}")).await;
    eventually("the list shows the new session name", || async {
        app.count(&format!("device-name-{own}")).await == 1
            && app.text_of(&format!("device-name-{own}")).await == "Alice's desk"
    })
    .await;
    assert!(
        admin
            .devices(&alice)
            .await
            .contains(&(own.clone(), Some("Alice's desk".into()))),
        "the server has the new session name"
    );

    // Sign out the other session: a wrong password first, then the right one.
    app.click(&format!("device-select-{other}")).await;
    app.click("matrix-sign-out-devices").await;
    app.type_into("uia-password", "not-her-password").await;
    app.click("uia-submit").await;
    let error = app.text_of("error").await;
    assert!(
        error.contains("password is wrong"),
        "the prompt says why: {error}"
    );
    assert!(
        admin
            .devices(&alice)
            .await
            .iter()
            .any(|(id, _)| id == &other),
        "a wrong password signs nothing out"
    );
    app.type_into("uia-password", ALICE_PASSWORD).await;
    app.click("uia-submit").await;
    app.wait_gone(&format!("device-{other}")).await;
    app.wait_gone("uia-prompt").await;
    assert_eq!(app.count("error").await, 0, "the retry cleared the error");
    let left: Vec<String> = admin
        .devices(&alice)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(left, vec![own.clone()], "only the app's session is left");
    assert_eq!(
        whoami(&synapse.url, &other_token).await,
        Err(401),
        "the other session is over on the server"
    );

    let home = app.close_keeping_home().await;
    let roots: Vec<_> = ["data", "config", "cache", "state"]
        .iter()
        .map(|d| home.path().join(d))
        .collect();
    let roots: Vec<&std::path::Path> = roots.iter().map(std::path::PathBuf::as_path).collect();
    assert!(
        canary::files_containing(ALICE_PASSWORD, &roots).is_empty(),
        "the password was written to disk"
    );
}
