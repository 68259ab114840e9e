//! The provider's HTML: the sign-in form, the consent page, the sign-out confirmation, error and
//! signed-out pages. Static markup, no scripts, every value escaped; served with headers that
//! forbid framing, caching and cross-origin referrers.

use std::fmt::Write as _;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// Escapes text for an HTML element body or a double-quoted attribute.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#17191c}\
label{display:block;margin-top:1rem}input[type=email],input[type=password],input[type=text]{width:100%;padding:.5rem;box-sizing:border-box}\
button{margin-top:1.5rem;padding:.6rem 1.2rem}.error{color:#b00020}";

/// A complete page with the security headers. `body` must already be escaped markup.
#[must_use]
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · EMS sandbox</title><style>{STYLE}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>\n",
        title = escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Not `no-referrer`: under it browsers send `Origin: null` on the pages' own form POSTs,
    // and the CSRF check needs the real origin.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    response
}

/// An error page: the request cannot go back to the client, so the browser stays here.
#[must_use]
pub fn error_page(status: StatusCode, message: &str) -> Response {
    page(
        status,
        "Sign-in cannot continue",
        &format!(
            "<p class=\"error\">{}</p><p>Close this tab and try again from the app.</p>",
            escape(message)
        ),
    )
}

/// Hidden inputs for `fields`.
pub(crate) fn hidden_inputs(body: &mut String, fields: &[(&str, &str)]) {
    for (name, value) in fields {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        );
    }
}

/// The sign-in form. `hidden` are the authorization request's parameters and the CSRF token,
/// carried to the POST.
#[must_use]
pub fn sign_in_form(
    status: StatusCode,
    action: &str,
    client_id: &str,
    hidden: &[(&str, &str)],
    email: &str,
    error: Option<&str>,
) -> Response {
    let mut body = format!(
        "<p>Sign in to continue to <strong>{}</strong>.</p>",
        escape(client_id)
    );
    if let Some(error) = error {
        let _ = write!(
            body,
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        );
    }
    let _ = write!(body, "<form method=\"post\" action=\"{}\">", escape(action));
    hidden_inputs(&mut body, hidden);
    let _ = write!(
        body,
        "<label for=\"email\">Email</label>\
         <input id=\"email\" type=\"email\" name=\"email\" value=\"{}\" autocomplete=\"username\" required>\
         <label for=\"password\">Password</label>\
         <input id=\"password\" type=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
         <button type=\"submit\">Sign in</button></form>",
        escape(email)
    );
    page(status, "Sign in to EMS", &body)
}

/// The one-click page for a signed-in browser: continue as `email` to `client_id`, or sign in
/// as someone else (`switch_url`).
#[must_use]
pub fn consent_page(
    action: &str,
    client_id: &str,
    hidden: &[(&str, &str)],
    email: &str,
    switch_url: &str,
) -> Response {
    let mut body = format!(
        "<p>An app on this computer asks to sign in to EMS as <strong>{email}</strong>. \
         Continue only if you started this sign-in from <strong>{client}</strong>.</p>\
         <form method=\"post\" action=\"{action}\">",
        email = escape(email),
        client = escape(client_id),
        action = escape(action),
    );
    hidden_inputs(&mut body, hidden);
    let _ = write!(
        body,
        "<button id=\"continue\" type=\"submit\">Continue as {} to {}</button></form>\
         <p><a href=\"{}\">Sign in as someone else</a></p>",
        escape(email),
        escape(client_id),
        escape(switch_url)
    );
    page(StatusCode::OK, "Continue to the app?", &body)
}

/// The confirmation before ending the browser's EMS session.
#[must_use]
pub fn sign_out_page(action: &str, hidden: &[(&str, &str)], email: &str) -> Response {
    let mut body = format!(
        "<p>Sign out of EMS as <strong>{}</strong> in this browser?</p>\
         <form method=\"post\" action=\"{}\">",
        escape(email),
        escape(action)
    );
    hidden_inputs(&mut body, hidden);
    body.push_str("<button id=\"sign-out\" type=\"submit\">Sign out</button></form>");
    page(StatusCode::OK, "Sign out of EMS?", &body)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_in_values_is_inert() {
        assert_eq!(
            escape("\"><script>alert('x')</script>&"),
            "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
    }
}
