//! An app's migrations, which several instances of it can run at the same
//! moment.
//!
//! diesel's migration harness is not safe for concurrent runners: it reads
//! which migrations have run, then runs the others, each in a transaction
//! of its own. Two instances that start together (as every deployment tool
//! starts replicas) both see a migration pending and both run it; the loser
//! fails, on PostgreSQL with `duplicate key value violates unique constraint
//! "pg_type_typname_nsp_index"` (two `CREATE TABLE`s of one name at once) or
//! `relation "users" already exists`, and exits.
//!
//! So the whole run happens under a lock that every instance shares: an
//! advisory lock kept by PostgreSQL, and on SQLite a lock on a file beside
//! the database (`app.db-migrations.lock`), taken with the operating
//! system's file locking. The lock file sits beside the file the path
//! leads to, symbolic links followed: instances that reach one database by
//! two paths share one lock. The first instance takes it and applies the
//! pending migrations; the others wait, say so in their log, then find
//! nothing left to do. A lock held by an instance that dies is released
//! with it (by the server, or by the OS when the file closes).
//!
//! The lock does not change how a migration runs: diesel's harness runs it
//! as diesel documents, each migration in a transaction of its own, or in
//! none when its `metadata.toml` says `run_in_transaction = false`. That
//! matters on SQLite: a migration that rebuilds a table turns foreign keys
//! off first, which SQLite ignores inside a transaction (so an outer one
//! would let `DROP TABLE users` cascade to every post). The run has a
//! connection of its own, opened here and closed after: a pooled connection
//! may be set up for the routes (read-only, say), and a lock held by a
//! connection that goes back to the pool would outlive the run.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::migration::MigrationSource;
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use crate::connection::with_connection_defaults;
use crate::database_url::{DatabaseUrl, sqlite_file};
use crate::sql_log::SqlLog;

/// An app's migrations, one set per backend, compiled into its binary by
/// diesel's `embed_migrations!`:
///
/// ```ignore
/// use diesel_migrations::embed_migrations;
///
/// pub const MIGRATIONS: web_db::migrate::Migrations = web_db::migrate::Migrations {
///     sqlite: embed_migrations!("migrations/sqlite"),
///     postgres: embed_migrations!("migrations/postgres"),
/// };
/// ```
///
/// (`ignore`: the macro reads folders of the crate that calls it.) Pass the
/// constant itself to [`crate::init_db`]: each use of a `const` is a fresh
/// value. Cargo
/// does not know that the macro read those folders: give the crate a
/// `build.rs` that prints `cargo::rerun-if-changed=migrations`, or a
/// migration added later is left out of the next build, silently.
pub struct Migrations {
    /// The SQLite set (`migrations/sqlite`).
    pub sqlite: EmbeddedMigrations,
    /// The PostgreSQL set (`migrations/postgres`).
    pub postgres: EmbeddedMigrations,
}

/// The log target of this module: `RUST_LOG=migrations=info` shows a
/// start-up that waits, and what was applied.
const LOG_TARGET: &str = "migrations";

/// Applies the migrations of the URL's backend that have not run yet, while
/// every other instance that tries at the same moment waits. Returns how
/// many it applied (0 when another instance had already done it).
pub fn run_pending_migrations(url: &DatabaseUrl, migrations: Migrations) -> Result<usize, String> {
    run_migrations(url, migrations.sqlite, migrations.postgres)
}

/// [`run_pending_migrations`] with migrations from elsewhere (a folder, in
/// a test of a migration of one's own): the one set of the URL's backend.
pub fn run_migrations(
    url: &DatabaseUrl,
    sqlite: impl MigrationSource<Sqlite>,
    postgres: impl MigrationSource<Pg>,
) -> Result<usize, String> {
    let applied = match url {
        DatabaseUrl::Sqlite(path) => migrate_sqlite(url, path, sqlite),
        DatabaseUrl::Postgres(postgres_url) => migrate_postgres(url, postgres_url, postgres),
    }
    .map_err(|e| format!("cannot migrate the database: {}", url.hide_password_in(&e)))?;
    if applied > 0 {
        log::info!(target: LOG_TARGET, "applied {applied} migration(s) to {url}");
    }
    Ok(applied)
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
fn migrate_postgres(
    url: &DatabaseUrl,
    postgres_url: &str,
    migrations: impl MigrationSource<Pg>,
) -> Result<usize, String> {
    let mut conn = PgConnection::establish(&with_connection_defaults(postgres_url))
        .map_err(|e| format!("cannot connect to PostgreSQL at {url}: {e}"))?;
    // Logged on the `sql` target; never recorded: no request's work.
    conn.set_instrumentation(SqlLog::new(url));
    let schema: Option<String> = diesel::select(sql::<Nullable<Text>>("current_schema()"))
        .get_result(&mut conn)
        .map_err(|e| e.to_string())?;
    let key = postgres_lock_key(&schema.unwrap_or_default());
    let lock = |statement: &str, conn: &mut PgConnection| {
        diesel::sql_query(statement)
            .bind::<BigInt, _>(key)
            .execute(conn)
            .map_err(|e| e.to_string())
    };
    // One row if the lock was free and is now ours, none if another holds it.
    if lock("SELECT 1 WHERE pg_try_advisory_lock($1)", &mut conn)? == 0 {
        log::info!(target: LOG_TARGET, "waiting for another instance to finish migrating {url}");
        lock("SELECT pg_advisory_lock($1)", &mut conn)?;
    }
    let applied = conn
        .run_pending_migrations(migrations)
        .map(|versions| versions.len())
        .map_err(|e| e.to_string());
    // Unlocked whether or not a migration failed (closing would do it too);
    // a migration's error is the one told.
    let unlocked = lock("SELECT pg_advisory_unlock($1)", &mut conn);
    applied.and_then(|applied| unlocked.map(|_| applied))
}

/// Holds the lock file beside the database while diesel's harness runs,
/// on a connection that waits for the instances that are serving (each
/// migration's transaction needs the write lock for a moment).
fn migrate_sqlite(
    url: &DatabaseUrl,
    path: &str,
    migrations: impl MigrationSource<Sqlite>,
) -> Result<usize, String> {
    let _lock = lock_migrations_of(url, path)?;
    let mut conn = SqliteConnection::establish(path)
        .map_err(|e| format!("cannot open the SQLite database {path:?}: {e}"))?;
    // Logged on the `sql` target; never recorded: no request's work.
    conn.set_instrumentation(SqlLog::new(url));
    conn.batch_execute("PRAGMA busy_timeout = 5000")
        .map_err(|e| e.to_string())?;
    conn.run_pending_migrations(migrations)
        .map(|versions| versions.len())
        .map_err(|e| e.to_string())
}

/// The lock file of the database at `path`: beside the file the path leads
/// to, whatever symbolic links (to the file, or to a folder on the way) it
/// goes through, and whether or not the file exists yet. Two instances that
/// reach one database by two paths must take one lock, or both migrate.
fn lock_file_of(path: &Path) -> PathBuf {
    let mut path = path.to_path_buf();
    // A link to a file not made yet: `canonicalize` fails, so follow it by
    // hand (at most 40 links, as the kernel does).
    for _ in 0..40 {
        if let Ok(real) = fs::canonicalize(&path) {
            return suffixed(real);
        }
        match fs::read_link(&path) {
            Ok(target) => path = path.parent().unwrap_or(Path::new("")).join(target),
            Err(_) => break,
        }
    }
    // A file not made yet: the real folder it will be made in.
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    match (fs::canonicalize(folder), path.file_name()) {
        (Ok(folder), Some(name)) => suffixed(folder.join(name)),
        _ => suffixed(path),
    }
}

/// `PATH-migrations.lock`.
fn suffixed(path: PathBuf) -> PathBuf {
    let mut name = path.into_os_string();
    name.push("-migrations.lock");
    PathBuf::from(name)
}

/// Takes the lock on `PATH-migrations.lock` for the database at `path`,
/// waiting for another instance that holds it; it is released when the
/// returned file is dropped (or the process ends).
fn lock_migrations_of(url: &DatabaseUrl, path: &str) -> Result<File, String> {
    let lock_path = lock_file_of(Path::new(&sqlite_file(path)));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open the lock file {lock_path:?}: {e}"))?;
    match file.try_lock() {
        Ok(()) => return Ok(file),
        Err(TryLockError::WouldBlock) => {}
        Err(TryLockError::Error(e)) => return Err(format!("cannot lock {lock_path:?}: {e}")),
    }
    log::info!(target: LOG_TARGET, "waiting for another instance to finish migrating {url}");
    file.lock()
        .map_err(|e| format!("cannot lock {lock_path:?}: {e}"))?;
    Ok(file)
}
