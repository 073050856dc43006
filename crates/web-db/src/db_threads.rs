//! The threads that run database work off the async workers, and the rule
//! that keeps every wait for them bounded.
//!
//! Diesel is synchronous: a query holds its thread until the answer comes,
//! so the session hands work to other threads and awaits the answer. actix's
//! `web::block` would hand it to the blocking pool of the worker that took
//! the request: a pool per worker, with a queue that has no bound and no
//! timeout. Two slow reads on one worker then hold up a fast one behind
//! them for as long as they last, while the other worker's threads and
//! connections sit idle.
//!
//! Here the whole app shares one set of threads, as many as the pool has
//! connections: a thread is free whenever a connection is, and no thread
//! waits for a connection another thread holds. A job waits for a thread at
//! most until its deadline (the pool's checkout timeout). Past it, either
//! the job had already started, and its caller waits for its real outcome,
//! or it had not, and it never will: the caller gets a 503 with
//! `Retry-After`, and the job, when a thread reaches it, does nothing.
//! `Claim` makes that one decision, so a write is never run after its
//! caller was told it was not.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use tokio::sync::oneshot;

use crate::error::AppError;

/// The most jobs that may wait for a thread; past this a job is refused with
/// a 503 at once rather than queued.
const MOST_JOBS_WAITING: usize = 4096;

/// A job's fate while it waits: started by a thread, or given up by its
/// caller. Whichever comes first wins; the other side learns it lost.
#[derive(Clone, Default)]
pub(crate) struct Claim(Arc<AtomicU8>);

const WAITING: u8 = 0;
const STARTED: u8 = 1;
const ABANDONED: u8 = 2;

impl Claim {
    /// Called by the thread about to run the job: true if it may.
    pub(crate) fn start(&self) -> bool {
        self.settle(STARTED)
    }

    /// Called by the caller that stops waiting: true if the job will never
    /// run, so the caller may answer that it did not.
    pub(crate) fn abandon(&self) -> bool {
        self.settle(ABANDONED)
    }

    fn settle(&self, fate: u8) -> bool {
        self.0
            .compare_exchange(WAITING, fate, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

/// The answer a caller gets when its deadline passed before a thread (or
/// the SQLite writer) could start its work, `what` saying which: the work
/// never ran.
pub(crate) fn not_started(what: &str, waited: Duration) -> AppError {
    AppError::Unavailable(format!(
        "{what} within {} ms: the work was not started",
        waited.as_millis()
    ))
}

/// Awaits `answer`, the outcome of a job guarded by `claim`, until
/// `deadline`. If the deadline passes before the job started, the job is
/// abandoned and a 503 returned; once it started, its outcome is awaited
/// however long it takes, since only it can say what happened.
pub(crate) async fn await_answer<T>(
    mut answer: oneshot::Receiver<Result<T, AppError>>,
    claim: &Claim,
    deadline: Instant,
    not_started: impl FnOnce() -> AppError,
    stopped: fn() -> AppError,
) -> Result<T, AppError> {
    let patience = deadline.saturating_duration_since(Instant::now());
    if let Ok(outcome) = actix_web::rt::time::timeout(patience, &mut answer).await {
        return outcome.unwrap_or_else(|_| Err(stopped()));
    }
    if claim.abandon() {
        return Err(not_started());
    }
    answer.await.unwrap_or_else(|_| Err(stopped()))
}

/// Runs `future` to its end on the calling thread, outside the async
/// runtime: what the `_blocking` twins of the async calls do (tools,
/// tests). It must not be called from inside the runtime.
pub(crate) fn block_on<T>(
    future: impl Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| AppError::Internal(format!("cannot wait for the database here: {e}")))?;
    runtime.block_on(future)
}

type Job = Box<dyn FnOnce() + Send>;

/// The threads shared by every worker of the app. Cloning is cheap; the
/// threads stop when the last clone is dropped.
#[derive(Clone, Debug)]
pub(crate) struct DbThreads {
    jobs: Sender<Job>,
    /// Joined by no one: a thread ends once the queue is closed, after the
    /// job it runs. Kept so that they are named in a debugger.
    _threads: Arc<Vec<JoinHandle<()>>>,
}

impl DbThreads {
    /// Starts `count` threads named `db-1`, `db-2`, …
    pub(crate) fn start(count: usize) -> std::io::Result<Self> {
        // crossbeam's channel, not std's: every thread takes from the same
        // queue (std's receiver has one owner).
        let (jobs, queue) = crossbeam_channel::bounded::<Job>(MOST_JOBS_WAITING);
        let threads = (1..=count.max(1))
            .map(|n| {
                let queue: Receiver<Job> = queue.clone();
                std::thread::Builder::new()
                    .name(format!("db-{n}"))
                    .spawn(move || {
                        for job in queue {
                            // A panic was caught by the job itself; this is
                            // only so that the thread survives a bug in it.
                            let _ = catch_unwind(AssertUnwindSafe(job));
                        }
                    })
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(DbThreads {
            jobs,
            _threads: Arc::new(threads),
        })
    }

    /// Runs `work` on one of the threads and awaits its outcome; gives up
    /// with a 503 if no thread could start it by `deadline` (see
    /// [`await_answer`]). A panic in `work` is a 500.
    pub(crate) async fn run<T, F>(
        &self,
        deadline: Instant,
        waited: Duration,
        work: F,
    ) -> Result<T, AppError>
    where
        F: FnOnce() -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let claim = Claim::default();
        let (answer, answered) = oneshot::channel();
        let job = {
            let claim = claim.clone();
            move || {
                if !claim.start() {
                    return; // its caller has been told it never ran
                }
                let outcome = catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| {
                    Err(AppError::Internal(
                        "database work panicked outside a transaction".into(),
                    ))
                });
                let _ = answer.send(outcome);
            }
        };
        match self.jobs.try_send(Box::new(job)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(AppError::Unavailable(
                    "too much database work is waiting: try again".into(),
                ));
            }
            Err(TrySendError::Disconnected(_)) => return Err(stopped()),
        }
        let not_started = || not_started("no database thread was free", waited);
        await_answer(answered, &claim, deadline, not_started, stopped).await
    }
}

fn stopped() -> AppError {
    AppError::Unavailable("the database threads have stopped".into())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;

    use actix_web::ResponseError;

    use super::*;

    #[test]
    fn a_claim_is_settled_once() {
        let claim = Claim::default();
        assert!(claim.start());
        assert!(!claim.abandon());
        let claim = Claim::default();
        assert!(claim.abandon());
        assert!(!claim.start());
    }

    #[actix_web::test]
    async fn a_job_no_thread_could_start_in_time_is_a_503_and_never_runs() {
        let threads = DbThreads::start(1).unwrap();
        let (release, released) = channel::<()>();
        let busy = {
            let threads = threads.clone();
            actix_web::rt::spawn(async move {
                let far = Instant::now() + Duration::from_secs(60);
                threads
                    .run(far, Duration::from_secs(60), move || {
                        let _ = released.recv();
                        Ok(())
                    })
                    .await
            })
        };
        // Let the only thread take the blocking job.
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;

        let (ran, did_run) = channel::<()>();
        let patience = Duration::from_millis(100);
        let started = Instant::now();
        let refused = threads
            .run(Instant::now() + patience, patience, move || {
                let _ = ran.send(());
                Ok(())
            })
            .await
            .unwrap_err();
        assert_eq!(refused.status_code(), 503, "{refused:?}");
        assert!(started.elapsed() < Duration::from_secs(2));

        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        // The thread is free now and has reached the abandoned job.
        threads
            .run(Instant::now() + patience * 20, patience, || Ok(()))
            .await
            .unwrap();
        assert!(did_run.try_recv().is_err(), "the abandoned job ran");
    }

    #[actix_web::test]
    async fn a_job_that_started_is_awaited_past_its_deadline() {
        let threads = DbThreads::start(1).unwrap();
        let patience = Duration::from_millis(20);
        let answer = threads
            .run(Instant::now() + patience, patience, || {
                std::thread::sleep(Duration::from_millis(200));
                Ok(42)
            })
            .await;
        assert_eq!(answer.unwrap(), 42);
    }
}
