//! Managing a Matrix account through the real window: change the display name, rename this
//! session, and sign out another session (made for the test over HTTP) after a wrong and then the
//! right password at the re-authentication prompt; choose, upload and remove an avatar. Each
//! change is confirmed against the server.

use std::future::Future;
use std::time::Duration;

use fantoccini::Locator;
use test_support::gui::AppUnderTest;
use test_support::synapse::Synapse;
use test_support::synapse_admin::{login, profile, whoami, Admin};
use test_support::{app_under_test, canary, wait_until};

const ALICE_PASSWORD: &str = "alice-manage-Pa55word";
/// A 1x1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];
/// Signing in includes opening an encrypted store.
const SETTLE: Duration = Duration::from_mins(1);

/// Waits until `check` holds (up to 30 s); `what` says what was expected.
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    wait_until(check, Duration::from_secs(30), what).await;
}

/// Starts the app and signs `user` in through the Matrix pane; returns the app and its session's
/// device id.
async fn signed_in_app(synapse: &Synapse, user: &str, password: &str) -> (AppUnderTest, String) {
    let app = app_under_test!()
        .homeserver(&synapse.server_name)
        .launch()
        .await;
    app.click("nav-matrix").await;
    app.click("matrix-discover").await;
    assert_eq!(app.text_of("matrix-homeserver-url").await, synapse.url);
    app.type_into("matrix-username", user).await;
    app.type_into("matrix-password", password).await;
    app.click("matrix-sign-in").await;
    app.wait_count("matrix-device-id", 1, SETTLE).await;
    app.wait_count("matrix-manage-open", 1, SETTLE).await;
    let device = app.text_of("matrix-device-id").await;
    (app, device)
}

#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn display_name_session_name_other_session_and_avatar_change_on_the_server() {
    let synapse = Synapse::start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let alice = admin
        .create_user(&synapse.server_name, "alice", ALICE_PASSWORD)
        .await;
    let (other_token, other) = login(&synapse.url, "alice", ALICE_PASSWORD)
        .await
        .expect("a session made outside the app");
    let (app, own) = signed_in_app(&synapse, "alice", ALICE_PASSWORD).await;
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

    // The avatar: a file chosen in the window, previewed, uploaded, shown from the bytes the
    // Rust side fetched (a blob: URL the CSP allows), then removed.
    let png_dir = tempfile::tempdir().expect("temp dir");
    let png_path = png_dir.path().join("avatar.png");
    std::fs::write(&png_path, PNG).expect("write the image");
    app.client
        .find(Locator::Css("[data-testid='matrix-avatar-file']"))
        .await
        .expect("the file input")
        .send_keys(&png_path.display().to_string())
        .await
        .expect("choose the file");
    app.click("matrix-avatar-upload").await;
    assert_eq!(
        app.text_of("matrix-profile-saved").await,
        "Avatar uploaded."
    );
    let mxc = profile(&synapse.url, &alice)
        .await
        .1
        .expect("the server has an avatar");
    assert_eq!(
        admin.download(&mxc).await,
        PNG,
        "the very image was uploaded"
    );
    eventually("the avatar is shown, loaded from a blob: URL", || async {
        let shown = app
            .client
            .execute(
                "const img = document.querySelector(\"[data-testid='matrix-avatar-image']\"); \
                 return img ? [img.src.slice(0, 5), img.complete && img.naturalWidth] : null;",
                vec![],
            )
            .await
            .expect("run a script");
        shown == serde_json::json!(["blob:", 1])
    })
    .await;
    app.click("matrix-avatar-remove").await;
    app.wait_gone("matrix-avatar-image").await;
    assert_eq!(
        profile(&synapse.url, &alice).await.1,
        None,
        "the server no longer has an avatar"
    );
    assert_eq!(app.count("error").await, 0, "no error along the way");

    let home = app.close_keeping_home().await;
    canary::assert_not_written(home.path(), &[ALICE_PASSWORD], "the password");
}

#[tokio::test]
async fn password_email_and_deactivation_through_the_window() {
    const NEW_PASSWORD: &str = "carol-new-Pa55word";
    const OLD_PASSWORD: &str = "carol-old-Pa55word";
    let synapse = Synapse::start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let carol = admin
        .create_user(&synapse.server_name, "carol", OLD_PASSWORD)
        .await;
    admin
        .set_threepids(&carol, &[("email", "carol@example.org")])
        .await;
    let (other_token, _) = login(&synapse.url, "carol", OLD_PASSWORD)
        .await
        .expect("a session made outside the app");
    let (app, own) = signed_in_app(&synapse, "carol", OLD_PASSWORD).await;
    app.click("matrix-manage-open").await;

    // The email address, listed and removed.
    app.wait_count("threepid-carol@example.org", 1, SETTLE)
        .await;
    app.click("matrix-remove-threepid-carol@example.org").await;
    app.wait_gone("threepid-carol@example.org").await;
    assert!(
        admin.threepids(&carol).await.is_empty(),
        "the server no longer has it"
    );

    // The password, changed with the other sessions signed out.
    app.type_into("matrix-current-password", OLD_PASSWORD).await;
    app.type_into("matrix-new-password", NEW_PASSWORD).await;
    app.type_into("matrix-new-password-again", NEW_PASSWORD)
        .await;
    app.click("matrix-change-password").await;
    assert!(app
        .text_of("matrix-password-changed")
        .await
        .starts_with("Password changed."));
    assert_eq!(
        login(&synapse.url, "carol", OLD_PASSWORD).await.err(),
        Some(403)
    );
    assert!(
        login(&synapse.url, "carol", NEW_PASSWORD).await.is_ok(),
        "the new password works"
    );
    assert_eq!(
        whoami(&synapse.url, &other_token).await,
        Err(401),
        "other sessions are over"
    );
    assert_eq!(
        app.text_of("matrix-device-id").await,
        own,
        "this session stays"
    );

    // Deactivation: typed Matrix ID, then the password prompt; the account leaves this computer.
    app.click("matrix-deactivate-erase").await;
    app.type_into("matrix-deactivate-confirm", &carol).await;
    app.click("matrix-deactivate").await;
    app.type_into("uia-password", NEW_PASSWORD).await;
    app.click("uia-submit").await;
    app.wait_gone("matrix-manage").await;
    app.wait_count("matrix-device-id", 0, SETTLE).await;
    assert_eq!(
        login(&synapse.url, "carol", NEW_PASSWORD).await.err(),
        Some(403),
        "a deactivated account cannot sign in"
    );
    assert_eq!(app.count("error").await, 0, "no error along the way");
    app.close().await;
}
