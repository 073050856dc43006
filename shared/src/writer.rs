//! SQLite's writer: one thread per database runs every write the routes make,
//! and commits the writes that queued up meanwhile together, in one
//! transaction ("group commit").
//!
//! SQLite lets one connection write at a time, so writers queue whatever we
//! do. Queued on the blocking pool, each write cost a thread hand-off there
//! and back, a wait on a contended lock, and a commit of its own (a WAL
//! append of every page it touched). Here the writer thread drains the queue
//! without parking while there is work, runs each write inside a savepoint of
//! one transaction, and commits once for all of them. A write is answered
//! only after that commit: a 201 still means the row is on disk.
//!
//! PostgreSQL takes concurrent writers by design; there the routes write
//! through the request's own connection on the blocking pool.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::PoisonError;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use diesel::connection::{Connection, TransactionManager};
use tokio::sync::oneshot;

use crate::database::{DbConnection, SQLITE_WRITER, begin_immediate, roll_back_open_transactions};
use crate::error::AppError;

/// The most writes one transaction commits; the rest wait for the next.
const MOST_WRITES_PER_COMMIT: usize = 64;

/// A handle on the writer thread of one SQLite database. Cloning it is cheap;
/// the thread stops when the last handle (the pool holding it) is dropped.
#[derive(Clone)]
pub struct SqliteWriter {
    jobs: Sender<Box<dyn Job>>,
    /// A write that waited longer than this in the queue is refused with a
    /// 503, as a request that waited this long for a connection is.
    patience: Duration,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter").finish_non_exhaustive()
    }
}

impl SqliteWriter {
    /// Starts the writer thread, which writes through `conn`.
    pub(crate) fn start(
        conn: DbConnection,
        reconnect: impl Fn() -> Option<DbConnection> + Send + 'static,
        patience: Duration,
    ) -> std::io::Result<SqliteWriter> {
        let (jobs, queue) = channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_in_groups(conn, queue, reconnect))?;
        Ok(SqliteWriter { jobs, patience })
    }

    /// Runs `work` on the writer thread and answers once it is committed.
    ///
    /// `work` runs inside the group's transaction: a write it makes through
    /// [`crate::write_transaction`] gets a savepoint, so a write that fails
    /// (a duplicate name, say) undoes only itself.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<AppError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job = WriteJob {
            work: move |conn: &mut DbConnection| work(conn).map_err(Into::into),
            answer,
            deadline: Instant::now() + self.patience,
        };
        self.jobs
            .send(Box::new(job))
            .map_err(|_| AppError::Unavailable("the SQLite writer has stopped".into()))?;
        // The sender goes away unanswered only if the work panicked.
        answered
            .await
            .map_err(|_| AppError::Internal("a database write panicked".into()))?
    }
}

/// A write waiting in the queue, with where its answer goes.
trait Job: Send {
    /// Runs the work; returns how to answer once the group is committed or
    /// rolled back.
    fn run(self: Box<Self>, conn: &mut DbConnection) -> Box<dyn FnOnce(Result<(), AppError>)>;
    /// Answers `error` without running the work.
    fn refuse(self: Box<Self>, error: AppError);
    /// When the caller stops waiting for a turn.
    fn deadline(&self) -> Instant;
}

struct WriteJob<F, T> {
    work: F,
    answer: oneshot::Sender<Result<T, AppError>>,
    deadline: Instant,
}

impl<F, T> Job for WriteJob<F, T>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send,
    T: Send + 'static,
{
    fn run(self: Box<Self>, conn: &mut DbConnection) -> Box<dyn FnOnce(Result<(), AppError>)> {
        let WriteJob { work, answer, .. } = *self;
        let outcome = work(conn);
        // A closed receiver means the client left: the write stands anyway.
        Box::new(move |group| {
            let _ = answer.send(group.and(outcome));
        })
    }

    fn refuse(self: Box<Self>, error: AppError) {
        let _ = self.answer.send(Err(error));
    }

    fn deadline(&self) -> Instant {
        self.deadline
    }
}

/// The writer thread: takes every write waiting, runs them in one
/// transaction, commits, answers them all, and starts again.
fn write_in_groups(
    mut conn: DbConnection,
    queue: Receiver<Box<dyn Job>>,
    reconnect: impl Fn() -> Option<DbConnection>,
) {
    // `recv` parks only when the queue is empty; `try_iter` never does.
    while let Ok(first) = queue.recv() {
        let now = Instant::now();
        let mut group = Vec::new();
        for job in std::iter::once(first).chain(queue.try_iter().take(MOST_WRITES_PER_COMMIT - 1)) {
            if job.deadline() < now {
                job.refuse(AppError::Unavailable(
                    "too many writes are waiting for the database: try again".into(),
                ));
            } else {
                group.push(job);
            }
        }
        if !write_group(&mut conn, group) {
            // The connection could not even roll back: open a new one.
            match reconnect() {
                Some(fresh) => conn = fresh,
                None => log::error!("the SQLite writer could not reopen its connection"),
            }
        }
    }
}

/// Runs one group of writes and commits it. Returns false when the
/// connection is left in a state it cannot be used in again.
fn write_group(conn: &mut DbConnection, group: Vec<Box<dyn Job>>) -> bool {
    // Writers elsewhere in this process (the demo, a store called directly)
    // take turns with this thread.
    let _turn = SQLITE_WRITER.lock().unwrap_or_else(PoisonError::into_inner);
    if let Err(error) = begin_immediate(conn) {
        let error = AppError::from(error);
        for job in group {
            job.refuse(AppError::Unavailable(format!(
                "the database is busy: {error}"
            )));
        }
        return true;
    }
    let mut answers = Vec::with_capacity(group.len());
    let mut jobs = group.into_iter();
    let mut panicked = false;
    for job in jobs.by_ref() {
        match catch_unwind(AssertUnwindSafe(|| job.run(conn))) {
            Ok(answer) => answers.push(answer),
            Err(_) => {
                // Its caller learns of the panic from its dropped answer.
                panicked = true;
                break;
            }
        }
    }

    let committed = if panicked {
        Err(AppError::Unavailable(
            "a write in the same group failed, so the group was not kept: try again".into(),
        ))
    } else {
        <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
            .map_err(AppError::from)
    };
    let usable = committed.is_ok() || roll_back_open_transactions(conn);
    for job in jobs {
        job.refuse(AppError::Unavailable(
            "a write queued with this one failed: try again".into(),
        ));
    }
    // Every write of the group gets the group's outcome.
    let committed = committed.map_err(|e| e.to_string());
    for answer in answers {
        answer(committed.clone().map_err(AppError::Unavailable));
    }
    usable
}
