//! # The manual-mapping pattern
//!
//! A plain `User` and the `users` table are kept apart, and joined by a
//! mapping written by hand in one place, [`users_mapping`]: no derive does the
//! row ⇄ struct work. It is the Rust side of the "Manual Object Relational
//! Mapping" section of Flask's *SQLAlchemy in Flask* page.
//!
//! Why choose it: the domain type stays free of persistence concerns, and one
//! type can be mapped to several tables or shapes. What it costs: the mapping
//! must be kept in step with the schema by hand; `tests/mapping.rs` makes a
//! mapping that falls out of step fail `cargo test`.
//!
//! Diesel is synchronous, so queries run on actix's blocking thread pool
//! through [`shared::DbSession::run`]. On SQLite, short reads run in place
//! ([`shared::DbSession::read`]) and writes go to one writer thread that
//! commits them in groups ([`shared::DbSession::write`]).
//!
//! Run it with `cargo run -p manual-mapping`, or `cargo run -p manual-mapping -- demo`
//! for the console session. [`store`] and [`users_mapping`] are the files to
//! compare with the other patterns: the routes, the session and the demo are
//! shared.

use actix_web::App;
use shared::DbPool;
use shared::http::AppService;

pub mod store;
pub mod users_mapping;

/// The app: the plumbing of [`shared::http::base_app`] (session hook, JSON
/// errors, logging) and the routes of [`shared::routes`] over [`store::Store`].
/// `main` and the tests both build it here.
pub fn app(pool: DbPool) -> App<impl AppService> {
    shared::http::base_app(pool).configure(shared::routes::routes::<store::Store>)
}
