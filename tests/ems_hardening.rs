//! EMS sign-in against OpenID providers made to misbehave: a test server that serves discovery,
//! a JWKS, an authorization endpoint that answers at once, a token endpoint and UserInfo, each
//! bent the way one test needs. The app's real sign-in code (`begin_sign_in`, the loopback
//! listener, `PendingSignIn::finish`) runs against it; the test plays the browser.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use accounts_core::browser::Opener;
use accounts_core::ems::{
    begin_sign_in, http_client, EmsAccounts, EmsError, DEFAULT_SIGN_IN_TIMEOUT,
};
use accounts_core::vault::{MemoryStore, Registry, Vault};
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ems_sandbox::IdTokenKey;
use serde_json::{json, Value};

const CLIENT_ID: &str = "element-accounts";
const SUBJECT: &str = "user-42";

/// How the ID token (or the rest of the answer) is bent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdToken {
    Good,
    WrongIss,
    WrongAud,
    ExtraAudWithoutAzp,
    Expired,
    AlgNone,
    UnknownKid,
    /// Carries the nonce of the sign-in before this one.
    ReplayedNonce,
    /// Only `sub` and the protocol claims: email and name come from UserInfo.
    ProfileInUserInfo,
}

/// The provider's settings for one test.
#[derive(Debug, Clone)]
struct Behaviour {
    id_token: IdToken,
    /// `authorization_response_iss_parameter_supported` in discovery.
    advertises_iss: bool,
    /// The `iss` the authorization response carries: `None` for none, `Some("")` for the
    /// provider's own issuer.
    iss_in_response: Option<String>,
    /// UserInfo names another subject than the ID token.
    userinfo_other_subject: bool,
    /// Discovery entries replaced wholesale (for endpoints on other servers or schemes).
    metadata_overrides: Vec<(&'static str, String)>,
    /// How long the token endpoint takes to answer.
    token_delay: std::time::Duration,
    /// The token endpoint answers with a 307 to this address instead of tokens.
    token_redirect: Option<String>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            id_token: IdToken::Good,
            advertises_iss: true,
            iss_in_response: Some(String::new()),
            userinfo_other_subject: false,
            metadata_overrides: Vec::new(),
            token_delay: std::time::Duration::ZERO,
            token_redirect: None,
        }
    }
}

struct ProviderState {
    issuer: String,
    key: IdTokenKey,
    other_key: IdTokenKey,
    behaviour: Mutex<Behaviour>,
    /// Every nonce the authorization endpoint saw, in order.
    nonces: Mutex<Vec<String>>,
    /// How many times the token endpoint was called.
    token_requests: Mutex<u32>,
}

type Shared = Arc<ProviderState>;

struct RogueProvider {
    state: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RogueProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl RogueProvider {
    async fn start(behaviour: Behaviour) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let issuer = format!("http://{}/", listener.local_addr().expect("addr"));
        let state = Arc::new(ProviderState {
            issuer,
            key: IdTokenKey::generate(),
            other_key: IdTokenKey::generate(),
            behaviour: Mutex::new(behaviour),
            nonces: Mutex::new(Vec::new()),
            token_requests: Mutex::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(Arc::clone(&state));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self { state, server }
    }

    fn issuer(&self) -> &str {
        &self.state.issuer
    }

    fn set(&self, change: impl FnOnce(&mut Behaviour)) {
        change(&mut self.state.behaviour.lock().expect("lock"));
    }

    fn token_requests(&self) -> u32 {
        *self.state.token_requests.lock().expect("lock")
    }
}

async fn discovery(State(state): State<Shared>) -> Json<Value> {
    let behaviour = state.behaviour.lock().expect("lock").clone();
    let issuer = &state.issuer;
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}authorize"),
        "token_endpoint": format!("{issuer}token"),
        "userinfo_endpoint": format!("{issuer}userinfo"),
        "jwks_uri": format!("{issuer}jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": behaviour.advertises_iss,
    });
    for (name, value) in behaviour.metadata_overrides {
        doc[name] = Value::from(value);
    }
    Json(doc)
}

async fn jwks(State(state): State<Shared>) -> Json<Value> {
    Json(json!({ "keys": [state.key.public_jwk()] }))
}

async fn authorize(State(state): State<Shared>, RawQuery(raw): RawQuery) -> Response {
    let query: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let behaviour = state.behaviour.lock().expect("lock").clone();
    state
        .nonces
        .lock()
        .expect("lock")
        .push(query.get("nonce").cloned().unwrap_or_default());
    let mut back = url::Url::parse(&query["redirect_uri"]).expect("redirect_uri");
    {
        let mut pairs = back.query_pairs_mut();
        pairs.append_pair("code", "the-authorization-code");
        pairs.append_pair("state", &query["state"]);
        match behaviour.iss_in_response.as_deref() {
            Some("") => {
                pairs.append_pair("iss", &state.issuer);
            }
            Some(other) => {
                pairs.append_pair("iss", other);
            }
            None => {}
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("time")
            .as_secs(),
    )
    .expect("seconds")
}

async fn token(State(state): State<Shared>) -> Response {
    *state.token_requests.lock().expect("lock") += 1;
    let behaviour = state.behaviour.lock().expect("lock").clone();
    tokio::time::sleep(behaviour.token_delay).await;
    if let Some(elsewhere) = behaviour.token_redirect {
        return (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, elsewhere)],
        )
            .into_response();
    }
    let nonces = state.nonces.lock().expect("lock").clone();
    let nonce = match behaviour.id_token {
        IdToken::ReplayedNonce => nonces.iter().rev().nth(1).cloned().unwrap_or_default(),
        _ => nonces.last().cloned().unwrap_or_default(),
    };
    let mut claims = json!({
        "iss": state.issuer,
        "sub": SUBJECT,
        "aud": CLIENT_ID,
        "iat": now(),
        "exp": now() + 600,
        "nonce": nonce,
        "email": "dana@example.org",
        "name": "Dana Scully",
    });
    match behaviour.id_token {
        IdToken::WrongIss => claims["iss"] = json!("http://127.0.0.1:1/"),
        IdToken::WrongAud => claims["aud"] = json!("someone-else"),
        IdToken::ExtraAudWithoutAzp => claims["aud"] = json!([CLIENT_ID, "someone-else"]),
        IdToken::Expired => {
            claims["iat"] = json!(now() - 7200);
            claims["exp"] = json!(now() - 3600);
        }
        IdToken::ProfileInUserInfo => {
            let map = claims.as_object_mut().expect("object");
            map.remove("email");
            map.remove("name");
        }
        IdToken::Good | IdToken::AlgNone | IdToken::UnknownKid | IdToken::ReplayedNonce => {}
    }
    let id_token = match behaviour.id_token {
        IdToken::AlgNone => format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "JWT" }).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        ),
        IdToken::UnknownKid => state.other_key.sign_jwt(&claims),
        _ => state.key.sign_jwt(&claims),
    };
    Json(json!({
        "access_token": "an-access-token",
        "token_type": "Bearer",
        "expires_in": 600,
        "id_token": id_token,
    }))
    .into_response()
}

async fn userinfo(State(state): State<Shared>) -> Json<Value> {
    let behaviour = state.behaviour.lock().expect("lock").clone();
    let subject = if behaviour.userinfo_other_subject {
        "someone-else"
    } else {
        SUBJECT
    };
    Json(json!({
        "sub": subject,
        "email": "dana@example.org",
        "name": "Dana Scully",
    }))
}

/// Runs one sign-in against `provider`, the test playing the browser: it follows the
/// authorization endpoint's redirect to the app's loopback listener.
async fn sign_in(provider: &RogueProvider) -> Result<accounts_core::ems::SignedIn, EmsError> {
    let pending = begin_sign_in(&http_client(), provider.issuer(), DEFAULT_SIGN_IN_TIMEOUT).await?;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let authorize = pending.authorize_url().clone();
    let browse = tokio::spawn(async move {
        let answer = browser.get(authorize).send().await.expect("authorize");
        let location = answer
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("a redirect back to the app")
            .to_owned();
        browser.get(location).send().await.map(|r| r.status())
    });
    let result = pending.finish().await;
    let status = browse.await.expect("browser task").expect("callback");
    assert_eq!(
        status,
        StatusCode::OK,
        "the loopback listener answers the browser either way"
    );
    result.map(|(signed_in, _provider)| signed_in)
}

#[tokio::test]
async fn a_well_behaved_provider_signs_in() {
    let provider = RogueProvider::start(Behaviour::default()).await;
    let signed_in = sign_in(&provider).await.expect("the control case signs in");
    assert_eq!(signed_in.identity.subject, SUBJECT);
    assert_eq!(
        signed_in.identity.email.as_deref(),
        Some("dana@example.org")
    );
}

#[tokio::test]
async fn each_bad_id_token_is_refused() {
    for bent in [
        IdToken::WrongIss,
        IdToken::WrongAud,
        IdToken::ExtraAudWithoutAzp,
        IdToken::Expired,
        IdToken::AlgNone,
        IdToken::UnknownKid,
    ] {
        let provider = RogueProvider::start(Behaviour {
            id_token: bent,
            ..Behaviour::default()
        })
        .await;
        let err = sign_in(&provider)
            .await
            .expect_err("a bad ID token must not sign in");
        assert!(
            matches!(err, EmsError::IdTokenInvalid(_)),
            "{bent:?}: expected an ID-token refusal, got {err:?}"
        );
    }
}

#[tokio::test]
async fn a_nonce_replayed_from_an_earlier_sign_in_is_refused() {
    let provider = RogueProvider::start(Behaviour::default()).await;
    sign_in(&provider).await.expect("the first sign-in");
    provider.set(|b| b.id_token = IdToken::ReplayedNonce);
    let err = sign_in(&provider)
        .await
        .expect_err("the earlier sign-in's ID token must not sign in again");
    assert!(
        matches!(err, EmsError::IdTokenInvalid(ref m) if m.to_lowercase().contains("nonce")),
        "got {err:?}"
    );
}

#[tokio::test]
async fn an_authorization_response_from_another_issuer_is_refused_before_the_code_is_used() {
    let provider = RogueProvider::start(Behaviour {
        iss_in_response: Some("http://127.0.0.1:9/".to_owned()),
        ..Behaviour::default()
    })
    .await;
    let err = sign_in(&provider)
        .await
        .expect_err("a mixed-up response must not sign in");
    assert!(
        matches!(err, EmsError::IssuerMismatch { ref got, .. } if got == "http://127.0.0.1:9/"),
        "got {err:?}"
    );
    assert_eq!(
        provider.token_requests(),
        0,
        "the code must never reach the token endpoint"
    );

    // A server that promises `iss` and then sends none is refused the same way.
    provider.set(|b| b.iss_in_response = None);
    let err = sign_in(&provider)
        .await
        .expect_err("no iss, though promised");
    assert!(
        matches!(err, EmsError::IssuerMismatch { .. }),
        "got {err:?}"
    );
    assert_eq!(provider.token_requests(), 0);

    // One that never promised it may leave it out.
    provider.set(|b| b.advertises_iss = false);
    sign_in(&provider)
        .await
        .expect("no iss is fine where none was promised");
}

#[tokio::test]
async fn endpoints_on_another_server_over_plain_http_are_refused() {
    // The mix-up: another server's authorization endpoint, this one's own token endpoint.
    let honest = RogueProvider::start(Behaviour::default()).await;
    let rogue = RogueProvider::start(Behaviour::default()).await;
    let honest_authorize = format!("{}authorize", honest.issuer());
    rogue.set(|b| {
        b.metadata_overrides
            .push(("authorization_endpoint", honest_authorize));
    });
    let err = begin_sign_in(&http_client(), rogue.issuer(), DEFAULT_SIGN_IN_TIMEOUT)
        .await
        .expect_err("metadata pairing another server's authorization endpoint is refused");
    assert!(
        matches!(err, EmsError::Insecure { ref reason, .. } if reason.contains("authorization")),
        "got {err:?}"
    );
    assert!(
        honest.state.nonces.lock().expect("lock").is_empty(),
        "the honest server never sees the request"
    );
}

#[tokio::test]
async fn every_endpoint_obeys_the_transport_rule() {
    for (name, value) in [
        ("token_endpoint", "http://ems.example.com/token"),
        ("jwks_uri", "http://ems.example.com/jwks"),
        ("revocation_endpoint", "file:///etc/passwd"),
        ("end_session_endpoint", "smb://ems.example.com/logout"),
        ("userinfo_endpoint", "http://ems.example.com/userinfo"),
    ] {
        let provider = RogueProvider::start(Behaviour {
            metadata_overrides: vec![(name, value.to_owned())],
            ..Behaviour::default()
        })
        .await;
        let err = begin_sign_in(&http_client(), provider.issuer(), DEFAULT_SIGN_IN_TIMEOUT)
            .await
            .expect_err("an endpoint breaking the transport rule is refused");
        assert!(
            matches!(err, EmsError::Insecure { .. }),
            "{name} = {value}: got {err:?}"
        );
    }
    // The authorization endpoint from discovery is what the browser would open.
    let provider = RogueProvider::start(Behaviour {
        metadata_overrides: vec![("authorization_endpoint", "file:///etc/passwd".to_owned())],
        ..Behaviour::default()
    })
    .await;
    let err = begin_sign_in(&http_client(), provider.issuer(), DEFAULT_SIGN_IN_TIMEOUT)
        .await
        .expect_err("a file: authorization endpoint is refused before any browser opens");
    assert!(matches!(err, EmsError::Insecure { .. }), "got {err:?}");
}

#[tokio::test]
async fn an_issuer_over_plain_http_to_another_computer_is_refused_before_any_request() {
    let err = begin_sign_in(
        &http_client(),
        "http://ems.example.com/",
        DEFAULT_SIGN_IN_TIMEOUT,
    )
    .await
    .expect_err("plain http off this computer is refused");
    assert!(matches!(err, EmsError::Insecure { .. }), "got {err:?}");
    let err = begin_sign_in(&http_client(), "file:///etc/", DEFAULT_SIGN_IN_TIMEOUT)
        .await
        .expect_err("not a web address");
    assert!(matches!(err, EmsError::InvalidIssuer(_)), "got {err:?}");
}

#[tokio::test]
async fn profile_claims_are_read_from_userinfo_when_the_id_token_lacks_them() {
    let provider = RogueProvider::start(Behaviour {
        id_token: IdToken::ProfileInUserInfo,
        ..Behaviour::default()
    })
    .await;
    let signed_in = sign_in(&provider).await.expect("signs in");
    assert_eq!(
        signed_in.identity.email.as_deref(),
        Some("dana@example.org"),
        "the email comes from UserInfo"
    );
    assert_eq!(signed_in.identity.name.as_deref(), Some("Dana Scully"));

    provider.set(|b| b.userinfo_other_subject = true);
    let err = sign_in(&provider)
        .await
        .expect_err("UserInfo about someone else must not be used");
    assert!(matches!(err, EmsError::IdTokenInvalid(_)), "got {err:?}");
}

/// The browser's part of a sign-in at `authorize_url`: follows the authorization endpoint's
/// redirect back to the app's loopback listener, and returns the listener's status.
async fn come_back(authorize_url: String) -> StatusCode {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let answer = browser.get(authorize_url).send().await.expect("authorize");
    let back = answer
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("a redirect back to the app")
        .to_owned();
    browser.get(back).send().await.expect("callback").status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_that_ends_late_leaves_the_newer_sign_ins_cancel_alone() {
    let provider = RogueProvider::start(Behaviour {
        token_delay: std::time::Duration::from_millis(1500),
        ..Behaviour::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("data dir");
    let ems = Arc::new(EmsAccounts::new(
        Vault::new(Arc::new(MemoryStore::default())),
        Registry::open(dir.path()),
        Opener::new(None, None),
        dir.path().join("ems-cache"),
    ));

    // The first sign-in: the browser comes back, and the code exchange takes its time.
    let first = ems.start_sign_in(provider.issuer()).await.expect("starts");
    let finishing_first = tokio::spawn({
        let ems = Arc::clone(&ems);
        async move { ems.finish_sign_in().await }
    });
    let browser = tokio::spawn(come_back(first.url));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while provider.token_requests() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first code never reached the server"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // A second sign-in starts while the first is still finishing; then the first ends.
    ems.start_sign_in(provider.issuer())
        .await
        .expect("the second starts");
    let finishing_second = tokio::spawn({
        let ems = Arc::clone(&ems);
        async move { ems.finish_sign_in().await }
    });
    finishing_first
        .await
        .expect("task")
        .expect("the first sign-in completes, late");
    browser.await.expect("browser task");

    // The second's cancel still works: it was not taken away by the first's late end.
    ems.cancel_sign_in();
    let second = tokio::time::timeout(std::time::Duration::from_secs(10), finishing_second)
        .await
        .expect("cancelling the second sign-in must end it at once")
        .expect("task");
    assert!(matches!(second, Err(EmsError::Cancelled)), "got {second:?}");
}

#[tokio::test]
async fn the_code_exchange_follows_no_redirect() {
    // Another server, recording whatever reaches it.
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let recorder = {
        let seen = Arc::clone(&seen);
        Router::new().fallback(move |body: String| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock().expect("lock").push(body);
                StatusCode::OK
            }
        })
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let elsewhere = format!("http://{}/token", listener.local_addr().expect("addr"));
    let _recorder = tokio::spawn(async move {
        axum::serve(listener, recorder).await.expect("serve");
    });
    let provider = RogueProvider::start(Behaviour {
        token_redirect: Some(elsewhere),
        ..Behaviour::default()
    })
    .await;
    let err = sign_in(&provider)
        .await
        .expect_err("a redirected token request is no sign-in");
    assert!(matches!(err, EmsError::TokenExchange(_)), "got {err:?}");
    assert_eq!(
        provider.token_requests(),
        1,
        "the code went to the token endpoint"
    );
    assert!(
        seen.lock().expect("lock").is_empty(),
        "the code and the PKCE verifier must never be sent on to the redirect's target"
    );
}

#[tokio::test]
async fn a_discovery_document_naming_another_issuer_is_refused() {
    let provider = RogueProvider::start(Behaviour {
        metadata_overrides: vec![("issuer", "http://127.0.0.1:1/".to_owned())],
        ..Behaviour::default()
    })
    .await;
    let err = begin_sign_in(&http_client(), provider.issuer(), DEFAULT_SIGN_IN_TIMEOUT)
        .await
        .expect_err("the document must be about the issuer asked");
    assert!(
        matches!(err, EmsError::NotOidcProvider { ref detail, .. } if detail.contains("another issuer")),
        "got {err:?}"
    );
}
