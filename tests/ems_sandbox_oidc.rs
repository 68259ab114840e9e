//! The EMS sandbox's OIDC provider over real HTTP, on a temp database: discovery and
//! JWKS, the authorization-code flow with PKCE through a scripted browser, the browser session,
//! and every way a request can be refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ems_sandbox::{ClientConfig, ProviderConfig, RunningSandbox, User};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use test_support::browser::{self, form, is_consent_page, query_param, set_field, Browser};
use test_support::sandbox::{SandboxBuilder, TestSandbox};

const APP: &str = "element-accounts";
/// A public native client configured with `id_token_profile_claims = false`.
const LEAN_APP: &str = "lean-app";
const HOMESERVER: &str = "homeserver";
const HOMESERVER_SECRET: &str = "homeserver-secret";
const HOMESERVER_CALLBACK: &str = "http://127.0.0.1:9/_synapse/client/oidc/callback";
const SIGNED_OUT: &str = "http://127.0.0.1:9/signed-out";
const APP_REDIRECT: &str = "http://127.0.0.1:43210/ems";
const EMAIL: &str = "alice@example.org";
const PASSWORD: &str = "correct horse battery";

fn provider_config(access_token_lifetime_secs: u32) -> ProviderConfig {
    let mut app = ClientConfig::public_native(APP);
    app.post_logout_redirect_uris.push(SIGNED_OUT.to_owned());
    ProviderConfig {
        access_token_lifetime_secs,
        clients: vec![
            app,
            ClientConfig::confidential(HOMESERVER, HOMESERVER_SECRET, HOMESERVER_CALLBACK),
            ClientConfig {
                id_token_profile_claims: false,
                ..ClientConfig::public_native(LEAN_APP)
            },
        ],
        ..ProviderConfig::default()
    }
}

/// A sandbox on a temp database with one user, Alice.
struct Fixture {
    sandbox: TestSandbox,
    user: User,
}

async fn fixture_with(lifetime: u32) -> Fixture {
    fixture_configured(provider_config(lifetime)).await
}

async fn fixture_configured(provider: ProviderConfig) -> Fixture {
    let sandbox = SandboxBuilder::new()
        .user(EMAIL, "Alice Liddell", Some("alice"), PASSWORD)
        .provider(|p| *p = provider)
        .start()
        .await;
    let user = sandbox.user(EMAIL).clone();
    Fixture { sandbox, user }
}

async fn fixture() -> Fixture {
    fixture_with(300).await
}

/// A PKCE verifier and its S256 challenge.
fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The app's authorization URL.
fn app_authorize_url(
    sandbox: &RunningSandbox,
    scope: &str,
    state: &str,
    nonce: &str,
    challenge: &str,
) -> String {
    let mut url = url::Url::parse(&sandbox.url("oauth2/authorize")).expect("url");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", APP)
        .append_pair("redirect_uri", APP_REDIRECT)
        .append_pair("scope", scope)
        .append_pair("state", state)
        .append_pair("nonce", nonce)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    url.into()
}

/// Opens `url`, expects the sign-in form, submits it; returns the form POST's answer.
async fn sign_in(browser: &Browser, url: &str, password: &str) -> browser::Answer {
    let page = browser.get(url).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "a browser without a session gets the form: {page:?}"
    );
    let (action, mut fields) = form(&page.body);
    set_field(&mut fields, "email", EMAIL);
    set_field(&mut fields, "password", password);
    browser.post_form(&action, &fields).await
}

/// Opens `url` in a browser that is signed in: the consent page comes first (the app is a public
/// client at a loopback address); clicks "Continue as …" and returns the click's answer.
async fn continue_signed_in(browser: &Browser, url: &str) -> browser::Answer {
    let page = browser.get(url).await;
    assert!(
        is_consent_page(&page) && page.location.is_none(),
        "a signed-in browser gets the one-click consent page, not a code: {page:?}"
    );
    browser.continue_as(&page).await
}

/// The code in a redirect back to `redirect_uri`, checking `state`.
fn code_from(answer: &browser::Answer, redirect_uri: &str, state: &str) -> String {
    let location = answer
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("a redirect back: {answer:?}"));
    assert!(
        location.starts_with(redirect_uri),
        "the code goes to the requested redirect URI: {location}"
    );
    assert_eq!(
        query_param(location, "state").as_deref(),
        Some(state),
        "state must come back unchanged"
    );
    query_param(location, "code").unwrap_or_else(|| panic!("a code in {location}"))
}

/// The homeserver's (a confidential client's) authorization URL.
fn homeserver_authorize_url(sandbox: &RunningSandbox, state: &str, challenge: &str) -> String {
    let mut url = url::Url::parse(&sandbox.url("oauth2/authorize")).expect("url");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", HOMESERVER)
        .append_pair("redirect_uri", HOMESERVER_CALLBACK)
        .append_pair("scope", "openid profile")
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    url.into()
}

/// A full app sign-in with a fresh browser; returns the browser, the token response and the nonce.
async fn app_sign_in(sandbox: &RunningSandbox, scope: &str) -> (Browser, Value, String) {
    let browser = Browser::new();
    let (verifier, challenge) = pkce();
    let nonce = format!("n-{}", rand::random::<u32>());
    let answer = sign_in(
        &browser,
        &app_authorize_url(sandbox, scope, "s1", &nonce, &challenge),
        PASSWORD,
    )
    .await;
    let code = code_from(&answer, APP_REDIRECT, "s1");
    let (status, tokens) = exchange(sandbox, &code, Some(&verifier)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the code and verifier buy tokens: {tokens}"
    );
    (browser, tokens, nonce)
}

/// A POST with a form body (reqwest's `form` needs a feature the workspace does not enable).
fn post_form(url: &str, fields: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    reqwest::Client::new()
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
}

async fn token_request(sandbox: &RunningSandbox, fields: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = post_form(&sandbox.url("oauth2/token"), fields)
        .send()
        .await
        .expect("the token endpoint answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn exchange(
    sandbox: &RunningSandbox,
    code: &str,
    verifier: Option<&str>,
) -> (StatusCode, Value) {
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", APP_REDIRECT),
        ("client_id", APP),
    ];
    if let Some(verifier) = verifier {
        fields.push(("code_verifier", verifier));
    }
    token_request(sandbox, &fields).await
}

async fn refresh(sandbox: &RunningSandbox, refresh_token: &str) -> (StatusCode, Value) {
    token_request(
        sandbox,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", APP),
        ],
    )
    .await
}

async fn userinfo(sandbox: &RunningSandbox, access_token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(sandbox.url("oauth2/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("userinfo answers")
        .status()
}

async fn get_json(url: &str) -> Value {
    reqwest::get(url)
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON")
}

/// Verifies an ES256 JWT against the sandbox's published JWKS; returns its claims.
async fn verify_id_token(sandbox: &RunningSandbox, jwt: &str) -> Value {
    let jwks = get_json(&sandbox.url("oauth2/jwks")).await;
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS has three parts");
    let decode = |p: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("JSON")
    };
    let header = decode(parts[0]);
    assert_eq!(header["alg"], "ES256", "ID tokens are ES256");
    let key = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == header["kid"]))
        .unwrap_or_else(|| {
            panic!(
                "the header's kid {} must be in the JWKS {jwks}",
                header["kid"]
            )
        });
    let coordinate = |name: &str| {
        URL_SAFE_NO_PAD
            .decode(key[name].as_str().expect("coordinate"))
            .expect("b64")
    };
    let mut sec1 = vec![4u8];
    sec1.extend(coordinate("x"));
    sec1.extend(coordinate("y"));
    let verifying_key = VerifyingKey::from_sec1_bytes(&sec1).expect("a P-256 public key");
    let signature =
        Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).expect("b64")).expect("r||s");
    verifying_key
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the ID token's signature must verify against the published key");
    decode(parts[1])
}

fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs(),
    )
    .expect("i64")
}

#[tokio::test]
async fn discovery_and_jwks_describe_this_issuer() {
    let f = fixture().await;
    let issuer = f.sandbox.issuer();
    assert!(
        issuer.starts_with("http://127.0.0.1:") && issuer.ends_with('/'),
        "issuer is the base URL: {issuer}"
    );
    let doc = get_json(&f.sandbox.url(".well-known/openid-configuration")).await;
    assert_eq!(
        doc["issuer"], issuer,
        "Synapse compares the issuer string exactly"
    );
    for endpoint in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "end_session_endpoint",
    ] {
        assert!(
            doc[endpoint]
                .as_str()
                .is_some_and(|u| u.starts_with(issuer)),
            "{endpoint} must be served by this issuer: {doc}"
        );
    }
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"]),
        "clients must expect ES256"
    );
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"]),
        "only S256 PKCE"
    );
    let auth_methods = doc["token_endpoint_auth_methods_supported"]
        .as_array()
        .expect("auth methods");
    assert!(
        auth_methods.iter().any(|m| m == "client_secret_basic"),
        "Synapse's default client auth"
    );
    let jwks = get_json(doc["jwks_uri"].as_str().expect("jwks_uri")).await;
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("EC"), Some("P-256")),
        "an ES256 key: {jwks}"
    );
    assert!(
        key["kid"].as_str().is_some_and(|k| !k.is_empty()),
        "the key has a kid for ID-token headers"
    );
    assert!(
        key.get("d").is_none(),
        "the JWKS must never publish the private scalar"
    );
}

// A journey (or a table of cases) reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn the_code_flow_with_pkce_yields_a_verified_id_token_and_the_session_skips_the_form() {
    let f = fixture().await;
    let browser = Browser::new();
    let (verifier, challenge) = pkce();
    let url = app_authorize_url(
        &f.sandbox,
        "openid profile email offline_access ems.account",
        "state-1",
        "nonce-1",
        &challenge,
    );
    let answer = sign_in(&browser, &url, PASSWORD).await;
    assert_eq!(
        answer.status,
        StatusCode::SEE_OTHER,
        "a signed-in POST redirects back with GET: {answer:?}"
    );
    let session_cookie = answer
        .set_cookies
        .iter()
        .find(|c| c.starts_with("ems_sandbox_session="))
        .expect("signing in starts a browser session");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            session_cookie.contains(attribute),
            "the session cookie needs {attribute}: {session_cookie}"
        );
    }
    let code = code_from(&answer, APP_REDIRECT, "state-1");

    let (status, tokens) = exchange(&f.sandbox, &code, Some(&verifier)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the right verifier redeems the code: {tokens}"
    );
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(
        tokens["refresh_token"].is_string(),
        "offline_access grants a refresh token: {tokens}"
    );
    let claims = verify_id_token(
        &f.sandbox,
        tokens["id_token"].as_str().expect("an id_token"),
    )
    .await;
    assert_eq!(
        claims["iss"],
        f.sandbox.issuer(),
        "iss is the issuer, exactly"
    );
    assert_eq!(claims["aud"], APP, "the ID token is for the app");
    assert_eq!(
        claims["nonce"], "nonce-1",
        "the nonce binds the ID token to this request"
    );
    assert_eq!(
        claims["sub"],
        f.user.id.as_str(),
        "sub is the user's stable id"
    );
    assert_eq!(claims["email"], EMAIL);
    assert_eq!(claims["name"], "Alice Liddell");
    assert_eq!(
        claims["preferred_username"], "alice",
        "Synapse maps the localpart from this"
    );
    assert!(
        claims["exp"].as_i64().is_some_and(|exp| exp > now()),
        "a fresh ID token is not expired"
    );

    let info = reqwest::Client::new()
        .get(f.sandbox.url("oauth2/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().expect("access token"))
        .send()
        .await
        .expect("userinfo")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(
        info["sub"], claims["sub"],
        "userinfo describes the same user as the ID token"
    );
    assert_eq!(info["email"], EMAIL);

    // The same browser again: the session cookie answers without the password form; the app,
    // a public client at a loopback address, is confirmed with one click, and a confidential
    // client with a registered redirect URI is sent back at once.
    let (_, challenge2) = pkce();
    let again = browser
        .get(&homeserver_authorize_url(
            &f.sandbox,
            "state-2",
            &challenge2,
        ))
        .await;
    assert_eq!(
        again.status,
        StatusCode::FOUND,
        "a browser with a session is sent back at once: {again:?}"
    );
    assert!(
        !again.body.contains("<form"),
        "no sign-in form for a signed-in browser"
    );
    code_from(&again, HOMESERVER_CALLBACK, "state-2");
    let again = continue_signed_in(
        &browser,
        &app_authorize_url(&f.sandbox, "openid", "state-2", "nonce-2", &challenge2),
    )
    .await;
    assert!(
        !again.body.contains("name=\"password\""),
        "no sign-in form for a signed-in browser"
    );
    code_from(&again, APP_REDIRECT, "state-2");

    // A fresh browser gets the form and no code.
    let fresh = Browser::new()
        .get(&app_authorize_url(
            &f.sandbox,
            "openid",
            "state-3",
            "n",
            &challenge2,
        ))
        .await;
    assert_eq!(
        fresh.status,
        StatusCode::OK,
        "a fresh cookie jar must sign in"
    );
    assert!(
        fresh.body.contains("<form") && fresh.location.is_none(),
        "the form, and no code: {fresh:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_and_starts_no_session() {
    let f = fixture().await;
    let browser = Browser::new();
    let (_, challenge) = pkce();
    let answer = sign_in(
        &browser,
        &app_authorize_url(&f.sandbox, "openid", "s", "n", &challenge),
        "wrong password",
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::UNAUTHORIZED,
        "a wrong password is refused: {answer:?}"
    );
    assert!(answer.location.is_none(), "no code is sent anywhere");
    assert!(
        answer.body.contains("not right") && answer.body.contains("<form"),
        "the form again, with the reason"
    );
    assert!(
        browser.cookie("ems_sandbox_session").is_none(),
        "no session for a failed sign-in"
    );
    assert!(
        answer.body.contains(&format!("value=\"{EMAIL}\"")),
        "the email is kept for the next try"
    );
}

#[tokio::test]
async fn pkce_is_required_and_checked() {
    let f = fixture().await;
    let browser = Browser::new();
    // The public client must send a challenge at all.
    let mut url = url::Url::parse(&f.sandbox.url("oauth2/authorize")).expect("url");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", APP)
        .append_pair("redirect_uri", APP_REDIRECT)
        .append_pair("scope", "openid")
        .append_pair("state", "s0");
    let answer = browser.get(url.as_str()).await;
    let location = answer
        .location
        .expect("a valid redirect URI gets the error by redirect");
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("invalid_request"),
        "a public client without PKCE"
    );
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some("s0"),
        "errors carry state too"
    );

    let (verifier, challenge) = pkce();
    let code = code_from(
        &sign_in(
            &browser,
            &app_authorize_url(&f.sandbox, "openid", "s", "n", &challenge),
            PASSWORD,
        )
        .await,
        APP_REDIRECT,
        "s",
    );
    let (status, body) = exchange(&f.sandbox, &code, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "a missing verifier: {body}"
    );
    let (status, _) = exchange(&f.sandbox, &code, Some(&verifier)).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a failed attempt spends the code, so it cannot be guessed at"
    );

    let (_, challenge) = pkce();
    let code = code_from(
        &continue_signed_in(
            &browser,
            &app_authorize_url(&f.sandbox, "openid", "s", "n", &challenge),
        )
        .await,
        APP_REDIRECT,
        "s",
    );
    let (wrong, _) = pkce();
    let (status, body) = exchange(&f.sandbox, &code, Some(&wrong)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "a wrong verifier: {body}"
    );
}

#[tokio::test]
async fn unregistered_redirect_uris_get_an_error_page_and_no_redirect() {
    let f = fixture().await;
    let browser = Browser::new();
    let (_, challenge) = pkce();
    let cases = [
        (APP, "https://evil.example/cb"),
        (APP, "http://localhost:43210/ems"),
        (APP, "http://127.0.0.1.evil.example/ems"),
        (
            HOMESERVER,
            "http://127.0.0.1:10/_synapse/client/oidc/callback",
        ),
        ("no-such-client", APP_REDIRECT),
    ];
    for (client_id, redirect_uri) in cases {
        let mut url = url::Url::parse(&f.sandbox.url("oauth2/authorize")).expect("url");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid")
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        let answer = browser.get(url.as_str()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{client_id} → {redirect_uri} must be refused"
        );
        assert!(
            answer.location.is_none(),
            "never redirect to an unregistered URI ({redirect_uri})"
        );
        assert!(
            answer.body.contains("cannot continue"),
            "a page explains it"
        );
    }
    // A signed-in browser's form POST with a swapped redirect_uri is refused the same way.
    let page = browser
        .get(&app_authorize_url(
            &f.sandbox, "openid", "s", "n", &challenge,
        ))
        .await;
    let (action, mut fields) = form(&page.body);
    set_field(&mut fields, "redirect_uri", "https://evil.example/cb");
    set_field(&mut fields, "email", EMAIL);
    set_field(&mut fields, "password", PASSWORD);
    let answer = browser.post_form(&action, &fields).await;
    assert_eq!(
        answer.status,
        StatusCode::BAD_REQUEST,
        "hidden fields are checked again on POST"
    );
    assert!(
        answer.location.is_none(),
        "and nothing is sent to the swapped URI"
    );
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_what_it_bought() {
    let f = fixture().await;
    let browser = Browser::new();
    let (verifier, challenge) = pkce();
    let code = code_from(
        &sign_in(
            &browser,
            &app_authorize_url(&f.sandbox, "openid", "s", "n", &challenge),
            PASSWORD,
        )
        .await,
        APP_REDIRECT,
        "s",
    );
    let (status, tokens) = exchange(&f.sandbox, &code, Some(&verifier)).await;
    assert_eq!(status, StatusCode::OK);
    let access = tokens["access_token"].as_str().expect("access token");
    assert_eq!(userinfo(&f.sandbox, access).await, StatusCode::OK);
    let (status, body) = exchange(&f.sandbox, &code, Some(&verifier)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "codes are single-use"
    );
    assert_eq!(
        userinfo(&f.sandbox, access).await,
        StatusCode::UNAUTHORIZED,
        "a replayed code revokes its tokens (RFC 6749 §4.1.2)"
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_its_family() {
    let f = fixture().await;
    let (_, tokens, _) = app_sign_in(&f.sandbox, "openid offline_access").await;
    let first = tokens["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let (status, second) = refresh(&f.sandbox, &first).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a fresh refresh token works: {second}"
    );
    let second_refresh = second["refresh_token"]
        .as_str()
        .expect("a rotated refresh token");
    assert_ne!(second_refresh, first, "refresh tokens rotate on use");
    let second_access = second["access_token"].as_str().expect("access token");
    assert_eq!(userinfo(&f.sandbox, second_access).await, StatusCode::OK);

    let (status, body) = refresh(&f.sandbox, &first).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "a rotated token is spent"
    );
    let (status, _) = refresh(&f.sandbox, second_refresh).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "reuse means theft: the newest token of the family dies too"
    );
    assert_eq!(
        userinfo(&f.sandbox, second_access).await,
        StatusCode::UNAUTHORIZED,
        "and so do its access tokens"
    );

    let (status, body) = token_request(
        &f.sandbox,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", second_refresh),
            ("client_id", HOMESERVER),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client")),
        "a confidential client without its secret"
    );
}

#[tokio::test]
async fn revocation_ends_tokens() {
    let f = fixture().await;
    let (_, tokens, _) = app_sign_in(&f.sandbox, "openid offline_access").await;
    let access = tokens["access_token"].as_str().expect("access");
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh");
    let revoke = |token: String| {
        let url = f.sandbox.url("oauth2/revoke");
        async move {
            post_form(&url, &[("token", token.as_str()), ("client_id", APP)])
                .send()
                .await
                .expect("revoke")
                .status()
        }
    };
    assert_eq!(revoke(access.to_owned()).await, StatusCode::OK);
    assert_eq!(
        userinfo(&f.sandbox, access).await,
        StatusCode::UNAUTHORIZED,
        "a revoked access token is dead"
    );
    assert_eq!(revoke(refresh_token.to_owned()).await, StatusCode::OK);
    let (status, _) = refresh(&f.sandbox, refresh_token).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a revoked refresh token cannot be used"
    );
    assert_eq!(
        revoke("not-a-token".to_owned()).await,
        StatusCode::OK,
        "RFC 7009: unknown tokens are fine"
    );
    let wrong_secret = post_form(&f.sandbox.url("oauth2/revoke"), &[("token", "x")])
        .basic_auth(HOMESERVER, Some("wrong"))
        .send()
        .await
        .expect("revoke");
    assert_eq!(
        wrong_secret.status(),
        StatusCode::UNAUTHORIZED,
        "revocation authenticates the client"
    );
    assert!(
        wrong_secret.headers().contains_key("www-authenticate"),
        "a Basic 401 challenges"
    );
}

#[tokio::test]
async fn end_session_signs_the_browser_out() {
    let f = fixture().await;
    let (browser, tokens, _) = app_sign_in(&f.sandbox, "openid").await;
    let (_, challenge) = pkce();
    let url = app_authorize_url(&f.sandbox, "openid", "s", "n", &challenge);

    let unregistered = browser
        .get(&format!(
            "{}?client_id={APP}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F",
            f.sandbox.url("oauth2/logout")
        ))
        .await;
    assert_eq!(
        unregistered.status,
        StatusCode::BAD_REQUEST,
        "an unregistered return address is refused"
    );
    assert!(unregistered.location.is_none(), "and never redirected to");
    assert!(
        is_consent_page(&browser.get(&url).await),
        "a refused sign-out leaves the session alone"
    );

    let id_token = tokens["id_token"].as_str().expect("id token");
    let mut logout = url::Url::parse(&f.sandbox.url("oauth2/logout")).expect("url");
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("post_logout_redirect_uri", SIGNED_OUT)
        .append_pair("state", "bye");
    let confirmation = browser.get(logout.as_str()).await;
    assert!(
        confirmation.status == StatusCode::OK && confirmation.location.is_none(),
        "a GET only asks: {confirmation:?}"
    );
    let answer = browser.confirm_sign_out(&confirmation).await;
    assert_eq!(
        answer.status,
        StatusCode::FOUND,
        "a registered return address is honoured: {answer:?}"
    );
    let location = answer.location.expect("location");
    assert!(
        location.starts_with(SIGNED_OUT)
            && query_param(&location, "state").as_deref() == Some("bye")
    );
    assert!(
        browser.cookie("ems_sandbox_session").is_none(),
        "the session cookie is cleared"
    );
    let after = browser.get(&url).await;
    assert_eq!(
        after.status,
        StatusCode::OK,
        "after sign-out the form is shown again"
    );
    assert!(after.body.contains("<form"));
}

#[tokio::test]
async fn a_restart_on_the_same_database_keeps_users_keys_and_sessions() {
    let f = fixture().await;
    let (browser, tokens, _) = app_sign_in(&f.sandbox, "openid profile").await;
    let old_id_token = tokens["id_token"].as_str().expect("id token").to_owned();
    let Fixture { sandbox, user } = f;
    let sandbox = sandbox.restart().await;
    let claims = verify_id_token(&sandbox, &old_id_token).await;
    assert_eq!(
        claims["sub"],
        user.id.as_str(),
        "the signing key survives, so old ID tokens still verify"
    );
    let (verifier, challenge) = pkce();
    let page = browser
        .get(&app_authorize_url(&sandbox, "openid", "s", "n", &challenge))
        .await;
    assert!(
        is_consent_page(&page),
        "the browser session survives a restart: {page:?}"
    );
    let answer = browser.continue_as(&page).await;
    let (status, _) = exchange(
        &sandbox,
        &code_from(&answer, APP_REDIRECT, "s"),
        Some(&verifier),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let fresh = Browser::new();
    let answer = sign_in(
        &fresh,
        &app_authorize_url(&sandbox, "openid", "s", "n", &challenge),
        PASSWORD,
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::SEE_OTHER,
        "the user and password survive a restart"
    );
}

#[tokio::test]
async fn access_tokens_expire_as_configured() {
    let f = fixture_with(1).await;
    let (_, tokens, _) = app_sign_in(&f.sandbox, "openid").await;
    assert_eq!(
        tokens["expires_in"], 1,
        "the configured lifetime is announced"
    );
    let access = tokens["access_token"].as_str().expect("access");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        userinfo(&f.sandbox, access).await,
        StatusCode::UNAUTHORIZED,
        "an expired access token is refused"
    );
}

// A journey (or a table of cases) reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn bad_input_gets_oauth_errors_never_a_server_error() {
    let f = fixture().await;
    let http = reqwest::Client::new();
    let token_url = f.sandbox.url("oauth2/token");
    let bodies: &[(&str, &str)] = &[
        ("", "invalid_client"),
        ("%%%=&&&", "invalid_client"),
        ("client_id=element-accounts", "invalid_request"),
        (
            "client_id=element-accounts&grant_type=password",
            "unsupported_grant_type",
        ),
        (
            "client_id=element-accounts&grant_type=authorization_code",
            "invalid_request",
        ),
        (
            "client_id=element-accounts&grant_type=authorization_code&code=nope",
            "invalid_grant",
        ),
        (
            "client_id=a&client_id=b&grant_type=authorization_code",
            "invalid_request",
        ),
        (
            "client_id=nobody&grant_type=authorization_code&code=x",
            "invalid_client",
        ),
        (
            "client_id=homeserver&client_secret=wrong&grant_type=authorization_code&code=x",
            "invalid_client",
        ),
    ];
    for (body, error) in bodies {
        let response = http
            .post(&token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(*body)
            .send()
            .await
            .expect("token endpoint");
        let status = response.status();
        let json: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status.is_client_error(),
            "{body:?} is the client's fault, not the server's: {status}"
        );
        assert_eq!(
            json["error"].as_str(),
            Some(*error),
            "RFC 6749 §5.2 error for {body:?}: {json}"
        );
    }
    let huge = "a".repeat(100 * 1024);
    let response = http
        .post(&token_url)
        .body(huge)
        .send()
        .await
        .expect("token endpoint");
    assert_eq!(
        response.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "oversize bodies are refused"
    );

    let browser = Browser::new();
    for query in [
        "",
        "?client_id=element-accounts",
        "?client_id=x&client_id=y",
        "?%zz=%zz",
    ] {
        let answer = browser
            .get(&format!("{}{query}", f.sandbox.url("oauth2/authorize")))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "authorize{query} gets an error page"
        );
        assert!(answer.location.is_none());
    }
    let (_, challenge) = pkce();
    let bad_scope = app_authorize_url(&f.sandbox, "openid admin", "s", "n", &challenge);
    let location = browser
        .get(&bad_scope)
        .await
        .location
        .expect("a redirect with the error");
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("invalid_scope")
    );
    let prompt_none = format!(
        "{}&prompt=none",
        app_authorize_url(&f.sandbox, "openid", "s", "n", &challenge)
    );
    let location = browser
        .get(&prompt_none)
        .await
        .location
        .expect("a redirect with the error");
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("login_required"),
        "prompt=none without a session"
    );
    let hint = browser
        .get(&format!(
            "{}?id_token_hint=garbage",
            f.sandbox.url("oauth2/logout")
        ))
        .await;
    assert_eq!(
        hint.status,
        StatusCode::BAD_REQUEST,
        "a forged id_token_hint is refused"
    );
    assert_eq!(
        userinfo(&f.sandbox, "garbage").await,
        StatusCode::UNAUTHORIZED
    );
}

/// The `iss` of a redirect back to a client (RFC 9207).
fn iss_of(answer: &browser::Answer) -> Option<String> {
    query_param(answer.location.as_deref()?, "iss")
}

// A journey (or a table of cases) reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn every_authorization_response_names_the_issuer() {
    let f = fixture().await;
    let issuer = Some(f.sandbox.issuer().to_owned());
    let doc = get_json(&f.sandbox.url(".well-known/openid-configuration")).await;
    assert_eq!(
        doc["authorization_response_iss_parameter_supported"],
        Value::Bool(true),
        "RFC 9207: clients learn from discovery to expect iss"
    );
    let browser = Browser::new();
    let (_, challenge) = pkce();
    let url = app_authorize_url(&f.sandbox, "openid", "s", "n", &challenge);
    let prompt_none = format!("{url}&prompt=none");
    assert_eq!(
        iss_of(&browser.get(&prompt_none).await),
        issuer,
        "a login_required error redirect"
    );
    let bad_scope = app_authorize_url(&f.sandbox, "openid admin", "s", "n", &challenge);
    assert_eq!(
        iss_of(&browser.get(&bad_scope).await),
        issuer,
        "an invalid_scope error redirect"
    );
    let signed_in = sign_in(&browser, &url, PASSWORD).await;
    assert_eq!(
        iss_of(&signed_in),
        issuer,
        "the code after the password form"
    );
    assert_eq!(
        iss_of(&continue_signed_in(&browser, &url).await),
        issuer,
        "the code after the consent click"
    );
    assert_eq!(
        iss_of(&browser.get(&prompt_none).await),
        issuer,
        "a consent_required error redirect"
    );
    assert_eq!(
        iss_of(
            &browser
                .get(&homeserver_authorize_url(&f.sandbox, "s", &challenge))
                .await
        ),
        issuer,
        "a silent code for a signed-in browser"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_holding_the_signing_key_is_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let f = fixture().await;
    app_sign_in(&f.sandbox, "openid offline_access").await;
    for suffix in ["", "-wal", "-shm"] {
        let file = f
            .sandbox
            .database()
            .with_file_name(format!("ems.db{suffix}"));
        let mode = std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("{} exists after a sign-in: {e}", file.display()))
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "{} holds the signing key, sessions and grants: owner only",
            file.display()
        );
    }
}

#[tokio::test]
async fn a_client_configured_for_lean_id_tokens_gets_the_profile_from_userinfo_only() {
    let f = fixture().await;
    let browser = Browser::new();
    let (verifier, challenge) = pkce();
    let mut url = url::Url::parse(&app_authorize_url(
        &f.sandbox,
        "openid profile email",
        "s",
        "n",
        &challenge,
    ))
    .expect("url");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "client_id" { LEAN_APP.into() } else { v };
            (k.into_owned(), v.into_owned())
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let code = code_from(
        &sign_in(&browser, url.as_str(), PASSWORD).await,
        APP_REDIRECT,
        "s",
    );
    let (status, tokens) = token_request(
        &f.sandbox,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", APP_REDIRECT),
            ("client_id", LEAN_APP),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the code buys tokens: {tokens}");
    let claims = verify_id_token(&f.sandbox, tokens["id_token"].as_str().expect("id token")).await;
    assert_eq!(claims["sub"], f.user.id.as_str(), "the ID token says who");
    assert_eq!(claims["aud"], LEAN_APP);
    assert_eq!(claims["nonce"], "n", "and keeps the protocol claims");
    for profile in ["email", "email_verified", "name", "preferred_username"] {
        assert!(
            claims.get(profile).is_none(),
            "{profile} must be left to userinfo for this client: {claims}"
        );
    }
    let info: Value = reqwest::Client::new()
        .get(f.sandbox.url("oauth2/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().expect("access token"))
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        info["sub"], claims["sub"],
        "the same user (OIDC Core §5.3.4)"
    );
    assert_eq!(info["email"], EMAIL, "userinfo still has the email");
    assert_eq!(info["name"], "Alice Liddell");
    assert_eq!(info["preferred_username"], "alice");
}

// A journey (or a table of cases) reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn a_signed_in_browser_confirms_every_loopback_sign_in_with_one_click() {
    let f = fixture().await;
    let (browser, _, _) = app_sign_in(&f.sandbox, "openid").await;
    let (verifier, challenge) = pkce();
    let url = app_authorize_url(&f.sandbox, "openid", "s2", "n2", &challenge);
    for round in 1..=2 {
        let page = browser.get(&url).await;
        assert!(
            is_consent_page(&page) && page.location.is_none(),
            "round {round}: a session alone must not send a code to a loopback address: {page:?}"
        );
        assert!(
            page.body.contains(&format!("Continue as {EMAIL} to {APP}")),
            "the button says who signs in to what: {}",
            page.body
        );
        assert!(
            !page.body.contains("name=\"password\""),
            "one click, no password"
        );
        let answer = browser.continue_as(&page).await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "the click sends the browser back: {answer:?}"
        );
        let code = code_from(&answer, APP_REDIRECT, "s2");
        let (status, tokens) = exchange(&f.sandbox, &code, Some(&verifier)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the clicked-for code works: {tokens}"
        );
        let claims =
            verify_id_token(&f.sandbox, tokens["id_token"].as_str().expect("id token")).await;
        assert_eq!(
            claims["sub"],
            f.user.id.as_str(),
            "the session's user is the one signed in"
        );
    }

    let none = browser.get(&format!("{url}&prompt=none")).await;
    let location = none.location.clone().expect("an error redirect");
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("consent_required"),
        "prompt=none cannot skip the click: {location}"
    );
    assert!(
        query_param(&location, "code").is_none(),
        "and no code comes with it"
    );

    let silent = browser
        .get(&homeserver_authorize_url(&f.sandbox, "h", &challenge))
        .await;
    assert_eq!(
        silent.status,
        StatusCode::FOUND,
        "a confidential client with a registered redirect URI stays silent (homeserver SSO): {silent:?}"
    );
    code_from(&silent, HOMESERVER_CALLBACK, "h");
    let silent_none = browser
        .get(&format!(
            "{}&prompt=none",
            homeserver_authorize_url(&f.sandbox, "h", &challenge)
        ))
        .await;
    assert!(
        silent_none
            .location
            .as_deref()
            .and_then(|l| query_param(l, "code"))
            .is_some(),
        "prompt=none works for it: {silent_none:?}"
    );

    let page = browser.get(&url).await;
    let switch = page
        .body
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to sign in as someone else")
        .replace("&amp;", "&");
    let form_page = browser.get(&switch).await;
    assert!(
        form_page.status == StatusCode::OK && form_page.body.contains("name=\"password\""),
        "\"Sign in as someone else\" shows the password form: {form_page:?}"
    );
}

// A journey (or a table of cases) reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn browser_form_posts_need_the_issuer_origin_and_their_csrf_token() {
    let f = fixture().await;
    let origin = url::Url::parse(f.sandbox.issuer())
        .expect("issuer")
        .origin()
        .ascii_serialization();
    let (_, challenge) = pkce();
    let url = app_authorize_url(&f.sandbox, "openid", "s", "n", &challenge);
    let browser = Browser::new();
    let page = browser.get(&url).await;
    assert!(
        browser.cookie("ems_sandbox_csrf").is_some(),
        "the form comes with a pre-session cookie"
    );
    let (action, mut fields) = form(&page.body);
    assert!(
        fields
            .iter()
            .any(|(n, v)| n == "csrf_token" && !v.is_empty()),
        "the sign-in form carries a CSRF token: {fields:?}"
    );
    set_field(&mut fields, "email", EMAIL);
    set_field(&mut fields, "password", PASSWORD);
    let without_token: Vec<_> = fields
        .iter()
        .filter(|(n, _)| n != "csrf_token")
        .cloned()
        .collect();
    let mut wrong_token = fields.clone();
    set_field(&mut wrong_token, "csrf_token", "AAAA");
    // Another browser's own, valid token does not fit this browser's cookie.
    let other = Browser::new();
    let (_, other_fields) = form(&other.get(&url).await.body);
    let mut other_token = fields.clone();
    for (name, value) in other_fields {
        if name == "csrf_token" {
            set_field(&mut other_token, "csrf_token", &value);
        }
    }
    let cases = [
        ("no Origin", None::<&str>, &fields),
        ("a foreign site", Some("https://evil.example"), &fields),
        (
            "another port on this host",
            Some("http://127.0.0.1:1"),
            &fields,
        ),
        ("an opaque origin", Some("null"), &fields),
        ("no token", Some(&origin), &without_token),
        ("a wrong token", Some(&origin), &wrong_token),
    ];
    for (what, from, body) in cases {
        let answer = browser.post_form_from(from, &action, body).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "a sign-in POST with {what} is refused: {answer:?}"
        );
        assert!(
            answer.location.is_none(),
            "{what}: no code is sent anywhere"
        );
        assert!(
            browser.cookie("ems_sandbox_session").is_none(),
            "{what}: no session starts"
        );
    }
    let answer = browser
        .post_form_from(Some(&origin), &action, &other_token)
        .await;
    assert_eq!(
        answer.status,
        StatusCode::FORBIDDEN,
        "a token is bound to its browser's cookie"
    );

    // The page's own POST, as a browser sends it, signs in.
    let answer = browser.post_form(&action, &fields).await;
    assert_eq!(
        answer.status,
        StatusCode::SEE_OTHER,
        "the genuine form works: {answer:?}"
    );
    let session = browser.cookie("ems_sandbox_session").expect("a session");

    // The consent page and the sign-out confirmation are guarded the same way.
    let consent = browser.get(&url).await;
    let (consent_action, consent_fields) = form(&consent.body);
    let forged = browser
        .post_form_from(
            Some("https://evil.example"),
            &consent_action,
            &consent_fields,
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "a foreign click-through is refused"
    );
    assert!(forged.location.is_none(), "and gets no code");
    let without: Vec<_> = consent_fields
        .iter()
        .filter(|(n, _)| n != "csrf_token")
        .cloned()
        .collect();
    assert_eq!(
        browser.post_form(&consent_action, &without).await.status,
        StatusCode::FORBIDDEN,
        "the consent page's token is required"
    );

    let confirmation = browser.get(&f.sandbox.url("oauth2/logout")).await;
    let (logout_action, logout_fields) = form(&confirmation.body);
    let forged = browser
        .post_form_from(Some("https://evil.example"), &logout_action, &logout_fields)
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "a foreign page cannot sign the user out"
    );
    let plain_post = post_form(&f.sandbox.url("oauth2/logout"), &[])
        .header("cookie", format!("ems_sandbox_session={session}"))
        .send()
        .await
        .expect("logout answers");
    assert_eq!(
        plain_post.status(),
        StatusCode::FORBIDDEN,
        "a POST without Origin and token ends nothing"
    );
    assert!(
        is_consent_page(&browser.get(&url).await),
        "the session survived every forged request"
    );
    let signed_out = browser.confirm_sign_out(&confirmation).await;
    assert_eq!(
        signed_out.status,
        StatusCode::OK,
        "the genuine confirmation signs out"
    );
    assert!(browser.cookie("ems_sandbox_session").is_none());

    // Machine endpoints take no Origin and need none.
    let (_, tokens, _) = app_sign_in(&f.sandbox, "openid offline_access").await;
    let (status, _) = refresh(
        &f.sandbox,
        tokens["refresh_token"].as_str().expect("refresh token"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the token endpoint needs no Origin");
}

#[tokio::test]
async fn a_get_of_end_session_only_asks_and_the_post_ends_it() {
    let f = fixture().await;
    let (browser, _, _) = app_sign_in(&f.sandbox, "openid").await;
    let (_, challenge) = pkce();
    let url = app_authorize_url(&f.sandbox, "openid", "s", "n", &challenge);
    let logout = format!(
        "{}?client_id={APP}&post_logout_redirect_uri={}&state=bye",
        f.sandbox.url("oauth2/logout"),
        url::form_urlencoded::byte_serialize(SIGNED_OUT.as_bytes()).collect::<String>()
    );
    let page = browser.get(&logout).await;
    assert_eq!(page.status, StatusCode::OK, "a confirmation page: {page:?}");
    assert!(
        page.body.contains("id=\"sign-out\"") && page.body.contains(EMAIL),
        "it asks, naming the account: {}",
        page.body
    );
    assert!(
        browser.cookie("ems_sandbox_session").is_some()
            && is_consent_page(&browser.get(&url).await),
        "a GET (a link, an image on another site) does not end the session"
    );
    let answer = browser.confirm_sign_out(&page).await;
    let location = answer
        .location
        .clone()
        .expect("RP-initiated logout redirects");
    assert!(
        location.starts_with(SIGNED_OUT)
            && query_param(&location, "state").as_deref() == Some("bye"),
        "to the registered address with state: {location}"
    );
    assert!(
        browser.cookie("ems_sandbox_session").is_none(),
        "the cookie is cleared"
    );
    assert_eq!(
        browser.get(&url).await.status,
        StatusCode::OK,
        "and the password form is back"
    );
    let again = browser.get(&logout).await;
    assert_eq!(
        again.status,
        StatusCode::FOUND,
        "without a session there is nothing to confirm: the redirect follows at once"
    );
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_and_per_address() {
    let f = fixture_configured(ProviderConfig {
        sign_in_failures_per_account: 2,
        sign_in_failures_per_address: 3,
        sign_in_throttle_window_secs: 600,
        ..provider_config(300)
    })
    .await;
    let (_, challenge) = pkce();
    let url = app_authorize_url(&f.sandbox, "openid", "s", "n", &challenge);
    let attempt = |email: &'static str, password: &'static str| {
        let url = url.clone();
        async move {
            let browser = Browser::new();
            let page = browser.get(&url).await;
            let (action, mut fields) = form(&page.body);
            set_field(&mut fields, "email", email);
            set_field(&mut fields, "password", password);
            let answer = browser.post_form(&action, &fields).await;
            (answer, browser)
        }
    };
    for _ in 0..2 {
        let (answer, _) = attempt(EMAIL, "wrong password").await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "a plain failure first"
        );
    }
    let (answer, browser) = attempt(EMAIL, PASSWORD).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "after two failures the account waits, even with the right password: {answer:?}"
    );
    assert!(
        answer.body.contains("Too many failed sign-ins")
            && answer.body.contains("name=\"password\""),
        "the form says why: {}",
        answer.body
    );
    assert!(answer.location.is_none(), "no code");
    assert!(
        browser.cookie("ems_sandbox_session").is_none(),
        "no session"
    );
    let retry_after = retry_after_of(&f, &url, EMAIL).await;
    assert!(
        (1..=600).contains(&retry_after),
        "Retry-After is within the window: {retry_after}"
    );

    let (answer, _) = attempt("mallory@example.org", "guess").await;
    assert_eq!(
        answer.status,
        StatusCode::UNAUTHORIZED,
        "another account from this address still gets its check"
    );
    let (answer, _) = attempt("nobody@example.org", "guess").await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "three failures from one address block it for every account"
    );

    let conn = rusqlite::Connection::open(f.sandbox.database()).expect("open the db");
    let history: Vec<(String, String)> = conn
        .prepare("SELECT email, result FROM credential_checks ORDER BY id")
        .and_then(|mut s| {
            s.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()
        })
        .expect("the history of credential checks");
    let results: Vec<&str> = history.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        results,
        [
            "failure",
            "failure",
            "throttled",
            "throttled",
            "failure",
            "throttled"
        ],
        "every submitted form is one row with its result: {history:?}"
    );
}

/// The `Retry-After` of a sign-in attempt for `email` (expected to be throttled).
async fn retry_after_of(f: &Fixture, url: &str, email: &str) -> u64 {
    let browser = Browser::new();
    let page = browser.get(url).await;
    let (action, mut fields) = form(&page.body);
    set_field(&mut fields, "email", email);
    set_field(&mut fields, "password", "whatever");
    let origin = url::Url::parse(f.sandbox.issuer())
        .expect("issuer")
        .origin()
        .ascii_serialization();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let cookies = format!(
        "ems_sandbox_csrf={}",
        browser.cookie("ems_sandbox_csrf").expect("pre-session")
    );
    let response = reqwest::Client::new()
        .post(action)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", origin)
        .header("cookie", cookies)
        .body(body)
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("429 comes with Retry-After in seconds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_redemptions_of_one_code_at_once_revoke_the_grant() {
    let f = fixture().await;
    let (browser, _, _) = app_sign_in(&f.sandbox, "openid").await;
    // The race window is small; several rounds make a regression show.
    for round in 0..8 {
        let (verifier, challenge) = pkce();
        let state = format!("r{round}");
        let code = code_from(
            &continue_signed_in(
                &browser,
                &app_authorize_url(&f.sandbox, "openid", &state, "n", &challenge),
            )
            .await,
            APP_REDIRECT,
            &state,
        );
        let (a, b) = tokio::join!(
            exchange(&f.sandbox, &code, Some(&verifier)),
            exchange(&f.sandbox, &code, Some(&verifier))
        );
        let winners: Vec<&Value> = [&a, &b]
            .into_iter()
            .filter(|(status, _)| *status == StatusCode::OK)
            .map(|(_, body)| body)
            .collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one redemption succeeds: {a:?} {b:?}"
        );
        let loser = if a.0 == StatusCode::OK { &b } else { &a };
        assert_eq!(
            loser.1["error"], "invalid_grant",
            "round {round}: the other is a replay"
        );
        let access = winners[0]["access_token"].as_str().expect("access token");
        assert_eq!(
            userinfo(&f.sandbox, access).await,
            StatusCode::UNAUTHORIZED,
            "round {round}: a replay, however close behind, revokes what the code bought"
        );
    }
}

#[tokio::test]
async fn refresh_tokens_stop_at_their_absolute_lifetime() {
    let f = fixture_configured(ProviderConfig {
        refresh_token_absolute_lifetime_secs: 2,
        ..provider_config(300)
    })
    .await;
    let (_, tokens, _) = app_sign_in(&f.sandbox, "openid offline_access").await;
    let (status, rotated) = refresh(
        &f.sandbox,
        tokens["refresh_token"].as_str().expect("refresh token"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "within the lifetime refresh works: {rotated}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let (status, body) = refresh(
        &f.sandbox,
        rotated["refresh_token"]
            .as_str()
            .expect("rotated refresh token"),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "rotation does not extend a grant past its absolute lifetime: {body}"
    );
}
