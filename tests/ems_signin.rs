//! EMS sign-in, refresh and sign-out against the EMS reference server, with an HTTP client
//! that keeps cookies playing the browser, and the real Secret Service holding the tokens.

use std::sync::Arc;
use std::time::Duration;

use accounts_core::ems::{
    begin_sign_in, http_client, EmsError, EmsSession, PendingSignIn, SessionStatus, SignedIn,
    TokenSet, DEFAULT_SIGN_IN_TIMEOUT,
};
use accounts_core::vault::{new_account_id, Secret, Vault};
use ems_sandbox::ClientConfig;
use reqwest::StatusCode;
use test_support::browser::{query_param, Browser, Player};
use test_support::sandbox::{SandboxBuilder, TestSandbox, APP_CLIENT};

const EMAIL: &str = "carol@example.org";
const PASSWORD: &str = "carol's long password";

struct Fixture {
    sandbox: TestSandbox,
}

impl Fixture {
    async fn start(access_token_lifetime_secs: u32) -> Self {
        Self::start_with_client(
            access_token_lifetime_secs,
            ClientConfig::public_native(APP_CLIENT),
        )
        .await
    }

    /// A sandbox whose app client is `client`.
    async fn start_with_client(access_token_lifetime_secs: u32, client: ClientConfig) -> Self {
        let sandbox = SandboxBuilder::new()
            .user(EMAIL, "Carol Danvers", Some("carol"), PASSWORD)
            .access_token_lifetime(access_token_lifetime_secs)
            .client(client)
            .start()
            .await;
        Self { sandbox }
    }

    fn issuer(&self) -> &str {
        self.sandbox.issuer()
    }

    /// How many refresh tokens the sandbox has issued in all (one per sign-in, one per refresh).
    fn refresh_tokens_issued(&self) -> i64 {
        self.sandbox.count_rows("refresh_tokens")
    }

    async fn revoke(&self, token: &Secret) {
        let status = post_form(
            &self.sandbox.url("oauth2/revoke"),
            &[("token", token.expose()), ("client_id", APP_CLIENT)],
        )
        .await
        .status();
        assert_eq!(status, StatusCode::OK, "the sandbox revokes the token");
    }
}

async fn post_form(url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("the sandbox answers")
}

/// Plays the user in the browser: opens the authorization URL, signs in with the form (or, when
/// the browser is signed in already, clicks "Continue as …") and follows the redirect back to the
/// app's loopback listener. Returns the listener's page.
async fn play_browser(browser: &Browser, authorize_url: &str) -> String {
    Player::new(EMAIL, PASSWORD)
        .play_to_app(browser, authorize_url)
        .await
        .body
}

async fn sign_in(
    fixture: &Fixture,
    browser: &Browser,
) -> (SignedIn, accounts_core::ems::EmsProvider, String) {
    let pending = begin_sign_in(&http_client(), fixture.issuer(), DEFAULT_SIGN_IN_TIMEOUT)
        .await
        .expect("sign-in starts");
    let url = pending.authorize_url().to_string();
    let finish = tokio::spawn(pending.finish());
    let page = play_browser(browser, &url).await;
    let (signed_in, provider) = finish.await.expect("task").expect("signed in");
    (signed_in, provider, page)
}

async fn session_for(
    fixture: &Fixture,
    browser: &Browser,
    vault: &Vault,
) -> (Arc<EmsSession>, SignedIn) {
    let (signed_in, provider, _) = sign_in(fixture, browser).await;
    let session = EmsSession::signed_in(
        new_account_id(),
        provider,
        signed_in.tokens.clone(),
        http_client(),
        vault.clone(),
    )
    .await
    .expect("tokens saved");
    (Arc::new(session), signed_in)
}

#[tokio::test]
async fn sign_in_verifies_the_id_token_and_keeps_the_tokens_in_the_keyring() {
    let fixture = Fixture::start(300).await;
    let browser = Browser::new();
    let vault = Vault::keyring();
    let (signed_in, provider, page) = sign_in(&fixture, &browser).await;
    assert!(
        page.contains("You can close this tab"),
        "the browser tab ends on a closing page: {page}"
    );
    assert_eq!(signed_in.identity.email.as_deref(), Some(EMAIL));
    assert_eq!(signed_in.identity.name.as_deref(), Some("Carol Danvers"));
    assert_eq!(signed_in.issuer, fixture.issuer());
    assert!(
        signed_in.tokens.refresh_token.is_some(),
        "offline_access gives a refresh token"
    );

    let id = new_account_id();
    let session = EmsSession::signed_in(
        id.clone(),
        provider,
        signed_in.tokens.clone(),
        http_client(),
        vault.clone(),
    )
    .await
    .expect("saved");
    let info = session.userinfo().await.expect("the access token works");
    assert_eq!(info["email"], EMAIL);
    let stored = TokenSet::load(&vault, &id)
        .await
        .expect("read")
        .expect("in the keyring");
    assert_eq!(
        stored.access_token, signed_in.tokens.access_token,
        "the keyring holds the tokens"
    );

    // A second sign-in from the same browser needs no password, only the one-click consent:
    // the provider's session holds.
    let (again, _, _) = sign_in(&fixture, &browser).await;
    assert_eq!(again.identity.subject, signed_in.identity.subject);
    TokenSet::forget(&vault, &id).await.expect("clean up");
}

#[tokio::test]
async fn refreshes_before_expiry_and_saves_the_rotated_token() {
    let fixture = Fixture::start(32).await;
    let vault = Vault::keyring();
    let (session, signed_in) = session_for(&fixture, &Browser::new(), &vault).await;
    let first = session.access_token().await.expect("token");
    assert_eq!(
        first, signed_in.tokens.access_token,
        "a fresh token is used as it is"
    );
    assert_eq!(fixture.refresh_tokens_issued(), 1);

    tokio::time::sleep(Duration::from_secs(3)).await; // now within 30 s of expiry
    let second = session.access_token().await.expect("refreshed");
    assert_ne!(second, first, "a token about to expire is refreshed first");
    assert_eq!(fixture.refresh_tokens_issued(), 2, "one refresh");
    let stored = TokenSet::load(&vault, session.account_id())
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        stored.access_token, second,
        "the new token is saved at once"
    );
    assert_ne!(
        stored.refresh_token, signed_in.tokens.refresh_token,
        "the rotated refresh token is saved"
    );
    TokenSet::forget(&vault, session.account_id())
        .await
        .expect("clean up");
}

#[tokio::test]
async fn refreshes_after_a_401() {
    let fixture = Fixture::start(300).await;
    let vault = Vault::keyring();
    let (session, signed_in) = session_for(&fixture, &Browser::new(), &vault).await;
    fixture.revoke(&signed_in.tokens.access_token).await;
    let info = session
        .userinfo()
        .await
        .expect("the 401 leads to a refresh and a retry");
    assert_eq!(info["email"], EMAIL);
    let now = session.access_token().await.expect("token");
    assert_ne!(
        now, signed_in.tokens.access_token,
        "the rejected token was replaced"
    );
    assert_eq!(fixture.refresh_tokens_issued(), 2, "exactly one refresh");
    TokenSet::forget(&vault, session.account_id())
        .await
        .expect("clean up");
}

#[tokio::test]
async fn twenty_concurrent_callers_with_an_expired_token_cause_one_refresh() {
    let fixture = Fixture::start(32).await;
    let vault = Vault::keyring();
    let (session, _) = session_for(&fixture, &Browser::new(), &vault).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let callers: Vec<_> = (0..20)
        .map(|_| {
            let session = Arc::clone(&session);
            tokio::spawn(async move { session.access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(
            caller
                .await
                .expect("task")
                .expect("every caller gets a token"),
        );
    }
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "everyone waited for the same refresh"
    );
    assert_eq!(
        fixture.refresh_tokens_issued(),
        2,
        "one token-endpoint refresh for twenty callers (a second would revoke the family)"
    );
    let info = session
        .userinfo()
        .await
        .expect("the token family is still valid");
    assert_eq!(info["email"], EMAIL);
    TokenSet::forget(&vault, session.account_id())
        .await
        .expect("clean up");
}

#[tokio::test]
async fn the_rotated_token_survives_a_restart_of_the_client() {
    let fixture = Fixture::start(32).await;
    let vault = Vault::keyring();
    let (session, _) = session_for(&fixture, &Browser::new(), &vault).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rotated = session.access_token().await.expect("refreshed");
    let id = session.account_id().to_owned();
    drop(session);

    let restarted = EmsSession::new(id.clone(), fixture.issuer(), http_client(), vault.clone());
    assert_eq!(restarted.status(), SessionStatus::Unknown);
    let info = restarted
        .userinfo()
        .await
        .expect("the restarted client is signed in");
    assert_eq!(info["email"], EMAIL);
    assert_eq!(restarted.status(), SessionStatus::SignedIn);
    let again = restarted
        .refresh_after_unauthorized(&restarted.access_token().await.expect("token"))
        .await
        .expect("the saved rotated refresh token still refreshes (the spent one would revoke the family)");
    assert_ne!(again, rotated);
    TokenSet::forget(&vault, &id).await.expect("clean up");
}

#[tokio::test]
async fn sign_out_revokes_the_tokens_and_ends_the_browser_session() {
    let fixture = Fixture::start(300).await;
    let vault = Vault::keyring();
    let browser = Browser::new();
    let (session, signed_in) = session_for(&fixture, &browser, &vault).await;
    let end_session = session
        .sign_out()
        .await
        .expect("signed out")
        .expect("the server can end the browser session");
    assert_eq!(session.status(), SessionStatus::SignedOut);
    assert!(
        TokenSet::load(&vault, session.account_id())
            .await
            .expect("read")
            .is_none(),
        "the keyring entry is gone"
    );

    let refresh = signed_in.tokens.refresh_token.expect("had one");
    let reuse = post_form(
        &fixture.sandbox.url("oauth2/token"),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
            ("client_id", "element-accounts"),
        ],
    )
    .await;
    assert_eq!(
        reuse.status(),
        StatusCode::BAD_REQUEST,
        "the refresh token was revoked"
    );
    let info = reqwest::Client::new()
        .get(fixture.sandbox.url("oauth2/userinfo"))
        .bearer_auth(signed_in.tokens.access_token.expose())
        .send()
        .await
        .expect("userinfo");
    assert_eq!(
        info.status(),
        StatusCode::UNAUTHORIZED,
        "the access token was revoked"
    );

    let confirmation = browser.get(end_session.as_str()).await;
    let ended = browser.confirm_sign_out(&confirmation).await;
    assert!(
        ended.status.is_success() || ended.status.is_redirection(),
        "end-session answers: {ended:?}"
    );
    let pending = begin_sign_in(&http_client(), fixture.issuer(), DEFAULT_SIGN_IN_TIMEOUT)
        .await
        .expect("starts");
    let page = browser.get(pending.authorize_url().as_str()).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "after sign-out the provider asks for the password again"
    );
    assert!(
        page.body.contains("password"),
        "the sign-in form: {}",
        page.body
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_means_signed_out_on_the_server() {
    let fixture = Fixture::start(300).await;
    let vault = Vault::keyring();
    let (session, signed_in) = session_for(&fixture, &Browser::new(), &vault).await;
    fixture
        .revoke(
            signed_in
                .tokens
                .refresh_token
                .as_ref()
                .expect("refresh token"),
        )
        .await;
    let current = session.access_token().await.expect("still held");
    let err = session
        .refresh_after_unauthorized(&current)
        .await
        .expect_err("the family is revoked");
    assert!(matches!(err, EmsError::SignedOutOnServer), "got {err:?}");
    assert_eq!(
        session.status(),
        SessionStatus::SignedOutOnServer,
        "the account shows it"
    );
    assert!(
        err.to_string().contains("Sign in again"),
        "and offers to sign in again: {err}"
    );
    assert!(
        matches!(
            session.access_token().await,
            Err(EmsError::SignedOutOnServer)
        ),
        "the state is kept, not retried"
    );
}

async fn begin(fixture: &Fixture, timeout: Duration) -> PendingSignIn {
    begin_sign_in(&http_client(), fixture.issuer(), timeout)
        .await
        .expect("sign-in starts")
}

#[tokio::test]
async fn cancelling_ends_the_flow_and_closes_the_port() {
    let fixture = Fixture::start(300).await;
    let pending = begin(&fixture, DEFAULT_SIGN_IN_TIMEOUT).await;
    let redirect =
        query_param(pending.authorize_url().as_str(), "redirect_uri").expect("redirect uri");
    let cancel = pending.cancel_handle();
    let finish = tokio::spawn(pending.finish());
    cancel.cancel();
    let err = finish.await.expect("task").expect_err("cancelled");
    assert!(matches!(err, EmsError::Cancelled), "got {err:?}");
    let port = url::Url::parse(&redirect)
        .expect("url")
        .port()
        .expect("port");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the listener is closed"
    );
}

#[tokio::test]
async fn the_timeout_ends_the_flow() {
    let fixture = Fixture::start(300).await;
    let err = begin(&fixture, Duration::from_millis(500))
        .await
        .finish()
        .await
        .expect_err("nobody came back");
    assert!(matches!(err, EmsError::TimedOut), "got {err:?}");
    assert!(
        err.to_string().contains("Start it again"),
        "the message says what to do: {err}"
    );
}

#[tokio::test]
async fn an_error_in_the_callback_is_reported() {
    let fixture = Fixture::start(300).await;
    let pending = begin(&fixture, DEFAULT_SIGN_IN_TIMEOUT).await;
    let url = pending.authorize_url().to_string();
    let redirect = query_param(&url, "redirect_uri").expect("redirect uri");
    let state = query_param(&url, "state").expect("state");
    let finish = tokio::spawn(pending.finish());
    // The server names itself in every authorization response (RFC 9207).
    let iss: String = url::form_urlencoded::byte_serialize(fixture.issuer().as_bytes()).collect();
    let denied = format!(
        "{redirect}?error=access_denied&error_description=The+user+said+no&state={state}&iss={iss}"
    );
    let page = Browser::new().get(&denied).await;
    assert!(
        page.body.contains("not completed"),
        "the browser is told: {}",
        page.body
    );
    let err = finish.await.expect("task").expect_err("refused");
    assert!(
        matches!(&err, EmsError::Refused { error, .. } if error == "access_denied"),
        "got {err:?}"
    );
}

#[tokio::test]
async fn a_callback_with_a_wrong_state_changes_nothing() {
    let fixture = Fixture::start(300).await;
    let browser = Browser::new();
    let pending = begin(&fixture, DEFAULT_SIGN_IN_TIMEOUT).await;
    let url = pending.authorize_url().to_string();
    let redirect = query_param(&url, "redirect_uri").expect("redirect uri");
    let finish = tokio::spawn(pending.finish());
    let forged = browser
        .get(&format!(
            "{redirect}?code=forged&state=not-the-state-of-this-flow"
        ))
        .await;
    assert_eq!(
        forged.status,
        StatusCode::BAD_REQUEST,
        "a wrong state is refused"
    );
    let page = play_browser(&browser, &url).await;
    assert!(
        page.contains("You can close this tab"),
        "the real callback still completes: {page}"
    );
    let (signed_in, _) = finish.await.expect("task").expect("signed in");
    assert_eq!(signed_in.identity.email.as_deref(), Some(EMAIL));
}

#[tokio::test]
async fn an_unreachable_issuer_is_reported() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let err = begin_sign_in(
        &http_client(),
        &format!("http://127.0.0.1:{port}/"),
        DEFAULT_SIGN_IN_TIMEOUT,
    )
    .await
    .expect_err("nothing listens");
    assert!(matches!(err, EmsError::Unreachable { .. }), "got {err:?}");
    assert!(err.to_string().contains("Could not reach"), "{err}");
}

#[tokio::test]
async fn a_server_that_is_not_an_oidc_provider_is_reported() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let body = "<html><body>Just a web site</body></html>";
            let _ = stream
                .write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes())
                .await;
        }
    });
    let err = begin_sign_in(
        &http_client(),
        &format!("http://127.0.0.1:{port}/"),
        DEFAULT_SIGN_IN_TIMEOUT,
    )
    .await
    .expect_err("not OIDC");
    assert!(
        matches!(err, EmsError::NotOidcProvider { .. }),
        "got {err:?}"
    );
    assert!(
        err.to_string().contains("EMS API"),
        "the message names what the server must speak: {err}"
    );
    let err = begin_sign_in(&http_client(), "not a url", DEFAULT_SIGN_IN_TIMEOUT)
        .await
        .expect_err("malformed");
    assert!(matches!(err, EmsError::InvalidIssuer(_)), "got {err:?}");
}

#[tokio::test]
async fn an_id_token_that_does_not_verify_is_refused() {
    let fixture = Fixture::start(300).await;
    let (signed_in, provider, _) = sign_in(&fixture, &Browser::new()).await;
    let raw = signed_in
        .tokens
        .id_token
        .expect("an ID token")
        .expose()
        .to_owned();
    let nonce = "not-the-nonce";
    let err = provider
        .verify_id_token(&raw, nonce)
        .expect_err("wrong nonce");
    assert!(
        matches!(err, EmsError::IdTokenInvalid(_)),
        "a replayed ID token is refused: {err:?}"
    );

    let (head, signature) = raw.rsplit_once('.').expect("a JWS");
    let mut bytes: Vec<char> = signature.chars().collect();
    bytes[10] = if bytes[10] == 'A' { 'B' } else { 'A' };
    let tampered = format!("{head}.{}", bytes.into_iter().collect::<String>());
    let claims_nonce = {
        use base64::Engine as _;
        let payload = raw.split('.').nth(1).expect("payload");
        let json: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .expect("base64"),
        )
        .expect("json");
        json["nonce"].as_str().expect("nonce").to_owned()
    };
    provider
        .verify_id_token(&raw, &claims_nonce)
        .expect("the untouched token verifies");
    let err = provider
        .verify_id_token(&tampered, &claims_nonce)
        .expect_err("bad signature");
    assert!(
        matches!(err, EmsError::IdTokenInvalid(_)),
        "a forged signature is refused: {err:?}"
    );
}

#[tokio::test]
async fn a_provider_that_keeps_profile_claims_in_userinfo_still_shows_who_signed_in() {
    let mut client = ClientConfig::public_native("element-accounts");
    client.id_token_profile_claims = false;
    let fixture = Fixture::start_with_client(300, client).await;
    let (signed_in, provider, _) = sign_in(&fixture, &Browser::new()).await;
    let raw = signed_in
        .tokens
        .id_token
        .as_ref()
        .expect("an ID token")
        .expose()
        .to_owned();
    let payload = raw.split('.').nth(1).expect("a JWT");
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .expect("base64"),
    )
    .expect("json");
    assert!(
        claims.get("email").is_none(),
        "the sandbox keeps the email out of the ID token here: {claims}"
    );
    assert_eq!(
        signed_in.identity.email.as_deref(),
        Some(EMAIL),
        "the email is read from UserInfo"
    );
    assert_eq!(signed_in.identity.name.as_deref(), Some("Carol Danvers"));
    drop(provider);
}
