//! A database of its own for every test: a temporary SQLite file, or a fresh
//! schema on the PostgreSQL server named by `TEST_DATABASE_URL` (or else by a
//! PostgreSQL `DATABASE_URL`), migrated with the app's migrations and
//! removed when the test ends.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use web_db::connection::{Access, connect};
use web_db::database_url::DatabaseUrl;
use web_db::migrate::Migrations;
use web_db::{DbConnection, DbPool, PoolSettings, engine, init_db};

/// The variable naming the PostgreSQL server the tests may use, e.g.
/// `postgres://root@127.0.0.1:5432/test`. Unset, the PostgreSQL tests are
/// skipped; set, a server that cannot be reached fails them.
pub const POSTGRES_ENV: &str = "TEST_DATABASE_URL";

/// The PostgreSQL server the tests may use, and the variable that named it:
/// `TEST_DATABASE_URL`, or else `DATABASE_URL` when it names PostgreSQL (so
/// the server the app runs on is tested with no other setting). Both are
/// read from the environment or `.env`, as the app reads them.
pub fn postgres_server() -> Option<(&'static str, String)> {
    // A missing .env is normal; the environment alone is enough.
    let _ = dotenvy::dotenv();
    let named = |var: &'static str| std::env::var(var).ok().map(|url| (var, url));
    named(POSTGRES_ENV)
        .filter(|(_, url)| !url.is_empty())
        .or_else(|| {
            named("DATABASE_URL").filter(|(_, url)| {
                url.starts_with("postgres://") || url.starts_with("postgresql://")
            })
        })
}

/// The pool every test app gets: small, with a short checkout timeout, so
/// that a test of what a full pool answers (a 503) runs in a second.
pub const TEST_POOL: PoolSettings = PoolSettings {
    max_size: 4,
    checkout_timeout: std::time::Duration::from_millis(1000),
    sqlite_durability: web_db::database::SqliteDurability::PowerLoss,
};

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh schema on the PostgreSQL server of [`postgres_server`].
    Postgres,
}

impl Backend {
    /// PostgreSQL when a server is named ([`postgres_server`]), else SQLite:
    /// the backend a plain `cargo test` runs the app's tests on.
    pub fn from_env() -> Backend {
        match postgres_server() {
            Some(_) => Backend::Postgres,
            None => Backend::Sqlite,
        }
    }
}

/// A migrated, empty database that is removed when the test ends.
pub struct TestDb {
    /// The pool the app under test uses.
    pub pool: DbPool,
    /// Its URL, as the binary would be given it.
    pub url: String,
    /// The backend.
    pub backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Schema { server_url: String, schema: String },
}

/// True when every connection `pool` opened is back in it.
pub fn pool_is_idle(pool: &DbPool) -> bool {
    let state = pool.state();
    state.idle_connections == state.connections
}

/// A name no other test of this run, or of a run beside it, is using.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database that nothing has opened or migrated yet: a SQLite file not
/// yet created, or an empty PostgreSQL schema. For the start-up of several
/// app instances at once on a fresh database; removed when dropped.
pub struct EmptyDb {
    /// Its URL, as the binary would be given it.
    pub url: String,
    /// The backend.
    pub backend: Backend,
    cleanup: Cleanup,
}

impl EmptyDb {
    /// An empty database on `backend`, or `None` for PostgreSQL when no
    /// server is configured.
    pub fn on(backend: Backend) -> Option<EmptyDb> {
        match backend {
            Backend::Sqlite => Some(EmptyDb::sqlite()),
            Backend::Postgres => EmptyDb::postgres(),
        }
    }

    /// The path of a SQLite file in the temporary folder, not created yet.
    pub fn sqlite() -> EmptyDb {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name("test")));
        EmptyDb {
            url: format!("sqlite://{}", path.display()),
            backend: Backend::Sqlite,
            cleanup: Cleanup::File(path),
        }
    }

    /// A new, empty schema on the server of [`postgres_server`]; `None` if
    /// no server is named.
    ///
    /// # Panics
    /// When a server is named but cannot be reached: a test told to run on
    /// PostgreSQL fails rather than passes without it.
    pub fn postgres() -> Option<EmptyDb> {
        let (var, server_url) = postgres_server()?;
        let schema = unique_name("test");
        web_db::connection::init_openssl_for_libpq();
        // See "Panics" above: an unreachable server named for the tests
        // must fail them, not skip them.
        let mut admin = PgConnection::establish(&server_url).unwrap_or_else(|e| {
            let shown = DatabaseUrl::parse(&server_url)
                .map_or_else(|_| server_url.clone(), |u| u.to_string());
            panic!("{var}={shown} but that server cannot be reached: {e}")
        });
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create a schema for the test");
        // libpq passes `options` to the server: every pooled connection uses
        // the test's schema, and is named after it in pg_stat_activity.
        let separator = if server_url.contains('?') { '&' } else { '?' };
        let url = format!(
            "{server_url}{separator}options=-csearch_path%3D{schema}&application_name={schema}"
        );
        Some(EmptyDb {
            url,
            backend: Backend::Postgres,
            cleanup: Cleanup::Schema { server_url, schema },
        })
    }

    /// Opens the database with a pool of the tests' size and runs the
    /// app's `migrations` (nothing to do if an app already did).
    pub fn open(self, migrations: Migrations) -> TestDb {
        let parsed = DatabaseUrl::parse(&self.url).expect("a test database URL");
        // A test without its database cannot run: fail it, with the cause.
        let pool = engine(&parsed, &TEST_POOL).expect("open the test database");
        init_db(&pool, migrations).expect("migrate the test database");
        TestDb {
            pool,
            url: self.url,
            backend: self.backend,
            cleanup: self.cleanup,
        }
    }
}

impl TestDb {
    /// A database on `backend`, migrated with `migrations`, or `None` for
    /// PostgreSQL when no server is configured.
    ///
    /// # Panics
    /// When a server is named but cannot be reached: a test run that was
    /// asked for PostgreSQL must not pass without it.
    pub fn on(backend: Backend, migrations: Migrations) -> Option<TestDb> {
        EmptyDb::on(backend).map(|db| db.open(migrations))
    }

    /// A connection of the test's own that may write, outside the pool (whose
    /// connections only read): for a test that writes and reads step by
    /// step, typically inside diesel's `begin_test_transaction`.
    pub fn connection(&self) -> DbConnection {
        connect(self.pool.url(), Access::ReadWrite).expect("a connection for the test")
    }

    /// True when every connection the pool opened is back in it.
    pub fn pool_is_idle(&self) -> bool {
        pool_is_idle(&self.pool)
    }

    /// On PostgreSQL, how many of this test's connections sit `idle in
    /// transaction` (a transaction nobody will finish); 0 on SQLite.
    pub fn connections_idle_in_transaction(&self) -> i64 {
        self.count_own_connections("count(*)", "AND state LIKE 'idle in transaction%'")
    }

    /// On PostgreSQL, how many connections to this test's schema the server
    /// has open, from every process (its `DATABASE_URL` names them); 0 on
    /// SQLite.
    pub fn server_connections(&self) -> i64 {
        self.count_own_connections("count(*)", "")
    }

    /// On PostgreSQL, when the server last started
    /// (`pg_postmaster_start_time()`), as text; empty on SQLite.
    pub fn server_started_at(&self) -> String {
        let Cleanup::Schema { server_url, .. } = &self.cleanup else {
            return String::new();
        };
        #[derive(QueryableByName)]
        struct Started {
            #[diesel(sql_type = diesel::sql_types::Text)]
            at: String,
        }
        let mut admin = PgConnection::establish(server_url).expect("reach the test server");
        diesel::sql_query("SELECT pg_postmaster_start_time()::text AS at")
            .get_result::<Started>(&mut admin)
            .expect("read the server's start time")
            .at
    }

    /// On PostgreSQL, has the server terminate every connection of this
    /// test's pool, as a server restart would; returns how many it ended.
    /// 0 on SQLite.
    pub fn terminate_connections(&self) -> i64 {
        self.count_own_connections("count(pg_terminate_backend(pid))", "")
    }

    /// Runs `SELECT <aggregate> FROM pg_stat_activity` over this test's
    /// connections (named after its schema), from a connection of its own.
    fn count_own_connections(&self, aggregate: &str, condition: &str) -> i64 {
        let Cleanup::Schema { server_url, schema } = &self.cleanup else {
            return 0;
        };
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut admin = PgConnection::establish(server_url).expect("reach the test server");
        diesel::sql_query(format!(
            "SELECT {aggregate} AS n FROM pg_stat_activity WHERE application_name = $1 {condition}"
        ))
        .bind::<diesel::sql_types::Text, _>(schema)
        .get_result::<Count>(&mut admin)
        .expect("read pg_stat_activity")
        .n
    }
}

/// Removes the test's database with the [`EmptyDb`] or [`TestDb`] holding it
/// (in a `TestDb`, after the pool: a field declared before it).
impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm", "-migrations.lock"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::Schema { server_url, schema } => {
                if let Ok(mut admin) = PgConnection::establish(server_url) {
                    let _ = admin.batch_execute(&format!(
                        "SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS {schema} CASCADE"
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel_migrations::embed_migrations;

    use super::*;

    /// The library's own test migrations, beside this crate (in this
    /// repository, and in an app's `vendor/`).
    const MIGRATIONS: Migrations = Migrations {
        sqlite: embed_migrations!("../web-db/tests/migrations/sqlite"),
        postgres: embed_migrations!("../web-db/tests/migrations/postgres"),
    };

    #[test]
    fn a_sqlite_test_database_leaves_no_file_behind() {
        let db = TestDb::on(Backend::Sqlite, MIGRATIONS).expect("a SQLite database");
        let path = std::path::PathBuf::from(db.url.trim_start_matches("sqlite://"));
        let folder = path.parent().expect("its folder").to_owned();
        let name = path
            .file_name()
            .expect("its name")
            .to_string_lossy()
            .into_owned();
        let files_of_it = || -> Vec<String> {
            std::fs::read_dir(&folder)
                .expect("the temporary folder")
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .filter(|file| file.starts_with(&name))
                .collect()
        };
        assert!(
            files_of_it().len() > 1,
            "the database and its lock: {:?}",
            files_of_it()
        );

        drop(db);

        assert_eq!(files_of_it(), Vec::<String>::new());
    }
}
