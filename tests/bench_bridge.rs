//! The Element One bridge benchmark (`scripts/bench-bridge`; not part of `scripts/test`): the
//! EMS sandbox and a real Synapse that trusts it for single sign-on (the redirect whitelisted, so
//! Synapse shows no "Continue" page), the real Secret Service, and a cookie-keeping HTTP client
//! playing the browser. `BENCH_BRIDGE_ROUNDS` rounds (default 5) after one warm-up round; each
//! round runs three flows, in an order that rotates from round to round, each with a fresh data
//! folder, a fresh core and a fresh browser, so each types the sandbox's form exactly once:
//!
//! 1. the bridge (`start_element_one` to `finish_element_one` returning both sessions);
//! 2. the two single sign-ins back to back by one core with one browser: EMS
//!    (`ems.start_sign_in` / `finish_sign_in`), then Matrix single sign-on through the sandbox
//!    (`matrix.begin_sso_sign_in` / `finish_sso_sign_in`), which the sandbox answers without a
//!    form because the browser holds its session;
//! 3. a plain reqwest client making the requests the core itself makes (discovery, JWKS, token,
//!    `/login`, display name, `whoami`; not matrix-sdk's own extra ones, which the figures show
//!    apart), in the same order, with the same browser walk in between (its loopback returns are
//!    read from the `Location` headers instead of being served).
//!
//! How the HTTP time is measured: the sandbox and Synapse sit behind a timing reverse proxy in
//! this process (the sandbox's issuer is the proxy's address; the core and the plain client are
//! given the Synapse proxy as the homeserver), which logs every request from its arrival to the
//! upstream's whole answer. The flows are sequential: a request that the proxy sees while none of
//! the browser's own requests is in flight is the app's (or the plain client's); one inside a
//! browser request is that request itself or what it makes a server do (Synapse's back-channel
//! token exchange). The browser's requests are timed in the browser. HTTP time is the time with
//! at least one request in flight; local work is the rest of the flow (the matrix-sdk store, the
//! keyring, the registry, token checks, the loopback hops). All three flows go through the same
//! proxies, so each pays the same extra hop, and each is timed at the proxies: a client's own side
//! of a request (building it, reading the answer) counts as its local work. The plain client also
//! times its requests itself, to show how much that is.
//!
//! Figures only: nothing asserts on time, only that each flow signed in and typed one form.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accounts_core::bridge::{ElementOne, DEFAULT_BRIDGE_TIMEOUT, EMS_PATH, MATRIX_PATH};
use accounts_core::browser::Opener;
use accounts_core::matrix::SsoSignIn;
use accounts_core::vault::{Secret, SecretKey, SecretKind, Vault};
use accounts_core::Accounts;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use ems_sandbox::ElementOneConfig;
use reqwest::header::{CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
use serde_json::Value;
use test_support::browser::{self, form, query_param, resolve, set_field, Answer, Browser};
use test_support::figures::{median, show};
use test_support::free_port;
use test_support::sandbox::SandboxBuilder;
use test_support::sso::{SsoStack, IDP, SYNAPSE_CLIENT};
use test_support::synapse::SynapseAddress;

const EMAIL: &str = "olive@example.org";
const PASSWORD: &str = "olive's long sandbox password";
const USERNAME: &str = "olive";
/// Rounds when `BENCH_BRIDGE_ROUNDS` is not set.
const DEFAULT_ROUNDS: usize = 5;
/// How long without a request counts as the servers being left alone.
const QUIET: Duration = Duration::from_millis(500);
/// The pause between flows, after the servers went quiet.
const PAUSE: Duration = Duration::from_secs(1);
/// How many times each local step is timed by hand, for reference.
const BY_HAND_RUNS: usize = 10;

// ---------------------------------------------------------------------------------------------
// The timing proxy.

/// One request as a timing proxy saw it: from its arrival to the upstream's whole answer.
#[derive(Debug, Clone)]
struct Exchange {
    server: &'static str,
    method: String,
    /// The path, without the query (which may hold a code or token).
    path: String,
    status: u16,
    start: Instant,
    end: Instant,
}

/// Every request both proxies saw, in the order they were answered.
type Log = Arc<Mutex<Vec<Exchange>>>;

struct Forward {
    server: &'static str,
    upstream: String,
    http: reqwest::Client,
    log: Log,
}

/// Hop-by-hop and framing headers, which each side of the proxy sets for itself.
const NOT_FORWARDED: [reqwest::header::HeaderName; 4] =
    [HOST, CONTENT_LENGTH, CONNECTION, TRANSFER_ENCODING];

async fn forward(State(to): State<Arc<Forward>>, request: Request) -> Response {
    let start = Instant::now();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("the request body");
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers.clone();
    for name in &NOT_FORWARDED {
        headers.remove(name);
    }
    let answer = to
        .http
        .request(parts.method.clone(), format!("{}{target}", to.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{} answers {target}: {e}", to.server));
    let status = answer.status();
    let mut headers = answer.headers().clone();
    let bytes = answer.bytes().await.expect("the upstream's body");
    let end = Instant::now();
    to.log.lock().expect("log").push(Exchange {
        server: to.server,
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        status: status.as_u16(),
        start,
        end,
    });
    for name in &NOT_FORWARDED {
        headers.remove(name);
    }
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// Serves a timing proxy to `upstream` on `listener`, logging into `log`.
fn spawn_proxy(
    listener: tokio::net::TcpListener,
    server: &'static str,
    upstream: String,
    log: Log,
) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(Arc::new(Forward {
            server,
            upstream,
            http,
            log,
        }));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("the proxy serves") });
}

// ---------------------------------------------------------------------------------------------
// The stack.

struct Stack {
    servers: SsoStack,
    /// The issuer: the proxy in front of the sandbox.
    issuer: String,
    /// The homeserver as the app is given it: the proxy in front of Synapse.
    homeserver: String,
    log: Log,
}

async fn listener() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port on 127.0.0.1")
}

fn address(listener: &tokio::net::TcpListener) -> String {
    format!("http://{}", listener.local_addr().expect("bound"))
}

/// The sandbox with Olive, the app as a public client and Synapse as a confidential one, and a
/// Synapse whose identity provider `oidc-ems` is the sandbox, with loopback redirects
/// whitelisted; each behind a timing proxy.
async fn stack() -> Stack {
    let log = Log::default();
    let (sandbox_listener, issuer_listener) = (listener().await, listener().await);
    let issuer = format!("{}/", address(&issuer_listener));
    spawn_proxy(
        issuer_listener,
        "sandbox",
        address(&sandbox_listener),
        log.clone(),
    );
    let synapse = SynapseAddress::free();
    let homeserver_listener = listener().await;
    let homeserver = address(&homeserver_listener);
    spawn_proxy(homeserver_listener, "synapse", synapse.url(), log.clone());

    let sandbox = SandboxBuilder::new()
        .user(EMAIL, "Olive Element", Some(USERNAME), PASSWORD)
        .app_client()
        .provider(|p| p.issuer = Some(issuer.clone()))
        .element_one(ElementOneConfig {
            server_name: synapse.server_name(),
            url: homeserver.clone(),
            sso_idp_id: Some(IDP.to_owned()),
            web_client_url: None,
            client_id: Some(SYNAPSE_CLIENT.to_owned()),
        })
        .listen_on(sandbox_listener);
    let servers = SsoStack::builder(sandbox)
        .synapse_at(synapse)
        .skip_continue_page()
        .start()
        .await;
    Stack {
        servers,
        issuer,
        homeserver,
        log,
    }
}

impl Stack {
    /// How many times the sandbox checked a typed password, from its sign-in history.
    fn credential_checks(&self) -> i64 {
        self.servers.sandbox.count_rows("credential_checks")
    }

    fn target(&self) -> ElementOne {
        ElementOne {
            issuer: self.issuer.clone(),
            homeserver: Some(self.homeserver.clone()),
            idp_id: Some(IDP.to_owned()),
            matrix_id: Some(self.matrix_id()),
            subscription: None,
        }
    }

    fn matrix_id(&self) -> String {
        format!("@{USERNAME}:{}", self.servers.synapse.server_name)
    }

    fn requests(&self) -> Vec<Exchange> {
        self.log.lock().expect("log").clone()
    }

    /// Waits until no request has reached the servers for [`QUIET`] (what the last flow left
    /// running in the background, such as matrix-sdk's encryption set-up, is done).
    async fn settle(&self) {
        let mut seen = usize::MAX;
        for _ in 0..40 {
            let now = self.log.lock().expect("log").len();
            if now == seen {
                return;
            }
            seen = now;
            tokio::time::sleep(QUIET).await;
        }
        panic!("the servers never went quiet");
    }

    /// Lets the servers finish what the last flow left them (Synapse's work after a sign-out
    /// goes on after its answer), then starts a new log.
    async fn fresh_log(&self) {
        self.settle().await;
        tokio::time::sleep(PAUSE).await;
        self.settle().await;
        self.log.lock().expect("log").clear();
    }
}

// ---------------------------------------------------------------------------------------------
// The scripted browser.

/// One of the browser's requests.
#[derive(Debug, Clone)]
struct Hop {
    start: Instant,
    end: Instant,
    /// Method and path, without the query.
    what: String,
    /// Whether it went to the app's loopback listener (whose answer waits on the app).
    loopback: bool,
}

/// The tests' scripted browser, each request timed.
struct TimedBrowser {
    browser: Browser,
    hops: Mutex<Vec<Hop>>,
}

/// Whether `url` is one of the app's loopback returns.
fn is_loopback(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| [EMS_PATH, MATRIX_PATH].contains(&u.path()))
}

impl TimedBrowser {
    fn new() -> Self {
        Self {
            browser: Browser::new(),
            hops: Mutex::new(Vec::new()),
        }
    }

    async fn timed(
        &self,
        method: &str,
        url: &str,
        request: impl Future<Output = Answer>,
    ) -> Answer {
        let start = Instant::now();
        let answer = request.await;
        let path = url::Url::parse(url).map_or_else(|_| url.to_owned(), |u| u.path().to_owned());
        self.hops.lock().expect("hops").push(Hop {
            start,
            end: Instant::now(),
            what: format!("{method} {path}"),
            loopback: is_loopback(url),
        });
        answer
    }

    async fn get(&self, url: &str) -> Answer {
        self.timed("GET", url, self.browser.get(url)).await
    }

    async fn post_form(&self, url: &str, fields: &[(String, String)]) -> Answer {
        self.timed("POST", url, self.browser.post_form(url, fields))
            .await
    }

    fn hops(&self) -> Vec<Hop> {
        self.hops.lock().expect("hops").clone()
    }
}

/// Where the browser's walk ended.
enum Walk {
    /// The last page (the app's, when its loopback returns are followed).
    Page(Answer),
    /// The loopback return it was sent to, not followed.
    Loopback(String),
}

/// Plays the user from `start`: the sandbox's sign-in form, its consent button, and every
/// redirect, until a page offers nothing more. With `into_loopback` false, a redirect to the
/// app's loopback listener ends the walk instead of being followed.
async fn play(browser: &TimedBrowser, start: &str, into_loopback: bool) -> Walk {
    let mut url = start.to_owned();
    let mut answer = browser.get(&url).await;
    for _ in 0..25 {
        if let Some(location) = answer.location.as_deref() {
            url = resolve(&url, location);
            if !into_loopback && is_loopback(&url) {
                return Walk::Loopback(url);
            }
            answer = browser.get(&url).await;
        } else if answer.body.contains("name=\"password\"") {
            let (action, mut fields) = form(&answer.body);
            set_field(&mut fields, "email", EMAIL);
            set_field(&mut fields, "password", PASSWORD);
            url = resolve(&url, &action);
            answer = browser.post_form(&url, &fields).await;
        } else if browser::is_consent_page(&answer) {
            let (action, fields) = form(&answer.body);
            url = resolve(&url, &action);
            answer = browser.post_form(&url, &fields).await;
        } else {
            return Walk::Page(answer);
        }
    }
    panic!("the browser went round in circles; last at {url}");
}

/// Plays the user from `start` through the app's loopback returns; the app's last page.
async fn play_through(browser: &TimedBrowser, start: &str) -> Answer {
    match play(browser, start, true).await {
        Walk::Page(page) => page,
        Walk::Loopback(_) => unreachable!("loopback returns are followed"),
    }
}

/// Plays the user from `start` until the browser is sent to a loopback return; that address.
async fn play_to_loopback(browser: &TimedBrowser, start: &str) -> String {
    match play(browser, start, false).await {
        Walk::Loopback(url) => url,
        Walk::Page(page) => panic!("the browser was never sent back: {page:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a flow's timeline.

/// Who made a request the proxies saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The browser itself, or a server on its behalf (inside one of its requests).
    Browser,
    /// The app (or the plain client): nothing of the browser's was in flight.
    App,
}

/// A request on a flow's timeline, in milliseconds from the flow's start.
#[derive(Debug, Clone)]
struct Span {
    start: f64,
    end: f64,
    /// Who asked what: `sandbox GET /oauth2/jwks`, `GET /ems`.
    label: String,
}

/// One flow's timeline; milliseconds from its start.
#[derive(Debug, Clone, Default)]
struct Run {
    total: f64,
    /// The browser's requests to the servers.
    hops: Vec<Span>,
    /// The browser's requests to the app's loopback listener: the app's turns.
    loopback: Vec<Span>,
    /// The app's requests (or the plain client's) before the flow ended.
    app: Vec<Span>,
    /// The app's requests after it (matrix-sdk's background set-up, if it outlasts the flow).
    after: Vec<String>,
    /// Every request, for printing: start, duration, who and what.
    events: Vec<(f64, f64, String)>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The measure of the union of `spans`, clipped to `[from, to]`.
fn covered<'a>(spans: impl IntoIterator<Item = &'a Span>, from: f64, to: f64) -> f64 {
    let mut intervals: Vec<(f64, f64)> = spans.into_iter().map(|s| (s.start, s.end)).collect();
    intervals.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut total, mut reach) = (0.0, from);
    for (start, end) in intervals {
        let (start, end) = (start.max(reach), end.min(to));
        if end > start {
            total += end - start;
            reach = end;
        }
    }
    total
}

impl Run {
    /// Time with one of the browser's requests to the servers in flight.
    fn browser_http(&self) -> f64 {
        covered(&self.hops, 0.0, self.total)
    }

    /// Time with one of the app's requests that `keep` accepts in flight.
    fn app_http(&self, keep: impl Fn(&Span) -> bool) -> f64 {
        covered(self.app.iter().filter(|s| keep(s)), 0.0, self.total)
    }

    /// Time with any request in flight: the browser's, or one of the app's that `keep` accepts.
    fn http(&self, keep: impl Fn(&Span) -> bool) -> f64 {
        let app = self.app.iter().filter(|s| keep(s));
        covered(self.hops.iter().chain(app), 0.0, self.total)
    }

    /// The rest of the flow: time with no request in flight.
    fn local(&self) -> f64 {
        self.total - self.http(|_| true)
    }

    /// The app's turn at its loopback `path` without any request of its own in flight.
    fn loopback_local(&self, path: &str) -> f64 {
        self.loopback
            .iter()
            .filter(|h| h.label.ends_with(path))
            .map(|h| {
                let end = h.end.min(self.total);
                end - h.start - covered(&self.app, h.start, end)
            })
            .sum()
    }

    /// From the app's `/login` answer to its next request: the matrix-sdk store is built and
    /// the session restored into it.
    fn after_login(&self) -> f64 {
        let login = self
            .app
            .iter()
            .position(|s| s.label.ends_with("POST /_matrix/client/v3/login"));
        login
            .and_then(|i| Some(self.app.get(i + 1)?.start - self.app[i].end))
            .unwrap_or(f64::NAN)
    }

    /// When the browser first went out (the end of the app's start).
    fn first_hop(&self) -> f64 {
        self.hops.first().map_or(f64::NAN, |h| h.start)
    }
}

fn who(exchange: &Exchange, hops: &[Hop]) -> Who {
    let inside = hops
        .iter()
        .any(|h| !h.loopback && h.start <= exchange.start && exchange.end <= h.end);
    if inside {
        Who::Browser
    } else {
        Who::App
    }
}

/// Who asked what, the Matrix ID in a path shown as `{user}`.
fn describe(e: &Exchange) -> String {
    let path: Vec<&str> = e
        .path
        .split('/')
        .map(|segment| {
            if segment.starts_with('@') || segment.starts_with("%40") {
                "{user}"
            } else {
                segment
            }
        })
        .collect();
    format!("{} {} {}", e.server, e.method, path.join("/"))
}

/// Reads the flow that ran from `t0` to `t_end`, from the browser's `hops` and the proxies' `log`.
fn analyse(t0: Instant, t_end: Instant, hops: &[Hop], log: &[Exchange]) -> Run {
    let at = |i: Instant| ms(i.saturating_duration_since(t0));
    let span = |start: Instant, end: Instant, label: String| Span {
        start: at(start),
        end: at(end),
        label,
    };
    let (loopback, to_servers): (Vec<&Hop>, Vec<&Hop>) = hops.iter().partition(|h| h.loopback);
    let mut app: Vec<&Exchange> = log
        .iter()
        .filter(|e| e.start >= t0 && who(e, hops) == Who::App)
        .collect();
    app.sort_by_key(|e| e.start);
    let (during, after): (Vec<&Exchange>, Vec<&Exchange>) =
        app.into_iter().partition(|e| e.start < t_end);
    Run {
        total: at(t_end),
        hops: to_servers
            .iter()
            .map(|h| span(h.start, h.end, h.what.clone()))
            .collect(),
        loopback: loopback
            .iter()
            .map(|h| span(h.start, h.end, h.what.clone()))
            .collect(),
        app: during
            .iter()
            .map(|e| span(e.start, e.end, describe(e)))
            .collect(),
        after: after.iter().map(|e| describe(e)).collect(),
        events: timeline(t0, hops, log),
    }
}

/// Every request of the flow, in the order they started.
fn timeline(t0: Instant, hops: &[Hop], log: &[Exchange]) -> Vec<(f64, f64, String)> {
    let mut events: Vec<(f64, f64, String)> = hops
        .iter()
        .filter(|h| h.start >= t0)
        .map(|h| {
            let kind = if h.loopback {
                "browser -> app"
            } else {
                "browser"
            };
            (
                ms(h.start - t0),
                ms(h.end - h.start),
                format!("{kind:<16}{}", h.what),
            )
        })
        .collect();
    events.extend(log.iter().filter(|e| e.start >= t0).map(|e| {
        let kind = match who(e, hops) {
            Who::App => "app",
            Who::Browser => "(in browser's)",
        };
        (
            ms(e.start - t0),
            ms(e.end - e.start),
            format!("{kind:<16}{} {}", describe(e), e.status),
        )
    }));
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    events
}

// ---------------------------------------------------------------------------------------------
// The three flows.

fn accounts(dir: &std::path::Path) -> Accounts {
    Accounts::open(Some(dir), Vault::keyring(), Opener::new(None, None))
}

/// Awaits `f`, returning its output and when it was ready.
async fn ready_at<T>(f: impl Future<Output = T>) -> (T, Instant) {
    let out = f.await;
    (out, Instant::now())
}

/// Flow 1: the bridge, from its start to both sessions ready.
async fn bridge(stack: &Stack) -> Run {
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let browser = TimedBrowser::new();
    stack.fresh_log().await;
    let checks = stack.credential_checks();

    let t0 = Instant::now();
    let handoff = core
        .start_element_one(stack.target(), DEFAULT_BRIDGE_TIMEOUT)
        .await
        .expect("the bridge starts");
    let ((result, t_end), page) = tokio::join!(
        ready_at(core.finish_element_one()),
        play_through(&browser, &handoff.url)
    );
    let (ems, matrix) = result.expect("both sessions");

    assert!(page.body.contains("signed in to both"), "{}", page.body);
    assert_eq!(matrix.user_id, stack.matrix_id());
    assert_eq!(stack.credential_checks(), checks + 1, "one form");
    stack.settle().await;
    let run = analyse(t0, t_end, &browser.hops(), &stack.requests());
    core.remove(&matrix.id).await.expect("clean up Matrix");
    core.remove(&ems.id).await.expect("clean up EMS");
    run
}

/// Flow 2's figures: the whole, and each sign-in's part.
struct Singles {
    run: Run,
    ems: f64,
    matrix: f64,
}

/// Flow 2: the EMS sign-in, then Matrix single sign-on, by one core with one browser.
async fn singles(stack: &Stack) -> Singles {
    let data = tempfile::tempdir().expect("data dir");
    let core = accounts(data.path());
    let browser = TimedBrowser::new();
    stack.fresh_log().await;
    let checks = stack.credential_checks();

    let t0 = Instant::now();
    let handoff = core
        .ems
        .start_sign_in(&stack.issuer)
        .await
        .expect("the EMS sign-in starts");
    let ((ems, t_mid), _) = tokio::join!(
        ready_at(core.ems.finish_sign_in()),
        play_through(&browser, &handoff.url)
    );
    let ems = ems.expect("signed in to EMS");
    let request = SsoSignIn::new(stack.homeserver.clone(), Some(IDP.to_owned()), None, None);
    let handoff = core
        .matrix
        .begin_sso_sign_in(request)
        .await
        .expect("single sign-on starts");
    let ((matrix, t_end), _) = tokio::join!(
        ready_at(core.matrix.finish_sso_sign_in()),
        play_through(&browser, &handoff.url)
    );
    let matrix = matrix.expect("signed in to Matrix");

    assert_eq!(matrix.user_id, stack.matrix_id());
    assert_eq!(stack.credential_checks(), checks + 1, "one form");
    stack.settle().await;
    let run = analyse(t0, t_end, &browser.hops(), &stack.requests());
    core.remove(&matrix.id).await.expect("clean up Matrix");
    core.remove(&ems.id).await.expect("clean up EMS");
    Singles {
        run,
        ems: ms(t_mid - t0),
        matrix: ms(t_end - t_mid),
    }
}

/// A plain client, timing its own requests as well (what the proxies cannot see: its side of
/// each connection).
struct Plain {
    http: reqwest::Client,
    spent: Duration,
}

impl Plain {
    async fn json(&mut self, request: reqwest::RequestBuilder) -> Value {
        let start = Instant::now();
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let body: Value = response.json().await.expect("a JSON answer");
        self.spent += start.elapsed();
        assert!(status.is_success(), "HTTP {status}: {body}");
        body
    }
}

fn param(url: &str, name: &str) -> String {
    query_param(url, name).unwrap_or_else(|| panic!("no {name} in the loopback return"))
}

/// Flow 3's figures: the timeline, and the plain client's own view of its requests.
struct PlainRun {
    run: Run,
    client_side: f64,
}

/// Flow 3: the requests the core makes, from a plain client, with the same browser walk.
async fn plain(stack: &Stack) -> PlainRun {
    let browser = TimedBrowser::new();
    let mut plain = Plain {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client"),
        spent: Duration::ZERO,
    };
    // Nothing listens here: the walk stops at the redirect.
    let loopback = format!("http://127.0.0.1:{}", free_port());
    stack.fresh_log().await;
    let checks = stack.credential_checks();

    let t0 = Instant::now();
    let metadata = plain
        .json(
            plain
                .http
                .get(format!("{}.well-known/openid-configuration", stack.issuer)),
        )
        .await;
    let endpoint = |name: &str| metadata[name].as_str().expect(name).to_owned();
    plain.json(plain.http.get(endpoint("jwks_uri"))).await;
    let (challenge, verifier) = openidconnect::PkceCodeChallenge::new_random_sha256();
    let back = format!("{loopback}{EMS_PATH}");
    let authorize = url::Url::parse_with_params(
        &endpoint("authorization_endpoint"),
        [
            ("response_type", "code"),
            ("client_id", "element-accounts"),
            ("redirect_uri", &back),
            (
                "scope",
                "openid profile email offline_access ems.account ems.subscriptions",
            ),
            ("state", &uuid::Uuid::new_v4().simple().to_string()),
            ("nonce", &uuid::Uuid::new_v4().simple().to_string()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    )
    .expect("the authorization URL");
    let returned = play_to_loopback(&browser, authorize.as_str()).await;
    let code = param(&returned, "code");
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &back),
            ("client_id", "element-accounts"),
            ("code_verifier", verifier.secret()),
        ])
        .finish();
    let token_request = plain
        .http
        .post(endpoint("token_endpoint"))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(form);
    plain.json(token_request).await;
    let access_token = matrix_leg(stack, &browser, &mut plain, &loopback).await;
    let t_end = Instant::now();

    assert_eq!(stack.credential_checks(), checks + 1, "one form");
    stack.settle().await;
    let run = analyse(t0, t_end, &browser.hops(), &stack.requests());
    let logout = plain
        .http
        .post(format!("{}/_matrix/client/v3/logout", stack.homeserver))
        .bearer_auth(&access_token)
        .json(&serde_json::json!({}));
    plain.json(logout).await;
    PlainRun {
        run,
        client_side: ms(plain.spent),
    }
}

/// The Matrix half of the plain flow: single sign-on in the browser, `/login` with the token,
/// then what the core asks once signed in (the display name, `whoami`). The access token.
async fn matrix_leg(
    stack: &Stack,
    browser: &TimedBrowser,
    plain: &mut Plain,
    loopback: &str,
) -> String {
    let back = format!(
        "{loopback}{MATRIX_PATH}?state={}",
        uuid::Uuid::new_v4().simple()
    );
    let sso = url::Url::parse_with_params(
        &format!(
            "{}/_matrix/client/v3/login/sso/redirect/{IDP}",
            stack.homeserver
        ),
        [("redirectUrl", back.as_str())],
    )
    .expect("the SSO URL");
    let returned = play_to_loopback(browser, sso.as_str()).await;
    let login = plain
        .http
        .post(format!("{}/_matrix/client/v3/login", stack.homeserver))
        .json(&serde_json::json!({
            "type": "m.login.token",
            "token": param(&returned, "loginToken"),
            "initial_device_display_name": "bench-bridge plain client",
            "refresh_token": true,
        }));
    let grant = plain.json(login).await;
    let token = grant["access_token"].as_str().expect("a token").to_owned();
    let user = grant["user_id"].as_str().expect("a user id").to_owned();
    let base = &stack.homeserver;
    for path in [
        format!("/_matrix/client/v3/profile/{user}/displayname"),
        "/_matrix/client/v3/account/whoami".to_owned(),
    ] {
        plain
            .json(plain.http.get(format!("{base}{path}")).bearer_auth(&token))
            .await;
    }
    token
}

// ---------------------------------------------------------------------------------------------
// Local steps by hand, for reference.

/// A Secret Service write, and a matrix-sdk store built and a session restored into it, each
/// timed alone; milliseconds.
struct ByHand {
    http_clients: Vec<f64>,
    keyring_writes: Vec<f64>,
    store: f64,
    restore: f64,
}

async fn by_hand() -> ByHand {
    use matrix_sdk::authentication::matrix::MatrixSession;
    use matrix_sdk::store::RoomLoadSettings;
    use matrix_sdk::{SessionMeta, SessionTokens};

    let http_clients = (0..BY_HAND_RUNS)
        .map(|_| {
            let start = Instant::now();
            drop(accounts_core::ems::http_client());
            ms(start.elapsed())
        })
        .collect();
    let vault = Vault::keyring();
    let key = SecretKey::new(
        format!("bench-bridge-{}", uuid::Uuid::new_v4().simple()),
        SecretKind::StorePassphrase,
    );
    let mut keyring_writes = Vec::new();
    for i in 0..BY_HAND_RUNS {
        let start = Instant::now();
        vault
            .set(&key, Secret::new(format!("bench-bridge secret {i}")))
            .await
            .expect("a keyring write");
        keyring_writes.push(ms(start.elapsed()));
    }
    vault.delete(&key).await.expect("clean up the keyring");

    let dir = tempfile::tempdir().expect("store dir");
    let start = Instant::now();
    // Nothing listens at the discard port: the client's background set-up fails at once.
    let client = matrix_sdk::Client::builder()
        .homeserver_url("http://127.0.0.1:9")
        .sqlite_store(dir.path(), Some("bench-bridge store passphrase"))
        .request_config(matrix_sdk::config::RequestConfig::new().disable_retry())
        .build()
        .await
        .expect("a store");
    let store = ms(start.elapsed());
    let session = MatrixSession {
        meta: SessionMeta {
            user_id: "@bench:127.0.0.1".try_into().expect("a Matrix ID"),
            device_id: "BENCHBRIDGE".into(),
        },
        tokens: SessionTokens {
            access_token: "not a token".to_owned(),
            refresh_token: None,
        },
    };
    let start = Instant::now();
    client
        .matrix_auth()
        .restore_session(session, RoomLoadSettings::default())
        .await
        .expect("a session restored");
    let restore = ms(start.elapsed());
    ByHand {
        http_clients,
        keyring_writes,
        store,
        restore,
    }
}

// ---------------------------------------------------------------------------------------------
// Rounds and the summary.

#[derive(Default)]
struct Figures {
    bridge: Vec<Run>,
    singles: Vec<Singles>,
    plain: Vec<PlainRun>,
}

#[derive(Debug, Clone, Copy)]
enum Flow {
    Bridge,
    Singles,
    Plain,
}

const FLOWS: [Flow; 3] = [Flow::Bridge, Flow::Singles, Flow::Plain];

fn rounds_wanted() -> usize {
    std::env::var("BENCH_BRIDGE_ROUNDS").map_or(DEFAULT_ROUNDS, |v| {
        v.parse()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| panic!("BENCH_BRIDGE_ROUNDS={v} is not a positive number"))
    })
}

/// Round 0 is the warm-up, not counted; each round starts one flow further along.
async fn run_rounds(stack: &Stack, rounds: usize) -> Figures {
    let mut figures = Figures::default();
    for round in 0..=rounds {
        let counted = round > 0;
        for k in 0..FLOWS.len() {
            match FLOWS[(round + k) % FLOWS.len()] {
                Flow::Bridge => {
                    let run = Box::pin(bridge(stack)).await;
                    if counted {
                        figures.bridge.push(run);
                    }
                }
                Flow::Singles => {
                    let run = Box::pin(singles(stack)).await;
                    if counted {
                        figures.singles.push(run);
                    }
                }
                Flow::Plain => {
                    let run = plain(stack).await;
                    if counted {
                        figures.plain.push(run);
                    }
                }
            }
        }
        eprintln!("bench-bridge: round {round} of {rounds} done (round 0 is the warm-up)");
    }
    figures
}

fn of<T>(items: &[T], pick: impl Fn(&T) -> f64) -> Vec<f64> {
    items.iter().map(pick).collect()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    format!("Linux {}, {cores} cores ({cpu})", kernel.trim())
}

fn summary(rounds: usize, f: &Figures, hand: &ByHand) -> String {
    let mut lines = vec![
        "== bench-bridge summary".to_owned(),
        format!(
            "machine: {}; debug build (cargo test); the real Secret Service (gnome-keyring)",
            machine()
        ),
        format!(
            "{rounds} rounds after a warm-up, the three flows in rotating order, each on a fresh \
             data folder with a fresh browser (one form each); ms, median [min-max]"
        ),
        "method: HTTP time is the time with a request in flight: the browser's, timed in the \
         scripted browser; the app's, timed by reverse proxies in front of the sandbox and \
         Synapse (a request they see while no browser request is in flight is the app's). Local \
         work is the rest. Every flow goes through the same proxies."
            .to_owned(),
    ];
    lines.extend(total_lines(f));
    lines.extend(http_lines(f));
    lines.extend(local_lines(f, hand));
    lines.join("\n")
}

fn total_lines(f: &Figures) -> Vec<String> {
    let bridge = of(&f.bridge, |r| r.total);
    let singles = of(&f.singles, |s| s.run.total);
    let line = |label: &str, values: &[f64]| format!("   {label:<54}{}", show(values, 0));
    vec![
        "1. start to both sessions ready:".to_owned(),
        line("the bridge", &bridge),
        line("two single sign-ins back to back", &singles),
        line("  the EMS sign-in (the form)", &of(&f.singles, |s| s.ems)),
        line(
            "  then Matrix single sign-on (no form)",
            &of(&f.singles, |s| s.matrix),
        ),
        format!(
            "   {:<54}{:.2}x   (goal: at most 1.0x)",
            "ratio bridge / two single sign-ins",
            median(&bridge) / median(&singles)
        ),
    ]
}

/// Every request the plain client made (who, method, path).
fn plain_requests(f: &Figures) -> HashSet<String> {
    f.plain
        .iter()
        .flat_map(|p| p.run.app.iter().map(|s| s.label.clone()))
        .collect()
}

fn http_lines(f: &Figures) -> Vec<String> {
    let same = plain_requests(f);
    let is_same = |s: &Span| same.contains(&s.label);
    let plain: Vec<Run> = f.plain.iter().map(|p| p.run.clone()).collect();
    let first = |runs: &[Run], count: &dyn Fn(&Run) -> usize| runs.first().map_or(0, count);
    let row = |label: String, pick: &dyn Fn(&Run) -> f64, with_plain: bool| {
        let plain = if with_plain {
            show(&of(&plain, pick), 1)
        } else {
            String::new()
        };
        format!("   {label:<54}{:<22}{plain}", show(&of(&f.bridge, pick), 1))
    };
    let ratio =
        |pick: &dyn Fn(&Run) -> f64| median(&of(&f.bridge, pick)) / median(&of(&plain, pick));
    let other = first(&f.bridge, &|r| r.app.iter().filter(|s| !is_same(s)).count());
    vec![
        "2. HTTP round trips, time with a request in flight:".to_owned(),
        format!("   {:<54}{:<22}plain client", "", "bridge"),
        row(
            format!(
                "the browser's requests ({} / {})",
                first(&f.bridge, &|r| r.hops.len()),
                first(&plain, &|r| r.hops.len())
            ),
            &Run::browser_http,
            true,
        ),
        row(
            format!(
                "the app's requests the plain client makes ({} / {})",
                first(&f.bridge, &|r| r.app.iter().filter(|s| is_same(s)).count()),
                first(&plain, &|r| r.app.len())
            ),
            &|r| r.app_http(is_same),
            true,
        ),
        row("HTTP of those".to_owned(), &|r| r.http(is_same), true),
        row(
            format!("matrix-sdk's other requests ({other}), alone in flight"),
            &|r| r.http(|_| true) - r.http(is_same),
            false,
        ),
        row("all HTTP".to_owned(), &|r| r.http(|_| true), true),
        format!(
            "   {:<54}{:.2}x   (goal: at most 1.3x)",
            "ratio bridge / plain client, all HTTP",
            ratio(&|r| r.http(|_| true))
        ),
        format!(
            "   {:<54}{:.2}x",
            "ratio bridge / plain client, the same requests",
            ratio(&|r| r.http(is_same))
        ),
        format!(
            "   the plain client's own timing of its requests {} (the proxies: {})",
            show(&of(&f.plain, |p| p.client_side), 1),
            show(&of(&plain, |r| r.app_http(|_| true)), 1)
        ),
        format!(
            "   two single sign-ins: all HTTP {}, of which the app's requests ({}) {}",
            show(&of(&f.singles, |s| s.run.http(|_| true)), 1),
            f.singles.first().map_or(0, |s| s.run.app.len()),
            show(&of(&f.singles, |s| s.run.app_http(|_| true)), 1)
        ),
    ]
}

/// The app's start without a request of its own in flight (before the browser first goes out).
fn start_local(run: &Run) -> f64 {
    let first = run.first_hop();
    first - covered(&run.app, 0.0, first)
}

fn local_lines(f: &Figures, hand: &ByHand) -> Vec<String> {
    let rest = |r: &Run| {
        r.local() - start_local(r) - r.loopback_local(EMS_PATH) - r.loopback_local(MATRIX_PATH)
    };
    let line = |label: &str, values: Vec<f64>| format!("   {label:<54}{}", show(&values, 1));
    vec![
        "3. local work, start to ready with no request in flight:".to_owned(),
        line("the bridge", of(&f.bridge, Run::local)),
        line(
            "  its start, until the browser goes out",
            of(&f.bridge, start_local),
        ),
        line(
            "  the EMS return (token checks, keyring, registry)",
            of(&f.bridge, |r| r.loopback_local(EMS_PATH)),
        ),
        line(
            "  the Matrix return",
            of(&f.bridge, |r| r.loopback_local(MATRIX_PATH)),
        ),
        line(
            "    /login's answer to the next request",
            of(&f.bridge, Run::after_login),
        ),
        line("  the rest (the browser's own work)", of(&f.bridge, rest)),
        line("two single sign-ins", of(&f.singles, |s| s.run.local())),
        line(
            "  the EMS start, until the browser goes out",
            of(&f.singles, |s| start_local(&s.run)),
        ),
        line(
            "  /login's answer to the next request",
            of(&f.singles, |s| s.run.after_login()),
        ),
        line(
            "the plain flow (its client and the browser)",
            of(&f.plain, |p| p.run.local()),
        ),
        format!(
            "   by hand, for reference: an EMS HTTP client built {}; a Secret Service write {}; \
             a matrix-sdk SQLite store built {:.0}; a session restored into it {:.1}",
            show(&hand.http_clients, 1),
            show(&hand.keyring_writes, 1),
            hand.store,
            hand.restore
        ),
    ]
}

fn timeline_lines(title: &str, run: Option<&Run>) -> Vec<String> {
    let Some(run) = run else {
        return Vec::new();
    };
    let mut lines = vec![format!(
        "{title}, ms from its start: start, duration, who, what (ready at {:.1})",
        run.total
    )];
    lines.extend(
        run.events
            .iter()
            .map(|(at, took, what)| format!("   {at:8.1} {took:7.1}  {what}")),
    );
    lines.push(format!(
        "   after it was ready: {}",
        if run.after.is_empty() {
            "no request".to_owned()
        } else {
            run.after.join(", ")
        }
    ));
    lines
}

/// Each of `run`'s app requests by label (a repeated one as `label #2`) and its duration.
fn request_durations(run: &Run) -> Vec<(String, f64)> {
    let mut seen: Vec<(String, f64)> = Vec::new();
    for span in &run.app {
        let repeats = seen
            .iter()
            .filter(|(l, _)| l.split(" #").next() == Some(span.label.as_str()))
            .count();
        let label = if repeats == 0 {
            span.label.clone()
        } else {
            format!("{} #{}", span.label, repeats + 1)
        };
        seen.push((label, span.end - span.start));
    }
    seen
}

/// The median duration of each of the app's requests in each flow, as the proxies saw them.
fn per_request_lines(f: &Figures) -> Vec<String> {
    let flows: [Vec<&Run>; 3] = [
        f.bridge.iter().collect(),
        f.singles.iter().map(|s| &s.run).collect(),
        f.plain.iter().map(|p| &p.run).collect(),
    ];
    let mut labels: Vec<String> = Vec::new();
    for runs in &flows {
        for (label, _) in runs
            .first()
            .map(|r| request_durations(r))
            .unwrap_or_default()
        {
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    let mut lines = vec![format!(
        "{:<75} {:>8} {:>8} {:>8}",
        "the app's requests, median ms at the proxies:", "bridge", "singles", "plain"
    )];
    for label in labels {
        let cell = |runs: &Vec<&Run>| {
            let values: Vec<f64> = runs
                .iter()
                .filter_map(|r| {
                    request_durations(r)
                        .into_iter()
                        .find_map(|(l, d)| (l == label).then_some(d))
                })
                .collect();
            if values.is_empty() {
                "-".to_owned()
            } else {
                format!("{:.1}", median(&values))
            }
        };
        lines.push(format!(
            "   {label:<72} {:>8} {:>8} {:>8}",
            cell(&flows[0]),
            cell(&flows[1]),
            cell(&flows[2])
        ));
    }
    lines
}

/// The last round's timelines and the requests' medians, printed above the summary.
fn request_lines(f: &Figures) -> Vec<String> {
    let mut lines = timeline_lines("the last bridge", f.bridge.last());
    lines.extend(timeline_lines(
        "the last two single sign-ins",
        f.singles.last().map(|s| &s.run),
    ));
    lines.extend(timeline_lines(
        "the last plain flow",
        f.plain.last().map(|p| &p.run),
    ));
    lines.extend(per_request_lines(f));
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run scripts/bench-bridge"]
async fn bench_bridge() {
    let rounds = rounds_wanted();
    eprintln!("bench-bridge: starting the sandbox and Synapse");
    let stack = stack().await;
    eprintln!(
        "bench-bridge: {rounds} rounds against {} (issuer {})",
        stack.homeserver, stack.issuer
    );
    let figures = run_rounds(&stack, rounds).await;
    let hand = by_hand().await;
    println!("\n{}", request_lines(&figures).join("\n"));
    println!("\n{}", summary(rounds, &figures, &hand));
}
