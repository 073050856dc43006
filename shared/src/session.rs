//! The request session and the after-request hook that removes it.
//!
//! The Flask page keeps one SQLAlchemy session per request and calls
//! `db_session.remove()` when the request ends. Here the session is
//! [`DbSession`]: the first database call of a request borrows a connection
//! from the pool, later calls in the same request reuse it, and
//! [`shutdown_session`] gives it back when the response is ready — after a
//! success, an error, a bad request, an unknown route or a panic alike.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, TryLockError};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::FutureExt;
use futures_util::future::{Ready, ready};

use crate::database::{DbConnection, DbPool, PooledDbConnection, roll_back_open_transactions};
use crate::error::AppError;

/// The database session of one request: a handle on at most one pooled
/// connection, checked out on first use.
///
/// Take it as a handler argument. Every clone within a request shares the
/// same connection. Diesel is synchronous, so [`DbSession::run`] runs the
/// work on actix's blocking thread pool and never stalls the async worker.
#[derive(Clone)]
pub struct DbSession {
    pool: DbPool,
    // A std mutex, not an async one: it is only ever locked on the blocking
    // pool, by one task of this request at a time, around synchronous work.
    connection: Arc<Mutex<Option<PooledDbConnection>>>,
}

impl DbSession {
    fn new(pool: DbPool) -> Self {
        DbSession {
            pool,
            connection: Arc::new(Mutex::new(None)),
        }
    }

    /// Runs `work` with this request's connection, on the blocking pool.
    ///
    /// The connection is checked out on the first call (waiting at most the
    /// pool's checkout timeout, then failing with a 503). Nothing is committed
    /// for you: wrap writes in [`crate::database::write_transaction`].
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<AppError> + Send + 'static,
    {
        let session = self.clone();
        web::block(move || {
            let mut slot = session.connection.lock().map_err(|_| {
                AppError::Internal("an earlier database call of this request panicked".into())
            })?;
            let conn = match &mut *slot {
                Some(conn) => conn,
                empty => empty.insert(session.pool.get()?),
            };
            work(conn).map_err(Into::into)
        })
        .await?
    }

    /// Runs a read that takes microseconds, such as a lookup by key or one
    /// page of rows, with this request's connection.
    ///
    /// On SQLite, when a connection is free at once, the read runs right
    /// here on the async worker. SQLite is a library inside this process, and
    /// in WAL mode a reader never waits for a writer, so such a read costs
    /// less than handing it to another thread and waking this one again (two
    /// context switches, the largest cost of a request in `just bench`).
    /// A read that can wait goes through [`DbSession::run`]: on PostgreSQL
    /// (a network round trip), or when the pool has no idle connection.
    /// Writes have [`DbSession::write`].
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<AppError> + Send + 'static,
    {
        match self.read_in_place(work) {
            Ok(result) => result,
            Err(work) => self.run(work).await,
        }
    }

    /// Runs `work` here if this request has, or can take without waiting,
    /// a SQLite connection; otherwise hands `work` back.
    fn read_in_place<T, E, F>(&self, work: F) -> Result<Result<T, AppError>, F>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: Into<AppError>,
    {
        let Ok(mut slot) = self.connection.try_lock() else {
            return Err(work);
        };
        if slot.is_none() {
            // `try_get`, never `get`: waiting for a connection would stall
            // every request on this worker.
            *slot = self.pool.try_get();
        }
        match slot.as_deref_mut() {
            Some(conn @ DbConnection::Sqlite(_)) => Ok(work(conn).map_err(Into::into)),
            _ => Err(work),
        }
    }

    /// Runs a write and answers once it is committed.
    ///
    /// On SQLite it goes to the database's writer thread, which commits the
    /// writes that queued up together ([`crate::writer`]); the request's own
    /// connection is not used. On PostgreSQL it is [`DbSession::run`].
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<AppError> + Send + 'static,
    {
        match self.pool.sqlite_writer() {
            Some(writer) => writer.write(work).await,
            None => self.run(work).await,
        }
    }

    /// Gives the connection back to the pool, first rolling back anything
    /// left uncommitted. What `db_session.remove()` does on the Flask page.
    async fn remove(&self) {
        // A panic in `run` poisons the mutex; the connection is still there
        // and still ours to clean up.
        let taken = match self.connection.try_lock() {
            Ok(mut slot) => slot.take(),
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner().take(),
            // Still in use by a task the handler did not wait for: that task
            // holds a handle and returns the connection when it finishes.
            Err(TryLockError::WouldBlock) => None,
        };
        let Some(mut conn) = taken else { return };
        if !diesel::r2d2::R2D2Connection::is_broken(&mut *conn) {
            // The usual case: no transaction open, so dropping the handle is
            // all it takes to return the connection. No thread hop needed.
            return;
        }
        // A transaction was left open (a panic or a handler bug). Rolling it
        // back talks to the database, so it happens on the blocking pool. If
        // the rollback fails, the pool sees a broken connection and drops it.
        let rolled_back = web::block(move || roll_back_open_transactions(&mut conn)).await;
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

/// The after-request hook: registered with
/// `App::wrap(actix_web::middleware::from_fn(shutdown_session))`.
///
/// It opens the request's [`DbSession`] (no connection yet), runs the rest of
/// the app, and when the response is ready removes the session: anything not
/// committed is rolled back and the connection returns to the pool. Unlike
/// Flask's `after_request`, it also runs when the handler fails or panics; a
/// panic becomes a JSON 500 and the worker goes on serving.
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
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(AppError::Internal(format!("a handler panicked: {message}")).into())
    })
}
