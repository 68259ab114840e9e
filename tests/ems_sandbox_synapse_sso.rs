//! A real Synapse trusts the EMS sandbox for single sign-on: `/login/sso/redirect` → the
//! sandbox's sign-in form → Synapse's callback → `loginToken` → `m.login.token`, and the Matrix
//! user is the sandbox user.

use reqwest::StatusCode;
use serde_json::{json, Value};
use test_support::browser::{form, query_param, set_field, Browser};
use test_support::sandbox::SandboxBuilder;
use test_support::sso::{SsoStack, IDP};

const EMAIL: &str = "bob@example.org";
const PASSWORD: &str = "a long sandbox password";
const DONE: &str = "http://127.0.0.1:1/done";

// One journey through two servers reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synapse_signs_a_sandbox_user_in_through_sso() {
    // Synapse fetches the sandbox's discovery document while starting, so the sandbox serves on
    // the runtime's other worker while this one waits for the start script.
    let stack = SsoStack::builder(SandboxBuilder::new().user(
        EMAIL,
        "Bob Sandbox",
        Some("bob.sandbox"),
        PASSWORD,
    ))
    .skip_continue_page()
    .start()
    .await;
    let (sandbox, server) = (&stack.sandbox, &stack.synapse);
    let callback = stack.callback();

    let browser = Browser::new();
    let start = format!(
        "{}/_matrix/client/v3/login/sso/redirect/{IDP}?redirectUrl={}",
        server.url,
        url::form_urlencoded::byte_serialize(DONE.as_bytes()).collect::<String>()
    );
    let to_idp = browser.get(&start).await;
    let authorize = to_idp
        .location
        .clone()
        .unwrap_or_else(|| panic!("Synapse redirects to the IdP: {to_idp:?}"));
    assert!(
        authorize.starts_with(&sandbox.url("oauth2/authorize")),
        "Synapse uses the sandbox's discovery: {authorize}"
    );
    assert_eq!(
        query_param(&authorize, "code_challenge_method").as_deref(),
        Some("S256"),
        "Synapse uses PKCE when offered"
    );

    let page = browser.get(&authorize).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the sandbox asks Bob to sign in: {page:?}"
    );
    let (action, mut fields) = form(&page.body);
    set_field(&mut fields, "email", EMAIL);
    set_field(&mut fields, "password", PASSWORD);
    let back = browser.post_form(&action, &fields).await;
    let callback_url = back
        .location
        .clone()
        .unwrap_or_else(|| panic!("the sandbox sends the browser back: {back:?}"));
    assert!(
        callback_url.starts_with(&callback),
        "to Synapse's registered callback: {callback_url}"
    );

    let done = browser.get(&callback_url).await;
    let final_url = done
        .location
        .clone()
        .unwrap_or_else(|| panic!("Synapse finishes SSO with a redirect to redirectUrl: {done:?}"));
    assert!(
        final_url.starts_with(DONE),
        "back to the client's redirectUrl: {final_url}"
    );
    let login_token =
        query_param(&final_url, "loginToken").expect("a loginToken for m.login.token");

    let login: Value = reqwest::Client::new()
        .post(format!("{}/_matrix/client/v3/login", server.url))
        .json(&json!({ "type": "m.login.token", "token": login_token }))
        .send()
        .await
        .expect("login answers")
        .json()
        .await
        .expect("JSON");
    let user_id = login["user_id"]
        .as_str()
        .unwrap_or_else(|| panic!("m.login.token succeeds: {login}"));
    assert_eq!(
        user_id,
        format!("@bob.sandbox:{}", server.server_name),
        "the Matrix user's localpart is the sandbox user's preferred_username"
    );
    let access_token = login["access_token"].as_str().expect("an access token");
    let profile: Value = reqwest::Client::new()
        .get(format!(
            "{}/_matrix/client/v3/profile/{user_id}",
            server.url
        ))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("profile answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        profile["displayname"], "Bob Sandbox",
        "the display name comes from the sandbox's name claim"
    );

    stack.shutdown().await;
}
