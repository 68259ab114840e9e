//! The paths a flow waits for, the `state` each must carry, and the verdict on one request.
//!
//! This is the listener's whole policy, kept free of sockets so it can be tested on its own:
//! a request is served only if it is a GET addressed to this listener's own `Host`, for an
//! expected path not yet served, carrying exactly one `state` equal (compared in constant time)
//! to that path's. Anything else gets a stock page and changes nothing. Reading requests is left
//! to `request`, keeping track of what was served to the flow task that owns these routes.

use std::fmt;

use super::{error::LoopbackError, request::RequestHead, response::StockPage};

/// The longest expected path accepted.
const MAX_PATH_LEN: usize = 64;

/// The `state` a callback must carry to be served: an unguessable value chosen by the caller.
///
/// It is compared in constant time and never printed (`Debug` shows `<redacted>`). The listener
/// does not generate it: callers take it from their OAuth library or another random source.
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackState(String);

impl CallbackState {
    /// The fewest bytes a `state` may have, so that it cannot be guessed.
    pub const MIN_LEN: usize = 16;
    /// The most bytes a `state` may have, so that callback URLs stay well under the head cap.
    pub const MAX_LEN: usize = 512;

    /// Wraps a state value; its length is checked when the listener is bound.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub(super) fn expose(&self) -> &str {
        &self.0
    }

    fn is_suitable(&self) -> bool {
        (Self::MIN_LEN..=Self::MAX_LEN).contains(&self.0.len())
    }

    /// Whether `candidate` equals this state. Only the length can leak through timing.
    fn matches(&self, candidate: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), candidate.as_bytes())
    }
}

impl fmt::Debug for CallbackState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackState(<redacted>)")
    }
}

/// Compares every byte whatever the first difference, so timing does not reveal a prefix.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// One expected path. Its `state` may come after the port is open (an OAuth library that
/// chooses it only once the redirect URI, with its port, is fixed); until then nothing is served
/// there.
#[derive(Debug)]
pub(super) struct Route {
    pub(super) path: String,
    pub(super) state: Option<CallbackState>,
    served: bool,
}

/// A request that passed every check.
#[derive(Debug)]
pub(super) struct Accepted {
    /// Which route it is for.
    pub(super) index: usize,
    /// The query, percent-decoded, in order, `state` included.
    pub(super) query: Vec<(String, String)>,
}

/// The expected paths of one flow and which of them have been served.
#[derive(Debug)]
pub(super) struct Routes {
    routes: Vec<Route>,
}

impl Routes {
    /// Checks the caller's paths and states before any port is opened.
    pub(super) fn new(specs: Vec<(String, Option<CallbackState>)>) -> Result<Self, LoopbackError> {
        if specs.is_empty() {
            return Err(LoopbackError::NoPaths);
        }
        let mut routes: Vec<Route> = Vec::with_capacity(specs.len());
        for (path, state) in specs {
            if !is_valid_path(&path) {
                return Err(LoopbackError::InvalidPath { path });
            }
            if routes.iter().any(|route| route.path == path) {
                return Err(LoopbackError::DuplicatePath { path });
            }
            if let Some(state) = &state {
                check_state(&path, state)?;
            }
            routes.push(Route {
                path,
                state,
                served: false,
            });
        }
        Ok(Self { routes })
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter()
    }

    pub(super) fn len(&self) -> usize {
        self.routes.len()
    }

    pub(super) fn all_served(&self) -> bool {
        self.routes.iter().all(|route| route.served)
    }

    pub(super) fn path(&self, index: usize) -> Option<&str> {
        self.routes.get(index).map(|route| route.path.as_str())
    }

    /// Sets the `state` of the path at `index`, once: a path's state cannot be replaced.
    pub(super) fn set_state(&mut self, index: usize, state: CallbackState) -> bool {
        match self.routes.get_mut(index) {
            Some(route) if route.state.is_none() => {
                route.state = Some(state);
                true
            }
            _ => false,
        }
    }

    /// The index of `path`, if it is expected.
    pub(super) fn index_of(&self, path: &str) -> Option<usize> {
        self.routes.iter().position(|route| route.path == path)
    }

    pub(super) fn mark_served(&mut self, index: usize) {
        if let Some(route) = self.routes.get_mut(index) {
            route.served = true;
        }
    }

    /// Decides what to do with a request; refusals leave the routes untouched (this takes `&self`).
    ///
    /// The order matters only for which refusal is shown: a request without the right `state`
    /// learns nothing about whether its path was already served.
    pub(super) fn judge(&self, head: &RequestHead, own_host: &str) -> Result<Accepted, StockPage> {
        if head.method != "GET" {
            return Err(StockPage::MethodNotAllowed);
        }
        if head.host.as_deref() != Some(own_host) {
            return Err(StockPage::WrongHost);
        }
        let (index, route) = self
            .routes
            .iter()
            .enumerate()
            .find(|(_, route)| route.path == head.path)
            .ok_or(StockPage::UnknownPath)?;
        let query: Vec<(String, String)> = head
            .query
            .as_deref()
            .map(|query| {
                url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let mut states = query.iter().filter(|(key, _)| key == "state");
        let state_ok = match (states.next(), states.next()) {
            (Some((_, value)), None) => route.state.as_ref().is_some_and(|s| s.matches(value)),
            // Missing, or repeated (a second `state` could be smuggled past a first-wins reader).
            _ => false,
        };
        if !state_ok {
            return Err(StockPage::BadState);
        }
        if route.served {
            return Err(StockPage::AlreadyUsed);
        }
        Ok(Accepted { index, query })
    }
}

/// Checks that `state` is long enough to be unguessable and short enough for a URL.
pub(super) fn check_state(path: &str, state: &CallbackState) -> Result<(), LoopbackError> {
    if state.is_suitable() {
        Ok(())
    } else {
        Err(LoopbackError::UnsuitableState {
            path: path.to_owned(),
        })
    }
}

/// `/` followed by unreserved characters and slashes: nothing that needs encoding or could
/// carry a query, fragment or percent sign.
fn is_valid_path(path: &str) -> bool {
    path.starts_with('/')
        && path.len() <= MAX_PATH_LEN
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/".contains(&b))
}

/// The routes the tests of this module and of `properties` judge requests against.
#[cfg(test)]
pub(super) mod fixture {
    use super::{CallbackState, Routes};

    pub(in crate::loopback) const HOST: &str = "127.0.0.1:4000";
    pub(in crate::loopback) const EMS_STATE: &str = "ems-state-0123456789";
    pub(in crate::loopback) const MATRIX_STATE: &str = "matrix-state-0123456789";

    /// `/ems` and `/matrix`, each with its own state.
    pub(in crate::loopback) fn routes() -> Routes {
        Routes::new(vec![
            ("/ems".to_owned(), Some(CallbackState::new(EMS_STATE))),
            ("/matrix".to_owned(), Some(CallbackState::new(MATRIX_STATE))),
        ])
        .expect("valid routes")
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{routes, EMS_STATE, HOST, MATRIX_STATE};
    use super::*;

    fn get(target: &str) -> RequestHead {
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (target, None),
        };
        RequestHead {
            method: "GET".to_owned(),
            path: path.to_owned(),
            query,
            host: Some(HOST.to_owned()),
        }
    }

    #[test]
    fn constant_time_eq_is_plain_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"), "last byte differs");
        assert!(!constant_time_eq(b"abc", b"xbc"), "first byte differs");
        assert!(!constant_time_eq(b"abc", b"abcd"), "a prefix is not equal");
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn the_state_never_shows_in_debug() {
        let shown = format!("{:?}", CallbackState::new(EMS_STATE));
        assert!(
            !shown.contains(EMS_STATE),
            "Debug must not print the state: {shown}"
        );
    }

    #[test]
    fn serves_the_right_state_and_decodes_the_query() {
        let accepted = routes()
            .judge(
                &get(&format!("/matrix?loginToken=a%2Bb+c&state={MATRIX_STATE}")),
                HOST,
            )
            .expect("the right state is served");
        assert_eq!(accepted.index, 1, "the /matrix route");
        assert_eq!(
            accepted.query,
            vec![
                ("loginToken".to_owned(), "a+b c".to_owned()),
                ("state".to_owned(), MATRIX_STATE.to_owned()),
            ],
            "the caller gets the decoded query in order"
        );
    }

    #[test]
    fn refuses_what_it_must() {
        let routes = routes();
        let good = format!("/ems?state={EMS_STATE}");
        let cases = [
            (
                "wrong state",
                get("/ems?state=ems-state-0123456780"),
                StockPage::BadState,
            ),
            (
                "another path's state",
                get(&format!("/ems?state={MATRIX_STATE}")),
                StockPage::BadState,
            ),
            ("missing state", get("/ems?code=1"), StockPage::BadState),
            ("no query", get("/ems"), StockPage::BadState),
            (
                "repeated state",
                get(&format!("{good}&state=x")),
                StockPage::BadState,
            ),
            (
                "repeated identical state",
                get(&format!("{good}&state={EMS_STATE}")),
                StockPage::BadState,
            ),
            (
                "unknown path",
                get(&format!("/other?state={EMS_STATE}")),
                StockPage::UnknownPath,
            ),
            (
                "trailing slash",
                get(&format!("/ems/?state={EMS_STATE}")),
                StockPage::UnknownPath,
            ),
            (
                "other case",
                get(&format!("/EMS?state={EMS_STATE}")),
                StockPage::UnknownPath,
            ),
            (
                "encoded path",
                get(&format!("/%65ms?state={EMS_STATE}")),
                StockPage::UnknownPath,
            ),
            (
                "POST",
                RequestHead {
                    method: "POST".to_owned(),
                    ..get(&good)
                },
                StockPage::MethodNotAllowed,
            ),
            (
                "lowercase get",
                RequestHead {
                    method: "get".to_owned(),
                    ..get(&good)
                },
                StockPage::MethodNotAllowed,
            ),
            (
                "rebound host",
                RequestHead {
                    host: Some("evil.example:4000".to_owned()),
                    ..get(&good)
                },
                StockPage::WrongHost,
            ),
            (
                "no host",
                RequestHead {
                    host: None,
                    ..get(&good)
                },
                StockPage::WrongHost,
            ),
        ];
        for (why, head, expected) in cases {
            assert_eq!(routes.judge(&head, HOST).err(), Some(expected), "{why}");
        }
    }

    #[test]
    fn a_served_path_is_gone_and_the_others_are_not() {
        let mut routes = routes();
        let ems = get(&format!("/ems?state={EMS_STATE}"));
        let index = routes.judge(&ems, HOST).expect("first hit is served").index;
        routes.mark_served(index);
        assert_eq!(
            routes.judge(&ems, HOST).err(),
            Some(StockPage::AlreadyUsed),
            "replay"
        );
        assert_eq!(
            routes.judge(&get("/ems?state=nope"), HOST).err(),
            Some(StockPage::BadState),
            "without the state a replay learns nothing"
        );
        assert!(!routes.all_served(), "/matrix is still expected");
        let matrix = get(&format!("/matrix?state={MATRIX_STATE}"));
        routes.mark_served(routes.judge(&matrix, HOST).expect("served").index);
        assert!(routes.all_served());
    }

    #[test]
    fn checks_paths_and_states_up_front() {
        let state = || Some(CallbackState::new(EMS_STATE));
        let one = |path: &str| Routes::new(vec![(path.to_owned(), state())]).err();
        assert!(matches!(Routes::new(vec![]), Err(LoopbackError::NoPaths)));
        for bad in ["ems", "/ems?x=1", "/e%6ds", "/ems#x", "/é", ""] {
            assert!(
                matches!(one(bad), Some(LoopbackError::InvalidPath { .. })),
                "{bad:?} must be refused as a path"
            );
        }
        assert!(one("/").is_none() && one("/sso/matrix-2").is_none());
        assert!(matches!(
            Routes::new(vec![("/a".to_owned(), state()), ("/a".to_owned(), state())]),
            Err(LoopbackError::DuplicatePath { .. })
        ));
        assert!(matches!(
            Routes::new(vec![("/a".to_owned(), Some(CallbackState::new("short")))]),
            Err(LoopbackError::UnsuitableState { .. })
        ));
        assert!(matches!(
            Routes::new(vec![(
                "/a".to_owned(),
                Some(CallbackState::new("x".repeat(513)))
            )]),
            Err(LoopbackError::UnsuitableState { .. })
        ));
    }
}
