//! The task that owns one flow: it accepts connections, judges each request, hands served
//! callbacks to the caller and closes the port when the flow ends.
//!
//! Each connection is read in its own task (bounded in size and time, so a slow or idle socket
//! such as a browser's speculative preconnect cannot hold up the others) and its parsed head is
//! sent here; only this task reads or changes which paths were served, so two requests can never
//! both be served for one path.
//!
//! At most [`MAX_CONNECTIONS`] are open at once. One arriving at the cap takes the place of the
//! oldest connection that has not yet sent a whole request head, which is closed unanswered: any
//! local program can open idle sockets, and without this a few dozen of them would keep the
//! browser out until their read timeouts ran out. Only when every open connection has sent its
//! head (and will be answered shortly) is the newcomer closed instead.
//!
//! When the flow ends the listening socket is dropped first, then answers still owed are finished
//! (on completion) or replaced by the "ended" page (on cancellation, timeout, or when the caller
//! went away), and only then does the caller hear the end. The public handle in `mod.rs` talks to
//! this task only through channels.

use std::{collections::VecDeque, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::{mpsc, oneshot, watch},
    task::JoinSet,
    time::{self, Instant},
};

use super::{
    callback::Callback,
    request::{parse_head, read_head, HeadError, RequestHead},
    response::{render_reply, render_stock, Reply, StockPage},
    routes::Routes,
};

/// At most this many connections are read or answered at once; see the module documentation
/// for what happens to one more.
const MAX_CONNECTIONS: usize = 32;
/// Connections closed to make room still count until their task has run and gone; past this
/// many in all, new ones are closed unanswered, so a flood cannot outrun the closing.
const MAX_TASKS: usize = 2 * MAX_CONNECTIONS;
/// After an answer is sent, unread input is drained (up to this much) so that closing the
/// socket does not reset the connection before the browser has read the answer.
const LINGER_BYTES: usize = 256 * 1024;
const LINGER_TIME: Duration = Duration::from_secs(1);
/// How long answers still being written may take once a flow is cancelled or timed out.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// A pause after a failed `accept` (for example, out of file descriptors) to avoid spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// What the handle asks of the task.
#[derive(Debug)]
pub(super) enum Command {
    /// The user gave up.
    Cancel,
    /// A path's `state`, set after binding.
    SetState {
        path: String,
        state: super::routes::CallbackState,
    },
}

/// What the task tells the handle, in order: callbacks, then exactly one end.
#[derive(Debug)]
pub(super) enum Event {
    Callback(Callback),
    Ended(End),
}

/// How a flow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// Every expected path was served and answered.
    Completed,
    /// A cancel handle was used.
    Cancelled,
    /// The overall timeout passed.
    TimedOut,
    /// The caller dropped the listener handle; nobody is told.
    Abandoned,
}

/// Where the flow is, as connection tasks see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Accepting and serving.
    Open,
    /// All paths served: stop reading new requests, but finish the answers still owed.
    Closing,
    /// Cancelled, timed out or abandoned: answer everyone still waiting with the "ended" page.
    Aborting,
}

/// A parsed request waiting for this task's verdict.
struct Incoming {
    head: RequestHead,
    verdict: oneshot::Sender<Verdict>,
}

enum Verdict {
    Refuse(StockPage),
    /// Served: the caller's reply will arrive here.
    Serve(oneshot::Receiver<Reply>),
}

/// Everything one flow task owns.
pub(super) struct Flow {
    pub(super) listener: TcpListener,
    pub(super) routes: Routes,
    /// The only `Host` header accepted: `127.0.0.1:PORT`.
    pub(super) own_host: String,
    pub(super) deadline: Instant,
    pub(super) read_timeout: Duration,
    pub(super) commands: mpsc::Receiver<Command>,
    pub(super) events: mpsc::Sender<Event>,
}

impl Flow {
    /// Runs the flow to its end; spawn it.
    pub(super) async fn run(self) {
        let Self {
            listener,
            mut routes,
            own_host,
            deadline,
            read_timeout,
            mut commands,
            events,
        } = self;
        let (phase_tx, phase_rx) = watch::channel(Phase::Open);
        let (incoming_tx, mut incoming_rx) = mpsc::channel::<Incoming>(MAX_CONNECTIONS);
        let mut connections = JoinSet::new();
        let mut unread = Unread::default();
        let expiry = time::sleep_until(deadline);
        tokio::pin!(expiry);

        let mut end = loop {
            if routes.all_served() {
                break End::Completed;
            }
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(Command::Cancel) => break End::Cancelled,
                    Some(Command::SetState { path, state }) => {
                        let set = routes
                            .index_of(&path)
                            .is_some_and(|index| routes.set_state(index, state));
                        if !set {
                            log::warn!("loopback listener: the state of {path:?} was already set");
                        }
                    }
                    None => break End::Abandoned,
                },
                () = &mut expiry => break End::TimedOut,
                () = events.closed() => break End::Abandoned,
                Some(incoming) = incoming_rx.recv() => {
                    if let Err(end) = dispatch(&mut routes, &own_host, &events, incoming) {
                        break end;
                    }
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = listener.accept() => match accepted {
                    Ok((stream, _peer)) if has_room(connections.len(), &mut unread) => {
                        let (evict_tx, evict_rx) = oneshot::channel();
                        unread.push(evict_tx);
                        let connection = Connection {
                            incoming: incoming_tx.clone(),
                            phase: phase_rx.clone(),
                            read_timeout,
                        };
                        connections.spawn(connection.serve(stream, evict_rx));
                    }
                    Ok((stream, _peer)) => {
                        log::warn!(
                            "loopback listener: too many connections with requests in hand; \
                             closing a new one unanswered"
                        );
                        drop(stream);
                    }
                    Err(error) => {
                        log::warn!("loopback listener: accepting a connection failed: {error}");
                        time::sleep(ACCEPT_BACKOFF).await;
                    }
                },
            }
        };

        // The port stops accepting now; requests not yet judged get the "ended" page.
        drop(listener);
        drop(incoming_rx);
        drop(incoming_tx);

        if end == End::Completed {
            phase_tx.send_replace(Phase::Closing);
            end = finish_owed_answers(&mut connections, &mut commands, &mut expiry).await;
        }
        if end != End::Completed {
            phase_tx.send_replace(Phase::Aborting);
            let drained = time::timeout(SHUTDOWN_GRACE, async {
                while connections.join_next().await.is_some() {}
            });
            if drained.await.is_err() {
                log::debug!(
                    "loopback listener: aborting connections that outlived the grace period"
                );
            }
            connections.abort_all();
        }
        log::debug!("loopback listener: flow ended ({end:?})");
        // The channel has room for one event per route plus this one, so this cannot be full.
        if events.try_send(Event::Ended(end)).is_err() && end != End::Abandoned {
            log::debug!("loopback listener: nobody is left to hear that the flow ended");
        }
    }
}

/// Whether one more connection may be served, next to `tasks` already running: below the cap
/// always, at the cap only by closing the oldest one still sending its head.
fn has_room(tasks: usize, unread: &mut Unread) -> bool {
    tasks < MAX_CONNECTIONS || (tasks < MAX_TASKS && unread.close_oldest())
}

/// The connections that have not yet sent a whole request head, oldest first, each as the way
/// to tell it to close.
///
/// A connection drops its end once its head has arrived (or it gave up), which is how this
/// tells the idle ones from those with a request in hand: only idle ones are ever closed, so a
/// browser whose request has arrived is always answered.
#[derive(Default)]
struct Unread {
    oldest_first: VecDeque<oneshot::Sender<()>>,
}

impl Unread {
    fn push(&mut self, evict: oneshot::Sender<()>) {
        // Forget connections that have moved on, so this stays as short as the connections.
        self.oldest_first.retain(|evict| !evict.is_closed());
        self.oldest_first.push_back(evict);
    }

    /// Tells the oldest idle connection to close; `false` when none is idle.
    fn close_oldest(&mut self) -> bool {
        while let Some(evict) = self.oldest_first.pop_front() {
            if evict.send(()).is_ok() {
                return true;
            }
        }
        false
    }
}

/// After the last path was served: waits for the owed answers to be written, unless the user
/// cancels or the deadline passes first.
async fn finish_owed_answers(
    connections: &mut JoinSet<()>,
    commands: &mut mpsc::Receiver<Command>,
    expiry: &mut std::pin::Pin<&mut time::Sleep>,
) -> End {
    let mut commands_open = true;
    loop {
        tokio::select! {
            biased;
            command = commands.recv(), if commands_open => match command {
                Some(Command::Cancel) => return End::Cancelled,
                // Every path is served: a late state changes nothing.
                Some(Command::SetState { .. }) => {}
                // The handle is gone, but a caller may still hold its last callback.
                None => commands_open = false,
            },
            () = expiry.as_mut() => return End::TimedOut,
            joined = connections.join_next() => if joined.is_none() {
                return End::Completed;
            },
        }
    }
}

/// Judges one request. Only an accepted request changes state, and only after the caller
/// has been handed its callback.
fn dispatch(
    routes: &mut Routes,
    own_host: &str,
    events: &mpsc::Sender<Event>,
    incoming: Incoming,
) -> Result<(), End> {
    let Incoming { head, verdict } = incoming;
    let accepted = match routes.judge(&head, own_host) {
        Ok(accepted) => accepted,
        Err(page) => {
            log::debug!(
                "loopback listener: refused {} {:?}: {page:?}",
                head.method.escape_debug(),
                head.path
            );
            // The connection may have gone already; nothing to do then.
            let _ = verdict.send(Verdict::Refuse(page));
            return Ok(());
        }
    };
    let path = routes.path(accepted.index).unwrap_or_default().to_owned();
    let (reply_tx, reply_rx) = oneshot::channel();
    if events
        .try_send(Event::Callback(Callback::new(
            path,
            accepted.query,
            reply_tx,
        )))
        .is_err()
    {
        let _ = verdict.send(Verdict::Refuse(StockPage::FlowEnded));
        return Err(End::Abandoned);
    }
    routes.mark_served(accepted.index);
    let _ = verdict.send(Verdict::Serve(reply_rx));
    Ok(())
}

/// One browser connection: read a head, get a verdict, write one answer, close.
struct Connection {
    incoming: mpsc::Sender<Incoming>,
    phase: watch::Receiver<Phase>,
    read_timeout: Duration,
}

impl Connection {
    /// Serves one connection; `evict` closes it unanswered if it fires before the head is in.
    async fn serve(mut self, mut stream: TcpStream, evict: oneshot::Receiver<()>) {
        if let Some(answer) = self.answer(&mut stream, evict).await {
            self.write_and_close(stream, &answer).await;
        }
    }

    /// The bytes to send back, or `None` to close without answering.
    async fn answer(
        &mut self,
        stream: &mut TcpStream,
        mut evict: oneshot::Receiver<()>,
    ) -> Option<Vec<u8>> {
        let read = tokio::select! {
            read = time::timeout(self.read_timeout, read_head(stream)) => read,
            // A connection still being read when the flow ends has nothing worth answering.
            () = wait_for_phase(&mut self.phase, |phase| phase != Phase::Open) => return None,
            // Room was needed for a newer connection, and this one had sent no request yet.
            Ok(()) = &mut evict => return None,
        };
        // From here on this connection is never closed to make room: it has a request in hand.
        drop(evict);
        let head = match read {
            Err(_elapsed) => return Some(render_stock(StockPage::SlowRequest)),
            Ok(Err(HeadError::Incomplete)) => return None,
            Ok(Err(error)) => return Some(render_stock(stock_page_for(error))),
            Ok(Ok(bytes)) => match parse_head(&bytes) {
                Ok(head) => head,
                Err(error) => return Some(render_stock(stock_page_for(error))),
            },
        };
        let (verdict_tx, verdict_rx) = oneshot::channel();
        let incoming = Incoming {
            head,
            verdict: verdict_tx,
        };
        if self.incoming.send(incoming).await.is_err() {
            return Some(render_stock(StockPage::FlowEnded));
        }
        let reply_rx = match verdict_rx.await {
            Ok(Verdict::Serve(reply_rx)) => reply_rx,
            Ok(Verdict::Refuse(page)) => return Some(render_stock(page)),
            Err(_) => return Some(render_stock(StockPage::FlowEnded)),
        };
        tokio::select! {
            // A reply sent just before the flow ended is still the answer: the caller often
            // replies and then drops the listener at once, and both are ready together.
            biased;
            reply = reply_rx => Some(match reply {
                Ok(reply) => render_reply(&reply),
                Err(_) => render_stock(StockPage::NoAnswer),
            }),
            () = wait_for_phase(&mut self.phase, |phase| phase == Phase::Aborting) => {
                Some(render_stock(StockPage::FlowEnded))
            }
        }
    }

    async fn write_and_close(&self, mut stream: TcpStream, answer: &[u8]) {
        let written = time::timeout(self.read_timeout, async {
            stream.write_all(answer).await?;
            stream.shutdown().await
        })
        .await;
        if !matches!(written, Ok(Ok(()))) {
            return;
        }
        // Read (and discard) what the client still sends, briefly, so the close is clean.
        let mut sink = [0_u8; 4096];
        let mut drained = 0;
        let _ = time::timeout(LINGER_TIME, async {
            while drained < LINGER_BYTES {
                match stream.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(read) => drained += read,
                }
            }
        })
        .await;
    }
}

/// Resolves once the phase satisfies `reached`, or the flow task is gone.
async fn wait_for_phase(phase: &mut watch::Receiver<Phase>, reached: impl Fn(Phase) -> bool) {
    let _ = phase.wait_for(|&current| reached(current)).await;
}

fn stock_page_for(error: HeadError) -> StockPage {
    match error {
        HeadError::RequestLineTooLong => StockPage::RequestLineTooLong,
        HeadError::HeadersTooLarge => StockPage::HeadersTooLarge,
        HeadError::Malformed | HeadError::Incomplete => StockPage::Malformed,
    }
}
