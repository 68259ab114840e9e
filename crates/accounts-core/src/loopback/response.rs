//! What the browser receives: the caller's reply, or one of the listener's own stock pages.
//!
//! Every answer is a complete HTTP/1.1 response that closes the connection. Pages are fixed
//! HTML with no scripts, styles, forms or links, built only from `'static` text chosen in code,
//! so nothing a request carries (its query above all, which holds codes and tokens) can ever
//! appear in a page. The headers forbid caching, framing, content sniffing, referrers and every
//! kind of sub-resource. Which answer a request deserves is decided elsewhere: by `routes` for
//! refusals, by the caller for served callbacks.

use url::Url;

/// A page the caller shows the browser: a title and a message, both fixed text from the code.
///
/// Both are `&'static str` on purpose: a page can never be built from a query value, so the
/// listener cannot be made to reflect what a request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaticPage {
    title: &'static str,
    message: &'static str,
}

impl StaticPage {
    /// A page with this title (also used as its heading) and this one-paragraph message.
    #[must_use]
    pub const fn new(title: &'static str, message: &'static str) -> Self {
        Self { title, message }
    }

    /// Where a browser tab ends when a sign-in did not complete; the app says why.
    pub const NOT_SIGNED_IN: Self = Self::new(
        "Not signed in",
        "The sign-in was not completed. Return to Element Accounts to see why and try again.",
    );

    /// Where a browser tab ends after a sign-in, under `title` ("Signed in to EMS").
    #[must_use]
    pub const fn signed_in(title: &'static str) -> Self {
        Self::new(
            title,
            "You are signed in. You can close this tab and return to Element Accounts.",
        )
    }

    /// The page's title and heading.
    #[must_use]
    pub const fn title(&self) -> &'static str {
        self.title
    }

    /// The page's message.
    #[must_use]
    pub const fn message(&self) -> &'static str {
        self.message
    }
}

/// How the caller answers the browser on a served callback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// Show this page (status 200), typically "you can close this tab" or a fixed failure text.
    Page(StaticPage),
    /// Send the browser on to this `http` or `https` address (status 302), as the bridge does
    /// from `/ems` to the homeserver's SSO. Any other scheme gets the generic error page instead.
    Redirect(Url),
}

/// The listener's own answers, for requests it refuses and flows that cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StockPage {
    /// Not a well-formed HTTP/1.x request head (400).
    Malformed,
    /// The request line is longer than the cap (414).
    RequestLineTooLong,
    /// The headers are larger than the cap (431).
    HeadersTooLarge,
    /// The head did not arrive within the read timeout (408).
    SlowRequest,
    /// Anything but GET (405).
    MethodNotAllowed,
    /// A `Host` other than this listener's own 127.0.0.1 address, as DNS rebinding would send (421).
    WrongHost,
    /// A path the flow does not expect (404).
    UnknownPath,
    /// A missing, repeated or wrong `state` (400).
    BadState,
    /// An expected path that was already served (410).
    AlreadyUsed,
    /// The flow ended (completed, timed out, cancelled) before this request could be served (410).
    FlowEnded,
    /// The caller dropped its responder, or asked for something that cannot be sent (500).
    NoAnswer,
}

impl StockPage {
    /// The status code and reason phrase.
    pub(super) const fn status(self) -> (u16, &'static str) {
        match self {
            Self::Malformed | Self::BadState => (400, "Bad Request"),
            Self::RequestLineTooLong => (414, "URI Too Long"),
            Self::HeadersTooLarge => (431, "Request Header Fields Too Large"),
            Self::SlowRequest => (408, "Request Timeout"),
            Self::MethodNotAllowed => (405, "Method Not Allowed"),
            Self::WrongHost => (421, "Misdirected Request"),
            Self::UnknownPath => (404, "Not Found"),
            Self::AlreadyUsed | Self::FlowEnded => (410, "Gone"),
            Self::NoAnswer => (500, "Internal Server Error"),
        }
    }

    const fn page(self) -> StaticPage {
        const START_AGAIN: &str = "Return to Element Accounts and start the sign-in again.";
        match self {
            Self::Malformed | Self::RequestLineTooLong | Self::HeadersTooLarge => StaticPage::new(
                "This request could not be read",
                "Element Accounts only accepts the address your sign-in returns to. You can close this tab.",
            ),
            Self::SlowRequest => StaticPage::new(
                "This request took too long",
                "Element Accounts stopped waiting for it. You can close this tab.",
            ),
            Self::MethodNotAllowed | Self::WrongHost | Self::UnknownPath => StaticPage::new(
                "Nothing here",
                "This address is not part of a sign-in in progress. You can close this tab.",
            ),
            Self::BadState => StaticPage::new("This sign-in link is not valid", START_AGAIN),
            Self::AlreadyUsed => StaticPage::new(
                "This sign-in link was already used",
                "Each sign-in link works once. Return to Element Accounts to see how the sign-in went.",
            ),
            Self::FlowEnded => StaticPage::new("This sign-in has ended", START_AGAIN),
            Self::NoAnswer => StaticPage::new("Something went wrong", START_AGAIN),
        }
    }
}

/// Neutral text for the body of a redirect, which browsers do not normally show.
const REDIRECT_PAGE: StaticPage = StaticPage::new(
    "Continuing your sign-in",
    "Your browser is being sent to the next step of the sign-in.",
);

/// Headers on every answer. `default-src 'none'` blocks scripts, styles, images and frames;
/// `no-referrer` keeps a callback's query (a code or token) out of the next site's `Referer`.
const COMMON_HEADERS: [(&str, &str); 7] = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    (
        "Content-Security-Policy",
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Connection", "close"),
];

/// The whole HTTP response for the caller's reply.
pub(super) fn render_reply(reply: &Reply) -> Vec<u8> {
    match reply {
        Reply::Page(page) => render((200, "OK"), &[], *page),
        Reply::Redirect(url) if is_safe_redirect(url) => {
            render((302, "Found"), &[("Location", url.as_str())], REDIRECT_PAGE)
        }
        Reply::Redirect(url) => {
            log::warn!(
                "loopback listener: refusing to redirect the browser to a {:?} address",
                url.scheme()
            );
            render_stock(StockPage::NoAnswer)
        }
    }
}

/// The whole HTTP response for a stock page.
pub(super) fn render_stock(page: StockPage) -> Vec<u8> {
    let extra: &[(&str, &str)] = match page {
        StockPage::MethodNotAllowed => &[("Allow", "GET")],
        _ => &[],
    };
    render(page.status(), extra, page.page())
}

/// Only web addresses, and only ones whose serialisation is safe in a header line (the `url`
/// crate percent-encodes controls and spaces, so this is a second fence, not the first).
fn is_safe_redirect(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
        && url.as_str().bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn render(
    (code, reason): (u16, &str),
    extra_headers: &[(&str, &str)],
    page: StaticPage,
) -> Vec<u8> {
    let body = html(page);
    let mut head = format!("HTTP/1.1 {code} {reason}\r\n");
    for (name, value) in COMMON_HEADERS.iter().chain(extra_headers) {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("Content-Length: ");
    head.push_str(&body.len().to_string());
    head.push_str("\r\n\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

fn html(page: StaticPage) -> String {
    let title = escape(page.title);
    let message = escape(page.message);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{title} · Element Accounts</title>\n</head>\n\
         <body>\n<main>\n<h1>{title}</h1>\n<p>{message}</p>\n</main>\n</body>\n</html>\n"
    )
}

/// Static text needs no escaping today; this keeps a stray `<` or `&` in a message harmless.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).expect("responses are UTF-8")
    }

    fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
        let head = response.split("\r\n\r\n").next()?;
        head.lines()
            .filter_map(|line| line.split_once(": "))
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    #[test]
    fn a_page_carries_the_hardening_headers_and_no_script() {
        let response = text(&render_reply(&Reply::Page(StaticPage::new(
            "Signed in",
            "You can close this tab.",
        ))));
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        for (name, value) in COMMON_HEADERS {
            assert_eq!(
                header(&response, name),
                Some(value),
                "every page sends {name}"
            );
        }
        let body = response.split("\r\n\r\n").nth(1).expect("a body");
        assert_eq!(
            header(&response, "Content-Length"),
            Some(body.len().to_string().as_str()),
            "the length must match so the browser does not wait for more"
        );
        assert!(!body.contains("<script"), "pages never run scripts");
        assert!(body.contains("<h1>Signed in</h1>"));
    }

    #[test]
    fn a_redirect_sends_location_and_a_neutral_body() {
        let to = Url::parse("https://hs.example/_matrix/client/v3/login/sso/redirect?redirectUrl=http%3A%2F%2F127.0.0.1%3A1%2Fmatrix")
            .expect("valid url");
        let response = text(&render_reply(&Reply::Redirect(to.clone())));
        assert!(response.starts_with("HTTP/1.1 302 Found\r\n"), "{response}");
        assert_eq!(header(&response, "Location"), Some(to.as_str()));
        assert_eq!(
            header(&response, "Referrer-Policy"),
            Some("no-referrer"),
            "the next site must not see the callback's query in Referer"
        );
    }

    #[test]
    fn a_redirect_to_a_non_web_scheme_becomes_the_error_page() {
        let to = Url::parse("javascript:alert(1)").expect("parses as a URL");
        let response = text(&render_reply(&Reply::Redirect(to)));
        assert!(response.starts_with("HTTP/1.1 500 "), "{response}");
        assert_eq!(
            header(&response, "Location"),
            None,
            "no redirect may be sent"
        );
        assert!(
            !response.contains("alert"),
            "the refused address is not echoed"
        );
    }

    #[test]
    fn method_not_allowed_names_get() {
        let response = text(&render_stock(StockPage::MethodNotAllowed));
        assert!(response.starts_with("HTTP/1.1 405 "));
        assert_eq!(header(&response, "Allow"), Some("GET"));
    }

    #[test]
    fn page_text_is_escaped() {
        let body = html(StaticPage::new("a<b", "x & \"y\""));
        assert!(
            body.contains("a&lt;b") && body.contains("x &amp; &quot;y&quot;"),
            "{body}"
        );
    }
}
