//! The library's promises on a real SQLite file: migrations that instances
//! starting together apply once, writes kept whole or not at all, reads
//! that cannot write. (PostgreSQL's side of each is held by the tests of
//! the apps built on this crate, which run on both backends.)

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::embed_migrations;
use web_db::migrate::{Migrations, run_pending_migrations};
use web_db::{AppError, DatabaseUrl, DbPool, PoolSettings, engine, init_db};

/// Two migrations, as an app's `migrations/` holds them.
const MIGRATIONS: Migrations = Migrations {
    sqlite: embed_migrations!("tests/migrations/sqlite"),
    postgres: embed_migrations!("tests/migrations/postgres"),
};

/// A SQLite file in the temporary folder, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new() -> TempFile {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "web-db-{}-{}.db",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        TempFile(std::env::temp_dir().join(name))
    }

    fn url(&self) -> DatabaseUrl {
        DatabaseUrl::Sqlite(self.0.display().to_string())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-migrations.lock"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// A migrated database and its pool.
fn migrated(file: &TempFile) -> DbPool {
    let pool = engine(&file.url(), &PoolSettings::default()).expect("open the database");
    init_db(&pool, MIGRATIONS).expect("migrate it");
    pool
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn notes(pool: &DbPool) -> i64 {
    pool.read_blocking(|conn| {
        diesel::sql_query("SELECT count(*) AS n FROM notes").get_result::<Count>(conn)
    })
    .expect("count the notes")
    .n
}

fn insert(conn: &mut web_db::DbConnection, text: &str) -> QueryResult<usize> {
    diesel::sql_query("INSERT INTO notes (text) VALUES ($1)")
        .bind::<Text, _>(text)
        .execute(conn)
}

/// Runs the migrations at `urls`, one instance per URL, all at the same
/// moment: how many each applied.
fn migrate_at_once(urls: &[DatabaseUrl]) -> Vec<usize> {
    std::thread::scope(|scope| {
        let runs: Vec<_> = urls
            .iter()
            .map(|url| scope.spawn(|| run_pending_migrations(url, MIGRATIONS)))
            .collect();
        runs.into_iter()
            .map(|run| {
                run.join()
                    .expect("no panic")
                    .expect("every instance migrates")
            })
            .collect()
    })
}

#[test]
fn instances_starting_together_apply_each_migration_once() {
    let file = TempFile::new();
    let url = file.url();
    let applied = migrate_at_once(&[url.clone(), url.clone(), url.clone(), url.clone()]);
    assert_eq!(applied.iter().sum::<usize>(), 2, "{applied:?}");
    let pool = engine(&url, &PoolSettings::default()).expect("open the database");
    assert_eq!(notes(&pool), 0);
}

/// Two paths to one file, as a deployment that links `app.db` to a volume
/// makes them: instances on either path share one lock, the one beside the
/// real file, even when the file does not exist yet.
#[cfg(unix)]
#[test]
fn instances_reaching_one_file_by_two_paths_take_one_lock() {
    let real = TempFile::new();
    let link = TempFile::new();
    std::os::unix::fs::symlink(&real.0, &link.0).expect("link to the database");
    let applied = migrate_at_once(&[real.url(), link.url(), real.url(), link.url()]);
    assert_eq!(applied.iter().sum::<usize>(), 2, "{applied:?}");
    let lock_beside =
        |file: &TempFile| PathBuf::from(format!("{}-migrations.lock", file.0.display()));
    assert!(
        lock_beside(&real).exists(),
        "the lock is beside the real file"
    );
    assert!(
        !lock_beside(&link).exists(),
        "a second lock beside the link"
    );
}

#[test]
fn a_write_is_kept_whole_or_not_at_all() {
    let file = TempFile::new();
    let pool = migrated(&file);

    pool.write_blocking(|conn| insert(conn, "kept"))
        .expect("a write that succeeds");
    let failed = pool.write_blocking(|conn| {
        insert(conn, "lost with the rest")?;
        insert(conn, "kept") // taken: the UNIQUE constraint refuses it
    });
    // The panic is caught where the write runs, and answered as an error.
    let panicked = pool.write_blocking(|conn| -> QueryResult<()> {
        insert(conn, "lost with the panic")?;
        panic!("a bug in the middle of a write")
    });

    assert!(matches!(failed, Err(AppError::Conflict(_))), "{failed:?}");
    assert!(
        matches!(panicked, Err(AppError::Internal(_))),
        "{panicked:?}"
    );
    assert_eq!(notes(&pool), 1);
    pool.write_blocking(|conn| insert(conn, "after"))
        .expect("the pool works after a panic");
    assert_eq!(notes(&pool), 2);
}

#[test]
fn a_read_cannot_write() {
    let file = TempFile::new();
    let pool = migrated(&file);

    let refused = pool.read_blocking(|conn| insert(conn, "sneaked in"));

    assert!(matches!(refused, Err(AppError::Internal(_))), "{refused:?}");
    assert_eq!(notes(&pool), 0);
}
