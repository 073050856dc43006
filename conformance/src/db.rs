//! A database of its own for every test ([`web_db_test::db`]), migrated with
//! the migrations every pattern shares, and what a test of this app reads
//! from it (how many users and posts it holds).

use std::ops::{Deref, DerefMut};

use diesel::prelude::*;
use shared::database::MIGRATIONS;
use shared::schema::{posts, users};
use web_db::database_url::DatabaseUrl;

pub use web_db_test::db::{
    Backend, POSTGRES_ENV, TEST_POOL, pool_is_idle, postgres_server, unique_name,
};

/// The check behind the one PostgreSQL case that runs when the others are
/// ignored: no server was named when the tests were built, and none is now.
///
/// # Panics
/// When a server is named now: it was named after the build, in a `.env`
/// that did not exist then (cargo rebuilds the tests when the variables or an
/// existing `.env` change, but cannot watch for a new file), so the
/// PostgreSQL cases are still marked ignored.
pub fn no_server_named_since_the_build() {
    if let Some((var, url)) = postgres_server() {
        let shown = DatabaseUrl::parse(&url).map_or_else(|_| url.clone(), |u| u.to_string());
        panic!(
            "{var}={shown} names a PostgreSQL server, but none was named when these tests \
             were built, so their PostgreSQL cases are marked ignored: rebuild them with \
             `cargo clean -p {}` and run cargo test again",
            env!("CARGO_PKG_NAME")
        );
    }
}

/// A migrated, empty database that is removed when the test ends
/// ([`web_db_test::TestDb`], which it derefs to: its pool, URL and backend).
pub struct TestDb(web_db_test::TestDb);

/// A database that nothing has opened or migrated yet
/// ([`web_db_test::EmptyDb`]).
pub struct EmptyDb(web_db_test::EmptyDb);

impl Deref for TestDb {
    type Target = web_db_test::TestDb;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for TestDb {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Deref for EmptyDb {
    type Target = web_db_test::EmptyDb;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl EmptyDb {
    /// An empty database on `backend`, or `None` for PostgreSQL when no
    /// server is configured.
    pub fn on(backend: Backend) -> Option<EmptyDb> {
        web_db_test::EmptyDb::on(backend).map(EmptyDb)
    }

    /// The path of a SQLite file in the temporary folder, not created yet.
    pub fn sqlite() -> EmptyDb {
        EmptyDb(web_db_test::EmptyDb::sqlite())
    }

    /// Opens the database and migrates it (nothing to do if an app did).
    pub fn open(self) -> TestDb {
        TestDb(self.0.open(MIGRATIONS))
    }
}

impl TestDb {
    /// A database on `backend`, or `None` for PostgreSQL when no server is
    /// configured.
    pub fn on(backend: Backend) -> Option<TestDb> {
        EmptyDb::on(backend).map(EmptyDb::open)
    }

    /// A temporary SQLite file, migrated.
    pub fn sqlite() -> TestDb {
        EmptyDb::sqlite().open()
    }

    /// A fresh schema on the server of [`postgres_server`], migrated; `None`
    /// if no server is named.
    pub fn postgres() -> Option<TestDb> {
        EmptyDb::on(Backend::Postgres).map(EmptyDb::open)
    }

    /// How many rows the `users` table holds, read outside any request.
    ///
    /// # Panics
    /// When the test's own database cannot be read: the test cannot go on
    /// without the count, and must fail with the cause.
    pub fn count_users(&self) -> i64 {
        self.pool
            .read_blocking(|conn| users::table.count().get_result(conn))
            .expect("count the users")
    }

    /// How many rows the `posts` table holds, read outside any request.
    ///
    /// # Panics
    /// As [`TestDb::count_users`].
    pub fn count_posts(&self) -> i64 {
        self.pool
            .read_blocking(|conn| posts::table.count().get_result(conn))
            .expect("count the posts")
    }

    /// How many posts name a user that does not exist: none, ever, while
    /// the foreign key holds.
    ///
    /// # Panics
    /// As [`TestDb::count_users`].
    pub fn count_orphan_posts(&self) -> i64 {
        self.pool
            .read_blocking(|conn| {
                posts::table
                    .filter(diesel::dsl::not(diesel::dsl::exists(
                        users::table.filter(users::id.eq(posts::user_id)),
                    )))
                    .count()
                    .get_result(conn)
            })
            .expect("count the posts of no user")
    }
}
