//! The loopback callback listener, probed over real TCP on 127.0.0.1.
//!
//! Well-formed browser requests go through reqwest (redirects off, so the test sees each hop);
//! malformed ones are written byte by byte on a raw `TcpStream`. "Nothing reached the caller" is
//! shown by order, not by waiting: the listener judges requests one at a time and hands callbacks
//! over in order, so once a refused request has been answered, the next thing the caller receives
//! must be the next good callback or the end of the flow. Time limits here only keep a broken
//! listener from hanging the suite; no test asserts on how long anything took.

use std::{future::Future, time::Duration};

use accounts_core::loopback::{
    Callback, CallbackListener, CallbackState, LoopbackError, Reply, StaticPage,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::oneshot,
};
use url::Url;

const EMS_STATE: &str = "ems-state-9f8e7d6c5b4a3210";
const MATRIX_STATE: &str = "matrix-state-0a1b2c3d4e5f6789";
/// Long enough never to fire in tests that are not about the timeout.
const FLOW_TIMEOUT: Duration = Duration::from_mins(5);
/// Keeps a broken listener from hanging the suite; not an assertion on speed.
const GUARD: Duration = Duration::from_secs(30);

const SIGNED_IN: StaticPage = StaticPage::new("Signed in", "You can close this tab.");

async fn bind(paths: &[(&str, &str)]) -> CallbackListener {
    let mut builder = CallbackListener::builder(FLOW_TIMEOUT);
    for (path, state) in paths {
        builder = builder.path(*path, CallbackState::new(*state));
    }
    builder.bind().await.expect("a listener binds on 127.0.0.1")
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("an HTTP client")
}

/// `base` with extra query pairs appended, as a provider or homeserver would add them.
fn with_query(base: &Url, pairs: &[(&str, &str)]) -> Url {
    let mut url = base.clone();
    url.query_pairs_mut().extend_pairs(pairs);
    url
}

async fn guarded<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("{what} never finished: the listener hung"))
}

async fn next(listener: &mut CallbackListener) -> Result<Callback, LoopbackError> {
    guarded("waiting for a callback", listener.next_callback()).await
}

/// A GET as a browser sends it, started in the background so the caller can answer it.
fn visit(url: &Url) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
    tokio::spawn(http_client().get(url.clone()).send())
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn answer_of(visit: tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>) -> Answer {
    let response = guarded("the browser's request", visit)
        .await
        .expect("the request task ran")
        .expect("the listener answered over HTTP");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.expect("a readable body");
    Answer {
        status,
        headers,
        body,
    }
}

/// Writes `request` on a fresh connection and returns everything the listener sends back.
async fn raw(port: u16, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("the listener accepts connections");
    // The listener may answer before it has read everything (an oversized head); that is the point.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = guarded("reading a raw answer", stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn raw_status(answer: &str) -> Option<u16> {
    answer.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

fn raw_get(port: u16, target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: test\r\n\r\n")
        .into_bytes()
}

async fn assert_port_closed(port: u16, why: &str) {
    let connected = TcpStream::connect(("127.0.0.1", port)).await;
    assert!(connected.is_err(), "port {port} must be closed: {why}");
}

/// A static, script-free page that carries the hardening headers and none of `never`.
fn assert_static_page(answer: &Answer, never: &[&str]) {
    let header = |name: &str| answer.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(
        header("cache-control"),
        Some("no-store"),
        "callback pages must not be cached"
    );
    assert!(
        header("content-security-policy").is_some_and(|csp| csp.starts_with("default-src 'none'")),
        "the CSP must forbid every sub-resource: {:?}",
        header("content-security-policy")
    );
    assert_eq!(header("referrer-policy"), Some("no-referrer"));
    assert_eq!(header("connection"), Some("close"));
    assert!(
        !answer.body.contains("<script"),
        "pages never run scripts: {}",
        answer.body
    );
    for value in never {
        assert!(
            !answer.body.contains(value),
            "the page must not reflect {value:?} from the request: {}",
            answer.body
        );
    }
}

#[tokio::test]
async fn one_path_hands_over_the_decoded_query_answers_with_the_callers_page_and_closes() {
    let mut listener = bind(&[("/ems", EMS_STATE)]).await;
    let port = listener.port();
    assert_eq!(
        listener.base_url().as_str(),
        format!("http://127.0.0.1:{port}/")
    );
    let bare = listener
        .callback_url("/ems")
        .expect("an expected path")
        .clone();
    assert_eq!(
        bare.as_str(),
        format!("http://127.0.0.1:{port}/ems"),
        "OAuth redirect_uri"
    );
    assert_eq!(
        listener.callback_url("/nope"),
        None,
        "only expected paths have URLs"
    );

    let browser = visit(&with_query(
        &bare,
        &[("code", "c0de/+?&<b>"), ("state", EMS_STATE)],
    ));
    let callback = next(&mut listener)
        .await
        .expect("the callback reaches the caller");
    assert_eq!(callback.path(), "/ems");
    assert_eq!(
        callback.param("code"),
        Some("c0de/+?&<b>"),
        "the query is percent-decoded"
    );
    assert_eq!(
        callback.param("state"),
        Some(EMS_STATE),
        "state is passed on, already checked"
    );
    assert!(
        callback.respond(Reply::Page(SIGNED_IN)),
        "the browser is still waiting"
    );

    let answer = answer_of(browser).await;
    assert_eq!(answer.status, 200, "the caller's page is shown");
    assert!(answer.body.contains("Signed in"), "{}", answer.body);
    assert_static_page(&answer, &["c0de", "<b>", EMS_STATE]);

    assert!(
        matches!(next(&mut listener).await, Err(LoopbackError::Finished)),
        "every path was served, so the flow has finished"
    );
    assert_port_closed(port, "a finished flow accepts nothing more").await;
    let late = http_client()
        .get(with_query(&bare, &[("state", EMS_STATE)]))
        .send()
        .await;
    assert!(
        late.is_err(),
        "a request after close must not be answered: {late:?}"
    );
}

/// The caller answers and drops the listener at once (a flow that fails after its callback):
/// the browser still gets the caller's page, every time, not "this sign-in has ended".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_sent_just_before_the_listener_is_dropped_is_still_the_answer() {
    for _ in 0..30 {
        let mut listener = bind(&[("/ems", EMS_STATE), ("/matrix", MATRIX_STATE)]).await;
        let url = listener
            .callback_url("/ems")
            .expect("an expected path")
            .clone();
        let browser = visit(&with_query(&url, &[("state", EMS_STATE)]));
        let callback = next(&mut listener).await.expect("the callback");
        assert!(callback.respond(Reply::Page(SIGNED_IN)));
        drop(listener);
        let answer = answer_of(browser).await;
        assert!(answer.body.contains("Signed in"), "{}", answer.body);
    }
}

#[tokio::test]
async fn two_chained_paths_follow_the_callers_redirect() {
    let mut listener = bind(&[("/ems", EMS_STATE), ("/matrix", MATRIX_STATE)]).await;
    let port = listener.port();
    let matrix_return = listener
        .callback_url_with_state("/matrix")
        .expect("an expected path")
        .clone();
    assert_eq!(
        matrix_return.as_str(),
        format!("http://127.0.0.1:{port}/matrix?state={MATRIX_STATE}"),
        "the homeserver's redirectUrl carries its own state"
    );

    let ems = with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("code", "c1"), ("state", EMS_STATE)],
    );
    let first = visit(&ems);
    let callback = next(&mut listener).await.expect("the /ems callback");
    assert_eq!(
        (callback.path(), callback.param("code")),
        ("/ems", Some("c1"))
    );
    callback.respond(Reply::Redirect(matrix_return.clone()));

    let hop = answer_of(first).await;
    assert_eq!(hop.status, 302, "the caller asked for a redirect");
    let location = hop.headers.get("location").and_then(|v| v.to_str().ok());
    assert_eq!(
        location,
        Some(matrix_return.as_str()),
        "the browser is sent where the caller said"
    );
    assert_static_page(&hop, &["c1"]);

    // The homeserver keeps the query of redirectUrl and appends loginToken.
    let followed = with_query(
        &Url::parse(location.unwrap_or_default()).expect("a URL"),
        &[("loginToken", "t1")],
    );
    let second = visit(&followed);
    let callback = next(&mut listener).await.expect("the /matrix callback");
    assert_eq!(callback.path(), "/matrix");
    assert_eq!(callback.param("loginToken"), Some("t1"));
    assert_eq!(callback.param("state"), Some(MATRIX_STATE));
    callback.respond(Reply::Page(SIGNED_IN));
    assert_eq!(answer_of(second).await.status, 200);

    assert!(matches!(
        next(&mut listener).await,
        Err(LoopbackError::Finished)
    ));
    assert_port_closed(port, "both paths were served").await;
}

#[tokio::test]
async fn a_missing_repeated_or_wrong_state_is_refused_and_changes_nothing() {
    let mut listener = bind(&[("/ems", EMS_STATE)]).await;
    let bare = listener.callback_url("/ems").expect("expected").clone();
    let almost = format!("{}x", &EMS_STATE[..EMS_STATE.len() - 1]);
    let refused = [
        (
            "wrong state of the same length",
            vec![("code", "bad1"), ("state", almost.as_str())],
        ),
        (
            "another path's state",
            vec![("code", "bad2"), ("state", MATRIX_STATE)],
        ),
        ("no state", vec![("code", "bad3")]),
        (
            "right state then a second",
            vec![("state", EMS_STATE), ("state", "x"), ("code", "bad4")],
        ),
        ("empty state", vec![("state", ""), ("code", "bad5")]),
    ];
    for (why, pairs) in refused {
        let answer = answer_of(visit(&with_query(&bare, &pairs))).await;
        assert_eq!(answer.status, 400, "{why} must be refused");
        assert_static_page(&answer, &["bad", EMS_STATE]);
    }

    let good = visit(&with_query(
        &bare,
        &[("code", "good"), ("state", EMS_STATE)],
    ));
    let callback = next(&mut listener).await.expect("the good callback");
    assert_eq!(
        callback.param("code"),
        Some("good"),
        "the first callback is the good one: no refused request reached the caller"
    );
    callback.respond(Reply::Page(SIGNED_IN));
    assert_eq!(
        answer_of(good).await.status,
        200,
        "refusals did not use up the path"
    );
}

#[tokio::test]
async fn a_served_path_refuses_a_replay() {
    let mut listener = bind(&[("/ems", EMS_STATE), ("/matrix", MATRIX_STATE)]).await;
    let ems = with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("code", "c1"), ("state", EMS_STATE)],
    );
    let first = visit(&ems);
    next(&mut listener)
        .await
        .expect("first visit")
        .respond(Reply::Page(SIGNED_IN));
    assert_eq!(answer_of(first).await.status, 200);

    let replay = answer_of(visit(&ems)).await;
    assert_eq!(
        replay.status, 410,
        "a served path is gone, even with the right state"
    );
    assert_static_page(&replay, &["c1"]);

    let matrix = visit(
        listener
            .callback_url_with_state("/matrix")
            .expect("expected"),
    );
    let callback = next(&mut listener).await.expect("the /matrix callback");
    assert_eq!(
        callback.path(),
        "/matrix",
        "the replay never reached the caller"
    );
    callback.respond(Reply::Page(SIGNED_IN));
    assert_eq!(answer_of(matrix).await.status, 200);
}

#[tokio::test]
async fn unknown_paths_are_refused_without_reaching_the_caller() {
    let mut listener = bind(&[("/ems", EMS_STATE)]).await;
    let base = listener.base_url().clone();
    for path in ["/favicon.ico", "/ems/", "/EMS", "/%65ms", "/", "/matrix"] {
        let url = base.join(path).expect("a URL");
        let answer = answer_of(visit(&with_query(
            &url,
            &[("state", EMS_STATE), ("q", "<script>x</script>")],
        )))
        .await;
        assert_eq!(answer.status, 404, "{path} is not an expected path");
        assert_static_page(&answer, &["<script>x", EMS_STATE]);
    }
    listener.cancel();
    assert!(
        matches!(next(&mut listener).await, Err(LoopbackError::Cancelled)),
        "the caller's first event is the cancellation: no unknown path reached it"
    );
}

#[tokio::test]
async fn other_methods_are_refused_and_the_path_stays_usable() {
    let mut listener = bind(&[("/ems", EMS_STATE)]).await;
    let url = with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("code", "posted"), ("state", EMS_STATE)],
    );
    let client = http_client();
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::HEAD,
        reqwest::Method::OPTIONS,
    ] {
        let response = guarded(
            "a non-GET request",
            client.request(method.clone(), url.clone()).send(),
        )
        .await
        .expect("an HTTP answer");
        assert_eq!(response.status().as_u16(), 405, "{method} must be refused");
        assert_eq!(
            response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok()),
            Some("GET"),
            "a 405 names the one method allowed"
        );
    }
    let posted_with_body = client.post(url.clone()).body("code=other&state=x").send();
    assert_eq!(
        guarded("a POST with a body", posted_with_body)
            .await
            .expect("an answer")
            .status()
            .as_u16(),
        405
    );

    let get = visit(&with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("code", "got"), ("state", EMS_STATE)],
    ));
    let callback = next(&mut listener).await.expect("the GET callback");
    assert_eq!(
        callback.param("code"),
        Some("got"),
        "no refused method reached the caller"
    );
    callback.respond(Reply::Page(SIGNED_IN));
    assert_eq!(
        answer_of(get).await.status,
        200,
        "refused methods did not use up the path"
    );
}

#[tokio::test]
async fn oversized_and_malformed_requests_are_cut_off() {
    let mut listener = bind(&[("/ems", EMS_STATE)]).await;
    let port = listener.port();

    // Ten times the cap, without ever ending the line: answered on size, not on the read timeout.
    let huge_line = format!("GET /ems?state={EMS_STATE}&pad={}", "A".repeat(100 * 1024));
    let answer = raw(port, huge_line.as_bytes()).await;
    assert_eq!(
        raw_status(&answer),
        Some(414),
        "a request line past 8 KiB: {answer:.200}"
    );
    assert!(!answer.contains("AAAA"), "the padding is not reflected");

    let huge_headers = format!(
        "GET /ems?state={EMS_STATE} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {}\r\n\r\n",
        "c".repeat(20 * 1024)
    );
    let answer = raw(port, huge_headers.as_bytes()).await;
    assert_eq!(
        raw_status(&answer),
        Some(431),
        "headers past 8 KiB: {answer:.200}"
    );

    for (why, request) in [
        ("not HTTP", b"HELLO\r\n\r\n".to_vec()),
        ("bare LF line ends", format!("GET /ems?state={EMS_STATE} HTTP/1.1\nHost: 127.0.0.1:{port}\n\n\r\n\r\n").into_bytes()),
        ("absolute-form target", format!("GET http://127.0.0.1:{port}/ems?state={EMS_STATE} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").into_bytes()),
    ] {
        let answer = raw(port, &request).await;
        assert_eq!(raw_status(&answer), Some(400), "{why}: {answer:.200}");
    }

    let foreign =
        format!("GET /ems?state={EMS_STATE} HTTP/1.1\r\nHost: rebound.example:{port}\r\n\r\n");
    let answer = raw(port, foreign.as_bytes()).await;
    assert_eq!(
        raw_status(&answer),
        Some(421),
        "a DNS-rebound Host is refused: {answer:.200}"
    );

    let request = raw_get(port, &format!("/ems?state={EMS_STATE}&code=fine"));
    let good = raw(port, &request);
    let (answer, callback) = tokio::join!(good, async {
        let callback = next(&mut listener).await.expect("the good callback");
        let code = callback.param("code").map(str::to_owned);
        callback.respond(Reply::Page(SIGNED_IN));
        code
    });
    assert_eq!(
        callback.as_deref(),
        Some("fine"),
        "nothing refused reached the caller first"
    );
    assert_eq!(
        raw_status(&answer),
        Some(200),
        "a raw but valid GET is served: {answer:.200}"
    );
}

#[tokio::test]
async fn an_idle_connection_does_not_hold_up_the_browser() {
    // The read timeout outlasts the guard, so a listener that read one connection at a time
    // would hang here instead of serving the browser.
    let mut listener = CallbackListener::builder(FLOW_TIMEOUT)
        .path("/ems", CallbackState::new(EMS_STATE))
        .path("/matrix", CallbackState::new(MATRIX_STATE))
        .read_timeout(2 * GUARD)
        .bind()
        .await
        .expect("binds");
    let port = listener.port();
    // Like a browser's speculative preconnect: opened, then silent (here, half a request line).
    let mut idle = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connects");
    idle.write_all(format!("GET /ems?state={EMS_STATE}").as_bytes())
        .await
        .expect("writes");

    let browser = visit(&with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("state", EMS_STATE)],
    ));
    next(&mut listener)
        .await
        .expect("served while the idle connection is open")
        .respond(Reply::Page(SIGNED_IN));
    assert_eq!(answer_of(browser).await.status, 200);

    listener.cancel();
    assert!(matches!(
        next(&mut listener).await,
        Err(LoopbackError::Cancelled)
    ));
    let mut answer = Vec::new();
    let _ = guarded("the idle connection closing", idle.read_to_end(&mut answer)).await;
    assert!(
        answer.is_empty(),
        "a half-sent request is dropped, not answered, once the flow has ended: {:?}",
        String::from_utf8_lossy(&answer)
    );
}

/// More than the listener serves at once (32): what any local program could open.
const IDLE_CONNECTIONS: usize = 40;
/// How long a crowded listener may take to let the browser in. Generous: it only tells "let in"
/// from "kept out until the idle sockets time out", which takes the read timeout (here longer
/// than the test's guard).
const CROWDED_LIMIT: Duration = Duration::from_secs(10);

/// Opens `IDLE_CONNECTIONS` connections from a task of their own and keeps every one open until
/// the returned sender is used or dropped; resolves once all are connected. Half send nothing (a
/// preconnect), half stop mid-request-line (a slowloris). The task's result is the streams, to
/// read what the listener sent them.
async fn hold_idle_connections(
    port: u16,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<Vec<TcpStream>>) {
    let (opened_tx, opened_rx) = oneshot::channel();
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let holder = tokio::spawn(async move {
        let mut idle = Vec::with_capacity(IDLE_CONNECTIONS);
        for n in 0..IDLE_CONNECTIONS {
            let mut stream = TcpStream::connect(("127.0.0.1", port))
                .await
                .expect("an idle connection opens");
            if n % 2 == 1 {
                stream
                    .write_all(format!("GET /ems?state={EMS_STATE}").as_bytes())
                    .await
                    .expect("half a request line is written");
            }
            idle.push(stream);
        }
        let _ = opened_tx.send(());
        let _ = release_rx.await;
        idle
    });
    guarded("opening the idle connections", opened_rx)
        .await
        .expect("the holder opened every connection");
    (release_tx, holder)
}

/// Reads each idle connection to its end: none may have been given a page.
async fn assert_closed_unanswered(idle: Vec<TcpStream>) {
    for (n, mut stream) in idle.into_iter().enumerate() {
        let mut answer = Vec::new();
        let _ = guarded(
            "an idle connection closing",
            stream.read_to_end(&mut answer),
        )
        .await;
        assert!(
            answer.is_empty(),
            "idle connection {n} sent no request, so it gets no answer: {:?}",
            String::from_utf8_lossy(&answer)
        );
    }
}

#[tokio::test]
async fn idle_connections_past_the_cap_do_not_keep_the_browser_out() {
    // The read timeout outlasts the guard, so only how the listener treats idle connections
    // (not their timing out) can let the browser in.
    let mut listener = CallbackListener::builder(FLOW_TIMEOUT)
        .path("/ems", CallbackState::new(EMS_STATE))
        .read_timeout(2 * GUARD)
        .bind()
        .await
        .expect("binds");
    let (release, holder) = hold_idle_connections(listener.port()).await;

    // Connections are accepted in the order they were made, so the listener meets every idle
    // one before the browser's.
    let browser = visit(&with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("code", "crowded"), ("state", EMS_STATE)],
    ));
    let served = tokio::time::timeout(CROWDED_LIMIT, async {
        let callback = listener.next_callback().await;
        let code = callback
            .as_ref()
            .ok()
            .and_then(|callback| callback.param("code"))
            .map(str::to_owned);
        callback
            .expect("the browser's callback reaches the caller")
            .respond(Reply::Page(SIGNED_IN));
        (code, answer_of(browser).await.status)
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "{IDLE_CONNECTIONS} idle connections kept the browser out for {CROWDED_LIMIT:?}: \
             the listener must make room for a connection that sends a request"
        )
    });
    assert_eq!(served, (Some("crowded".to_owned()), 200));
    assert!(
        !holder.is_finished(),
        "every idle connection was held open until the browser had its answer"
    );

    assert!(matches!(
        next(&mut listener).await,
        Err(LoopbackError::Finished)
    ));
    let _ = release.send(());
    let idle = guarded("the holder letting go", holder)
        .await
        .expect("the holder ran");
    assert_closed_unanswered(idle).await;
}

#[tokio::test]
async fn a_browser_waiting_for_its_answer_is_never_closed_to_make_room() {
    let mut listener = CallbackListener::builder(FLOW_TIMEOUT)
        .path("/ems", CallbackState::new(EMS_STATE))
        .path("/matrix", CallbackState::new(MATRIX_STATE))
        .read_timeout(2 * GUARD)
        .bind()
        .await
        .expect("binds");
    let first = visit(&with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("state", EMS_STATE)],
    ));
    // The caller sits on this callback (a token exchange) while the connections pile up; its
    // connection is the oldest, but it has sent its request and must not be the one closed.
    let held = next(&mut listener).await.expect("the /ems callback");
    let (release, holder) = hold_idle_connections(listener.port()).await;

    // Accepted after every idle one, so by the time it is served the cap has been met.
    let second = visit(
        listener
            .callback_url_with_state("/matrix")
            .expect("expected"),
    );
    let callback = tokio::time::timeout(CROWDED_LIMIT, listener.next_callback())
        .await
        .unwrap_or_else(|_| panic!("the idle connections kept the /matrix browser out"))
        .expect("the /matrix callback");
    assert_eq!(callback.path(), "/matrix");
    callback.respond(Reply::Page(SIGNED_IN));
    assert_eq!(answer_of(second).await.status, 200);
    assert!(
        held.respond(Reply::Page(SIGNED_IN)),
        "the /ems browser is still connected: room is made only by closing idle connections"
    );
    assert_eq!(
        answer_of(first).await.status,
        200,
        "the browser that was waiting gets the caller's page"
    );
    assert!(!holder.is_finished(), "the idle connections stayed open");
    let _ = release.send(());
    drop(holder);
}

#[tokio::test]
async fn a_slow_client_gets_408_without_reaching_the_caller() {
    let mut listener = CallbackListener::builder(FLOW_TIMEOUT)
        .path("/ems", CallbackState::new(EMS_STATE))
        .read_timeout(Duration::from_millis(300))
        .bind()
        .await
        .expect("binds");
    let mut slow = TcpStream::connect(("127.0.0.1", listener.port()))
        .await
        .expect("connects");
    slow.write_all(format!("GET /ems?state={EMS_STATE}").as_bytes())
        .await
        .expect("writes");
    let mut answer = Vec::new();
    let _ = guarded("the slow client's answer", slow.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(
        raw_status(&answer),
        Some(408),
        "an unfinished head is cut off by the read timeout: {answer:.200}"
    );
    listener.cancel();
    assert!(
        matches!(next(&mut listener).await, Err(LoopbackError::Cancelled)),
        "the slow request never reached the caller"
    );
}

#[tokio::test]
async fn the_timeout_ends_the_flow_as_timed_out_and_closes_the_port() {
    let mut listener = CallbackListener::builder(Duration::from_millis(300))
        .path("/ems", CallbackState::new(EMS_STATE))
        .bind()
        .await
        .expect("binds");
    let port = listener.port();
    let outcome = next(&mut listener).await;
    assert!(
        matches!(outcome, Err(LoopbackError::TimedOut)),
        "not cancelled, not finished: {outcome:?}"
    );
    assert_port_closed(port, "a timed-out flow closes").await;
    assert!(
        matches!(next(&mut listener).await, Err(LoopbackError::TimedOut)),
        "the end is reported again, not turned into another outcome"
    );
    assert_eq!(
        LoopbackError::TimedOut.to_string(),
        "The sign-in took too long and was stopped. Start it again."
    );
}

#[tokio::test]
async fn a_browser_still_waiting_at_the_timeout_is_told_the_sign_in_ended() {
    let mut listener = CallbackListener::builder(Duration::from_secs(3))
        .path("/ems", CallbackState::new(EMS_STATE))
        .bind()
        .await
        .expect("binds");
    let browser = visit(&with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("state", EMS_STATE)],
    ));
    let held = next(&mut listener)
        .await
        .expect("the callback arrives before the timeout");
    // The caller sits on the callback (say, a slow token exchange) past the deadline.
    assert!(matches!(
        next(&mut listener).await,
        Err(LoopbackError::TimedOut)
    ));
    let answer = answer_of(browser).await;
    assert_eq!(answer.status, 410, "the browser is not left hanging");
    assert_static_page(&answer, &[EMS_STATE]);
    assert!(
        !held.respond(Reply::Page(SIGNED_IN)),
        "too late: nobody is listening any more"
    );
}

#[tokio::test]
async fn cancellation_ends_the_flow_as_cancelled_and_closes_the_port() {
    let mut listener = bind(&[("/ems", EMS_STATE), ("/matrix", MATRIX_STATE)]).await;
    let port = listener.port();
    let browser = visit(&with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("state", EMS_STATE)],
    ));
    let held = next(&mut listener).await.expect("the callback");

    let handle = listener.cancel_handle();
    let from_ui = handle.clone();
    tokio::spawn(async move { from_ui.cancel() });
    let outcome = next(&mut listener).await;
    assert!(
        matches!(outcome, Err(LoopbackError::Cancelled)),
        "not timed out, not finished: {outcome:?}"
    );
    assert_port_closed(port, "a cancelled flow closes").await;
    assert_eq!(
        answer_of(browser).await.status,
        410,
        "the waiting browser learns the sign-in ended"
    );
    assert!(!held.respond(Reply::Page(SIGNED_IN)));
    handle.cancel(); // harmless after the end
    assert!(matches!(
        next(&mut listener).await,
        Err(LoopbackError::Cancelled)
    ));
}

#[tokio::test]
async fn a_dropped_responder_gets_a_generic_error_page() {
    let mut listener = bind(&[("/ems", EMS_STATE)]).await;
    let browser = visit(&with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("error", "<i>oops</i>"), ("state", EMS_STATE)],
    ));
    drop(next(&mut listener).await.expect("the callback"));
    let answer = answer_of(browser).await;
    assert_eq!(answer.status, 500, "the caller gave no answer");
    assert_static_page(&answer, &["oops", EMS_STATE]);
    assert!(
        matches!(next(&mut listener).await, Err(LoopbackError::Finished)),
        "the path was used"
    );
}

#[tokio::test]
async fn a_redirect_to_a_non_web_address_is_not_sent() {
    let mut listener = bind(&[("/ems", EMS_STATE)]).await;
    let browser = visit(&with_query(
        listener.callback_url("/ems").expect("expected"),
        &[("state", EMS_STATE)],
    ));
    let target = Url::parse("file:///etc/passwd").expect("a URL");
    next(&mut listener)
        .await
        .expect("the callback")
        .respond(Reply::Redirect(target));
    let answer = answer_of(browser).await;
    assert_eq!(answer.status, 500);
    assert!(
        answer.headers.get("location").is_none(),
        "only http(s) redirects are sent"
    );
}

#[tokio::test]
async fn dropping_the_listener_closes_the_port() {
    let listener = bind(&[("/ems", EMS_STATE)]).await;
    let port = listener.port();
    drop(listener);
    // The task notices on its own schedule; poll, with the guard as the only limit.
    guarded("the port closing", async {
        while TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_flow_with_unusable_paths_or_states_never_opens_a_port() {
    let bind_one = |path: &str, state: &str| {
        CallbackListener::builder(FLOW_TIMEOUT)
            .path(path, CallbackState::new(state))
            .bind()
    };
    assert!(matches!(
        bind_one("ems", EMS_STATE).await,
        Err(LoopbackError::InvalidPath { .. })
    ));
    assert!(matches!(
        bind_one("/ems", "short").await,
        Err(LoopbackError::UnsuitableState { .. })
    ));
    assert!(matches!(
        CallbackListener::builder(FLOW_TIMEOUT).bind().await,
        Err(LoopbackError::NoPaths)
    ));
}

#[tokio::test]
async fn a_state_set_after_binding_is_checked_like_one_given_up_front() {
    // An OAuth library chooses `state` only once the redirect URI, port included, is fixed.
    let mut listener = guarded(
        "bind",
        CallbackListener::builder(FLOW_TIMEOUT)
            .path("/ems", CallbackState::new(EMS_STATE))
            .path_awaiting_state("/matrix")
            .bind(),
    )
    .await
    .expect("the listener starts");
    let matrix = listener.callback_url("/matrix").expect("expected").clone();
    assert_eq!(
        listener.callback_url_with_state("/matrix"),
        None,
        "no return address with a state before the state is set"
    );

    // Before its state is set, nothing is served there, whatever the request carries.
    for state in [MATRIX_STATE, "", "anything-at-all-0123456789"] {
        let answer = answer_of(visit(&with_query(&matrix, &[("state", state)]))).await;
        assert_eq!(answer.status, 400, "state {state:?} before one was set");
    }
    assert!(
        matches!(
            listener
                .set_state("/matrix", CallbackState::new("short"))
                .await,
            Err(LoopbackError::UnsuitableState { .. })
        ),
        "a guessable state is refused after binding too"
    );
    listener
        .set_state("/matrix", CallbackState::new(MATRIX_STATE))
        .await
        .expect("the state is set");
    assert!(
        listener
            .set_state("/matrix", CallbackState::new(EMS_STATE))
            .await
            .is_err(),
        "a path's state is set once"
    );
    assert!(
        listener
            .callback_url_with_state("/matrix")
            .is_some_and(|u| u.query() == Some(&format!("state={MATRIX_STATE}")[..])),
        "the return address now carries the state"
    );

    // Both paths of the one flow are served, each with its own state.
    let wrong = answer_of(visit(&with_query(&matrix, &[("state", EMS_STATE)]))).await;
    assert_eq!(wrong.status, 400, "another path's state is still refused");
    let back = visit(&with_query(
        &matrix,
        &[("loginToken", "t"), ("state", MATRIX_STATE)],
    ));
    let callback = next(&mut listener).await.expect("the /matrix callback");
    assert_eq!(callback.param("loginToken"), Some("t"));
    callback.respond(Reply::Page(SIGNED_IN));
    assert_eq!(answer_of(back).await.status, 200);
    let ems = listener.callback_url("/ems").expect("expected").clone();
    let back = visit(&with_query(&ems, &[("code", "c"), ("state", EMS_STATE)]));
    let callback = next(&mut listener).await.expect("the /ems callback");
    callback.respond(Reply::Page(SIGNED_IN));
    assert_eq!(answer_of(back).await.status, 200);
}
