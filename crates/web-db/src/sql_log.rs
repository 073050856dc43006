//! The SQL echo: every statement a connection runs, on the log target `sql`,
//! as an ORM's `echo` setting shows it.
//!
//! `RUST_LOG=sql=debug` shows each statement as it was sent, with its bound
//! values, how long it took, the backend and which connection ran it:
//!
//! ```text
//! [DEBUG sql] sqlite #2 0.052 ms: SELECT `users`.`id`, `users`.`name`, `users`.`email` FROM `users` WHERE (`users`.`id` = ?) LIMIT ? -- binds: [1, 1] (cached)
//! ```
//!
//! Transactions show as the statements they are (`BEGIN IMMEDIATE`,
//! `SAVEPOINT diesel_savepoint_1`, `COMMIT`), and so does the set-up each
//! connection runs once it is open. A statement slower than `DB_SLOW_MS` is
//! logged at warn even when the echo is off, without its values (they may
//! be someone's data; the echo shows them).
//!
//! It is diesel's connection instrumentation ([`Instrumentation`]): a
//! [`SqlLog`] is set on every connection the app opens, and diesel calls it
//! before and after each statement. With the echo off it only reads the
//! clock twice per statement, for the slow-statement warning.
//!
//! The same events feed [`SqlRecording`]: what a test counts, or a tool
//! prints, of the statements one piece of work sent.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use diesel::connection::{Connection, DebugQuery, Instrumentation, InstrumentationEvent};

use crate::database_url::DatabaseUrl;

/// The log target of the SQL echo: `RUST_LOG=sql=debug` turns it on.
pub const LOG_TARGET: &str = "sql";

/// Statements slower than this are logged at warn, unless `DB_SLOW_MS` says
/// otherwise: well above what an indexed lookup takes on either backend,
/// well below what a user notices waiting.
pub const DEFAULT_SLOW_STATEMENT: Duration = Duration::from_millis(200);

/// The slow-statement threshold of this process, in nanoseconds.
static SLOW_STATEMENT_NANOS: AtomicU64 = AtomicU64::new(DEFAULT_SLOW_STATEMENT.as_nanos() as u64);

/// Sets the slow-statement threshold for every connection of this process
/// (start-up does, from `DB_SLOW_MS`).
pub fn set_slow_statement_threshold(threshold: Duration) {
    let nanos = u64::try_from(threshold.as_nanos()).unwrap_or(u64::MAX);
    SLOW_STATEMENT_NANOS.store(nanos, Ordering::Relaxed);
}

/// The slow-statement threshold in force.
pub fn slow_statement_threshold() -> Duration {
    Duration::from_nanos(SLOW_STATEMENT_NANOS.load(Ordering::Relaxed))
}

/// Numbers the connections, so that a log tells them apart.
static CONNECTIONS_OPENED: AtomicU64 = AtomicU64::new(0);

/// The instrumentation set on every connection: logs its statements and
/// hands them to the recordings of its database.
///
/// A connection's first statements are its own set-up (pragmas, session
/// settings): they are logged, but recordings only see what it runs once
/// [`connection_ready`] has been called on it, the work of requests.
pub struct SqlLog {
    backend: &'static str,
    number: u64,
    database: DatabaseUrl,
    ready: bool,
    started: Option<Instant>,
    /// The SQL of the statements diesel keeps prepared on this connection
    /// (it says so when it first prepares one): the echo marks them.
    cached: HashSet<String>,
}

impl SqlLog {
    /// The log of one new connection to `database`.
    pub fn new(database: &DatabaseUrl) -> SqlLog {
        SqlLog {
            backend: match database {
                DatabaseUrl::Sqlite(_) => "sqlite",
                DatabaseUrl::Postgres(_) => "postgres",
            },
            number: CONNECTIONS_OPENED.fetch_add(1, Ordering::Relaxed) + 1,
            database: database.clone(),
            ready: false,
            started: None,
            cached: HashSet::new(),
        }
    }

    /// At the end of a statement: warn if it was slow, echo it if the echo
    /// is on, hand it to the recordings if any runs.
    fn finished(&mut self, query: &dyn DebugQuery, error: Option<&diesel::result::Error>) {
        let took = self.started.take().map_or(Duration::ZERO, |t| t.elapsed());
        let slow = took >= slow_statement_threshold();
        let echo = log::log_enabled!(target: LOG_TARGET, log::Level::Debug);
        let recorded = self.ready && ACTIVE_RECORDINGS.load(Ordering::Relaxed) > 0;
        // The usual case, with the echo off: nothing to format.
        if !(slow || echo || recorded) {
            return;
        }
        let statement = Statement::new(&shown(query), took, error, &self.cached);
        if echo {
            log::debug!(target: LOG_TARGET, "{} #{} {}", self.backend, self.number, statement.logged());
        }
        if slow {
            log::warn!(
                target: LOG_TARGET,
                "slow statement ({}, DB_SLOW_MS is {}) on {} #{}: {} (RUST_LOG=sql=debug shows its values)",
                milliseconds(took),
                slow_statement_threshold().as_millis(),
                self.backend,
                self.number,
                statement.sql
            );
        }
        if recorded {
            record(&self.database, statement);
        }
    }
}

impl Instrumentation for SqlLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::CacheQuery { sql, .. } => {
                self.cached.insert(sql.to_owned());
            }
            InstrumentationEvent::FinishQuery { query, error, .. } => self.finished(query, error),
            // Transactions are logged as the statements that make them.
            _ => {}
        }
    }
}

/// A query as diesel shows it: its SQL and its bound values. Showing a query
/// builds its SQL again, and that can fail where running it failed too (an
/// UPDATE with nothing to set): then the log says so, instead of panicking
/// as `to_string` would, on the thread that runs the query.
fn shown(query: &dyn DebugQuery) -> String {
    let mut text = String::new();
    match fmt::write(&mut text, format_args!("{query}")) {
        Ok(()) => text,
        Err(_) => "(a statement whose SQL could not be built; its error says why)".to_owned(),
    }
}

/// Marks the end of a connection's set-up: what it runs from now on is
/// the app's work, and recordings see it. Call it on a connection that has
/// a [`SqlLog`] (on any other it does nothing).
pub fn connection_ready(conn: &mut impl Connection) {
    if let Some(log) = conn.instrumentation().downcast_mut::<SqlLog>() {
        log.ready = true;
    }
}

/// A statement as it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL text with its placeholders (`?` on SQLite, `$1` on PostgreSQL).
    pub sql: String,
    /// The bound values as diesel shows them, `["admin", 20]`; `None` when
    /// nothing was bound.
    pub binds: Option<String>,
    /// True when the connection keeps it prepared and reuses it: diesel
    /// caches what the query builder makes, never `sql_query` text.
    pub cached: bool,
    /// How long it took, from sending it to its last row.
    pub took: Duration,
    /// The database's refusal, if it failed.
    pub error: Option<String>,
}

impl Statement {
    /// Reads diesel's display of a query: the SQL, then `-- binds: [...]`
    /// when it has bound values.
    fn new(
        shown: &str,
        took: Duration,
        error: Option<&diesel::result::Error>,
        cached: &HashSet<String>,
    ) -> Statement {
        let (sql, binds) = match shown.split_once(" -- binds: ") {
            Some((sql, binds)) => (sql, Some(binds).filter(|b| *b != "[]")),
            None => (shown, None),
        };
        Statement {
            sql: sql.to_owned(),
            binds: binds.map(str::to_owned),
            cached: cached.contains(sql),
            took,
            error: error.map(|e| e.to_string()),
        }
    }

    /// The statement's first words, what kind of statement it is:
    /// `SELECT`, `INSERT`, `BEGIN IMMEDIATE`, `RELEASE SAVEPOINT`, …
    pub fn kind(&self) -> String {
        let words: Vec<&str> = self.sql.split_whitespace().collect();
        let kind = match words.as_slice() {
            ["BEGIN", rest @ ..] => ["BEGIN"].iter().chain(rest).copied().collect(),
            ["ROLLBACK", "TO", "SAVEPOINT", ..] => vec!["ROLLBACK", "TO", "SAVEPOINT"],
            ["RELEASE", "SAVEPOINT", ..] => vec!["RELEASE", "SAVEPOINT"],
            [first, ..] => vec![*first],
            [] => vec![],
        };
        kind.join(" ").to_uppercase()
    }

    /// The line the echo logs, after the connection's name.
    fn logged(&self) -> String {
        let error = self
            .error
            .as_ref()
            .map(|e| format!(" -- failed: {e}"))
            .unwrap_or_default();
        format!("{}: {self}{error}", milliseconds(self.took))
    }
}

/// The SQL and its values, as a recording prints it:
/// `SELECT … LIMIT ? -- binds: [1, 1]`, then `(cached)` for a statement the
/// connection keeps prepared.
impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql)?;
        if let Some(binds) = &self.binds {
            write!(f, " -- binds: {binds}")?;
        }
        if self.cached {
            f.write_str(" (cached)")?;
        }
        Ok(())
    }
}

fn milliseconds(took: Duration) -> String {
    format!("{:.3} ms", took.as_secs_f64() * 1000.0)
}

/// How many recordings are running: the one number every statement reads.
static ACTIVE_RECORDINGS: AtomicUsize = AtomicUsize::new(0);
/// Each running recording: its number, its database, what it recorded.
static RECORDINGS: Mutex<Vec<(usize, DatabaseUrl, Vec<Statement>)>> = Mutex::new(Vec::new());
static NEXT_RECORDING: AtomicUsize = AtomicUsize::new(0);

fn recordings() -> MutexGuard<'static, Vec<(usize, DatabaseUrl, Vec<Statement>)>> {
    RECORDINGS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn record(database: &DatabaseUrl, statement: Statement) {
    for (_, _, statements) in recordings().iter_mut().filter(|r| r.1 == *database) {
        statements.push(statement.clone());
    }
}

/// Every statement this process sends to one database while it runs, from
/// every connection (the pool's, the SQLite writer's, a test's own), except
/// the connections' own set-up. Stops when dropped.
///
/// A test counts the statements a request sent; a tool prints what each
/// step sent.
pub struct SqlRecording(usize);

impl SqlRecording {
    /// Starts recording what is sent to `database`.
    pub fn start(database: &DatabaseUrl) -> SqlRecording {
        let number = NEXT_RECORDING.fetch_add(1, Ordering::Relaxed);
        recordings().push((number, database.clone(), Vec::new()));
        ACTIVE_RECORDINGS.fetch_add(1, Ordering::Relaxed);
        SqlRecording(number)
    }

    /// The statements recorded since the start or the last `take`, in the
    /// order they finished.
    pub fn take(&self) -> Vec<Statement> {
        let mut recordings = recordings();
        let mine = recordings.iter_mut().find(|r| r.0 == self.0);
        mine.map(|(_, _, statements)| std::mem::take(statements))
            .unwrap_or_default()
    }
}

impl Drop for SqlRecording {
    fn drop(&mut self) {
        recordings().retain(|r| r.0 != self.0);
        ACTIVE_RECORDINGS.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(shown: &str) -> Statement {
        Statement::new(shown, Duration::ZERO, None, &HashSet::new())
    }

    #[test]
    fn the_values_are_read_apart_from_the_sql() {
        let read = statement(r#"SELECT 1 WHERE x = ? -- binds: ["a -- binds: b"]"#);
        assert_eq!(read.sql, "SELECT 1 WHERE x = ?");
        assert_eq!(read.binds.as_deref(), Some(r#"["a -- binds: b"]"#));
        assert_eq!(statement("COMMIT").binds, None);
        assert_eq!(statement("SELECT 1 -- binds: []").binds, None);
    }

    #[test]
    fn a_statement_is_known_by_its_first_words() {
        for (sql, kind) in [
            ("SELECT `users`.`id` FROM `users`", "SELECT"),
            ("BEGIN IMMEDIATE", "BEGIN IMMEDIATE"),
            ("BEGIN READ WRITE", "BEGIN READ WRITE"),
            ("SAVEPOINT diesel_savepoint_1", "SAVEPOINT"),
            ("RELEASE SAVEPOINT diesel_savepoint_1", "RELEASE SAVEPOINT"),
            (
                "ROLLBACK TO SAVEPOINT diesel_savepoint_1",
                "ROLLBACK TO SAVEPOINT",
            ),
            ("insert into users values ($1)", "INSERT"),
        ] {
            assert_eq!(statement(sql).kind(), kind);
        }
    }

    /// A query that cannot show itself, as diesel's UPDATE with nothing to
    /// set cannot: its Display fails.
    struct Unshowable;

    impl fmt::Display for Unshowable {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Err(fmt::Error)
        }
    }

    impl fmt::Debug for Unshowable {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Unshowable")
        }
    }

    impl DebugQuery for Unshowable {}

    #[test]
    fn a_query_that_cannot_be_shown_is_logged_without_a_panic() {
        let shown = shown(&Unshowable);
        assert!(shown.contains("could not be built"), "{shown}");
    }

    #[test]
    fn a_cached_statement_is_marked() {
        let cached = HashSet::from(["SELECT 1".to_owned()]);
        let read = Statement::new("SELECT 1 -- binds: []", Duration::ZERO, None, &cached);
        assert_eq!(read.to_string(), "SELECT 1 (cached)");
    }
}
