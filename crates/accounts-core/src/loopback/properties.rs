//! Property tests: whatever arrives on the port, the listener's parsers return a verdict and
//! never panic.
//!
//! A panic in the connection task would drop the browser unanswered, and one in the flow task
//! would end the sign-in as `Stopped`; any local program can send these bytes. Each property
//! runs on arbitrary input and on input generated near the grammar (real request lines, `Host`
//! headers and `state` queries with one thing wrong), which is what reaches the checks past the
//! first few. Where a simple model of the rule exists, the property also checks the verdict
//! against it. The example-based tests beside each parser pin the individual cases.

use proptest::{collection::vec, prelude::*, sample::select};
use tokio::io::AsyncReadExt;

use super::{
    callback::Callback,
    request::{parse_head, read_head, HeadError, RequestHead, MAX_HEAD_BYTES},
    response::StockPage,
};

use super::routes::fixture::{routes, EMS_STATE, HOST, MATRIX_STATE};

/// Runs a future that never waits on anything outside it (reading from slices).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(future)
}

/// Bytes that tend to matter to an HTTP head parser, mixed with anything at all.
fn head_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => select(b"\r\n :?#/%&=+\t\0".to_vec()),
        2 => select(b"GETHOSTtsae0123456789.".to_vec()),
        1 => any::<u8>(),
    ]
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("GET".to_owned()),
        1 => select(vec!["get", "POST", "HEAD", "", "G ET", "GET\0"]).prop_map(str::to_owned),
        1 => "[!-~]{0,8}",
    ]
}

fn target() -> impl Strategy<Value = String> {
    let path = prop_oneof![
        select(vec!["/ems", "/matrix", "/", "/ems/", "/%65ms", "ems", "*"]).prop_map(str::to_owned),
        "/[a-z%./]{0,10}",
        "\\PC{0,10}",
    ];
    let query = prop_oneof![
        Just(String::new()),
        Just(format!("?state={EMS_STATE}")),
        Just(format!("?code=a%2Bb&state={MATRIX_STATE}")),
        "\\?[ -~]{0,24}",
        "\\?\\PC{0,12}",
    ];
    (path, query).prop_map(|(path, query)| format!("{path}{query}"))
}

fn version() -> impl Strategy<Value = &'static str> {
    select(vec![
        "HTTP/1.1",
        "HTTP/1.0",
        "HTTP/2.0",
        "http/1.1",
        "HTTP/1.1 ",
        "",
    ])
}

/// A header line: mostly `Host`, in any case, with values near this listener's own address.
fn header() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        3 => select(vec!["Host", "host", "HOST", "Host ", " Host", "X-Forwarded-Host"])
            .prop_map(str::to_owned),
        1 => "[!-~]{0,8}",
    ];
    let value = prop_oneof![
        3 => Just(HOST.to_owned()),
        2 => select(vec![
            " 127.0.0.1:4000 ",
            "\t127.0.0.1:4000",
            "127.0.0.1:4000.",
            "127.0.0.1",
            "localhost:4000",
            "127.0.0.1:04000",
            "[::1]:4000",
            "127.0.0.1:4000\0",
            "127.0.0.1:4000\r",
            "evil.example:4000",
            "",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,16}",
        1 => vec(any::<char>(), 0..8).prop_map(|chars| chars.into_iter().collect()),
    ];
    (name, select(vec![":", ": ", ":\t", " : "]), value)
        .prop_map(|(name, colon, value)| format!("{name}{colon}{value}"))
}

/// A whole head, usually well formed apart from the parts drawn above, sometimes with bare LFs.
fn near_head() -> impl Strategy<Value = Vec<u8>> {
    (
        method(),
        target(),
        version(),
        vec(header(), 0..4),
        select(vec!["\r\n", "\r\n", "\r\n", "\n"]),
    )
        .prop_map(|(method, target, version, headers, eol)| {
            let mut head = format!("{method} {target} {version}{eol}");
            for header in headers {
                head.push_str(&header);
                head.push_str(eol);
            }
            head.push_str("\r\n");
            head.into_bytes()
        })
}

/// The decoded pairs a provider might send: `state` right, wrong, missing or repeated.
fn query_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let key = prop_oneof![
        3 => Just("state".to_owned()),
        2 => select(vec!["code", "loginToken", "State", "state ", "iss", ""])
            .prop_map(str::to_owned),
        1 => "\\PC{0,8}",
    ];
    let value = prop_oneof![
        3 => Just(EMS_STATE.to_owned()),
        1 => Just(MATRIX_STATE.to_owned()),
        1 => Just(format!("{EMS_STATE} ")),
        1 => Just(EMS_STATE[1..].to_owned()),
        2 => "\\PC{0,24}",
    ];
    vec((key, value), 0..4)
}

fn get(path: &str, query: Option<String>, host: Option<&str>) -> RequestHead {
    RequestHead {
        method: "GET".to_owned(),
        path: path.to_owned(),
        query,
        host: host.map(str::to_owned),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_parse_or_are_refused(bytes in vec(head_byte(), 0..256)) {
        let _ = parse_head(&bytes);
        let mut terminated = bytes;
        terminated.extend_from_slice(b"\r\n\r\n");
        let _ = parse_head(&terminated);
    }

    #[test]
    fn a_parsed_head_keeps_the_parsers_promises(head in near_head()) {
        if let Ok(parsed) = parse_head(&head) {
            prop_assert!(!parsed.method.is_empty(), "a method is never empty");
            prop_assert!(parsed.path.starts_with('/'), "origin form only: {:?}", parsed.path);
            prop_assert!(!parsed.path.contains('?'), "the query is split off: {:?}", parsed.path);
            let visible = |text: &str| text.bytes().all(|b| (0x21..=0x7e).contains(&b));
            prop_assert!(visible(&parsed.path) && parsed.query.as_deref().is_none_or(visible));
            if let Some(host) = &parsed.host {
                prop_assert!(
                    !host.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f),
                    "no control characters survive in Host: {host:?}"
                );
                prop_assert_eq!(host.trim_ascii(), host.as_str(), "Host is trimmed");
            }
        }
    }

    /// However the bytes are split across reads, the result is the same as reading them at once
    /// (the terminator may straddle reads; the cap holds whatever the split).
    #[test]
    fn reading_a_head_does_not_depend_on_how_it_arrives(
        head in prop_oneof![
            near_head(),
            vec(head_byte(), 0..64),
            (near_head(), 0..MAX_HEAD_BYTES + 16).prop_map(|(head, pad)| {
                let mut padded = b"GET / HTTP/1.1\r\nX: ".to_vec();
                padded.resize(padded.len() + pad, b'a');
                padded.extend_from_slice(b"\r\n");
                padded.extend_from_slice(&head);
                padded
            }),
        ],
        cuts in (any::<prop::sample::Index>(), any::<prop::sample::Index>()),
    ) {
        let (mut a, mut b) = (cuts.0.index(head.len() + 1), cuts.1.index(head.len() + 1));
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        let whole = block_on(read_head(&mut head.as_slice()));
        let mut pieces = (&head[..a]).chain(&head[a..b]).chain(&head[b..]);
        let split = block_on(read_head(&mut pieces));
        prop_assert_eq!(&split, &whole);
        match whole {
            Ok(read) => {
                prop_assert!(read.len() <= MAX_HEAD_BYTES && read.ends_with(b"\r\n\r\n"));
                let _ = parse_head(&read);
            }
            Err(
                HeadError::Incomplete
                | HeadError::RequestLineTooLong
                | HeadError::HeadersTooLarge,
            ) => {}
            Err(HeadError::Malformed) => {
                return Err(TestCaseError::fail("reading never judges the syntax"));
            }
        }
    }

    /// Only the listener's own address, sent once, passes the `Host` check; whitespace around
    /// it is optional whitespace in HTTP and is not part of the value.
    #[test]
    fn only_its_own_host_sent_once_gets_past_the_host_check(
        headers in vec(header(), 0..4),
    ) {
        let mut text = format!("GET /ems?state={EMS_STATE} HTTP/1.1\r\n");
        for header in &headers {
            text.push_str(header);
            text.push_str("\r\n");
        }
        text.push_str("\r\n");
        let Ok(head) = parse_head(text.as_bytes()) else {
            return Ok(());
        };
        let hosts: Vec<&str> = headers
            .iter()
            .filter_map(|line| line.split_once(':'))
            .filter(|(name, _)| name.eq_ignore_ascii_case("host"))
            .map(|(_, value)| value.trim_matches([' ', '\t']))
            .collect();
        let expected_ok = hosts == [HOST];
        let verdict = routes().judge(&head, HOST);
        prop_assert_eq!(
            verdict.is_ok(),
            expected_ok,
            "hosts sent {:?}, verdict {:?}", hosts, verdict.as_ref().err()
        );
        if !expected_ok {
            prop_assert_eq!(verdict.err(), Some(StockPage::WrongHost));
        }
    }

    /// A query is served exactly when it carries the route's `state` once, and the caller gets
    /// back exactly the pairs that were sent.
    #[test]
    fn a_query_is_served_only_with_its_state_once(pairs in query_pairs()) {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        let states: Vec<&str> = pairs
            .iter()
            .filter(|(key, _)| key == "state")
            .map(|(_, value)| value.as_str())
            .collect();
        let verdict = routes().judge(&get("/ems", Some(query), Some(HOST)), HOST);
        if states == [EMS_STATE] {
            let accepted = verdict.map_err(|page| TestCaseError::fail(format!("{page:?}")))?;
            prop_assert_eq!(accepted.index, 0);
            prop_assert_eq!(accepted.query, pairs);
        } else {
            prop_assert_eq!(verdict.err(), Some(StockPage::BadState), "states sent: {:?}", states);
        }
    }

    /// Raw queries, as a hostile page could make a browser send them: bad escapes, invalid
    /// UTF-8 once decoded, separators everywhere.
    #[test]
    fn any_raw_query_is_judged(
        raw in prop_oneof![
            "[ -~]{0,48}",
            vec(
                select(vec![
                    "state=", EMS_STATE, "&", "=", "%", "%2", "%ff", "%C3%28", "+", ";", "st%61te",
                ]),
                0..8,
            )
            .prop_map(|parts| parts.concat()),
        ],
        path in select(vec!["/ems", "/matrix", "/other"]),
    ) {
        let routes = routes();
        if let Ok(accepted) = routes.judge(&get(path, Some(raw.clone()), Some(HOST)), HOST) {
            let expected = if path == "/ems" { EMS_STATE } else { MATRIX_STATE };
            let states: Vec<&str> = accepted
                .query
                .iter()
                .filter(|(key, _)| key == "state")
                .map(|(_, value)| value.as_str())
                .collect();
            prop_assert_eq!(states, vec![expected], "served {:?}", raw);
        }
    }

    #[test]
    fn a_callback_param_is_there_only_when_sent_once(
        pairs in query_pairs(),
        key in select(vec!["state", "code", "loginToken", ""]),
    ) {
        let (responder, _answer) = tokio::sync::oneshot::channel();
        let callback = Callback::new("/ems".to_owned(), pairs.clone(), responder);
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, value)| value.as_str())
            .collect();
        let expected = match values.as_slice() {
            [only] => Some(*only),
            _ => None,
        };
        prop_assert_eq!(callback.param(key), expected);
    }
}
