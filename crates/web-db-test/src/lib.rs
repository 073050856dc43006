//! # web-db-test
//!
//! Tests for an app built on `web-db`, as plain `#[test]` functions: each
//! test gets a database of its own, migrated with the app's migrations, and
//! the app served over real TCP on a free port, with a small blocking HTTP
//! client to talk to it.
//!
//! ```no_run
//! # fn app(pool: web_db::DbPool) -> actix_web::App<impl web_db::http::AppService> {
//! #     actix_web::App::new().app_data(pool).wrap(actix_web::middleware::from_fn(web_db::shutdown_session))
//! # }
//! # const MIGRATIONS: web_db::migrate::Migrations = web_db::migrate::Migrations {
//! #     sqlite: diesel_migrations::EmbeddedMigrations::new(&[]),
//! #     postgres: diesel_migrations::EmbeddedMigrations::new(&[]),
//! # };
//! use web_db_test::TestApp;
//!
//! #[test]
//! fn a_created_user_can_be_read_back() {
//!     let app = TestApp::spawn(app, MIGRATIONS);
//!     let created = app.post("/users", r#"{"name":"ada","email":"ada@example.com"}"#);
//!     assert_eq!(created.status, 201);
//!     let location = created.header("location").unwrap();
//!     assert_eq!(app.get(location).json(), created.json());
//! }
//! ```
//!
//! The database is SQLite (a file in the temporary folder) unless
//! `TEST_DATABASE_URL` names a PostgreSQL server (in the environment or
//! `.env`): then each test gets a schema of its own there. Either is
//! removed when the test ends.
//!
//! - [`TestApp`]: the app and its database, for one test.
//! - [`db`]: the database alone ([`TestDb`], [`EmptyDb`]).
//! - [`server`]: the app served from a thread of its own ([`TestServer`]).
//! - [`http`]: the client, which can also misbehave on purpose.

// This crate is test code: where something a test needs cannot be done
// (bind a port, reach the database), it fails the test with a message
// (`expect`, `panic!`) rather than returning an error for every caller to
// unwrap.

pub mod app;
pub mod db;
pub mod http;
pub mod server;

pub use app::TestApp;
pub use db::{Backend, EmptyDb, TestDb};
pub use http::Reply;
pub use server::TestServer;
