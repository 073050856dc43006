//! SQLite's writer: one thread per database runs every write, each in a
//! savepoint of its own, and commits the writes that queued up meanwhile
//! together, in one transaction ("group commit").
//!
//! SQLite lets one connection write at a time, so writers queue whatever we
//! do. Queued on the blocking pool, each write cost a thread hand-off there
//! and back, a wait on a contended lock, and a commit of its own (a WAL
//! append of every page it touched). Here the writer thread drains the queue
//! without parking while there is work and commits once per group. A write
//! is answered only after that commit: a 201 still means the row is on disk.
//!
//! Each write runs in its own savepoint ([`crate::transaction`]): one that
//! fails (a duplicate name) or panics undoes itself alone, and the rest of
//! its group commits. PostgreSQL takes concurrent writers by design; there
//! writes go through the request's own connection.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::QueryResult;
use tokio::sync::oneshot;

use crate::connection::{Access, ConnectError, DbConnection, connect};
use crate::database_url::DatabaseUrl;
use crate::error::AppError;
use crate::transaction;

/// The most writes one transaction commits; the rest wait for the next.
const MOST_WRITES_PER_COMMIT: usize = 64;

/// The most writes that may wait for the writer; past this, a write is
/// answered 503 at once rather than queued without bound.
const MOST_WRITES_WAITING: usize = 1024;

/// A handle on the writer thread of one SQLite database. Cloning it is
/// cheap; the thread answers every queued write and stops when the last
/// handle is dropped, or at [`SqliteWriter::stop`].
#[derive(Clone)]
pub struct SqliteWriter {
    shared: Arc<Shared>,
}

struct Shared {
    queue: SyncSender<Message>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// A write that waited longer than this in the queue is refused with a
    /// 503, as a request that waited this long for a connection is.
    patience: Duration,
}

enum Message {
    Write(Box<dyn Job>),
    Stop,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter").finish_non_exhaustive()
    }
}

impl SqliteWriter {
    /// Opens the writer's connection to `url` and starts its thread.
    pub(crate) fn start(url: &DatabaseUrl, patience: Duration) -> Result<Self, ConnectError> {
        let conn = connect(url, Access::ReadWrite)?;
        let (queue, jobs) = sync_channel(MOST_WRITES_WAITING);
        let url = url.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_in_groups(Some(conn), jobs, || connect(&url, Access::ReadWrite)))
            .map_err(|e| ConnectError(format!("cannot start the SQLite writer thread: {e}")))?;
        Ok(SqliteWriter {
            shared: Arc::new(Shared {
                queue,
                thread: Mutex::new(Some(thread)),
                patience,
            }),
        })
    }

    /// Runs `work` on the writer thread, in a savepoint of its own, and
    /// answers once it is committed.
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        self.enqueue(work, Reply::Awaited(answer))?;
        answered.await.unwrap_or_else(|_| Err(stopped()))
    }

    /// [`SqliteWriter::write`] for code outside the async runtime (the demo,
    /// tests): blocks the calling thread until the write is committed.
    pub fn write_blocking<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = sync_channel(1);
        self.enqueue(work, Reply::Blocking(answer))?;
        answered.recv().unwrap_or_else(|_| Err(stopped()))
    }

    fn enqueue<T, F>(&self, work: F, reply: Reply<T>) -> Result<(), AppError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let job = WriteJob {
            work,
            reply,
            deadline: Instant::now() + self.shared.patience,
        };
        match self.shared.queue.try_send(Message::Write(Box::new(job))) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(AppError::Unavailable(
                "too many writes are waiting for the database: try again".into(),
            )),
            Err(TrySendError::Disconnected(_)) => Err(stopped()),
        }
    }

    /// Answers every write already queued, then stops the thread and waits
    /// for it. Writes sent afterwards get a 503. Called at shutdown.
    pub fn stop(&self) {
        self.shared.stop();
    }
}

impl Shared {
    fn stop(&self) {
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // Blocks while the queue is full; the thread is draining it.
            let _ = self.queue.send(Message::Stop);
            if thread.join().is_err() {
                log::error!("the SQLite writer thread panicked");
            }
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.stop();
    }
}

fn stopped() -> AppError {
    AppError::Unavailable("the SQLite writer has stopped: the app is shutting down".into())
}

/// Where a write's answer goes: an awaiting request, or a blocked thread.
enum Reply<T> {
    Awaited(oneshot::Sender<Result<T, AppError>>),
    Blocking(SyncSender<Result<T, AppError>>),
}

impl<T> Reply<T> {
    fn send(self, outcome: Result<T, AppError>) {
        // A receiver that is gone means the client left: the write stands.
        match self {
            Reply::Awaited(answer) => {
                let _ = answer.send(outcome);
            }
            Reply::Blocking(answer) => {
                let _ = answer.send(outcome);
            }
        }
    }
}

/// A write waiting in the queue, with where its answer goes.
trait Job: Send {
    /// Runs the work in its own savepoint; returns how to answer once the
    /// group is committed or rolled back.
    fn run(self: Box<Self>, conn: &mut DbConnection) -> Box<dyn FnOnce(Result<(), AppError>)>;
    /// Answers `error` without running the work.
    fn refuse(self: Box<Self>, error: AppError);
    /// When the caller stops waiting for a turn.
    fn deadline(&self) -> Instant;
}

struct WriteJob<F, T> {
    work: F,
    reply: Reply<T>,
    deadline: Instant,
}

impl<F, T> Job for WriteJob<F, T>
where
    F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send,
    T: Send + 'static,
{
    fn run(self: Box<Self>, conn: &mut DbConnection) -> Box<dyn FnOnce(Result<(), AppError>)> {
        let WriteJob { work, reply, .. } = *self;
        // The group's transaction is open (depth 1): this is a savepoint.
        let outcome = transaction::write_transaction(conn, work);
        Box::new(move |group| reply.send(group.and(outcome)))
    }

    fn refuse(self: Box<Self>, error: AppError) {
        self.reply.send(Err(error));
    }

    fn deadline(&self) -> Instant {
        self.deadline
    }
}

/// The writer thread: takes every write waiting, runs them in one
/// transaction, commits, answers them all, and starts again until told to
/// stop or every handle is gone.
fn write_in_groups(
    mut conn: Option<DbConnection>,
    queue: Receiver<Message>,
    reconnect: impl Fn() -> Result<DbConnection, ConnectError>,
) {
    let mut stopping = false;
    // `recv` parks only when the queue is empty; `try_recv` never does.
    while let Ok(first) = queue.recv() {
        let mut group = Vec::new();
        let now = Instant::now();
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Stop => {
                    stopping = true;
                    break;
                }
                Message::Write(job) if job.deadline() < now => job.refuse(AppError::Unavailable(
                    "too many writes are waiting for the database: try again".into(),
                )),
                Message::Write(job) => group.push(job),
            }
            if group.len() < MOST_WRITES_PER_COMMIT {
                next = queue.try_recv().ok();
            }
        }
        if conn.is_none() {
            // The last group left the connection unusable: open a new one
            // now, and if that fails too, try again with the next group.
            conn = reconnect()
                .map_err(|e| log::error!("the SQLite writer cannot reopen its database: {e}"))
                .ok();
        }
        match conn.as_mut() {
            Some(c) => {
                if !write_group(c, group) {
                    conn = None;
                }
            }
            None => refuse_all(
                group,
                "the database file cannot be opened for writing: try again",
            ),
        }
        if stopping {
            break;
        }
    }
    // Stopped: whatever is still queued gets an answer, not silence.
    for message in queue.try_iter() {
        if let Message::Write(job) = message {
            job.refuse(stopped());
        }
    }
}

fn refuse_all(group: Vec<Box<dyn Job>>, reason: &str) {
    for job in group {
        job.refuse(AppError::Unavailable(reason.to_owned()));
    }
}

/// Runs one group of writes and commits it. Returns false when the
/// connection is left in a state it cannot be used in again.
fn write_group(conn: &mut DbConnection, group: Vec<Box<dyn Job>>) -> bool {
    if group.is_empty() {
        return true;
    }
    if let Err(error) = transaction::begin(conn) {
        // Another process holds the write lock past busy_timeout.
        refuse_all(group, &format!("the database is busy: {error}"));
        return transaction::roll_back_to(conn, 0);
    }
    let answers: Vec<_> = group.into_iter().map(|job| job.run(conn)).collect();
    let committed = match transaction::depth(conn) {
        Ok(1) => transaction::commit(conn).map_err(|e| e.to_string()),
        other => Err(format!("the group's transaction was lost: {other:?}")),
    };
    let usable = committed.is_ok() || transaction::roll_back_to(conn, 0);
    // Every write of the group gets the group's outcome with its own.
    for answer in answers {
        answer(committed.clone().map_err(AppError::Unavailable));
    }
    usable
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::mpsc::{Receiver, Sender, channel};

    use actix_web::ResponseError;
    use diesel::connection::SimpleConnection;

    use super::*;

    /// A SQLite file in a folder of its own, with a table `t (x UNIQUE)`.
    fn database(test: &str) -> (PathBuf, DatabaseUrl) {
        let dir = std::env::temp_dir().join(format!("writer-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = DatabaseUrl::Sqlite(dir.join("db.sqlite").display().to_string());
        connect(&url, Access::ReadWrite)
            .unwrap()
            .batch_execute("CREATE TABLE t (x INTEGER UNIQUE)")
            .unwrap();
        (dir, url)
    }

    fn insert(x: i32) -> impl FnOnce(&mut DbConnection) -> QueryResult<()> + Send + 'static {
        move |conn| conn.batch_execute(&format!("INSERT INTO t VALUES ({x})"))
    }

    /// Queues `work`; the answer arrives on the receiver.
    fn queue(
        writer: &SqliteWriter,
        work: impl FnOnce(&mut DbConnection) -> QueryResult<()> + Send + 'static,
    ) -> Result<Receiver<Result<(), AppError>>, AppError> {
        let (answer, answered) = sync_channel(1);
        writer.enqueue(work, Reply::Blocking(answer))?;
        Ok(answered)
    }

    /// Occupies the writer thread until the returned sender is dropped.
    fn hold_the_writer(writer: &SqliteWriter) -> (Sender<()>, Receiver<Result<(), AppError>>) {
        let (inside, entered) = channel();
        let (release, released) = channel::<()>();
        let answered = queue(writer, move |_| {
            let _ = inside.send(());
            let _ = released.recv();
            Ok(())
        })
        .unwrap();
        entered.recv().unwrap();
        (release, answered)
    }

    #[test]
    fn a_full_queue_answers_503_at_once() {
        let (dir, url) = database("full");
        let writer = SqliteWriter::start(&url, Duration::from_secs(60)).unwrap();
        let (release, _) = hold_the_writer(&writer);
        let waiting: Vec<_> = (0..MOST_WRITES_WAITING as i32)
            .map(|x| queue(&writer, insert(x)).unwrap())
            .collect();
        let refused = queue(&writer, insert(-1)).unwrap_err();
        assert_eq!(refused.status_code(), 503, "{refused:?}");
        drop(release);
        for answer in waiting {
            answer.recv().unwrap().unwrap();
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn stopping_answers_every_queued_write_then_refuses() {
        let (dir, url) = database("stop");
        let writer = SqliteWriter::start(&url, Duration::from_secs(60)).unwrap();
        let (release, _) = hold_the_writer(&writer);
        let queued: Vec<_> = (0..10)
            .map(|x| queue(&writer, insert(x)).unwrap())
            .collect();
        let stopping = {
            let writer = writer.clone();
            std::thread::spawn(move || writer.stop())
        };
        drop(release);
        stopping.join().unwrap();
        for answer in queued {
            answer.recv().unwrap().unwrap();
        }
        let late = writer.write_blocking(insert(99)).unwrap_err();
        assert_eq!(late.status_code(), 503, "{late:?}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_writer_that_cannot_reconnect_answers_503_until_it_can() {
        let (dir, url) = database("reconnect");
        // A writer whose connection broke, and whose first attempt to open
        // a new one fails (the disk is full, the file was moved…).
        let attempts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let reconnect = {
            let (attempts, url) = (Arc::clone(&attempts), url.clone());
            move || match attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 => Err(ConnectError("the file cannot be opened".into())),
                _ => connect(&url, Access::ReadWrite),
            }
        };
        let (queue, jobs) = sync_channel(8);
        let thread = std::thread::spawn(move || write_in_groups(None, jobs, reconnect));
        let writer = SqliteWriter {
            shared: Arc::new(Shared {
                queue,
                thread: Mutex::new(Some(thread)),
                patience: Duration::from_secs(60),
            }),
        };
        let refused = writer.write_blocking(insert(1)).unwrap_err();
        assert_eq!(refused.status_code(), 503, "{refused:?}");
        // The next write tries again, opens a connection and commits.
        writer.write_blocking(insert(2)).unwrap();
        writer.write_blocking(insert(3)).unwrap();
        assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
        let _ = std::fs::remove_dir_all(dir);
    }
}
