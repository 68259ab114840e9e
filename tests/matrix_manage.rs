//! Managing a Matrix account against a real Synapse and the real Secret Service: profile and
//! avatar, sessions with user-interactive auth (a wrong password, then the right one in the same
//! session), 3PIDs, the password, deactivation, and Synapse stopped in the middle of an action.
//! Each change is read back from the server. Run under `dbus-run-session -- scripts/session-env`.

use accounts_core::browser::Opener;
use accounts_core::matrix::{
    Confirmation, DiscoveryError, MatrixAccounts, MatrixError, PasswordChange, PasswordSignIn,
    SessionState, UiaAuth, UiaChallenge, UiaStep, STORES_DIR,
};
use accounts_core::vault::{AccountRegistry, Registry, Secret, SecretKey, SecretKind, Vault};
use test_support::synapse::Synapse;
use test_support::synapse_admin::{login, profile, whoami, Admin};

/// A 1x1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn sign_in(homeserver: &str, identifier: &str, password: &str) -> PasswordSignIn {
    PasswordSignIn {
        homeserver: homeserver.to_owned(),
        identifier: identifier.to_owned(),
        password: Secret::new(password),
        account_id: None,
        subscription: None,
    }
}

fn password(session: &UiaChallenge, password: &str) -> UiaAuth {
    UiaAuth::Password {
        session: session.session.clone(),
        password: Secret::new(password),
    }
}

fn challenge_of(step: UiaStep) -> UiaChallenge {
    match step {
        UiaStep::AuthRequired { challenge } => challenge,
        UiaStep::Done | UiaStep::Browser { .. } => {
            panic!("the server must ask for re-authentication first")
        }
    }
}

async fn device_ids(admin: &Admin, user_id: &str) -> Vec<String> {
    admin
        .devices(user_id)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

struct Fixture {
    synapse: Synapse,
    admin: Admin,
    _data: tempfile::TempDir,
    vault: Vault,
    accounts: MatrixAccounts,
}

async fn fixture() -> Fixture {
    let synapse = Synapse::start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let data = tempfile::tempdir().expect("data dir");
    let vault = Vault::keyring();
    let registry = Registry::from(AccountRegistry::open(data.path()).expect("registry"));
    let accounts = MatrixAccounts::new(
        data.path().join(STORES_DIR),
        vault.clone(),
        registry.clone(),
        Opener::new(None, None),
    );
    Fixture {
        synapse,
        admin,
        _data: data,
        vault,
        accounts,
    }
}

#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn profile_avatar_sessions_and_threepids_change_on_the_server() {
    let f = fixture().await;
    let alice = f
        .admin
        .create_user(&f.synapse.server_name, "alice", "alice-pw-1")
        .await;
    f.admin
        .set_threepids(&alice, &[("email", "alice@example.org")])
        .await;
    let a = f
        .accounts
        .sign_in(sign_in(&f.synapse.url, "alice", "alice-pw-1"))
        .await
        .expect("alice signs in");
    let SessionState::SignedIn { device_id: own } = a.session.clone() else {
        panic!("a confirmed session: {:?}", a.session);
    };

    // Display name: on the server, and in the registry for the account list.
    f.accounts
        .set_display_name(&a.id, "  Alice Liddell ")
        .await
        .expect("set the display name");
    assert_eq!(
        profile(&f.synapse.url, &alice).await.0.as_deref(),
        Some("Alice Liddell"),
        "the server has the new, trimmed name"
    );
    assert_eq!(
        f.accounts
            .profile(&a.id)
            .await
            .expect("profile")
            .display_name
            .as_deref(),
        Some("Alice Liddell")
    );
    assert_eq!(
        f.accounts.list()[0].display_name.as_deref(),
        Some("Alice Liddell"),
        "the account list shows the new name"
    );

    // Avatar: uploaded, fetched back through the app and straight from the media repository.
    let refused = f
        .accounts
        .set_avatar(&a.id, b"<svg onload=alert(1)>".to_vec())
        .await
        .expect_err("not an image the app accepts");
    assert!(
        matches!(refused, MatrixError::InvalidImage { .. }),
        "{refused:?}"
    );
    assert_eq!(
        profile(&f.synapse.url, &alice).await.1,
        None,
        "nothing was uploaded"
    );
    f.accounts
        .set_avatar(&a.id, PNG.to_vec())
        .await
        .expect("upload the avatar");
    let mxc = profile(&f.synapse.url, &alice)
        .await
        .1
        .expect("the server has an avatar");
    assert_eq!(
        f.admin.download(&mxc).await,
        PNG,
        "the server holds the very image"
    );
    let fetched = f
        .accounts
        .avatar(&a.id)
        .await
        .expect("fetch the avatar")
        .expect("an avatar is set");
    assert_eq!(fetched.mime, "image/png");
    assert_eq!(
        fetched.data, PNG,
        "the app fetches the image through its session"
    );
    assert!(f.accounts.profile(&a.id).await.expect("profile").has_avatar);
    f.accounts
        .remove_avatar(&a.id)
        .await
        .expect("remove the avatar");
    assert_eq!(
        profile(&f.synapse.url, &alice).await.1,
        None,
        "the avatar is gone"
    );
    assert_eq!(f.accounts.avatar(&a.id).await.expect("fetch"), None);

    // Sessions: the list, renaming, signing another out with user-interactive auth.
    let (other_token, other) = login(&f.synapse.url, "alice", "alice-pw-1")
        .await
        .expect("a second session, made outside the app");
    let devices = f.accounts.devices(&a.id).await.expect("the sessions");
    assert_eq!(devices.len(), 2, "{devices:?}");
    assert!(
        devices[0].current && devices[0].device_id == own,
        "this app's session comes first and is marked"
    );
    assert!(devices.iter().any(|d| d.device_id == other && !d.current));
    f.accounts
        .rename_device(&a.id, &own, "Alice's laptop")
        .await
        .expect("rename this session");
    f.accounts
        .rename_device(&a.id, &other, "Old phone")
        .await
        .expect("rename the other");
    let named = f.admin.devices(&alice).await;
    assert!(
        named.contains(&(own.clone(), Some("Alice's laptop".into())))
            && named.contains(&(other.clone(), Some("Old phone".into()))),
        "the server has both names: {named:?}"
    );
    let own_refused = f
        .accounts
        .delete_devices(&a.id, std::slice::from_ref(&own), Confirmation::None)
        .await
        .expect_err("the app's own session is signed out with Sign out, not here");
    assert!(
        matches!(own_refused, MatrixError::InvalidInput { .. }),
        "{own_refused:?}"
    );

    let challenge = challenge_of(
        f.accounts
            .delete_devices(&a.id, std::slice::from_ref(&other), Confirmation::None)
            .await
            .expect("the first request gets a challenge"),
    );
    assert!(
        challenge.session.is_some(),
        "a UIA session id: {challenge:?}"
    );
    assert!(challenge.offers_password(), "{challenge:?}");
    let wrong = f
        .accounts
        .delete_devices(
            &a.id,
            std::slice::from_ref(&other),
            Confirmation::Uia(password(&challenge, "nope")),
        )
        .await
        .expect_err("a wrong password is refused");
    let MatrixError::UiaWrongPassword { challenge: again } = &wrong else {
        panic!("a wrong password is its own error: {wrong:?}");
    };
    assert_eq!(
        again.session, challenge.session,
        "the same session can be answered again"
    );
    assert!(wrong.to_string().contains("password is wrong"), "{wrong}");
    assert!(
        device_ids(&f.admin, &alice).await.contains(&other),
        "nothing was signed out"
    );
    let done = f
        .accounts
        .delete_devices(
            &a.id,
            std::slice::from_ref(&other),
            Confirmation::Uia(password(&challenge, "alice-pw-1")),
        )
        .await
        .expect("the right password, same session");
    assert_eq!(done, UiaStep::Done);
    assert_eq!(
        device_ids(&f.admin, &alice).await,
        vec![own.clone()],
        "only the app's session is left"
    );
    assert_eq!(
        whoami(&f.synapse.url, &other_token).await,
        Err(401),
        "the other session is over"
    );

    // 3PIDs: listed, removed, read back.
    let threepids = f.accounts.threepids(&a.id).await.expect("3PIDs");
    assert_eq!(threepids.len(), 1, "{threepids:?}");
    assert_eq!(
        (threepids[0].medium.as_str(), threepids[0].address.as_str()),
        ("email", "alice@example.org")
    );
    f.accounts
        .remove_threepid(&a.id, "email", "alice@example.org")
        .await
        .expect("remove the address");
    assert!(
        f.admin.threepids(&alice).await.is_empty(),
        "the server no longer has it"
    );
    assert!(f.accounts.threepids(&a.id).await.expect("3PIDs").is_empty());

    // The password: a wrong current one changes nothing; the right one, with the other sessions
    // signed out, keeps this one.
    let (third_token, _) = login(&f.synapse.url, "alice", "alice-pw-1")
        .await
        .expect("another session");
    let wrong = f
        .accounts
        .change_password(
            &a.id,
            PasswordChange {
                current: Secret::new("not-it"),
                new: Secret::new("alice-pw-2"),
                sign_out_others: true,
            },
        )
        .await
        .expect_err("the current password is wrong");
    assert!(
        matches!(wrong, MatrixError::UiaWrongPassword { .. }),
        "{wrong:?}"
    );
    assert!(
        login(&f.synapse.url, "alice", "alice-pw-1").await.is_ok(),
        "the password is unchanged"
    );
    f.accounts
        .change_password(
            &a.id,
            PasswordChange {
                current: Secret::new("alice-pw-1"),
                new: Secret::new("alice-pw-2"),
                sign_out_others: true,
            },
        )
        .await
        .expect("change the password");
    assert_eq!(
        login(&f.synapse.url, "alice", "alice-pw-1").await.err(),
        Some(403),
        "the old password is refused"
    );
    assert!(
        login(&f.synapse.url, "alice", "alice-pw-2").await.is_ok(),
        "the new one works"
    );
    assert_eq!(
        whoami(&f.synapse.url, &third_token).await,
        Err(401),
        "other sessions were signed out"
    );
    assert_eq!(
        f.accounts.check(&a.id).await,
        SessionState::SignedIn {
            device_id: own.clone()
        },
        "the app's own session stays"
    );

    // Synapse drops the changing session's refresh token when it signs the others out itself,
    // which later breaks deactivation; the app signs them out separately, so this still works.
    let challenge = challenge_of(
        f.accounts
            .deactivate(&a.id, false, Confirmation::None)
            .await
            .expect("a challenge"),
    );
    let done = f
        .accounts
        .deactivate(
            &a.id,
            false,
            Confirmation::Uia(password(&challenge, "alice-pw-2")),
        )
        .await
        .expect("deactivation after a password change");
    assert_eq!(done, UiaStep::Done);
    assert_eq!(
        login(&f.synapse.url, "alice", "alice-pw-2").await.err(),
        Some(403),
        "a deactivated account cannot sign in"
    );
}

#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn an_outage_mid_action_and_deactivation_leave_known_states() {
    let f = fixture().await;
    let bob = f
        .admin
        .create_user(&f.synapse.server_name, "bob", "bob-pw-1")
        .await;
    let b = f
        .accounts
        .sign_in(sign_in(&f.synapse.url, "bob", "bob-pw-1"))
        .await
        .expect("bob signs in");
    let SessionState::SignedIn { device_id: own } = b.session.clone() else {
        panic!("a confirmed session: {:?}", b.session);
    };

    // Synapse goes down between the challenge and the answer.
    let (_, other) = login(&f.synapse.url, "bob", "bob-pw-1")
        .await
        .expect("another session");
    let challenge = challenge_of(
        f.accounts
            .delete_devices(&b.id, std::slice::from_ref(&other), Confirmation::None)
            .await
            .expect("a challenge"),
    );
    f.synapse.stop();
    let down = f
        .accounts
        .delete_devices(
            &b.id,
            std::slice::from_ref(&other),
            Confirmation::Uia(password(&challenge, "bob-pw-1")),
        )
        .await
        .expect_err("the server is down");
    assert!(
        matches!(
            down,
            MatrixError::Discovery(DiscoveryError::ConnectionRefused { .. })
        ),
        "a stopped server is a connection refused: {down:?}"
    );
    assert!(down.to_string().contains("Could not reach"), "{down}");
    let rename = f
        .accounts
        .set_display_name(&b.id, "Robert")
        .await
        .expect_err("the server is down");
    assert!(matches!(rename, MatrixError::Discovery(_)), "{rename:?}");
    assert_eq!(
        f.accounts.list()[0].display_name.as_deref(),
        Some("bob"),
        "a failed rename changes nothing here"
    );
    assert!(
        matches!(
            f.accounts.check(&b.id).await,
            SessionState::Unreachable { .. }
        ),
        "the account is kept, its session unconfirmed"
    );
    assert!(
        f.vault
            .get(&SecretKey::new(b.id.clone(), SecretKind::MatrixSession))
            .await
            .expect("keyring")
            .is_some(),
        "the session is kept for when the server is back"
    );

    // Back up: the same challenge completes the action.
    f.synapse.start_again();
    assert_eq!(
        f.accounts.check(&b.id).await,
        SessionState::SignedIn {
            device_id: own.clone()
        }
    );
    assert!(
        device_ids(&f.admin, &bob).await.contains(&other),
        "nothing happened while down"
    );
    let done = f
        .accounts
        .delete_devices(
            &b.id,
            std::slice::from_ref(&other),
            Confirmation::Uia(password(&challenge, "bob-pw-1")),
        )
        .await
        .expect("retried once the server is back");
    assert_eq!(done, UiaStep::Done);
    assert_eq!(device_ids(&f.admin, &bob).await, vec![own.clone()]);

    // Deactivation: a wrong password keeps the account; the right one deactivates it and removes
    // it from this computer.
    let challenge = challenge_of(
        f.accounts
            .deactivate(&b.id, true, Confirmation::None)
            .await
            .expect("a challenge"),
    );
    let wrong = f
        .accounts
        .deactivate(&b.id, true, Confirmation::Uia(password(&challenge, "nope")))
        .await
        .expect_err("a wrong password");
    assert!(
        matches!(wrong, MatrixError::UiaWrongPassword { .. }),
        "{wrong:?}"
    );
    assert!(
        login(&f.synapse.url, "bob", "bob-pw-1").await.is_ok(),
        "still active"
    );
    assert_eq!(f.accounts.list().len(), 1, "still on this computer");
    let done = f
        .accounts
        .deactivate(
            &b.id,
            true,
            Confirmation::Uia(password(&challenge, "bob-pw-1")),
        )
        .await
        .expect("deactivate");
    assert_eq!(done, UiaStep::Done);
    assert_eq!(
        login(&f.synapse.url, "bob", "bob-pw-1").await.err(),
        Some(403),
        "a deactivated account cannot sign in"
    );
    assert!(
        f.accounts.list().is_empty(),
        "the account is removed from this computer"
    );
    for kind in [SecretKind::MatrixSession, SecretKind::StorePassphrase] {
        assert_eq!(
            f.vault
                .get(&SecretKey::new(b.id.clone(), kind))
                .await
                .expect("keyring"),
            None,
            "the {kind:?} entry is deleted"
        );
    }
    assert!(
        !f.accounts.store_dir(&b.id).exists(),
        "the store is deleted"
    );
}
