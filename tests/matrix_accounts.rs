//! Matrix accounts against a real Synapse and the real Secret Service: password sign-in and its
//! failures, two sessions side by side, refreshed tokens saved, restore after a restart,
//! revocation on the server detected, sign-out and removal. Run under
//! `dbus-run-session -- scripts/session-env`.

use std::time::{Duration, Instant};

use accounts_core::browser::Opener;
use accounts_core::matrix::{
    load_session, MatrixAccounts, MatrixError, PasswordSignIn, SessionState, STORES_DIR,
};
use accounts_core::vault::{AccountRegistry, Registry, Secret, SecretKey, SecretKind, Vault};
use test_support::synapse::Synapse;
use test_support::synapse_admin::{whoami, Admin};

fn sign_in(homeserver: &str, identifier: &str, password: &str) -> PasswordSignIn {
    PasswordSignIn {
        homeserver: homeserver.to_owned(),
        identifier: identifier.to_owned(),
        password: Secret::new(password),
        account_id: None,
        subscription: None,
    }
}

async fn access_token(vault: &Vault, id: &str) -> String {
    load_session(vault, id)
        .await
        .expect("keyring readable")
        .expect("a session is stored")
        .tokens
        .access_token
}

fn device_of(state: &SessionState) -> String {
    match state {
        SessionState::SignedIn { device_id } => device_id.clone(),
        other => panic!("expected a confirmed session, got {other:?}"),
    }
}

// One journey over one Synapse: each step starts from the state the previous one left (a restart
// needs sessions, revocation needs a restart's client), and a Synapse per step costs seconds.
#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn sessions_sign_in_refresh_survive_a_restart_and_notice_revocation() {
    let synapse = Synapse::builder()
        .config("refreshable_access_token_lifetime: 10s\n")
        .start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let alice = admin
        .create_user(&synapse.server_name, "alice", "alice-pw-1")
        .await;
    let bob = admin
        .create_user(&synapse.server_name, "bob", "bob-pw-1")
        .await;
    let carol = admin
        .create_user(&synapse.server_name, "carol", "carol-pw-1")
        .await;
    admin.deactivate(&carol).await;

    let data = tempfile::tempdir().expect("data dir");
    let vault = Vault::keyring();
    let registry = Registry::from(AccountRegistry::open(data.path()).expect("registry"));
    let accounts = MatrixAccounts::new(
        data.path().join(STORES_DIR),
        vault.clone(),
        registry.clone(),
        Opener::new(None, None),
    );

    // Failures first: nothing may be kept for them.
    let wrong = accounts
        .sign_in(sign_in(&synapse.url, "alice", "not-her-password"))
        .await
        .expect_err("a wrong password is refused");
    assert!(
        matches!(wrong, MatrixError::WrongCredentials),
        "got {wrong:?}"
    );
    let deactivated = accounts
        .sign_in(sign_in(&synapse.url, "carol", "carol-pw-1"))
        .await
        .expect_err("a deactivated account cannot sign in");
    assert!(
        matches!(deactivated, MatrixError::WrongCredentials),
        "Synapse answers M_FORBIDDEN for a deactivated account: {deactivated:?}"
    );
    assert!(
        deactivated
            .to_string()
            .contains("may have been deactivated"),
        "the message says the account may be deactivated: {deactivated}"
    );
    assert!(
        accounts.list().is_empty(),
        "failed sign-ins leave no account"
    );

    // Two accounts on the same server, each its own session.
    let signed_in_at = Instant::now();
    let a = accounts
        .sign_in(sign_in(&synapse.url, "alice", "alice-pw-1"))
        .await
        .expect("alice signs in by user name");
    assert_eq!(a.user_id, alice);
    assert_eq!(a.homeserver, synapse.url);
    let alice_device = device_of(&a.session);
    let alice_token = access_token(&vault, &a.id).await;
    assert_eq!(
        whoami(&synapse.url, &alice_token).await,
        Ok((alice.clone(), alice_device.clone())),
        "the server knows alice's session"
    );
    let b = accounts
        .sign_in(sign_in(&synapse.url, &bob, "bob-pw-1"))
        .await
        .expect("bob signs in by Matrix ID");
    let bob_device = device_of(&b.session);
    assert_ne!(a.id, b.id, "two accounts");
    let bob_token = access_token(&vault, &b.id).await;
    assert_eq!(
        whoami(&synapse.url, &bob_token).await,
        Ok((bob.clone(), bob_device.clone())),
        "and bob's, a distinct one"
    );
    let devices = admin.devices(&alice).await;
    let expected_name = accounts.sessions().device_name().to_owned();
    assert!(
        devices.iter().any(
            |(id, name)| id == &alice_device && name.as_deref() == Some(expected_name.as_str())
        ),
        "the session is named {expected_name:?}: {devices:?}"
    );
    let registry_file =
        std::fs::read_to_string(data.path().join("accounts.json")).expect("registry");
    for secret in [&alice_token, &bob_token, "alice-pw-1", "bob-pw-1"] {
        assert!(
            !registry_file.contains(secret),
            "accounts.json must hold no secret"
        );
    }

    let again = accounts
        .sign_in(sign_in(&synapse.url, "bob", "bob-pw-1"))
        .await
        .expect_err("bob is already here");
    assert!(
        matches!(again, MatrixError::AlreadySignedIn { .. }),
        "{again:?}"
    );
    assert_eq!(
        admin.devices(&bob).await.len(),
        1,
        "the extra session made by the refused sign-in was ended"
    );

    // Access tokens live 10 s: the next request refreshes them and the new ones are saved.
    let expired = signed_in_at + Duration::from_secs(11);
    tokio::time::sleep(expired.saturating_duration_since(Instant::now())).await;
    assert_eq!(
        accounts.check(&a.id).await,
        SessionState::SignedIn {
            device_id: alice_device.clone()
        },
        "an expired access token is refreshed, not a sign-out"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let refreshed = loop {
        let token = access_token(&vault, &a.id).await;
        if token != alice_token {
            break token;
        }
        assert!(
            Instant::now() < deadline,
            "the refreshed token must be saved in the keyring"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        whoami(&synapse.url, &refreshed).await,
        Ok((alice.clone(), alice_device.clone())),
        "the saved token is the live one"
    );

    // A restart: a new account set over the same keyring and stores.
    drop(accounts);
    let registry = Registry::from(AccountRegistry::open(data.path()).expect("registry"));
    let accounts = MatrixAccounts::new(
        data.path().join(STORES_DIR),
        vault.clone(),
        registry.clone(),
        Opener::new(None, None),
    );
    accounts.restore_all().await;
    let listed = accounts.list();
    assert_eq!(listed.len(), 2, "both accounts are back: {listed:?}");
    let restored_alice = listed.iter().find(|v| v.id == a.id).expect("alice");
    assert_eq!(
        device_of(&restored_alice.session),
        alice_device,
        "the same session is restored, not a new sign-in"
    );
    let restored_bob = listed.iter().find(|v| v.id == b.id).expect("bob");
    assert_eq!(device_of(&restored_bob.session), bob_device);

    // Revoked on the server: the app notices and offers to sign in again.
    admin.delete_device(&bob, &bob_device).await;
    assert_eq!(
        accounts.check(&b.id).await,
        SessionState::SignedOutOnServer,
        "a deleted device means the session is over"
    );
    let mut again = sign_in(&synapse.url, "bob", "bob-pw-1");
    again.account_id = Some(b.id.clone());
    let b2 = accounts.sign_in(again).await.expect("bob signs in again");
    assert_eq!(b2.id, b.id, "signing in again keeps the account");
    assert_ne!(device_of(&b2.session), bob_device, "with a new session");

    // Sign out ends the session on the server; removal deletes everything local.
    let before_sign_out = access_token(&vault, &a.id).await;
    accounts.sign_out(&a.id).await.expect("sign out");
    assert_eq!(
        whoami(&synapse.url, &before_sign_out).await,
        Err(401),
        "the server no longer accepts the token"
    );
    let listed = accounts.list();
    assert_eq!(
        listed.iter().find(|v| v.id == a.id).map(|v| &v.session),
        Some(&SessionState::SignedOut),
        "the account stays, signed out"
    );

    let bob_store = accounts.store_dir(&b.id);
    assert!(bob_store.exists(), "bob has a store");
    accounts.remove(&b.id).await.expect("remove bob");
    assert!(!bob_store.exists(), "the store is deleted");
    for kind in [SecretKind::MatrixSession, SecretKind::StorePassphrase] {
        assert_eq!(
            vault
                .get(&SecretKey::new(b.id.clone(), kind))
                .await
                .expect("keyring"),
            None,
            "the {kind:?} entry is deleted"
        );
    }
    assert!(
        accounts.list().iter().all(|v| v.id != b.id),
        "the record is gone"
    );
    accounts.remove(&a.id).await.expect("remove alice");
}

#[tokio::test]
async fn a_rate_limited_sign_in_says_how_long_to_wait_instead_of_waiting() {
    let synapse = Synapse::builder()
        .config(
            "rc_login:\n  address: {per_second: 0.003, burst_count: 1}\n  \
         account: {per_second: 0.003, burst_count: 1}\n  \
         failed_attempts: {per_second: 0.003, burst_count: 1}\n",
        )
        .start();
    let data = tempfile::tempdir().expect("data dir");
    let registry = Registry::from(AccountRegistry::open(data.path()).expect("registry"));
    let accounts = MatrixAccounts::new(
        data.path().join(STORES_DIR),
        Vault::keyring(),
        registry.clone(),
        Opener::new(None, None),
    );

    let mut last = None;
    for _ in 0..3 {
        let attempt = tokio::time::timeout(
            Duration::from_mins(1),
            accounts.sign_in(sign_in(&synapse.url, "admin", "wrong-password")),
        )
        .await
        .expect("a rate-limited sign-in must come back instead of waiting out the limit");
        let error = attempt.expect_err("the password is wrong");
        if matches!(error, MatrixError::RateLimited { .. }) {
            last = Some(error);
            break;
        }
        assert!(matches!(error, MatrixError::WrongCredentials), "{error:?}");
    }
    let error = last.expect("the strict server rate-limits the second attempt");
    let MatrixError::RateLimited {
        retry_after: Some(delay),
    } = &error
    else {
        panic!("the server's delay is kept: {error:?}");
    };
    assert!(*delay > Duration::from_secs(1), "delay {delay:?}");
    let message = error.to_string();
    assert!(
        message.contains("Too many sign-in attempts") && message.contains("seconds"),
        "{message}"
    );
}
