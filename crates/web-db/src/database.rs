//! The engine: a pool of connections over SQLite or PostgreSQL, the
//! migrations, and the ways in: [`DbPool::lookup`], [`DbPool::read`] and
//! [`DbPool::write`], and their blocking twins for code outside the async
//! runtime.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use diesel::QueryResult;
use diesel::r2d2::R2D2Connection;
use futures_util::future::LocalBoxFuture;

use crate::connection::{
    Access, ConnectError, DbConnection, DbConnectionManager, PoolConnection, PooledConnection,
    connect, init_openssl_for_libpq, is_connection_lost, met_a_schema_change, sets_its_own_limits,
};
use crate::database_url::DatabaseUrl;
use crate::db_threads::DbThreads;
use crate::error::AppError;
use crate::migrate::Migrations;
use crate::transaction;
use crate::watchdog::{Watch, Watchdog};
use crate::writer::SqliteWriter;

/// A read's work: a closure of a connection that sends its queries and
/// answers what it read. `FnMut`: a read may run it twice (again on a
/// fresh connection, when the server had closed the first).
pub trait ReadWork<T>: FnMut(&mut DbConnection) -> QueryResult<T> + Send + 'static {}
impl<T, F: FnMut(&mut DbConnection) -> QueryResult<T> + Send + 'static> ReadWork<T> for F {}

/// A write's work: a closure of a connection, run once, in the transaction
/// made for it.
pub trait WriteWork<T>: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static {}
impl<T, F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static> WriteWork<T> for F {}

/// The engine every request borrows its connection from. Cloning it is
/// cheap: every clone is a handle on the same pool.
///
/// Reads run on the pool's connections, which cannot write, each in a
/// transaction that sees one moment of the database and is then rolled
/// back. Writes run in a transaction made for them: on SQLite by the
/// database's one writer thread ([`crate::writer`]), on PostgreSQL on a
/// pooled connection. Requests use it through [`crate::DbSession`]; work
/// outside a request (a background task) awaits [`DbPool::read`] and
/// [`DbPool::write`] itself, and code outside the async runtime (a command
/// line tool, tests) calls [`DbPool::read_blocking`] and [`DbPool::write_blocking`].
///
/// Every wait is bounded by the checkout timeout: a call that could not
/// get a thread, a connection or the SQLite writer in that time is
/// answered 503 and its work never runs.
#[derive(Clone, Debug)]
pub struct DbPool {
    engine: Arc<Engine>,
}

#[derive(Debug)]
struct Engine {
    connections: r2d2::Pool<DbConnectionManager>,
    writer: Option<SqliteWriter>,
    /// Where work that may wait runs: never on an async worker.
    threads: DbThreads,
    url: DatabaseUrl,
    checkout_timeout: Duration,
    /// On PostgreSQL, unless the database sets its own limits: what cancels a
    /// call still running when its time is up.
    watchdog: Option<Watchdog>,
    /// When the last housekeeping started ([`DbPool::due`]).
    last_housekeeping: Mutex<Option<Instant>>,
}

/// Sizing of the pool, and how durable a SQLite commit is. The defaults
/// suit a small app; each can be set from the environment (see
/// [`crate::startup`]).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// The most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a free connection before it gets a 503.
    pub checkout_timeout: Duration,
    /// What a commit on SQLite survives ([`SqliteDurability`]).
    pub sqlite_durability: SqliteDurability,
}

/// What a write acknowledged on SQLite survives: SQLite's `synchronous`
/// setting, in WAL mode, on the writer's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteDurability {
    /// `synchronous = FULL`, the default: each commit is synced to the disk
    /// before it is answered, so a 201 survives a power loss or an OS crash
    /// too. The writer commits a group of writes at once: one sync per group.
    PowerLoss,
    /// `synchronous = NORMAL` (`DB_SQLITE_SYNCHRONOUS=normal`): a commit is
    /// synced at the next checkpoint, not before it is answered. A 201
    /// survives the app crashing or being killed, but the last commits may
    /// be lost if the machine loses power or the OS crashes.
    AppCrash,
}

impl SqliteDurability {
    /// The `PRAGMA` that sets it.
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            SqliteDurability::PowerLoss => "PRAGMA synchronous = FULL",
            SqliteDurability::AppCrash => "PRAGMA synchronous = NORMAL",
        }
    }
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
            ..PoolSettings::default()
        }
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_size: 10,
            checkout_timeout: Duration::from_secs(3),
            sqlite_durability: SqliteDurability::PowerLoss,
        }
    }
}

/// Builds the pool for `url`: what an ORM calls the engine.
///
/// A connection is opened first, so that a wrong URL, a server that is down
/// or an unwritable file is reported at once with its real cause.
pub fn engine(url: &DatabaseUrl, settings: &PoolSettings) -> Result<DbPool, ConnectError> {
    let (patience, durability) = (settings.checkout_timeout, settings.sqlite_durability);
    let (writer, watchdog) = match url {
        // The writer's connection is the first one opened.
        DatabaseUrl::Sqlite(_) => (Some(SqliteWriter::start(url, patience, durability)?), None),
        DatabaseUrl::Postgres(_) => {
            init_openssl_for_libpq();
            let mut first = connect(url, Access::ReadOnly)?;
            // Kept by the watchdog to cancel from: the pool's connections
            // and one more.
            let watchdog = match sets_its_own_limits(&mut first)? {
                true => None,
                false => Some(Watchdog::start(url, first, patience / 20)?),
            };
            (None, watchdog)
        }
    };
    let manager = DbConnectionManager {
        url: url.clone(),
        wait_limit: watchdog.is_some().then_some(patience),
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
        .build_unchecked(manager);
    // As many threads as connections: a thread is free whenever a
    // connection is, and no thread waits for one another thread holds.
    let threads = DbThreads::start(settings.max_size as usize)
        .map_err(|e| ConnectError(format!("cannot start the database threads: {e}")))?;
    Ok(DbPool {
        engine: Arc::new(Engine {
            connections,
            writer,
            threads,
            url: url.clone(),
            checkout_timeout: settings.checkout_timeout,
            watchdog,
            last_housekeeping: Mutex::new(None),
        }),
    })
}

/// Creates or updates the schema: runs the app's `migrations` of the
/// backend in use that have not run yet, on a connection of their own (the
/// pool's connections cannot write).
///
/// Several instances may call it at the same moment: one applies what is
/// pending while the others wait for it ([`crate::migrate`]).
pub fn init_db(pool: &DbPool, migrations: Migrations) -> Result<(), String> {
    crate::migrate::run_pending_migrations(pool.url(), migrations).map(|_applied| ())
}

impl DbPool {
    /// The database this pool opens connections to.
    pub fn url(&self) -> &DatabaseUrl {
        &self.engine.url
    }

    /// True on SQLite, false on PostgreSQL.
    pub fn is_sqlite(&self) -> bool {
        matches!(self.engine.url, DatabaseUrl::Sqlite(_))
    }

    /// How many connections are open, and how many of them are idle.
    pub fn state(&self) -> r2d2::State {
        self.engine.connections.state()
    }

    /// Runs a lookup by key: one SELECT of at most one row by an indexed
    /// key (`find`, `WHERE id = ?`), nothing else. On SQLite, when a
    /// connection is free at once, it runs right here on the calling async
    /// worker: SQLite is a library inside this process, in WAL mode a
    /// reader never waits for the writer, and such a lookup takes
    /// microseconds, less than handing it to another thread and back.
    /// Otherwise, and always on PostgreSQL, it runs like [`DbPool::read`].
    ///
    /// It is the one exception to "nothing that can wait runs on the
    /// worker", so keep it to what its name says: a scan, a search or a
    /// page of rows stalls every request of the worker while it runs, and
    /// goes through [`DbPool::read`]. Unlike a read it runs in no
    /// transaction of its own, so anything else sent here (a `SET`) would
    /// stay on the connection. `work` may run twice on PostgreSQL: again on
    /// another connection if the server had closed the first one, or had
    /// refused a statement it kept prepared because a migration changed
    /// the columns it returns.
    pub async fn lookup<T: Send + 'static>(&self, work: impl ReadWork<T>) -> Result<T, AppError> {
        if self.is_sqlite()
            // Never a checkout that waits: it would stall every request on
            // this worker. With none free, the lookup waits off the worker.
            && let Some(conn) = self.engine.connections.try_get()
        {
            return self.read_on(&mut Some(conn), self.deadline(), ReadKind::Lookup, work);
        }
        self.off_the_worker(move |pool, deadline| {
            pool.read_on(&mut None, deadline, ReadKind::Lookup, work)
        })
        .await
    }

    /// Runs a read of any size, off the async worker (on the database
    /// threads, where waiting stalls nobody), on a connection that cannot
    /// write. It runs in a transaction of its own, so that its statements
    /// all see the database as it was at one moment (on PostgreSQL
    /// `REPEATABLE READ`), and that transaction is rolled back at the end:
    /// a read keeps nothing, not even a setting it changed. A write sent
    /// through here is refused by the database (a 500: it is a bug in the
    /// code). `work` may run twice on PostgreSQL: again on another
    /// connection if the server had closed the first one, or had refused a
    /// statement it kept prepared because a migration changed the columns
    /// it returns.
    pub async fn read<T: Send + 'static>(&self, work: impl ReadWork<T>) -> Result<T, AppError> {
        self.off_the_worker(move |pool, deadline| {
            pool.read_on(&mut None, deadline, ReadKind::Snapshot, work)
        })
        .await
    }

    /// Runs `work` in a transaction of its own and commits it if `work`
    /// returns `Ok`: an ORM's "add, then commit" in one call. An `Err`, a panic, or a transaction `work` left open
    /// rolls back everything `work` did, and nothing else. Answers once
    /// committed.
    ///
    /// On SQLite it goes to the database's writer thread, which commits the
    /// writes that queued up together ([`crate::writer`]), each in its own
    /// savepoint. On PostgreSQL it runs on a pooled connection, on the
    /// database threads. Either way a read after it sees what it wrote.
    ///
    /// A write started from inside another write's `work` is refused at
    /// once (a 500): it would wait for the outer one forever on SQLite.
    /// `work` runs once: on PostgreSQL, a write that meets a statement kept
    /// prepared from before a migration changed its columns is a 503 (it
    /// ran nothing; a retry runs it on statements prepared again).
    pub async fn write<T: Send + 'static>(&self, work: impl WriteWork<T>) -> Result<T, AppError> {
        transaction::refuse_a_write_inside_a_write()?;
        if let Some(writer) = &self.engine.writer {
            return writer.write(work).await;
        }
        self.off_the_worker(move |pool, deadline| pool.write_on_postgres(deadline, work))
            .await
    }

    /// [`DbPool::read`], blocking the calling thread: for code outside the
    /// async runtime (a command line tool, tests, start-up). Never call it from an
    /// async handler: it would stall every request of that worker.
    pub fn read_blocking<T>(
        &self,
        work: impl FnMut(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, AppError> {
        self.read_on(&mut None, self.deadline(), ReadKind::Snapshot, work)
    }

    /// [`DbPool::write`], blocking the calling thread: for code outside the
    /// async runtime (a command line tool, tests). Never call it from an async handler.
    pub fn write_blocking<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        transaction::refuse_a_write_inside_a_write()?;
        match &self.engine.writer {
            Some(writer) => writer.write_blocking(work),
            None => self.write_on_postgres(self.deadline(), work),
        }
    }

    /// Answers every write still queued for the SQLite writer, then stops
    /// it. Call it once the server has stopped; writes afterwards get a 503.
    pub fn close(&self) {
        if let Some(writer) = &self.engine.writer {
            writer.stop();
        }
    }

    /// For `App::data_factory`: a value `open` makes from the database as
    /// each worker of the server starts, before it takes a request (a store
    /// that reads the columns of its tables first, say), which handlers then
    /// take as `web::Data<T>`. An error stops the start-up, with its cause.
    ///
    /// ```
    /// use diesel::QueryResult;
    /// use web_db::{DbConnection, DbPool};
    ///
    /// /// What the handlers need to know of the database, read once.
    /// struct Store;
    ///
    /// impl Store {
    ///     fn open(_conn: &mut DbConnection) -> QueryResult<Store> {
    ///         Ok(Store)
    ///     }
    /// }
    ///
    /// fn app(pool: DbPool) -> actix_web::App<impl web_db::http::AppService> {
    ///     // Handlers take the store as `web::Data<Store>`.
    ///     actix_web::App::new().data_factory(pool.data_factory(Store::open))
    /// }
    /// ```
    pub fn data_factory<T, F>(
        &self,
        open: F,
    ) -> impl Fn() -> LocalBoxFuture<'static, Result<T, String>> + use<T, F>
    where
        F: FnMut(&mut DbConnection) -> QueryResult<T> + Clone + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.clone();
        move || {
            let (pool, open) = (pool.clone(), open.clone());
            Box::pin(async move {
                pool.read(open)
                    .await
                    .map_err(|e| format!("cannot open the app's data: {}", e.cause()))
            })
        }
    }

    /// True, once per `every` at most, for the caller to start its
    /// housekeeping (the sweep of forgotten idempotency keys): the first
    /// call, then the first after `every` has passed since the last true.
    pub(crate) fn due(&self, every: Duration) -> bool {
        let housekeeping = &self.engine.last_housekeeping;
        let mut last = housekeeping.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|at| at.elapsed() < every) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }

    /// When a call starting now must have its thread and its connection.
    fn deadline(&self) -> Instant {
        Instant::now() + self.engine.checkout_timeout
    }

    /// Runs `work` on the database threads, with the deadline it must get
    /// its connection by.
    async fn off_the_worker<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&DbPool, Instant) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let deadline = self.deadline();
        let pool = self.clone();
        self.engine
            .threads
            .run(deadline, self.engine.checkout_timeout, move || {
                work(&pool, deadline)
            })
            .await
    }

    /// Runs a read with the connection in `slot`, checked out into it first
    /// if it is empty (waiting until `deadline` at most). The connection
    /// goes back to the pool when the caller drops `slot`.
    fn read_on<T>(
        &self,
        slot: &mut Option<PooledConnection>,
        deadline: Instant,
        kind: ReadKind,
        mut work: impl FnMut(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, AppError> {
        let mut run = |conn: &mut PoolConnection| {
            let watch = self.watch(conn, deadline);
            let outcome = match kind {
                ReadKind::Lookup => work(conn),
                ReadKind::Snapshot => transaction::read_snapshot(conn, &mut work),
            };
            if watch.is_some_and(Watch::end) {
                conn.lost = true;
            }
            outcome
        };
        let outcome = run(self.lend(slot, deadline)?);
        let outcome = match outcome {
            // The statement did not run to completion, and a read changes
            // nothing: run it again on a connection that answers. Or a
            // migration changed what a statement the connection keeps
            // prepared returns: the next connection prepares it again.
            Err(error) if is_connection_lost(&error) || met_a_schema_change(&error) => {
                log::info!("retrying the read on another connection: {error}");
                self.replace_lost(slot, deadline)?;
                run(self.lend(slot, deadline)?)
            }
            other => other,
        };
        match outcome {
            // The retry found its connection dead too: the database is
            // away. That connection is never lent again, whatever state
            // its transaction was left in.
            Err(error) if is_connection_lost(&error) => {
                if let Some(conn) = slot.as_mut() {
                    conn.lost = true;
                }
                Err(error.into())
            }
            outcome => match close_what_a_read_left_open(self.lend(slot, deadline)?) {
                Ok(()) => outcome.map_err(AppError::from),
                // The connection broke during the read: what was read
                // stands, a failure is the database's, not the request's.
                Err(AppError::Unavailable(cause)) => {
                    if let Some(conn) = slot.as_mut() {
                        conn.lost = true;
                    }
                    outcome.map_err(|_| AppError::Unavailable(cause))
                }
                Err(bug) => Err(bug),
            },
        }
    }

    /// [`DbPool::write`] on PostgreSQL, on a connection borrowed for it.
    fn write_on_postgres<T>(
        &self,
        deadline: Instant,
        work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, AppError> {
        let slot = &mut None;
        let outer = transaction::depth(self.lend(slot, deadline)?)?;
        match transaction::begin(self.lend(slot, deadline)?) {
            Ok(()) => {}
            // BEGIN failed, so nothing of the write ran: safe to start over
            // on a connection that answers.
            Err(error) if is_connection_lost(&error) => {
                log::info!("a pooled connection was closed by the server; retrying the write");
                self.replace_lost(slot, deadline)?;
                transaction::begin(self.lend(slot, deadline)?)?;
            }
            Err(error) => return Err(error.into()),
        }
        let conn = self.lend(slot, deadline)?;
        let watch = self.watch(conn, deadline);
        // A write is run once: one that met a schema change is a 503 (it ran
        // nothing), and no connection lent after it meets that change again.
        let outcome = transaction::finish(conn, outer, |conn| {
            work(conn).inspect_err(|error| _ = met_a_schema_change(error))
        });
        if watch.is_some_and(Watch::end) {
            conn.lost = true;
        }
        if let (Err(AppError::Unavailable(_) | AppError::OutcomeUnknown(_)), Some(conn)) =
            (&outcome, slot.as_mut())
        {
            // The connection broke mid-write: never lend it again.
            conn.lost = true;
        }
        outcome
    }

    /// Has the watchdog ([`crate::watchdog`]) cancel the statement `conn`
    /// still runs at `deadline`: a call's checkout deadline is also the end
    /// of its database work. So no call waits, for a thread, a connection
    /// and locks together, more than the checkout timeout and a twentieth
    /// (the watchdog's round), plus the cancel's round trip. A connection
    /// that was sent a cancel is never lent again ([`Watch::end`]).
    fn watch(&self, conn: &PoolConnection, deadline: Instant) -> Option<Watch<'_>> {
        let watchdog = self.engine.watchdog.as_ref()?;
        Some(watchdog.watch(conn.backend_pid, deadline))
    }

    /// The connection in `slot`, checked out first if there is none.
    fn lend<'slot>(
        &self,
        slot: &'slot mut Option<PooledConnection>,
        deadline: Instant,
    ) -> Result<&'slot mut PoolConnection, AppError> {
        let conn = match slot {
            Some(conn) => conn,
            empty => empty.insert(self.checkout(deadline)?),
        };
        Ok(&mut **conn)
    }

    /// A connection from the pool, waiting for one until `deadline`.
    fn checkout(&self, deadline: Instant) -> Result<PooledConnection, AppError> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(AppError::Unavailable(
                "no connection could be had before the checkout timeout".into(),
            ));
        }
        let mut conn = self.engine.connections.get_timeout(left)?;
        conn.prepare_again_after_schema_changes();
        Ok(conn)
    }

    /// Discards the lost connection in `slot` and puts one that answers a
    /// ping in its place. After a server restart every idle connection is
    /// dead: each is pinged, found so and dropped, until a fresh one opens.
    fn replace_lost(
        &self,
        slot: &mut Option<PooledConnection>,
        deadline: Instant,
    ) -> Result<(), AppError> {
        if let Some(mut old) = slot.take() {
            old.lost = true;
        }
        loop {
            let mut candidate = self.checkout(deadline)?;
            let Err(error) = candidate.ping() else {
                *slot = Some(candidate);
                return Ok(());
            };
            candidate.lost = true;
            if Instant::now() >= deadline {
                return Err(AppError::Unavailable(format!(
                    "no connection to the database answers: {error}"
                )));
            }
        }
    }
}

/// How a read runs on its connection.
#[derive(Debug, Clone, Copy)]
enum ReadKind {
    /// As it is: one statement by key ([`DbPool::lookup`]).
    Lookup,
    /// In a read-only transaction that is rolled back ([`DbPool::read`]).
    Snapshot,
}

/// A read that opened a transaction and did not close it would hand the
/// next request a connection mid-transaction: roll it back now, and fail
/// the read, which is a bug in its code (a 500). A connection that cannot
/// even be rolled back has broken under the read: a 503, not the read's
/// fault.
pub(crate) fn close_what_a_read_left_open(conn: &mut DbConnection) -> Result<(), AppError> {
    if transaction::depth(conn).is_ok_and(|d| d == 0) {
        return Ok(());
    }
    if !transaction::roll_back_to(conn, 0) {
        return Err(AppError::Unavailable(
            "the connection broke during a read".into(),
        ));
    }
    Err(AppError::Internal(
        "a read left a transaction open; it was rolled back".into(),
    ))
}
