//! The engine: a pool of connections over SQLite or PostgreSQL, the
//! migrations, and the two ways in — [`DbPool::read`] and [`DbPool::write`].
//!
//! This is the Rust counterpart of the Flask page's `database.py`.

use std::time::{Duration, Instant};

use diesel::QueryResult;
use diesel::r2d2::R2D2Connection;

use crate::connection::{
    Access, ConnectError, DbConnection, DbConnectionManager, PooledConnection, connect,
    init_openssl_for_libpq, is_connection_lost,
};
use crate::database_url::DatabaseUrl;
use crate::error::AppError;
use crate::transaction;
use crate::writer::SqliteWriter;

/// The engine every request borrows its connection from.
///
/// Reads run on the pool's connections, which cannot write. Writes run in a
/// transaction made for them: on SQLite by the database's one writer thread
/// ([`crate::writer`]), on PostgreSQL on a pooled connection. Requests use
/// it through [`crate::DbSession`]; code outside a request (the demo, tests)
/// calls [`DbPool::read`] and [`DbPool::write`], which block.
#[derive(Clone, Debug)]
pub struct DbPool {
    connections: r2d2::Pool<DbConnectionManager>,
    writer: Option<SqliteWriter>,
    url: DatabaseUrl,
    checkout_timeout: Duration,
}

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

/// Builds the pool for `url`, the counterpart of SQLAlchemy's `create_engine`.
///
/// A connection is opened first, so that a wrong URL, a server that is down
/// or an unwritable file is reported at once with its real cause.
pub fn engine(url: &DatabaseUrl, settings: &PoolSettings) -> Result<DbPool, ConnectError> {
    let writer = match url {
        // The writer's connection is the first one opened.
        DatabaseUrl::Sqlite(_) => Some(SqliteWriter::start(url, settings.checkout_timeout)?),
        DatabaseUrl::Postgres(_) => {
            init_openssl_for_libpq();
            drop(connect(url, Access::ReadOnly)?);
            None
        }
    };
    let connections = r2d2::Pool::builder()
        .max_size(settings.max_size)
        // Open connections as requests need them rather than all at start-up.
        .min_idle(Some(1))
        // No `SELECT 1` before every checkout: that is a round trip per
        // request. A connection the server closed is found by the query
        // that uses it, and a read (or a write whose BEGIN failed, so that
        // nothing ran) is run again on a connection that answers.
        .test_on_check_out(false)
        .connection_timeout(settings.checkout_timeout)
        .build_unchecked(DbConnectionManager::new(url.clone()));
    Ok(DbPool {
        connections,
        writer,
        url: url.clone(),
        checkout_timeout: settings.checkout_timeout,
    })
}

/// Creates or updates the schema, the counterpart of `Base.metadata.create_all`:
/// runs the embedded migrations of the backend in use that have not run yet,
/// on a connection of their own (the pool's connections cannot write).
///
/// Several instances may call it at the same moment: one applies what is
/// pending while the others wait for it ([`crate::migrate`]).
pub fn init_db(pool: &DbPool) -> Result<(), String> {
    crate::migrate::run_pending_migrations(pool.url()).map(|_applied| ())
}

impl DbPool {
    /// The database this pool opens connections to.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// True on SQLite, false on PostgreSQL.
    pub fn is_sqlite(&self) -> bool {
        matches!(self.url, DatabaseUrl::Sqlite(_))
    }

    /// How many connections are open, and how many of them are idle.
    pub fn state(&self) -> r2d2::State {
        self.connections.state()
    }

    /// Runs a read on a connection of the pool, blocking this thread. The
    /// connection cannot write: a write sent here is refused by the database.
    pub fn read<T>(
        &self,
        work: impl FnMut(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, AppError> {
        self.read_with(&mut None, work)
    }

    /// Runs `work` in a transaction of its own and commits it if `work`
    /// returns `Ok`, blocking this thread: SQLAlchemy's `session.add(…)` and
    /// `session.commit()` in one call. An `Err`, a panic, or a transaction
    /// `work` left open rolls back everything `work` did.
    pub fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.write_blocking(work),
            None => self.write_on_postgres(work),
        }
    }

    /// Answers every write still queued for the SQLite writer, then stops
    /// it. Call it once the server has stopped; writes afterwards get a 503.
    pub fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.stop();
        }
    }

    /// The writer thread of a SQLite database; `None` on PostgreSQL.
    pub(crate) fn sqlite_writer(&self) -> Option<&SqliteWriter> {
        self.writer.as_ref()
    }

    /// A connection if one is idle right now; never waits.
    pub(crate) fn try_checkout_now(&self) -> Option<PooledConnection> {
        self.connections.try_get()
    }

    /// [`DbPool::read`] with the connection in `slot`, checked out into it
    /// first if it is empty (waiting at most the checkout timeout). The
    /// connection goes back to the pool when the caller drops `slot`.
    pub(crate) fn read_with<T>(
        &self,
        slot: &mut Option<PooledConnection>,
        mut work: impl FnMut(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, AppError> {
        let outcome = work(self.lend(slot)?);
        let outcome = match outcome {
            // The statement did not run to completion, and a read changes
            // nothing: run it again on a connection that answers.
            Err(error) if is_connection_lost(&error) => {
                log::info!("a pooled connection was closed by the server; retrying the read");
                self.replace_lost(slot)?;
                work(self.lend(slot)?)
            }
            other => other,
        };
        close_what_a_read_left_open(self.lend(slot)?)?;
        outcome.map_err(AppError::from)
    }

    /// [`DbPool::write`] on PostgreSQL, on a connection borrowed for it.
    pub(crate) fn write_on_postgres<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, AppError> {
        let slot = &mut None;
        let outer = transaction::depth(self.lend(slot)?)?;
        match transaction::begin(self.lend(slot)?) {
            Ok(()) => {}
            // BEGIN failed, so nothing of the write ran: safe to start over
            // on a connection that answers.
            Err(error) if is_connection_lost(&error) => {
                log::info!("a pooled connection was closed by the server; retrying the write");
                self.replace_lost(slot)?;
                transaction::begin(self.lend(slot)?)?;
            }
            Err(error) => return Err(error.into()),
        }
        let outcome = transaction::finish(self.lend(slot)?, outer, work);
        if let (Err(AppError::Unavailable(_)), Some(conn)) = (&outcome, slot.as_mut()) {
            // The connection broke mid-write (whether the COMMIT got through
            // is unknown, so the write is not retried): never lend it again.
            conn.mark_lost();
        }
        outcome
    }

    /// The connection in `slot`, checked out first if there is none.
    fn lend<'slot>(
        &self,
        slot: &'slot mut Option<PooledConnection>,
    ) -> Result<&'slot mut DbConnection, AppError> {
        let conn = match slot {
            Some(conn) => conn,
            empty => empty.insert(self.connections.get()?),
        };
        Ok(&mut **conn)
    }

    /// Discards the lost connection in `slot` and puts one that answers a
    /// ping in its place. After a server restart every idle connection is
    /// dead: each is pinged, found so and dropped, until a fresh one opens.
    fn replace_lost(&self, slot: &mut Option<PooledConnection>) -> Result<(), AppError> {
        if let Some(mut lost) = slot.take() {
            lost.mark_lost();
        }
        let deadline = Instant::now() + self.checkout_timeout;
        loop {
            let mut candidate = self.connections.get()?;
            match candidate.ping() {
                Ok(()) => {
                    *slot = Some(candidate);
                    return Ok(());
                }
                Err(error) => {
                    candidate.mark_lost();
                    if Instant::now() >= deadline {
                        return Err(AppError::Unavailable(format!(
                            "no connection to the database answers: {error}"
                        )));
                    }
                }
            }
        }
    }
}

/// A read that opened a transaction and did not close it would hand the
/// next request a connection mid-transaction: roll it back now, and fail
/// the read, which is a bug in its code.
pub(crate) fn close_what_a_read_left_open(conn: &mut DbConnection) -> Result<(), AppError> {
    if transaction::depth(conn).is_ok_and(|d| d == 0) {
        return Ok(());
    }
    transaction::roll_back_to(conn, 0);
    Err(AppError::Internal(
        "a read left a transaction open; it was rolled back".into(),
    ))
}
