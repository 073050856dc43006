//! The transactions work runs in, made here rather than by the code that
//! does the work: a store cannot forget them. A write that fails, panics or
//! leaves a transaction of its own open undoes itself and nothing else; a
//! read sees one moment of the database however many statements it sends,
//! and keeps nothing, not even a setting it changed.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use diesel::QueryResult;
use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};

use crate::connection::{DbConnection, is_connection_lost};
use crate::error::AppError;

type Transactions = <DbConnection as Connection>::TransactionManager;

/// How many transactions and savepoints are open on `conn`.
pub(crate) fn depth(conn: &mut DbConnection) -> QueryResult<u32> {
    Ok(Transactions::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .map_or(0, |depth| depth.get()))
}

/// Opens the write's transaction: a savepoint inside a transaction already
/// open (the SQLite writer's group of writes, or a test's transaction), or
/// else a transaction that may write.
///
/// - SQLite: `BEGIN IMMEDIATE` takes the write lock up front. A plain
///   `BEGIN` that reads before it writes would have to upgrade its lock
///   later, and under concurrent writers that fails at once with "database
///   is locked" instead of waiting.
/// - PostgreSQL: `BEGIN READ WRITE`, since the pool's connections read only
///   unless told otherwise.
pub(crate) fn begin(conn: &mut DbConnection) -> QueryResult<()> {
    if depth(conn)? > 0 {
        return Transactions::begin_transaction(conn);
    }
    begin_with(conn, "BEGIN IMMEDIATE", "BEGIN READ WRITE")
}

/// Opens a transaction with the `BEGIN` of the connection's backend.
fn begin_with(conn: &mut DbConnection, sqlite: &str, postgres: &str) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, sqlite),
        DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction_sql(c, postgres),
    }
}

thread_local! {
    /// True on a thread while it runs the work of a write.
    static INSIDE_A_WRITE: Cell<bool> = const { Cell::new(false) };
}

/// Refuses a write started from inside the work of another write. On
/// SQLite the inner one would wait for the writer thread, which is running
/// the outer one and waits for it: neither would ever finish. On PostgreSQL
/// it would commit on its own, whatever became of the outer one.
pub(crate) fn refuse_a_write_inside_a_write() -> Result<(), AppError> {
    if INSIDE_A_WRITE.get() {
        return Err(AppError::Internal(
            "a write was started from inside another write: do that work in the outer \
             write's closure, on the connection it was given, where it commits or rolls \
             back with the rest"
                .into(),
        ));
    }
    Ok(())
}

/// Marks this thread as running a write's work until dropped, a panic
/// included.
struct InsideAWrite(bool);

impl InsideAWrite {
    fn enter() -> Self {
        InsideAWrite(INSIDE_A_WRITE.replace(true))
    }
}

impl Drop for InsideAWrite {
    fn drop(&mut self) {
        INSIDE_A_WRITE.set(self.0);
    }
}

/// Runs `work` in the transaction [`begin`] opened at depth `outer + 1`:
/// commits it if `work` succeeds, rolls it back otherwise.
///
/// A panic in `work` is caught and rolled back here (a 500 for its caller
/// alone), and so is a transaction `work` opened and did not close: nothing
/// of such a write is kept.
pub(crate) fn finish<T>(
    conn: &mut DbConnection,
    outer: u32,
    work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> Result<T, AppError> {
    let outcome = {
        let _inside = InsideAWrite::enter();
        catch_unwind(AssertUnwindSafe(|| work(&mut *conn)))
    };
    let closed_cleanly = depth(conn).is_ok_and(|d| d == outer + 1);
    let failure = match outcome {
        Ok(Ok(value)) if closed_cleanly => match commit(conn) {
            Ok(()) => return Ok(value),
            // The COMMIT was sent and no answer came back: the server may
            // have committed before the connection went. Only a top-level
            // COMMIT can be in doubt; a savepoint's release keeps nothing.
            Err(error) if outer == 0 && commit_went_unanswered(&error) => {
                return Err(AppError::OutcomeUnknown(error.to_string()));
            }
            Err(error) => AppError::from(error),
        },
        Ok(Ok(_)) => AppError::Internal(
            "a write left a transaction of its own open, so none of it was kept".into(),
        ),
        Ok(Err(error)) => AppError::from(error),
        Err(panic) => AppError::Internal(format!(
            "a write panicked and was rolled back: {}",
            panic_message(panic.as_ref())
        )),
    };
    // Every other way it ended, nothing of the write is kept.
    roll_back_to(conn, outer);
    Err(failure)
}

/// Runs a read in a transaction that sees one moment of the database and
/// is rolled back at the end, whatever the read did: a `SET` it sent, or a
/// write the read-only connection let through, is undone with it.
///
/// - SQLite: a plain (deferred) `BEGIN`: the read's snapshot starts with its
///   first statement and holds until the end, while the writer goes on
///   writing in WAL mode.
/// - PostgreSQL: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`: under
///   the default `READ COMMITTED`, each statement would see the commits made
///   since the one before (a user deleted between reading it and reading
///   its posts).
///
/// A read that ended this transaction, or left one of its own open, is a
/// bug: everything is rolled back and the read fails.
pub(crate) fn read_snapshot<T>(
    conn: &mut DbConnection,
    work: &mut impl FnMut(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    let repeatable_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    begin_with(conn, "BEGIN", repeatable_read)?;
    let outcome = work(conn);
    let still_its_own = depth(conn).is_ok_and(|d| d == 1);
    // If this fails the connection is broken: the pool will not lend it
    // again (diesel reports it broken), and what was read stands.
    roll_back_to(conn, 0);
    match outcome {
        // Its own error: the connection went away under the read (then it
        // is run again on another), or the statement failed.
        Err(error) => Err(error),
        Ok(_) if !still_its_own => Err(diesel::result::Error::QueryBuilderError(
            "a read ended its transaction or left one of its own open; \
             everything it did was rolled back"
                .into(),
        )),
        Ok(value) => Ok(value),
    }
}

/// [`begin`] then [`finish`]: `work` in a transaction of its own.
pub(crate) fn write_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> Result<T, AppError> {
    let outer = depth(conn)?;
    begin(conn)?;
    finish(conn, outer, work)
}

/// True when a COMMIT failed because the connection went away: whether the
/// server committed is unknown.
fn commit_went_unanswered(error: &diesel::result::Error) -> bool {
    match error {
        diesel::result::Error::RollbackErrorOnCommit { commit_error, .. } => {
            is_connection_lost(commit_error)
        }
        other => is_connection_lost(other),
    }
}

/// Commits the innermost open transaction or savepoint.
pub(crate) fn commit(conn: &mut DbConnection) -> QueryResult<()> {
    Transactions::commit_transaction(conn)
}

/// Rolls back every transaction and savepoint above depth `outer`. Returns
/// false when that failed and the connection should not be used again.
pub(crate) fn roll_back_to(conn: &mut DbConnection, outer: u32) -> bool {
    while depth(conn).is_ok_and(|d| d > outer) {
        if Transactions::rollback_transaction(conn).is_err() {
            return false;
        }
    }
    depth(conn).is_ok()
}

/// The message a panic carried, if it was text.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}
