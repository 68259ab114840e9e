//! Seat administration through the core (`Accounts::seat_subscriptions`, the desk's actions)
//! against the EMS sandbox and a real Synapse that is the subscription's hosted homeserver:
//! finding the admin (a non-admin refused with the pane's words), every action read back from
//! the homeserver, the seat checks, a registration token used by a real registration, raising
//! seats read back from EMS, and the homeserver stopping mid-list; importing a users file and
//! exporting one; the audit log.
//!
//! The EMS sign-in goes through the real OpenID Connect flow with a cookie-keeping HTTP client
//! as the browser; secrets sit in an in-memory store (the keyring has its own tests).

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use accounts_core::browser::Opener;
use accounts_core::matrix::{NewAccount, PasswordSignIn, RegistrationStep};
use accounts_core::seats::audit::AUDIT_FILE;
use accounts_core::seats::import::PlanVerdict::{self, Create, Invalid, Skip};
use accounts_core::seats::import::RowOutcome;
use accounts_core::seats::{
    AuditResult, NewRegistrationToken, NewSeatUser, SeatSubscription, SeatWarningKind, Seats,
    SeatsError, SeatsTarget,
};
use accounts_core::vault::{MemoryStore, SubscriptionLink, Vault};
use accounts_core::Accounts;
use test_support::browser::{Browser, Player};
use test_support::sandbox::{SandboxBuilder, TestSandbox};
use test_support::synapse::Synapse;
use test_support::synapse_admin::{login, whoami, Admin};

const EMAIL: &str = "sam@example.org";
const PASSWORD: &str = "sam's long sandbox password";
const SEATS: u32 = 3;

struct Stack {
    synapse: Synapse,
    sandbox: TestSandbox,
    admin: Admin,
    subscription_id: String,
}

/// A Synapse that accepts registration tokens, and the sandbox with Sam, whose hosted
/// homeserver subscription of three seats runs on that Synapse.
async fn stack() -> Stack {
    let synapse = Synapse::builder()
        .config(
            // Access tokens expire within the test, as they do after 5 minutes by default: the
            // admin's requests must refresh through the session.
            "enable_registration: true\nregistration_requires_token: true\n\
             refreshable_access_token_lifetime: 10s\n",
        )
        .start_in_background()
        .await;
    let (sandbox, subscription_id) = SandboxBuilder::new()
        .user(EMAIL, "Sam Admin", Some("sam"), PASSWORD)
        .app_client()
        .placeholder_homeservers()
        .hosted_on(synapse.address())
        .start_with_hosted(SEATS)
        .await;
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    Stack {
        synapse,
        sandbox,
        admin,
        subscription_id,
    }
}

/// The core over `dir`, fetching users one at a time so that paging is exercised.
fn accounts(dir: &std::path::Path) -> Accounts {
    Accounts::open(
        Some(dir),
        Vault::new(Arc::new(MemoryStore::default())),
        Opener::new(None, None),
    )
    .with_seats(Seats::new(1))
}

/// Signs Sam in to EMS, playing the browser: the sign-in form, then the redirects back.
async fn sign_in_to_ems(core: &Accounts, stack: &Stack) -> String {
    let handoff = core
        .ems
        .start_sign_in(stack.sandbox.issuer())
        .await
        .expect("the EMS sign-in starts");
    let (browser, sam) = (Browser::new(), Player::new(EMAIL, PASSWORD));
    let (account, _) = tokio::join!(
        core.ems.finish_sign_in(),
        sam.play_to_app(&browser, &handoff.url)
    );
    account.expect("Sam is signed in to EMS").id
}

async fn sign_in_to_matrix(
    core: &Accounts,
    stack: &Stack,
    user: &str,
    password: &str,
    link: Option<SubscriptionLink>,
) -> String {
    core.matrix
        .sign_in(PasswordSignIn::new(
            stack.synapse.url.clone(),
            user.to_owned(),
            password.to_owned(),
            None,
            link,
        ))
        .await
        .unwrap_or_else(|e| panic!("{user} signs in: {e}"))
        .id
}

async fn only_subscription(core: &Accounts) -> SeatSubscription {
    let mut found = core.seat_subscriptions().await.expect("the subscriptions");
    assert_eq!(found.len(), 1, "one hosted homeserver: {found:?}");
    found.remove(0)
}

/// Loads every page, as the pane does, and returns the users' IDs and the last ledger.
async fn load_all(
    core: &Accounts,
    target: &SeatsTarget,
) -> (Vec<String>, accounts_core::seats::SeatLedger) {
    let mut page = core
        .seats
        .load_page(target, true)
        .await
        .expect("the first page");
    let mut ids: Vec<String> = page.users.iter().map(|u| u.user_id.clone()).collect();
    let mut pages = 1;
    while !page.done {
        page = core
            .seats
            .load_page(target, false)
            .await
            .expect("the next page");
        ids.extend(page.users.iter().map(|u| u.user_id.clone()));
        pages += 1;
    }
    assert_eq!(pages, ids.len().max(1), "one user per page at page size 1");
    assert_eq!(page.loaded as usize, ids.len());
    (ids, page.ledger)
}

fn new_user(username: &str) -> NewSeatUser {
    NewSeatUser {
        username: username.to_owned(),
        display_name: Some(format!("{username} the tester")),
        email: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_manages_the_users_of_a_hosted_homeserver_within_its_seats() {
    let stack = stack().await;
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let server = stack.synapse.server_name.clone();
    let id = |local: &str| format!("@{local}:{server}");

    // Without a Matrix account here, the pane says how to get one.
    let ems = sign_in_to_ems(&core, &stack).await;
    let entry = only_subscription(&core).await;
    assert_eq!(
        (entry.seats, entry.server_name.as_str()),
        (SEATS, server.as_str())
    );
    assert!(entry.admin.is_none());
    let problem = entry.admin_problem.expect("why nobody administers it");
    assert!(
        problem.contains("Sign in as this homeserver's admin"),
        "{problem}"
    );

    // A non-admin account is refused with the pane's words.
    stack
        .admin
        .create_user(&server, "bob", "bob-password-1")
        .await;
    sign_in_to_matrix(&core, &stack, "bob", "bob-password-1", None).await;
    let entry = only_subscription(&core).await;
    assert!(entry.admin.is_none(), "bob is no admin");
    let problem = entry.admin_problem.expect("why bob cannot");
    assert!(
        problem.contains(&format!(
            "{} is signed in here but is not a server admin",
            id("bob")
        )),
        "{problem}"
    );
    let target = SeatsTarget {
        ems_account: ems.clone(),
        subscription_id: stack.subscription_id.clone(),
    };
    let refused = core
        .seats
        .load_page(&target, true)
        .await
        .expect_err("no desk without an admin");
    assert!(
        matches!(refused, SeatsError::UnknownSubscription { .. }),
        "{refused:?}"
    );

    // The homeserver's admin, linked to the subscription, administers it.
    let link = SubscriptionLink {
        ems_account: ems.clone(),
        subscription_id: stack.subscription_id.clone(),
    };
    let admin_account = sign_in_to_matrix(
        &core,
        &stack,
        &stack.synapse.admin_user,
        &stack.synapse.admin_password,
        Some(link),
    )
    .await;
    let entry = only_subscription(&core).await;
    let admin = entry.admin.expect("the admin is found");
    assert_eq!(
        (admin.account_id.as_str(), admin.matrix_id.as_str()),
        (admin_account.as_str(), stack.synapse.admin_user.as_str())
    );
    let (ids, ledger) = load_all(&core, &target).await;
    assert_eq!(
        ids,
        [stack.synapse.admin_user.clone(), id("bob")],
        "every user, page by page"
    );
    assert_eq!(
        (ledger.seats_paid, ledger.accounts, ledger.free),
        (SEATS, 2, 1),
        "{ledger:?}"
    );
    let desk = core.seats.desk(&target).expect("the desk");

    let journey = Journey {
        core: &core,
        stack: &stack,
        target: &target,
        desk: &desk,
        server: &server,
    };
    let erin_password = journey.adds_and_deactivates().await;
    journey
        .resets_passwords_and_ends_sessions(&erin_password)
        .await;
    journey.grants_and_revokes_admin().await;
    journey.counts_a_registration_token().await;
    journey.raises_seats_and_survives_an_outage(&ems).await;
}

/// The steps after the admin is found, over one stack.
struct Journey<'a> {
    core: &'a Accounts,
    stack: &'a Stack,
    target: &'a SeatsTarget,
    desk: &'a accounts_core::seats::Desk,
    server: &'a str,
}

impl Journey<'_> {
    fn id(&self, local: &str) -> String {
        format!("@{local}:{}", self.server)
    }

    /// Returns erin's generated password.
    async fn adds_and_deactivates(&self) -> String {
        let (stack, desk) = (self.stack, self.desk);
        let id = |local: &str| self.id(local);
        // Adding a user: the password shown once works; the last seat is taken.
        let carol = desk
            .add_user(&new_user("carol"))
            .await
            .expect("carol is added");
        let password = carol
            .password
            .as_ref()
            .expect("a generated password to show")
            .expose()
            .to_owned();
        assert_eq!(carol.user.user_id, id("carol"));
        assert_eq!(carol.user.display_name.as_deref(), Some("carol the tester"));
        assert!(carol.user.holds_seat);
        assert_eq!((carol.ledger.accounts, carol.ledger.free), (3, 0));
        assert!(
            carol
                .ledger
                .warnings
                .iter()
                .any(|w| w.kind == SeatWarningKind::NoSeatFree),
            "{:?}",
            carol.ledger.warnings
        );
        let (carol_token, _) = login(&stack.synapse.url, "carol", &password)
            .await
            .expect("carol signs in with the shown password");
        assert!(whoami(&stack.synapse.url, &carol_token).await.is_ok());

        // No seat free: refused, and nothing is created. A taken name is refused too.
        let full = desk
            .add_user(&new_user("dave"))
            .await
            .expect_err("no seat is free");
        assert!(
            matches!(
                full,
                SeatsError::NoSeatFree {
                    seats: SEATS,
                    accounts: 3,
                    ..
                }
            ),
            "{full:?}"
        );
        assert!(
            full.to_string().contains("Raise the seats"),
            "the message offers more seats: {full}"
        );
        assert_eq!(
            stack.admin.user_details(&id("dave")).await["errcode"],
            "M_NOT_FOUND",
            "nothing created for dave"
        );
        let taken = desk
            .add_user(&new_user("bob"))
            .await
            .expect_err("bob exists");
        assert!(matches!(taken, SeatsError::UserExists { .. }), "{taken:?}");
        let bad = desk
            .add_user(&new_user("Eve Smith"))
            .await
            .expect_err("not a user name");
        assert!(matches!(bad, SeatsError::InvalidInput(_)), "{bad:?}");

        // Deactivating frees a seat; the homeserver agrees.
        let gone = desk
            .deactivate(&id("carol"), false)
            .await
            .expect("carol is deactivated");
        assert!(gone.user.deactivated && !gone.user.holds_seat);
        assert_eq!((gone.ledger.accounts, gone.ledger.free), (2, 1));
        assert_eq!(
            stack.admin.user_details(&id("carol")).await["deactivated"],
            true
        );
        assert_eq!(
            login(&stack.synapse.url, "carol", &password).await.err(),
            Some(403),
            "a deactivated user cannot sign in"
        );

        self.reactivates_within_the_seats().await
    }

    /// Returns erin's generated password.
    async fn reactivates_within_the_seats(&self) -> String {
        let (stack, desk) = (self.stack, self.desk);
        let id = |local: &str| self.id(local);
        // Reactivating needs a free seat: take it with erin first.
        let erin = desk
            .add_user(&new_user("erin"))
            .await
            .expect("erin takes the free seat");
        let refused = desk
            .reactivate(&id("carol"), Some("carol's new password".into()))
            .await
            .expect_err("no seat for carol");
        assert!(
            matches!(refused, SeatsError::NoSeatFree { .. }),
            "{refused:?}"
        );
        assert_eq!(
            stack.admin.user_details(&id("carol")).await["deactivated"],
            true,
            "carol stays deactivated"
        );
        desk.deactivate(&id("bob"), true)
            .await
            .expect("bob goes, erased");
        let bob = stack.admin.user_details(&id("bob")).await;
        assert_eq!(
            (&bob["deactivated"], &bob["erased"]),
            (&serde_json::json!(true), &serde_json::json!(true)),
            "the homeserver has bob deactivated and erased: {bob}"
        );
        let back = desk
            .reactivate(&id("carol"), Some("carol's new password".into()))
            .await
            .expect("carol is back");
        assert!(
            back.password.is_none(),
            "a typed password is not echoed back"
        );
        assert!(!back.user.deactivated && back.user.holds_seat);
        login(&stack.synapse.url, "carol", "carol's new password")
            .await
            .expect("carol signs in with the typed password");
        erin.password
            .expect("erin's generated password")
            .expose()
            .to_owned()
    }

    async fn resets_passwords_and_ends_sessions(&self, erin_password: &str) {
        let (stack, desk) = (self.stack, self.desk);
        let id = |local: &str| self.id(local);
        // Resetting a password signs the user out everywhere; the new one works.
        let (erin_token, erin_device) = login(&stack.synapse.url, "erin", erin_password)
            .await
            .expect("erin signs in");
        let sessions = desk.sessions(&id("erin")).await.expect("erin's sessions");
        assert!(
            sessions.iter().any(|s| s.device_id == erin_device),
            "{sessions:?}"
        );
        let reset = desk
            .reset_password(&id("erin"), None)
            .await
            .expect("a new password for erin");
        let new_password = reset
            .password
            .expect("generated and shown")
            .expose()
            .to_owned();
        assert_eq!(
            whoami(&stack.synapse.url, &erin_token).await.err(),
            Some(401),
            "the old session is gone"
        );
        login(&stack.synapse.url, "erin", &new_password)
            .await
            .expect("the new password works");
        assert!(
            login(&stack.synapse.url, "erin", erin_password)
                .await
                .is_err(),
            "the old password does not"
        );

        // Sessions: sign out one, then all.
        let (_, second) = login(&stack.synapse.url, "erin", &new_password)
            .await
            .expect("a second session");
        let before = desk.sessions(&id("erin")).await.expect("sessions");
        assert_eq!(before.len(), 2, "{before:?}");
        let left = desk
            .sign_out_sessions(&id("erin"), Some(&second))
            .await
            .expect("one signed out");
        assert_eq!(left.len(), 1);
        assert!(left.iter().all(|s| s.device_id != second));
        let none = desk
            .sign_out_sessions(&id("erin"), None)
            .await
            .expect("all signed out");
        assert!(none.is_empty(), "{none:?}");
        assert!(
            stack.admin.devices(&id("erin")).await.is_empty(),
            "the homeserver agrees"
        );
    }

    async fn grants_and_revokes_admin(&self) {
        let (core, stack, target, desk) = (self.core, self.stack, self.target, self.desk);
        let id = |local: &str| self.id(local);
        // Server admin: granted and revoked, read back.
        let granted = desk
            .set_admin(&id("erin"), true, false, false)
            .await
            .expect("erin is made admin");
        assert!(granted.user.admin);
        assert_eq!(stack.admin.user_details(&id("erin")).await["admin"], true);
        let revoked = desk
            .set_admin(&id("erin"), false, false, false)
            .await
            .expect("revoked: another admin remains");
        assert!(!revoked.user.admin);
        assert_eq!(stack.admin.user_details(&id("erin")).await["admin"], false);

        // One's own rights: the homeserver never allows it, so the app says what to do instead.
        let own = desk
            .set_admin(&stack.synapse.admin_user, false, true, true)
            .await
            .expect_err("one's own rights");
        assert!(
            matches!(own, SeatsError::InvalidInput(ref m) if m.contains("another admin")),
            "{own:?}"
        );
        assert_eq!(
            stack.admin.user_details(&stack.synapse.admin_user).await["admin"],
            true,
            "nothing changed"
        );

        // Another account signed in on this computer: a second yes, naming the consequence.
        sign_in_to_matrix(core, stack, "carol", "carol's new password", None).await;
        core.set_seat_admin(target, &id("carol"), true, false)
            .await
            .expect("carol is made admin");
        let asked = core
            .set_seat_admin(target, &id("carol"), false, false)
            .await
            .expect_err("carol is signed in here");
        let SeatsError::ConfirmConsequence(consequence) = asked else {
            panic!("a consequence to confirm: {asked:?}")
        };
        assert!(
            consequence.contains("signed in on this computer"),
            "{consequence}"
        );
        assert_eq!(
            stack.admin.user_details(&id("carol")).await["admin"],
            true,
            "nothing changed before the second yes"
        );
        let done = core
            .set_seat_admin(target, &id("carol"), false, true)
            .await
            .expect("revoked after the second yes");
        assert!(!done.user.admin);
        assert_eq!(stack.admin.user_details(&id("carol")).await["admin"], false);
    }

    async fn counts_a_registration_token(&self) {
        let (core, stack, target, desk) = (self.core, self.stack, self.target, self.desk);
        let id = |local: &str| self.id(local);
        // A registration token made here is used by a real registration, and counted. Free seats
        // are 0, so a token of two uses is flagged.
        desk.deactivate(&id("erin"), false)
            .await
            .expect("a seat for the newcomer");
        let tokens = desk
            .create_token(&NewRegistrationToken {
                uses_allowed: Some(2),
                expiry_ms: None,
            })
            .await
            .expect("a token");
        assert_eq!((tokens.tokens.len(), tokens.free), (1, 1));
        let token = tokens.tokens[0].clone();
        assert!(token.exceeds_free, "two uses, one free seat: {token:?}");
        let progress = core
            .creation
            .start(
                &core.matrix,
                NewAccount::new(
                    stack.synapse.url.clone(),
                    "frank".into(),
                    "frank's password 1".into(),
                    None,
                ),
            )
            .await
            .expect("frank starts registering");
        assert_eq!(progress.step, RegistrationStep::Token);
        core.creation
            .submit_token(&progress.id, &token.token, &core.matrix)
            .await
            .expect("frank registers with the token");
        let tokens = desk.tokens().await.expect("tokens");
        assert_eq!(
            (tokens.tokens[0].completed, tokens.free),
            (1, 0),
            "the use is counted, and frank holds a seat"
        );
        let (ids, ledger) = load_all(core, target).await;
        assert!(ids.contains(&id("frank")), "{ids:?}");
        assert_eq!((ledger.accounts, ledger.free), (3, 0));
        let none = desk.revoke_token(&token.token).await.expect("revoked");
        assert!(none.tokens.is_empty(), "{:?}", none.tokens);
    }

    async fn raises_seats_and_survives_an_outage(&self, ems: &str) {
        let (core, stack, target, desk) = (self.core, self.stack, self.target, self.desk);
        // Wait past the access token's lifetime: the next requests refresh it.
        tokio::time::sleep(std::time::Duration::from_secs(11)).await;
        // Raising seats through EMS is read back from EMS, and the ledger follows.
        core.ems
            .control_panel(ems)
            .expect("the panel")
            .raise_seats(&stack.subscription_id, 5)
            .await
            .expect("seats raised");
        let entry = only_subscription(core).await;
        assert_eq!(entry.seats, 5);
        let at_ems = stack
            .sandbox
            .store()
            .subscription(&stack.sandbox.user(EMAIL).id, &stack.subscription_id)
            .expect("the sandbox's record")
            .expect("exists");
        let ems_api::Subscription::HostedHomeserver(hosted) = at_ems else {
            panic!("hosted: {at_ems:?}")
        };
        assert_eq!(hosted.seats, 5, "EMS has the new seats");
        let ledger = desk.ledger();
        assert_eq!((ledger.seats_paid, ledger.free), (5, 2), "{ledger:?}");

        // The homeserver stops mid-list: an error, and the rows loaded so far stay.
        let first = core
            .seats
            .load_page(target, true)
            .await
            .expect("the first page");
        assert_eq!(first.loaded, 1);
        stack.synapse.stop();
        let down = core
            .seats
            .load_page(target, false)
            .await
            .expect_err("the homeserver is down");
        assert!(matches!(down, SeatsError::Unreachable { .. }), "{down:?}");
        assert!(
            down.to_string()
                .contains("Check that the homeserver is running"),
            "{down}"
        );
        let kept = desk.ledger();
        assert!(
            !kept.complete && kept.accounts == 1,
            "the loaded row is kept: {kept:?}"
        );
        stack.synapse.start_again();
        let resumed = core
            .seats
            .load_page(target, false)
            .await
            .expect("loading resumes");
        assert_eq!(resumed.loaded, 2, "the next page joins the kept one");
    }
}

/// A users file in Ketesa's columns with every kind of row, planned and imported against the
/// real homeserver and its seats; the export read back; a run interrupted by the homeserver
/// stopping, resumed by importing the same file again; each row in the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_imports_a_users_file_within_the_seats() {
    let stack = stack().await;
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let server = stack.synapse.server_name.clone();
    let ems = sign_in_to_ems(&core, &stack).await;
    sign_in_to_matrix(
        &core,
        &stack,
        &stack.synapse.admin_user,
        &stack.synapse.admin_password,
        None,
    )
    .await;
    only_subscription(&core).await;
    let target = SeatsTarget {
        ems_account: ems.clone(),
        subscription_id: stack.subscription_id.clone(),
    };
    let desk = core.seats.desk(&target).expect("the desk");
    desk.add_user(&new_user("old")).await.expect("old is added");

    let case = ImportCase {
        core: &core,
        stack: &stack,
        ems: &ems,
        desk: &desk,
        server,
        data: data.path(),
    };
    let file = planned_exactly(&case).await;
    let dee_password = created_once_raised(&case, &file).await;
    exported_and_audited(&case, &dee_password).await;
    interrupted_and_resumed(&core, &stack, &ems, &desk).await;
}

/// What the import steps share.
struct ImportCase<'a> {
    core: &'a Accounts,
    stack: &'a Stack,
    ems: &'a str,
    desk: &'a Arc<accounts_core::seats::Desk>,
    server: String,
    data: &'a std::path::Path,
}

/// Every kind of row, planned exactly; nothing is created when it does not fit. Returns the file.
async fn planned_exactly(case: &ImportCase<'_>) -> String {
    let (stack, desk) = (case.stack, case.desk);
    let server = &case.server;
    let id = |local: &str| format!("@{local}:{server}");
    let (ann, ben, old, robot, dee) = (id("ann"), id("ben"), id("old"), id("robot"), id("dee"));
    // Every column of the format, upper-case headers, a byte-order mark, CRLF, one unknown
    // column; three seats paid, two taken (the admin, old).
    let file = format!(
        "\u{feff}ID,DisplayName,Password,Admin,Is_Guest,Deactivated,Avatar_URL,User_Type,Threepids,Team\r\n\
         ann,Ann,ann's own password,no,,,,,email:ann@example.org,a\r\n\
         @ben:{server},Ben,,,,,mxc://example.org/ben,,,b\r\n\
         ann,Ann twice,,,,,,,,a\r\n\
         old,Old,,,,,,,,c\r\n\
         Bad Name,Bad,,,,,,,,d\r\n\
         @far:other.org,Far,,,,,,,,e\r\n\
         cat,Cat,,perhaps,,,,,,f\r\n\
         gus,Gus,,,yes,,,,,g\r\n\
         dot,Dot,,,,1,,,,h\r\n\
         robot,Robot,,,,,,bot,,i\r\n\
         dee,Dee,,TRUE,,,,,\"email:dee@example.org,msisdn:447700900123\",j\r\n"
    );
    let plan = desk.plan_import(file.as_bytes()).await.expect("the plan");
    let verdicts: Vec<(u32, &str, PlanVerdict)> = plan
        .rows
        .iter()
        .map(|r| (r.line, r.user.as_str(), r.verdict))
        .collect();
    let (cat, gus, dot) = (id("cat"), id("gus"), id("dot"));
    assert_eq!(
        verdicts,
        [
            (2, ann.as_str(), Create),
            (3, ben.as_str(), Create),
            (4, ann.as_str(), Invalid),
            (5, old.as_str(), Skip),
            (6, "Bad Name", Invalid),
            (7, "@far:other.org", Invalid),
            (8, "cat", Invalid),
            (9, gus.as_str(), Skip),
            (10, dot.as_str(), Skip),
            (11, robot.as_str(), Create),
            (12, dee.as_str(), Create),
        ]
    );
    let reason = |line: u32| {
        plan.rows
            .iter()
            .find(|r| r.line == line)
            .and_then(|r| r.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason(4).contains("line 2"), "{}", reason(4));
    assert!(reason(5).contains("exists"), "{}", reason(5));
    assert!(reason(6).contains("not a valid user name"), "{}", reason(6));
    assert!(reason(7).contains("other.org"), "{}", reason(7));
    assert!(reason(8).contains("'perhaps'"), "{}", reason(8));
    assert!(reason(9).contains("guest"), "{}", reason(9));
    assert!(reason(10).contains("deactivated"), "{}", reason(10));
    assert_eq!(plan.unknown_columns, ["team"]);
    assert_eq!(
        (
            plan.to_create,
            plan.seats_needed,
            plan.free,
            plan.fits,
            plan.fitting
        ),
        (4, 3, 1, false, 1),
        "four to create, the bot takes no seat, one seat is free: {plan:?}"
    );
    let before = stack.admin.total_users().await;
    let refused = desk.run_import(None).await.expect_err("it does not fit");
    assert!(
        matches!(refused, SeatsError::NoSeatFree { .. }),
        "{refused:?}"
    );
    assert_eq!(
        stack.admin.total_users().await,
        before,
        "nothing was created"
    );
    let _ = cat;

    file
}

/// With the seats raised, exactly the good rows are created; returns dee's generated password.
async fn created_once_raised(case: &ImportCase<'_>, file: &str) -> String {
    let (core, stack, ems, desk) = (case.core, case.stack, case.ems, case.desk);
    let server = &case.server;
    let id = |local: &str| format!("@{local}:{server}");
    let (ann, ben, robot, dee) = (id("ann"), id("ben"), id("robot"), id("dee"));
    // With the seats raised, exactly the good rows are created.
    core.ems
        .control_panel(ems)
        .expect("the panel")
        .raise_seats(&stack.subscription_id, 5)
        .await
        .expect("seats raised");
    only_subscription(core).await;
    let plan = desk.plan_import(file.as_bytes()).await.expect("the plan");
    assert!(plan.fits && plan.free == 3, "{plan:?}");
    let report = desk.run_import(None).await.expect("the run");
    assert_eq!(
        (
            report.created,
            report.skipped,
            report.failed,
            report.unknown
        ),
        (4, 7, 0, 0),
        "{report:?}"
    );
    let created: Vec<&str> = report
        .rows
        .iter()
        .filter(|r| r.outcome == RowOutcome::Created)
        .map(|r| r.user.as_str())
        .collect();
    assert_eq!(
        created,
        [ann.as_str(), ben.as_str(), robot.as_str(), dee.as_str()]
    );
    let generated: Vec<&str> = report
        .passwords
        .iter()
        .map(|p| p.user_id.as_str())
        .collect();
    assert_eq!(
        generated,
        [ben.as_str(), robot.as_str(), dee.as_str()],
        "ann's was in the file"
    );
    login(&stack.synapse.url, "ann", "ann's own password")
        .await
        .expect("ann signs in with the file's password");
    let dee_password = report.passwords[2].password.expose().to_owned();
    login(&stack.synapse.url, "dee", &dee_password)
        .await
        .expect("dee signs in with the generated password");
    let dee_details = stack.admin.user_details(&dee).await;
    assert_eq!(dee_details["admin"], true);
    let mut threepids = stack.admin.threepids(&dee).await;
    threepids.sort();
    assert_eq!(
        threepids,
        [
            ("email".to_owned(), "dee@example.org".to_owned()),
            ("msisdn".to_owned(), "447700900123".to_owned())
        ]
    );
    assert_eq!(stack.admin.user_details(&robot).await["user_type"], "bot");
    assert_eq!(
        stack.admin.user_details(&ben).await["avatar_url"],
        "mxc://example.org/ben"
    );
    let ledger = desk.recount().await.expect("the count");
    assert_eq!(
        (ledger.accounts, ledger.free),
        (5, 0),
        "the bot holds no seat: {ledger:?}"
    );

    dee_password
}

/// The generated passwords saved on request; the export re-imported; the audit log.
async fn exported_and_audited(case: &ImportCase<'_>, dee_password: &str) {
    let (desk, data) = (case.desk, case.data);
    let server = &case.server;
    let id = |local: &str| format!("@{local}:{server}");
    let (ann, ben, old, robot, dee) = (id("ann"), id("ben"), id("old"), id("robot"), id("dee"));
    // The generated passwords go to a file only when asked, private to the admin.
    let saved = data.join("passwords.csv");
    assert_eq!(desk.save_import_passwords(&saved).expect("saved"), 3);
    let text = std::fs::read_to_string(&saved).expect("the file");
    assert!(text.contains(dee_password));
    let mode = std::fs::metadata(&saved)
        .expect("file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // The export re-imports with every row skipped: deactivated rows say so first.
    desk.deactivate(&old, false)
        .await
        .expect("old is deactivated");
    let (exported, count) = desk.export().await.expect("the export");
    assert_eq!(count, 6, "admin, old, ann, ben, robot, dee");
    let exported = String::from_utf8(exported).expect("UTF-8");
    assert!(!exported.contains(dee_password) && !exported.contains("ann's own password"));
    assert!(
        exported.contains("email:dee@example.org") && exported.contains("msisdn:447700900123"),
        "{exported}"
    );
    let again = desk
        .plan_import(exported.as_bytes())
        .await
        .expect("the plan");
    assert_eq!(again.to_create, 0, "{again:?}");
    for row in &again.rows {
        let why = row.reason.as_deref().unwrap_or_default();
        let expected = if row.user == old {
            "deactivated"
        } else {
            "exists"
        };
        assert!(row.verdict == Skip && why.contains(expected), "{row:?}");
    }

    // Every row tried is in the audit log, and no password is.
    let audit = desk.audit_entries(None).expect("the audit log");
    let imported: Vec<&str> = audit
        .iter()
        .filter(|e| e.action == "import_row")
        .map(|e| e.target.as_str())
        .collect();
    assert_eq!(
        imported,
        [dee.as_str(), robot.as_str(), ben.as_str(), ann.as_str()],
        "newest first"
    );
    let log = std::fs::read_to_string(data.join(AUDIT_FILE)).expect("the log");
    assert!(!log.contains(dee_password) && !log.contains("ann's own password"));
    assert!(log.contains("\"action\":\"deactivate\""), "{log}");
}

/// An import the homeserver stops answering in the middle of: the report says what was done and
/// which row is unknown; importing the same file again resolves it and finishes.
async fn interrupted_and_resumed(
    core: &Accounts,
    stack: &Stack,
    ems: &str,
    desk: &Arc<accounts_core::seats::Desk>,
) {
    const ROWS: u32 = 40;
    core.ems
        .control_panel(ems)
        .expect("the panel")
        .raise_seats(&stack.subscription_id, 5 + ROWS)
        .await
        .expect("seats raised");
    only_subscription(core).await;
    let mut file = String::from("id,displayname\n");
    for n in 0..ROWS {
        let _ = writeln!(file, "batch{n},Batch {n}");
    }
    let plan = desk.plan_import(file.as_bytes()).await.expect("the plan");
    assert!(plan.fits && plan.to_create == ROWS, "{plan:?}");
    let run = tokio::spawn({
        let desk = Arc::clone(desk);
        async move { desk.run_import(None).await }
    });
    test_support::wait::wait_until(
        || {
            // This run's progress: the last run's figures were cleared by the plan.
            let progress = desk.import_progress();
            async move { progress.running && progress.done >= 3 }
        },
        std::time::Duration::from_mins(1),
        "a few rows are created",
    )
    .await;
    stack.synapse.stop();
    let report = run.await.expect("the run ends").expect("a report");
    let outcomes =
        |outcome: RowOutcome| report.rows.iter().filter(|r| r.outcome == outcome).count();
    assert_eq!(outcomes(RowOutcome::Unknown), 1, "{report:?}");
    let created = outcomes(RowOutcome::Created);
    assert!(created >= 2, "{report:?}");
    assert_eq!(
        created + 1 + outcomes(RowOutcome::NotAttempted),
        ROWS as usize,
        "each row is created, unknown or not attempted: {report:?}"
    );
    let unknown = report
        .rows
        .iter()
        .position(|r| r.outcome == RowOutcome::Unknown)
        .expect("the unknown row");
    assert_eq!(
        unknown, created,
        "the rows before the unknown one were created"
    );

    stack.synapse.start_again();
    let again = desk.plan_import(file.as_bytes()).await.expect("the plan");
    let existing = again.rows.iter().filter(|r| r.verdict == Skip).count();
    assert!(
        existing == created || existing == created + 1,
        "the unknown row is resolved: {again:?}"
    );
    let finished = desk.run_import(None).await.expect("the rerun");
    assert_eq!(
        finished.created as usize + existing,
        ROWS as usize,
        "{finished:?}"
    );
    assert_eq!(
        finished.failed + finished.unknown + finished.not_attempted,
        0
    );
    let unknown_entries = desk
        .audit_entries(None)
        .expect("the log")
        .into_iter()
        .filter(|e| e.result == AuditResult::Unknown)
        .count();
    assert_eq!(unknown_entries, 1, "the unknown row is logged as such");
}
