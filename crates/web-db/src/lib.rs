//! # web-db
//!
//! A diesel database behind an actix-web app, with the parts every such app
//! needs and few write well: one binary on SQLite or PostgreSQL (chosen from
//! the URL at run time), a request session whose work never blocks an async
//! worker, writes that are committed before they are answered, migrations
//! that several instances can start at once, retries that never write twice,
//! pages by key, and every failure answered as JSON with the right status.
//! It knows nothing of your tables: your app brings its schema, models,
//! queries, routes and migrations.
//!
//! ```no_run
//! use actix_web::middleware::from_fn;
//! use actix_web::{App, HttpResponse, HttpServer, web};
//! use diesel::prelude::*;
//! use diesel::sql_types::BigInt;
//! use web_db::{AppError, DbSession, Settings};
//!
//! async fn count(session: DbSession) -> Result<HttpResponse, AppError> {
//!     // Runs on a database thread, in a transaction that is rolled back.
//!     let n: i64 = session
//!         .read(|conn| diesel::select(diesel::dsl::sql::<BigInt>("42")).get_result(conn))
//!         .await?;
//!     Ok(HttpResponse::Ok().json(n))
//! }
//!
//! fn main() -> Result<(), String> {
//!     let settings = Settings::from_env("app.db")?;
//!     let pool = web_db::engine(&settings.database, &settings.pool).map_err(|e| e.to_string())?;
//!     actix_web::rt::System::new().block_on(async move {
//!         HttpServer::new(move || {
//!             App::new()
//!                 .app_data(web::Data::new(pool.clone()))
//!                 .route("/count", web::get().to(count))
//!                 .configure(web_db::http::json_errors)
//!                 .wrap(from_fn(web_db::shutdown_session))
//!         })
//!         .bind(&settings.bind_addr)
//!         .map_err(|e| e.to_string())?
//!         .run()
//!         .await
//!         .map_err(|e| e.to_string())
//!     })
//! }
//! ```
//!
//! What is where:
//!
//! - [`database`]: the engine ([`engine`] makes a [`DbPool`]), and the three
//!   ways into the database: [`DbPool::lookup`], [`DbPool::read`] and
//!   [`DbPool::write`]; [`connection`]: the one connection type for both
//!   backends; [`database_url`]: which database a URL names.
//! - [`session`]: the request session [`DbSession`], and [`shutdown_session`],
//!   the middleware that opens and ends it on every path, panics included.
//! - [`migrate`]: your migrations, run by one instance while the others wait.
//! - [`error`]: [`AppError`], every failure as a JSON answer; [`http`]: JSON
//!   for the framework's own errors, [`http::ValidJson`] and [`http::PathId`];
//!   [`text`]: the rules of a text field, checked and documented alike.
//! - [`idempotency`]: the `Idempotency-Key` header, which makes a retried
//!   `POST` safe; [`paging`]: pages by key, with a `Link` to the next.
//! - [`openapi`]: what every route's OpenAPI description repeats, for
//!   `#[utoipa::path]`.
//! - [`startup`]: [`Settings`] from the environment, logging, a graceful stop.
//! - [`sql_log`]: every statement on the log target `sql`
//!   (`RUST_LOG=sql=debug`), and recordings for tests.
//! - Underneath: [`writer`] (SQLite's one writer, which commits the writes
//!   waiting together), [`db_threads`] (where database work runs, off the
//!   async workers), [`transaction`] and [`watchdog`] (which ends a
//!   PostgreSQL call still running when its time is up).
//!
//! The version is in `Cargo.toml`, and what changed in each in
//! `CHANGELOG.md`, beside this crate's sources.

pub mod connection;
pub mod database;
pub mod database_url;
pub mod db_threads;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod migrate;
pub mod openapi;
pub mod paging;
pub mod session;
pub mod sql_log;
pub mod startup;
pub mod text;
pub mod transaction;
pub mod watchdog;
pub mod writer;

pub use connection::DbConnection;
pub use database::{DbPool, PoolSettings, engine, init_db};
pub use database_url::DatabaseUrl;
pub use error::AppError;
pub use session::{DbSession, shutdown_session};
pub use startup::Settings;
