//! The EMS control-panel client (`accounts_core::ems::EmsControlPanel`) against the EMS
//! reference server started in-process: every read and change, read back from the sandbox
//! afterwards, validation errors naming their field, and the deletion flow (preview, the Matrix
//! accounts on the hosts that go, the typed email).
//!
//! The session is signed in through the real OpenID Connect flow with a scripted browser; the
//! tokens sit in an in-memory secret store (the keyring has its own tests). Homeserver URLs are
//! plain addresses the sandbox hands out but never contacts.

use std::sync::Arc;

use accounts_core::ems::{
    begin_sign_in, http_client, EmsApiError, EmsCache, EmsControlPanel, EmsDeletions, EmsError,
    EmsSession, DEFAULT_SIGN_IN_TIMEOUT,
};
use accounts_core::vault::{
    new_account_id, AccountKind, AccountRecord, AccountRegistry, MemoryStore, Vault,
};
use ems_api::{
    AccountDetails, BillingAddress, CardBrand, Company, CompanySize, NewCard, NewElementOne,
    NewHostedHomeserver, NewOnPremise, NewSubscription, ProblemCode, Subscription,
    SubscriptionStatus,
};
use test_support::browser::{Browser, Player};
use test_support::sandbox::{SandboxBuilder, TestSandbox};

const EMAIL: &str = "dora@example.org";
const PASSWORD: &str = "dora's long password";
const CARD: &str = "4242424242424242";

async fn start() -> TestSandbox {
    SandboxBuilder::new()
        .user(EMAIL, "Dora Explorer", Some("dora"), PASSWORD)
        .app_client()
        .placeholder_homeservers()
        .start()
        .await
}

/// Signs Dora in through the browser flow and returns her control panel.
async fn control_panel(sandbox: &TestSandbox) -> EmsControlPanel {
    let pending = begin_sign_in(&http_client(), sandbox.issuer(), DEFAULT_SIGN_IN_TIMEOUT)
        .await
        .expect("sign-in starts");
    let url = pending.authorize_url().to_string();
    let finish = tokio::spawn(pending.finish());
    Player::new(EMAIL, PASSWORD)
        .play_to_app(&Browser::new(), &url)
        .await;
    let (signed_in, provider) = finish.await.expect("task").expect("signed in");
    let vault = Vault::new(Arc::new(MemoryStore::default()));
    let session = EmsSession::signed_in(
        new_account_id(),
        provider,
        signed_in.tokens,
        http_client(),
        vault,
    )
    .await
    .expect("tokens saved");
    EmsControlPanel::new(Arc::new(session))
}

#[tokio::test]
async fn details_billing_and_payment_method_are_changed_and_read_back() {
    let fixture = start().await;
    let panel = control_panel(&fixture).await;

    let account = panel.account().await.expect("the account is read");
    assert_eq!(account.email, EMAIL);
    assert_eq!(account.username, "dora");
    assert_eq!(account.company, None, "no company until set");

    let details = AccountDetails {
        name: "Dora E.".into(),
        email: "dora@corp.example".into(),
        company: Some(Company {
            name: "Corp Ltd".into(),
            number: Some("GB999".into()),
            size: Some(CompanySize::UpTo50),
        }),
    };
    panel.update_details(&details).await.expect("details saved");
    let address = BillingAddress {
        line1: "1 High St".into(),
        line2: None,
        city: "Oxford".into(),
        region: None,
        postal_code: "OX1 1AA".into(),
        country: "GB".into(),
    };
    let stored = panel
        .update_billing_address(&address)
        .await
        .expect("address saved");
    assert_eq!(stored, address, "answered as stored");
    let masked = panel
        .update_payment_method(&NewCard {
            number: CARD.into(),
            expiry_month: 12,
            expiry_year: 2099,
            holder_name: "Dora".into(),
        })
        .await
        .expect("card saved");
    assert_eq!(
        (masked.brand, masked.last4.as_str()),
        (CardBrand::Visa, "4242")
    );

    let account = panel.account().await.expect("read back");
    assert_eq!(account.name, "Dora E.");
    assert_eq!(account.email, "dora@corp.example");
    assert_eq!(account.company, details.company, "the company is stored");
    assert_eq!(
        account.billing_address,
        Some(address),
        "the address is stored"
    );
    assert_eq!(
        account.payment_method.map(|p| p.last4),
        Some("4242".to_owned()),
        "only the masked card is kept"
    );
}

#[tokio::test]
async fn a_validation_error_names_its_field() {
    let fixture = start().await;
    let panel = control_panel(&fixture).await;
    let error = panel
        .update_billing_address(&BillingAddress {
            line1: "1 High St".into(),
            line2: None,
            city: "Oxford".into(),
            region: None,
            postal_code: "OX1 1AA".into(),
            country: "Narnia".into(),
        })
        .await
        .expect_err("a country must be an ISO code");
    assert!(
        matches!(&error, EmsApiError::InvalidField { field, .. } if field == "country"),
        "the error names the field so the UI can show it there: {error:?}"
    );
    let error = panel
        .create_subscription(&NewSubscription::OnPremise(NewOnPremise {
            seats: 0,
            web_client_domain: "chat.corp.example".into(),
        }))
        .await
        .expect_err("zero seats are refused");
    assert_eq!(error.field(), Some("seats"));
    assert!(
        panel.subscriptions().await.expect("listed").is_empty(),
        "nothing was created by a refused request"
    );
}

#[tokio::test]
async fn subscriptions_are_created_raised_and_cancelled() {
    let fixture = start().await;
    let panel = control_panel(&fixture).await;

    let hosted = panel
        .create_subscription(&NewSubscription::HostedHomeserver(NewHostedHomeserver {
            seats: 5,
            admin_contact: None,
            server_name: None,
        }))
        .await
        .expect("hosted homeserver created");
    let Subscription::HostedHomeserver(hosted) = hosted else {
        panic!("a hosted homeserver was asked for: {hosted:?}");
    };
    assert_eq!(
        hosted.status,
        SubscriptionStatus::Active,
        "hs1.test is free"
    );
    assert_eq!(
        hosted.homeserver.as_ref().map(|h| h.server_name.as_str()),
        Some("hs1.test")
    );
    let one = panel
        .create_subscription(&NewSubscription::ElementOne(NewElementOne {
            username: None,
        }))
        .await
        .expect("Element One created");
    let Subscription::ElementOne(one) = one else {
        panic!("Element One was asked for: {one:?}");
    };
    assert_eq!(one.matrix_id, "@dora:one.test");
    let onprem = panel
        .create_subscription(&NewSubscription::OnPremise(NewOnPremise {
            seats: 20,
            web_client_domain: "chat.corp.example".into(),
        }))
        .await
        .expect("On-Premise created");

    let listed = panel.subscriptions().await.expect("listed");
    assert_eq!(
        listed.iter().map(Subscription::id).collect::<Vec<_>>(),
        vec![hosted.id.as_str(), one.id.as_str(), onprem.id()],
        "every subscription, oldest first"
    );

    panel.raise_seats(&hosted.id, 8).await.expect("raised");
    match panel.subscription(&hosted.id).await.expect("read back") {
        Subscription::HostedHomeserver(s) => assert_eq!(s.seats, 8, "the new count is stored"),
        other => panic!("kind changed: {other:?}"),
    }
    let error = panel
        .raise_seats(&hosted.id, 7)
        .await
        .expect_err("seats never go down");
    assert_eq!(error.problem_code(), Some(ProblemCode::SeatsCannotDecrease));
    assert_eq!(error.field(), Some("seats"));
    let error = panel
        .raise_seats(&one.id, 2)
        .await
        .expect_err("Element One has no seats");
    assert_eq!(error.problem_code(), Some(ProblemCode::SeatsNotApplicable));

    panel
        .cancel_subscription(onprem.id())
        .await
        .expect("cancelled");
    let after = panel.subscription(onprem.id()).await.expect("read back");
    assert_eq!(
        after.status(),
        SubscriptionStatus::Cancelled,
        "kept for the record"
    );
    let error = panel
        .subscription("sub_does_not_exist")
        .await
        .expect_err("unknown id");
    assert_eq!(error.problem_code(), Some(ProblemCode::NotFound));
}

#[tokio::test]
async fn a_chosen_server_name_and_user_name_are_kept() {
    let fixture = start().await;
    let panel = control_panel(&fixture).await;
    let error = panel
        .create_subscription(&NewSubscription::HostedHomeserver(NewHostedHomeserver {
            seats: 2,
            admin_contact: None,
            server_name: Some("elsewhere.test".into()),
        }))
        .await
        .expect_err("a server name this EMS does not offer");
    assert_eq!(error.field(), Some("server_name"), "{error}");
    assert!(
        error.to_string().contains("hs1.test"),
        "names what is offered: {error}"
    );
    let hosted = panel
        .create_subscription(&NewSubscription::HostedHomeserver(NewHostedHomeserver {
            seats: 2,
            admin_contact: None,
            server_name: Some("hs1.test".into()),
        }))
        .await
        .expect("hs1.test is free");
    let one = panel
        .create_subscription(&NewSubscription::ElementOne(NewElementOne {
            username: Some("explorer".into()),
        }))
        .await
        .expect("Element One with a chosen user name");
    match panel.subscription(hosted.id()).await.expect("read back") {
        Subscription::HostedHomeserver(s) => assert_eq!(
            s.homeserver.map(|h| h.server_name).as_deref(),
            Some("hs1.test")
        ),
        other => panic!("kind changed: {other:?}"),
    }
    match panel.subscription(one.id()).await.expect("read back") {
        Subscription::ElementOne(s) => assert_eq!(s.matrix_id, "@explorer:one.test"),
        other => panic!("kind changed: {other:?}"),
    }
}

#[tokio::test]
async fn the_last_overview_is_shown_stale_while_the_server_is_down() {
    let fixture = start().await;
    let panel = control_panel(&fixture).await;
    panel
        .create_subscription(&NewSubscription::OnPremise(NewOnPremise {
            seats: 3,
            web_client_domain: "chat.corp.example".into(),
        }))
        .await
        .expect("created");
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = EmsCache::new(dir.path().join("ems-cache"));
    let fresh = cache.overview("acct1", &panel).await.expect("fetched");
    assert_eq!(fresh.stale, None, "fetched from the server");
    assert_eq!(fresh.account.email, EMAIL);
    assert_eq!(fresh.subscriptions.len(), 1);
    let cached = std::fs::read_to_string(dir.path().join("ems-cache/acct1.json")).expect("cached");
    assert!(!cached.contains("access_token") && !cached.contains(CARD));

    fixture.shutdown().await;
    let offline = cache
        .overview("acct1", &panel)
        .await
        .expect("served from the cache");
    let reason = offline.stale.clone().expect("marked stale");
    assert!(reason.contains("Could not reach"), "says why: {reason}");
    assert!(
        reason.contains("the server may be down")
            && !reason.contains("error sending request")
            && !reason.contains("os error"),
        "in a person's words, not the HTTP client's: {reason}"
    );
    assert_eq!(
        (offline.account, offline.subscriptions, offline.fetched_at),
        (fresh.account, fresh.subscriptions, fresh.fetched_at),
        "what the server said last, with when"
    );
    let nothing = EmsCache::new(dir.path().join("empty"))
        .overview("acct1", &panel)
        .await
        .expect_err("nothing cached: the error itself");
    assert!(
        matches!(nothing, EmsApiError::Session(EmsError::Unreachable { .. })),
        "{nothing:?}"
    );
    cache.forget("acct1");
    assert!(
        !dir.path().join("ems-cache/acct1.json").exists(),
        "forgotten"
    );
}

#[tokio::test]
async fn the_account_is_deleted_after_a_preview() {
    let fixture = start().await;
    let panel = control_panel(&fixture).await;
    let hosted = panel
        .create_subscription(&NewSubscription::HostedHomeserver(NewHostedHomeserver {
            seats: 3,
            admin_contact: None,
            server_name: None,
        }))
        .await
        .expect("created");

    let preview = panel.deletion_preview().await.expect("preview");
    assert_eq!(preview.subscriptions.len(), 1, "every subscription goes");
    assert_eq!(
        preview
            .hosts
            .iter()
            .map(|h| h.server_name.as_str())
            .collect::<Vec<_>>(),
        vec!["hs1.test"],
        "and every host"
    );
    assert_eq!(preview.hosts[0].subscription_id, hosted.id());

    let error = panel
        .delete_account("not-the-token")
        .await
        .expect_err("a made-up token deletes nothing");
    assert_eq!(
        error.field(),
        Some("confirmation_token"),
        "the server names the token as the field at fault: {error:?}"
    );
    panel.account().await.expect("the account is still there");

    let report = panel
        .delete_account(&preview.confirmation_token)
        .await
        .expect("deleted");
    assert_eq!(report.subscriptions.len(), 1);
    assert_eq!(
        report.hosts, preview.hosts,
        "exactly what the preview named"
    );
    let after = panel.account().await;
    assert!(
        after.is_err(),
        "the account (and its tokens) are gone: {after:?}"
    );
}

#[tokio::test]
async fn deletion_asks_for_the_typed_email_and_names_the_matrix_accounts_that_go() {
    let fixture = start().await;
    let panel = control_panel(&fixture).await;
    panel
        .create_subscription(&NewSubscription::HostedHomeserver(NewHostedHomeserver {
            seats: 3,
            admin_contact: None,
            server_name: None,
        }))
        .await
        .expect("created");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut registry = AccountRegistry::open(dir.path()).expect("registry");
    for (id, server, user) in [
        ("m1", "http://127.0.0.1:9", "@dora:hs1.test"),
        ("m2", "http://elsewhere.test/", "@dora:elsewhere.test"),
    ] {
        registry
            .upsert(AccountRecord {
                id: id.into(),
                kind: AccountKind::Matrix,
                server: server.into(),
                user_id: user.into(),
                display_name: None,
                email: None,
                subscription: None,
            })
            .expect("record");
    }
    let registry = accounts_core::vault::Registry::from(registry);
    let deletions = EmsDeletions::default();

    let error = deletions
        .delete("e1", EMAIL, &panel)
        .await
        .expect_err("no preview yet");
    assert!(matches!(error, EmsApiError::NotPreviewed), "{error:?}");

    let view = deletions
        .preview("e1", &panel, &registry)
        .await
        .expect("preview");
    assert_eq!(view.email, EMAIL);
    assert_eq!(view.hosts.len(), 1);
    assert_eq!(
        view.matrix_accounts,
        vec!["@dora:hs1.test".to_owned()],
        "only the Matrix accounts on the deleted host are named"
    );

    let error = deletions
        .delete("e1", "someone@else.example", &panel)
        .await
        .expect_err("the wrong email deletes nothing");
    assert!(matches!(error, EmsApiError::EmailMismatch), "{error:?}");
    panel.account().await.expect("still there");

    let report = deletions
        .delete("e1", " DORA@example.org ", &panel)
        .await
        .expect("deleted");
    assert_eq!(report.hosts, view.hosts);
    assert!(panel.account().await.is_err(), "the account is gone");
}
