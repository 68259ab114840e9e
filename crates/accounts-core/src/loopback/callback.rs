//! One served callback as the caller sees it: which path, the decoded query, and a one-time
//! way to answer the browser.
//!
//! The query usually holds secrets (an authorization code, a login token), so `Debug` shows only
//! its keys. What the values mean, and checking anything beyond `state`, is left to the caller.

use std::fmt;

use tokio::sync::oneshot;

use super::response::Reply;

/// A browser request to an expected path that carried the right `state`.
///
/// The browser waits until [`Callback::respond`] is called; dropping the callback instead
/// answers it with a generic error page. Each expected path yields at most one `Callback`.
pub struct Callback {
    path: String,
    query: Vec<(String, String)>,
    responder: oneshot::Sender<Reply>,
}

impl Callback {
    pub(super) fn new(
        path: String,
        query: Vec<(String, String)>,
        responder: oneshot::Sender<Reply>,
    ) -> Self {
        Self {
            path,
            query,
            responder,
        }
    }

    /// The expected path this callback came to, exactly as it was given (e.g. `/ems`).
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Every query parameter, percent-decoded, in the order sent; `state` (already checked) included.
    #[must_use]
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The value of `key` when it appears exactly once; `None` when it is missing or repeated,
    /// so that a second copy cannot be smuggled past code that would read only the first.
    #[must_use]
    pub fn param(&self, key: &str) -> Option<&str> {
        let mut values = self.query.iter().filter(|(k, _)| k == key);
        match (values.next(), values.next()) {
            (Some((_, value)), None) => Some(value),
            _ => None,
        }
    }

    /// Answers the browser with `reply`. Returns `false` when the browser can no longer be
    /// answered (the flow was cancelled or timed out meanwhile, or the connection failed).
    #[allow(clippy::must_use_candidate)] // Most callers have nothing to do when the tab is gone.
    pub fn respond(self, reply: Reply) -> bool {
        self.responder.send(reply).is_ok()
    }
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.query.iter().map(|(key, _)| key.as_str()).collect();
        f.debug_struct("Callback")
            .field("path", &self.path)
            .field("query_keys", &keys)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loopback::StaticPage;

    fn callback(query: &[(&str, &str)]) -> (Callback, oneshot::Receiver<Reply>) {
        let (tx, rx) = oneshot::channel();
        let query = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        (Callback::new("/ems".to_owned(), query, tx), rx)
    }

    #[test]
    fn param_refuses_repeated_keys() {
        let (callback, _rx) = callback(&[("code", "a"), ("code", "b"), ("iss", "x")]);
        assert_eq!(callback.param("code"), None, "two codes are ambiguous");
        assert_eq!(callback.param("iss"), Some("x"));
        assert_eq!(callback.param("missing"), None);
    }

    #[test]
    fn debug_hides_values() {
        let (callback, _rx) = callback(&[("code", "secret-code-value")]);
        let shown = format!("{callback:?}");
        assert!(!shown.contains("secret-code-value"), "{shown}");
        assert!(shown.contains("code"), "keys help debugging: {shown}");
    }

    #[test]
    fn respond_reports_whether_anyone_listens() {
        let page = Reply::Page(StaticPage::new("t", "m"));
        let (callback_a, rx) = callback(&[]);
        assert!(callback_a.respond(page.clone()));
        assert!(rx.blocking_recv().is_ok_and(|reply| reply == page));
        let (callback_b, rx) = callback(&[]);
        drop(rx);
        assert!(
            !callback_b.respond(page),
            "nobody is waiting for this answer"
        );
    }
}
