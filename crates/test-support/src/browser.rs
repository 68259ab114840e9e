//! A scripted browser for sign-in tests: an HTTP client that never follows redirects (the test
//! follows them, one hop at a time, and sees each) and keeps cookies by name the way a browser
//! does on 127.0.0.1, where cookies ignore ports. `Secure` cookies are sent over http too, as
//! browsers do for loopback origins (Synapse sets its `oidc_session` cookies `Secure`).
//!
//! Form POSTs carry `Origin` as a browser's do. The forms these tests submit post back to the
//! server whose page holds them, so the origin is the target URL's; [`Browser::post_form_from`]
//! plays a page elsewhere.

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;

/// One answer, read whole.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Location` header, for redirects.
    pub location: Option<String>,
    /// The raw `Set-Cookie` headers.
    pub set_cookies: Vec<String>,
    /// The body as text.
    pub body: String,
}

/// A browser with its own cookie jar.
pub struct Browser {
    http: reqwest::Client,
    jar: Mutex<BTreeMap<String, String>>,
    consents: std::sync::atomic::AtomicUsize,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser with an empty cookie jar.
    #[must_use]
    pub fn new() -> Self {
        Self::with_client(reqwest::Client::builder())
    }

    /// A browser that also trusts the CA in the PEM file `ca_file` (as a browser given the
    /// sandbox's CA in its certificate store would).
    #[must_use]
    pub fn trusting(ca_file: &std::path::Path) -> Self {
        Self::with_client(reqwest::Client::builder().tls_certs_merge([trusted_ca(ca_file)]))
    }

    fn with_client(builder: reqwest::ClientBuilder) -> Self {
        let http = builder
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Self {
            http,
            jar: Mutex::new(BTreeMap::new()),
            consents: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// `GET url`.
    pub async fn get(&self, url: &str) -> Answer {
        self.send(self.http.get(url)).await
    }

    /// `POST url` with a form body, from a page of the target's own origin.
    pub async fn post_form(&self, url: &str, fields: &[(String, String)]) -> Answer {
        let origin = url::Url::parse(url)
            .expect("an absolute form action")
            .origin()
            .ascii_serialization();
        self.post_form_from(Some(&origin), url, fields).await
    }

    /// `POST url` with a form body and this `Origin` (none when `None`, as no browser does).
    pub async fn post_form_from(
        &self,
        origin: Option<&str>,
        url: &str,
        fields: &[(String, String)],
    ) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = self
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        if let Some(origin) = origin {
            request = request.header(reqwest::header::ORIGIN, origin);
        }
        self.send(request).await
    }

    /// Clicks the submit button `id="{button_id}"` of the page's form: posts the form's fields to
    /// its action. Panics if the page has no such button.
    pub async fn click(&self, page: &Answer, button_id: &str) -> Answer {
        assert!(
            page.body.contains(&format!("id=\"{button_id}\"")),
            "the page has a button {button_id:?}: {page:?}"
        );
        let (action, fields) = form(&page.body);
        self.post_form(&action, &fields).await
    }

    /// Clicks "Continue as …" on the sandbox's consent page (shown to a signed-in browser before
    /// a code goes to a public client at a loopback address).
    pub async fn continue_as(&self, page: &Answer) -> Answer {
        self.consents
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.click(page, "continue").await
    }

    /// How many times the user clicked "Continue as …" on a consent page.
    pub fn consents_given(&self) -> usize {
        self.consents.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Confirms the sandbox's "Sign out of EMS?" page.
    pub async fn confirm_sign_out(&self, page: &Answer) -> Answer {
        self.click(page, "sign-out").await
    }

    /// The value of a cookie in the jar.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().expect("jar").get(name).cloned()
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let cookie_header = {
            let jar = self.jar.lock().expect("jar");
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let request = if cookie_header.is_empty() {
            request
        } else {
            request.header(COOKIE, cookie_header)
        };
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        {
            let mut jar = self.jar.lock().expect("jar");
            for line in &set_cookies {
                let mut parts = line.split(';').map(str::trim);
                let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                    continue;
                };
                let expired = parts.any(|a| {
                    a.eq_ignore_ascii_case("max-age=0")
                        || a.to_ascii_lowercase()
                            .starts_with("expires=thu, 01 jan 1970")
                });
                if expired || value.is_empty() {
                    jar.remove(name);
                } else {
                    jar.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let body = response.text().await.expect("a readable body");
        Answer {
            status,
            location,
            set_cookies,
            body,
        }
    }
}

/// The CA certificate in the PEM file `ca_file`, for an HTTP client's root store.
#[must_use]
pub fn trusted_ca(ca_file: &std::path::Path) -> reqwest::Certificate {
    let pem = std::fs::read(ca_file)
        .unwrap_or_else(|e| panic!("read the CA file {}: {e}", ca_file.display()));
    reqwest::Certificate::from_pem(&pem).expect("a PEM certificate")
}

/// The first form of an HTML page: its `action` and its fields (`name`, `value`), entities
/// decoded.
#[must_use]
pub fn form(html: &str) -> (String, Vec<(String, String)>) {
    let start = html.find("<form").expect("the page has a form");
    let end = html[start..].find('>').map_or(html.len(), |e| start + e);
    let action = attribute(&html[start..end], "action").unwrap_or_default();
    let mut fields = Vec::new();
    let mut rest = &html[end..];
    while let Some(i) = rest.find("<input") {
        let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
        let tag = &rest[i..tag_end];
        if let Some(name) = attribute(tag, "name") {
            fields.push((name, attribute(tag, "value").unwrap_or_default()));
        }
        rest = &rest[tag_end..];
    }
    (action, fields)
}

/// A double-quoted attribute's value, entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let len = tag[start..].find('"')?;
    Some(
        tag[start..start + len]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#x2F;", "/")
            .replace("&amp;", "&"),
    )
}

/// Whether the page is the sandbox's consent page ("Continue as … to …").
#[must_use]
pub fn is_consent_page(answer: &Answer) -> bool {
    answer.status == StatusCode::OK && answer.body.contains("id=\"continue\"")
}

/// Sets `name` in a form's fields (replacing or adding it).
pub fn set_field(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(n, _)| n != name);
    fields.push((name.to_owned(), value.to_owned()));
}

/// A query parameter of a URL.
#[must_use]
pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Resolves `href` (possibly relative, HTML-escaped) against `base`.
#[must_use]
pub fn resolve(base: &str, href: &str) -> String {
    let href = href.replace("&amp;", "&").replace("&#x2F;", "/");
    url::Url::parse(base)
        .and_then(|b| b.join(&href))
        .unwrap_or_else(|e| panic!("bad link {href:?} on {base}: {e}"))
        .to_string()
}

/// The page's first link whose target (resolved against `base`) starts with `prefix`.
#[must_use]
pub fn link_to(html: &str, base: &str, prefix: &str) -> Option<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| resolve(base, href))
        .find(|url| url.starts_with(prefix))
}

/// The `href` of the page's `class="primary-button"` link: Synapse's "Continue" on its
/// "Continue to your account" page and "Continue with …" on its re-authentication page.
#[must_use]
pub fn primary_link(html: &str) -> Option<&str> {
    let (before, _) = html.split_once("class=\"primary-button\"")?;
    before.rsplit("href=\"").next()?.split('"').next()
}

/// The user at the browser, from a start address through every page of a sign-in: the sandbox's
/// sign-in form (the one credential entry), its "Continue as …" consent page, Synapse's username
/// picker, its "Continue to your account" and re-authentication pages, following redirects
/// until the browser reaches [`Self::until`] or a page offers nothing more to do.
///
/// ```no_run
/// # async fn example() {
/// use test_support::browser::{Browser, Player};
/// let browser = Browser::new();
/// let (url, page) = Player::new("erin@example.org", "a long password")
///     .play(&browser, "http://127.0.0.1:8480/oauth2/authorize?…")
///     .await;
/// # let _ = (url, page);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Player<'a> {
    email: &'a str,
    password: &'a str,
    username: Option<&'a str>,
    stop: Option<&'a str>,
    every_page_ok: bool,
}

impl<'a> Player<'a> {
    /// Signs in to the sandbox as `email` with `password`.
    #[must_use]
    pub fn new(email: &'a str, password: &'a str) -> Self {
        Self {
            email,
            password,
            username: None,
            stop: None,
            every_page_ok: false,
        }
    }

    /// Chooses `username` if Synapse's picker asks for one (without, the picker fails the test).
    #[must_use]
    pub fn picking(mut self, username: Option<&'a str>) -> Self {
        self.username = username;
        self
    }

    /// Stops once the browser is sent to an address starting with `prefix` (which is then
    /// visited, and its answer returned).
    #[must_use]
    pub fn until(mut self, prefix: &'a str) -> Self {
        self.stop = Some(prefix);
        self
    }

    /// Fails on any page that is neither a redirect nor `200 OK` on the way (without, such a
    /// page ends the play and is returned).
    #[must_use]
    pub fn every_page_ok(mut self) -> Self {
        self.every_page_ok = true;
        self
    }

    /// Plays an OpenID Connect authorization request at the sandbox through to its
    /// `redirect_uri` (the app's loopback listener), where it must end; returns that page.
    pub async fn play_to_app(&self, browser: &Browser, authorize_url: &str) -> Answer {
        let back = query_param(authorize_url, "redirect_uri").expect("a redirect_uri");
        assert!(
            back.starts_with("http://127.0.0.1:"),
            "back to the loopback listener: {back}"
        );
        let (url, page) = self.clone().until(&back).play(browser, authorize_url).await;
        assert!(
            url.starts_with(&back),
            "the sandbox sends the browser back to the app: {url}"
        );
        page
    }

    /// Plays from `start`; returns the last URL visited and its answer.
    pub async fn play(&self, browser: &Browser, start: &str) -> (String, Answer) {
        let mut url = start.to_owned();
        let mut answer = browser.get(&url).await;
        for _ in 0..25 {
            if self.stop.is_some_and(|stop| url.starts_with(stop)) {
                return (url, answer);
            }
            if let Some(location) = answer.location.as_deref() {
                url = resolve(&url, location);
                answer = browser.get(&url).await;
                continue;
            }
            if answer.status != StatusCode::OK {
                assert!(!self.every_page_ok, "at {url}: {answer:?}");
                return (url, answer);
            }
            if answer.body.contains("name=\"password\"") {
                // The sandbox's sign-in form.
                let (action, mut fields) = form(&answer.body);
                set_field(&mut fields, "email", self.email);
                set_field(&mut fields, "password", self.password);
                url = resolve(&url, &action);
                answer = browser.post_form(&url, &fields).await;
            } else if is_consent_page(&answer) {
                answer = browser.continue_as(&answer).await;
            } else if url.contains("/pick_username/") && answer.body.contains("name=\"username\"") {
                let name = self
                    .username
                    .unwrap_or_else(|| panic!("Synapse asked for a user name unexpectedly: {url}"));
                let (action, mut fields) = form(&answer.body);
                set_field(&mut fields, "username", name);
                url = resolve(&url, &action);
                answer = browser.post_form(&url, &fields).await;
            } else if let Some(next) = primary_link(&answer.body) {
                // Synapse's "Continue to your account" or "Continue with …": the user clicks it.
                assert!(
                    answer.body.contains("Continue"),
                    "the only link on is Continue: {}",
                    answer.body
                );
                url = resolve(&url, next);
                answer = browser.get(&url).await;
            } else {
                return (url, answer);
            }
        }
        panic!("the browser went round in circles; last at {url}");
    }
}
