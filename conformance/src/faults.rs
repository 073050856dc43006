//! Faults the app must survive under load: the database going away, a
//! client hanging up mid-request, a stop signal, many writers at once on
//! SQLite. Each case drives a real server over TCP from client threads,
//! counts every answer by status and checks the rows against the 201s, so
//! that nothing the server acknowledged is lost.
//!
//! Every case prints its counts on standard error (`--nocapture` shows them).

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::http::{StatusCode, header};
use actix_web::test::TestRequest;
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use futures_util::future::{Either, join_all, select};
use serde_json::json;
use shared::schema::users;
use web_db::database_url::DatabaseUrl;
use web_db::{AppError, DbConnection, DbSession};
use web_db::{PoolSettings, engine};

use crate::app::{TestApp, app_name};
use crate::cli;
use crate::db::{Backend, TEST_POOL, TestDb, pool_is_idle};
use crate::hook::insert_user_named;
use crate::proxy::{TcpProxy, redirect_url, server_address};
use crate::server::{AppFactory, HttpReply, exchange, request_bytes, send, serve};

// ---- counting --------------------------------------------------------------

/// How many answers of each kind a run saw: a status, or `no reply`.
#[derive(Debug, Default, Clone)]
pub struct Tally(BTreeMap<String, usize>);

impl Tally {
    /// Counts one answer (or its absence).
    pub fn add(&mut self, reply: &Result<HttpReply, String>) {
        self.add_key(match reply {
            Ok(reply) => reply.status.to_string(),
            Err(_) => "no reply".to_owned(),
        });
    }

    /// Counts one answer under `key`: its status, or `no reply`.
    pub fn add_key(&mut self, key: impl Into<String>) {
        *self.0.entry(key.into()).or_default() += 1;
    }

    /// Adds the answers `other` counted.
    pub fn merge(&mut self, other: &Tally) {
        for (key, n) in &other.0 {
            *self.0.entry(key.clone()).or_default() += n;
        }
    }

    /// How many answers had this status.
    pub fn count(&self, status: u16) -> usize {
        self.0.get(&status.to_string()).copied().unwrap_or(0)
    }

    /// Every answer counted.
    pub fn total(&self) -> usize {
        self.0.values().sum()
    }

    /// How many requests got no answer.
    pub fn no_reply(&self) -> usize {
        self.0.get("no reply").copied().unwrap_or(0)
    }

    /// How many answers were 5xx.
    pub fn server_errors(&self) -> usize {
        self.0
            .iter()
            .filter(|(key, _)| key.starts_with('5'))
            .map(|(_, n)| n)
            .sum()
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, n)| format!("{k}×{n}")).collect();
        write!(f, "{} requests ({})", self.total(), parts.join(", "))
    }
}

/// A name for a user that no other request of the run uses.
pub(crate) fn unique_user(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

pub(crate) fn user_json(name: &str) -> String {
    json!({ "name": name, "email": format!("{name}@example.com") }).to_string()
}

/// The ids of the 201 answers, and whether each is in the table: every
/// acknowledged create must be.
fn missing_rows(db: &TestDb, created: &[i64]) -> Vec<i64> {
    let found: HashSet<i64> = db
        .pool
        .read_blocking(|conn| {
            users::table
                .select(users::id)
                .filter(users::id.eq_any(created))
                .load::<i64>(conn)
        })
        .expect("read the created ids")
        .into_iter()
        .collect();
    created
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect()
}

pub(crate) fn created_id(reply: &HttpReply) -> i64 {
    reply.json()["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a 201 without an id: {}", reply.text()))
}

/// Waits until `condition` holds, at most `timeout`; returns whether it did.
fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---- probes: handlers that stop at a known point --------------------------

/// Routes for the fault cases (mounted with [`crate::hook::probe_routes`]).
pub fn probe_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/__probe/commit-then-wait/{tag}",
        web::post().to(commit_then_wait),
    )
    .route("/__probe/slow-write/{tag}", web::post().to(slow_write));
}

/// How long the probes wait between their database steps: long enough
/// for a client to hang up in between.
const PROBE_WAIT: Duration = Duration::from_millis(500);

/// What the probes have done so far, as `"{tag}: {event}"` lines. Global,
/// so tags are unique per request.
static PROBE_EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static PROBE_EVENT_ADDED: Condvar = Condvar::new();

fn note(tag: &str, event: &str) {
    let mut events = PROBE_EVENTS.lock().unwrap_or_else(PoisonError::into_inner);
    events.push(format!("{tag}: {event}"));
    PROBE_EVENT_ADDED.notify_all();
}

/// Waits for the probe of `tag` to note one of `events`; returns which.
fn wait_for_note(tag: &str, events: &[&str], timeout: Duration) -> Option<String> {
    let deadline = Instant::now() + timeout;
    let wanted: Vec<String> = events.iter().map(|e| format!("{tag}: {e}")).collect();
    let mut noted = PROBE_EVENTS.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if let Some(found) = noted.iter().find(|line| wanted.contains(line)) {
            return Some(found.clone());
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        noted = PROBE_EVENT_ADDED
            .wait_timeout(noted, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// Notes `dropped` if the handler's future is dropped before it answers:
/// the server gave up on the request.
struct NoteIfDropped(Option<String>);

impl NoteIfDropped {
    fn answered(mut self) {
        if let Some(tag) = self.0.take() {
            note(&tag, "answered");
        }
    }
}

impl Drop for NoteIfDropped {
    fn drop(&mut self) {
        if let Some(tag) = self.0.take() {
            note(&tag, "dropped");
        }
    }
}

/// Commits a user, then takes its time before answering.
async fn commit_then_wait(
    session: DbSession,
    tag: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tag = tag.into_inner();
    let guard = NoteIfDropped(Some(tag.clone()));
    let user = tag.clone();
    session
        .write(move |conn| insert_user_named(conn, &user))
        .await?;
    note(&tag, "committed");
    actix_web::rt::time::sleep(PROBE_WAIT).await;
    guard.answered();
    Ok(HttpResponse::Ok().json(json!({ "tag": tag })))
}

/// A write of two users that takes its time between them: a client can hang
/// up, or the request be given up on, while it is half done.
async fn slow_write(session: DbSession, tag: web::Path<String>) -> Result<HttpResponse, AppError> {
    let tag = tag.into_inner();
    let guard = NoteIfDropped(Some(tag.clone()));
    let (first, second) = (tag.clone(), format!("{tag}-second"));
    let noted = tag.clone();
    session
        .write(move |conn| {
            insert_user_named(conn, &first)?;
            note(&noted, "written");
            std::thread::sleep(PROBE_WAIT);
            insert_user_named(conn, &second)
        })
        .await?;
    guard.answered();
    Ok(HttpResponse::Ok().json(json!({ "tag": tag })))
}

fn count_named(db: &TestDb, name: &str) -> i64 {
    let name = name.to_owned();
    db.pool
        .read_blocking(move |conn| {
            users::table
                .filter(users::name.eq(&name))
                .count()
                .get_result(conn)
        })
        .expect("count users by name")
}

/// How many of a slow write's two users are in the table: 0 or 2, never 1.
fn slow_write_rows(db: &TestDb, tag: &str) -> i64 {
    let rows = count_named(db, tag) + count_named(db, &format!("{tag}-second"));
    assert!(rows != 1, "{tag}: half a write was kept");
    rows
}

// ---- a client hangs up -----------------------------------------------------

/// Clients that hang up mid-request: one after its handler committed, one
/// while its write is half done, one halfway through sending its body.
/// Every connection goes back to the pool, none is left in a transaction,
/// the committed write stays, the half-done write is kept whole or not at
/// all, a half-sent body stores nothing, and the server serves on.
///
/// Actix does not notice a client that hangs up while a handler runs: the
/// handler finishes, and commits, for nobody. That is allowed; what is
/// checked is that the table agrees with what each handler did (its write
/// is there if and only if it finished). A handler that is dropped
/// mid-write is [`a_request_dropped_mid_write_keeps_all_of_it_or_nothing`].
pub fn a_client_that_hangs_up_leaks_no_connection_and_loses_no_commit<F: AppFactory>(
    app: F,
    db: TestDb,
) {
    let server = serve(app, db.pool.clone());
    let committed = unique_user("gone-after-commit-");
    let in_transaction = unique_user("gone-mid-write-");

    let hang_up_after = |probe: &str, tag: &str, event: &str| {
        let mut stream = TcpStream::connect(&server.addr).expect("connect");
        stream
            .write_all(&request_bytes(
                "POST",
                &format!("/__probe/{probe}/{tag}"),
                None,
            ))
            .expect("send the request");
        assert!(
            wait_for_note(tag, &[event], Duration::from_secs(10)).is_some(),
            "{tag}: the probe never got to {event:?}"
        );
        drop(stream);
    };
    hang_up_after("commit-then-wait", &committed, "committed");
    hang_up_after("slow-write", &in_transaction, "written");

    // Headers and half the body, then gone.
    let mut stream = TcpStream::connect(&server.addr).expect("connect");
    let body = user_json("half-sent");
    write!(
        stream,
        "POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..body.len() / 2]
    )
    .expect("send half a request");
    std::thread::sleep(Duration::from_millis(100));
    drop(stream);

    let handler_end = |tag: &str| {
        wait_for_note(
            tag,
            &["dropped", "answered"],
            PROBE_WAIT + Duration::from_secs(5),
        )
        .unwrap_or_else(|| panic!("{tag}: the handler neither finished nor was dropped"))
    };
    let ends = [handler_end(&committed), handler_end(&in_transaction)];
    let pool_idle = eventually(Duration::from_secs(5), || db.pool_is_idle());
    let finished = ends[1].ends_with("answered");
    eprintln!(
        "client hang-up [{} {:?}]: 3 requests cut (after a commit, mid-write, \
         mid-body), 0 answers read; handlers: {ends:?}; rows: {} (committed: {}, \
         mid-write: {} of 2, half-sent: {}); rows lost: {}; pool idle: {pool_idle}",
        app_name(),
        db.backend,
        db.count_users(),
        count_named(&db, &committed),
        slow_write_rows(&db, &in_transaction),
        count_named(&db, "half-sent"),
        1 - count_named(&db, &committed),
    );
    assert!(
        pool_idle,
        "a connection leaked: {:?} (connections, idle)",
        (
            db.pool.state().connections,
            db.pool.state().idle_connections
        )
    );
    assert_eq!(
        db.connections_idle_in_transaction(),
        0,
        "idle in transaction"
    );
    assert_eq!(
        count_named(&db, &committed),
        1,
        "a committed write was lost"
    );
    assert_eq!(
        slow_write_rows(&db, &in_transaction),
        2 * i64::from(finished),
        "the table disagrees with the handler ({})",
        ends[1]
    );
    assert_eq!(count_named(&db, "half-sent"), 0, "half a body was stored");

    let reply = send(&server.addr, "GET", "/users", None).expect("the server serves on");
    assert_eq!(reply.status, 200, "{}", reply.text());
}

/// A request given up on while its write is half done (a timeout around
/// the call, a forced shutdown): the handler's future is dropped. A write
/// never spans an `.await`, so the write, already handed to the database,
/// runs to its end and commits whole, with nobody to answer; it is never
/// half kept, no connection is left in a transaction, and the app serves on.
pub async fn a_request_dropped_mid_write_keeps_all_of_it_or_nothing(app: &TestApp) {
    let tag = unique_user("dropped-");
    let request =
        Box::pin(app.send(TestRequest::post().uri(&format!("/__probe/slow-write/{tag}"))));
    let written = Box::pin(async {
        while wait_for_note(&tag, &["written"], Duration::ZERO).is_none() {
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
    });
    match select(request, written).await {
        Either::Left((reply, _)) => panic!("the probe answered before it wrote: {reply:?}"),
        // Dropping the request's future here is what giving up on it means.
        Either::Right(((), request)) => drop(request),
    }
    assert_eq!(
        wait_for_note(&tag, &["dropped", "answered"], Duration::ZERO).as_deref(),
        Some(format!("{tag}: dropped").as_str())
    );
    // The write goes on without its request; wait for it to end.
    let write_ended =
        eventually_async(|| app.db.pool_is_idle() && slow_write_rows(&app.db, &tag) == 2).await;
    let gone_in_transaction =
        eventually_async(|| app.db.connections_idle_in_transaction() == 0).await;
    eprintln!(
        "request dropped mid-write [{} {:?}]: rows of the write: {} of 2; pool: {:?}",
        app_name(),
        app.db.backend,
        slow_write_rows(&app.db, &tag),
        app.db.pool.state()
    );
    assert!(write_ended, "the write was neither kept whole nor ended");
    assert!(
        gone_in_transaction,
        "a connection stayed idle in transaction"
    );
    app.create_user("ada", "ada@example.com").await;
    assert_eq!(app.db.count_users(), 3);
}

/// [`eventually`] for async cases: gives the server a chance to run
/// between checks. Up to 5 s.
async fn eventually_async(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() {
        if Instant::now() >= deadline {
            return false;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

// ---- PostgreSQL goes away --------------------------------------------------

/// How long the database is unreachable.
const OUTAGE: Duration = Duration::from_millis(1000);
/// The longest the service may take to recover once it is back.
const RECOVERY: Duration = Duration::from_millis(1500);

/// One request of a load run: when it started (since the run began), how
/// long it took, and what came back.
struct Outcome {
    started: Duration,
    took: Duration,
    reply: Result<HttpReply, String>,
}

/// PostgreSQL becomes unreachable for a second under load (a proxy between
/// the pool and the server resets every connection and refuses new ones,
/// as a restart would), then comes back. During the outage every request
/// gets an answer within the checkout timeout: a success, a JSON 503 with
/// `Retry-After` (nothing was written), or, for a write cut off during its
/// `COMMIT`, the JSON 500 that says its outcome is unknown; never another
/// 500 and never a hang. Once the server is
/// back the pool replaces the broken connections and every request
/// succeeds again within 1.5 s, with no restart of the app. Every 201 is
/// in the table, and the pool ends idle. How many requests see the outage
/// depends on timing (requests that wait for a connection may get one in
/// time): what proves the outage happened is the proxy, which counts the
/// live connections it reset.
pub fn a_database_outage_answers_503_then_recovers<F: AppFactory>(app: F, db: TestDb) {
    let upstream = server_address(&db.url).expect("TEST_DATABASE_URL names a host and port");
    let proxy = TcpProxy::start(&upstream);
    let url = redirect_url(&db.url, &proxy.addr).expect("a URL through the proxy");
    serves_through_an_outage(app, &db, &url, "proxy cut", || {
        proxy.cut();
        std::thread::sleep(OUTAGE);
        proxy.restore();
    });
    assert!(
        proxy.connections_reset() > 0,
        "the cut reset no connection: the outage did not happen"
    );
}

/// The variable holding the command that restarts the PostgreSQL server,
/// for [`a_real_postgres_restart_answers_503_then_recovers`].
pub const RESTART_COMMAND_ENV: &str = "PG_RESTART_COMMAND";

/// The same outage as [`a_database_outage_answers_503_then_recovers`], made
/// by really restarting the server with the shell command in
/// `PG_RESTART_COMMAND` (e.g. `pg_ctlcluster 15 main restart`). It restarts
/// the server every other test uses, so it is listed as ignored unless that
/// variable was set when the tests were built, and runs alone: `just outage-drill`.
/// Zero failed requests across
/// the restart is the best outcome, not a failure: the server's start time,
/// read before and after, proves that the restart happened.
pub fn a_real_postgres_restart_answers_503_then_recovers<F: AppFactory>(app: F, db: TestDb) {
    let Some(command) = std::env::var(RESTART_COMMAND_ENV)
        .ok()
        .filter(|c| !c.is_empty())
    else {
        panic!(
            "set {RESTART_COMMAND_ENV} (see `just outage-drill`) to restart PostgreSQL under load"
        );
    };
    let url = db.url.clone();
    let started_before = db.server_started_at();
    serves_through_an_outage(app, &db, &url, "server restart", || {
        let status = std::process::Command::new("sh")
            .args(["-c", &command])
            .status()
            .expect("run the restart command");
        assert!(status.success(), "{command:?} failed: {status}");
    });
    let started_after = db.server_started_at();
    eprintln!("server started at {started_before}, then at {started_after}");
    assert_ne!(
        started_before, started_after,
        "{command:?} did not restart the server"
    );
}

/// True for the answer to a write whose outcome is unknown: a JSON 500 that
/// says so and asks for a retry with the same `Idempotency-Key`.
fn outcome_unknown(reply: &HttpReply) -> bool {
    reply.is_json_error()
        && reply.header("retry-after").is_none()
        && reply.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("may or may not") && e.contains("Idempotency-Key"))
}

/// Drives the app over a pool on `url` from a few clients, runs `interrupt`
/// (which returns when the database is back), and checks every answer.
fn serves_through_an_outage<F: AppFactory>(
    app: F,
    db: &TestDb,
    url: &str,
    how: &str,
    interrupt: impl FnOnce(),
) {
    let pool = engine(&DatabaseUrl::parse(url).expect("a URL"), &TEST_POOL)
        .expect("a pool on the database");
    let server = serve(app, pool.clone());

    let clients = 4;
    let begun = Instant::now();
    let stop = AtomicBool::new(false);
    let (cut_at, restored_at, outcomes) = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..clients)
            .map(|_| {
                let (addr, stop) = (&server.addr, &stop);
                scope.spawn(move || {
                    let mut outcomes = Vec::new();
                    for i in 0.. {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let request = if i % 2 == 0 {
                            request_bytes("POST", "/users", Some(&user_json(&unique_user("o"))))
                        } else {
                            request_bytes("GET", "/users?per_page=5", None)
                        };
                        let started = begun.elapsed();
                        let reply = exchange(addr, &request, Duration::from_secs(10))
                            .map_err(|e| e.to_string());
                        outcomes.push(Outcome {
                            started,
                            took: begun.elapsed() - started,
                            reply,
                        });
                    }
                    outcomes
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(300));
        let cut_at = begun.elapsed();
        interrupt();
        let restored_at = begun.elapsed();
        std::thread::sleep(RECOVERY + Duration::from_millis(500));
        stop.store(true, Ordering::SeqCst);
        let outcomes: Vec<Outcome> = threads
            .into_iter()
            .flat_map(|t| t.join().expect("a client thread"))
            .collect();
        (cut_at, restored_at, outcomes)
    });

    let phase = |o: &Outcome| {
        if o.started + o.took < cut_at {
            "before"
        } else if o.started < restored_at {
            "outage"
        } else if o.started < restored_at + RECOVERY {
            "recovery"
        } else {
            "after"
        }
    };
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for outcome in &outcomes {
        tallies
            .entry(phase(outcome))
            .or_default()
            .add(&outcome.reply);
    }
    let recovered_in = outcomes
        .iter()
        .filter(|o| o.started >= restored_at)
        .filter(|o| o.reply.as_ref().is_ok_and(|r| r.status < 300))
        .map(|o| o.started + o.took - restored_at)
        .min();
    let created: Vec<i64> = outcomes
        .iter()
        .filter_map(|o| o.reply.as_ref().ok())
        .filter(|r| r.status == 201)
        .map(created_id)
        .collect();
    let lost = missing_rows(db, &created);
    let rows = db.count_users();
    let pool_idle = eventually(Duration::from_secs(5), || pool_is_idle(&pool));
    eprintln!(
        "database outage by {how} [{} postgres]: {} clients, cut at {cut_at:.1?} for {:.1?}; \
         before: {}; outage: {}; recovery: {}; after: {}; recovered {recovered_in:.2?} after \
         the restore; 201s: {}, rows: {rows}, rows lost: {}; pool idle: {pool_idle}",
        app_name(),
        clients,
        restored_at - cut_at,
        tallies.get("before").cloned().unwrap_or_default(),
        tallies.get("outage").cloned().unwrap_or_default(),
        tallies.get("recovery").cloned().unwrap_or_default(),
        tallies.get("after").cloned().unwrap_or_default(),
        created.len(),
        lost.len()
    );

    let give_up = TEST_POOL.checkout_timeout + Duration::from_millis(1500);
    for outcome in &outcomes {
        let reply = outcome
            .reply
            .as_ref()
            .unwrap_or_else(|e| panic!("a request got no answer ({}): {e}", phase(outcome)));
        assert!(
            outcome.took < give_up,
            "an answer took {:?}, past the checkout timeout ({})",
            outcome.took,
            phase(outcome)
        );
        match reply.status {
            200 | 201 => {}
            503 => {
                assert!(reply.is_json_error(), "{reply:?}");
                assert_eq!(reply.header("retry-after"), Some("1"), "{reply:?}");
            }
            // A write whose COMMIT was on its way when the connection went:
            // it may have been saved, and the answer says so, with no
            // Retry-After to invite a blind retry.
            500 if outcome_unknown(reply) => {}
            _ => panic!("during a database outage: {reply:?}"),
        }
        if phase(outcome) == "after" {
            assert!(
                reply.status < 300,
                "not recovered {RECOVERY:?} after the restore: {reply:?}"
            );
        }
    }
    let after = tallies.get("after").cloned().unwrap_or_default();
    assert!(after.total() > 0, "no request after the recovery");
    assert!(lost.is_empty(), "acknowledged creates lost: {lost:?}");
    assert!(pool_idle, "connections still checked out");
    assert_eq!(
        db.connections_idle_in_transaction(),
        0,
        "idle in transaction"
    );
    drop(server);
    drop(pool);
}

// ---- a stop signal under load ----------------------------------------------

/// `kill` (SIGTERM) under load: the server stops accepting, finishes the
/// request in flight, exits with success, and loses no acknowledged write.
pub fn sigterm_under_load_loses_no_acknowledged_write(binary: &str, backend: Backend) {
    a_stop_signal_under_load_loses_nothing(binary, backend, "TERM");
}

/// Ctrl-C (SIGINT) under load: the same graceful stop as SIGTERM, not
/// actix-server's own forced one, which drops the requests in flight.
pub fn ctrl_c_under_load_loses_no_acknowledged_write(binary: &str, backend: Backend) {
    a_stop_signal_under_load_loses_nothing(binary, backend, "INT");
}

/// Eight clients create users as fast as they can; one more has sent the
/// headers of a create and half its body. Then the server gets `signal`.
/// It stops accepting connections, still finishes the request in flight
/// (the half-sent one gets its 201 once the rest of its body arrives),
/// exits with success, and the table holds exactly the users answered 201:
/// none lost, none written for a request that was not answered.
fn a_stop_signal_under_load_loses_nothing(binary: &str, backend: Backend, signal: &str) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let mut server = cli::start(binary, &db.url);
    let addr = server.addr.clone();
    let signalled = AtomicBool::new(false);
    let clients = 8;

    let mut in_flight = TcpStream::connect(&addr).expect("connect");
    in_flight
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a timeout");
    let body = user_json(&unique_user("in-flight-"));
    let (first_half, second_half) = body.split_at(body.len() / 2);
    write!(
        in_flight,
        "POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first_half}",
        body.len()
    )
    .expect("send half a request");

    let (tally, mut created, in_flight_reply, refused_after, answered_after, signalled_at) =
        std::thread::scope(|scope| {
            let threads: Vec<_> = (0..clients)
                .map(|_| {
                    let (addr, signalled) = (&addr, &signalled);
                    scope.spawn(move || {
                        let mut replies = Vec::new();
                        // Until the server stops answering: after the signal,
                        // the first refused or cut connection ends the client.
                        let deadline = Instant::now() + Duration::from_secs(20);
                        while Instant::now() < deadline {
                            let body = user_json(&unique_user("s"));
                            let reply = send(addr, "POST", "/users", Some(&body))
                                .map_err(|e| e.to_string());
                            // Read once the request is over: one cut by the
                            // stop started before the signal but ended after.
                            let after_signal = signalled.load(Ordering::SeqCst);
                            let failed = reply.is_err();
                            replies.push((after_signal, reply));
                            if failed && after_signal {
                                break;
                            }
                        }
                        replies
                    })
                })
                .collect();
            std::thread::sleep(Duration::from_millis(300));
            signalled.store(true, Ordering::SeqCst);
            server.signal(signal);
            let signalled_at = Instant::now();
            // The server stops accepting: a new connection is refused.
            let refused_after = eventually(Duration::from_secs(5), || {
                TcpStream::connect(&addr).is_err()
            });
            in_flight
                .write_all(second_half.as_bytes())
                .expect("send the rest of the request in flight");
            let mut raw = Vec::new();
            let in_flight_reply = std::io::Read::read_to_end(&mut in_flight, &mut raw).map(|_| raw);
            let answered_after = signalled_at.elapsed();
            let mut tally = Tally::default();
            let mut created = Vec::new();
            for (after_signal, reply) in threads
                .into_iter()
                .flat_map(|t| t.join().expect("a client thread"))
            {
                assert!(
                    after_signal || reply.is_ok(),
                    "no answer before the signal: {reply:?}"
                );
                tally.add(&reply);
                if let Ok(reply) = &reply
                    && reply.status == 201
                {
                    created.push(created_id(reply));
                }
            }
            (
                tally,
                created,
                in_flight_reply,
                refused_after,
                answered_after,
                signalled_at,
            )
        });
    let status = server.wait_for_exit(Duration::from_secs(20));
    let exited_after = signalled_at.elapsed();

    let in_flight_reply = in_flight_reply.ok().and_then(|raw| HttpReply::parse(&raw));
    let in_flight_answered = in_flight_reply.as_ref().is_some_and(|r| r.status == 201);
    if let Some(reply) = in_flight_reply.as_ref().filter(|_| in_flight_answered) {
        created.push(created_id(reply));
    }
    let lost = missing_rows(&db, &created);
    let rows = db.count_users();
    eprintln!(
        "SIG{signal} under load [{} {backend:?}]: {clients} clients: {tally}; the request in \
         flight: {} ({answered_after:.2?} after the signal); exit: {status} ({exited_after:.2?} \
         after the signal); 201s: {} (incl. the one in flight), rows: {rows}, rows lost: {}, \
         rows never acknowledged: {}",
        app_name(),
        if in_flight_answered {
            "201"
        } else {
            "no answer"
        },
        created.len(),
        lost.len(),
        rows - created.len() as i64
    );
    assert!(status.success(), "the server exited with {status}");
    assert!(refused_after, "the server went on accepting connections");
    assert!(
        in_flight_answered,
        "the request in flight was not finished: {in_flight_reply:?}"
    );
    assert_eq!(
        tally.count(201) + tally.no_reply(),
        tally.total(),
        "only 201s, or no answer once the server stopped: {tally}"
    );
    assert!(lost.is_empty(), "acknowledged creates lost: {lost:?}");
    assert_eq!(
        rows,
        created.len() as i64,
        "a request was cut after its write: the row exists but its 201 never came"
    );
}

// ---- many writers and readers ----------------------------------------------

/// Sixteen clients for a second, each creating, renaming, reading, listing and
/// deleting its own users through the real server. No answer is a 5xx or
/// mentions a lock ("database is locked" on SQLite), every answer is the
/// expected one, and the table holds exactly the 201s less the 204s.
pub fn many_writers_and_readers_get_no_lock_errors(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let server = cli::start(binary, &db.url);
    let clients = 16;
    let run_for = Duration::from_millis(1000);
    let begun = Instant::now();
    let (tally, unexpected, created, deleted) = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..clients)
            .map(|client| {
                let addr = &server.addr;
                scope.spawn(move || {
                    let mut tally = Tally::default();
                    let mut unexpected = Vec::new();
                    let (mut created, mut deleted) = (0_i64, 0_i64);
                    let mut mine: Vec<i64> = Vec::new();
                    let mut step = 0_usize;
                    while begun.elapsed() < run_for {
                        let (method, path, body, expected) = match (step % 5, mine.last()) {
                            (0, _) | (_, None) => (
                                "POST",
                                "/users".to_owned(),
                                Some(user_json(&unique_user(&format!("w{client}-")))),
                                201,
                            ),
                            (1, Some(id)) => (
                                "PATCH",
                                format!("/users/{id}"),
                                Some(json!({ "name": unique_user("renamed-") }).to_string()),
                                200,
                            ),
                            (2, Some(id)) => ("GET", format!("/users/{id}"), None, 200),
                            (3, _) => ("GET", "/users?per_page=50".to_owned(), None, 200),
                            (_, Some(id)) => ("DELETE", format!("/users/{id}"), None, 204),
                        };
                        let reply =
                            send(addr, method, &path, body.as_deref()).map_err(|e| e.to_string());
                        tally.add(&reply);
                        match &reply {
                            Ok(r) if r.status == expected && !r.text().contains("locked") => {
                                if expected == 201 {
                                    created += 1;
                                    mine.push(created_id(r));
                                }
                                if expected == 204 {
                                    deleted += 1;
                                    mine.pop();
                                }
                            }
                            other => unexpected.push(format!("{method} {path}: {other:?}")),
                        }
                        step += 1;
                    }
                    (tally, unexpected, created, deleted)
                })
            })
            .collect();
        let mut all = (Tally::default(), Vec::new(), 0, 0);
        for thread in threads {
            let (tally, unexpected, created, deleted) = thread.join().expect("a client thread");
            for (status, n) in tally.0 {
                *all.0.0.entry(status).or_default() += n;
            }
            all.1.extend(unexpected);
            all.2 += created;
            all.3 += deleted;
        }
        all
    });
    let rows = db.count_users();
    eprintln!(
        "writers and readers [{} {backend:?}]: {clients} clients for {run_for:?}: {tally}; \
         5xx: {}, unexpected: {}; rows: {rows} = 201s {created} - 204s {deleted}? lost: {}",
        app_name(),
        tally.server_errors(),
        unexpected.len(),
        created - deleted - rows
    );
    assert_eq!(tally.server_errors(), 0, "{tally}: {unexpected:?}");
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert_eq!(rows, created - deleted, "rows lost or left over");
}

// ---- a slow database -------------------------------------------------------

/// How far away the database is in [`a_slow_database_never_stalls_the_worker`].
const FAR_AWAY: Duration = Duration::from_millis(300);

/// Diesel waits for the database synchronously; on PostgreSQL that wait is
/// a network round trip, and it must never happen on the async worker that
/// serves every other request: not for the query, not for a connection.
/// With the server 300 ms away, the app runs on one thread (the test's)
/// while three reads are in flight, and a request that needs no database
/// (an unknown route) is still answered at once, well within a round trip.
pub fn a_slow_database_never_stalls_the_worker<F: AppFactory>(app: F, mut db: TestDb) {
    db.pool
        .write_blocking(|conn| insert_user_named(conn, "far"))
        .expect("a user to read");
    let upstream = server_address(&db.url).expect("the test server's host and port");
    let proxy = TcpProxy::with_latency(&upstream, FAR_AWAY);
    let url = redirect_url(&db.url, &proxy.addr).expect("a URL through the proxy");
    // Opening a connection takes several round trips (TLS): give it time.
    let patient = PoolSettings {
        checkout_timeout: Duration::from_secs(20),
        ..TEST_POOL
    };
    db.pool = engine(&DatabaseUrl::parse(&url).expect("a URL"), &patient)
        .expect("a pool through the slow proxy");
    actix_web::rt::System::new().block_on(async move {
        let pool = db.pool.clone();
        let app = TestApp::start(app(pool), db).await;
        // A connection opened and idle in the pool, as in a running app.
        assert_eq!(app.get("/users/1").await.status, 200);
        let started = Instant::now();
        let reads = futures_util::future::join_all((0..3).map(|_| app.get("/users/1")));
        let no_database = async {
            let reply = app.get("/nowhere").await;
            (reply, started.elapsed())
        };
        let (reads, (reply, answered_after)) = futures_util::future::join(reads, no_database).await;
        eprintln!(
            "a database {FAR_AWAY:?} away [{} {:?}]: 3 reads {:?} in {:?}; an unknown route \
             answered {} after {answered_after:?}",
            app_name(),
            app.db.backend,
            reads.iter().map(|r| r.status.as_u16()).collect::<Vec<_>>(),
            started.elapsed(),
            reply.status.as_u16(),
        );
        assert!(reads.iter().all(|r| r.status == 200), "{reads:?}");
        assert_eq!(reply.status, 404);
        assert!(
            answered_after < FAR_AWAY / 2,
            "the worker waited for the database: a request without one took {answered_after:?}"
        );
    });
}

// ---- reads stuck on a lock --------------------------------------------------

/// How many of the server's connections wait for a lock held by the
/// backend `holder` (a `pg_stat_activity` count).
fn waiting_on(db: &TestDb, holder: i32) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = db.connection();
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
    )
    .bind::<diesel::sql_types::Integer, _>(holder)
    .get_result::<Count>(&mut conn)
    .map(|count| count.n)
    .expect("count the backends waiting on the lock")
}

/// `GET path` on the server at `addr`, and how long its answer took.
fn timed_get(addr: &str, path: &str) -> (HttpReply, Duration) {
    let started = Instant::now();
    let reply = send(addr, "GET", path, None).unwrap_or_else(|e| panic!("GET {path}: {e}"));
    (reply, started.elapsed())
}

/// Creates ada through the server, then locks `table` against every other
/// session in a transaction left open: the connection that holds the lock,
/// to `COMMIT` when the test lets it go.
///
/// # Panics
///
/// If the server does not create ada or the lock cannot be taken: the
/// test's premise failed, so the test fails here, naming which.
fn ada_created_then_locked(server: &cli::Server, db: &TestDb, table: &str) -> DbConnection {
    let (created, _) = cli::http(
        &server.addr,
        "POST",
        "/users",
        Some(r#"{"name":"ada","email":"ada@example.com"}"#),
    );
    assert_eq!(created, 201);
    let mut locker = db.connection();
    locker
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
        ))
        .unwrap_or_else(|e| panic!("lock {table}: {e}"));
    locker
}

/// The binary on PostgreSQL with 4 connections, 2 workers, and a checkout
/// timeout of 1 s, while another session holds a lock on `posts`: reads of
/// a user's posts get stuck waiting for it (the URL lets them wait without
/// end: `lock_timeout=0`, `statement_timeout=0`). With three stuck, every read
/// of a user (which needs no lock) is answered at once, on whichever worker
/// takes it: a connection and a thread are free, and the threads are shared
/// by the workers, so two stuck reads on one worker hold up nothing there.
/// With all four stuck, a read gets a 503 with `Retry-After` within the
/// checkout timeout, not when the lock goes. Once it goes, every stuck read
/// is answered.
pub fn stuck_reads_hold_up_no_other_request(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let url = db.url.replace(
        "options=",
        "options=-c%20lock_timeout%3D0%20-c%20statement_timeout%3D0%20",
    );
    assert_ne!(url, db.url, "the test URL sets no options: {}", db.url);
    let server = cli::start_with(
        binary,
        &url,
        &[("DB_POOL_SIZE", "4"), ("DB_CHECKOUT_TIMEOUT_MS", "1000")],
    );
    let mut locker = ada_created_then_locked(&server, &db, "posts");
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let holder = diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .get_result::<Pid>(&mut locker)
        .expect("the locker's backend")
        .pid;
    let stuck_read = |addr: String| std::thread::spawn(move || timed_get(&addr, "/users/1/posts"));

    let mut stuck: Vec<_> = (0..3).map(|_| stuck_read(server.addr.clone())).collect();
    assert!(
        eventually(Duration::from_secs(10), || waiting_on(&db, holder) == 3),
        "the reads never got stuck on the lock"
    );
    for _ in 0..6 {
        let (reply, took) = timed_get(&server.addr, "/users/1");
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert!(
            took < Duration::from_millis(500),
            "a read with a connection free took {took:?} behind stuck reads"
        );
    }

    stuck.push(stuck_read(server.addr.clone()));
    assert!(
        eventually(Duration::from_secs(10), || waiting_on(&db, holder) == 4),
        "the fourth read never got stuck on the lock"
    );
    let (reply, took) = timed_get(&server.addr, "/users/1");
    assert_eq!(reply.status, 503, "{}", reply.text());
    assert_eq!(reply.header("retry-after"), Some("1"), "{reply:?}");
    assert!(
        took < Duration::from_millis(1800),
        "a 503 took {took:?}: it waited past the checkout timeout"
    );

    locker.batch_execute("COMMIT").expect("release the lock");
    for read in stuck {
        let (reply, _) = read.join().expect("a stuck read's thread");
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
}

/// The binary on PostgreSQL with its default settings but a checkout
/// timeout of 1 s and 4 connections, while another session holds a lock
/// on `users` far longer: 8 requests sent at once, reads by id and
/// creates, half of them waiting for a connection first, each answer a 503
/// with `Retry-After` within 1.1 times the checkout timeout (and a margin
/// for a loaded machine), not when the lock goes; none of the creates was
/// written. Prints the longest answer.
pub fn a_lock_held_long_is_waited_for_no_longer_than_the_checkout_timeout(
    binary: &str,
    backend: Backend,
) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let server = cli::start_with(
        binary,
        &db.url,
        &[("DB_POOL_SIZE", "4"), ("DB_CHECKOUT_TIMEOUT_MS", "1000")],
    );
    let mut locker = ada_created_then_locked(&server, &db, "users");
    let requests: Vec<_> = (0..8)
        .map(|i| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                let request = if i % 2 == 0 {
                    request_bytes("GET", "/users/1", None)
                } else {
                    let body = format!(r#"{{"name":"user{i}","email":"user{i}@example.com"}}"#);
                    request_bytes("POST", "/users", Some(&body))
                };
                let started = Instant::now();
                let reply = exchange(&addr, &request, Duration::from_secs(30)).expect("an answer");
                (reply, started.elapsed())
            })
        })
        .collect();
    let mut longest = Duration::ZERO;
    for request in requests {
        let (reply, took) = request.join().expect("a request's thread");
        assert_eq!(reply.status, 503, "{}", reply.text());
        assert_eq!(reply.header("retry-after"), Some("1"), "{reply:?}");
        longest = longest.max(took);
    }
    println!("with a lock held, the longest of 8 answers took {longest:?} (checkout timeout 1 s)");
    assert!(
        longest < Duration::from_millis(1_100 + 700),
        "an answer took {longest:?}: it waited for the lock past the checkout timeout"
    );
    locker.batch_execute("COMMIT").expect("release the lock");
    assert_eq!(
        db.count_users(),
        1,
        "a create that answered 503 was written"
    );
}

/// The binary on PostgreSQL with a checkout timeout of 1 s, while one
/// session holds a lock on `users` for 0.9 s and another holds one on
/// `posts` until the end: a user created with a post meets the first lock,
/// then the second. Each statement alone would give up after a second, 1.9 s
/// in all; the watchdog ends the whole write 1 s after it began: a 503 with
/// `Retry-After`, and neither the user nor the post is kept.
pub fn a_write_meeting_several_locks_ends_within_the_checkout_timeout(
    binary: &str,
    backend: Backend,
) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    a_write_meets_two_locks(binary, &db, &db.url);
}

/// As [`a_write_meeting_several_locks_ends_within_the_checkout_timeout`],
/// with a URL that takes on another role (`options=-c role=…`, a group the
/// login user belongs to; here the login user is a superuser, whose
/// processes only a superuser may cancel). The watchdog cancels as the
/// login user, so the write still ends on time.
pub fn a_role_the_url_takes_on_keeps_the_write_bounded(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    // Set-up the test cannot go on without (the crate's rule, lib.rs): a
    // TestDb URL always names its schema, and the login user is a superuser
    // that may create and drop roles; `expect` fails the test saying which
    // step did not happen.
    let schema = db
        .url
        .split("search_path%3D")
        .nth(1)
        .and_then(|rest| rest.split(['&', '%']).next())
        .expect("the test URL names its schema");
    let role = format!("{schema}_app");
    let mut admin = db.connection();
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} NOLOGIN; GRANT {role} TO CURRENT_USER;
             GRANT USAGE, CREATE ON SCHEMA {schema} TO {role};
             GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role};
             GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"
        ))
        .expect("create a role for the app");
    let url = db
        .url
        .replace("options=", &format!("options=-c%20role%3D{role}%20"));
    a_write_meets_two_locks(binary, &db, &url);
    admin
        .batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"))
        .expect("drop the app's role");
}

/// Starts the binary on `url` with a checkout timeout of 1 s, creates a user
/// with a post while `users` is locked for 0.9 s and `posts` longer, and
/// checks the answer: a 503 within 1.5 s, and nothing kept.
fn a_write_meets_two_locks(binary: &str, db: &TestDb, url: &str) {
    let server = cli::start_with(binary, url, &[("DB_CHECKOUT_TIMEOUT_MS", "1000")]);
    let mut posts_locker = ada_created_then_locked(&server, db, "posts");
    let mut users_locker = db.connection();
    users_locker
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .expect("lock users");
    let users_released = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(900));
        users_locker.batch_execute("COMMIT").expect("release users");
    });
    let body = r#"{"name":"bob","email":"bob@example.com","posts":[{"title":"t","body":"b"}]}"#;
    let started = Instant::now();
    let reply = exchange(
        &server.addr,
        &request_bytes("POST", "/users", Some(body)),
        Duration::from_secs(30),
    )
    .expect("an answer");
    let took = started.elapsed();
    users_released.join().expect("the thread holding users");
    println!("a write meeting two locks was answered in {took:?} (checkout timeout 1 s)");
    assert_eq!(reply.status, 503, "{}", reply.text());
    assert_eq!(reply.header("retry-after"), Some("1"), "{reply:?}");
    assert!(
        took < Duration::from_millis(1_500),
        "the write was answered after {took:?}: each statement waited out a limit of its own"
    );
    posts_locker.batch_execute("COMMIT").expect("release posts");
    assert_eq!(
        db.count_users(),
        1,
        "a create that answered 503 was written"
    );
}

/// The binary on PostgreSQL with a `lock_timeout` set in its URL (half a
/// second), while another session holds a lock on `users`: a create, and a
/// read by id, wait for it no longer than that, and answer 503 with
/// `Retry-After`, not a 500 (PostgreSQL rolled the statement back; nothing
/// was written). A deadlock the server breaks is answered the same way.
/// Once the lock goes, the same requests succeed.
pub fn a_lock_timeout_answers_503_and_writes_nothing(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    // In capitals: PostgreSQL takes a setting's name in any case, and the
    // pool asks the server what is set rather than reading the URL.
    let url = db
        .url
        .replace("options=", "options=-c%20LOCK_TIMEOUT%3D500%20");
    assert_ne!(url, db.url, "the test URL sets no options: {}", db.url);
    let server = cli::start_with(binary, &url, &[]);
    let mut locker = ada_created_then_locked(&server, &db, "users");
    let create = request_bytes(
        "POST",
        "/users",
        Some(r#"{"name":"bob","email":"bob@example.com"}"#),
    );
    for request in [create.clone(), request_bytes("GET", "/users/1", None)] {
        let started = Instant::now();
        let reply = exchange(&server.addr, &request, Duration::from_secs(30)).expect("an answer");
        assert_eq!(reply.status, 503, "{}", reply.text());
        assert_eq!(reply.header("retry-after"), Some("1"), "{reply:?}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}: the URL's lock_timeout of half a second was not the one in force",
            started.elapsed()
        );
    }
    locker.batch_execute("COMMIT").expect("release the lock");
    assert_eq!(
        db.count_users(),
        1,
        "a create that answered 503 was written"
    );
    let reply = exchange(&server.addr, &create, Duration::from_secs(30)).expect("an answer");
    assert_eq!(reply.status, 201, "{}", reply.text());
}

/// A migration that changes the type of a column the app reads (here a
/// longer `VARCHAR` for `users.name`, the view over it made again around
/// the change, as a migration does), run while the app serves. PostgreSQL
/// refuses to run a statement a connection keeps prepared once the columns
/// it returns changed type ("cached plan must not change result type"),
/// and every connection of the pool keeps some. The app must go on: a read
/// is run again, prepared afresh, and answered as if nothing had happened;
/// a write that meets such a statement has run nothing and is answered 503
/// (nothing written, `Retry-After`), its retry 201; once the change has
/// been met, every connection prepares its statements again, so every later
/// request succeeds. Never a 500.
pub async fn a_column_type_changed_under_the_app_is_served_on(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let by_id = format!("/users/{}", ada["id"]);
    // Every pooled connection prepares the statements of the routes below.
    for round in 0..3 {
        let reads = join_all((0..8).map(|_| app.get(&by_id)));
        let lists = join_all((0..8).map(|_| app.get("/users")));
        let writes = join_all((0..8).map(|i| {
            let name = format!("warm{round}x{i}");
            app.post_json(
                "/users",
                json!({"name": name, "email": format!("{name}@example.com")}),
            )
        }));
        let (reads, lists, writes) = futures_util::future::join3(reads, lists, writes).await;
        assert!(
            reads
                .iter()
                .chain(&lists)
                .all(|r| r.status == StatusCode::OK)
        );
        assert!(writes.iter().all(|r| r.status == StatusCode::CREATED));
    }
    // Set-up the test cannot go on without (the crate's rule, lib.rs): the
    // test's own schema, which the migrations made; `expect` fails the test
    // naming the step.
    app.db
        .connection()
        .batch_execute(
            "BEGIN; DROP VIEW exposed_users; ALTER TABLE users ALTER COLUMN name TYPE VARCHAR(60); \
             CREATE VIEW exposed_users AS SELECT id, name, email FROM users; COMMIT",
        )
        .expect("the migration runs");

    // Writes first, all at once: each meets a connection that still keeps
    // the old statements. A 503 is followed by a retry that must succeed.
    let names: Vec<String> = (0..8).map(|i| format!("after{i}")).collect();
    let create = |name: &String| {
        app.post_json(
            "/users",
            json!({"name": name, "email": format!("{name}@example.com")}),
        )
    };
    let mut refused = 0;
    for (name, reply) in names.iter().zip(join_all(names.iter().map(create)).await) {
        if reply.status == StatusCode::SERVICE_UNAVAILABLE {
            refused += 1;
            assert_eq!(reply.header(header::RETRY_AFTER), "1", "{reply:?}");
            let again = create(name).await;
            assert_eq!(
                again.status,
                StatusCode::CREATED,
                "the retry of {name}: {again:?}"
            );
        } else {
            assert_eq!(
                reply.status,
                StatusCode::CREATED,
                "creating {name}: {reply:?}"
            );
        }
    }
    eprintln!("{refused} of 8 creates met a statement prepared before the change (503)");
    let reads = join_all((0..8).map(|_| app.get(&by_id)));
    let lists = join_all((0..8).map(|_| app.get("/users?per_page=100")));
    let (reads, lists) = futures_util::future::join(reads, lists).await;
    for reply in reads.iter().chain(&lists) {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
    // Each create was written once, and none that was refused.
    let listed = &lists[0].body;
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1 + 24 + 8),
        "{listed}"
    );
    // From now on nothing meets the old statements.
    let later = create(&"later".to_owned()).await;
    assert_eq!(later.status, StatusCode::CREATED, "{later:?}");
}
