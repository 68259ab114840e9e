//! A real Synapse trusts the EMS sandbox for single sign-on: `/login/sso/redirect` → the
//! sandbox's sign-in form → Synapse's callback → `loginToken` → `m.login.token`, and the Matrix
//! user is the sandbox user.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/synapse.rs"]
mod synapse;

use browser::{form, query_param, set_field, Browser};
use ems_sandbox::{ClientConfig, NewUser, ProviderConfig, Sandbox, SandboxConfig, Secret, Store};
use reqwest::StatusCode;
use serde_json::{json, Value};
use synapse::{free_port, Synapse};

const EMAIL: &str = "bob@example.org";
const PASSWORD: &str = "a long sandbox password";
const DONE: &str = "http://127.0.0.1:1/done";

// One journey through two servers reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synapse_signs_a_sandbox_user_in_through_sso() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("ems.db");
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || {
        Store::open(&db2).and_then(|s| {
            s.add_user(&NewUser {
                email: EMAIL.into(),
                name: "Bob Sandbox".into(),
                username: Some("bob.sandbox".into()),
                password: Secret::new(PASSWORD),
            })
        })
    })
    .await
    .expect("blocking task")
    .expect("add Bob");

    // Ports and the secret are chosen up front: each server's config names the other.
    let synapse_port = free_port();
    let secret = format!("synapse-secret-{}", rand::random::<u64>());
    let callback = format!("http://127.0.0.1:{synapse_port}/_synapse/client/oidc/callback");
    let provider = ProviderConfig {
        clients: vec![ClientConfig::confidential("synapse", &secret, &callback)],
        ..ProviderConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for the sandbox");
    let sandbox = Sandbox::start(
        SandboxConfig {
            database: db,
            provider,
        },
        listener,
    )
    .await
    .expect("the sandbox starts");

    let oidc_yaml = dir.path().join("oidc.yaml");
    let yaml = format!(
        "oidc_providers:\n\
         \x20 - idp_id: ems\n\
         \x20   idp_name: EMS\n\
         \x20   issuer: \"{issuer}\"\n\
         \x20   client_id: synapse\n\
         \x20   client_secret: \"{secret}\"\n\
         \x20   scopes: [openid, profile, email]\n\
         \x20   user_mapping_provider:\n\
         \x20     config:\n\
         \x20       localpart_template: \"{{{{ user.preferred_username }}}}\"\n\
         \x20       display_name_template: \"{{{{ user.name }}}}\"\n\
         sso:\n\
         \x20 client_whitelist: [\"http://127.0.0.1:\"]\n",
        issuer = sandbox.issuer()
    );
    std::fs::write(&oidc_yaml, yaml).expect("write the OIDC config");
    // Synapse fetches the sandbox's discovery document while starting, so the sandbox must be
    // serving on the runtime's other worker while this one blocks on the start script.
    let server =
        tokio::task::spawn_blocking(move || Synapse::start_on(synapse_port, &[&oidc_yaml]))
            .await
            .expect("Synapse starts with the sandbox as its identity provider");

    let browser = Browser::new();
    let start = format!(
        "{}/_matrix/client/v3/login/sso/redirect/oidc-ems?redirectUrl={}",
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

    drop(server);
    sandbox.shutdown().await.expect("the sandbox stops");
}
