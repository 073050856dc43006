//! The request session and the teardown hook that removes it.
//!
//! The Flask page keeps one SQLAlchemy session per request and calls
//! `db_session.remove()` when the request ends. Here the session is
//! [`DbSession`]: the first database call of a request borrows a connection
//! from the pool, later calls in the same request reuse it, and
//! [`shutdown_session`] gives it back when the response is ready — after a
//! success, an error, a bad request, an unknown route or a panic alike.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use diesel::QueryResult;
use futures_util::FutureExt;
use futures_util::future::{Ready, ready};

use crate::connection::{DbConnection, PooledConnection};
use crate::database::DbPool;
use crate::error::AppError;
use crate::transaction::{self, panic_message};

/// The database session of one request: a handle on at most one pooled
/// connection, checked out on first use and given back by the hook.
///
/// Take it as a handler argument; every clone within a request shares the
/// connection. Work goes in through two doors:
///
/// - [`DbSession::read`] runs on the request's connection, which cannot
///   write (the database refuses);
/// - [`DbSession::write`] runs in a transaction of its own and is committed
///   before it returns, or rolled back entirely. On SQLite it runs on the
///   database's writer thread and its connection, not the request's.
///
/// Unlike a SQLAlchemy session, it keeps no objects: diesel has no unit of
/// work, identity map or change tracking. What you write is what is sent.
#[derive(Clone)]
pub struct DbSession {
    pool: DbPool,
    // A std mutex, not an async one: it is held only around synchronous
    // database work, by one call of this request at a time, never across
    // an `.await`.
    connection: Arc<Mutex<Option<PooledConnection>>>,
}

impl DbSession {
    fn new(pool: DbPool) -> Self {
        DbSession {
            pool,
            connection: Arc::new(Mutex::new(None)),
        }
    }

    /// Runs a read with this request's connection. A write sent through
    /// here is refused by the database (a 500: it is a bug in the code).
    ///
    /// Diesel is synchronous, so on PostgreSQL the read runs on the blocking
    /// thread pool, where waiting for the network stalls nobody. On SQLite,
    /// when a connection is free at once, it runs right here on the async
    /// worker: SQLite is a library inside this process, in WAL mode a reader
    /// never waits for the writer, and every read the routes make is bounded
    /// (a lookup by key, or one page of at most 100 rows no deeper than
    /// `MAX_ROWS_SKIPPED`); handing such a read to another thread and back
    /// would cost more than the read itself. `work` may run twice on
    /// PostgreSQL: again on a fresh connection if the server had closed the
    /// first one.
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnMut(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let work = if self.pool.is_sqlite() {
            match self.read_in_place(work) {
                Ok(outcome) => return outcome,
                Err(work) => work,
            }
        } else {
            work
        };
        let session = self.clone();
        web::block(move || session.pool.read_with(&mut *session.slot()?, work)).await?
    }

    /// Runs `work` here if this request has, or can take without waiting, a
    /// SQLite connection; otherwise hands `work` back.
    fn read_in_place<T, F>(&self, work: F) -> Result<Result<T, AppError>, F>
    where
        F: FnMut(&mut DbConnection) -> QueryResult<T>,
    {
        let Ok(mut slot) = self.connection.try_lock() else {
            return Err(work);
        };
        if slot.is_none() {
            // `try_checkout_now`, never a checkout that waits: waiting for a
            // connection would stall every request on this worker.
            *slot = self.pool.try_checkout_now();
        }
        if slot.is_none() {
            return Err(work);
        }
        Ok(self.pool.read_with(&mut slot, work))
    }

    /// Runs a write in a transaction of its own, made here: committed if
    /// `work` returns `Ok`, rolled back if it returns `Err`, panics, or
    /// leaves a transaction of its own open. Answers once committed.
    ///
    /// On SQLite it goes to the database's writer thread, which commits the
    /// writes that queued up together ([`crate::writer`]), each in its own
    /// savepoint. On PostgreSQL it runs on the request's connection, on the
    /// blocking pool. Either way a read after it sees what it wrote.
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(writer) = self.pool.sqlite_writer() {
            return writer.write(work).await;
        }
        let session = self.clone();
        web::block(move || session.pool.write_with(&mut *session.slot()?, work)).await?
    }

    fn slot(&self) -> Result<MutexGuard<'_, Option<PooledConnection>>, AppError> {
        self.connection.lock().map_err(|_| {
            AppError::Internal("an earlier database call of this request panicked".into())
        })
    }

    /// Gives the connection back to the pool, first rolling back anything
    /// left uncommitted. What `db_session.remove()` does on the Flask page.
    async fn remove(&self) {
        // A panic in a read poisons the mutex; the connection is still there
        // and still ours to clean up.
        let taken = match self.connection.try_lock() {
            Ok(mut slot) => slot.take(),
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner().take(),
            // Still in use by a task the handler did not wait for: that task
            // holds a handle and returns the connection when it finishes.
            Err(TryLockError::WouldBlock) => None,
        };
        let Some(mut conn) = taken else { return };
        if transaction::depth(&mut conn).is_ok_and(|d| d == 0) {
            // The usual case: no transaction open, so dropping the handle is
            // all it takes to return the connection. No thread hop needed.
            return;
        }
        // Reads and writes close their own transactions, so this is a read
        // that panicked mid-transaction. Rolling back talks to the database,
        // so it happens on the blocking pool. If it fails, the pool sees a
        // broken connection and drops it.
        let rolled_back = web::block(move || transaction::roll_back_to(&mut conn, 0)).await;
        if !matches!(rolled_back, Ok(true)) {
            log::warn!("could not roll back a transaction left open; connection discarded");
        }
    }
}

impl FromRequest for DbSession {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.extensions().get::<DbSession>().cloned().ok_or_else(|| {
            AppError::Internal(
                "DbSession needs the shutdown_session middleware: \
                 add .wrap(from_fn(shutdown_session)) to the App"
                    .into(),
            )
        }))
    }
}

/// The teardown hook, the counterpart of the Flask page's `shutdown_session`
/// (registered there with `@app.teardown_appcontext`): registered here with
/// `App::wrap(actix_web::middleware::from_fn(shutdown_session))`.
///
/// It opens the request's [`DbSession`] (no connection yet), runs the rest of
/// the app, and when the response is ready removes the session: anything not
/// committed is rolled back and the connection returns to the pool. Like a
/// teardown function, and unlike Flask's `after_request`, it also runs when
/// the handler fails or panics; a panic becomes a JSON 500 and the worker
/// goes on serving.
pub async fn shutdown_session(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(pool) = req.app_data::<web::Data<DbPool>>() else {
        return Err(AppError::Internal("the App has no DbPool in its app_data".into()).into());
    };
    let session = DbSession::new(DbPool::clone(pool));
    req.extensions_mut().insert(session.clone());

    let outcome = AssertUnwindSafe(next.call(req)).catch_unwind().await;
    session.remove().await;

    // The body is boxed so that every app has one nameable type,
    // `App<impl AppService>`, whatever the middleware inside produce.
    let outcome = outcome.map(|result| result.map(ServiceResponse::map_into_boxed_body));
    outcome.unwrap_or_else(|panic| {
        let message = panic_message(panic.as_ref());
        Err(AppError::Internal(format!("a handler panicked: {message}")).into())
    })
}
