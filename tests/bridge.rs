//! The Element One bridge against the EMS sandbox and a real Synapse that trusts it for single
//! sign-on, with a cookie-keeping HTTP client as the browser and the real Secret Service: one
//! credential form submission yields both sessions, counted in the sandbox's sign-in history.
//! Run under `dbus-run-session -- scripts/session-env`.

use accounts_core::bridge::{BridgeError, ElementOne, DEFAULT_BRIDGE_TIMEOUT};
use accounts_core::browser::Opener;
use accounts_core::matrix::{load_session, PasswordSignIn, SessionState, STORES_DIR};
use accounts_core::vault::{AccountKind, SubscriptionLink, Vault};
use accounts_core::Accounts;
use reqwest::StatusCode;
use test_support::browser::{self, form, resolve, set_field, Answer, Browser, Player};
use test_support::sandbox::SandboxBuilder;
use test_support::sso::{SsoStack, IDP};
use test_support::synapse_admin::{whoami, Admin};

const EMAIL: &str = "olive@example.org";
const PASSWORD: &str = "olive's long sandbox password";
const USERNAME: &str = "olive";

struct Stack(SsoStack);

impl std::ops::Deref for Stack {
    type Target = SsoStack;

    fn deref(&self) -> &SsoStack {
        &self.0
    }
}

/// The sandbox (with the app as a public client and Synapse as a confidential one) and a
/// Synapse whose identity provider `oidc-ems` is the sandbox, mapping `preferred_username`.
/// This Synapse is also the Element One homeserver: its ID tokens carry the Element One user
/// name, which only matters once a user has such a subscription. `whitelisted` lets Synapse skip
/// its "Continue to your account" page for loopback returns.
async fn stack(whitelisted: bool) -> Stack {
    let builder = SsoStack::builder(
        SandboxBuilder::new()
            .user(EMAIL, "Olive Element", Some(USERNAME), PASSWORD)
            .app_client(),
    )
    .synapse_hosts_element_one();
    let stack = if whitelisted {
        builder.skip_continue_page().start().await
    } else {
        builder.start().await
    };
    Stack(stack)
}

impl Stack {
    /// Gives Olive an Element One subscription with the user name `username`, as EMS would.
    async fn element_one(&self, username: &str) -> ems_api::ElementOneSubscription {
        self.sandbox.give_element_one(EMAIL, username).await
    }

    /// How many times the sandbox checked a typed password, from its sign-in history.
    fn credential_checks(&self) -> i64 {
        self.sandbox.count_rows("credential_checks")
    }

    fn target(&self, link: Option<SubscriptionLink>) -> ElementOne {
        ElementOne {
            issuer: self.sandbox.issuer().to_owned(),
            homeserver: Some(self.synapse.url.clone()),
            idp_id: Some(IDP.to_owned()),
            matrix_id: Some(format!("@{USERNAME}:{}", self.synapse.server_name)),
            subscription: link,
        }
    }
}

/// Plays the user from `start` (the sandbox's sign-in form, its consent button when already
/// signed in, Synapse's "Continue" page) until a page offers nothing more. Returns the last
/// answer.
async fn play(browser: &Browser, start: &str) -> Answer {
    Player::new(EMAIL, PASSWORD).play(browser, start).await.1
}

fn accounts(dir: &std::path::Path) -> Accounts {
    Accounts::open(Some(dir), Vault::keyring(), Opener::new(None, None))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sign_in_yields_both_sessions_with_and_without_the_continue_page() {
    for whitelisted in [true, false] {
        let stack = stack(whitelisted).await;
        let data = tempfile::tempdir().expect("data dir");
        let core = accounts(data.path());
        let handoff = core
            .start_element_one(stack.target(None), DEFAULT_BRIDGE_TIMEOUT)
            .await
            .expect("the bridge starts");
        assert!(
            handoff
                .url
                .starts_with(&stack.sandbox.url("oauth2/authorize")),
            "the browser goes to the EMS sign-in first: {}",
            handoff.url
        );
        let browser = Browser::new();
        let (result, page) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
        let (ems, matrix) = result.expect("both sessions");
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("signed in to both"),
            "the tab ends on the bridge's page: {}",
            page.body
        );
        assert_eq!(
            stack.credential_checks(),
            1,
            "exactly one credential form submission (whitelisted: {whitelisted})"
        );

        // Both sessions work: an EMS API call, and Matrix whoami.
        let overview = core
            .ems
            .overview(&ems.id)
            .await
            .expect("the EMS API answers");
        assert_eq!(overview.account.email, EMAIL);
        let expected = format!("@{USERNAME}:{}", stack.synapse.server_name);
        assert_eq!(matrix.user_id, expected, "the subscription's Matrix ID");
        let SessionState::SignedIn { device_id } = matrix.session.clone() else {
            panic!("the Matrix session is confirmed: {:?}", matrix.session);
        };
        let session = load_session(&core.vault, &matrix.id)
            .await
            .expect("keyring")
            .expect("the Matrix session is kept");
        assert_eq!(
            whoami(&stack.synapse.url, &session.tokens.access_token).await,
            Ok((expected, device_id))
        );
        assert_eq!(core.registry.of_kind(AccountKind::Ems).len(), 1);
        assert_eq!(core.registry.of_kind(AccountKind::Matrix).len(), 1);
        core.remove(&matrix.id).await.expect("clean up Matrix");
        core.remove(&ems.id).await.expect("clean up EMS");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bridge_links_the_matrix_account_and_refuses_another_matrix_id() {
    let stack = stack(true).await;
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());

    // A subscription naming another Matrix ID: the homeserver signs in Olive, which is refused,
    // and her new device is signed out; EMS stays signed in.
    let mut wrong = stack.target(None);
    wrong.matrix_id = Some(format!("@someone-else:{}", stack.synapse.server_name));
    let handoff = core
        .start_element_one(wrong, DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    let browser = Browser::new();
    let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let err = result.expect_err("another Matrix ID is refused");
    assert!(
        matches!(err, BridgeError::WrongMatrixId { ref got, .. } if got.starts_with("@olive:")),
        "got {err:?}"
    );
    assert!(
        err.to_string().contains("@someone-else:"),
        "the message names both IDs: {err}"
    );
    assert!(
        core.registry.of_kind(AccountKind::Matrix).is_empty(),
        "nothing Matrix is kept"
    );
    let ems = core.registry.of_kind(AccountKind::Ems);
    assert_eq!(ems.len(), 1, "EMS stays signed in");

    // The right one, linked to its subscription. EMS is signed in already, so only the second
    // leg runs: the browser goes straight to the homeserver, and no password is typed.
    let link = SubscriptionLink {
        ems_account: ems[0].id.clone(),
        subscription_id: "eone-1".to_owned(),
    };
    let handoff = core
        .start_element_one(stack.target(Some(link.clone())), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts again");
    assert!(
        handoff.url.starts_with(&format!(
            "{}/_matrix/client/v3/login/sso/redirect/oidc-ems?",
            stack.synapse.url
        )),
        "with EMS signed in, the first page is the homeserver's SSO redirect: {}",
        handoff.url
    );
    let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (_, matrix) = result.expect("both sessions");
    assert_eq!(
        matrix.subscription.as_ref(),
        Some(&link),
        "linked to the subscription"
    );
    assert_eq!(
        stack.credential_checks(),
        1,
        "the second run typed no password"
    );
    let admin = Admin::sign_in(
        &stack.synapse.url,
        &stack.synapse.admin_user,
        &stack.synapse.admin_password,
    )
    .await;
    let devices = admin.devices(&matrix.user_id).await;
    assert_eq!(
        devices.len(),
        1,
        "the refused run's device was signed out; only the kept session is left: {devices:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_element_one_user_gets_the_subscriptions_matrix_id() {
    let stack = stack(true).await;
    // Olive's Element One user name is not her EMS user name: the homeserver must create the
    // subscription's account, which the provider names in the ID token it gives the homeserver.
    let one = stack.element_one("olive.one").await;
    let expected = format!("@olive.one:{}", stack.synapse.server_name);
    assert_eq!(one.matrix_id, expected);
    assert_eq!(
        one.sso_idp_id.as_deref(),
        Some("oidc-ems"),
        "the subscription names its provider"
    );
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let target = ElementOne {
        issuer: stack.sandbox.issuer().to_owned(),
        homeserver: Some(one.homeserver_url.clone()),
        idp_id: one.sso_idp_id.clone(),
        matrix_id: Some(one.matrix_id.clone()),
        subscription: None,
    };
    let handoff = core
        .start_element_one(target, DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("the bridge starts");
    let browser = Browser::new();
    let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (ems, matrix) = result.expect("both sessions");
    assert_eq!(
        matrix.user_id, expected,
        "the new account is the subscription's"
    );
    let admin = Admin::sign_in(
        &stack.synapse.url,
        &stack.synapse.admin_user,
        &stack.synapse.admin_password,
    )
    .await;
    assert_eq!(
        admin.user_details(&expected).await["name"],
        expected.as_str(),
        "the homeserver created it on this first sign-in"
    );
    assert_eq!(
        admin
            .user_details(&format!("@olive:{}", stack.synapse.server_name))
            .await["errcode"],
        "M_NOT_FOUND",
        "no account under the EMS user name"
    );
    core.remove(&matrix.id).await.expect("clean up Matrix");
    core.remove(&ems.id).await.expect("clean up EMS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_the_sign_in_card_the_subscription_names_the_homeserver() {
    let stack = stack(true).await;
    let unknown = || ElementOne::new(stack.sandbox.issuer().to_owned(), None, None, None, None);

    // No Element One subscription: EMS is signed in, and the bridge says what is missing.
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let handoff = core
        .start_element_one(unknown(), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts without knowing the homeserver");
    assert!(
        handoff
            .url
            .starts_with(&stack.sandbox.url("oauth2/authorize")),
        "{}",
        handoff.url
    );
    let browser = Browser::new();
    let (result, page) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let err = result.expect_err("no Element One subscription");
    assert!(matches!(err, BridgeError::NoElementOne { .. }), "{err:?}");
    assert!(
        err.to_string().contains("no Element One subscription"),
        "{err}"
    );
    assert!(
        page.body.contains("no Element One subscription yet"),
        "the tab says so too: {}",
        page.body
    );
    assert_eq!(
        core.registry.of_kind(AccountKind::Ems).len(),
        1,
        "EMS stays signed in"
    );
    assert!(core.registry.of_kind(AccountKind::Matrix).is_empty());

    // Once there is one, the same button runs only the second leg, for its Matrix ID.
    let one = stack.element_one(USERNAME).await;
    let handoff = core
        .start_element_one(unknown(), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts again");
    assert!(
        handoff
            .url
            .contains("/_matrix/client/v3/login/sso/redirect/oidc-ems?"),
        "EMS is signed in: straight to the homeserver named by the subscription: {}",
        handoff.url
    );
    let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (ems, matrix) = result.expect("both sessions");
    assert_eq!(matrix.user_id, one.matrix_id);
    assert_eq!(
        matrix
            .subscription
            .as_ref()
            .map(|l| l.subscription_id.as_str()),
        Some(one.id.as_str()),
        "linked to the subscription the EMS account named"
    );
    core.remove(&matrix.id).await.expect("clean up Matrix");
    core.remove(&ems.id).await.expect("clean up EMS");

    // A new computer: one click, one form, both sessions.
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let before = stack.credential_checks();
    let handoff = core
        .start_element_one(unknown(), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    let fresh = Browser::new();
    let (result, page) = tokio::join!(core.finish_element_one(), play(&fresh, &handoff.url));
    let (_, matrix) = result.expect("both sessions from one form");
    assert_eq!(matrix.user_id, one.matrix_id);
    assert!(page.body.contains("signed in to both"), "{}", page.body);
    assert_eq!(stack.credential_checks(), before + 1, "one credential form");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_of_ems_keeps_or_ends_the_bridged_matrix_session() {
    let stack = stack(true).await;
    let one = stack.element_one(USERNAME).await;
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let browser = Browser::new();
    let bridge = || async {
        let target = ElementOne::new(stack.sandbox.issuer().to_owned(), None, None, None, None);
        let handoff = core
            .start_element_one(target, DEFAULT_BRIDGE_TIMEOUT)
            .await
            .expect("starts");
        let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
        result.expect("both sessions")
    };
    let token_of = |id: String| {
        let vault = core.vault.clone();
        async move {
            load_session(&vault, &id)
                .await
                .expect("keyring")
                .expect("a session")
                .tokens
                .access_token
        }
    };

    // EMS only: the Matrix session is a separate one, and stays.
    let (ems, matrix) = bridge().await;
    let bridged: Vec<_> = core
        .bridged_matrix(&ems.id)
        .await
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(
        bridged,
        std::slice::from_ref(&matrix.id),
        "the Element One account is bridged"
    );
    assert_eq!(matrix.user_id, one.matrix_id);
    core.sign_out_ems(&ems.id, false).await.expect("EMS only");
    let token = token_of(matrix.id.clone()).await;
    assert!(
        whoami(&stack.synapse.url, &token).await.is_ok(),
        "the Matrix session is still live"
    );

    // Both: EMS signed in again (no Matrix sign-in: it is signed in), then both end.
    let (ems, matrix) = bridge().await;
    let token = token_of(matrix.id.clone()).await;
    core.sign_out_ems(&ems.id, true).await.expect("both");
    assert_eq!(
        whoami(&stack.synapse.url, &token).await.err(),
        Some(401),
        "the bridged Matrix session was ended on the homeserver"
    );
    assert!(
        core.ems.signed_in_at(stack.sandbox.issuer()).is_none(),
        "EMS is signed out"
    );
}

/// Signs Olive in to EMS alone, so that the next bridge runs only its second leg.
async fn ems_only(core: &Accounts, stack: &Stack, browser: &Browser) {
    let handoff = core
        .ems
        .start_sign_in(stack.sandbox.issuer())
        .await
        .expect("the EMS sign-in starts");
    let (signed_in, _) = tokio::join!(core.ems.finish_sign_in(), play(browser, &handoff.url));
    signed_in.expect("EMS is signed in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_that_never_comes_back_leaves_ems_signed_in_and_says_why() {
    let stack = stack(true).await;
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    ems_only(&core, &stack, &Browser::new()).await;
    core.start_element_one(stack.target(None), std::time::Duration::from_secs(2))
        .await
        .expect("starts");
    // Nobody opens the address: the tab was closed, or the homeserver showed a page instead.
    let err = core
        .finish_element_one()
        .await
        .expect_err("the browser never came back");
    assert!(
        matches!(
            err,
            BridgeError::MatrixNotReturned {
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("tab may have been closed") && shown.contains("deactivated account"),
        "the message names the likely causes: {shown}"
    );
    assert!(shown.contains("signed in to EMS"), "{shown}");
    assert_eq!(
        core.registry.of_kind(AccountKind::Ems).len(),
        1,
        "EMS stays"
    );
    assert!(
        core.registry.of_kind(AccountKind::Matrix).is_empty(),
        "nothing Matrix is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_state_is_refused_and_the_real_answer_still_completes() {
    let stack = stack(true).await;
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let browser = Browser::new();
    ems_only(&core, &stack, &browser).await;
    let handoff = core
        .start_element_one(stack.target(None), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    let redirect = browser::query_param(&handoff.url, "redirectUrl").expect("the way back");
    let mut stale = url::Url::parse(&redirect).expect("a URL");
    stale
        .query_pairs_mut()
        .clear()
        .append_pair("state", "from-an-older-sign-in")
        .append_pair("loginToken", "forged");
    let refused = reqwest::get(stale.as_str())
        .await
        .expect("the listener answers");
    assert_eq!(
        refused.status(),
        StatusCode::BAD_REQUEST,
        "a wrong state is refused"
    );
    let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (_, matrix) = result.expect("the real answer completes the bridge");
    assert!(matrix.user_id.starts_with("@olive:"), "{}", matrix.user_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_session_lost_between_the_legs_asks_again_and_completes() {
    let stack = stack(true).await;
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let handoff = core
        .start_element_one(stack.target(None), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    // The first browser signs in to EMS and is sent on to the homeserver; the rest happens in a
    // browser without the provider's session (cleared, or another profile).
    let first = Browser::new();
    let to_homeserver = async {
        let mut url = handoff.url.clone();
        let mut answer = first.get(&url).await;
        loop {
            if let Some(location) = answer.location.as_deref() {
                let next = resolve(&url, location);
                if url.contains("/ems?") {
                    return next;
                }
                url = next;
                answer = first.get(&url).await;
            } else {
                let (action, mut fields) = form(&answer.body);
                set_field(&mut fields, "email", EMAIL);
                set_field(&mut fields, "password", PASSWORD);
                url = resolve(&url, &action);
                answer = first.post_form(&url, &fields).await;
            }
        }
    };
    let second = Browser::new();
    let rest = async { play(&second, &to_homeserver.await).await };
    let (result, page) = tokio::join!(core.finish_element_one(), rest);
    let (_, matrix) = result.expect("both sessions after a second prompt");
    assert!(page.body.contains("signed in to both"), "{}", page.body);
    assert!(matrix.user_id.starts_with("@olive:"), "{}", matrix.user_id);
    assert_eq!(
        stack.credential_checks(),
        2,
        "the provider asked again once its session was gone"
    );
}

/// No Matrix account and no Matrix store were kept in `data`.
fn assert_nothing_matrix_kept(core: &Accounts, data: &std::path::Path, why: &str) {
    assert!(
        core.registry.of_kind(AccountKind::Matrix).is_empty(),
        "{why}: no Matrix account"
    );
    let stores = std::fs::read_dir(data.join(STORES_DIR)).map_or(0, Iterator::count);
    assert_eq!(stores, 0, "{why}: no Matrix store");
}

/// Gives Olive her Element One account through a first sign-in on another computer, then has
/// the homeserver's admin deactivate it.
async fn deactivate_after_a_first_sign_in(stack: &Stack) {
    let first = tempfile::tempdir().expect("data dir");
    let core = accounts(first.path());
    let handoff = core
        .start_element_one(stack.target(None), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    let first_browser = Browser::new();
    let (result, _) = tokio::join!(
        core.finish_element_one(),
        play(&first_browser, &handoff.url)
    );
    let (ems, matrix) = result.expect("both sessions");
    core.remove(&matrix.id).await.expect("clean up Matrix");
    core.remove(&ems.id).await.expect("clean up EMS");
    let admin = Admin::sign_in(
        &stack.synapse.url,
        &stack.synapse.admin_user,
        &stack.synapse.admin_password,
    )
    .await;
    admin.deactivate(&matrix.user_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_element_one_account_ends_on_the_homeservers_page_and_ems_stays() {
    let stack = stack(true).await;
    Box::pin(deactivate_after_a_first_sign_in(&stack)).await;

    // On a new computer: EMS signs in, and the homeserver answers the browser with its
    // deactivated-account page, which never comes back to the app: a timeout.
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let handoff = core
        .start_element_one(stack.target(None), std::time::Duration::from_secs(15))
        .await
        .expect("starts");
    let browser = Browser::new();
    let (result, page) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    assert_eq!(
        page.status,
        StatusCode::FORBIDDEN,
        "Synapse answers a deactivated account with a page, not a redirect: {}",
        page.body
    );
    assert!(
        page.body.to_lowercase().contains("deactivated"),
        "{}",
        page.body
    );
    let err = result.expect_err("the browser never came back");
    assert!(
        matches!(
            err,
            BridgeError::MatrixNotReturned {
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("tab may have been closed")
            && shown.contains("deactivated account")
            && shown.contains("signed in to EMS"),
        "the message names the likely causes and what is kept: {shown}"
    );
    let ems = core
        .ems
        .signed_in_at(stack.sandbox.issuer())
        .expect("EMS stays signed in");
    core.ems
        .overview(&ems.id)
        .await
        .expect("the EMS session works");
    assert_nothing_matrix_kept(&core, data.path(), "after the timeout");

    // Again, EMS signed in: the user sees the page and cancels in the app.
    let handoff = core
        .start_element_one(stack.target(None), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts again");
    let sees_the_page_and_cancels = async {
        let page = play(&browser, &handoff.url).await;
        core.cancel_element_one();
        page
    };
    let (result, page) = tokio::join!(core.finish_element_one(), sees_the_page_and_cancels);
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let err = result.expect_err("cancelled");
    assert!(
        matches!(
            err,
            BridgeError::MatrixNotReturned {
                timed_out: false,
                ..
            }
        ),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("cancelled") && shown.contains("deactivated"),
        "the message names the likely cause: {shown}"
    );
    assert!(
        core.ems.signed_in_at(stack.sandbox.issuer()).is_some(),
        "EMS stays signed in"
    );
    assert_nothing_matrix_kept(&core, data.path(), "after the cancel");
    assert_eq!(
        stack.credential_checks(),
        2,
        "one form on each computer, none for the second try"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_homeservers_username_picker_the_subscriptions_name_signs_in_another_is_refused(
) {
    // This homeserver maps no user name for `oidc-pick`: its picker asks for one. Pat picks
    // another name than his subscription's; Olive picks hers. (Each name, once picked, stays
    // bound to that EMS user on the homeserver: the picker never asks them again.)
    const PAT: &str = "pat@example.org";
    let stack = Stack(
        SsoStack::builder(
            SandboxBuilder::new()
                .user(EMAIL, "Olive Element", Some(USERNAME), PASSWORD)
                .user(PAT, "Pat Picks", Some("pat"), PASSWORD)
                .app_client(),
        )
        .synapse_hosts_element_one()
        .idp_asking_for_a_username("pick", "EMS (choose a name)")
        .skip_continue_page()
        .start()
        .await,
    );
    let admin = Admin::sign_in(
        &stack.synapse.url,
        &stack.synapse.admin_user,
        &stack.synapse.admin_password,
    )
    .await;
    let picking = |matrix_id: String| ElementOne {
        idp_id: Some("oidc-pick".to_owned()),
        matrix_id: Some(matrix_id),
        ..stack.target(None)
    };

    // Another name picked: refused, naming both, and that new account's device signed out.
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let expected = format!("@pat:{}", stack.synapse.server_name);
    let handoff = core
        .start_element_one(picking(expected.clone()), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    let picks_another = Player::new(PAT, PASSWORD).picking(Some("pat-other"));
    let browser = Browser::new();
    let (result, _) = tokio::join!(
        core.finish_element_one(),
        picks_another.play(&browser, &handoff.url)
    );
    let err = result.expect_err("another Matrix ID is refused");
    let other = format!("@pat-other:{}", stack.synapse.server_name);
    assert!(
        matches!(&err, BridgeError::WrongMatrixId { got, expected: want } if *got == other && *want == expected),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains(&other) && shown.contains(&expected),
        "the message names both IDs: {shown}"
    );
    assert_eq!(
        admin.devices(&other).await,
        Vec::new(),
        "the refused sign-in's device was signed out at once"
    );
    assert_nothing_matrix_kept(&core, data.path(), "after the refusal");
    assert_eq!(
        core.registry.of_kind(AccountKind::Ems).len(),
        1,
        "EMS stays"
    );

    // The subscription's name picked: the flow waits through the picker and signs it in.
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let expected = format!("@{USERNAME}:{}", stack.synapse.server_name);
    let handoff = core
        .start_element_one(picking(expected.clone()), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    let picks_the_right_one = Player::new(EMAIL, PASSWORD).picking(Some(USERNAME));
    let browser = Browser::new();
    let (result, _) = tokio::join!(
        core.finish_element_one(),
        picks_the_right_one.play(&browser, &handoff.url)
    );
    let (_, matrix) = result.expect("both sessions through the picker");
    assert_eq!(matrix.user_id, expected);
    assert_eq!(admin.devices(&expected).await.len(), 1, "one session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_element_one_account_signed_out_signs_in_again_through_the_bridge() {
    let stack = stack(true).await;
    let one = stack.element_one(USERNAME).await;
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let browser = Browser::new();
    let unknown = ElementOne::new(stack.sandbox.issuer().to_owned(), None, None, None, None);
    let handoff = core
        .start_element_one(unknown, DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (ems, matrix) = result.expect("both sessions");

    // Signed out of both: the account is still the subscription's Element One account, as the
    // EMS account's cache says (its server refuses a signed-out account).
    core.sign_out_ems(&ems.id, true)
        .await
        .expect("signed out of both");
    let again = core
        .element_one_of(&matrix.id)
        .await
        .expect("the Matrix account is an Element One account");
    assert_eq!(
        again,
        ElementOne {
            issuer: ems.issuer.clone(),
            homeserver: Some(one.homeserver_url.clone()),
            idp_id: one.sso_idp_id.clone(),
            matrix_id: Some(one.matrix_id.clone()),
            subscription: Some(SubscriptionLink {
                ems_account: ems.id.clone(),
                subscription_id: one.id.clone(),
            }),
        }
    );
    let handoff = core
        .start_element_one(again, DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    assert!(
        handoff
            .url
            .starts_with(&stack.sandbox.url("oauth2/authorize")),
        "EMS is signed out too: both legs, EMS first: {}",
        handoff.url
    );
    let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (_, signed_in) = result.expect("both sessions again");
    assert_eq!(signed_in.id, matrix.id, "the same account, signed in again");
    assert_eq!(core.registry.of_kind(AccountKind::Matrix).len(), 1);

    // Matrix signed out alone: only the second leg, and no form.
    core.matrix
        .sign_out(&matrix.id)
        .await
        .expect("Matrix signed out");
    let checks = stack.credential_checks();
    let again = core.element_one_of(&matrix.id).await.expect("Element One");
    let handoff = core
        .start_element_one(again, DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    assert!(
        handoff.url.starts_with(&format!(
            "{}/_matrix/client/v3/login/sso/redirect/",
            stack.synapse.url
        )),
        "EMS is signed in: straight to the homeserver: {}",
        handoff.url
    );
    let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (_, signed_in) = result.expect("signed in again");
    assert_eq!(signed_in.id, matrix.id);
    assert_eq!(stack.credential_checks(), checks, "no password typed");

    Box::pin(found_by_its_matrix_id_when_not_linked(
        &stack, &browser, &one,
    ))
    .await;
}

/// On a computer where Olive's account was signed in with a password (so not linked), it is
/// the subscription `one`'s Matrix ID on its homeserver: still Element One. Another account on
/// the same homeserver is not.
async fn found_by_its_matrix_id_when_not_linked(
    stack: &Stack,
    browser: &Browser,
    one: &ems_api::ElementOneSubscription,
) {
    let admin = Admin::sign_in(
        &stack.synapse.url,
        &stack.synapse.admin_user,
        &stack.synapse.admin_password,
    )
    .await;
    admin
        .create_user(&stack.synapse.server_name, USERNAME, PASSWORD)
        .await;
    let other_data = tempfile::tempdir().expect("data dir");
    let other = accounts(other_data.path());
    ems_only(&other, stack, browser).await;
    let with_password = |user: &str, password: &str| {
        PasswordSignIn::new(
            stack.synapse.url.clone(),
            user.to_owned(),
            password.to_owned(),
            None,
            None,
        )
    };
    let olive = other
        .matrix
        .sign_in(with_password(USERNAME, PASSWORD))
        .await
        .expect("Olive signs in with a password");
    assert_eq!(olive.subscription, None, "not linked");
    let found = other.element_one_of(&olive.id).await.expect("Element One");
    assert_eq!(found.matrix_id.as_deref(), Some(one.matrix_id.as_str()));
    assert_eq!(
        found.subscription.map(|l| l.subscription_id),
        Some(one.id.clone()),
        "the subscription naming that Matrix ID"
    );
    let admin_account = other
        .matrix
        .sign_in(with_password(
            &stack.synapse.admin_user,
            &stack.synapse.admin_password,
        ))
        .await
        .expect("the admin signs in");
    assert_eq!(
        other.element_one_of(&admin_account.id).await,
        None,
        "another account on the Element One homeserver is not the subscription's"
    );
}
