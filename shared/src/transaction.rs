//! The transaction every write runs in, made here rather than by the code
//! that writes: a store cannot forget it, and a write that fails, panics or
//! leaves a transaction of its own open undoes itself and nothing else.

use std::panic::{AssertUnwindSafe, catch_unwind};

use diesel::QueryResult;
use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};

use crate::connection::DbConnection;
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
    match conn {
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")
        }
        DbConnection::Postgres(pg) => {
            AnsiTransactionManager::begin_transaction_sql(pg, "BEGIN READ WRITE")
        }
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
    let outcome = catch_unwind(AssertUnwindSafe(|| work(&mut *conn)));
    let closed_cleanly = depth(conn).is_ok_and(|d| d == outer + 1);
    match outcome {
        Ok(Ok(value)) if closed_cleanly => match commit(conn) {
            Ok(()) => Ok(value),
            Err(error) => {
                roll_back_to(conn, outer);
                Err(error.into())
            }
        },
        Ok(Ok(_)) => {
            roll_back_to(conn, outer);
            Err(AppError::Internal(
                "a write left a transaction of its own open, so none of it was kept".into(),
            ))
        }
        Ok(Err(error)) => {
            roll_back_to(conn, outer);
            Err(error.into())
        }
        Err(panic) => {
            roll_back_to(conn, outer);
            Err(AppError::Internal(format!(
                "a write panicked and was rolled back: {}",
                panic_message(panic.as_ref())
            )))
        }
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

/// Commits the innermost open transaction or savepoint.
pub(crate) fn commit(conn: &mut DbConnection) -> QueryResult<()> {
    Transactions::commit_transaction(conn)
}

/// Rolls back every transaction and savepoint above depth `outer`. Returns
/// false when that failed and the connection should not be used again.
pub(crate) fn roll_back_to(conn: &mut DbConnection, outer: u32) -> bool {
    loop {
        match depth(conn) {
            Ok(d) if d <= outer => return true,
            Ok(_) => {
                if Transactions::rollback_transaction(conn).is_err() {
                    return false;
                }
            }
            Err(_) => return false,
        }
    }
}

/// The message a panic carried, if it was text.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}
