//! SQLite's writer: one thread per database runs every write, each in a
//! savepoint of its own, and commits the writes that queued up meanwhile
//! together, in one transaction ("group commit").
//!
//! SQLite lets one connection write at a time, so writers queue whatever we
//! do. Queued on a pool of threads, each write cost a thread hand-off there
//! and back, a wait on a contended lock, and a commit of its own: with
//! `synchronous = FULL`, one `fsync` per write. Here the writer thread drains
//! the queue without parking while there is work and commits once per
//! group: one `fsync` for the whole group. A write is answered only after
//! that commit.
//!
//! Each write runs in its own savepoint ([`crate::transaction`]): one that
//! fails (a duplicate name) or panics undoes itself alone, and the rest of
//! its group commits. A write can also end the whole transaction (a
//! trigger's `RAISE(ROLLBACK)`, `INSERT OR ROLLBACK`, or a full disk, which
//! SQLite may answer by rolling back): the group stops there, the writes
//! already run are answered 503 (they were rolled back with it: nothing of
//! them was kept), that write gets its own error, and the writes not yet
//! run start the next group. Every answer is what is on disk.
//!
//! PostgreSQL takes concurrent writers by design; there writes go through
//! a pooled connection of their own.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::QueryResult;
use tokio::sync::oneshot;

use diesel::connection::SimpleConnection;

use crate::connection::{Access, ConnectError, DbConnection, connect};
use crate::database::{SqliteDurability, WriteWork};
use crate::database_url::DatabaseUrl;
use crate::db_threads::{Claim, await_answer, block_on, not_started};
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
#[derive(Clone, Debug)]
pub struct SqliteWriter {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    queue: SyncSender<Message>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// How long a write may wait for its turn: past it, if the writer has
    /// not started it, it never will, and its caller gets a 503 (as a
    /// request that waited this long for a connection does).
    patience: Duration,
}

enum Message {
    Write(Box<dyn Job>),
    Stop,
}

impl SqliteWriter {
    /// Opens the writer's connection to `url` and starts its thread.
    pub(crate) fn start(
        url: &DatabaseUrl,
        patience: Duration,
        durability: SqliteDurability,
    ) -> Result<Self, ConnectError> {
        let open = {
            let url = url.clone();
            move || {
                let mut conn = connect(&url, Access::ReadWrite)?;
                // Another process holding the write lock is waited for as
                // long as a request waits for its turn, no longer.
                let pragma = durability.pragma();
                let settings = format!("{pragma}; PRAGMA busy_timeout = {}", patience.as_millis());
                conn.batch_execute(&settings)
                    .map_err(|e| ConnectError(format!("cannot set up the writer: {e}")))?;
                Ok(conn)
            }
        };
        let conn = open()?;
        let (queue, jobs) = sync_channel(MOST_WRITES_WAITING);
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_in_groups(Some(conn), jobs, open))
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
    /// answers once it is committed, or with a 503 if the writer could not
    /// start it within the checkout timeout (it then never runs).
    pub async fn write<T: Send + 'static>(&self, work: impl WriteWork<T>) -> Result<T, AppError> {
        transaction::refuse_a_write_inside_a_write()?;
        let (answer, answered) = oneshot::channel();
        let (claim, deadline) = self.enqueue(work, answer)?;
        let waited = self.shared.patience;
        let not_started = || not_started("the SQLite writer did not get to this write", waited);
        await_answer(answered, &claim, deadline, not_started, stopped).await
    }

    /// [`SqliteWriter::write`] for code outside the async runtime (a tool,
    /// tests): blocks the calling thread until the write is answered.
    pub fn write_blocking<T: Send + 'static>(
        &self,
        work: impl WriteWork<T>,
    ) -> Result<T, AppError> {
        block_on(self.write(work))
    }

    fn enqueue<T: Send + 'static>(
        &self,
        work: impl WriteWork<T>,
        reply: Answer<T>,
    ) -> Result<(Claim, Instant), AppError> {
        let claim = Claim::default();
        let job = WriteJob {
            work,
            reply,
            claim: claim.clone(),
        };
        match self.shared.queue.try_send(Message::Write(Box::new(job))) {
            Ok(()) => Ok((claim, Instant::now() + self.shared.patience)),
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

/// Where a write's answer goes. (A receiver that is gone means the client
/// left: the write stands.)
type Answer<T> = oneshot::Sender<Result<T, AppError>>;

/// How a group of writes ended, as one write of it sees it.
#[derive(Debug, Clone)]
enum GroupOutcome {
    /// Committed: every write that succeeded in its savepoint is on disk.
    Committed,
    /// Nothing of the group was kept, for this reason.
    RolledBack(String),
    /// This write ended the group's transaction: nothing of the group was
    /// kept, and its own error says why.
    EndedByThisWrite,
}

/// A write that has run, waiting for its group's outcome to be answered.
type Ran = Box<dyn FnOnce(&GroupOutcome)>;

/// A write waiting in the queue, with where its answer goes.
trait Job: Send {
    /// True if the writer may start it: its caller has not given up, and
    /// from now on will wait for its outcome.
    fn start(&self) -> bool;
    /// Runs the work in its own savepoint; returns how to answer once the
    /// group's outcome is known.
    fn run(self: Box<Self>, conn: &mut DbConnection) -> Ran;
    /// Answers `error` without running the work.
    fn refuse(self: Box<Self>, error: AppError);
}

struct WriteJob<F, T> {
    work: F,
    reply: Answer<T>,
    claim: Claim,
}

impl<F, T> Job for WriteJob<F, T>
where
    F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send,
    T: Send + 'static,
{
    fn start(&self) -> bool {
        self.claim.start()
    }

    fn run(self: Box<Self>, conn: &mut DbConnection) -> Ran {
        let WriteJob { work, reply, .. } = *self;
        // The group's transaction is open (depth 1): this is a savepoint.
        let outcome = transaction::write_transaction(conn, work);
        Box::new(move |group| {
            let _ = reply.send(match (group, outcome) {
                (GroupOutcome::Committed, outcome) => outcome,
                // Whatever this write did or was refused, it was decided
                // against data that is not on disk: ask for it again.
                (GroupOutcome::RolledBack(reason), _) => Err(AppError::Unavailable(reason.clone())),
                (GroupOutcome::EndedByThisWrite, Err(error)) => Err(error),
                (GroupOutcome::EndedByThisWrite, Ok(_)) => Err(AppError::Internal(
                    "a write ended the transaction it ran in (a COMMIT or ROLLBACK of its own?): \
                     what it wrote after that may have been kept"
                        .into(),
                )),
            });
        })
    }

    fn refuse(self: Box<Self>, error: AppError) {
        let _ = self.reply.send(Err(error));
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
    // Writes a group stopped before it ran them: the next group's first.
    let mut not_run: Vec<Box<dyn Job>> = Vec::new();
    loop {
        let mut group = std::mem::take(&mut not_run);
        if group.is_empty() {
            // `recv` parks only when the queue is empty; `try_recv` never does.
            let Ok(first) = queue.recv() else { break };
            take_into(&mut group, first, &queue, &mut stopping);
        } else if !stopping && let Ok(next) = queue.try_recv() {
            take_into(&mut group, next, &queue, &mut stopping);
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
                let (usable, left) = write_group(c, group);
                not_run = left;
                if !usable {
                    conn = None;
                }
            }
            None => refuse_all(
                group,
                "the database file cannot be opened for writing: try again",
            ),
        }
        if stopping && not_run.is_empty() {
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

/// Adds `first`, then the writes already queued, to `group`, up to a
/// group's size.
fn take_into(
    group: &mut Vec<Box<dyn Job>>,
    first: Message,
    queue: &Receiver<Message>,
    stopping: &mut bool,
) {
    let mut next = Some(first);
    while let Some(message) = next.take() {
        match message {
            Message::Stop => {
                *stopping = true;
                return;
            }
            Message::Write(job) => group.push(job),
        }
        if group.len() < MOST_WRITES_PER_COMMIT {
            next = queue.try_recv().ok();
        }
    }
}

/// Answers each write of `group` that its caller still waits for with a 503
/// for `reason`, without running it.
fn refuse_all(group: Vec<Box<dyn Job>>, reason: &str) {
    for job in group {
        if job.start() {
            job.refuse(AppError::Unavailable(reason.to_owned()));
        }
    }
}

/// Runs one group of writes and commits it. Returns whether the connection
/// can be used again, and the writes the group stopped before running
/// because one of them ended its transaction.
fn write_group(conn: &mut DbConnection, group: Vec<Box<dyn Job>>) -> (bool, Vec<Box<dyn Job>>) {
    if group.is_empty() {
        return (true, Vec::new());
    }
    if let Err(error) = transaction::begin(conn) {
        // Another process holds the write lock past busy_timeout.
        refuse_all(group, &format!("the database is busy: {error}"));
        return (transaction::roll_back_to(conn, 0), Vec::new());
    }
    let mut ran = Vec::with_capacity(group.len());
    let mut jobs = group.into_iter();
    let mut ended_by = None;
    for job in jobs.by_ref() {
        // Claimed only now, with the write lock held: a caller that gave up
        // while the group waited for it was answered 503, and its write
        // never runs.
        if !job.start() {
            continue;
        }
        let answer = job.run(conn);
        // Still inside the group's transaction? SQLite may have ended it
        // (diesel notices when the write's savepoint cannot be closed).
        if !matches!(transaction::depth(conn), Ok(1)) {
            ended_by = Some(answer);
            break;
        }
        ran.push(answer);
    }
    let not_run: Vec<_> = jobs.collect();
    let outcome = match ended_by {
        Some(culprit) => {
            // Its own error says why; nothing of it was kept either.
            culprit(&GroupOutcome::EndedByThisWrite);
            GroupOutcome::RolledBack(
                "another write in the same transaction ended it, so this one was not kept: try again"
                    .into(),
            )
        }
        None => match transaction::commit(conn) {
            Ok(()) => GroupOutcome::Committed,
            Err(error) => GroupOutcome::RolledBack(format!(
                "the commit failed ({error}), so this write was not kept: try again"
            )),
        },
    };
    let usable = matches!(outcome, GroupOutcome::Committed) || transaction::roll_back_to(conn, 0);
    for answer in ran {
        answer(&outcome);
    }
    (usable, not_run)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::mpsc::{Sender, channel};

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
    ) -> Result<oneshot::Receiver<Result<(), AppError>>, AppError> {
        let (answer, answered) = oneshot::channel();
        writer.enqueue(work, answer)?;
        Ok(answered)
    }

    /// Occupies the writer thread until the returned sender is dropped.
    fn hold_the_writer(
        writer: &SqliteWriter,
    ) -> (Sender<()>, oneshot::Receiver<Result<(), AppError>>) {
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

    type BoxedWrite = Box<dyn FnOnce(&mut DbConnection) -> QueryResult<()> + Send>;

    /// Queues `writes` while the writer is busy, so that they run as one
    /// group, and returns the answer each got.
    fn as_one_group(writer: &SqliteWriter, writes: Vec<BoxedWrite>) -> Vec<Result<(), AppError>> {
        let (release, held) = hold_the_writer(writer);
        let answers: Vec<_> = writes
            .into_iter()
            .map(|work| queue(writer, work).unwrap())
            .collect();
        drop(release);
        held.blocking_recv().unwrap().unwrap();
        answers
            .into_iter()
            .map(|a| a.blocking_recv().unwrap())
            .collect()
    }

    fn rows(url: &DatabaseUrl) -> Vec<i32> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            x: i32,
        }
        let mut conn = connect(url, Access::ReadOnly).unwrap();
        diesel::RunQueryDsl::load::<Row>(diesel::sql_query("SELECT x FROM t ORDER BY x"), &mut conn)
            .unwrap()
            .into_iter()
            .map(|row| row.x)
            .collect()
    }

    fn statuses(answers: &[Result<(), AppError>]) -> Vec<u16> {
        answers
            .iter()
            .map(|a| {
                a.as_ref()
                    .map_or_else(|e| e.status_code().as_u16(), |()| 200)
            })
            .collect()
    }

    #[test]
    fn a_trigger_that_rolls_back_stops_the_group_and_every_answer_is_true() {
        let (dir, url) = database("raise-rollback");
        let writer =
            SqliteWriter::start(&url, Duration::from_secs(60), SqliteDurability::PowerLoss)
                .unwrap();
        writer
            .write_blocking(|conn| {
                conn.batch_execute(
                    "CREATE TRIGGER no_negative BEFORE INSERT ON t WHEN NEW.x < 0 \
                     BEGIN SELECT RAISE(ROLLBACK, 'x must not be negative'); END",
                )
            })
            .unwrap();
        let answers = as_one_group(
            &writer,
            vec![
                Box::new(insert(1)),
                Box::new(insert(-1)),
                Box::new(insert(2)),
                Box::new(insert(3)),
            ],
        );
        // 1 ran and was rolled back with the group: try again. -1 ended the
        // transaction: its own error. 2 and 3 had not run: the next group
        // ran and committed them.
        assert_eq!(statuses(&answers), [503, 500, 200, 200], "{answers:?}");
        assert_eq!(rows(&url), [2, 3]);
        // The writer goes on.
        writer.write_blocking(insert(1)).unwrap();
        assert_eq!(rows(&url), [1, 2, 3]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn insert_or_rollback_stops_the_group_and_every_answer_is_true() {
        let (dir, url) = database("or-rollback");
        let writer =
            SqliteWriter::start(&url, Duration::from_secs(60), SqliteDurability::PowerLoss)
                .unwrap();
        writer.write_blocking(insert(1)).unwrap();
        let answers = as_one_group(
            &writer,
            vec![
                Box::new(insert(5)),
                Box::new(|conn: &mut DbConnection| {
                    conn.batch_execute("INSERT OR ROLLBACK INTO t VALUES (1)")
                }),
                Box::new(insert(6)),
            ],
        );
        assert_eq!(statuses(&answers), [503, 409, 200], "{answers:?}");
        assert_eq!(rows(&url), [1, 6]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_full_database_answers_every_write_with_what_is_on_disk() {
        let (dir, url) = database("full-disk");
        let writer =
            SqliteWriter::start(&url, Duration::from_secs(60), SqliteDurability::PowerLoss)
                .unwrap();
        // The file may grow by a few pages at most: a large value fails
        // with SQLITE_FULL ("database or disk is full"), which SQLite may
        // answer by rolling back the statement or the whole transaction.
        writer
            .write_blocking(|conn| {
                conn.batch_execute("CREATE TABLE blobs (b BLOB); PRAGMA max_page_count = 64;")
            })
            .unwrap();
        let answers = as_one_group(
            &writer,
            vec![
                Box::new(insert(1)),
                Box::new(|conn: &mut DbConnection| {
                    conn.batch_execute("INSERT INTO blobs VALUES (zeroblob(4000000))")
                }),
                Box::new(insert(2)),
            ],
        );
        assert!(answers[1].is_err(), "{answers:?}");
        // Whatever SQLite chose, each write's answer says what is on disk.
        let on_disk = rows(&url);
        for (x, answer) in [(1, &answers[0]), (2, &answers[2])] {
            assert_eq!(
                answer.is_ok(),
                on_disk.contains(&x),
                "{x}: {answers:?}, rows {on_disk:?}"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_write_inside_a_write_is_refused_at_once() {
        let (dir, url) = database("nested");
        let writer =
            SqliteWriter::start(&url, Duration::from_secs(60), SqliteDurability::PowerLoss)
                .unwrap();
        let (nested_answer, nested) = channel();
        let inner = writer.clone();
        let started = Instant::now();
        writer
            .write_blocking(move |conn| {
                let _ = nested_answer.send(inner.write_blocking(insert(2)));
                insert(1)(conn)
            })
            .unwrap();
        let refused = nested.recv().unwrap().unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(refused.status_code(), 500, "{refused:?}");
        assert!(
            refused.cause().contains("inside another write"),
            "{refused:?}"
        );
        assert_eq!(rows(&url), [1]);
        // And the writer serves the next write.
        writer.write_blocking(insert(3)).unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_writer_commits_with_the_durability_asked() {
        #[derive(diesel::QueryableByName)]
        struct Synchronous {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            synchronous: i32,
        }
        let (dir, url) = database("durability");
        // SQLite numbers them: NORMAL is 1, FULL is 2.
        for (durability, expected) in [
            (SqliteDurability::PowerLoss, 2),
            (SqliteDurability::AppCrash, 1),
        ] {
            let writer = SqliteWriter::start(&url, Duration::from_secs(60), durability).unwrap();
            let setting = writer
                .write_blocking(|conn| {
                    diesel::RunQueryDsl::get_result::<Synchronous>(
                        diesel::sql_query("PRAGMA synchronous"),
                        conn,
                    )
                })
                .unwrap();
            assert_eq!(setting.synchronous, expected, "{durability:?}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_write_locked_out_by_another_process_waits_no_longer_than_its_patience() {
        let (dir, url) = database("locked-out");
        let patience = Duration::from_millis(300);
        let writer = SqliteWriter::start(&url, patience, SqliteDurability::PowerLoss).unwrap();
        // Another process's transaction holds the write lock.
        let mut other = connect(&url, Access::ReadWrite).unwrap();
        other.batch_execute("BEGIN IMMEDIATE").unwrap();
        let started = Instant::now();
        let refused = writer.write_blocking(insert(1)).unwrap_err();
        let waited = started.elapsed();
        assert_eq!(refused.status_code(), 503, "{refused:?}");
        assert!(
            waited < patience * 3,
            "a write waited {waited:?} for a lock, its patience being {patience:?}"
        );
        other.batch_execute("COMMIT").unwrap();
        writer.write_blocking(insert(2)).unwrap();
        assert_eq!(rows(&url), [2]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_full_queue_answers_503_at_once() {
        let (dir, url) = database("full");
        let writer =
            SqliteWriter::start(&url, Duration::from_secs(60), SqliteDurability::PowerLoss)
                .unwrap();
        let (release, _) = hold_the_writer(&writer);
        let waiting: Vec<_> = (0..MOST_WRITES_WAITING as i32)
            .map(|x| queue(&writer, insert(x)).unwrap())
            .collect();
        let refused = queue(&writer, insert(-1)).unwrap_err();
        assert_eq!(refused.status_code(), 503, "{refused:?}");
        drop(release);
        for answer in waiting {
            answer.blocking_recv().unwrap().unwrap();
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn stopping_answers_every_queued_write_then_refuses() {
        let (dir, url) = database("stop");
        let writer =
            SqliteWriter::start(&url, Duration::from_secs(60), SqliteDurability::PowerLoss)
                .unwrap();
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
            answer.blocking_recv().unwrap().unwrap();
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
