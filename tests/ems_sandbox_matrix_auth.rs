//! The sandbox as the OAuth 2.0 authorization server of a real Synapse in
//! `matrix_authentication_service` mode, over https with a CA made for the test. A scripted OAuth
//! client (reqwest for the machine calls, the cookie-keeping [`Browser`] for the pages) does
//! what a next-generation Matrix client does: discovery through the homeserver, RFC 7591
//! registration, authorization with PKCE and the Matrix scopes, the token exchange, `whoami`
//! with the device it chose, refresh, revocation; then sign-up through `prompt=create`, the
//! account-management pages and deactivation.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Digest as _;
use test_support::browser::{
    form, is_consent_page, query_param, set_field, trusted_ca, Browser, Player,
};
use test_support::http_fixtures::FixedServer;
use test_support::next_gen::NextGenStack;
use test_support::sandbox::{matrix_auth_secret, SandboxBuilder, APP_CLIENT};

const EMAIL: &str = "nia@example.org";
const PASSWORD: &str = "nia's long sandbox password";
const ADMIN_EMAIL: &str = "ada@example.org";
const ADMIN_PASSWORD: &str = "ada's long sandbox password";

/// A form body (reqwest's `form` feature is not built here).
trait FormBody {
    fn form_body(self, pairs: &[(&str, &str)]) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_body(self, pairs: &[(&str, &str)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
    }
}

/// An HTTP client like a Matrix client's: trusts the test CA, follows no redirect.
fn http(stack: &NextGenStack) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_merge([trusted_ca(stack.ca_file())])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

async fn started() -> NextGenStack {
    NextGenStack::builder(
        SandboxBuilder::new()
            .user(EMAIL, "Nia Next", Some("nia"), PASSWORD)
            .user(ADMIN_EMAIL, "Ada Admin", Some("ada"), ADMIN_PASSWORD)
            .app_client(),
    )
    .admin(ADMIN_EMAIL)
    .start()
    .await
}

/// What the homeserver says of its authorization server.
async fn auth_metadata(http: &reqwest::Client, stack: &NextGenStack) -> Value {
    let response = http
        .get(format!(
            "{}/_matrix/client/v1/auth_metadata",
            stack.synapse.url
        ))
        .send()
        .await
        .expect("Synapse answers");
    assert_eq!(response.status(), StatusCode::OK, "auth_metadata is served");
    response.json().await.expect("JSON")
}

/// A client registered through RFC 7591, with its loopback callback (a server that answers).
struct OAuthClient {
    client_id: String,
    redirect_uri: String,
    _callback: FixedServer,
}

async fn register(http: &reqwest::Client, metadata: &Value) -> OAuthClient {
    let callback = FixedServer::start(vec![(
        "/callback",
        "text/html",
        "<p>You can close this tab.</p>".to_owned(),
    )]);
    let response = http
        .post(
            metadata["registration_endpoint"]
                .as_str()
                .expect("registration"),
        )
        .json(&json!({
            "application_type": "native",
            "client_name": "Scripted next-gen client",
            "client_uri": "https://client.example.org/",
            "redirect_uris": ["http://127.0.0.1/callback"],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        }))
        .send()
        .await
        .expect("the sandbox answers");
    assert_eq!(response.status(), StatusCode::CREATED, "registered");
    let body: Value = response.json().await.expect("JSON");
    OAuthClient {
        client_id: body["client_id"].as_str().expect("a client_id").to_owned(),
        // Registered without a port; each sign-in uses whatever port its listener got.
        redirect_uri: format!("http://127.0.0.1:{}/callback", callback.port),
        _callback: callback,
    }
}

/// An authorization request: its URL, the PKCE verifier and the state.
struct Request {
    url: String,
    verifier: String,
    state: String,
}

fn authorization_request(
    metadata: &Value,
    client: &OAuthClient,
    scope: &str,
    prompt: Option<&str>,
) -> Request {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let state = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let mut url = url::Url::parse(
        metadata["authorization_endpoint"]
            .as_str()
            .expect("authorization_endpoint"),
    )
    .expect("a URL");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client.client_id)
        .append_pair("redirect_uri", &client.redirect_uri)
        .append_pair("scope", scope)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    if let Some(prompt) = prompt {
        url.query_pairs_mut().append_pair("prompt", prompt);
    }
    Request {
        url: url.into(),
        verifier,
        state,
    }
}

fn device_scope(device: &str) -> String {
    format!("urn:matrix:client:api:* urn:matrix:client:device:{device}")
}

/// The code from the URL the browser was sent back to, checking `state` and `iss`.
fn code_from(url: &str, request: &Request, issuer: &str) -> String {
    assert_eq!(
        query_param(url, "state").as_deref(),
        Some(request.state.as_str()),
        "state comes back: {url}"
    );
    assert_eq!(query_param(url, "iss").as_deref(), Some(issuer), "RFC 9207");
    query_param(url, "code").unwrap_or_else(|| panic!("a code: {url}"))
}

async fn token_request(
    http: &reqwest::Client,
    metadata: &Value,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let response = http
        .post(metadata["token_endpoint"].as_str().expect("token_endpoint"))
        .form_body(form)
        .send()
        .await
        .expect("the sandbox answers");
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

async fn exchange(
    http: &reqwest::Client,
    metadata: &Value,
    client: &OAuthClient,
    request: &Request,
    code: &str,
) -> (StatusCode, Value) {
    token_request(
        http,
        metadata,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &client.redirect_uri),
            ("client_id", &client.client_id),
            ("code_verifier", &request.verifier),
        ],
    )
    .await
}

/// `GET path` on Synapse with `token`: the status and the body.
async fn matrix_get(
    http: &reqwest::Client,
    stack: &NextGenStack,
    path: &str,
    token: &str,
) -> (StatusCode, Value) {
    let response = http
        .get(format!("{}{path}", stack.synapse.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("Synapse answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn whoami(http: &reqwest::Client, stack: &NextGenStack, token: &str) -> (StatusCode, Value) {
    matrix_get(http, stack, "/_matrix/client/v3/account/whoami", token).await
}

/// Signs `email` in for `device` through the browser (which may already have a session) and
/// exchanges the code: the token response.
async fn sign_in(
    http: &reqwest::Client,
    browser: &Browser,
    stack: &NextGenStack,
    metadata: &Value,
    client: &OAuthClient,
    (email, password): (&str, &str),
    scope: &str,
) -> Value {
    let request = authorization_request(metadata, client, scope, None);
    let (url, page) = Player::new(email, password)
        .until(&client.redirect_uri)
        .play(browser, &request.url)
        .await;
    assert_eq!(page.status, StatusCode::OK, "back at the client: {url}");
    let code = code_from(&url, &request, stack.issuer());
    let (status, tokens) = exchange(http, metadata, client, &request, &code).await;
    assert_eq!(status, StatusCode::OK, "tokens: {tokens}");
    tokens
}

fn access(tokens: &Value) -> &str {
    tokens["access_token"].as_str().expect("an access token")
}

// One journey through two servers reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_client_registers_signs_in_refreshes_and_revokes() {
    let stack = started().await;
    let http = http(&stack);
    let metadata = auth_metadata(&http, &stack).await;
    assert_eq!(metadata["issuer"], stack.issuer(), "{metadata}");
    for endpoint in [
        "authorization_endpoint",
        "token_endpoint",
        "registration_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
        "account_management_uri",
    ] {
        assert!(
            metadata[endpoint]
                .as_str()
                .is_some_and(|u| u.starts_with(stack.issuer())),
            "{endpoint} is served over https by the authorization server: {metadata}"
        );
    }
    assert_eq!(
        metadata["account_management_actions_supported"],
        json!([
            "org.matrix.profile",
            "org.matrix.devices_list",
            "org.matrix.device_view",
            "org.matrix.device_delete",
            "org.matrix.account_deactivate"
        ]),
        "exactly the pages it serves"
    );
    assert!(
        metadata["prompt_values_supported"]
            .as_array()
            .is_some_and(|p| p.contains(&json!("create"))),
        "sign-up through prompt=create"
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );

    let client = register(&http, &metadata).await;

    // A browser signed in at the EMS sign-in page (the http listener, as the app's EMS sign-in
    // does) is signed in for the authorization server too: it only confirms with one click.
    let browser = Browser::trusting(stack.ca_file());
    let ems_callback = FixedServer::start(vec![("/ems", "text/html", "ok".to_owned())]);
    let ems_authorize = {
        let mut url = url::Url::parse(&stack.sandbox.url("oauth2/authorize")).expect("URL");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", APP_CLIENT)
            .append_pair(
                "redirect_uri",
                &format!("http://127.0.0.1:{}/ems", ems_callback.port),
            )
            .append_pair("scope", "openid")
            .append_pair("code_challenge", &"a".repeat(43))
            .append_pair("code_challenge_method", "S256");
        url.to_string()
    };
    Player::new(EMAIL, PASSWORD)
        .play_to_app(&browser, &ems_authorize)
        .await;
    let device = "NEXTGENDEV1";
    let request = authorization_request(&metadata, &client, &device_scope(device), None);
    let page = browser.get(&request.url).await;
    assert!(
        is_consent_page(&page),
        "the EMS session holds at the authorization server, and a public loopback client gets \
         the one-click consent: {page:?}"
    );
    let back = browser.continue_as(&page).await;
    let url = back.location.expect("sent back to the client");
    let code = code_from(&url, &request, stack.issuer());
    let (status, tokens) = exchange(&http, &metadata, &client, &request, &code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(
        tokens["refresh_token"].is_string(),
        "a Matrix client always gets a refresh token: {tokens}"
    );
    let matrix_id = format!("@nia:{}", stack.synapse.server_name);
    let (status, me) = whoami(&http, &stack, access(&tokens)).await;
    assert_eq!(status, StatusCode::OK, "Synapse takes the token: {me}");
    assert_eq!(
        me["user_id"],
        matrix_id.as_str(),
        "the EMS user name is the localpart"
    );
    assert_eq!(me["device_id"], device, "the device the client chose");

    // Refresh, with rotation.
    let refresh = tokens["refresh_token"].as_str().expect("refresh token");
    let (status, refreshed) = token_request(
        &http,
        &metadata,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &client.client_id),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_ne!(
        refreshed["refresh_token"], tokens["refresh_token"],
        "rotated"
    );
    let (status, me) = whoami(&http, &stack, access(&refreshed)).await;
    assert_eq!(
        (status, &me["device_id"]),
        (StatusCode::OK, &json!(device)),
        "{me}"
    );

    // The admin scope: granted to the configured admin, silently dropped for anyone else.
    let nia_asks_admin = sign_in(
        &http,
        &browser,
        &stack,
        &metadata,
        &client,
        (EMAIL, PASSWORD),
        &format!("{} urn:synapse:admin:*", device_scope("NIAASKS")),
    )
    .await;
    assert!(
        !nia_asks_admin["scope"]
            .as_str()
            .is_some_and(|s| s.contains("urn:synapse:admin:*")),
        "not an admin: {nia_asks_admin}"
    );
    let users = format!("/_synapse/admin/v2/users/{matrix_id}/devices");
    let (status, _) = matrix_get(&http, &stack, &users, access(&nia_asks_admin)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "Synapse agrees Nia is no admin"
    );
    let admin_browser = Browser::trusting(stack.ca_file());
    let admin = sign_in(
        &http,
        &admin_browser,
        &stack,
        &metadata,
        &client,
        (ADMIN_EMAIL, ADMIN_PASSWORD),
        &format!("{} urn:synapse:admin:*", device_scope("ADMINDEV")),
    )
    .await;
    let devices_of_nia = || async {
        let (status, body) = matrix_get(&http, &stack, &users, access(&admin)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the admin scope opens the Admin API: {body}"
        );
        let mut ids: Vec<String> = body["devices"]
            .as_array()
            .expect("devices")
            .iter()
            .map(|d| d["device_id"].as_str().expect("id").to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(devices_of_nia().await, ["NEXTGENDEV1", "NIAASKS"]);

    // Revocation ends the session at once: Synapse has cached the token, yet answers 401.
    let response = http
        .post(
            metadata["revocation_endpoint"]
                .as_str()
                .expect("revocation"),
        )
        .form_body(&[
            ("token", access(&refreshed)),
            ("client_id", &client.client_id),
        ])
        .send()
        .await
        .expect("the sandbox answers");
    assert_eq!(response.status(), StatusCode::OK);
    let (status, body) = whoami(&http, &stack, access(&refreshed)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "revoked means refused: {body}"
    );
    assert_eq!(devices_of_nia().await, ["NIAASKS"], "the device is gone");
    let (status, body) = token_request(
        &http,
        &metadata,
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                refreshed["refresh_token"].as_str().expect("rt"),
            ),
            ("client_id", &client.client_id),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_grant")),
        "the whole session ended, refresh token too"
    );
    stack.shutdown().await;
}

// One Synapse for every refusal: each start costs seconds.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_at_every_endpoint() {
    let stack = started().await;
    let http = http(&stack);
    let metadata = auth_metadata(&http, &stack).await;
    let client = register(&http, &metadata).await;
    let browser = Browser::trusting(stack.ca_file());

    // Introspection is for the homeserver only.
    let introspect = metadata["introspection_endpoint"]
        .as_str()
        .expect("endpoint");
    for secret in [Some("not the secret"), None] {
        let mut request = http.post(introspect).form_body(&[("token", "anything")]);
        if let Some(secret) = secret {
            request = request.bearer_auth(secret);
        }
        let response = request.send().await.expect("answer");
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "a wrong or missing secret ({secret:?}) is refused"
        );
    }
    let right = matrix_auth_secret(test_support::synapse::SynapseAddress {
        port: stack.synapse.port,
    });
    let unknown: Value = http
        .post(introspect)
        .bearer_auth(&right)
        .form_body(&[("token", "not a token")])
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        unknown,
        json!({"active": false}),
        "an unknown token is inactive"
    );

    // Registration: only public native clients with loopback redirects.
    let registration = metadata["registration_endpoint"]
        .as_str()
        .expect("endpoint");
    for (body, error) in [
        (
            json!({"redirect_uris": ["https://evil.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["http://localhost/cb"]}),
            "invalid_redirect_uri",
        ),
        (json!({"redirect_uris": []}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "client_secret_basic"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["http://127.0.0.1/cb"], "grant_types": ["password"]}),
            "invalid_client_metadata",
        ),
    ] {
        let response = http
            .post(registration)
            .json(&body)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = response.json().await.expect("JSON");
        assert_eq!(answer["error"], error, "{body}: {answer}");
    }

    // Authorization: an unknown client and an unregistered redirect get a page, never a redirect.
    let good = authorization_request(&metadata, &client, &device_scope("BADINPUT1"), None);
    for (name, value) in [
        ("client_id", "no-such-client"),
        ("redirect_uri", "http://127.0.0.1:1/elsewhere"),
    ] {
        let mut url = url::Url::parse(&good.url).expect("URL");
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == name {
                    value.to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        let page = browser.get(url.as_str()).await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (StatusCode::BAD_REQUEST, None),
            "{name}={value} is refused on a page: {page:?}"
        );
    }

    // The API scope without a device, or with two, goes back as invalid_scope.
    for scope in [
        "urn:matrix:client:api:*".to_owned(),
        format!("{} urn:matrix:client:device:SECOND", device_scope("FIRST")),
        "urn:matrix:client:api:* urn:matrix:client:device:bad%20id".to_owned(),
    ] {
        let request = authorization_request(&metadata, &client, &scope, None);
        let answer = browser.get(&request.url).await;
        let location = answer
            .location
            .unwrap_or_else(|| panic!("redirected: {scope}"));
        assert!(location.starts_with(&client.redirect_uri), "{location}");
        assert_eq!(
            query_param(&location, "error").as_deref(),
            Some("invalid_scope"),
            "{scope}: {location}"
        );
    }

    // A code is used once; its second use revokes what the first got.
    let tokens_and_code = {
        let request = authorization_request(&metadata, &client, &device_scope("REUSED"), None);
        let (url, _) = Player::new(EMAIL, PASSWORD)
            .until(&client.redirect_uri)
            .play(&browser, &request.url)
            .await;
        let code = code_from(&url, &request, stack.issuer());
        let (status, tokens) = exchange(&http, &metadata, &client, &request, &code).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        let (status, again) = exchange(&http, &metadata, &client, &request, &code).await;
        assert_eq!(
            (status, &again["error"]),
            (StatusCode::BAD_REQUEST, &json!("invalid_grant")),
            "a reused code: {again}"
        );
        tokens
    };
    let (status, _) = whoami(&http, &stack, access(&tokens_and_code)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the replay revoked the first tokens"
    );

    // response_mode=fragment (which matrix-sdk requires the server to offer) puts the answer in
    // the fragment; the http listener offers query only.
    let mut fragment = authorization_request(&metadata, &client, &device_scope("FRAGMENT"), None);
    fragment.url.push_str("&response_mode=fragment");
    let (url, _) = Player::new(EMAIL, PASSWORD)
        .until(&client.redirect_uri)
        .play(&browser, &fragment.url)
        .await;
    let parsed = url::Url::parse(&url).expect("URL");
    assert!(parsed.query().is_none(), "nothing in the query: {url}");
    let answer: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(parsed.fragment().expect("a fragment").as_bytes())
            .into_owned()
            .collect();
    assert_eq!(answer.get("state"), Some(&fragment.state), "{url}");
    assert!(answer.contains_key("code"), "{url}");
    let mut on_http = url::Url::parse(&stack.sandbox.url("oauth2/authorize")).expect("URL");
    on_http
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", APP_CLIENT)
        .append_pair("redirect_uri", "http://127.0.0.1:1/cb")
        .append_pair("scope", "openid")
        .append_pair("response_mode", "fragment")
        .append_pair("code_challenge", &"f".repeat(43))
        .append_pair("code_challenge_method", "S256");
    let refused = browser.get(on_http.as_str()).await;
    let location = refused.location.expect("an error redirect");
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("invalid_request"),
        "{location}"
    );

    // The token endpoint: an unknown client, a wrong redirect, a wrong verifier.
    let request = authorization_request(&metadata, &client, &device_scope("TOKENS"), None);
    let (url, _) = Player::new(EMAIL, PASSWORD)
        .until(&client.redirect_uri)
        .play(&browser, &request.url)
        .await;
    let code = code_from(&url, &request, stack.issuer());
    let (status, body) = token_request(
        &http,
        &metadata,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &client.redirect_uri),
            ("client_id", "no-such-client"),
            ("code_verifier", &request.verifier),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::UNAUTHORIZED, &json!("invalid_client")),
        "{body}"
    );

    // Revocation by an unknown client changes nothing.
    let response = http
        .post(
            metadata["revocation_endpoint"]
                .as_str()
                .expect("revocation"),
        )
        .form_body(&[("token", "whatever"), ("client_id", "no-such-client")])
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    stack.shutdown().await;
}

// One journey through two servers reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_account_pages_and_deactivation() {
    let stack = started().await;
    let http = http(&stack);
    let metadata = auth_metadata(&http, &stack).await;
    let client = register(&http, &metadata).await;
    let browser = Browser::trusting(stack.ca_file());

    // prompt=create: a sign-up page, then straight back with a code.
    let request =
        authorization_request(&metadata, &client, &device_scope("SIGNUP1"), Some("create"));
    let to_sign_up = browser.get(&request.url).await;
    let sign_up_url = to_sign_up.location.clone().expect("to the sign-up page");
    let page = browser.get(&sign_up_url).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(page.body.contains("Create your account"), "{}", page.body);
    let (action, mut fields) = form(&page.body);
    set_field(&mut fields, "email", "newcomer@example.org");
    set_field(&mut fields, "name", "New Comer");
    set_field(&mut fields, "username", "Bad Name");
    set_field(&mut fields, "new_password", "a new long password");
    let refused = browser.post_form(&action, &fields).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "not a localpart");
    assert!(refused.body.contains("username"), "{}", refused.body);
    set_field(&mut fields, "username", "newcomer");
    set_field(&mut fields, "email", EMAIL);
    let taken = browser.post_form(&action, &fields).await;
    assert_eq!(
        taken.status,
        StatusCode::BAD_REQUEST,
        "an email that has an account"
    );
    assert!(taken.body.contains("already exists"), "{}", taken.body);
    set_field(&mut fields, "email", "newcomer@example.org");
    let mut forged = fields.clone();
    set_field(&mut forged, "csrf_token", "forged");
    let refused = browser.post_form(&action, &forged).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a forged sign-up form"
    );
    let elsewhere = browser
        .post_form_from(Some("https://evil.example"), &action, &fields)
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::FORBIDDEN,
        "a sign-up form posted from elsewhere"
    );
    let mut unknown_client = sign_up_url.clone();
    unknown_client = unknown_client.replace(&client.client_id, "no-such-client");
    let page_for_nobody = browser.get(&unknown_client).await;
    assert_eq!(
        page_for_nobody.status,
        StatusCode::BAD_REQUEST,
        "no sign-up page for an unknown client"
    );
    let back = browser.post_form(&action, &fields).await;
    let url = back
        .location
        .clone()
        .unwrap_or_else(|| panic!("a code: {back:?}"));
    let code = code_from(&url, &request, stack.issuer());
    let (status, tokens) = exchange(&http, &metadata, &client, &request, &code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let matrix_id = format!("@newcomer:{}", stack.synapse.server_name);
    let (status, me) = whoami(&http, &stack, access(&tokens)).await;
    assert_eq!(
        (status, &me["user_id"]),
        (StatusCode::OK, &json!(matrix_id)),
        "{me}"
    );

    // Each account page, from the address discovery gives.
    let account = metadata["account_management_uri"].as_str().expect("uri");
    let at = |action: &str, device: Option<&str>| {
        let mut url = url::Url::parse(account).expect("URL");
        url.query_pairs_mut().append_pair("action", action);
        if let Some(device) = device {
            url.query_pairs_mut().append_pair("device_id", device);
        }
        url.to_string()
    };
    let profile = browser.get(&at("org.matrix.profile", None)).await;
    assert_eq!(profile.status, StatusCode::OK, "{profile:?}");
    assert!(profile.body.contains(&matrix_id), "{}", profile.body);
    let (action, mut fields) = form(&profile.body);
    set_field(&mut fields, "displayname", "Renamed Comer");
    let saved = browser.post_form(&action, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");
    let (_, name) = matrix_get(
        &http,
        &stack,
        &format!("/_matrix/client/v3/profile/{matrix_id}/displayname"),
        access(&tokens),
    )
    .await;
    assert_eq!(
        name["displayname"], "Renamed Comer",
        "the homeserver has the new name"
    );
    let profile = browser.get(&at("org.matrix.profile", None)).await;
    assert!(
        profile.body.contains("value=\"Renamed Comer\""),
        "the page shows the homeserver's name: {}",
        profile.body
    );

    let list = browser.get(&at("org.matrix.devices_list", None)).await;
    assert!(list.body.contains("SIGNUP1"), "{}", list.body);
    for (action, device) in [
        ("org.matrix.device_view", "SIGNUP1"),
        ("org.matrix.device_delete", "SIGNUP1"),
    ] {
        let page = browser.get(&at(action, Some(device))).await;
        assert!(
            page.body.contains("id=\"sign-out-device\""),
            "{action}: {}",
            page.body
        );
    }

    // Bad input on the pages.
    let unknown = browser
        .get(&at("org.matrix.device_view", Some("NOSUCHDEVICE")))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "an unknown device");
    let odd = browser
        .get(&at("org.matrix.cross_signing_reset", None))
        .await;
    assert_eq!(
        odd.status,
        StatusCode::BAD_REQUEST,
        "an action it does not advertise"
    );
    let stranger = Browser::trusting(stack.ca_file());
    let signed_out = stranger.get(&at("org.matrix.profile", None)).await;
    assert_eq!(
        signed_out.status,
        StatusCode::UNAUTHORIZED,
        "no session, no page"
    );
    let device_page = browser
        .get(&at("org.matrix.device_view", Some("SIGNUP1")))
        .await;
    let (action, mut fields) = form(&device_page.body);
    set_field(&mut fields, "csrf_token", "forged");
    let forged = browser.post_form(&action, &fields).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "a forged form");
    let (status, _) = whoami(&http, &stack, access(&tokens)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "nothing was signed out by the forgery"
    );

    // "Sign out this device".
    let signed_out = browser.click(&device_page, "sign-out-device").await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER, "{signed_out:?}");
    let (status, _) = whoami(&http, &stack, access(&tokens)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the device was signed out"
    );

    // Deactivation, through its page.
    let again = sign_in(
        &http,
        &browser,
        &stack,
        &metadata,
        &client,
        ("newcomer@example.org", "a new long password"),
        &device_scope("SIGNUP2"),
    )
    .await;
    let (_, name) = matrix_get(
        &http,
        &stack,
        &format!("/_matrix/client/v3/profile/{matrix_id}/displayname"),
        access(&again),
    )
    .await;
    assert_eq!(
        name["displayname"], "Renamed Comer",
        "signing in again keeps the name the user chose"
    );
    let page = browser
        .get(&at("org.matrix.account_deactivate", None))
        .await;
    let (action, mut fields) = form(&page.body);
    set_field(&mut fields, "confirm", "someone-else");
    let wrong = browser.post_form(&action, &fields).await;
    assert_eq!(
        wrong.status,
        StatusCode::BAD_REQUEST,
        "the typed name must match"
    );
    let (status, _) = whoami(&http, &stack, access(&again)).await;
    assert_eq!(status, StatusCode::OK, "nothing deactivated yet");
    set_field(&mut fields, "confirm", "newcomer");
    let done = browser.post_form(&action, &fields).await;
    assert_eq!(done.status, StatusCode::OK, "{done:?}");
    let (status, _) = whoami(&http, &stack, access(&again)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "deactivation ends every session"
    );
    let user: Value = http
        .get(format!(
            "{}/_synapse/mas/query_user?localpart=newcomer",
            stack.synapse.url
        ))
        .bearer_auth(matrix_auth_secret(test_support::synapse::SynapseAddress {
            port: stack.synapse.port,
        }))
        .send()
        .await
        .expect("Synapse answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        user["is_deactivated"], true,
        "Synapse reports the user deactivated: {user}"
    );
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_wrong_shared_secret_nothing_is_handed_out() {
    let stack =
        NextGenStack::builder(SandboxBuilder::new().user(EMAIL, "Nia Next", Some("nia"), PASSWORD))
            .synapse_secret("a secret the sandbox does not have")
            .start()
            .await;
    let http = http(&stack);
    let metadata = auth_metadata(&http, &stack).await;
    let client = register(&http, &metadata).await;
    let browser = Browser::trusting(stack.ca_file());
    let request = authorization_request(&metadata, &client, &device_scope("WRONGSECRET"), None);
    let (url, _) = Player::new(EMAIL, PASSWORD)
        .until(&client.redirect_uri)
        .play(&browser, &request.url)
        .await;
    let code = code_from(&url, &request, stack.issuer());
    let (status, body) = exchange(&http, &metadata, &client, &request, &code).await;
    assert_eq!(
        (status, &body["error"]),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            &json!("temporarily_unavailable")
        ),
        "Synapse refused to provision the user, so no token is handed out: {body}"
    );
    assert!(body.get("access_token").is_none(), "{body}");
    stack.shutdown().await;
}
