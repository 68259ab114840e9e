//! The seat counting rules against a real Synapse, each with a user made for it.
//!
//! - Accounts: not deactivated, not a guest, no `user_type` (`bot`, `support` or any other
//!   type), and locked accounts included.
//! - Active this month: accounts seen by a client (`last_seen_ts`) in the last 30 days.
//!   Application-service users are not in Synapse's client-IP log, so they count as accounts but
//!   are never active.
//! - Free: seats paid minus accounts.
//!
//! The Synapse has guest access, an application service and an extra user type. The list is
//! fetched two users a page, so the rules are checked across page boundaries.

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use accounts_core::seats::{AdminApi, SeatLedger, SeatUser, SeatWarningKind};
use test_support::synapse::{AccountKinds, Synapse};
use test_support::synapse_admin::{
    register_appservice_user, register_guest, sign_in_and_request, whoami,
    whoami_through_appservice, Admin,
};
use test_support::synapse_db::set_last_seen;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Seats paid in the main ledger: two more than the accounts made below.
const SEATS_PAID: u32 = 8;

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_millis(),
    )
    .expect("milliseconds fit in i64")
}

/// A user made for one rule: what the rules say of it, and why.
struct Expected {
    user_id: String,
    holds_seat: bool,
    active_this_month: bool,
    why: &'static str,
}

fn expect(user_id: &str, holds_seat: bool, active_this_month: bool, why: &'static str) -> Expected {
    Expected {
        user_id: user_id.to_owned(),
        holds_seat,
        active_this_month,
        why,
    }
}

/// Creates `localpart` with a password derived from it; returns the full id.
async fn create(admin: &Admin, server_name: &str, localpart: &str) -> String {
    admin
        .create_user(server_name, localpart, &password_of(localpart))
        .await
}

fn password_of(localpart: &str) -> String {
    format!("pw-{localpart}-seats")
}

#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn seats_count_accounts_and_this_months_active_users_by_the_rules() {
    let (synapse, kinds) = Synapse::start_with_account_kinds();
    let base = synapse.url.as_str();
    let server = synapse.server_name.as_str();
    let appservice = &kinds.appservice;
    // Signing in and every Admin API call below are client requests: the admin is an ordinary
    // account, seen this month.
    let admin = Admin::sign_in(base, &synapse.admin_user, &synapse.admin_password).await;

    // The application-service user goes first: its requests are queued (if Synapse logged them
    // at all) before every request awaited below, so once those are recorded, these would be.
    let bridged = register_appservice_user(
        base,
        &appservice.as_token,
        &format!("{}puppet", appservice.user_prefix),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            whoami_through_appservice(base, &appservice.as_token, &bridged).await,
            Ok(bridged.clone()),
            "the appservice must be able to act as the user it registered"
        );
    }

    let plain = create(&admin, server, "plain").await;
    sign_in_and_request(base, &plain, &password_of("plain")).await;

    // Seen this month, then deactivated.
    let deactivated = create(&admin, server, "deactivated").await;
    sign_in_and_request(base, &deactivated, &password_of("deactivated")).await;
    admin.deactivate(&deactivated).await;

    // A guest that makes a request, so it is seen: seen or not, it holds no seat.
    let (guest, guest_token) = register_guest(base).await;
    whoami(base, &guest_token)
        .await
        .unwrap_or_else(|status| panic!("the guest's whoami: HTTP {status}"));

    // A bot that makes requests of its own: seen, but no seat.
    let bot = create(&admin, server, "bot").await;
    admin.set_user_type(&bot, Some("bot")).await;
    sign_in_and_request(base, &bot, &password_of("bot")).await;

    let support = create(&admin, server, "support").await;
    admin.set_user_type(&support, Some("support")).await;

    // A type of this deployment's own: "any other type" holds no seat either.
    let typed = create(&admin, server, "typed").await;
    admin
        .set_user_type(&typed, Some(AccountKinds::EXTRA_USER_TYPE))
        .await;

    // Seen this month, then locked: the Admin API leaves it out of its list unless asked.
    let locked = create(&admin, server, "locked").await;
    sign_in_and_request(base, &locked, &password_of("locked")).await;

    // Seen now; their last sight is moved back below, once Synapse has written it.
    let stale = create(&admin, server, "stale").await;
    sign_in_and_request(base, &stale, &password_of("stale")).await;
    let recent = create(&admin, server, "recent").await;
    sign_in_and_request(base, &recent, &password_of("recent")).await;

    // Synapse batches its client-IP log (a flush every 5 s): wait until every request above
    // shows in the list, so none is still queued to overwrite what the test writes.
    for user in [
        &synapse.admin_user,
        &plain,
        &guest,
        &bot,
        &locked,
        &stale,
        &recent,
    ] {
        admin.wait_for_last_seen(user).await;
    }
    admin.set_locked(&locked, true).await;

    let written_at = now_ms();
    let stale_seen = written_at - 31 * DAY_MS;
    let recent_seen = written_at - 29 * DAY_MS;
    set_last_seen(&synapse.database_path(), &stale, stale_seen);
    set_last_seen(&synapse.database_path(), &recent, recent_seen);
    assert_eq!(
        admin.listed_last_seen(&stale).await,
        Some(stale_seen),
        "the fixture: the Admin API must report the last_seen written into SQLite"
    );
    assert_eq!(
        admin.listed_last_seen(&recent).await,
        Some(recent_seen),
        "the fixture: the Admin API must report the last_seen written into SQLite"
    );
    assert_eq!(
        admin.listed_last_seen(&bridged).await,
        None,
        "the fixture: Synapse must not log the requests an appservice makes as its users \
         (track_appservice_user_ips is off by default)"
    );

    let api = AdminApi::new(
        url::Url::parse(&synapse.url).expect("Synapse's URL"),
        admin.token().to_owned(),
    );
    let users: Vec<SeatUser> = api
        .all_users(2)
        .await
        .expect("the core lists every user, two a page");
    let listed_at = now_ms();

    let total = admin.total_users().await;
    assert_eq!(
        u64::try_from(users.len()).expect("a small count"),
        total,
        "every local user is listed (deactivated, locked and guests too), as many as the Admin \
         API's total: {:?}",
        users.iter().map(|u| &u.user_id).collect::<Vec<_>>()
    );
    let distinct: HashSet<&str> = users.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(
        distinct.len(),
        users.len(),
        "paging must list no user twice"
    );

    let expected = [
        expect(
            &synapse.admin_user,
            true,
            true,
            "the admin is an ordinary account, and it made requests this month",
        ),
        expect(
            &plain,
            true,
            true,
            "an ordinary user who made a request is an account, active this month",
        ),
        expect(
            &deactivated,
            false,
            false,
            "a deactivated user holds no seat, even when seen this month",
        ),
        expect(
            &guest,
            false,
            false,
            "a guest holds no seat, even when seen this month",
        ),
        expect(
            &bot,
            false,
            false,
            "a user of type bot holds no seat, even when seen this month",
        ),
        expect(
            &support,
            false,
            false,
            "a user of type support holds no seat",
        ),
        expect(
            &typed,
            false,
            false,
            "a user of any other type (here the config's extra type) holds no seat",
        ),
        expect(
            &locked,
            true,
            true,
            "a locked user still holds its seat, and it was seen this month before the lock",
        ),
        expect(
            &bridged,
            true,
            false,
            "an appservice user counts as an account (the list cannot tell who registered it), \
             but Synapse does not log its requests, so it is not active this month",
        ),
        expect(
            &stale,
            true,
            false,
            "a user last seen 31 days ago holds a seat but is not active this month",
        ),
        expect(
            &recent,
            true,
            true,
            "a user last seen 29 days ago is within the last 30 days: active this month",
        ),
    ];
    for e in &expected {
        let user = users
            .iter()
            .find(|u| u.user_id == e.user_id)
            .unwrap_or_else(|| panic!("{} is not listed; {}", e.user_id, e.why));
        assert_eq!(
            user.holds_seat, e.holds_seat,
            "holds_seat of {}: {} (listed as deactivated={}, guest={}, locked={}, user_type={:?})",
            e.user_id, e.why, user.deactivated, user.guest, user.locked, user.user_type
        );
        assert_eq!(
            user.active_this_month, e.active_this_month,
            "active_this_month of {}: {} (listed last_seen_ms={:?}, listed at {listed_at})",
            e.user_id, e.why, user.last_seen_ms
        );
    }

    // What was listed, as read: the fields the rules rest on.
    let find = |id: &str| {
        users
            .iter()
            .find(|u| u.user_id == id)
            .expect("listed (checked above)")
    };
    assert!(find(&guest).guest, "the guest is listed as a guest");
    assert!(find(&deactivated).deactivated, "listed as deactivated");
    assert!(find(&locked).locked, "listed as locked");
    assert!(
        find(&synapse.admin_user).admin,
        "the admin is listed as an admin"
    );
    assert_eq!(find(&bot).user_type.as_deref(), Some("bot"));
    assert_eq!(find(&support).user_type.as_deref(), Some("support"));
    assert_eq!(
        find(&typed).user_type.as_deref(),
        Some(AccountKinds::EXTRA_USER_TYPE)
    );
    assert_eq!(
        find(&stale).last_seen_ms,
        Some(stale_seen),
        "last_seen_ms is the Admin API's last_seen_ts"
    );
    assert_eq!(
        find(&bridged).last_seen_ms,
        None,
        "the appservice user was never seen"
    );
    assert_eq!(find(&plain).localpart, "plain");
    assert!(
        !users
            .iter()
            .any(|u| u.localpart == appservice.sender_localpart),
        "Synapse keeps no user row for the appservice's sender, so it is not listed"
    );

    // Accounts: admin, plain, locked, the appservice user, stale, recent.
    // Active this month: admin, plain, locked, recent.
    let ledger = SeatLedger::count(SEATS_PAID, &users);
    assert_eq!(ledger.seats_paid, SEATS_PAID);
    assert_eq!(
        ledger.accounts, 6,
        "accounts: the admin, plain, locked, the appservice user, stale and recent \
         (not the deactivated user, the guest, bot, support or the other type)"
    );
    assert_eq!(
        ledger.active_this_month, 4,
        "active this month: the admin, plain, locked and recent (not stale, seen 31 days ago, \
         nor the appservice user, never seen; seen non-accounts don't count)"
    );
    assert_eq!(ledger.free, 2, "free = 8 seats paid - 6 accounts");
    assert!(ledger.complete, "every page was listed");
    assert!(
        ledger.warnings.is_empty(),
        "2 seats free and 4 active of 8 paid: nothing to warn about: {:?}",
        ledger.warnings
    );

    let kinds = |ledger: &SeatLedger| ledger.warnings.iter().map(|w| w.kind).collect::<Vec<_>>();
    let full = SeatLedger::count(6, &users);
    assert_eq!(full.free, 0, "free = 6 seats paid - 6 accounts");
    assert_eq!(
        kinds(&full),
        [SeatWarningKind::NoSeatFree],
        "no seat free (and 4 active do not exceed 6 seats): one warning"
    );

    let over = SeatLedger::count(3, &users);
    assert_eq!(
        over.free, -3,
        "free = 3 seats paid - 6 accounts, below zero"
    );
    assert_eq!(
        kinds(&over),
        [
            SeatWarningKind::NoSeatFree,
            SeatWarningKind::ActiveExceedsSeats
        ],
        "no seat free, and 4 active this month exceed 3 seats"
    );
}
