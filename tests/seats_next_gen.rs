//! Seats on a hosted homeserver that delegates its sign-in to this EMS (a real Synapse in
//! `matrix_authentication_service` mode, over https): the admin signs in with OAuth 2.0 asking
//! for `urn:synapse:admin:*`, the ledger and the user list work through the Admin API, and
//! what Synapse's Admin API does not serve there (creating users, passwords, the admin flag,
//! registration tokens, and so imports and reactivation) is refused before any request, with
//! words that say where it is done, never a raw 4xx. Deactivation works.
//!
//! A cookie-keeping HTTP client plays the browser; secrets sit in an in-memory store (the
//! keyring has its own tests).

use std::sync::Arc;
use std::time::Duration;

use accounts_core::browser::Opener;
use accounts_core::matrix::{OAuthSignIn, ADMIN_SCOPE};
use accounts_core::seats::{
    DelegatedAction, NewRegistrationToken, NewSeatUser, SeatsError, SeatsTarget,
};
use accounts_core::transport::extra_roots;
use accounts_core::vault::{MemoryStore, SubscriptionLink, Vault};
use accounts_core::Accounts;
use test_support::browser::{query_param, Browser, Player};
use test_support::next_gen::NextGenStack;
use test_support::sandbox::SandboxBuilder;

const EMAIL: &str = "sol@example.org";
const PASSWORD: &str = "sol's long sandbox password";
const MEMBER: &str = "tove@example.org";
const MEMBER_PASSWORD: &str = "tove's long sandbox password";
const SEATS: u32 = 4;

/// Access tokens expire within the test: the admin's must be renewed.
const TOKEN_LIFETIME: Duration = Duration::from_secs(10);

fn accounts(stack: &NextGenStack, dir: &std::path::Path) -> Accounts {
    accounts_with(stack, dir, Vault::new(Arc::new(MemoryStore::default())))
}

fn accounts_with(stack: &NextGenStack, dir: &std::path::Path, vault: Vault) -> Accounts {
    let roots = extra_roots(stack.ca_file()).expect("the test CA");
    Accounts::open(Some(dir), vault, Opener::new(None, None)).trusting(&roots)
}

/// Signs `email` in to Matrix with OAuth 2.0 (as the homeserver's admin when `admin`), the
/// browser signing in at the authorization server first if it has no session there.
async fn oauth_sign_in(
    core: &Accounts,
    stack: &NextGenStack,
    browser: &Browser,
    (email, password): (&str, &str),
    admin: Option<SubscriptionLink>,
) -> String {
    let request = OAuthSignIn::new(stack.synapse.url.clone(), false, None, admin.clone())
        .as_admin(admin.is_some());
    let handoff = core
        .matrix
        .begin_oauth_sign_in(request)
        .await
        .expect("the OAuth 2.0 sign-in starts");
    let scope = query_param(&handoff.url, "scope").expect("a scope");
    assert_eq!(
        scope.split(' ').any(|s| s == ADMIN_SCOPE),
        admin.is_some(),
        "the Admin API's scope is asked for exactly by the admin sign-in: {scope}"
    );
    let back = query_param(&handoff.url, "redirect_uri").expect("a redirect_uri");
    let player = Player::new(email, password).until(&back);
    let (account, (_, page)) = tokio::join!(
        core.matrix.finish_oauth_sign_in(),
        player.play(browser, &handoff.url)
    );
    account
        .unwrap_or_else(|e| panic!("{email} signs in: {e}; {}", page.body))
        .id
}

#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seats_pane_works_and_says_what_the_authorization_server_keeps() {
    let stack = NextGenStack::builder(
        SandboxBuilder::new()
            .user(EMAIL, "Sol Admin", Some("sol"), PASSWORD)
            .user(MEMBER, "Tove Member", Some("tove"), MEMBER_PASSWORD)
            .app_client()
            .access_token_lifetime(u32::try_from(TOKEN_LIFETIME.as_secs()).expect("seconds")),
    )
    .admin(EMAIL)
    .hosting_seats(SEATS)
    .start()
    .await;
    let subscription_id = stack.hosted.clone().expect("a hosted subscription");
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(&stack, data.path());

    // Sol signs in to EMS, then as the homeserver's admin from the Seats pane.
    let browser = Browser::trusting(stack.ca_file());
    let handoff = core
        .ems
        .start_sign_in(stack.sandbox.issuer())
        .await
        .expect("the EMS sign-in starts");
    let sol = Player::new(EMAIL, PASSWORD);
    let (ems, _) = tokio::join!(
        core.ems.finish_sign_in(),
        sol.play_to_app(&browser, &handoff.url)
    );
    let ems = ems.expect("Sol is signed in to EMS").id;
    let link = SubscriptionLink {
        ems_account: ems.clone(),
        subscription_id: subscription_id.clone(),
    };
    oauth_sign_in(&core, &stack, &browser, (EMAIL, PASSWORD), Some(link)).await;

    // Tove, a member, signs in once somewhere, so that the homeserver knows her.
    let elsewhere = tempfile::tempdir().expect("another computer");
    let other = accounts(&stack, elsewhere.path());
    let toves_browser = Browser::trusting(stack.ca_file());
    oauth_sign_in(
        &other,
        &stack,
        &toves_browser,
        (MEMBER, MEMBER_PASSWORD),
        None,
    )
    .await;

    // The pane finds Sol as the admin and says what the authorization server keeps.
    let mut found = core.seat_subscriptions().await.expect("the subscriptions");
    assert_eq!(found.len(), 1, "{found:?}");
    let subscription = found.remove(0);
    assert!(
        subscription.admin.is_some(),
        "Sol administers it: {:?}",
        subscription.admin_problem
    );
    let delegated = subscription
        .delegated
        .expect("the homeserver delegates its sign-in");
    assert_eq!(delegated.unavailable, DelegatedAction::ALL.to_vec());
    for words in [
        "authorization server",
        "adding users",
        "resetting passwords",
        "admin rights",
        "registration tokens",
    ] {
        assert!(delegated.message.contains(words), "{}", delegated.message);
    }

    // The user list and the ledger work.
    let target = SeatsTarget {
        ems_account: ems,
        subscription_id,
    };
    let page = core
        .seats
        .load_page(&target, true)
        .await
        .expect("the user list under delegated auth");
    let server = &stack.synapse.server_name;
    let mut ids: Vec<String> = page.users.iter().map(|u| u.user_id.clone()).collect();
    ids.sort();
    assert_eq!(ids, [format!("@sol:{server}"), format!("@tove:{server}")]);
    let ledger = page.ledger;
    assert_eq!((ledger.seats_paid, ledger.accounts), (SEATS, 2));

    // What the Admin API does not serve here is refused up front, in words.
    let desk = core.seats.desk(&target).expect("the desk");
    let tove = format!("@tove:{server}");
    let refusals = [
        desk.add_user(&NewSeatUser {
            username: "uma".into(),
            display_name: None,
            email: None,
        })
        .await
        .map(|_| ()),
        desk.reset_password(&tove, None).await.map(|_| ()),
        desk.set_admin(&tove, true, true, false).await.map(|_| ()),
        desk.tokens().await.map(|_| ()),
        desk.create_token(&NewRegistrationToken {
            uses_allowed: Some(1),
            expiry_ms: None,
        })
        .await
        .map(|_| ()),
        desk.plan_import(b"id,displayname\numa,Uma\n")
            .await
            .map(|_| ()),
    ];
    for refused in refusals {
        let error = refused.expect_err("refused under delegated auth");
        assert!(matches!(error, SeatsError::Delegated { .. }), "{error:?}");
        let shown = error.to_string();
        let words = shown.replace(server.as_str(), "the homeserver");
        assert!(
            words.contains("authorization server")
                && !words.contains("M_")
                && !words.contains("403")
                && !words.contains("404"),
            "a message in words, no raw 4xx: {shown}"
        );
    }

    // Deactivation works, and frees the seat.
    let change = desk
        .deactivate(&tove, false)
        .await
        .expect("deactivation under delegated auth");
    assert!(change.user.deactivated, "read back deactivated");
    assert_eq!(change.ledger.accounts, 1);
    let reactivate = desk.reactivate(&tove, None).await;
    assert!(
        matches!(
            reactivate,
            Err(SeatsError::Delegated {
                action: DelegatedAction::Reactivate,
                ..
            })
        ),
        "{reactivate:?}"
    );

    // Once the admin's access token has expired, the app renews it through its live OAuth 2.0
    // session, and the command line (the sessions kept in the keyring, no client) at the
    // authorization server's token endpoint; each keeps working.
    tokio::time::sleep(TOKEN_LIFETIME + Duration::from_secs(1)).await;
    let page = core
        .seats
        .load_page(&target, true)
        .await
        .expect("the list after the token expired, in the app");
    assert_eq!(page.ledger.accounts, 1);
    let command_line = accounts_with(&stack, data.path(), core.vault.clone());
    let found = command_line
        .stored_seat_subscriptions()
        .await
        .expect("the subscriptions, from the keyring");
    assert!(found[0].admin.is_some(), "{:?}", found[0].admin_problem);
    tokio::time::sleep(TOKEN_LIFETIME + Duration::from_secs(1)).await;
    let page = command_line
        .seats
        .load_page(&target, true)
        .await
        .expect("the list after the token expired, on the command line");
    assert_eq!(page.ledger.accounts, 1);
    stack.shutdown().await;
}
