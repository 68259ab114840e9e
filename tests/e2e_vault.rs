//! The vault through the real window: the keyring banner when there is no Secret Service, the
//! registry notice for a corrupt file, and removing an account (keyring entries and record).

use accounts_core::vault::{new_account_id, Secret, SecretKey, SecretKind, Vault, KEYRING_SERVICE};
use test_support::app_under_test;
use test_support::secret_service::PrivateBus;

/// The shell's report that the keyring check has answered (whatever it answered).
const KEYRING_CHECKED: &str = "[data-keyring-check='done']";

#[tokio::test]
async fn without_a_secret_service_the_app_starts_and_shows_the_banner() {
    let bus = PrivateBus::without_services();
    let app = app_under_test!()
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .launch()
        .await;
    app.wait_for_css(KEYRING_CHECKED).await;
    let banner = app.text_of("keyring-status").await;
    assert!(
        banner.contains("No system keyring is available"),
        "the banner says what is wrong: {banner}"
    );
    assert!(
        banner.contains("gnome-keyring"),
        "and how to fix it: {banner}"
    );
    let alert = app.text_of("error").await;
    assert_eq!(alert, banner, "the banner is the error shown as an alert");
    assert!(
        app.text_of("pane-ems").await.contains("EMS account"),
        "the shell still works"
    );
    app.close().await;
}

#[tokio::test]
async fn with_a_working_keyring_there_is_no_banner() {
    let app = app_under_test!().launch().await;
    // The check runs after the first render: wait until the shell says it has answered.
    app.wait_for_css(KEYRING_CHECKED).await;
    assert_eq!(
        app.count("keyring-status").await,
        0,
        "the banner appears only when there is a problem"
    );
    app.close().await;
}

#[tokio::test]
async fn a_corrupt_registry_is_kept_aside_and_reported() {
    let app = app_under_test!()
        .prepare(|data| {
            std::fs::write(
                data.join("accounts.json"),
                b"{\"version\": 1, \"accounts\": [trunc",
            )
            .expect("seed");
        })
        .launch()
        .await;
    let notice = app.text_of("registry-status").await;
    assert!(
        notice.contains("could not be read"),
        "the user is told: {notice}"
    );
    let kept: Vec<_> = std::fs::read_dir(app.data_dir())
        .expect("data dir")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("accounts.json.corrupt-")
        })
        .collect();
    assert_eq!(
        kept.len(),
        1,
        "the unreadable file is kept aside, not deleted"
    );
    assert!(
        notice.contains(&kept[0].file_name().to_string_lossy().to_string()),
        "the notice names the kept file"
    );
    app.close().await;
}

#[tokio::test]
async fn removing_an_account_deletes_its_secrets_and_record() {
    let id = new_account_id();
    let vault = Vault::keyring();
    for kind in [SecretKind::MatrixSession, SecretKind::StorePassphrase] {
        vault
            .set(
                &SecretKey::new(id.clone(), kind),
                Secret::new(format!("secret-{kind:?}")),
            )
            .await
            .expect("seed the keyring");
    }
    let record = serde_json::json!({
        "version": 1,
        "accounts": [{
            "id": id, "kind": "matrix", "server": "http://127.0.0.1:8448",
            "user_id": "@alice:127.0.0.1:8448", "display_name": "Alice"
        }]
    });
    let app = app_under_test!()
        .prepare(|data| {
            std::fs::write(data.join("accounts.json"), record.to_string())
                .expect("seed the registry");
        })
        .launch()
        .await;
    let item = app.text_of(&format!("account-item-{id}")).await;
    assert!(
        item.contains("Alice"),
        "the registered account is listed: {item}"
    );

    app.click(&format!("account-remove-{id}")).await;
    app.wait_gone(&format!("account-item-{id}")).await;
    assert!(app
        .text_of("account-list")
        .await
        .contains("No accounts yet"));

    for kind in [SecretKind::MatrixSession, SecretKind::StorePassphrase] {
        let user = SecretKey::new(id.clone(), kind).entry_user();
        let found = std::process::Command::new("secret-tool")
            .args(["lookup", "service", KEYRING_SERVICE, "username", &user])
            .output()
            .expect("secret-tool");
        assert!(
            !found.status.success(),
            "the {kind:?} entry must be deleted from the keyring"
        );
    }
    let registry = std::fs::read_to_string(app.data_dir().join("accounts.json")).expect("registry");
    assert!(
        !registry.contains(&id),
        "the record is gone from accounts.json: {registry}"
    );
    assert_eq!(app.count("error").await, 0, "no error on a clean removal");
    app.close().await;
}
