//! No credential follows a redirect: servers made for the test answer a sign-in with a 307 to
//! another port, and a recorder there must see nothing. Discovery, which carries nothing secret,
//! still follows a redirect that stays on this computer.

use std::sync::{Arc, Mutex};

use accounts_core::matrix::{discover, discovery_client, http_client, password_login, MatrixError};
use accounts_core::vault::Secret;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::json;
use url::Url;

/// What the recorder saw: one line per request, with the size of its body.
type Seen = Arc<Mutex<Vec<String>>>;

async fn serve(app: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (base, task)
}

async fn recorder() -> (String, Seen, tokio::task::JoinHandle<()>) {
    async fn record(State(seen): State<Seen>, uri: Uri, body: Bytes) -> Json<serde_json::Value> {
        seen.lock()
            .expect("lock")
            .push(format!("{uri} ({} bytes)", body.len()));
        Json(json!({
            "user_id": "@alice:elsewhere",
            "device_id": "STOLEN",
            "access_token": "t",
        }))
    }
    let seen: Seen = Arc::default();
    let app = Router::new()
        .fallback(any(record))
        .with_state(Arc::clone(&seen));
    let (base, task) = serve(app).await;
    (base, seen, task)
}

/// A "homeserver" whose every answer is `status` to the same path on `target`.
async fn redirector(target: String, status: StatusCode) -> (String, tokio::task::JoinHandle<()>) {
    let app = Router::new().fallback(any(move |uri: Uri| {
        let location = format!("{target}{}", uri.path());
        async move { (status, [(header::LOCATION, location)]).into_response() }
    }));
    serve(app).await
}

#[tokio::test]
async fn a_password_login_answered_with_a_redirect_is_not_sent_on() {
    for status in [
        StatusCode::TEMPORARY_REDIRECT,
        StatusCode::PERMANENT_REDIRECT,
        StatusCode::FOUND,
    ] {
        let (elsewhere, seen, _recorder) = recorder().await;
        let (homeserver, _server) = redirector(elsewhere, status).await;
        let homeserver = Url::parse(&homeserver).expect("url");
        let err = password_login(
            &http_client(),
            &homeserver,
            "alice",
            &Secret::new("alice's password".to_owned()),
            "test device",
        )
        .await
        .expect_err("a redirect is not a sign-in");
        assert!(
            matches!(err, MatrixError::Server { ref detail, .. } if detail.contains("redirect")),
            "{status}: the user is told the server redirected, got {err:?}"
        );
        assert!(
            seen.lock().expect("lock").is_empty(),
            "{status}: the password must never reach the redirect's target"
        );
    }
}

#[tokio::test]
async fn discovery_follows_a_redirect_that_stays_on_this_computer() {
    async fn versions() -> Json<serde_json::Value> {
        Json(json!({ "versions": ["v1.11"] }))
    }
    async fn login() -> Json<serde_json::Value> {
        Json(json!({ "flows": [{ "type": "m.login.password" }] }))
    }
    let homeserver = Router::new()
        .route("/_matrix/client/versions", get(versions))
        .route("/_matrix/client/v3/login", get(login));
    let (real, _real) = serve(homeserver).await;
    let (moved, _moved) = redirector(real.clone(), StatusCode::MOVED_PERMANENTLY).await;

    let found = discover(&discovery_client(), &moved)
        .await
        .expect("a loopback-to-loopback redirect is followed");
    assert!(found.methods.password, "the redirect's target answered");
    assert_eq!(
        found.homeserver_url, moved,
        "the account keeps the address the user gave"
    );
}
