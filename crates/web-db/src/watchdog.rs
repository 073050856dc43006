//! The bound on a whole call on PostgreSQL, not just on each statement.
//!
//! Every pooled connection gives up on a statement that waited the checkout
//! timeout for a lock, or ran that long (`lock_timeout`,
//! `statement_timeout`). A write of several statements could still wait
//! that long for each, and PostgreSQL 15 has no limit on a whole
//! transaction (17's `transaction_timeout` is one). So the pool keeps a
//! watchdog: a thread that, once a call's time is up, cancels whatever
//! statement it still runs, from a connection of its own
//! (`pg_cancel_backend`, which the role that opened a connection may
//! always send to it). The statement fails as a timed-out one does: the
//! transaction is rolled back, and the request is answered 503.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

use crate::connection::{Access, ConnectError, DbConnection, connect};
use crate::database_url::DatabaseUrl;

/// A call being watched: the server process serving its connection, when
/// its time is up, and whether a cancel was sent to it.
#[derive(Debug)]
struct Call {
    pid: i32,
    until: Instant,
    cancelled: bool,
}

type Calls = Mutex<Vec<Call>>;

/// The pool's watchdog; its thread stops once this is dropped.
#[derive(Debug)]
pub(crate) struct Watchdog(Arc<Calls>);

/// The watch on one call, until [`Watch::end`] or a drop.
pub(crate) struct Watch<'a>(&'a Calls, i32);

impl Watchdog {
    /// Starts the thread, which looks at the calls every `every` and
    /// cancels from `canceller`, a connection of its own (opened again
    /// from `url` if it breaks).
    pub(crate) fn start(
        url: &DatabaseUrl,
        canceller: DbConnection,
        every: Duration,
    ) -> Result<Self, ConnectError> {
        let calls = Arc::new(Calls::default());
        let (watched, url) = (Arc::downgrade(&calls), url.clone());
        let mut canceller = Some(canceller);
        std::thread::Builder::new()
            .name("db-watchdog".into())
            .spawn(move || {
                while let Some(calls) = watched.upgrade() {
                    // Marked under the lock, sent after it: a server that
                    // does not answer holds up the watchdog, never a call.
                    let now = Instant::now();
                    let overdue: Vec<i32> = lock(&calls)
                        .iter_mut()
                        .filter(|call| call.until <= now)
                        .map(|call| {
                            call.cancelled = true;
                            call.pid
                        })
                        .collect();
                    drop(calls);
                    for pid in overdue {
                        if let Err(error) = cancel(&url, &mut canceller, pid) {
                            log::warn!("could not cancel a statement past its time: {error}");
                            canceller = None;
                        }
                    }
                    std::thread::sleep(every);
                }
            })
            .map_err(|e| ConnectError(format!("cannot start the database watchdog: {e}")))?;
        Ok(Watchdog(calls))
    }

    /// Watches the call on the connection served by process `pid`: its
    /// statement is cancelled if it still runs at `until`.
    pub(crate) fn watch(&self, pid: i32, until: Instant) -> Watch<'_> {
        let call = Call {
            pid,
            until,
            cancelled: false,
        };
        lock(&self.0).push(call);
        Watch(&self.0, pid)
    }
}

impl Watch<'_> {
    /// Ends the watch; true if a cancel was sent. The connection must then
    /// be thrown away: the cancel may reach its server process late, and
    /// would stop the statement of whichever request had it next. (One
    /// that arrives between two statements is ignored by the server: the
    /// watchdog sends it again at its next look.)
    pub(crate) fn end(self) -> bool {
        let mut calls = lock(self.0);
        let cancelled = calls
            .iter()
            .any(|call| call.pid == self.1 && call.cancelled);
        calls.retain(|call| call.pid != self.1);
        cancelled
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        lock(self.0).retain(|call| call.pid != self.1);
    }
}

/// Cancels the statement of process `pid` as the user the URL logs in as,
/// whatever role its `options=-c role=…` takes on: PostgreSQL lets a user
/// cancel the processes of its own logins, not a role another login took.
fn cancel(url: &DatabaseUrl, canceller: &mut Option<DbConnection>, pid: i32) -> Result<(), String> {
    let conn = match canceller {
        Some(conn) => conn,
        empty => empty.insert(connect(url, Access::ReadOnly).map_err(|e| e.to_string())?),
    };
    let sql = format!("SET ROLE NONE; SELECT pg_cancel_backend({pid})");
    conn.batch_execute(&sql).map_err(|e| e.to_string())
}

fn lock(calls: &Calls) -> MutexGuard<'_, Vec<Call>> {
    calls.lock().unwrap_or_else(PoisonError::into_inner)
}
