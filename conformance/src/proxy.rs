//! A TCP proxy between the app's pool and PostgreSQL that can be cut: an
//! outage of the database, for one test, without touching the server that
//! every other test is using.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Forwards every connection made to [`TcpProxy::addr`] to the upstream
/// server, until cut.
pub struct TcpProxy {
    /// `127.0.0.1:port` to connect to instead of the server.
    pub addr: String,
    state: Arc<ProxyState>,
    accepting: Option<JoinHandle<()>>,
}

struct ProxyState {
    upstream: String,
    /// How long every answer from the server is held back: a server far
    /// away, or a network that has slowed down.
    latency: Duration,
    cut: AtomicBool,
    stopping: AtomicBool,
    /// How many forwarded connections a cut closed under their users.
    reset: AtomicUsize,
    // Both ends of every forwarded connection, so that a cut can reset them.
    live: Mutex<Vec<TcpStream>>,
    /// Armed by [`TcpProxy::cut_at_next_commit`]: the next COMMIT a client
    /// sends ends its connection, at the moment chosen.
    commit_trap: Mutex<Option<CommitCut>>,
}

/// When a connection is cut around the COMMIT it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitCut {
    /// The COMMIT never reaches the server, which rolls the transaction
    /// back when the connection ends.
    BeforeTheServerHasIt,
    /// The server gets the COMMIT and commits; its answer never reaches
    /// the client.
    AfterTheServerHasIt,
}

/// What a client sends to commit: a simple-query message holding `COMMIT`
/// (`Q`, its length, the text and a NUL), as diesel sends it.
const COMMIT_MESSAGE: &[u8] = b"Q\0\0\0\x0bCOMMIT\0";

impl ProxyState {
    /// Closes every forwarded connection; returns how many (each counted
    /// once, though both of its ends are closed).
    fn close_live_connections(&self) -> usize {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        let closed = live.len() / 2;
        for stream in live.drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        closed
    }
}

impl TcpProxy {
    /// Starts forwarding to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> TcpProxy {
        TcpProxy::with_latency(upstream, Duration::ZERO)
    }

    /// Starts forwarding to `upstream`, holding back each chunk the server
    /// sends for `latency`.
    pub fn with_latency(upstream: &str, latency: Duration) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener
            .local_addr()
            .expect("the proxy's address")
            .to_string();
        let state = Arc::new(ProxyState {
            upstream: upstream.to_owned(),
            latency,
            cut: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            reset: AtomicUsize::new(0),
            live: Mutex::new(Vec::new()),
            commit_trap: Mutex::new(None),
        });
        let accepting = {
            let state = Arc::clone(&state);
            std::thread::spawn(move || accept_loop(&listener, &state))
        };
        TcpProxy {
            addr,
            state,
            accepting: Some(accepting),
        }
    }

    /// The database goes away: every open connection is closed under its
    /// user, and new ones are closed as soon as they are made.
    pub fn cut(&self) {
        self.state.cut.store(true, Ordering::SeqCst);
        let closed = self.state.close_live_connections();
        self.state.reset.fetch_add(closed, Ordering::SeqCst);
    }

    /// How many live connections the cuts so far have closed.
    pub fn connections_reset(&self) -> usize {
        self.state.reset.load(Ordering::SeqCst)
    }

    /// The next COMMIT any client sends of a transaction that inserted a
    /// row (a request's create, whose `INSERT INTO idempotency_keys` is sent
    /// as text every time) ends that client's connection, `when` says at
    /// which moment; later ones go through, and so do the COMMITs of
    /// transactions that only delete (the app's sweep of forgotten keys,
    /// which may run at any moment).
    pub fn cut_at_next_commit(&self, when: CommitCut) {
        *self
            .state
            .commit_trap
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(when);
    }

    /// True once the armed COMMIT trap has gone off.
    pub fn commit_trap_went_off(&self) -> bool {
        self.state
            .commit_trap
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// The database is back: new connections are forwarded again.
    pub fn restore(&self) {
        self.state.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.state.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees that it is to stop.
        let _ = TcpStream::connect(&self.addr);
        self.state.close_live_connections();
        if let Some(thread) = self.accepting.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, state: &Arc<ProxyState>) {
    for client in listener.incoming() {
        if state.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        if state.cut.load(Ordering::SeqCst) {
            // What a client sees of a server that is down or restarting:
            // the connection ends before the server says anything.
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        if let Err(error) = forward(client, state) {
            eprintln!("proxy: cannot reach {}: {error}", state.upstream);
        }
    }
}

fn forward(client: TcpStream, state: &Arc<ProxyState>) -> io::Result<()> {
    let upstream_addr = state
        .upstream
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::other("the upstream address resolves to nothing"))?;
    let server = TcpStream::connect_timeout(&upstream_addr, Duration::from_secs(5))?;
    {
        let mut live = state.live.lock().unwrap_or_else(PoisonError::into_inner);
        live.push(client.try_clone()?);
        live.push(server.try_clone()?);
    }
    // A cut that came while this connection was being made has already
    // closed the others: close this one too.
    if state.cut.load(Ordering::SeqCst) {
        state.close_live_connections();
        return Ok(());
    }
    // Set when a COMMIT was cut: nothing the server says reaches the client.
    let muted = Arc::new(AtomicBool::new(false));
    pump(
        client.try_clone()?,
        server.try_clone()?,
        Direction::ToServer(Arc::clone(state), Arc::clone(&muted)),
    );
    pump(
        server,
        client,
        Direction::ToClient {
            latency: state.latency,
            muted,
        },
    );
    Ok(())
}

/// Which way a [`pump`] copies, with what that direction needs.
enum Direction {
    /// The client's messages, watched for an armed COMMIT trap.
    ToServer(Arc<ProxyState>, Arc<AtomicBool>),
    /// The server's answers, each chunk `latency` late, dropped once muted.
    ToClient {
        latency: Duration,
        muted: Arc<AtomicBool>,
    },
}

/// Copies one direction until either side ends, then ends both, as a
/// dropped connection would.
fn pump(mut from: TcpStream, mut to: TcpStream, direction: Direction) {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 16 * 1024];
        // Whether the transaction under way inserted a row.
        let mut inserted = false;
        while let Ok(read @ 1..) = from.read(&mut chunk) {
            let data = &chunk[..read];
            match &direction {
                Direction::ToServer(state, muted) => {
                    if contains(data, b"BEGIN") {
                        inserted = false;
                    }
                    inserted |= contains(data, b"INSERT INTO");
                    if let Some(cut) = take_commit_trap(state, data, inserted) {
                        if cut == CommitCut::AfterTheServerHasIt {
                            muted.store(true, Ordering::SeqCst);
                            let _ = to.write_all(data);
                            // Time for the server to commit before the end.
                            std::thread::sleep(Duration::from_millis(300));
                        }
                        break;
                    }
                }
                Direction::ToClient { latency, muted } => {
                    std::thread::sleep(*latency);
                    if muted.load(Ordering::SeqCst) {
                        continue;
                    }
                }
            }
            if to.write_all(data).is_err() {
                break;
            }
        }
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// True when `data` holds `text`.
fn contains(data: &[u8], text: &[u8]) -> bool {
    data.windows(text.len()).any(|w| w == text)
}

/// The armed trap, disarmed, if `data` carries the COMMIT of a transaction
/// that `inserted` a row.
fn take_commit_trap(state: &ProxyState, data: &[u8], inserted: bool) -> Option<CommitCut> {
    let mut trap = state
        .commit_trap
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if inserted && contains(data, COMMIT_MESSAGE) {
        return trap.take();
    }
    None
}

/// The `host:port` of the server a URL names (port 5432 when it names
/// none); `None` for a URL that names no host, such as one for a socket.
pub fn server_address(url: &str) -> Option<String> {
    let (_, authority, _) = split_authority(url)?;
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host_port)| host_port);
    if host_port.is_empty() {
        return None;
    }
    // A port is what follows the last colon, unless that colon is inside
    // an IPv6 address in brackets.
    let has_port = host_port
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.contains(']'));
    Some(if has_port {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    })
}

/// `url` with the `host:port` of its server replaced by `addr`.
pub fn redirect_url(url: &str, addr: &str) -> Option<String> {
    let (scheme, authority, tail) = split_authority(url)?;
    let userinfo = authority
        .rsplit_once('@')
        .map_or(String::new(), |(userinfo, _)| format!("{userinfo}@"));
    Some(format!("{scheme}://{userinfo}{addr}{tail}"))
}

/// `scheme`, `user:password@host:port` and the rest of a URL.
fn split_authority(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    Some((scheme, authority, tail))
}

/// `url` with `password` as the password of its user (or as a `password`
/// parameter when it names no user).
pub fn with_password(url: &str, password: &str) -> String {
    let Some((scheme, authority, tail)) = split_authority(url) else {
        return url.to_owned();
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}://{user}:{password}@{host}{tail}")
        }
        None => {
            let separator = if tail.contains('?') { '&' } else { '?' };
            format!("{url}{separator}password={password}")
        }
    }
}
