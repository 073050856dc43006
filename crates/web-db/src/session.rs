//! The request session and the teardown hook that ends it.
//!
//! An ORM session usually keeps a connection and an open transaction
//! between calls, so it must be removed when the request ends, on every
//! path. Here the session is [`DbSession`], and no call leaves anything
//! open: each read or write borrows a connection from the pool, finishes
//! its transaction if it had one, and gives the connection back before it
//! returns. So a request never holds a connection while it waits for
//! something else (another service, a slow client), and
//! [`shutdown_session`], the teardown hook, has little left to do: when the
//! response is ready it marks the session ended, and it answers a panic
//! with JSON, on every path.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use diesel::QueryResult;
use futures_util::FutureExt;
use futures_util::future::{Ready, ready};
use serde::Serialize;

use crate::connection::DbConnection;
use crate::database::{DbPool, ReadWork, WriteWork};
use crate::error::AppError;
use crate::idempotency::{Idempotency, SWEEP_EVERY, SavedAnswer, forget_expired_keys};
use crate::transaction::panic_message;

/// The database session of one request, opened and ended by the teardown
/// hook. Take it as a handler argument. Work goes in through three doors:
///
/// - [`DbSession::read`]: any read, off the async worker, on a connection
///   that cannot write (the database refuses), in a transaction that sees
///   one moment of the database and keeps nothing. The one to reach for.
/// - [`DbSession::lookup`]: one SELECT by key (a user by id). On SQLite it
///   may run right on the async worker, where it is cheapest; nothing else
///   belongs there.
/// - [`DbSession::write`]: runs in a transaction of its own and is committed
///   before it returns, or rolled back entirely.
///
/// Each call borrows a connection for as long as it runs, and no longer,
/// and waits for one (or for a thread to run on) at most the pool's
/// checkout timeout: past it, a 503 with `Retry-After`, and the work never
/// runs. Unlike an ORM's session, it keeps nothing between calls: no
/// connection, no transaction, no objects (diesel has no unit of work,
/// identity map or change tracking). What you write is what is sent.
///
/// Each door takes a closure of a connection, which runs your queries:
///
/// ```
/// use actix_web::{HttpResponse, web};
/// use diesel::prelude::*;
/// use web_db::http::PathId;
/// use web_db::{AppError, DbSession};
///
/// diesel::table! {
///     notes (id) {
///         id -> BigInt,
///         text -> Text,
///     }
/// }
///
/// async fn note_text(session: DbSession, PathId(id): PathId) -> Result<HttpResponse, AppError> {
///     let text: Option<String> = session
///         .lookup(move |conn| notes::table.find(id).select(notes::text).first(conn).optional())
///         .await?;
///     let text = text.ok_or_else(|| AppError::NotFound(format!("no note with id {id}")))?;
///     Ok(HttpResponse::Ok().json(text))
/// }
///
/// async fn note_count(session: DbSession) -> Result<HttpResponse, AppError> {
///     let count: i64 = session
///         .read(|conn| notes::table.count().get_result(conn))
///         .await?;
///     Ok(HttpResponse::Ok().json(count))
/// }
///
/// async fn delete_note(session: DbSession, PathId(id): PathId) -> Result<HttpResponse, AppError> {
///     // Committed before `write` returns; a 503 here means nothing was written.
///     let deleted = session
///         .write(move |conn| diesel::delete(notes::table.find(id)).execute(conn))
///         .await?;
///     match deleted {
///         0 => Err(AppError::NotFound(format!("no note with id {id}"))),
///         _ => Ok(HttpResponse::NoContent().finish()),
///     }
/// }
///
/// let app = actix_web::App::new()
///     .route("/notes/count", web::get().to(note_count))
///     .route("/notes/{id}", web::get().to(note_text))
///     .route("/notes/{id}", web::delete().to(delete_note));
/// ```
#[derive(Clone)]
pub struct DbSession {
    pool: DbPool,
    /// Set by the hook once the response is ready.
    ended: Arc<AtomicBool>,
}

impl DbSession {
    /// Runs a read: [`DbPool::read`]. Diesel is synchronous, so the read
    /// runs on the database threads, where waiting for the disk or the
    /// network stalls no other request, whatever its size.
    pub async fn read<T: Send + 'static>(&self, work: impl ReadWork<T>) -> Result<T, AppError> {
        self.still_open()?;
        self.pool.read(work).await
    }

    /// Runs a lookup by key: [`DbPool::lookup`]. One SELECT of at most one
    /// row by an indexed key; on SQLite it runs in place when it can.
    pub async fn lookup<T: Send + 'static>(&self, work: impl ReadWork<T>) -> Result<T, AppError> {
        self.still_open()?;
        self.pool.lookup(work).await
    }

    /// Runs a write in a transaction of its own, made here: committed if
    /// `work` returns `Ok`, rolled back if it returns `Err`, panics, or
    /// leaves a transaction of its own open. Answers once committed:
    /// [`DbPool::write`].
    pub async fn write<T: Send + 'static>(&self, work: impl WriteWork<T>) -> Result<T, AppError> {
        self.still_open()?;
        self.pool.write(work).await
    }

    /// Runs a create that a client may retry: [`DbSession::write`], at most
    /// once per `Idempotency-Key` ([`crate::idempotency`]). `work` gets the
    /// request's `body` and makes the answer, usually
    /// [`crate::idempotency::created`]: a 201 with the new row and its
    /// `Location`. A repeat of the same request with the same key gets that
    /// saved answer again and writes nothing; the key with another body is
    /// a 422.
    ///
    /// The module [`crate::idempotency`] shows a whole handler.
    pub async fn create<B, F>(
        &self,
        idempotency: Idempotency,
        body: B,
        work: F,
    ) -> Result<HttpResponse, AppError>
    where
        B: Serialize + Send + 'static,
        F: FnOnce(&mut DbConnection, &B) -> QueryResult<SavedAnswer> + Send + 'static,
    {
        let request = idempotency.request_text(&body)?;
        if idempotency.has_key() && self.pool.due(SWEEP_EVERY) {
            // Off this request's path: its answer does not wait for it.
            let pool = self.pool.clone();
            actix_web::rt::spawn(async move {
                if let Err(error) = forget_expired_keys(&pool).await {
                    log::warn!("the sweep of forgotten idempotency keys stopped: {error}");
                }
            });
        }
        let done = self
            .write(move |conn| idempotency.once(conn, &request, |conn| work(conn, &body)))
            .await?;
        done.into_response()
    }

    /// Refuses work once the request is over. A handler may hand a clone of
    /// its session to a task that goes on after the answer is sent
    /// (`actix_web::rt::spawn`); that task would use the database for a
    /// request nobody waits for any more, with no one to see its errors.
    /// So from the moment the response is ready every call on any clone
    /// fails (a 500 in the log); such a task takes the pool instead.
    fn still_open(&self) -> Result<(), AppError> {
        if self.ended.load(Ordering::Acquire) {
            return Err(AppError::Internal(
                "a DbSession was used after its request ended: work that outlives a \
                 request awaits the DbPool's own read and write (web::Data<DbPool>) instead"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Ends the session. No connection is held between calls, so there is
    /// nothing to give back; later calls on a clone are refused.
    fn end(&self) {
        self.ended.store(true, Ordering::Release);
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

/// The teardown hook, registered with
/// `App::wrap(actix_web::middleware::from_fn(shutdown_session))`.
///
/// It opens the request's [`DbSession`], runs the rest of the app, and ends
/// the session when the response is ready. It runs on every path: when the
/// handler succeeds, fails, or panics; a panic becomes a JSON 500 and the
/// worker goes on serving.
pub async fn shutdown_session(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(pool) = req.app_data::<web::Data<DbPool>>() else {
        return Err(AppError::Internal("the App has no DbPool in its app_data".into()).into());
    };
    let session = DbSession {
        pool: DbPool::clone(pool),
        ended: Arc::new(AtomicBool::new(false)),
    };
    req.extensions_mut().insert(session.clone());

    // Runs the rest of the app, catching a panic as a value instead of
    // letting it end the worker thread. (`AssertUnwindSafe` is the promise
    // `catch_unwind` asks for: nothing the request shares is left half
    // changed by a panic here; its session is ended just below.)
    let outcome = AssertUnwindSafe(next.call(req)).catch_unwind().await;
    session.end();

    // Every answer gets the same body type, `BoxBody`: the middleware
    // inside may each produce their own, and an app's type must be one
    // that a function can name in its signature (`App<impl AppService>`).
    let outcome = outcome.map(|result| result.map(ServiceResponse::map_into_boxed_body));
    outcome.unwrap_or_else(|panic| {
        let message = panic_message(panic.as_ref());
        Err(AppError::Internal(format!("a handler panicked: {message}")).into())
    })
}
