//! The database of the app: its migrations, one set per backend, compiled
//! into the binary and run at start-up by [`init_db`].

use diesel_migrations::embed_migrations;
use web_db::DbPool;
use web_db::migrate::Migrations;

/// `migrations/sqlite` and `migrations/postgres`, as they were when the app
/// was built (`build.rs` makes cargo notice a migration added since).
pub const MIGRATIONS: Migrations = Migrations {
    sqlite: embed_migrations!("migrations/sqlite"),
    postgres: embed_migrations!("migrations/postgres"),
};

/// Creates or updates the schema: runs the migrations that have not run
/// yet on this database, while any other instance starting at the same
/// moment waits for them.
pub fn init_db(pool: &DbPool) -> Result<(), String> {
    web_db::init_db(pool, MIGRATIONS)
}
