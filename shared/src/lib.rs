//! The database setup and the `User` and `Post` models that every pattern
//! shares: the Rust counterpart of the Flask page's `database.py` and
//! `models.py`.
//!
//! - [`database`]: the engine (a pool over SQLite or PostgreSQL, chosen from
//!   the URL at run time) and the migrations; [`migrate`]: migrations that
//!   several instances can start at once; [`connection`]: the one
//!   connection type for both backends, and how the pool opens them;
//!   [`db_threads`]: the threads database work runs on, off the async
//!   workers, and the deadline that bounds every wait for one.
//! - [`sql_log`]: the SQL echo, every statement on the log target `sql`,
//!   and the recordings the demo and the tests read.
//! - [`session`]: the request session [`DbSession`] and the teardown hook
//!   [`shutdown_session`]; [`transaction`]: the transaction every write runs
//!   in; [`writer`]: the thread that commits SQLite writes in groups.
//! - [`models`], [`post_models`] and [`schema`]: the `User` and `Post`
//!   models and their tables.
//! - [`error`]: one error type, turned into JSON answers.
//! - [`user_store`] and [`post_store`]: the [`user_store::UserStore`] and
//!   [`post_store::PostStore`] traits, one per resource: the data access the
//!   routes need, which each pattern implements its own way.
//! - [`routes`], [`post_routes`], [`http`], [`listing`]: the HTTP API,
//!   written once over those traits; [`idempotency`]: the
//!   `Idempotency-Key` header, which makes a retried `POST` safe;
//!   [`openapi`]: the same contract as an OpenAPI document, with an explorer.
//! - [`startup`], [`demo`], [`database_url`]: what `cargo run -p PATTERN` does,
//!   and the `DATABASE_URL` it reads (with its password masked when shown).

pub mod connection;
pub mod database;
pub mod database_url;
pub mod db_threads;
pub mod demo;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod listing;
pub mod migrate;
pub mod models;
pub mod openapi;
pub mod post_models;
pub mod post_routes;
pub mod post_store;
pub mod routes;
pub mod schema;
pub mod session;
pub mod sql_log;
pub mod startup;
pub mod transaction;
pub mod user_store;
pub mod writer;

pub use connection::DbConnection;
pub use database::DbPool;
pub use error::AppError;
pub use session::{DbSession, shutdown_session};
