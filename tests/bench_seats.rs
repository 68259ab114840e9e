//! The seats benchmark (`scripts/bench-seats`; not part of `scripts/test`): a local Synapse with
//! `BENCH_SEATS_USERS` users (default 10,000, made through the Admin API without passwords),
//! the seeded EMS sandbox whose hosted homeserver it is, and the real app. In one run it prints:
//!
//! 1. the time for the core (`AdminApi::all_users`) to load the whole list, against a plain
//!    reqwest client fetching and parsing the same pages into `serde_json::Value`, run
//!    alternately after one warm-up each;
//! 2. in the app's webview, the time from an `input` event on `seats-search` (what a keystroke
//!    sends; the pane filters on every input, without a debounce) until the DOM shows the
//!    matching rows and count, against the same filter over a plain array of the same rows in
//!    the same page;
//! 3. the memory (RSS and PSS of the app and its WebKit processes) the loaded list adds;
//! 4. importing `BENCH_SEATS_IMPORT` users (default 1,000) from a users file through the core's
//!    desk (plan, then run: each row created with a generated password), in rows per second,
//!    against creating as many other users with the same requests from a plain reqwest client,
//!    one after the other as the import does, in the same run. Synapse's `bcrypt_rounds` is 4
//!    for both.
//!
//! Figures only: nothing asserts on time, only that every part saw every user.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use accounts_core::seats::{AdminApi, Desk, SeatAdmin, SeatUser, SeatsTarget};
use serde_json::Value;
use test_support::app_under_test;
use test_support::figures::{show, spread};
use test_support::gui::AppUnderTest;
use test_support::proc_memory::{self, TreeMemory};
use test_support::search_timing::{self, SearchFigures, SearchRow};
use test_support::seeded::{seeded_sandbox, sign_in_as_admin, sign_in_to_ems};
use test_support::synapse::Synapse;
use test_support::synapse_admin::Admin;

/// Users made when `BENCH_SEATS_USERS` is not set.
const DEFAULT_USERS: usize = 10_000;
/// Admin API requests in flight while users are made.
const CREATE_CONCURRENCY: usize = 16;
/// The page size of part 1, the core's default (which the app uses too).
const PAGE_SIZE: u32 = accounts_core::seats::DEFAULT_PAGE_SIZE;
/// Timed loads of each kind in part 1, after one warm-up each.
const LOAD_RUNS: usize = 5;
/// Users imported in part 4 when `BENCH_SEATS_IMPORT` is not set.
const DEFAULT_IMPORTED: usize = 1_000;
/// How long the app is left alone before its memory is read.
const SETTLE: Duration = Duration::from_secs(3);

fn users_wanted() -> usize {
    std::env::var("BENCH_SEATS_USERS").map_or(DEFAULT_USERS, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("BENCH_SEATS_USERS={v} is not a number"))
    })
}

/// The localpart of bench user `i`.
fn bench_localpart(i: usize) -> String {
    format!("bench{i:05}")
}

/// The display name of bench user `i`: 256 name pairs, so a name search matches many rows.
fn bench_display_name(i: usize) -> String {
    const FIRST: [&str; 16] = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret",
        "Dennis", "Radia", "Tim", "Sophie", "John", "Hedy", "Niklaus",
    ];
    const LAST: [&str; 16] = [
        "Lovelace",
        "Hopper",
        "Turing",
        "Dijkstra",
        "Liskov",
        "Knuth",
        "Allen",
        "Thompson",
        "Hamilton",
        "Ritchie",
        "Perlman",
        "Berners-Lee",
        "Wilson",
        "Backus",
        "Lamarr",
        "Wirth",
    ];
    format!("{} {}", FIRST[i % 16], LAST[(i / 16) % 16])
}

/// Twenty searches of differing reach over `n` bench users: single Matrix IDs (one in capitals),
/// names shared by many, a prefix of a tenth and of all of them, and one that matches nobody.
/// None matches every row (the admin is not a bench user), so each one changes what is shown.
fn queries(n: usize) -> Vec<String> {
    let mut out: Vec<String> = (0..12)
        .map(|j| bench_localpart((4242 + j * 7919) % n))
        .collect();
    out[11] = out[11].to_uppercase();
    out.extend(
        [
            "grace hopper",
            "ada",
            "lovelace",
            "Berners-Lee",
            "bench00",
            "bench0",
            "tim wil",
            "nobody-here",
        ]
        .map(str::to_owned),
    );
    out
}

/// Makes bench users 0..n through the Admin API, `CREATE_CONCURRENCY` requests at a time, with
/// a display name and no password (no bcrypt at all).
async fn create_users(synapse: &Synapse, token: &str, n: usize) {
    let http = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CREATE_CONCURRENCY {
        let (http, next, token) = (http.clone(), Arc::clone(&next), token.to_owned());
        let (base, server) = (synapse.url.clone(), synapse.server_name.clone());
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return;
                }
                let user_id = format!("@{}:{server}", bench_localpart(i));
                let status = http
                    .put(format!("{base}/_synapse/admin/v2/users/{user_id}"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "displayname": bench_display_name(i) }))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("creating {user_id}: {e}"))
                    .status();
                assert!(status.is_success(), "creating {user_id}: HTTP {status}");
                if (i + 1) % 1000 == 0 {
                    eprintln!("bench-seats: {} users made", i + 1);
                }
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done.expect("a user-creating task");
    }
}

/// The whole list with a plain client: the same requests as the core's, each page parsed into
/// a `serde_json::Value`, following `next_token`.
async fn plain_all_users(http: &reqwest::Client, base: &str, token: &str) -> Vec<Value> {
    let mut users = Vec::new();
    let mut from = Some("0".to_owned());
    let limit = PAGE_SIZE.to_string();
    while let Some(start) = from {
        let mut url = reqwest::Url::parse(&format!("{base}/_synapse/admin/v2/users")).expect("url");
        url.query_pairs_mut().extend_pairs([
            ("from", start.as_str()),
            ("limit", limit.as_str()),
            ("deactivated", "true"),
            ("locked", "true"),
            ("guests", "true"),
            ("order_by", "name"),
        ]);
        let mut page: Value = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("a page of users")
            .json()
            .await
            .expect("a page of users as JSON");
        if let Some(Value::Array(listed)) = page.get_mut("users").map(Value::take) {
            users.extend(listed);
        }
        from = page["next_token"].as_str().map(str::to_owned);
    }
    users
}

/// Part 1's figures, milliseconds per whole-list load.
struct LoadFigures {
    core_ms: Vec<f64>,
    plain_ms: Vec<f64>,
}

/// Part 1: the core against the plain client, alternately; returns the figures and the core's
/// list (the rows of part 2's plain array).
async fn core_against_plain(
    synapse: &Synapse,
    token: &str,
    expected: usize,
) -> (LoadFigures, Vec<SeatUser>) {
    let homeserver: url::Url = synapse.url.parse().expect("the Synapse URL");
    let core = AdminApi::new(homeserver, token);
    let plain = reqwest::Client::new();
    let mut figures = LoadFigures {
        core_ms: Vec::new(),
        plain_ms: Vec::new(),
    };
    let mut list = Vec::new();
    // Run 0 is the warm-up of each, not counted.
    for run in 0..=LOAD_RUNS {
        for core_turn in if run % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        } {
            let start = Instant::now();
            let (count, ms) = if core_turn {
                list = core
                    .all_users(PAGE_SIZE)
                    .await
                    .expect("the core loads the list");
                (list.len(), &mut figures.core_ms)
            } else {
                let users = plain_all_users(&plain, &synapse.url, token).await;
                (users.len(), &mut figures.plain_ms)
            };
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            let who = if core_turn {
                "the core"
            } else {
                "the plain client"
            };
            assert_eq!(
                count, expected,
                "{who} must load every user, the admin included"
            );
            if run > 0 {
                ms.push(elapsed);
            }
        }
    }
    (figures, list)
}

/// Opens the Seats pane and waits until every user is loaded; returns how long that took.
async fn load_in_pane(app: &AppUnderTest, expected: usize) -> Duration {
    let start = Instant::now();
    app.click("nav-seats").await;
    let deadline = start + Duration::from_mins(15);
    let want_progress = format!("{expected} of {expected} users loaded");
    let want_shown = format!("{expected} shown");
    loop {
        let state = app
            .client
            .execute(
                "const q = (id) => document.querySelector(`[data-testid='${id}']`); \
                 const p = q('seats-progress'), s = q('seats-shown'), e = q('seats-error'); \
                 return [p && p.dataset.done, p && p.textContent, s && s.textContent, e && e.textContent];",
                vec![],
            )
            .await
            .expect("read the list's progress");
        let text = |i: usize| state[i].as_str().unwrap_or_default().to_owned();
        assert!(state[3].is_null(), "the list failed to load: {}", text(3));
        if text(0) == "true" && text(1).starts_with(&want_progress) && text(2) == want_shown {
            return start.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "the list never loaded: {} / {}",
            text(1),
            text(2)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The app's process (found by its binary and this instance's private ready file).
fn app_pid(app: &AppUnderTest) -> u32 {
    let marker = format!(
        "ELEMENT_ACCOUNTS_READY_FILE={}",
        app.home().join("ready").display()
    );
    proc_memory::find_process(env!("CARGO_BIN_EXE_element-accounts").as_ref(), &marker)
        .expect("the app's process under tauri-driver")
}

/// Parts 2 and 3 through the real app: memory before and after the list loads, then search.
struct AppFigures {
    pane_load: Duration,
    before: TreeMemory,
    after: TreeMemory,
    search: SearchFigures,
}

async fn through_the_app(synapse: &Synapse, rows: &[SeatUser]) -> AppFigures {
    let (sandbox, hosted) = seeded_sandbox(synapse).await;
    let app = app_under_test!()
        .ems_server(sandbox.issuer())
        .launch()
        .await;
    sign_in_to_ems(&app, &hosted).await;
    app.click("nav-seats").await;
    app.wait_text(
        &format!("seats-subscription-{hosted}"),
        |t| t.contains(&synapse.server_name),
        "the hosted homeserver is not in the Seats pane",
    )
    .await;
    // Ends on the Matrix pane: the Seats pane (and its list) is not mounted.
    sign_in_as_admin(&app, synapse, &hosted).await;
    let pid = app_pid(&app);
    tokio::time::sleep(SETTLE).await;
    let before = TreeMemory::of(pid);
    let pane_load = load_in_pane(&app, rows.len()).await;
    tokio::time::sleep(SETTLE).await;
    let after = TreeMemory::of(pid);
    // After the memory is read: the plain array adds its own.
    let rows: Vec<SearchRow> = rows
        .iter()
        .map(|u| SearchRow {
            user_id: u.user_id.clone(),
            localpart: u.localpart.clone(),
            display_name: u.display_name.clone(),
        })
        .collect();
    let search = search_timing::measure(&app, &rows, &queries(rows.len() - 1)).await;
    app.close().await;
    AppFigures {
        pane_load,
        before,
        after,
        search,
    }
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
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|l| l.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0.0, |kib| proc_memory::mib(kib) / 1024.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    format!(
        "Linux {}, {cores} cores ({cpu}), {mem_gib:.0} GiB",
        kernel.trim()
    )
}

/// The summary block printed at the end.
fn summary(n: usize, created: Duration, load: &LoadFigures, app: &AppFigures) -> String {
    let mut lines = vec![
        "== bench-seats summary".to_owned(),
        format!("machine: {}; debug build (cargo test), Xvfb", machine()),
        format!(
            "users: {n} made + the admin = {} listed; made in {:.1} s ({:.0} per second, \
             {CREATE_CONCURRENCY} at a time, no passwords)",
            n + 1,
            created.as_secs_f64(),
            count_f64(n) / created.as_secs_f64()
        ),
    ];
    lines.extend(load_lines(n, load, app.pane_load));
    lines.extend(search_lines(&app.search));
    lines.extend(memory_lines(&app.before, &app.after));
    lines.join("\n")
}

fn load_lines(n: usize, load: &LoadFigures, pane_load: Duration) -> Vec<String> {
    let ratio = spread(&load.core_ms).0 / spread(&load.plain_ms).0;
    vec![
        format!(
            "1. the whole list, {PAGE_SIZE} per page, ms (median [min-max] of {LOAD_RUNS}, \
             alternating, after a warm-up each):"
        ),
        format!(
            "   core AdminApi::all_users      {}",
            show(&load.core_ms, 0)
        ),
        format!(
            "   plain reqwest + Value         {}",
            show(&load.plain_ms, 0)
        ),
        format!("   ratio core / plain            {ratio:.2}x   (goal: at most 1.2x)"),
        format!(
            "   the app's Seats pane, click to all {} rows loaded: {:.1} s",
            n + 1,
            pane_load.as_secs_f64()
        ),
    ]
}

fn search_lines(s: &SearchFigures) -> Vec<String> {
    let ui = spread(&s.ui_dom_ms).0;
    let (plain, lowered) = (spread(&s.plain_ms).0, spread(&s.lowered_ms).0);
    vec![
        format!(
            "2. search in the webview, ms (median [min-max] of {} queries; the page's clock \
             steps {:.3} ms):",
            s.queries, s.timer_resolution_ms
        ),
        format!(
            "   UI: input event to rows and count in the DOM  {}   (goal: under 50 ms)",
            show(&s.ui_dom_ms, 1)
        ),
        format!(
            "   UI: input event to the next frame             {}",
            show(&s.ui_frame_ms, 1)
        ),
        format!(
            "   UI: clearing the search, to the DOM           {}",
            show(&s.clear_dom_ms, 1)
        ),
        format!(
            "   plain array filter (lower-casing each row)    {}",
            show(&s.plain_ms, 2)
        ),
        format!(
            "   plain filter over pre-lowered strings         {}",
            show(&s.lowered_ms, 2)
        ),
        format!(
            "   ratio UI / plain filter                       {:.1}x   (goal: at most 3x)",
            ui / plain
        ),
        format!(
            "   ratio UI / pre-lowered filter                 {:.1}x",
            ui / lowered
        ),
        format!(
            "   for reference: one Date toLocale*String call in the page {:.3} ms (each row \
             formats four)",
            s.date_format_ms
        ),
    ]
}

/// Each query's reach and time, printed above the summary.
fn per_query_lines(s: &SearchFigures) -> Vec<String> {
    let mut lines = vec!["per query: rows matched, UI ms to the DOM".to_owned()];
    lines.extend(
        s.per_query
            .iter()
            .map(|(query, matched, ms)| format!("   {query:<14} {matched:>6} {ms:>6.1}")),
    );
    lines
}

fn memory_lines(before: &TreeMemory, after: &TreeMemory) -> Vec<String> {
    let mut lines = vec![format!(
        "3. memory of the app and its WebKit processes, summed, after {} s settling:",
        SETTLE.as_secs()
    )];
    for (label, m) in [
        ("before the Seats pane", before),
        ("with the list loaded", after),
    ] {
        lines.push(format!(
            "   {label:<22} RSS {:7.1} MiB, PSS {:7.1} MiB   [{}]",
            m.rss_mib(),
            m.pss_mib(),
            m.describe()
        ));
    }
    lines.push(format!(
        "   the loaded list adds   RSS {:7.1} MiB, PSS {:7.1} MiB",
        after.rss_mib() - before.rss_mib(),
        after.pss_mib() - before.pss_mib()
    ));
    lines
}

/// A count as a float, for rates (exact below 2^52).
#[allow(clippy::cast_precision_loss)]
fn count_f64(n: usize) -> f64 {
    n as f64
}

/// Part 4's figures: seconds for the whole import, and for the plain client.
struct ImportFigures {
    rows: usize,
    import_s: f64,
    plain_s: f64,
}

/// Part 4: the core's import of `rows` users against a plain client creating as many.
async fn import_against_plain(synapse: &Synapse, token: &str, rows: usize) -> ImportFigures {
    let homeserver: url::Url = synapse.url.parse().expect("the Synapse URL");
    let desk = Desk::new(
        SeatsTarget {
            ems_account: "bench".to_owned(),
            subscription_id: "bench".to_owned(),
        },
        synapse.server_name.clone(),
        (u32::MAX / 2, false),
        SeatAdmin {
            account_id: "bench".to_owned(),
            matrix_id: synapse.admin_user.clone(),
        },
        AdminApi::new(homeserver, token),
        None,
        PAGE_SIZE,
    );
    let mut file = String::from("id,displayname\n");
    for i in 0..rows {
        let _ = writeln!(file, "import{i:05},Imported {i}");
    }
    let start = Instant::now();
    desk.plan_import(file.as_bytes()).await.expect("the plan");
    let report = desk.run_import(None).await.expect("the import");
    let import_s = start.elapsed().as_secs_f64();
    assert_eq!(report.created as usize, rows, "every row is created");

    let plain = reqwest::Client::new();
    let start = Instant::now();
    for i in 0..rows {
        let user_id = format!("@plain{i:05}:{}", synapse.server_name);
        let status = plain
            .put(format!("{}/_synapse/admin/v2/users/{user_id}", synapse.url))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "password": format!("a plain password {i}"),
                "displayname": format!("Plain {i}"),
                "admin": false,
                "threepids": [],
            }))
            .send()
            .await
            .expect("a plain create")
            .status();
        assert!(status.is_success(), "creating {user_id}: HTTP {status}");
    }
    ImportFigures {
        rows,
        import_s,
        plain_s: start.elapsed().as_secs_f64(),
    }
}

fn import_lines(f: &ImportFigures) -> Vec<String> {
    let rate = |s: f64| count_f64(f.rows) / s;
    vec![
        format!(
            "4. importing {} users from a file (plan + run, one row at a time, generated passwords, bcrypt_rounds 4):",
            f.rows
        ),
        format!(
            "   the core's import: {:.1} s, {:.1} rows/s; a plain client creating as many: {:.1} s, {:.1} rows/s; ratio (import time / plain) {:.2}x",
            f.import_s,
            rate(f.import_s),
            f.plain_s,
            rate(f.plain_s),
            f.import_s / f.plain_s
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run scripts/bench-seats"]
async fn bench_seats() {
    let n = users_wanted();
    // Only the admin has a password; cheap hashing keeps its sign-ins quick all the same.
    let synapse = Synapse::builder().config("bcrypt_rounds: 4\n").start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;

    eprintln!("bench-seats: making {n} users on {}", synapse.url);
    let start = Instant::now();
    create_users(&synapse, admin.token(), n).await;
    let created = start.elapsed();
    eprintln!(
        "bench-seats: {n} users made in {:.1} s",
        created.as_secs_f64()
    );

    eprintln!("bench-seats: part 1, the core against a plain client");
    let (load, rows) = core_against_plain(&synapse, admin.token(), n + 1).await;
    eprintln!("bench-seats: parts 2 and 3, through the app");
    let app = through_the_app(&synapse, &rows).await;
    let imported = std::env::var("BENCH_SEATS_IMPORT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_IMPORTED);
    eprintln!("bench-seats: part 4, importing {imported} users against a plain client");
    let import = import_against_plain(&synapse, admin.token(), imported).await;
    println!("\n{}", per_query_lines(&app.search).join("\n"));
    println!("\n{}", summary(n, created, &load, &app));
    println!("{}", import_lines(&import).join("\n"));
}
