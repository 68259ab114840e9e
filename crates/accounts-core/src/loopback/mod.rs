//! The loopback callback listener: where the system browser comes back to after a sign-in.
//!
//! EMS sign-in, Matrix single sign-on and the Element One bridge all send the user's browser
//! away and wait for it at `http://127.0.0.1:PORT/<path>`. A [`CallbackListener`] is made per
//! flow with a fixed set of expected paths, each with its own `state`, and an overall timeout.
//! It binds 127.0.0.1 on a free port, serves each expected path once, hands the decoded query to
//! the caller as a [`Callback`] and answers the browser with the caller's [`Reply`] (a static
//! page or a redirect). Everything else (unknown paths, other methods, a missing or wrong
//! `state`, replays, oversized or slow requests, a foreign `Host`) gets a stock page without
//! reaching the caller or changing anything. The port closes once every path is served, or on
//! timeout, on cancellation, or when the caller drops the listener.
//!
//! A path's `state` may also be set after binding ([`CallbackListenerBuilder::path_awaiting_state`]
//! and [`CallbackListener::set_state`]), for a library that chooses `state` only once the redirect
//! URI, port included, is fixed; until then nothing is served there. So one flow can chain
//! several browser legs over one port, each with its own path and state.
//!
//! The paths, each owned by the flow module that serves it:
//!
//! | path | flow | owner |
//! |---|---|---|
//! | `/ems` | EMS sign-in (OpenID Connect): `code`, `state`, `iss` | `ems::signin::CALLBACK_PATH` |
//! | `/matrix` | Matrix single sign-on: `loginToken`, with our `state` in the `redirectUrl` | `matrix::SSO_CALLBACK_PATH` |
//! | `/oauth` | Matrix OAuth 2.0 sign-in: `code`, `state` (matrix-sdk's, set after binding) | `matrix::OAUTH_CALLBACK_PATH` |
//!
//! It knows nothing of EMS or Matrix: exchanging codes, PKCE, `nonce`, logging in with a login
//! token and opening the browser ([`crate::browser`]) are left to its callers, and so is choosing
//! `state` values (this crate has no random source of its own).
//!
//! ```no_run
//! # use std::time::Duration;
//! # use accounts_core::loopback::{CallbackListener, CallbackState, Reply, StaticPage};
//! # async fn example(state: String) -> Result<(), Box<dyn std::error::Error>> {
//! let mut listener = CallbackListener::builder(Duration::from_secs(600))
//!     .path("/matrix", CallbackState::new(state))
//!     .bind()
//!     .await?;
//! let redirect_url = listener.callback_url_with_state("/matrix");
//! // ... open the homeserver's SSO URL with `redirect_url` in the browser ...
//! let callback = listener.next_callback().await?; // Err(TimedOut), Err(Cancelled), ...
//! let login_token = callback.param("loginToken").map(str::to_owned);
//! callback.respond(Reply::Page(StaticPage::new("Signed in", "You can close this tab.")));
//! # Ok(()) }
//! ```

mod callback;
mod error;
mod flow;
#[cfg(test)]
mod properties;
mod request;
mod response;
mod routes;

use std::{fmt, net::Ipv4Addr, time::Duration};

use tokio::{net::TcpListener, sync::mpsc, time::Instant};
use url::Url;

pub use callback::Callback;
pub use error::LoopbackError;
pub use response::{Reply, StaticPage};
pub use routes::CallbackState;

use flow::{Command, End, Event, Flow};

/// The longest a flow may wait; longer timeouts are cut to this (no sign-in takes a day).
pub const MAX_FLOW_TIMEOUT: Duration = Duration::from_hours(24);

/// How long one connection may take to send its request head, or to take its answer, by default.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Collects a flow's expected paths before the port is opened; see [`CallbackListener::builder`].
#[derive(Debug)]
#[must_use = "nothing listens until `bind` is awaited"]
pub struct CallbackListenerBuilder {
    paths: Vec<(String, Option<CallbackState>)>,
    timeout: Duration,
    read_timeout: Duration,
}

impl CallbackListenerBuilder {
    /// Expects one visit to `path` (such as `/ems`) carrying `state` in its query.
    pub fn path(mut self, path: impl Into<String>, state: CallbackState) -> Self {
        self.paths.push((path.into(), Some(state)));
        self
    }

    /// Expects one visit to `path`, whose `state` is set after binding with
    /// [`CallbackListener::set_state`] (for a library that chooses `state` only once the
    /// redirect URI, port included, is fixed). Nothing is served there until then.
    pub fn path_awaiting_state(mut self, path: impl Into<String>) -> Self {
        self.paths.push((path.into(), None));
        self
    }

    /// How long one connection may take to send its request head, and to take its answer
    /// (default [`DEFAULT_READ_TIMEOUT`]), so a slow client cannot hold a connection open.
    pub fn read_timeout(mut self, read_timeout: Duration) -> Self {
        self.read_timeout = read_timeout;
        self
    }

    /// Checks the paths and states, binds 127.0.0.1 on a free port and starts serving.
    ///
    /// The overall timeout starts now. Must be called within a Tokio runtime.
    pub async fn bind(self) -> Result<CallbackListener, LoopbackError> {
        let routes = routes::Routes::new(self.paths)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|source| LoopbackError::Bind { source })?;
        let port = listener
            .local_addr()
            .map_err(|source| LoopbackError::Bind { source })?
            .port();
        let base_url = loopback_url(port, "/")?;
        let mut urls = Vec::with_capacity(routes.len());
        for route in routes.iter() {
            let bare = loopback_url(port, &route.path)?;
            let with_state = route.state.as_ref().map(|state| with_state(&bare, state));
            urls.push(RouteUrls {
                path: route.path.clone(),
                bare,
                with_state,
            });
        }

        // Room for one callback per path and the end, so the task never waits on the caller.
        let (events_tx, events_rx) = mpsc::channel(routes.len() + 1);
        // Room for a cancel behind the states being set.
        let (commands_tx, commands_rx) = mpsc::channel(routes.len() + 1);
        let flow = Flow {
            listener,
            routes,
            own_host: format!("{}:{port}", Ipv4Addr::LOCALHOST),
            deadline: Instant::now() + self.timeout.min(MAX_FLOW_TIMEOUT),
            read_timeout: self.read_timeout,
            commands: commands_rx,
            events: events_tx,
        };
        tokio::spawn(flow.run());
        Ok(CallbackListener {
            port,
            base_url,
            urls,
            events: events_rx,
            commands: commands_tx,
            ended: None,
        })
    }
}

fn loopback_url(port: u16, path: &str) -> Result<Url, LoopbackError> {
    Url::parse(&format!("http://{}:{port}{path}", Ipv4Addr::LOCALHOST)).map_err(|_| {
        LoopbackError::InvalidPath {
            path: path.to_owned(),
        }
    })
}

fn with_state(bare: &Url, state: &CallbackState) -> Url {
    let mut url = bare.clone();
    url.query_pairs_mut().append_pair("state", state.expose());
    url
}

struct RouteUrls {
    path: String,
    bare: Url,
    with_state: Option<Url>,
}

/// A running loopback listener for one sign-in flow; see the module documentation.
///
/// Dropping it ends the flow and closes the port (answering any browser still waiting with
/// the "ended" page).
pub struct CallbackListener {
    port: u16,
    base_url: Url,
    urls: Vec<RouteUrls>,
    events: mpsc::Receiver<Event>,
    commands: mpsc::Sender<Command>,
    ended: Option<End>,
}

impl CallbackListener {
    /// Starts describing a flow that ends with [`LoopbackError::TimedOut`] after `timeout`
    /// (at most [`MAX_FLOW_TIMEOUT`]), counted from [`CallbackListenerBuilder::bind`].
    pub fn builder(timeout: Duration) -> CallbackListenerBuilder {
        CallbackListenerBuilder {
            paths: Vec::new(),
            timeout,
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }

    /// The port bound on 127.0.0.1.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT/`.
    #[must_use]
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// `http://127.0.0.1:PORT/path`, for an OAuth `redirect_uri` (the provider adds `state`
    /// itself); `None` when `path` is not one of this flow's expected paths.
    #[must_use]
    pub fn callback_url(&self, path: &str) -> Option<&Url> {
        self.urls.iter().find(|u| u.path == path).map(|u| &u.bare)
    }

    /// `http://127.0.0.1:PORT/path?state=...`, for a return address that must carry its own
    /// `state` (Matrix SSO's `redirectUrl`, which the homeserver extends with `loginToken`);
    /// `None` when `path` is not one of this flow's expected paths, or its state is not set yet.
    #[must_use]
    pub fn callback_url_with_state(&self, path: &str) -> Option<&Url> {
        self.urls
            .iter()
            .find(|u| u.path == path)
            .and_then(|u| u.with_state.as_ref())
    }

    /// Sets the `state` of `path`, declared with
    /// [`CallbackListenerBuilder::path_awaiting_state`]; from now on a visit with it is served.
    /// A path's state is set once: a path that has one already, or is not expected, is refused.
    pub async fn set_state(
        &mut self,
        path: &str,
        state: CallbackState,
    ) -> Result<(), LoopbackError> {
        routes::check_state(path, &state)?;
        let known = self
            .urls
            .iter_mut()
            .find(|u| u.path == path && u.with_state.is_none())
            .ok_or_else(|| LoopbackError::InvalidPath {
                path: path.to_owned(),
            })?;
        known.with_state = Some(with_state(&known.bare, &state));
        self.commands
            .send(Command::SetState {
                path: path.to_owned(),
                state,
            })
            .await
            // The flow is over (timed out, cancelled): it serves nothing any more.
            .map_err(|_| LoopbackError::Stopped)
    }

    /// A handle that can cancel this flow from elsewhere (the UI), even while this listener
    /// is being awaited.
    #[must_use]
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle {
            commands: self.commands.clone(),
        }
    }

    /// Ends the flow as cancelled; the same as [`CancelHandle::cancel`].
    pub fn cancel(&self) {
        self.cancel_handle().cancel();
    }

    /// Waits for the next served callback, in the order the browser arrived.
    ///
    /// Once the flow has ended this keeps returning why: [`LoopbackError::Finished`] after every
    /// path was served and answered, [`LoopbackError::Cancelled`], [`LoopbackError::TimedOut`],
    /// or [`LoopbackError::Stopped`]. By then the port is closed. Callbacks already handed out
    /// come first, so a flow cancelled after a callback still yields that callback once.
    /// Cancel-safe: dropping this future loses nothing.
    pub async fn next_callback(&mut self) -> Result<Callback, LoopbackError> {
        if let Some(end) = self.ended {
            return Err(end_error(end));
        }
        let end = match self.events.recv().await {
            Some(Event::Callback(callback)) => return Ok(callback),
            Some(Event::Ended(end)) => end,
            // The task ended without a word: only a panic does that.
            None => End::Abandoned,
        };
        self.ended = Some(end);
        Err(end_error(end))
    }
}

fn end_error(end: End) -> LoopbackError {
    match end {
        End::Completed => LoopbackError::Finished,
        End::Cancelled => LoopbackError::Cancelled,
        End::TimedOut => LoopbackError::TimedOut,
        End::Abandoned => LoopbackError::Stopped,
    }
}

impl fmt::Debug for CallbackListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let paths: Vec<&str> = self.urls.iter().map(|u| u.path.as_str()).collect();
        f.debug_struct("CallbackListener")
            .field("base_url", &self.base_url.as_str())
            .field("paths", &paths)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// Cancels one flow; cheap to clone and safe to use after the flow has ended (it does nothing).
#[derive(Debug, Clone)]
pub struct CancelHandle {
    commands: mpsc::Sender<Command>,
}

impl CancelHandle {
    /// Ends the flow: the port closes, waiting browsers get the "ended" page and the listener
    /// reports [`LoopbackError::Cancelled`]. Does not wait; never blocks.
    pub fn cancel(&self) {
        // Full means a cancel is already queued; closed means the flow is already over.
        let _ = self.commands.try_send(Command::Cancel);
    }
}
