//! The EMS control-panel API over real HTTP, on a temp database: every operation of
//! `docs/ems-api.yaml`, the document against the routes really served, bad input for each
//! operation, tokens (missing, unknown, expired, revoked, wrong scope), other customers' ids,
//! account deletion, and a restart.
//!
//! Homeserver URLs here are plain addresses: the API hands them out but never contacts them.

use std::collections::BTreeSet;
use std::path::Path;

use ems_api::routes::{self, with_id, Method, ROUTES};
use ems_sandbox::Store;
use reqwest::StatusCode;
use serde_json::{json, Value};
use test_support::sandbox::{SandboxBuilder, TestSandbox};

const BOTH: &str = "openid ems.account ems.subscriptions";
const ALICE: &str = "alice@example.org";
const BOB: &str = "bob@example.org";
const CARD: &str = "4242424242424242";

struct Fixture {
    sandbox: TestSandbox,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

async fn fixture() -> Fixture {
    let sandbox = SandboxBuilder::new()
        .user(ALICE, "Alice Liddell", None, "a long password")
        .user(BOB, "Bob Builder", None, "a long password")
        .placeholder_homeservers()
        .start()
        .await;
    Fixture { sandbox }
}

impl Fixture {
    async fn token(&self, email: &str, scope: &str, lifetime: i64) -> String {
        let (db, email, scope) = (
            self.sandbox.database().to_owned(),
            email.to_owned(),
            scope.to_owned(),
        );
        blocking(move || {
            Store::open(&db)
                .and_then(|s| s.issue_access_token(&email, "element-accounts", &scope, lifetime))
                .expect("issue a token")
        })
        .await
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(Value::to_string);
        let (status, _, value) = self
            .raw(method, path, token, body.as_deref(), "application/json")
            .await;
        (status, value)
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        content_type: &str,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = reqwest::Client::new().request(method, self.sandbox.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body.to_owned());
        }
        let response = request.send().await.expect("the sandbox answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    async fn ok(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> Value {
        let (status, value) = self.call(method, path, Some(token), body).await;
        assert!(
            status.is_success(),
            "{method} {path} must succeed: {status} {value}"
        );
        value
    }
}

/// Asserts a problem+json refusal with `status`, `code` and, if given, `field`.
fn assert_problem(
    got: &(StatusCode, Value),
    status: u16,
    code: &str,
    field: Option<&str>,
    why: &str,
) {
    assert_eq!(got.0.as_u16(), status, "{why}: {}", got.1);
    assert_eq!(got.1["code"], code, "{why}: {}", got.1);
    assert_eq!(
        got.1["status"], status,
        "the problem repeats the status: {}",
        got.1
    );
    if let Some(field) = field {
        assert_eq!(
            got.1["field"], field,
            "{why}: the field must be named: {}",
            got.1
        );
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        _ => "PUT",
    }
}

/// The (method, path) pairs of docs/ems-api.yaml: paths at indent 2 under `paths:`, methods at
/// indent 4 (the document's stated layout).
fn documented_operations() -> BTreeSet<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ems-api.yaml");
    let text = std::fs::read_to_string(path).expect("read docs/ems-api.yaml");
    let mut ops = BTreeSet::new();
    let mut in_paths = false;
    let mut current = None;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() && !line.starts_with('#') {
            in_paths = line == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /").and_then(|l| l.strip_suffix(':')) {
            current = Some(p.to_owned());
        } else if let Some(m) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(':')) {
            if ["get", "put", "post", "delete", "patch", "head", "options"].contains(&m) {
                let path = current.clone().expect("a method under a path");
                ops.insert((m.to_uppercase(), path));
            }
        }
    }
    ops
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_exactly_the_routes_served() {
    let documented = documented_operations();
    let served: BTreeSet<(String, String)> = ems_sandbox::api::served_routes()
        .into_iter()
        .map(|(m, p)| (method_name(m).to_owned(), p.to_owned()))
        .collect();
    assert_eq!(
        documented, served,
        "docs/ems-api.yaml and the router must agree"
    );
    assert_eq!(served.len(), ROUTES.len(), "every contract route is served");

    // Over HTTP: each documented operation exists and is guarded; other methods are 405.
    let f = fixture().await;
    for (method, path) in &documented {
        let path = with_id(path, "sub_x");
        let got = f.call(method, &path, None, None).await;
        assert_problem(
            &got,
            401,
            "missing_token",
            None,
            &format!("{method} {path} is served and needs a token"),
        );
        let paths_methods: Vec<&str> = documented
            .iter()
            .filter(|(_, p)| with_id(p, "sub_x") == path)
            .map(|(m, _)| m.as_str())
            .collect();
        for other in ["GET", "PUT", "POST", "DELETE", "PATCH"] {
            if !paths_methods.contains(&other) {
                let (status, ..) = f.raw(other, &path, None, None, "application/json").await;
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{other} {path} is not an operation"
                );
            }
        }
    }
    let got = f.call("GET", "api/v1/nothing", None, None).await;
    assert_problem(
        &got,
        404,
        "not_found",
        None,
        "an unknown API path is a problem+json 404",
    );
}

// One customer's journey through every operation reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_works_for_the_owner() {
    let f = fixture().await;
    let t = f.token(ALICE, BOTH, 300).await;

    let account = f.ok("GET", routes::ACCOUNT, &t, None).await;
    assert_eq!(account["email"], ALICE);
    assert_eq!(account["username"], "alice");
    assert_eq!(account["company"], Value::Null, "no company until set");

    let details = json!({"name": "Alice L.", "email": "alice@corp.example",
        "company": {"name": "Corp Ltd", "number": "GB999", "size": "11-50"}});
    let account = f
        .ok("PUT", routes::ACCOUNT_DETAILS, &t, Some(&details))
        .await;
    assert_eq!(account["company"]["size"], "11-50");
    assert_eq!(account["email"], "alice@corp.example");
    let taken = f
        .call(
            "PUT",
            routes::ACCOUNT_DETAILS,
            Some(&t),
            Some(&json!({"name": "A", "email": BOB})),
        )
        .await;
    assert_problem(
        &taken,
        409,
        "email_taken",
        Some("email"),
        "another customer's email",
    );

    let address =
        json!({"line1": "1 High St", "city": "Oxford", "postal_code": "OX1 1AA", "country": "GB"});
    let stored = f
        .ok("PUT", routes::BILLING_ADDRESS, &t, Some(&address))
        .await;
    assert_eq!(stored["line2"], Value::Null);

    let card =
        json!({"number": CARD, "expiry_month": 12, "expiry_year": 2099, "holder_name": "Alice"});
    let masked = f.ok("PUT", routes::PAYMENT_METHOD, &t, Some(&card)).await;
    assert_eq!(
        (masked["brand"].as_str(), masked["last4"].as_str()),
        (Some("visa"), Some("4242"))
    );
    assert!(
        !masked.to_string().contains(CARD),
        "the number is never answered whole"
    );
    let account = f.ok("GET", routes::ACCOUNT, &t, None).await;
    assert_eq!(account["payment_method"]["last4"], "4242");
    assert_eq!(account["billing_address"]["city"], "Oxford");

    let hosted = f
        .call(
            "POST",
            routes::SUBSCRIPTIONS,
            Some(&t),
            Some(&json!({"kind": "hosted_homeserver", "seats": 5})),
        )
        .await;
    assert_eq!(hosted.0, StatusCode::CREATED, "{}", hosted.1);
    let hosted = hosted.1;
    assert_eq!(
        hosted["status"], "active",
        "the free homeserver is assigned"
    );
    assert_eq!(hosted["homeserver"]["server_name"], "hs1.test");
    assert_eq!(
        hosted["homeserver"]["web_client_url"],
        "http://127.0.0.1:9/web"
    );
    assert_eq!(
        hosted["admin_contact"], "alice@corp.example",
        "the account's email by default"
    );
    assert!(
        !hosted.to_string().contains("admin-secret"),
        "admin credentials are never served"
    );
    let waiting = f
        .ok("POST", routes::SUBSCRIPTIONS, &t, Some(&json!({"kind": "hosted_homeserver", "seats": 1, "admin_contact": "ops@corp.example"})))
        .await;
    assert_eq!(waiting["status"], "pending", "no homeserver is free");
    assert_eq!(waiting["homeserver"], Value::Null);
    let one = f
        .ok(
            "POST",
            routes::SUBSCRIPTIONS,
            &t,
            Some(&json!({"kind": "element_one"})),
        )
        .await;
    assert_eq!(
        one["matrix_id"], "@alice:one.test",
        "the Matrix ID lives on the Element One homeserver"
    );
    assert_eq!(one["homeserver_url"], "http://127.0.0.1:10/");
    let again = f
        .call(
            "POST",
            routes::SUBSCRIPTIONS,
            Some(&t),
            Some(&json!({"kind": "element_one"})),
        )
        .await;
    assert_problem(
        &again,
        409,
        "element_one_exists",
        None,
        "one Element One per account",
    );
    let onprem = f
        .ok("POST", routes::SUBSCRIPTIONS, &t, Some(&json!({"kind": "on_premise", "seats": 20, "web_client_domain": "chat.corp.example"})))
        .await;
    assert_eq!(onprem["licence_status"], "valid");

    let list = f.ok("GET", routes::SUBSCRIPTIONS, &t, None).await;
    let kinds: Vec<&str> = list["subscriptions"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        [
            "hosted_homeserver",
            "hosted_homeserver",
            "element_one",
            "on_premise"
        ],
        "oldest first"
    );

    let hosted_id = hosted["id"].as_str().expect("id");
    let got = f
        .ok("GET", &with_id(routes::SUBSCRIPTION, hosted_id), &t, None)
        .await;
    assert_eq!(got, hosted, "reading returns what creation answered");

    let seats = with_id(routes::SUBSCRIPTION_SEATS, hosted_id);
    assert_eq!(
        f.ok("PUT", &seats, &t, Some(&json!({"seats": 8}))).await["seats"],
        8
    );
    assert_eq!(
        f.ok("PUT", &seats, &t, Some(&json!({"seats": 8}))).await["seats"],
        8,
        "the same count is a no-op"
    );
    let lower = f
        .call("PUT", &seats, Some(&t), Some(&json!({"seats": 7})))
        .await;
    assert_problem(
        &lower,
        409,
        "seats_cannot_decrease",
        Some("seats"),
        "seats never go down",
    );
    let onprem_seats = with_id(
        routes::SUBSCRIPTION_SEATS,
        onprem["id"].as_str().expect("id"),
    );
    assert_eq!(
        f.ok("PUT", &onprem_seats, &t, Some(&json!({"seats": 21})))
            .await["seats"],
        21
    );
    let one_seats = with_id(routes::SUBSCRIPTION_SEATS, one["id"].as_str().expect("id"));
    let none = f
        .call("PUT", &one_seats, Some(&t), Some(&json!({"seats": 2})))
        .await;
    assert_problem(
        &none,
        409,
        "seats_not_applicable",
        None,
        "Element One has no seats",
    );

    let cancelled = f
        .ok(
            "POST",
            &with_id(routes::SUBSCRIPTION_CANCEL, hosted_id),
            &t,
            None,
        )
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["homeserver"], Value::Null, "the host is released");
    let promoted = f
        .ok(
            "GET",
            &with_id(routes::SUBSCRIPTION, waiting["id"].as_str().expect("id")),
            &t,
            None,
        )
        .await;
    assert_eq!(
        promoted["status"], "active",
        "the freed homeserver goes to the pending subscription"
    );
    assert_eq!(promoted["homeserver"]["server_name"], "hs1.test");
    let twice = f
        .call(
            "POST",
            &with_id(routes::SUBSCRIPTION_CANCEL, hosted_id),
            Some(&t),
            None,
        )
        .await;
    assert_problem(
        &twice,
        409,
        "subscription_cancelled",
        None,
        "cancelling twice",
    );
    let raise = f
        .call("PUT", &seats, Some(&t), Some(&json!({"seats": 9})))
        .await;
    assert_problem(
        &raise,
        409,
        "subscription_cancelled",
        None,
        "a cancelled subscription's seats are frozen",
    );
    let revoked = f
        .ok(
            "POST",
            &with_id(
                routes::SUBSCRIPTION_CANCEL,
                onprem["id"].as_str().expect("id"),
            ),
            &t,
            None,
        )
        .await;
    assert_eq!(revoked["licence_status"], "revoked");

    // The card number never reaches the database file, not even its WAL.
    let files = f.sandbox.shutdown_keeping_files().await;
    for entry in std::fs::read_dir(files.path()).expect("list") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        assert!(
            !bytes.windows(CARD.len()).any(|w| w == CARD.as_bytes()),
            "the full card number must not be stored"
        );
    }
}

// A table of cases per operation reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_naming_the_field() {
    let f = fixture().await;
    let t = f.token(ALICE, BOTH, 300).await;
    let sub = f
        .ok(
            "POST",
            routes::SUBSCRIPTIONS,
            &t,
            Some(&json!({"kind": "on_premise", "seats": 3, "web_client_domain": "a.example"})),
        )
        .await;
    let seats = with_id(routes::SUBSCRIPTION_SEATS, sub["id"].as_str().expect("id"));
    let long = "x".repeat(201);
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        // details
        (
            routes::ACCOUNT_DETAILS,
            "PUT",
            json!({"email": ALICE}),
            "name",
        ),
        (
            routes::ACCOUNT_DETAILS,
            "PUT",
            json!({"name": 5, "email": ALICE}),
            "name",
        ),
        (
            routes::ACCOUNT_DETAILS,
            "PUT",
            json!({"name": long, "email": ALICE}),
            "name",
        ),
        (
            routes::ACCOUNT_DETAILS,
            "PUT",
            json!({"name": "  ", "email": ALICE}),
            "name",
        ),
        (
            routes::ACCOUNT_DETAILS,
            "PUT",
            json!({"name": "A", "email": "no-at-sign"}),
            "email",
        ),
        (
            routes::ACCOUNT_DETAILS,
            "PUT",
            json!({"name": "A", "email": ALICE, "company": {"number": "1"}}),
            "company.name",
        ),
        (
            routes::ACCOUNT_DETAILS,
            "PUT",
            json!({"name": "A", "email": ALICE, "company": {"name": "C", "size": "huge"}}),
            "company.size",
        ),
        (
            routes::ACCOUNT_DETAILS,
            "PUT",
            json!({"name": "A", "email": ALICE, "admin": true}),
            "admin",
        ),
        // billing address
        (
            routes::BILLING_ADDRESS,
            "PUT",
            json!({"city": "X", "postal_code": "1", "country": "GB"}),
            "line1",
        ),
        (
            routes::BILLING_ADDRESS,
            "PUT",
            json!({"line1": "1", "city": "X", "postal_code": "1", "country": "gb"}),
            "country",
        ),
        (
            routes::BILLING_ADDRESS,
            "PUT",
            json!({"line1": "1", "city": "X", "postal_code": "x".repeat(21), "country": "GB"}),
            "postal_code",
        ),
        (
            routes::BILLING_ADDRESS,
            "PUT",
            json!({"line1": "1", "city": [], "postal_code": "1", "country": "GB"}),
            "city",
        ),
        // payment method
        (
            routes::PAYMENT_METHOD,
            "PUT",
            json!({"expiry_month": 1, "expiry_year": 2099, "holder_name": "A"}),
            "number",
        ),
        (
            routes::PAYMENT_METHOD,
            "PUT",
            json!({"number": "4242424242424241", "expiry_month": 1, "expiry_year": 2099, "holder_name": "A"}),
            "number",
        ),
        (
            routes::PAYMENT_METHOD,
            "PUT",
            json!({"number": "4242-4242", "expiry_month": 1, "expiry_year": 2099, "holder_name": "A"}),
            "number",
        ),
        (
            routes::PAYMENT_METHOD,
            "PUT",
            json!({"number": CARD, "expiry_month": 13, "expiry_year": 2099, "holder_name": "A"}),
            "expiry_month",
        ),
        (
            routes::PAYMENT_METHOD,
            "PUT",
            json!({"number": CARD, "expiry_month": 1, "expiry_year": 2001, "holder_name": "A"}),
            "expiry_year",
        ),
        (
            routes::PAYMENT_METHOD,
            "PUT",
            json!({"number": CARD, "expiry_month": "1", "expiry_year": 2099, "holder_name": "A"}),
            "expiry_month",
        ),
        (
            routes::PAYMENT_METHOD,
            "PUT",
            json!({"number": CARD, "expiry_month": 1, "expiry_year": 2099, "holder_name": long}),
            "holder_name",
        ),
        // subscriptions
        (routes::SUBSCRIPTIONS, "POST", json!({"seats": 1}), "kind"),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "moon_base"}),
            "kind",
        ),
        (routes::SUBSCRIPTIONS, "POST", json!({"kind": 3}), "kind"),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "hosted_homeserver"}),
            "seats",
        ),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "hosted_homeserver", "seats": 0}),
            "seats",
        ),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "hosted_homeserver", "seats": -1}),
            "seats",
        ),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "hosted_homeserver", "seats": 100_001}),
            "seats",
        ),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "hosted_homeserver", "seats": 1.5}),
            "seats",
        ),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "hosted_homeserver", "seats": 1, "admin_contact": "nobody"}),
            "admin_contact",
        ),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "element_one", "matrix_id": "@x:y"}),
            "matrix_id",
        ),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "element_one", "username": "Not Valid"}),
            "username",
        ),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "hosted_homeserver", "seats": 1, "server_name": ""}),
            "server_name",
        ),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "on_premise", "seats": 1, "web_client_domain": "Not A Domain"}),
            "web_client_domain",
        ),
        (
            routes::SUBSCRIPTIONS,
            "POST",
            json!({"kind": "on_premise", "seats": 1, "web_client_domain": format!("{}.example", "a".repeat(64))}),
            "web_client_domain",
        ),
        (routes::SUBSCRIPTIONS, "POST", json!([1, 2]), "body"),
        // seats
        (&seats, "PUT", json!({}), "seats"),
        (&seats, "PUT", json!({"seats": "ten"}), "seats"),
        (&seats, "PUT", json!({"seats": 4_294_967_296_u64}), "seats"),
        // deletion
        (
            routes::ACCOUNT_DELETION,
            "POST",
            json!({}),
            "confirmation_token",
        ),
        (
            routes::ACCOUNT_DELETION,
            "POST",
            json!({"confirmation_token": 1}),
            "confirmation_token",
        ),
        (
            routes::ACCOUNT_DELETION,
            "POST",
            json!({"confirmation_token": "nonsense"}),
            "confirmation_token",
        ),
    ];
    for (path, method, body, field) in &cases {
        let got = f.call(method, path, Some(&t), Some(body)).await;
        assert_problem(
            &got,
            422,
            "invalid_field",
            Some(field),
            &format!("{method} {path} {body}"),
        );
    }
    // Every body-taking operation: malformed JSON, another media type, an oversize body.
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(70 * 1024));
    for route in ROUTES.iter().filter(|r| r.method != Method::Get) {
        let path = with_id(route.path, sub["id"].as_str().expect("id"));
        let method = method_name(route.method);
        if route.path == routes::SUBSCRIPTION_CANCEL {
            continue; // takes no body
        }
        let (status, headers, body) = f
            .raw(
                method,
                &path,
                Some(&t),
                Some("{\"seats\": "),
                "application/json",
            )
            .await;
        assert_problem(
            &(status, body),
            400,
            "malformed_body",
            None,
            &format!("{method} {path} with broken JSON"),
        );
        assert_eq!(
            headers[reqwest::header::CONTENT_TYPE],
            "application/problem+json"
        );
        let (status, _, body) = f
            .raw(
                method,
                &path,
                Some(&t),
                Some("seats=1"),
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_problem(
            &(status, body),
            415,
            "unsupported_media_type",
            None,
            &format!("{method} {path} as a form"),
        );
        let (status, _, body) = f
            .raw(method, &path, Some(&t), Some(&huge), "application/json")
            .await;
        assert_problem(
            &(status, body),
            413,
            "payload_too_large",
            None,
            &format!("{method} {path} oversize"),
        );
    }
    let account = f.ok("GET", routes::ACCOUNT, &t, None).await;
    assert_eq!(
        account["name"], "Alice Liddell",
        "refused requests change nothing"
    );
    assert_eq!(account["payment_method"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_must_be_live_and_hold_the_scopes() {
    let f = fixture().await;
    let account_only = f.token(ALICE, "openid ems.account", 300).await;
    let subs_only = f.token(ALICE, "ems.subscriptions", 300).await;
    let expired = f.token(ALICE, BOTH, 0).await;
    let revoked = f.token(ALICE, BOTH, 300).await;
    let (db, r) = (f.sandbox.database().to_owned(), revoked.clone());
    blocking(move || {
        Store::open(&db)
            .and_then(|s| s.revoke_token(&r, "element-accounts"))
            .expect("revoke");
    })
    .await;

    for route in ROUTES {
        let path = with_id(route.path, "sub_unknown");
        let method = method_name(route.method);
        let body = (route.method != Method::Get).then(|| json!({}));
        let why = |what: &str| format!("{method} {path} with {what}");
        assert_problem(
            &f.call(method, &path, None, body.as_ref()).await,
            401,
            "missing_token",
            None,
            &why("no token"),
        );
        assert_problem(
            &f.call(method, &path, Some("garbage"), body.as_ref()).await,
            401,
            "invalid_token",
            None,
            &why("an unknown token"),
        );
        assert_problem(
            &f.call(method, &path, Some(&expired), body.as_ref()).await,
            401,
            "invalid_token",
            None,
            &why("an expired token"),
        );
        assert_problem(
            &f.call(method, &path, Some(&revoked), body.as_ref()).await,
            401,
            "invalid_token",
            None,
            &why("a revoked token"),
        );
        for (token, has) in [
            (&account_only, "ems.account"),
            (&subs_only, "ems.subscriptions"),
        ] {
            if route.scopes.iter().any(|s| *s != has) {
                assert_problem(
                    &f.call(method, &path, Some(token), body.as_ref()).await,
                    403,
                    "insufficient_scope",
                    None,
                    &why(&format!("only {has}")),
                );
            }
        }
    }
    let (status, headers, _) = f
        .raw("GET", routes::ACCOUNT, Some(&expired), None, "")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        headers[reqwest::header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap_or("")
            .contains("invalid_token"),
        "RFC 6750: the challenge names the error"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chosen_server_name_or_user_name_must_be_free() {
    let f = fixture().await;
    let alice = f.token(ALICE, BOTH, 300).await;
    let bob = f.token(BOB, BOTH, 300).await;
    let hosted = f
        .ok(
            "POST",
            routes::SUBSCRIPTIONS,
            &alice,
            Some(&json!({"kind": "hosted_homeserver", "seats": 2, "server_name": "hs1.test"})),
        )
        .await;
    assert_eq!(hosted["status"], "active", "{hosted}");
    assert_eq!(hosted["homeserver"]["server_name"], "hs1.test");
    assert_problem(
        &f.call(
            "POST",
            routes::SUBSCRIPTIONS,
            Some(&bob),
            Some(&json!({"kind": "hosted_homeserver", "seats": 2, "server_name": "hs1.test"})),
        )
        .await,
        409,
        "server_name_unavailable",
        Some("server_name"),
        "a server name in use",
    );
    assert_problem(
        &f.call(
            "POST",
            routes::SUBSCRIPTIONS,
            Some(&bob),
            Some(&json!({"kind": "hosted_homeserver", "seats": 2, "server_name": "unknown.test"})),
        )
        .await,
        409,
        "server_name_unavailable",
        Some("server_name"),
        "a server name this EMS does not offer",
    );
    let list = f.ok("GET", routes::SUBSCRIPTIONS, &bob, None).await;
    assert_eq!(
        list["subscriptions"],
        json!([]),
        "a refused creation leaves nothing behind"
    );

    let one = f
        .ok(
            "POST",
            routes::SUBSCRIPTIONS,
            &alice,
            Some(&json!({"kind": "element_one", "username": "wonderland"})),
        )
        .await;
    assert_eq!(one["matrix_id"], "@wonderland:one.test");
    assert_problem(
        &f.call(
            "POST",
            routes::SUBSCRIPTIONS,
            Some(&bob),
            Some(&json!({"kind": "element_one", "username": "wonderland"})),
        )
        .await,
        409,
        "matrix_id_taken",
        Some("username"),
        "a Matrix ID another account holds",
    );
    let bobs = f
        .ok(
            "POST",
            routes::SUBSCRIPTIONS,
            &bob,
            Some(&json!({"kind": "element_one"})),
        )
        .await;
    assert_eq!(
        bobs["matrix_id"], "@bob:one.test",
        "the account's user name by default"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_customers_subscriptions_are_not_found() {
    let f = fixture().await;
    let alice = f.token(ALICE, BOTH, 300).await;
    let bob = f.token(BOB, BOTH, 300).await;
    let sub = f
        .ok(
            "POST",
            routes::SUBSCRIPTIONS,
            &alice,
            Some(&json!({"kind": "hosted_homeserver", "seats": 4})),
        )
        .await;
    let id = sub["id"].as_str().expect("id");
    for id in [id, "sub_0000000000000000", "..%2F..", "%FF"] {
        let why = format!("id {id} seen by Bob");
        assert_problem(
            &f.call("GET", &with_id(routes::SUBSCRIPTION, id), Some(&bob), None)
                .await,
            404,
            "not_found",
            None,
            &why,
        );
        assert_problem(
            &f.call(
                "PUT",
                &with_id(routes::SUBSCRIPTION_SEATS, id),
                Some(&bob),
                Some(&json!({"seats": 9})),
            )
            .await,
            404,
            "not_found",
            None,
            &why,
        );
        assert_problem(
            &f.call(
                "POST",
                &with_id(routes::SUBSCRIPTION_CANCEL, id),
                Some(&bob),
                None,
            )
            .await,
            404,
            "not_found",
            None,
            &why,
        );
    }
    let still = f
        .ok("GET", &with_id(routes::SUBSCRIPTION, id), &alice, None)
        .await;
    assert_eq!(still, sub, "Bob's attempts changed nothing");
    let bobs = f.ok("GET", routes::SUBSCRIPTIONS, &bob, None).await;
    assert_eq!(
        bobs["subscriptions"],
        json!([]),
        "Bob sees none of Alice's subscriptions"
    );
}

// One deletion story, with its refusals, reads best in one piece.
#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_account_removes_hosts_and_subscriptions_first() {
    let f = fixture().await;
    let t = f.token(ALICE, BOTH, 300).await;
    let bob = f.token(BOB, BOTH, 300).await;
    let hosted = f
        .ok(
            "POST",
            routes::SUBSCRIPTIONS,
            &t,
            Some(&json!({"kind": "hosted_homeserver", "seats": 2})),
        )
        .await;
    f.ok(
        "POST",
        routes::SUBSCRIPTIONS,
        &t,
        Some(&json!({"kind": "element_one"})),
    )
    .await;
    let bobs = f
        .ok(
            "POST",
            routes::SUBSCRIPTIONS,
            &bob,
            Some(&json!({"kind": "hosted_homeserver", "seats": 1})),
        )
        .await;
    assert_eq!(bobs["status"], "pending", "Alice holds the only homeserver");

    let preview = f.ok("GET", routes::ACCOUNT_DELETION, &t, None).await;
    assert_eq!(preview["subscriptions"].as_array().map(Vec::len), Some(2));
    assert_eq!(preview["hosts"][0]["server_name"], "hs1.test");
    assert_eq!(preview["hosts"][0]["subscription_id"], hosted["id"]);
    let token = preview["confirmation_token"]
        .as_str()
        .expect("token")
        .to_owned();

    let bobs_try = f
        .call(
            "POST",
            routes::ACCOUNT_DELETION,
            Some(&bob),
            Some(&json!({"confirmation_token": token})),
        )
        .await;
    assert_problem(
        &bobs_try,
        409,
        "confirmation_mismatch",
        Some("confirmation_token"),
        "Alice's confirmation does not delete Bob",
    );
    let forged = format!("{}.AAAA", i64::MAX);
    let got = f
        .call(
            "POST",
            routes::ACCOUNT_DELETION,
            Some(&t),
            Some(&json!({"confirmation_token": forged})),
        )
        .await;
    assert_problem(
        &got,
        409,
        "confirmation_mismatch",
        Some("confirmation_token"),
        "a made-up token",
    );

    // A change after the preview makes it stale: what was shown is no longer what would go.
    f.ok(
        "POST",
        routes::SUBSCRIPTIONS,
        &t,
        Some(&json!({"kind": "on_premise", "seats": 1, "web_client_domain": "x.example"})),
    )
    .await;
    let stale = f
        .call(
            "POST",
            routes::ACCOUNT_DELETION,
            Some(&t),
            Some(&json!({"confirmation_token": token})),
        )
        .await;
    assert_problem(
        &stale,
        409,
        "confirmation_mismatch",
        None,
        "the account changed since the preview",
    );
    assert_eq!(
        f.ok("GET", routes::SUBSCRIPTIONS, &t, None).await["subscriptions"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "a refused deletion deletes nothing"
    );

    let preview = f.ok("GET", routes::ACCOUNT_DELETION, &t, None).await;
    let report = f
        .ok(
            "POST",
            routes::ACCOUNT_DELETION,
            &t,
            Some(&json!({"confirmation_token": preview["confirmation_token"]})),
        )
        .await;
    assert_eq!(
        report["subscriptions"], preview["subscriptions"],
        "exactly what the preview showed went"
    );
    assert_eq!(report["hosts"], preview["hosts"]);
    let gone = f.call("GET", routes::ACCOUNT, Some(&t), None).await;
    assert_problem(
        &gone,
        401,
        "invalid_token",
        None,
        "the deleted account's tokens stop working",
    );
    let (db, alice_id) = (
        f.sandbox.database().to_owned(),
        report["account_id"].as_str().expect("id").to_owned(),
    );
    let (user, subs) = blocking(move || {
        let store = Store::open(&db).expect("open");
        (
            store.user(&alice_id).expect("query"),
            store.subscriptions(&alice_id).expect("query"),
        )
    })
    .await;
    assert!(
        user.is_none() && subs.is_empty(),
        "the user and every subscription are gone"
    );
    let bobs = f
        .ok(
            "GET",
            &with_id(routes::SUBSCRIPTION, bobs["id"].as_str().expect("id")),
            &bob,
            None,
        )
        .await;
    assert_eq!(
        bobs["status"], "active",
        "the freed homeserver goes to the next in line"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survive_a_restart() {
    let f = fixture().await;
    let t = f.token(ALICE, BOTH, 300).await;
    f.ok(
        "PUT",
        routes::ACCOUNT_DETAILS,
        &t,
        Some(&json!({"name": "Alice", "email": ALICE, "company": {"name": "Corp"}})),
    )
    .await;
    f.ok(
        "PUT",
        routes::BILLING_ADDRESS,
        &t,
        Some(&json!({"line1": "1", "city": "X", "postal_code": "1", "country": "FR"})),
    )
    .await;
    f.ok("PUT", routes::PAYMENT_METHOD, &t, Some(&json!({"number": "5555555555554444", "expiry_month": 1, "expiry_year": 2099, "holder_name": "A"}))).await;
    f.ok(
        "POST",
        routes::SUBSCRIPTIONS,
        &t,
        Some(&json!({"kind": "hosted_homeserver", "seats": 3})),
    )
    .await;
    let account = f.ok("GET", routes::ACCOUNT, &t, None).await;
    let subs = f.ok("GET", routes::SUBSCRIPTIONS, &t, None).await;
    let preview = f.ok("GET", routes::ACCOUNT_DELETION, &t, None).await;

    let f = Fixture {
        sandbox: f.sandbox.restart().await,
    };
    assert_eq!(
        f.ok("GET", routes::ACCOUNT, &t, None).await,
        account,
        "the account survives, and the token"
    );
    assert_eq!(
        f.ok("GET", routes::SUBSCRIPTIONS, &t, None).await,
        subs,
        "the subscriptions and hosts survive"
    );
    let report = f
        .ok(
            "POST",
            routes::ACCOUNT_DELETION,
            &t,
            Some(&json!({"confirmation_token": preview["confirmation_token"]})),
        )
        .await;
    assert_eq!(
        report["subscriptions"], subs["subscriptions"],
        "a preview from before the restart still confirms"
    );
}
