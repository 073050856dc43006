//! One connection type for both backends, and how the pool opens them.
//!
//! Connections come in two kinds. The pool's connections only *read*: on
//! SQLite the file is opened read-only (`mode=ro`), on PostgreSQL each
//! read runs in a `READ ONLY` transaction on a connection opened with
//! `default_transaction_read_only`, so a write sent down the read path is
//! refused by the database itself. Writes get a connection that may write
//! only inside a transaction the app opens for them ([`crate::transaction`]):
//! on SQLite the writer thread's own connection, on PostgreSQL a pooled one
//! in a `BEGIN READ WRITE` transaction.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{CacheSize, SimpleConnection};
use diesel::dsl::sql;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::sql_types::{BigInt, Integer};
use diesel::sqlite::SqliteConnection;

use crate::database_url::DatabaseUrl;
use crate::sql_log::{self, SqlLog};

pub use multi::{DbConnection, MultiBackend as DbBackend, MultiRawValue as DbRawValue};

mod multi {
    // The derive generates helper types that carry no docs of their own.
    #![allow(missing_docs)]

    use diesel::pg::PgConnection;
    use diesel::sqlite::SqliteConnection;

    /// A connection to whichever backend the URL named. One binary serves
    /// both: the choice is made at run time, not by a cargo feature.
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// A SQLite file.
        Sqlite(SqliteConnection),
        /// A PostgreSQL server.
        Postgres(PgConnection),
    }
}

/// Runs `$query` on the backend's own connection: `$conn` is rebound to the
/// `SqliteConnection` or `PgConnection` inside, so the query is compiled once
/// for each backend and the run-time choice costs one `match`. Through
/// [`DbConnection`] itself, diesel builds a query's SQL text again on every
/// call, even when the statement is prepared and cached: on SQLite, half of
/// what a read by id costs diesel and the database.
///
/// ```ignore
/// web_db::on_backend!(conn, users::table.find(id).first::<User>(conn).optional())
/// ```
#[macro_export]
macro_rules! on_backend {
    ($conn:ident, $query:expr) => {
        match $conn {
            $crate::DbConnection::Sqlite($conn) => $query,
            $crate::DbConnection::Postgres($conn) => $query,
        }
    };
}

/// What a connection is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only: the pool's connections.
    ReadOnly,
    /// Reads and writes: the SQLite writer thread's connection, and migrations.
    ReadWrite,
}

/// How SQLite connections are set up. `busy_timeout` comes first so that the
/// switch to WAL (which needs a lock) waits for other connections instead of
/// failing with "database is locked". In WAL mode readers never wait for the
/// writer. How durable a commit is (`synchronous`) is set on the writer's
/// connection, from the settings (`database::SqliteDurability`).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;";

/// A failure to open a connection, with the driver's own words kept.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(pub(crate) String);

/// Opens one connection for `access`, with its settings in place.
///
/// Written by hand rather than with diesel's `ConnectionManager`, whose
/// multi-backend `establish` replaces the real cause of a failure with
/// "Invalid connection url for multiconnection".
pub fn connect(url: &DatabaseUrl, access: Access) -> Result<DbConnection, ConnectError> {
    open(url, access, None).map(|opened| opened.conn)
}

/// [`connect`], and on PostgreSQL the statement waits limited to
/// `wait_limit` (see [`DbConnectionManager::wait_limit`]).
fn open(
    url: &DatabaseUrl,
    access: Access,
    wait_limit: Option<Duration>,
) -> Result<PoolConnection, ConnectError> {
    let setup_failed =
        |e: diesel::result::Error| ConnectError(format!("cannot set up a connection: {e}"));
    let (conn, backend_pid) = match url {
        DatabaseUrl::Sqlite(path) => {
            let opened = match access {
                Access::ReadWrite => path.clone(),
                Access::ReadOnly => read_only_uri(path),
            };
            let mut conn = SqliteConnection::establish(&opened).map_err(|e| {
                ConnectError(format!(
                    "cannot open the SQLite database {path:?}: {e} \
                     (does its folder exist, and may this user write there?)"
                ))
            })?;
            // Every statement from here on is logged on the `sql` target.
            conn.set_instrumentation(SqlLog::new(url));
            set_up_sqlite(&mut conn, SQLITE_PRAGMAS).map_err(|e| {
                ConnectError(format!("cannot set up the SQLite database {path:?}: {e}"))
            })?;
            sql_log::connection_ready(&mut conn);
            (DbConnection::Sqlite(conn), 0)
        }
        DatabaseUrl::Postgres(raw) => {
            let mut conn =
                PgConnection::establish(&with_connection_defaults(raw)).map_err(|e| {
                    // libpq's message names the host and port it tried, and may
                    // quote the part of the URL it could not read: the password
                    // is masked there too.
                    ConnectError(format!(
                        "cannot connect to PostgreSQL at {url}: {}",
                        url.hide_password_in(e.to_string().trim())
                    ))
                })?;
            conn.set_instrumentation(SqlLog::new(url));
            let mut setup = String::new();
            if access == Access::ReadOnly {
                // A transaction may still be opened READ WRITE explicitly:
                // that is what the write path does, and nothing else should.
                setup.push_str("; SET default_transaction_read_only = on");
            }
            if let Some(ms) = wait_limit.map(|limit| limit.as_millis().max(1)) {
                setup += &format!("; SET lock_timeout = {ms}; SET statement_timeout = {ms}");
            }
            if !setup.is_empty() {
                conn.batch_execute(setup.trim_start_matches("; "))
                    .map_err(setup_failed)?;
            }
            let backend_pid = diesel::select(sql::<Integer>("pg_backend_pid()"))
                .get_result(&mut conn)
                .map_err(setup_failed)?;
            sql_log::connection_ready(&mut conn);
            (DbConnection::Postgres(conn), backend_pid)
        }
    };
    Ok(PoolConnection {
        conn,
        lost: false,
        backend_pid,
        schema_changes_seen: SCHEMA_CHANGES.load(Ordering::Relaxed),
    })
}

/// The SQLite URI that opens `path` read-only (`mode=ro`): the file itself
/// is opened so, and no statement, not even a `PRAGMA`, can make such a
/// connection write. The writer's connection, opened first, has already
/// put the database in WAL mode, which a read-only one can then read.
fn read_only_uri(path: &str) -> String {
    if path.starts_with("file:") {
        let separator = if path.contains('?') { '&' } else { '?' };
        return format!("{path}{separator}mode=ro");
    }
    // In a URI, these characters of a file name must be escaped.
    let escaped = path
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23");
    format!("file:{escaped}?mode=ro")
}

/// Runs the set-up statements, again for a while if SQLite says "database
/// is locked". Switching a new file to WAL needs it to itself for a moment,
/// and when another process holds a lock that this connection would have to
/// wait for while keeping one of its own (several instances opening a fresh
/// file at once), SQLite answers at once instead of waiting through
/// `busy_timeout`, since both waiting could deadlock. The statements can all
/// be run twice.
fn set_up_sqlite(conn: &mut SqliteConnection, setup: &str) -> QueryResult<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match conn.batch_execute(setup) {
            Err(error) if error.to_string().contains("database is locked") => {
                if Instant::now() >= deadline {
                    return Err(error);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            outcome => return outcome,
        }
    }
}

/// libpq waits for an unreachable host as long as the OS does (minutes), and
/// for a peer that vanished without closing the connection just as long:
/// give up after a few seconds unless the URL says otherwise.
pub(crate) fn with_connection_defaults(url: &str) -> String {
    let mut url = url.to_owned();
    for (setting, value) in [
        ("connect_timeout", "5"),
        // Milliseconds that sent data may stay unacknowledged before the
        // kernel drops the connection (Linux): a query to a server that went
        // away fails instead of hanging a thread.
        ("tcp_user_timeout", "30000"),
    ] {
        if !url.contains(&format!("{setting}=")) {
            let separator = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{separator}{setting}={value}");
        }
    }
    url
}

/// Call before the first PostgreSQL connection of the process (`engine` does).
///
/// libpq speaks TLS through OpenSSL. Left to itself, OpenSSL frees its tables
/// when the process exits, while a pool thread may still be opening a
/// connection with them: a crash at exit. Initialised here first, it
/// registers no such clean-up.
pub fn init_openssl_for_libpq() {
    openssl_sys::init();
}

/// A connection as the pool keeps it.
pub struct PoolConnection {
    conn: DbConnection,
    /// Set when a query found the connection closed by the server, or it
    /// was sent a cancel: the pool drops it on return instead of lending it
    /// again.
    pub(crate) lost: bool,
    /// The PostgreSQL server process that serves it, for the watchdog
    /// ([`crate::watchdog`]); 0 on SQLite.
    pub(crate) backend_pid: i32,
    /// [`SCHEMA_CHANGES`] when this connection last forgot its prepared
    /// statements (or opened).
    schema_changes_seen: u64,
}

impl PoolConnection {
    /// Forgets the statements this connection keeps prepared if a schema
    /// change was met since it last did: each is prepared again, against the
    /// columns as they are now, the next time it runs. (PostgreSQL keeps the
    /// old ones until the connection closes; diesel names the new ones anew.)
    pub(crate) fn prepare_again_after_schema_changes(&mut self) {
        let changes = SCHEMA_CHANGES.load(Ordering::Relaxed);
        if std::mem::replace(&mut self.schema_changes_seen, changes) != changes {
            // A cache of another size starts empty; then the usual one again.
            for size in [CacheSize::Disabled, CacheSize::Unbounded] {
                self.conn.set_prepared_statement_cache_size(size);
            }
        }
    }
}

impl Deref for PoolConnection {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for PoolConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// Opens the pool's read-only connections.
#[derive(Debug)]
pub struct DbConnectionManager {
    /// The database.
    pub url: DatabaseUrl,
    /// On PostgreSQL, each connection it opens gives up on a statement that
    /// waited this long for a lock, or ran this long (`lock_timeout`,
    /// `statement_timeout`); [`crate::engine`] sets it unless the database
    /// sets those itself. Without it a statement waits for a lock as long as
    /// the lock is held.
    pub wait_limit: Option<Duration>,
}

/// True when PostgreSQL already limits the waits of the statements of `pg`
/// (a PostgreSQL connection): `lock_timeout` or `statement_timeout` set by
/// the URL (`options=-c lock_timeout=…`, in any spelling the server
/// accepts), for the role or the database, or in the server's configuration
/// (where a 0 only says the default again, and does not count), as the
/// server itself reports. The pool then sets neither, and keeps no
/// watchdog. (SQLite has no such waits: its writer's queue is bounded by
/// the checkout timeout.)
pub(crate) fn sets_its_own_limits(pg: &mut DbConnection) -> Result<bool, ConnectError> {
    let set = "(SELECT count(*) FROM pg_settings \
               WHERE name IN ('lock_timeout', 'statement_timeout') AND source <> 'default' \
               AND NOT (source = 'configuration file' AND setting = '0'))";
    let count: i64 = (diesel::select(sql::<BigInt>(set)).get_result(pg))
        .map_err(|e| ConnectError(format!("cannot read the connection's settings: {e}")))?;
    Ok(count > 0)
}

impl r2d2::ManageConnection for DbConnectionManager {
    type Connection = PoolConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<PoolConnection, ConnectError> {
        open(&self.url, Access::ReadOnly, self.wait_limit)
    }

    /// Not called on every checkout (that would cost a round trip per
    /// request): only when a query found a connection lost and the retry
    /// needs one known to work (see `DbPool`).
    fn is_valid(&self, conn: &mut PoolConnection) -> Result<(), ConnectError> {
        conn.conn.ping().map_err(|e| ConnectError(e.to_string()))
    }

    /// A connection the server closed, or one left inside a transaction, is
    /// thrown away rather than handed to the next request.
    fn has_broken(&self, conn: &mut PoolConnection) -> bool {
        conn.lost || std::thread::panicking() || conn.conn.is_broken()
    }
}

/// A pooled connection on loan; it goes back to the pool when dropped.
pub type PooledConnection = r2d2::PooledConnection<DbConnectionManager>;

/// True when `error` shows the connection was closed under the query (a
/// restart, a terminated backend, a network cut), so the statement did not
/// run to completion and a fresh connection may succeed.
pub(crate) fn is_connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        error,
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        )
    )
}

/// How many times this process met a statement PostgreSQL refused because
/// the schema changed under it ([`met_a_schema_change`]).
static SCHEMA_CHANGES: AtomicU64 = AtomicU64::new(0);

/// True when PostgreSQL refused to run a statement the connection keeps
/// prepared because a migration changed the type of a column it returns
/// (a longer `VARCHAR`, `VARCHAR` to `TEXT`). The statement ran nothing,
/// and runs once prepared again. Every other connection of the process
/// keeps such statements too: this counts the change, so that each forgets
/// its own when next lent ([`PoolConnection::prepare_again_after_schema_changes`]).
/// The counter is the process's, not a pool's: a second pool forgets its
/// statements too, which costs it a prepare each, nothing else.
///
/// Known by PostgreSQL's message, as the other errors of `error.rs` are
/// (diesel does not hand over the SQLSTATE): a server whose `lc_messages`
/// is not English is not recognised (`ALTER ROLE app SET lc_messages = 'C'`).
pub(crate) fn met_a_schema_change(error: &diesel::result::Error) -> bool {
    let met = matches!(error, diesel::result::Error::DatabaseError(_, info)
        if info.message() == "cached plan must not change result type");
    if met {
        SCHEMA_CHANGES.fetch_add(1, Ordering::Relaxed);
    }
    met
}
