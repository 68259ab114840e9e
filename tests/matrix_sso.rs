//! Matrix single sign-on against a real Synapse whose identity provider is the EMS sandbox, with
//! a cookie-keeping HTTP client playing the browser and the real Secret Service holding the
//! tokens: a new user (straight through, and through Synapse's username picker), the same user
//! again, cancel and timeout leaving nothing behind, and an SSO-only account confirming a device
//! deletion through the fallback page. Run under `dbus-run-session -- scripts/session-env`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use accounts_core::browser::Opener;
use accounts_core::matrix::{
    device_display_name, load_session, token_login, Confirmation, MatrixAccounts, MatrixError,
    PasswordChange, SessionState, SsoReauth, SsoSignIn, UiaChallenge, UiaStep, DEFAULT_SSO_TIMEOUT,
    STORES_DIR,
};
use accounts_core::vault::{
    AccountKind, AccountRecord, AccountRegistry, Registry, Secret, SubscriptionLink, Vault,
};
use matrix_sdk::ruma::OwnedDeviceId;
use reqwest::StatusCode;
use test_support::browser::{
    form, link_to, query_param, resolve, set_field, Answer, Browser, Player,
};
use test_support::sandbox::SandboxBuilder;
use test_support::sso::SsoStack;
use test_support::synapse_admin::{whoami, Admin};
use test_support::{free_port, wait_until};

const PASSWORD: &str = "a long sandbox password";

/// A sandbox user: (email, display name, preferred_username).
const BOB: (&str, &str, &str) = ("bob@example.org", "Bob Sso", "bob.sso");
const CAROL: (&str, &str, &str) = ("carol@example.org", "Carol Picks", "carol.ignored");
const DAVE: (&str, &str, &str) = ("dave@example.org", "Dave Devices", "dave");

/// The EMS sandbox as identity provider and a Synapse that trusts it twice: `oidc-ems` maps the
/// user name from `preferred_username`; `oidc-pick` maps none, so Synapse's username picker asks.
/// No redirect is whitelisted, so Synapse shows its "Continue to your account" page every time.
async fn fixture() -> SsoStack {
    let sandbox = [BOB, CAROL, DAVE]
        .into_iter()
        .fold(SandboxBuilder::new(), |sandbox, (email, name, username)| {
            sandbox.user(email, name, Some(username), PASSWORD)
        });
    SsoStack::builder(sandbox)
        .idp_asking_for_a_username("pick", "EMS (choose a name)")
        .start()
        .await
}

/// What the user does in the browser.
struct User<'a> {
    email: &'a str,
    /// The user name to choose on Synapse's picker, if it asks.
    pick: Option<&'a str>,
}

/// Plays the user in the browser from `start`, through the homeserver, the sandbox's sign-in
/// form, the username picker and the "Continue" page, until the browser is sent to an address
/// starting with `stop` (which is then visited), or a page offers nothing more to do. Returns the
/// last URL visited and its answer.
async fn play(browser: &Browser, start: &str, user: &User<'_>, stop: &str) -> (String, Answer) {
    Player::new(user.email, PASSWORD)
        .picking(user.pick)
        .until(stop)
        .every_page_ok()
        .play(browser, start)
        .await
}

struct App {
    data: tempfile::TempDir,
    registry: Registry,
    accounts: MatrixAccounts,
    vault: Vault,
}

impl App {
    fn new() -> Self {
        let data = tempfile::tempdir().expect("data dir");
        let vault = Vault::keyring();
        let registry = Registry::from(AccountRegistry::open(data.path()).expect("registry"));
        let accounts = MatrixAccounts::new(
            data.path().join(STORES_DIR),
            vault.clone(),
            registry.clone(),
            Opener::new(None, None),
        );
        Self {
            data,
            registry,
            accounts,
            vault,
        }
    }

    fn stores(&self) -> PathBuf {
        self.data.path().join(STORES_DIR)
    }

    /// Nothing at all was kept: no account, no store.
    fn assert_nothing_kept(&self, why: &str) {
        assert!(self.accounts.list().is_empty(), "{why}: no account");
        let stores = std::fs::read_dir(self.stores()).map_or(0, Iterator::count);
        assert_eq!(stores, 0, "{why}: no store folder");
    }
}

fn request(
    fixture: &SsoStack,
    idp: &str,
    account_id: Option<String>,
    timeout: Duration,
) -> SsoSignIn {
    SsoSignIn {
        homeserver: fixture.synapse.url.clone(),
        idp_id: Some(format!("oidc-{idp}")),
        account_id,
        subscription: None,
        timeout,
    }
}

/// One whole SSO sign-in: begin, the browser plays `user`, finish. Returns the result and the
/// page the browser ended on.
async fn sso_sign_in(
    app: &App,
    fixture: &SsoStack,
    browser: &Browser,
    idp: &str,
    account_id: Option<String>,
    user: &User<'_>,
) -> (
    Result<accounts_core::matrix::MatrixAccountView, MatrixError>,
    String,
) {
    let url = app
        .accounts
        .begin_sso_sign_in(request(fixture, idp, account_id, DEFAULT_SSO_TIMEOUT))
        .await
        .expect("SSO starts")
        .url;
    let redirect = query_param(url.as_str(), "redirectUrl").expect("a redirectUrl");
    assert!(
        url.as_str().starts_with(&format!(
            "{}/_matrix/client/v3/login/sso/redirect/oidc-{idp}?",
            fixture.synapse.url
        )),
        "the browser goes to the homeserver's SSO redirect for the provider: {url}"
    );
    assert!(
        redirect.starts_with("http://127.0.0.1:") && query_param(&redirect, "state").is_some(),
        "the return address is the loopback listener with the flow's state: {redirect}"
    );
    let stop = redirect.split('?').next().unwrap_or_default().to_owned();
    let (result, (_, page)) = tokio::join!(
        app.accounts.finish_sso_sign_in(),
        play(browser, url.as_str(), user, &stop)
    );
    (result, page.body)
}

// One journey over one Synapse: signing in again needs the first sign-in's account.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_signs_in_a_new_user_the_same_user_again_and_one_who_picks_a_name() {
    let fixture = fixture().await;
    let app = App::new();
    let bob = User {
        email: BOB.0,
        pick: None,
    };

    // A new Matrix user, created by the first SSO sign-in.
    let browser = Browser::new();
    let (result, page) = sso_sign_in(&app, &fixture, &browser, "ems", None, &bob).await;
    let account = result.expect("Bob signs in through SSO");
    assert_eq!(
        account.user_id,
        format!("@{}:{}", BOB.2, fixture.synapse.server_name)
    );
    assert_eq!(account.homeserver, fixture.synapse.url);
    assert_eq!(
        account.display_name.as_deref(),
        Some(BOB.1),
        "the name claim became the display name"
    );
    let SessionState::SignedIn {
        device_id: first_device,
    } = account.session.clone()
    else {
        panic!("the server confirmed the session: {:?}", account.session);
    };
    assert!(
        page.contains("You can close this tab"),
        "the tab ends on the app's page: {page}"
    );
    let session = load_session(&app.vault, &account.id)
        .await
        .expect("keyring readable")
        .expect("the session is in the keyring");
    assert_eq!(
        whoami(&fixture.synapse.url, &session.tokens.access_token).await,
        Ok((account.user_id.clone(), first_device.clone())),
        "the kept token is the new session's"
    );
    let admin = Admin::sign_in(
        &fixture.synapse.url,
        &fixture.synapse.admin_user,
        &fixture.synapse.admin_password,
    )
    .await;
    let devices = admin.devices(&account.user_id).await;
    assert_eq!(
        devices,
        vec![(first_device.clone(), Some(device_display_name()))],
        "one session, named after this computer"
    );

    // Signed in already: a second SSO of the same user is refused and its session ended.
    let (again, _) = sso_sign_in(&app, &fixture, &browser, "ems", None, &bob).await;
    assert!(
        matches!(again, Err(MatrixError::AlreadySignedIn { .. })),
        "got {again:?}"
    );
    assert_eq!(
        admin.devices(&account.user_id).await.len(),
        1,
        "the refused sign-in's session was ended on the server"
    );

    // The same (now existing) user after signing out: same account, a new session. The sandbox
    // remembers the browser, so no form is shown this time.
    app.accounts.sign_out(&account.id).await.expect("sign out");
    let (result, page) = sso_sign_in(
        &app,
        &fixture,
        &browser,
        "ems",
        Some(account.id.clone()),
        &bob,
    )
    .await;
    let again = result.expect("Bob signs in again through SSO");
    assert_eq!(again.id, account.id, "the same account is signed in again");
    assert_eq!(
        again.user_id, account.user_id,
        "the existing Matrix user, not a new one"
    );
    assert!(
        matches!(&again.session, SessionState::SignedIn { device_id } if *device_id != first_device),
        "a new session: {:?}",
        again.session
    );
    assert!(page.contains("You can close this tab"), "{page}");
    assert_eq!(app.accounts.list().len(), 1, "still one account");

    // A new user whose provider maps no user name: Synapse's picker asks for one in the browser.
    let carol_browser = Browser::new();
    let carol = User {
        email: CAROL.0,
        pick: Some("carol.picked"),
    };
    let (result, page) = sso_sign_in(&app, &fixture, &carol_browser, "pick", None, &carol).await;
    let carol_account = result.expect("Carol signs in after picking a user name");
    assert_eq!(
        carol_account.user_id,
        format!("@carol.picked:{}", fixture.synapse.server_name),
        "the name chosen on the picker"
    );
    assert!(page.contains("You can close this tab"), "{page}");
    assert_eq!(app.accounts.list().len(), 2, "Bob and Carol side by side");

    for id in [account.id, carol_account.id] {
        app.accounts.remove(&id).await.expect("remove");
    }
    fixture.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_timeout_leave_no_account_behind() {
    let fixture = fixture().await;
    let app = App::new();
    let browser = Browser::new();
    let bob = User {
        email: BOB.0,
        pick: None,
    };

    // Cancelled while the user is at the identity provider: the way back is closed.
    let url = app
        .accounts
        .begin_sso_sign_in(request(&fixture, "ems", None, DEFAULT_SSO_TIMEOUT))
        .await
        .expect("SSO starts")
        .url;
    let redirect = query_param(url.as_str(), "redirectUrl").expect("a redirectUrl");
    let stop = redirect.split('?').next().unwrap_or_default().to_owned();
    let finish = app.accounts.finish_sso_sign_in();
    let cancel_then_play = async {
        let at_idp = browser.get(url.as_str()).await;
        assert!(
            at_idp.location.is_some(),
            "Synapse sends the browser to the provider"
        );
        app.accounts.cancel_sso_sign_in();
        // The user finishes anyway; the homeserver sends the browser back to a closed flow.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let result = tokio::time::timeout(Duration::from_secs(30), async {
            let mut url = at_idp.location.clone().unwrap_or_default();
            let mut answer = browser.get(&url).await;
            let (action, mut fields) = form(&answer.body);
            set_field(&mut fields, "email", bob.email);
            set_field(&mut fields, "password", PASSWORD);
            url = resolve(&url, &action);
            answer = browser.post_form(&url, &fields).await;
            let back = answer.location.clone().expect("back to Synapse");
            let page = browser.get(&back).await;
            link_to(&page.body, &back, &stop)
        })
        .await
        .expect("the browser steps answer");
        result.expect("Synapse offers the way back")
    };
    let (cancelled, back) = tokio::join!(finish, cancel_then_play);
    assert!(
        matches!(cancelled, Err(MatrixError::SsoCancelled)),
        "got {cancelled:?}"
    );
    let late = reqwest::Client::new().get(&back).send().await;
    assert!(
        late.is_err() || late.as_ref().is_ok_and(|r| r.status() != StatusCode::OK),
        "a callback after cancelling is refused: {late:?}"
    );
    app.assert_nothing_kept("after cancelling");

    // Nobody comes back: the timeout ends the flow and closes the port.
    let url = app
        .accounts
        .begin_sso_sign_in(request(&fixture, "ems", None, Duration::from_secs(1)))
        .await
        .expect("SSO starts")
        .url;
    let timed_out = app.accounts.finish_sso_sign_in().await;
    assert!(
        matches!(timed_out, Err(MatrixError::SsoTimedOut)),
        "got {timed_out:?}"
    );
    assert!(
        timed_out
            .as_ref()
            .err()
            .is_some_and(|e| e.to_string().contains("took too long")),
        "a message a person understands"
    );
    let redirect = query_param(url.as_str(), "redirectUrl").expect("a redirectUrl");
    assert!(
        reqwest::Client::new().get(&redirect).send().await.is_err(),
        "the listener's port is closed after the timeout"
    );
    app.assert_nothing_kept("after the timeout");

    // Finishing with nothing started is a clear error, not a hang.
    let nothing = app.accounts.finish_sso_sign_in().await;
    assert!(
        matches!(nothing, Err(MatrixError::SsoCancelled)),
        "got {nothing:?}"
    );

    fixture.shutdown().await;
}

// One journey: an SSO-only account needs two sessions before one can sign out the other.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sso_only_account_signs_out_another_session_through_the_fallback() {
    let fixture = fixture().await;
    let app = App::new();
    let browser = Browser::new();
    let dave = User {
        email: DAVE.0,
        pick: None,
    };

    // Dave's first session, as another computer would have it.
    let homeserver = url::Url::parse(&fixture.synapse.url).expect("url");
    let other_browser = Browser::new();
    let elsewhere = login_elsewhere(&fixture, &other_browser, &dave).await;

    // This computer's session, through the app.
    let (result, _) = sso_sign_in(&app, &fixture, &browser, "ems", None, &dave).await;
    let account = result.expect("Dave signs in here");
    assert_eq!(account.user_id, elsewhere.user_id, "the same SSO-only user");
    let client = app.accounts.client(&account.id).expect("a live client");
    let other: OwnedDeviceId = elsewhere.device_id.clone().into();

    // Deleting the other session asks for user-interactive auth, offering SSO only.
    let first = client
        .delete_devices(std::slice::from_ref(&other), None)
        .await
        .expect_err("deleting a device needs user-interactive auth");
    let info = first.as_uiaa_response().expect("a UIA answer");
    assert!(
        accounts_core::matrix::offers_sso(info),
        "an account without a password confirms with SSO: {info:?}"
    );
    let reauth = SsoReauth::new(&homeserver, &UiaChallenge::from_info(info))
        .expect("SSO re-authentication is offered")
        .with_interval(Duration::from_millis(300));
    let fallback = reauth.fallback_url().to_string();
    assert_eq!(
        fallback,
        format!(
            "{}/_matrix/client/v3/auth/m.login.sso/fallback/web?session={}",
            fixture.synapse.url,
            info.session.clone().expect("a session")
        )
    );
    let handle = reauth.handle();
    let refused = Arc::new(AtomicUsize::new(0));
    let retrying = tokio::spawn({
        let client = client.clone();
        let other = other.clone();
        let refused = Arc::clone(&refused);
        async move {
            reauth
                .complete(|auth| {
                    let client = client.clone();
                    let other = other.clone();
                    let refused = Arc::clone(&refused);
                    async move {
                        let answer = client.delete_devices(&[other], Some(auth)).await;
                        if answer.is_err() {
                            refused.fetch_add(1, Ordering::SeqCst);
                        }
                        answer
                    }
                })
                .await
        }
    });
    // Until the user has confirmed, the retries are refused and the other session lives on.
    wait_until(
        || async { refused.load(Ordering::SeqCst) >= 1 },
        Duration::from_secs(30),
        "the server refuses a retry before the user confirms",
    )
    .await;
    assert!(
        !retrying.is_finished(),
        "nothing is accepted before the user confirms"
    );
    assert!(
        whoami(&fixture.synapse.url, elsewhere.access_token.expose())
            .await
            .is_ok(),
        "the other session still works"
    );

    // The user confirms in the browser: the fallback page, the provider, Synapse's "Thank you".
    let (_, page) = play(
        &Browser::new(),
        &fallback,
        &dave,
        "http://127.0.0.1:1/never",
    )
    .await;
    assert!(
        page.body.contains("Thank you") || page.body.contains("close this window"),
        "the fallback ends on Synapse's own page: {}",
        page.body
    );
    handle.retry_now();
    let deleted = tokio::time::timeout(Duration::from_secs(20), retrying)
        .await
        .expect("the retry is accepted soon after the confirmation")
        .expect("task");
    assert!(deleted.is_ok(), "the device was deleted: {deleted:?}");
    assert_eq!(
        whoami(&fixture.synapse.url, elsewhere.access_token.expose()).await,
        Err(401),
        "the other session is signed out"
    );
    let SessionState::SignedIn { device_id } = app.accounts.check(&account.id).await else {
        panic!("this computer's session is untouched");
    };
    let admin = Admin::sign_in(
        &fixture.synapse.url,
        &fixture.synapse.admin_user,
        &fixture.synapse.admin_password,
    )
    .await;
    assert_eq!(
        admin
            .devices(&account.user_id)
            .await
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        vec![device_id.clone()],
        "only this computer's session is left"
    );

    // The same through the app's parked request, as the UI drives it: another session
    // elsewhere, its deletion parked, the user confirms in the browser and says so.
    let third = login_elsewhere(&fixture, &other_browser, &dave).await;
    let third_device: OwnedDeviceId = third.device_id.clone().into();
    let asked = client
        .delete_devices(std::slice::from_ref(&third_device), None)
        .await
        .expect_err("user-interactive auth again");
    refused.store(0, Ordering::SeqCst);
    let parked = app
        .accounts
        .park_sso_reauth(
            &homeserver,
            &UiaChallenge::from_info(asked.as_uiaa_response().expect("a UIA answer")),
            {
                let client = client.clone();
                let refused = Arc::clone(&refused);
                move |auth| {
                    let client = client.clone();
                    let third_device = third_device.clone();
                    let refused = Arc::clone(&refused);
                    async move {
                        let answer = client.delete_devices(&[third_device], Some(auth)).await;
                        if answer.is_err() {
                            refused.fetch_add(1, Ordering::SeqCst);
                        }
                        answer.map(|_| ())
                    }
                }
            },
        )
        .expect("the deletion is parked");
    let (finished, ()) = tokio::join!(
        tokio::time::timeout(Duration::from_mins(1), app.accounts.finish_sso_reauth()),
        async {
            // The parked request tries on its own every few seconds: wait for a refused try.
            wait_until(
                || async { refused.load(Ordering::SeqCst) >= 1 },
                Duration::from_secs(30),
                "the server refuses the parked request before the user confirms",
            )
            .await;
            assert!(
                whoami(&fixture.synapse.url, third.access_token.expose())
                    .await
                    .is_ok(),
                "nothing is deleted before the user confirms"
            );
            play(
                &Browser::new(),
                parked.as_str(),
                &dave,
                "http://127.0.0.1:1/never",
            )
            .await;
            app.accounts.sso_reauth_done();
        }
    );
    assert!(
        matches!(finished, Ok(Ok(()))),
        "the parked deletion completes once the user confirmed: {finished:?}"
    );
    assert_eq!(
        whoami(&fixture.synapse.url, third.access_token.expose()).await,
        Err(401),
        "the third session is signed out"
    );

    // A cancelled re-authentication does nothing.
    let own: OwnedDeviceId = device_id.clone().into();
    let again = client
        .delete_devices(std::slice::from_ref(&own), None)
        .await
        .expect_err("user-interactive auth again");
    app.accounts
        .park_sso_reauth(
            &homeserver,
            &UiaChallenge::from_info(again.as_uiaa_response().expect("a UIA answer")),
            {
                let client = client.clone();
                move |auth| {
                    let client = client.clone();
                    let own = own.clone();
                    async move { client.delete_devices(&[own], Some(auth)).await.map(|_| ()) }
                }
            },
        )
        .expect("parked");
    app.accounts.cancel_sso_reauth();
    let cancelled = app.accounts.finish_sso_reauth().await;
    assert!(
        matches!(cancelled, Err(MatrixError::ReauthCancelled)),
        "got {cancelled:?}"
    );
    assert_eq!(
        app.accounts.check(&account.id).await,
        SessionState::SignedIn { device_id },
        "the cancelled deletion left this session alone"
    );

    app.accounts.remove(&account.id).await.expect("remove");
    fixture.shutdown().await;
}

// One journey through the same core calls the app's commands make (`matrix_delete_devices`,
// `matrix_delete_devices_sso`, `matrix_deactivate_sso`, `uia_sso_*`): an SSO-only account is
// asked for SSO, has no password to change, cancels once, then signs out another session and
// deactivates itself, each confirmed on the fallback page in the browser.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sso_only_account_signs_out_a_session_and_deactivates_through_the_app() {
    let fixture = fixture().await;
    let app = App::new();
    let dave = User {
        email: DAVE.0,
        pick: None,
    };
    let elsewhere = login_elsewhere(&fixture, &Browser::new(), &dave).await;
    let (result, _) = sso_sign_in(&app, &fixture, &Browser::new(), "ems", None, &dave).await;
    let account = result.expect("Dave signs in here");
    let SessionState::SignedIn { device_id: own } = app.accounts.check(&account.id).await else {
        panic!("this computer's session is signed in");
    };
    let fallback_prefix = format!(
        "{}/_matrix/client/v3/auth/m.login.sso/fallback/web?session=",
        fixture.synapse.url
    );
    let alive = || async { whoami(&fixture.synapse.url, elsewhere.access_token.expose()).await };

    // The password path's first step shows what the server asks: SSO, no password.
    let step = app
        .accounts
        .delete_devices(
            &account.id,
            std::slice::from_ref(&elsewhere.device_id),
            Confirmation::None,
        )
        .await
        .expect("the first call answers a challenge");
    let UiaStep::AuthRequired { challenge } = step else {
        panic!("deleting a session needs user-interactive auth: {step:?}");
    };
    assert!(
        challenge.offers_sso() && !challenge.offers_password(),
        "an SSO-only account is asked for SSO, not a password: {challenge:?}"
    );

    // A password change is no thing for an account without a password: said plainly.
    let change = app
        .accounts
        .change_password(
            &account.id,
            PasswordChange {
                current: Secret::new("anything"),
                new: Secret::new("a brand new password"),
                sign_out_others: false,
            },
        )
        .await;
    assert!(
        matches!(change, Err(MatrixError::NoPassword)),
        "an SSO-only account has no password to change: {change:?}"
    );

    // Cancelling the SSO confirmation changes nothing.
    let UiaStep::Browser { url, .. } = app
        .accounts
        .delete_devices(
            &account.id,
            std::slice::from_ref(&elsewhere.device_id),
            Confirmation::SingleSignOn,
        )
        .await
        .expect("the deletion is parked")
    else {
        panic!("the server asks for a confirmation");
    };
    assert!(url.as_str().starts_with(&fallback_prefix), "{url}");
    app.accounts.cancel_sso_reauth();
    let cancelled = app.accounts.finish_sso_reauth().await;
    assert!(
        matches!(cancelled, Err(MatrixError::ReauthCancelled)),
        "got {cancelled:?}"
    );
    assert!(
        alive().await.is_ok(),
        "a cancelled sign-out signs nothing out"
    );

    // Signing out the other session, confirmed in the browser.
    let UiaStep::Browser { url, .. } = app
        .accounts
        .delete_devices(
            &account.id,
            std::slice::from_ref(&elsewhere.device_id),
            Confirmation::SingleSignOn,
        )
        .await
        .expect("the deletion is parked")
    else {
        panic!("the server asks for a confirmation");
    };
    let (finished, ()) = tokio::join!(
        tokio::time::timeout(Duration::from_mins(1), app.accounts.finish_sso_reauth()),
        async {
            // That retries are refused until the user confirms is shown above with a counting
            // attempt; here the parked deletion has deleted nothing before the browser is used.
            assert!(
                alive().await.is_ok(),
                "nothing is deleted before the user confirms"
            );
            let (_, page) = play(
                &Browser::new(),
                url.as_str(),
                &dave,
                "http://127.0.0.1:1/never",
            )
            .await;
            assert!(
                page.body.contains("Thank you") || page.body.contains("close this window"),
                "the fallback ends on Synapse's own page: {}",
                page.body
            );
            app.accounts.sso_reauth_done();
        }
    );
    assert!(
        matches!(finished, Ok(Ok(()))),
        "the sign-out completes once the user confirmed: {finished:?}"
    );
    assert_eq!(alive().await, Err(401), "the other session is signed out");
    let admin = Admin::sign_in(
        &fixture.synapse.url,
        &fixture.synapse.admin_user,
        &fixture.synapse.admin_password,
    )
    .await;
    assert_eq!(
        admin
            .devices(&account.user_id)
            .await
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        vec![own.clone()],
        "only this computer's session is left"
    );

    // Deactivation, confirmed in the browser; afterwards the account is gone from here too.
    let UiaStep::Browser { url, .. } = app
        .accounts
        .deactivate(&account.id, false, Confirmation::SingleSignOn)
        .await
        .expect("the deactivation is parked")
    else {
        panic!("the server asks for a confirmation");
    };
    assert!(url.as_str().starts_with(&fallback_prefix), "{url}");
    assert!(
        !admin.user_details(&account.user_id).await["deactivated"]
            .as_bool()
            .unwrap_or(true),
        "nothing is deactivated before the user confirms"
    );
    let (finished, ()) = tokio::join!(
        tokio::time::timeout(Duration::from_mins(1), app.accounts.finish_sso_reauth()),
        async {
            // No "done" this time: the gentle retries alone finish it.
            play(
                &Browser::new(),
                url.as_str(),
                &dave,
                "http://127.0.0.1:1/never",
            )
            .await;
        }
    );
    assert!(
        matches!(finished, Ok(Ok(()))),
        "the deactivation completes once the user confirmed: {finished:?}"
    );
    assert_eq!(
        admin.user_details(&account.user_id).await["deactivated"].as_bool(),
        Some(true),
        "the server deactivated the account"
    );
    app.assert_nothing_kept("after deactivation the account is removed from this computer");
    assert!(
        app.vault
            .get(&accounts_core::vault::SecretKey::new(
                &account.id,
                accounts_core::vault::SecretKind::MatrixSession
            ))
            .await
            .expect("the keyring answers")
            .is_none(),
        "no token is left in the keyring"
    );

    fixture.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sso_sign_in_from_a_subscription_links_the_account_to_it() {
    let fixture = fixture().await;
    let app = App::new();
    // The EMS account whose subscription the sign-in is opened from.
    app.registry
        .update(|r| {
            r.upsert(AccountRecord {
                id: "ems-1".to_owned(),
                kind: AccountKind::Ems,
                server: fixture.sandbox.issuer().to_owned(),
                user_id: "ems-subject".to_owned(),
                display_name: None,
                email: Some(BOB.0.to_owned()),
                subscription: None,
            })
        })
        .expect("the EMS account is registered");
    let link = SubscriptionLink {
        ems_account: "ems-1".to_owned(),
        subscription_id: "sub-hosted-1".to_owned(),
    };
    let mut sign_in = request(&fixture, "ems", None, DEFAULT_SSO_TIMEOUT);
    sign_in.subscription = Some(link.clone());
    let url = app
        .accounts
        .begin_sso_sign_in(sign_in)
        .await
        .expect("SSO starts")
        .url;
    let redirect = query_param(&url, "redirectUrl").expect("a redirectUrl");
    let stop = redirect.split('?').next().unwrap_or_default().to_owned();
    let bob = User {
        email: BOB.0,
        pick: None,
    };
    let browser = Browser::new();
    let (result, _) = tokio::join!(
        app.accounts.finish_sso_sign_in(),
        play(&browser, &url, &bob, &stop)
    );
    let account = result.expect("Bob signs in through SSO");
    assert_eq!(
        account.subscription.as_ref(),
        Some(&link),
        "the account is shown under its subscription"
    );
    let reopened = AccountRegistry::open(app.data.path()).expect("the registry on disk");
    assert_eq!(
        reopened
            .get(&account.id)
            .and_then(|r| r.subscription.clone()),
        Some(link),
        "the link is in the registry, as for password sign-in and registration"
    );
    fixture.shutdown().await;
}

/// A sign-in that never reaches a server: only the listener and the flow's bookkeeping run.
fn nowhere() -> SsoSignIn {
    SsoSignIn {
        homeserver: format!("http://127.0.0.1:{}", free_port()),
        idp_id: Some("oidc-ems".to_owned()),
        account_id: None,
        subscription: None,
        timeout: DEFAULT_SSO_TIMEOUT,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_sign_in_replaces_a_waiting_one() {
    let app = App::new();
    // A newer sign-in replaces one still waiting: the older ends as cancelled, and the newer
    // can still be cancelled (the older one's end must not take the newer one's cancel handle).
    let older = app
        .accounts
        .begin_sso_sign_in(nowhere())
        .await
        .expect("SSO starts")
        .url;
    let (older_result, newer) = tokio::join!(app.accounts.finish_sso_sign_in(), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.accounts
            .begin_sso_sign_in(nowhere())
            .await
            .expect("a newer SSO starts")
            .url
    });
    assert!(
        matches!(older_result, Err(MatrixError::SsoCancelled)),
        "got {older_result:?}"
    );
    assert_ne!(older, newer, "each flow has its own return address");
    let (newer_result, ()) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(20), app.accounts.finish_sso_sign_in()),
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            app.accounts.cancel_sso_sign_in();
        }
    );
    assert!(
        matches!(newer_result, Ok(Err(MatrixError::SsoCancelled))),
        "the newer flow is cancelled when the user asks: {newer_result:?}"
    );
    app.assert_nothing_kept("after a replaced and a cancelled sign-in");
}

/// A session of `user` made the way another computer would: SSO in its own browser, then
/// `m.login.token` by hand.
async fn login_elsewhere(
    fixture: &SsoStack,
    browser: &Browser,
    user: &User<'_>,
) -> accounts_core::matrix::LoginGrant {
    let done = "http://127.0.0.1:1/elsewhere";
    let mut url = format!(
        "{}/_matrix/client/v3/login/sso/redirect/oidc-ems?redirectUrl={}",
        fixture.synapse.url,
        url::form_urlencoded::byte_serialize(done.as_bytes()).collect::<String>()
    );
    let mut answer = browser.get(&url).await;
    let login_token = loop {
        if let Some(location) = answer.location.clone() {
            if location.starts_with(done) {
                break query_param(&location, "loginToken").expect("a login token");
            }
            url = resolve(&url, &location);
            answer = browser.get(&url).await;
        } else if answer.body.contains("name=\"password\"") {
            let (action, mut fields) = form(&answer.body);
            set_field(&mut fields, "email", user.email);
            set_field(&mut fields, "password", PASSWORD);
            url = resolve(&url, &action);
            answer = browser.post_form(&url, &fields).await;
        } else {
            let next = link_to(&answer.body, &url, done).expect("the Continue link");
            break query_param(&next, "loginToken").expect("a login token");
        }
    };
    token_login(
        &accounts_core::matrix::http_client(),
        &url::Url::parse(&fixture.synapse.url).expect("url"),
        &Secret::new(login_token),
        "Dave's other computer",
    )
    .await
    .expect("m.login.token")
}
