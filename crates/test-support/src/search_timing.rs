//! Timing the Seats pane's search in the app's own webview, against a plain filter in the same
//! page, for `tests/bench_seats.rs`.
//!
//! The UI figure is what a keystroke costs: the script sets `seats-search`'s value and sends the
//! `input` event a keystroke sends (the pane filters on every input, no debounce), and a
//! `MutationObserver` stops the clock once the DOM shows the new count (`seats-shown`) and the
//! first matching row; a second figure waits for the next frame as well. The baseline filters a
//! plain array of the same rows (the core's list, sent over as JSON) with the same rule, a
//! case-insensitive substring of the Matrix ID or the display name: once lower-casing each row
//! per query, and once over strings lower-cased beforehand (as the pane does). Each baseline
//! runs repeatedly for 25 ms and reports the mean, since WebKit's clock may be coarse.

use serde_json::{json, Value};

use crate::gui::AppUnderTest;

/// One row of the Seats pane, as the search sees it (the core's `SeatUser`, which this crate
/// does not know: it depends on no crate of the app's).
#[derive(Debug, Clone)]
pub struct SearchRow {
    /// The full Matrix ID.
    pub user_id: String,
    /// Its localpart (the row's `data-testid` is `seats-user-<localpart>`).
    pub localpart: String,
    /// The display name, if any.
    pub display_name: Option<String>,
}

/// The figures, one entry per query, milliseconds.
#[derive(Debug, Default)]
pub struct SearchFigures {
    /// How many queries ran.
    pub queries: usize,
    /// The smallest step `performance.now()` took in the page.
    pub timer_resolution_ms: f64,
    /// Input event to the count and the first row in the DOM.
    pub ui_dom_ms: Vec<f64>,
    /// Input event to the frame after that.
    pub ui_frame_ms: Vec<f64>,
    /// Clearing the search (every row again), to the DOM.
    pub clear_dom_ms: Vec<f64>,
    /// One `Date` formatting call (`toLocaleDateString` or `toLocaleString`) in the page.
    pub date_format_ms: f64,
    /// Per query: the query, the rows it matches, and the UI's time to the DOM.
    pub per_query: Vec<(String, u64, f64)>,
    /// The plain array filter, lower-casing each row's fields per query.
    pub plain_ms: Vec<f64>,
    /// The plain array filter over strings lower-cased beforehand.
    pub lowered_ms: Vec<f64>,
}

/// Stores the rows in the page; answers how many arrived and the clock's resolution.
const SETUP: &str = r"
const rows = JSON.parse(arguments[0]);
window.__benchRows = rows;
window.__benchLowered = rows.map((u) => `${u.user_id}\n${u.display_name ?? ''}`.toLowerCase());
let step = Infinity;
for (let i = 0; i < 50; i++) {
  const a = performance.now();
  let b;
  do { b = performance.now(); } while (b === a);
  step = Math.min(step, b - a);
}
// What one row's dates cost: each row formats two dates for its text and two for its titles.
const when = Date.now(), formats = 200, began = performance.now();
for (let i = 0; i < formats; i++) { new Date(when - i).toLocaleDateString(); new Date(when - i).toLocaleString(); }
return [rows.length, step, (performance.now() - began) / (2 * formats)];
";

/// The baseline for one query, with how many rows it matched.
const BASELINE: &str = r"
const needle = arguments[0].trim().toLowerCase();
const rows = window.__benchRows, lowered = window.__benchLowered;
const plain = () => rows.filter((u) => needle === '' ||
  u.user_id.toLowerCase().includes(needle) || (u.display_name ?? '').toLowerCase().includes(needle));
const pre = () => rows.filter((u, i) => needle === '' || lowered[i].includes(needle));
const time = (filter) => {
  let runs = 0, out, spent;
  const start = performance.now();
  do { out = filter(); runs++; spent = performance.now() - start; } while (spent < 25);
  return [spent / runs, out];
};
const [plainMs, matched] = time(plain);
const [loweredMs, matchedToo] = time(pre);
if (matched.length !== matchedToo.length) throw new Error('the two plain filters disagree');
return { plain_ms: plainMs, lowered_ms: loweredMs, count: matched.length };
";

/// One search through the UI: `arguments` = query, rows expected, first row's localpart.
const THROUGH_UI: &str = r"
const [query, expected, first, done] = arguments;
const q = (id) => document.querySelector(`[data-testid='${id}']`);
const input = q('seats-search'), root = q('seats-users');
if (!input || !root) { done({ error: 'no seats-search or seats-users' }); return; }
const want = `${expected} shown`;
if (q('seats-shown')?.textContent === want) { done({ error: `already ${want} before the input` }); return; }
const row = first === null ? null : `[data-testid='seats-user-${CSS.escape(first)}']`;
const ready = () => q('seats-shown')?.textContent === want && (row === null || root.querySelector(row) !== null);
let start = 0, dom = null, timer = null;
const observer = new MutationObserver(() => {
  if (dom !== null || !ready()) return;
  dom = performance.now() - start;
  observer.disconnect();
  clearTimeout(timer);
  requestAnimationFrame(() => setTimeout(() => done({ dom_ms: dom, frame_ms: performance.now() - start }), 0));
});
observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
timer = setTimeout(() => {
  observer.disconnect();
  done({ error: `${q('seats-shown')?.textContent} after 20 s, not ${want}` });
}, 20000);
start = performance.now();
input.value = query;
input.dispatchEvent(new Event('input', { bubbles: true }));
";

/// A pause before each measurement, so that the last one's garbage and frames are dealt with
/// before the next clock starts (the baseline's repeated filtering allocates a lot).
const QUIET: std::time::Duration = std::time::Duration::from_millis(300);

/// How many of `rows` the search `query` matches, by the pane's rule, and the first of them.
fn matching(rows: &[SearchRow], query: &str) -> (u64, Option<String>) {
    let needle = query.trim().to_lowercase();
    let mut hits = rows.iter().filter(|u| {
        needle.is_empty()
            || u.user_id.to_lowercase().contains(&needle)
            || u.display_name
                .as_deref()
                .unwrap_or_default()
                .to_lowercase()
                .contains(&needle)
    });
    let first = hits.next().map(|u| u.localpart.clone());
    let count = u64::from(first.is_some()) + u64::try_from(hits.count()).expect("a row count");
    (count, first)
}

/// Types `query` (the whole of it, as one input) and waits for `expected` rows, the first
/// being `first`; returns (to the DOM, to the next frame) in milliseconds.
async fn through_ui(app: &AppUnderTest, query: &str, expected: u64, first: &Value) -> (f64, f64) {
    let answer = app
        .client
        .execute_async(
            THROUGH_UI,
            vec![json!(query), json!(expected), first.clone()],
        )
        .await
        .unwrap_or_else(|e| panic!("searching {query:?} in the pane: {e}"));
    assert!(
        answer.get("error").is_none(),
        "searching {query:?} in the pane: {}",
        answer["error"]
    );
    (number(&answer, "dom_ms"), number(&answer, "frame_ms"))
}

fn number(answer: &Value, key: &str) -> f64 {
    answer[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no {key} in {answer}"))
}

/// Runs every query through the UI and the baseline, clearing the search in between. The pane
/// must show every row of `rows` (the whole list, in the same order) when this starts.
pub async fn measure(app: &AppUnderTest, rows: &[SearchRow], queries: &[String]) -> SearchFigures {
    let payload = Value::Array(
        rows.iter()
            .map(|u| json!({ "user_id": u.user_id, "display_name": u.display_name }))
            .collect(),
    )
    .to_string();
    let setup = app
        .client
        .execute(SETUP, vec![Value::String(payload)])
        .await
        .expect("store the plain rows in the page");
    assert_eq!(
        setup[0].as_u64(),
        u64::try_from(rows.len()).ok(),
        "the page got every row"
    );
    let mut figures = SearchFigures {
        queries: queries.len(),
        timer_resolution_ms: setup[1].as_f64().expect("the clock's step"),
        date_format_ms: setup[2].as_f64().expect("the cost of formatting a date"),
        ..SearchFigures::default()
    };
    let everyone = u64::try_from(rows.len()).expect("a row count");
    let top = json!(rows.first().map(|u| u.localpart.clone()));
    for query in queries {
        let (matched, first) = matching(rows, query);
        tokio::time::sleep(QUIET).await;
        let (dom, frame) = through_ui(app, query, matched, &json!(first)).await;
        figures.ui_dom_ms.push(dom);
        figures.ui_frame_ms.push(frame);
        figures.per_query.push((query.clone(), matched, dom));
        tokio::time::sleep(QUIET).await;
        let (cleared, _) = through_ui(app, "", everyone, &top).await;
        figures.clear_dom_ms.push(cleared);
        tokio::time::sleep(QUIET).await;
        let baseline = app
            .client
            .execute(BASELINE, vec![json!(query)])
            .await
            .unwrap_or_else(|e| panic!("the plain filter for {query:?}: {e}"));
        assert_eq!(
            baseline["count"].as_u64(),
            Some(matched),
            "the plain filter in the page must match the rows {query:?} matches"
        );
        figures.plain_ms.push(number(&baseline, "plain_ms"));
        figures.lowered_ms.push(number(&baseline, "lowered_ms"));
    }
    figures
}
