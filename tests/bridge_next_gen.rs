//! The Element One bridge where the Element One homeserver delegates its sign-in to this EMS as
//! its OAuth 2.0 authorization server (a real Synapse in `matrix_authentication_service` mode,
//! over https), with a cookie-keeping HTTP client as the browser and the real Secret Service:
//! one credential form submission and one consent click yield both sessions; the subscription
//! links the Matrix account; a deactivated Element One account leaves EMS signed in and keeps
//! nothing Matrix; signing out of both revokes the Matrix session at once.
//! Run under `dbus-run-session -- scripts/session-env`.

use accounts_core::bridge::{BridgeError, ElementOne, DEFAULT_BRIDGE_TIMEOUT, OAUTH_PATH};
use accounts_core::browser::Opener;
use accounts_core::matrix::{load_stored, SessionState};
use accounts_core::transport::extra_roots;
use accounts_core::vault::{AccountKind, Vault};
use accounts_core::Accounts;
use test_support::browser::{form, query_param, resolve, set_field, Answer, Browser, Player};
use test_support::next_gen::NextGenStack;
use test_support::sandbox::SandboxBuilder;
use test_support::synapse_admin::whoami;

const EMAIL: &str = "nadia@example.org";
const PASSWORD: &str = "nadia's long sandbox password";
const USERNAME: &str = "nadia";

/// The sandbox (with the app as a public client) as the authorization server of a Synapse in
/// `matrix_authentication_service` mode, which is also its Element One homeserver.
async fn stack() -> NextGenStack {
    NextGenStack::builder(
        SandboxBuilder::new()
            .user(EMAIL, "Nadia Next", Some(USERNAME), PASSWORD)
            .app_client(),
    )
    .hosting_element_one()
    .start()
    .await
}

fn accounts(stack: &NextGenStack, dir: &std::path::Path) -> Accounts {
    let roots = extra_roots(stack.ca_file()).expect("the test CA");
    Accounts::open(Some(dir), Vault::keyring(), Opener::new(None, None)).trusting(&roots)
}

/// The button on the EMS sign-in card: the subscription names the homeserver.
fn from_the_card(stack: &NextGenStack) -> ElementOne {
    ElementOne::new(stack.sandbox.issuer().to_owned(), None, None, None, None)
}

async fn play(browser: &Browser, start: &str) -> Answer {
    Player::new(EMAIL, PASSWORD).play(browser, start).await.1
}

fn credential_checks(stack: &NextGenStack) -> i64 {
    stack.sandbox.count_rows("credential_checks")
}

#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_form_and_one_consent_yield_both_sessions_through_oauth() {
    let stack = stack().await;
    let one = stack.sandbox.give_element_one(EMAIL, USERNAME).await;
    assert_eq!(
        one.matrix_id,
        format!("@{USERNAME}:{}", stack.synapse.server_name)
    );
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(&stack, data.path());

    let handoff = core
        .start_element_one(from_the_card(&stack), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("the bridge starts");
    assert!(
        handoff
            .url
            .starts_with(&stack.sandbox.url("oauth2/authorize")),
        "the browser goes to the EMS sign-in first: {}",
        handoff.url
    );
    let browser = Browser::trusting(stack.ca_file());
    let (result, page) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (ems, matrix) = result.unwrap_or_else(|e| panic!("both sessions: {e}; {}", page.body));
    assert!(
        page.body.contains("signed in to both"),
        "the tab ends on the bridge's page: {}",
        page.body
    );
    assert_eq!(
        credential_checks(&stack),
        1,
        "one credential form submission"
    );
    assert_eq!(
        browser.consents_given(),
        1,
        "one consent click, for the Matrix leg"
    );

    // Both sessions work, and the Matrix one is an OAuth 2.0 session with the app's device.
    core.ems
        .overview(&ems.id)
        .await
        .expect("the EMS API answers");
    assert_eq!(
        matrix.user_id, one.matrix_id,
        "the subscription's Matrix ID"
    );
    assert_eq!(
        matrix
            .subscription
            .as_ref()
            .map(|l| l.subscription_id.as_str()),
        Some(one.id.as_str()),
        "linked to the subscription"
    );
    let SessionState::SignedIn { device_id } = matrix.session.clone() else {
        panic!("the Matrix session is confirmed: {:?}", matrix.session);
    };
    assert!(device_id.starts_with("EA"), "the app's device: {device_id}");
    let (session, client_id) = load_stored(&core.vault, &matrix.id)
        .await
        .expect("keyring")
        .expect("the Matrix session is kept");
    assert!(client_id.is_some(), "kept as an OAuth 2.0 session");
    assert_eq!(
        whoami(&stack.synapse.url, &session.tokens.access_token).await,
        Ok((one.matrix_id.clone(), device_id.clone()))
    );

    // Signing out of both revokes the Matrix session on the server at once.
    core.sign_out_ems(&ems.id, true).await.expect("both");
    assert_eq!(
        whoami(&stack.synapse.url, &session.tokens.access_token)
            .await
            .err(),
        Some(401),
        "the bridged Matrix session was revoked"
    );
    assert!(
        load_stored(&core.vault, &matrix.id)
            .await
            .expect("keyring")
            .is_none(),
        "no Matrix session kept"
    );

    // Again on this computer, EMS signed out but the provider's browser session alive: no form,
    // a consent for each leg (the app is a public client), both sessions again.
    let handoff = core
        .start_element_one(from_the_card(&stack), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts again");
    let (result, page) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (ems, matrix) = result.unwrap_or_else(|e| panic!("both again: {e}; {}", page.body));
    assert_eq!(credential_checks(&stack), 1, "no second credential entry");
    assert_eq!(browser.consents_given(), 3);

    // EMS alone signed out, then the bridge again: only the Matrix account's session is kept,
    // as it was (no second session).
    core.sign_out_ems(&ems.id, false).await.expect("EMS only");
    let handoff = core
        .start_element_one(from_the_card(&stack), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts with Matrix signed in");
    let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (ems, again) = result.expect("both");
    assert_eq!(
        again.id, matrix.id,
        "the live Matrix session is the one kept"
    );

    // EMS signed in: the bridge runs only the Matrix leg, straight at the authorization server.
    core.remove(&matrix.id).await.expect("Matrix removed");
    let handoff = core
        .start_element_one(from_the_card(&stack), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts at the second leg");
    assert!(
        handoff.url.starts_with(stack.issuer()),
        "straight to the authorization server: {}",
        handoff.url
    );
    let back = query_param(&handoff.url, "redirect_uri").expect("a redirect_uri");
    assert!(back.ends_with(OAUTH_PATH), "{back}");
    let (result, page) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let (_, matrix) = result.unwrap_or_else(|e| panic!("Matrix again: {e}; {}", page.body));
    assert_eq!(matrix.user_id, one.matrix_id);
    core.remove(&matrix.id).await.expect("clean up Matrix");
    core.remove(&ems.id).await.expect("clean up EMS");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_element_one_account_keeps_nothing_matrix_and_ems_stays() {
    let stack = stack().await;
    stack.sandbox.give_element_one(EMAIL, USERNAME).await;
    let browser = Browser::trusting(stack.ca_file());

    // Nadia deactivates her Matrix account on the provider's account page.
    let first = tempfile::tempdir().expect("data dir");
    let core = accounts(&stack, first.path());
    let handoff = core
        .start_element_one(from_the_card(&stack), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    let (result, _) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    result.expect("both sessions");
    let page = browser
        .get(
            &stack
                .sandbox
                .as_url("account/?action=org.matrix.account_deactivate"),
        )
        .await;
    assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.body);
    let (action, mut fields) = form(&page.body);
    set_field(&mut fields, "confirm", USERNAME);
    let done = browser
        .post_form(&resolve(stack.issuer(), &action), &fields)
        .await;
    assert!(
        done.status.is_success() || done.status.is_redirection(),
        "{done:?}"
    );

    // On a new computer: EMS signs in, the authorization server refuses the Matrix leg.
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(&stack, data.path());
    let handoff = core
        .start_element_one(from_the_card(&stack), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("starts");
    let (result, page) = tokio::join!(core.finish_element_one(), play(&browser, &handoff.url));
    let err = result.expect_err("the Matrix leg is refused");
    assert!(matches!(err, BridgeError::Matrix { .. }), "{err:?}");
    let shown = err.to_string();
    assert!(
        shown.contains("access_denied") && shown.contains("signed in to EMS"),
        "the message says what the server said and what is kept: {shown}"
    );
    assert!(
        !page.body.contains("signed in to both"),
        "the tab does not claim success: {}",
        page.body
    );
    let ems = core
        .ems
        .signed_in_at(stack.sandbox.issuer())
        .expect("EMS stays signed in");
    core.ems
        .overview(&ems.id)
        .await
        .expect("the EMS session works");
    assert!(
        core.registry.of_kind(AccountKind::Matrix).is_empty(),
        "nothing Matrix kept"
    );
    stack.shutdown().await;
}
