//! Migrations that several instances of the app can run at the same moment.
//!
//! diesel's migration harness is not safe for concurrent runners: it reads
//! which migrations have run, then runs the others, each in a transaction
//! of its own. Two instances that start together (as every deployment tool
//! starts replicas) both see a migration pending and both run it; the loser
//! fails, on PostgreSQL with `duplicate key value violates unique constraint
//! "pg_type_typname_nsp_index"` (two `CREATE TABLE`s of one name at once) or
//! `relation "users" already exists`, and exits.
//!
//! So the whole run happens under a lock kept by the database, the one thing
//! every instance shares: an advisory lock on PostgreSQL, the write lock of
//! the file on SQLite. The first instance takes it and applies the pending
//! migrations; the others wait, say so in their log, then find nothing left
//! to do. The run has a connection of its own, opened here and closed after:
//! a pooled connection may be set up for the routes (read-only, say), and a
//! lock held by a connection that goes back to the pool would outlive the run.

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::connection::with_connection_defaults;
use crate::database_url::DatabaseUrl;
use crate::sql_log::SqlLog;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The log target of this module: `RUST_LOG=migrations=info` shows a
/// start-up that waits, and what was applied.
const LOG_TARGET: &str = "migrations";

/// Applies the embedded migrations of the URL's backend that have not run
/// yet, while every other instance that tries at the same moment waits.
/// Returns how many it applied (0 when another instance had already done it).
pub fn run_pending_migrations(url: &DatabaseUrl) -> Result<usize, String> {
    let applied = match url {
        DatabaseUrl::Sqlite(path) => migrate_sqlite(url, path),
        DatabaseUrl::Postgres(postgres_url) => migrate_postgres(url, postgres_url),
    }
    .map_err(|e| format!("cannot migrate the database: {}", url.hide_password_in(&e)))?;
    if applied > 0 {
        log::info!(target: LOG_TARGET, "applied {applied} migration(s) to {url}");
    }
    Ok(applied)
}

#[derive(QueryableByName)]
struct TryLock {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

#[derive(QueryableByName)]
struct Schema {
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

/// The advisory lock of one schema's migration runs. diesel records what
/// ran in the schema the connection creates tables in (the first of its
/// `search_path`), so apps in different schemas of one database migrate
/// independently, and wait only for their own. The key is a hash of the
/// schema's name (64-bit FNV-1a, written out: std's hasher may differ between
/// two builds of the app, and both must pick the same lock), salted so as
/// not to take a lock some other tool uses.
fn postgres_lock_key(schema: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "diesel migrations in ".bytes().chain(schema.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// Holds a session-level advisory lock around the run: released when the
/// run ends, or by the server when the connection closes (a crash included),
/// so an instance that dies while migrating leaves nobody waiting forever.
fn migrate_postgres(url: &DatabaseUrl, postgres_url: &str) -> Result<usize, String> {
    let mut conn = PgConnection::establish(&with_connection_defaults(postgres_url))
        .map_err(|e| format!("cannot connect to PostgreSQL at {url}: {e}"))?;
    // Logged on the `sql` target; never recorded: no request's work.
    conn.set_instrumentation(SqlLog::new(url));
    let schema = diesel::sql_query("SELECT current_schema() AS name")
        .get_result::<Schema>(&mut conn)
        .map_err(|e| e.to_string())?
        .name
        .unwrap_or_default();
    let key = postgres_lock_key(&schema);
    let lock = |sql: &str, conn: &mut PgConnection| {
        diesel::sql_query(sql)
            .bind::<BigInt, _>(key)
            .execute(conn)
            .map_err(|e| e.to_string())
    };
    let locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<BigInt, _>(key)
        .get_result::<TryLock>(&mut conn)
        .map_err(|e| e.to_string())?
        .locked;
    if !locked {
        log::info!(target: LOG_TARGET, "waiting for another instance to finish migrating {url}");
        lock("SELECT pg_advisory_lock($1)", &mut conn)?;
    }
    let applied = conn
        .run_pending_migrations(POSTGRES_MIGRATIONS)
        .map(|versions| versions.len())
        .map_err(|e| e.to_string());
    // Unlocked whether or not a migration failed (closing would do it too).
    let unlocked = lock("SELECT pg_advisory_unlock($1)", &mut conn);
    let applied = applied?;
    unlocked?;
    Ok(applied)
}

/// Runs inside one `BEGIN EXCLUSIVE` transaction: it holds the file's write
/// lock from the start, so other processes (and their migration runs) wait,
/// while readers go on reading. diesel runs each migration in a savepoint of
/// it, and nothing is committed unless every migration succeeded.
fn migrate_sqlite(url: &DatabaseUrl, path: &str) -> Result<usize, String> {
    let mut conn = SqliteConnection::establish(path)
        .map_err(|e| format!("cannot open the SQLite database {path:?}: {e}"))?;
    // Logged on the `sql` target; never recorded: no request's work.
    conn.set_instrumentation(SqlLog::new(url));
    // First try without waiting, to know whether to say that we wait.
    conn.batch_execute("PRAGMA busy_timeout = 0")
        .map_err(|e| e.to_string())?;
    let mut waiting = false;
    loop {
        match AnsiTransactionManager::begin_transaction_sql(&mut conn, "BEGIN EXCLUSIVE") {
            Ok(()) => break,
            Err(e) if is_locked(&e) => {
                if !waiting {
                    waiting = true;
                    log::info!(
                        target: LOG_TARGET,
                        "waiting for another instance to finish migrating or writing {url}"
                    );
                    // SQLite's busy handler retries within this time; the
                    // loop around it waits as long as the lock is held, as
                    // PostgreSQL's advisory lock does.
                    conn.batch_execute("PRAGMA busy_timeout = 1000")
                        .map_err(|e| e.to_string())?;
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    let applied = conn
        .run_pending_migrations(SQLITE_MIGRATIONS)
        .map(|versions| versions.len());
    match applied {
        Ok(applied) => {
            AnsiTransactionManager::commit_transaction(&mut conn).map_err(|e| e.to_string())?;
            Ok(applied)
        }
        Err(e) => {
            // The migration's error is the one to report; closing the
            // connection rolls back whatever this rollback could not.
            let _ = AnsiTransactionManager::rollback_transaction(&mut conn);
            Err(e.to_string())
        }
    }
}

/// SQLite's answer when another connection holds the lock (`SQLITE_BUSY`);
/// diesel passes it on as an unclassified error with SQLite's message.
fn is_locked(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(_, info) if info.message().contains("database is locked")
    )
}
