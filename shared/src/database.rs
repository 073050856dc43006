//! The engine: one connection type for both backends, a pool of them, the
//! migrations, and write transactions that behave on SQLite.
//!
//! This is the Rust counterpart of the Flask page's `database.py`.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::sqlite::SqliteConnection;

use crate::database_url::DatabaseUrl;
use crate::writer::SqliteWriter;

pub use connection::{DbConnection, MultiBackend as DbBackend, MultiRawValue as DbRawValue};

mod connection {
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

/// The pool every request borrows its connection from and, on SQLite, the
/// writer thread every write of the routes goes through ([`SqliteWriter`]).
///
/// It dereferences to the r2d2 pool: `pool.get()` lends a connection.
#[derive(Clone, Debug)]
pub struct DbPool {
    connections: r2d2::Pool<DbConnectionManager>,
    writer: Option<SqliteWriter>,
    url: DatabaseUrl,
}

impl DbPool {
    /// The writer thread of a SQLite database; `None` on PostgreSQL.
    pub fn sqlite_writer(&self) -> Option<&SqliteWriter> {
        self.writer.as_ref()
    }

    /// The database the pool connects to.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }
}

impl std::ops::Deref for DbPool {
    type Target = r2d2::Pool<DbConnectionManager>;

    fn deref(&self) -> &Self::Target {
        &self.connections
    }
}

/// A connection on loan from the pool; it goes back when dropped.
pub type PooledDbConnection = r2d2::PooledConnection<DbConnectionManager>;

/// How SQLite connections are set up. `busy_timeout` comes first so that the
/// switch to WAL (which needs a lock) waits for other connections instead of
/// failing with "database is locked".
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;";

/// Sizing of the pool. The defaults suit a small app; both can be set from
/// the environment (see `shared::startup`).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// The most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a free connection before it gets a 503.
    pub checkout_timeout: Duration,
}

impl PoolSettings {
    /// The defaults for a backend. SQLite does its work on this machine's
    /// cores, so more connections than twice the cores only add threads
    /// waiting on each other; PostgreSQL connections spend most of their
    /// time waiting on the network, so more of them keep the server busy.
    pub fn for_backend(url: &DatabaseUrl) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
        PoolSettings {
            max_size: match url {
                DatabaseUrl::Sqlite(_) => (2 * cores).max(2),
                DatabaseUrl::Postgres(_) => 10,
            },
            checkout_timeout: Duration::from_secs(3),
        }
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_size: 10,
            checkout_timeout: Duration::from_secs(3),
        }
    }
}

/// A failure to open a connection, with the driver's own words kept.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

/// Opens connections for the pool. Written by hand rather than using diesel's
/// `ConnectionManager`, whose multi-backend `establish` replaces the real
/// cause of a failure with "Invalid connection url for multiconnection".
#[derive(Debug)]
pub struct DbConnectionManager {
    url: DatabaseUrl,
}

impl DbConnectionManager {
    /// A manager for the database at `url`.
    pub fn new(url: DatabaseUrl) -> Self {
        DbConnectionManager { url }
    }
}

impl r2d2::ManageConnection for DbConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path).map_err(|e| {
                    ConnectError(format!(
                        "cannot open the SQLite database {path:?}: {e} \
                         (does its folder exist, and may this user write there?)"
                    ))
                })?;
                conn.batch_execute(SQLITE_PRAGMAS).map_err(|e| {
                    ConnectError(format!("cannot set up the SQLite database {path:?}: {e}"))
                })?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => PgConnection::establish(&with_connect_timeout(url))
                .map(DbConnection::Postgres)
                .map_err(|e| {
                    // libpq's message names the host and port it tried, and
                    // may quote the part of the URL it could not read: the
                    // password is masked there too.
                    ConnectError(format!(
                        "cannot connect to PostgreSQL at {}: {}",
                        self.url,
                        self.url.hide_password_in(e.to_string().trim())
                    ))
                }),
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.ping().map_err(|e| ConnectError(e.to_string()))
    }

    /// A connection left inside a transaction, or whose transaction state is
    /// broken, is thrown away rather than handed to the next request.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// libpq waits for an unreachable host as long as the OS does (minutes);
/// give up after a few seconds unless the URL says otherwise.
pub(crate) fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&connect_timeout=5")
    } else {
        format!("{url}?connect_timeout=5")
    }
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

/// Builds the pool for `url`, the counterpart of SQLAlchemy's `create_engine`.
///
/// One connection is opened first, so that a wrong URL, a server that is down
/// or an unwritable file is reported at once with its real cause.
pub fn engine(url: &DatabaseUrl, settings: &PoolSettings) -> Result<DbPool, ConnectError> {
    if let DatabaseUrl::Postgres(_) = url {
        init_openssl_for_libpq();
    }
    let manager = DbConnectionManager::new(url.clone());
    let first = r2d2::ManageConnection::connect(&manager)?;
    let writer = match first {
        // The first SQLite connection becomes the writer's own; it is not
        // lent by the pool, so writes never wait for a pooled connection.
        DbConnection::Sqlite(_) => {
            let spare = DbConnectionManager::new(url.clone());
            let reconnect = move || r2d2::ManageConnection::connect(&spare).ok();
            let writer = SqliteWriter::start(first, reconnect, settings.checkout_timeout)
                .map_err(|e| ConnectError(format!("cannot start the SQLite writer thread: {e}")))?;
            Some(writer)
        }
        DbConnection::Postgres(_) => None,
    };
    let connections = r2d2::Pool::builder()
        .max_size(settings.max_size)
        // Open connections as requests need them rather than all at start-up.
        .min_idle(Some(1))
        // Ping each PostgreSQL connection as it is lent: one the server closed
        // (a restart, a terminated backend) is replaced instead of failing a
        // request. A SQLite connection is a file handle of this process that
        // nothing closes behind our back, so there the ping would be pure cost.
        .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
        .connection_timeout(settings.checkout_timeout)
        .build_unchecked(manager);
    Ok(DbPool {
        connections,
        writer,
        url: url.clone(),
    })
}

/// Creates or updates the schema, the counterpart of `Base.metadata.create_all`:
/// runs the embedded migrations of the backend in use that have not run yet.
/// Several instances may call it at the same moment: one applies them, the
/// others wait ([`crate::migrate`] says why and how).
pub fn init_db(pool: &DbPool) -> Result<(), String> {
    crate::migrate::run_pending_migrations(pool.url()).map(|_applied| ())
}

/// SQLite lets one connection write at a time. The writers of this process
/// (the writer thread of [`crate::writer`], and code that writes through a
/// pooled connection, such as the demo) take turns here, rather than in
/// SQLite's busy handler, which polls with sleeps of up to 100 ms: under load
/// a writer would sleep far longer than the lock is held. Writers in other
/// processes still wait through `busy_timeout`. A shortcut worth knowing: it
/// is one queue for every SQLite file the process writes to, which suits an
/// app with one database.
pub(crate) static SQLITE_WRITER: Mutex<()> = Mutex::new(());

/// Runs `work` in a transaction: committed if it returns `Ok`, rolled back if
/// it returns `Err`.
///
/// On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write
/// lock up front. A plain `BEGIN` that reads before it writes would have to
/// upgrade its lock later, and under concurrent writers that fails at once
/// with "database is locked" instead of waiting for `busy_timeout`. Writers
/// of this process also take turns in `SQLITE_WRITER` first. Called inside a
/// transaction already, it opens a savepoint there instead.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let DbConnection::Sqlite(_) = conn else {
        return conn.transaction(work);
    };
    if conn.is_broken() {
        // Already inside a transaction (the writer thread's group of writes,
        // or one the caller opened): a savepoint in it, so that a failed
        // write undoes only itself. The outer transaction holds the locks;
        // waiting for the writer queue here would wait for ourselves.
        return conn.transaction(work);
    }
    let _writer = SQLITE_WRITER.lock().unwrap_or_else(PoisonError::into_inner);
    begin_immediate(conn)?;
    match work(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            // If the rollback fails too, the connection reports itself broken
            // and the pool discards it; the caller's error is the one to show.
            let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// Begins a transaction that holds SQLite's write lock from the start.
pub(crate) fn begin_immediate(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(sqlite) => {
            diesel::connection::AnsiTransactionManager::begin_transaction_sql(
                sqlite,
                "BEGIN IMMEDIATE",
            )
        }
        DbConnection::Postgres(_) => {
            <DbConnection as Connection>::TransactionManager::begin_transaction(conn)
        }
    }
}

/// Rolls back every transaction still open on `conn`. Returns false when that
/// failed and the connection should not be used again.
pub fn roll_back_open_transactions(conn: &mut DbConnection) -> bool {
    while conn.is_broken() {
        if <DbConnection as Connection>::TransactionManager::rollback_transaction(conn).is_err() {
            return false;
        }
    }
    true
}
