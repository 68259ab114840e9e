//! Reading and parsing one HTTP/1.1 request head, within a fixed size cap.
//!
//! The listener only needs the request line and the `Host` header of a GET, so this parser is
//! deliberately small and strict: it reads until the blank line that ends the head and never
//! more than [`MAX_HEAD_BYTES`], requires CRLF line ends and an origin-form target (`/path?query`),
//! and refuses line folding, control characters and repeated `Host` headers. It never reads a
//! body: every answer closes the connection. What a request means (which path, whether its
//! `state` is right) is decided in `routes`; the per-connection read timeout is applied by the
//! caller of [`read_head`].

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// The most bytes of request line and headers read from one connection (8 KiB).
pub(super) const MAX_HEAD_BYTES: usize = 8 * 1024;

/// The parts of a request head the listener looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RequestHead {
    /// The method, as sent (methods are case-sensitive).
    pub(super) method: String,
    /// The path part of the target, not percent-decoded.
    pub(super) path: String,
    /// The raw query after `?`, if there was one.
    pub(super) query: Option<String>,
    /// The `Host` header when it appeared exactly once; `None` when missing or repeated.
    pub(super) host: Option<String>,
}

/// Why no request head could be taken from a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HeadError {
    /// The request line alone does not fit in [`MAX_HEAD_BYTES`].
    RequestLineTooLong,
    /// The request line fits but the headers do not.
    HeadersTooLarge,
    /// The bytes are not a well-formed HTTP/1.x request head.
    Malformed,
    /// The client closed (or the socket failed) before a whole head arrived: nobody to answer.
    Incomplete,
}

/// Reads one request head (up to and including the blank line) and nothing beyond the cap.
///
/// Bytes after the head, if any arrived in the same read, are discarded with the buffer.
pub(super) async fn read_head<R: AsyncRead + Unpin>(reader: &mut R) -> Result<Vec<u8>, HeadError> {
    let mut buf = vec![0_u8; MAX_HEAD_BYTES];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            return Err(too_large(&buf));
        }
        let read = match reader.read(&mut buf[filled..]).await {
            Ok(0) => return Err(HeadError::Incomplete),
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(HeadError::Incomplete),
        };
        // The terminator may straddle two reads, so look back three bytes.
        let search_from = filled.saturating_sub(3);
        filled += read;
        if let Some(at) = find(&buf[search_from..filled], b"\r\n\r\n") {
            buf.truncate(search_from + at + 4);
            return Ok(buf);
        }
    }
}

/// Tells a request line that never ended from headers that never ended.
fn too_large(buf: &[u8]) -> HeadError {
    if find(buf, b"\r\n").is_some() {
        HeadError::HeadersTooLarge
    } else {
        HeadError::RequestLineTooLong
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Parses a head as returned by [`read_head`] (ending in CRLF CRLF).
pub(super) fn parse_head(head: &[u8]) -> Result<RequestHead, HeadError> {
    let head = head.strip_suffix(b"\r\n\r\n").ok_or(HeadError::Malformed)?;
    let mut lines = split_crlf(head).into_iter();
    let request_line = lines.next().ok_or(HeadError::Malformed)?;
    let (method, path, query) = parse_request_line(request_line)?;

    let mut hosts = Vec::new();
    for line in lines {
        let (name, value) = parse_header(line)?;
        if name.eq_ignore_ascii_case(b"host") {
            hosts.push(value);
        }
    }
    let host = match hosts.as_slice() {
        [only] => std::str::from_utf8(only).ok().map(str::to_owned),
        _ => None,
    };
    Ok(RequestHead {
        method,
        path,
        query,
        host,
    })
}

/// Splits on CRLF only; a bare CR or LF stays inside a line, where the checks below refuse it.
fn split_crlf(mut rest: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    while let Some(at) = find(rest, b"\r\n") {
        lines.push(&rest[..at]);
        rest = &rest[at + 2..];
    }
    lines.push(rest);
    lines
}

fn parse_request_line(line: &[u8]) -> Result<(String, String, Option<String>), HeadError> {
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed);
    };
    if method.is_empty() || !method.iter().copied().all(is_token_byte) {
        return Err(HeadError::Malformed);
    }
    if version != b"HTTP/1.1" && version != b"HTTP/1.0" {
        return Err(HeadError::Malformed);
    }
    // Origin form only: no absolute URLs, no `*`, no fragments, visible ASCII only.
    if target.first() != Some(&b'/')
        || !target.iter().all(|b| (0x21..=0x7e).contains(b))
        || target.contains(&b'#')
    {
        return Err(HeadError::Malformed);
    }
    let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).map_err(|_| HeadError::Malformed);
    let (path, query) = match target.iter().position(|&b| b == b'?') {
        Some(at) => (&target[..at], Some(text(&target[at + 1..])?)),
        None => (target, None),
    };
    Ok((text(method)?, text(path)?, query))
}

fn parse_header(line: &[u8]) -> Result<(&[u8], &[u8]), HeadError> {
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(HeadError::Malformed)?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    // An empty or non-token name also catches obsolete line folding (a line opening with space).
    if name.is_empty() || !name.iter().copied().all(is_token_byte) {
        return Err(HeadError::Malformed);
    }
    if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(HeadError::Malformed);
    }
    Ok((name, value.trim_ascii()))
}

/// `tchar` from RFC 9110: the characters allowed in methods and header names.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RequestHead, HeadError> {
        parse_head(text.as_bytes())
    }

    #[test]
    fn parses_a_browser_style_get() {
        let head = parse(
            "GET /matrix?state=abc&loginToken=x%2By HTTP/1.1\r\nHost: 127.0.0.1:4000\r\n\
             User-Agent: test\r\nAccept: text/html\r\n\r\n",
        )
        .expect("a well-formed GET parses");
        assert_eq!(head.method, "GET");
        assert_eq!(head.path, "/matrix");
        assert_eq!(
            head.query.as_deref(),
            Some("state=abc&loginToken=x%2By"),
            "the query is kept raw; decoding happens once, when routes judge it"
        );
        assert_eq!(head.host.as_deref(), Some("127.0.0.1:4000"));
    }

    #[test]
    fn a_target_without_query_has_none() {
        let head = parse("GET /ems HTTP/1.0\r\nhOsT:127.0.0.1:1 \r\n\r\n").expect("parses");
        assert_eq!(head.query, None);
        assert_eq!(
            head.host.as_deref(),
            Some("127.0.0.1:1"),
            "header names are case-insensitive and values are trimmed"
        );
    }

    #[test]
    fn refuses_heads_a_strict_parser_must_not_guess_at() {
        let cases = [
            (
                "absolute-form target",
                "GET http://127.0.0.1:1/ems HTTP/1.1\r\nHost: a\r\n\r\n",
            ),
            ("asterisk target", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("double space", "GET  /ems HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("missing version", "GET /ems\r\nHost: a\r\n\r\n"),
            ("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\n"),
            ("bare LF", "GET /ems HTTP/1.1\nHost: a\r\n\r\n"),
            (
                "folded header",
                "GET /ems HTTP/1.1\r\nHost: a\r\n  b\r\n\r\n",
            ),
            (
                "space before colon",
                "GET /ems HTTP/1.1\r\nHost : a\r\n\r\n",
            ),
            ("NUL in value", "GET /ems HTTP/1.1\r\nHost: a\0b\r\n\r\n"),
            (
                "space in target",
                "GET /ems?a=b c HTTP/1.1\r\nHost: a\r\n\r\n",
            ),
            (
                "fragment in target",
                "GET /ems#x HTTP/1.1\r\nHost: a\r\n\r\n",
            ),
            ("header without colon", "GET /ems HTTP/1.1\r\nHost\r\n\r\n"),
        ];
        for (why, text) in cases {
            assert_eq!(
                parse(text),
                Err(HeadError::Malformed),
                "{why} must be refused"
            );
        }
    }

    #[test]
    fn a_repeated_or_missing_host_counts_as_no_host() {
        let twice = parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").expect("parses");
        assert_eq!(
            twice.host, None,
            "two Host headers are ambiguous, so neither is trusted"
        );
        let none = parse("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n").expect("parses");
        assert_eq!(none.host, None);
    }

    #[tokio::test]
    async fn reads_exactly_up_to_the_blank_line() {
        let mut input: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY-NOT-READ";
        let head = read_head(&mut input).await.expect("a whole head arrives");
        assert!(
            head.ends_with(b"\r\n\r\n"),
            "the head ends at its terminator"
        );
        assert!(
            !head.windows(4).any(|w| w == b"BODY"),
            "nothing after the head is kept"
        );
    }

    #[tokio::test]
    async fn oversized_heads_are_told_apart() {
        let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_HEAD_BYTES));
        assert_eq!(
            read_head(&mut long_line.as_bytes()).await,
            Err(HeadError::RequestLineTooLong),
            "a request line past the cap is a 414"
        );
        let long_headers = format!(
            "GET / HTTP/1.1\r\nX: {}\r\n\r\n",
            "a".repeat(MAX_HEAD_BYTES)
        );
        assert_eq!(
            read_head(&mut long_headers.as_bytes()).await,
            Err(HeadError::HeadersTooLarge),
            "headers past the cap are a 431"
        );
    }

    #[tokio::test]
    async fn a_head_of_exactly_the_cap_is_accepted() {
        let prefix = "GET / HTTP/1.1\r\nX: ";
        let filler = "a".repeat(MAX_HEAD_BYTES - prefix.len() - 4);
        let text = format!("{prefix}{filler}\r\n\r\n");
        assert_eq!(text.len(), MAX_HEAD_BYTES);
        let head = read_head(&mut text.as_bytes()).await;
        assert!(head.is_ok(), "the cap is inclusive: {head:?}");
    }

    #[tokio::test]
    async fn a_connection_closed_early_is_incomplete() {
        let mut input: &[u8] = b"GET / HTTP/1.1\r\nHost";
        assert_eq!(read_head(&mut input).await, Err(HeadError::Incomplete));
    }
}
