//! # The declarative pattern
//!
//! The model type *is* the mapping: diesel derives on the shared `User`
//! (`Queryable`, `Selectable`, `Insertable`, `AsChangeset`) tie it to the
//! `users` table, and the query DSL does the rest. It is the Rust side of the
//! "Declarative" section of Flask's *SQLAlchemy in Flask* page.
//!
//! Diesel is synchronous, so queries run on actix's blocking thread pool
//! through [`shared::DbSession::run`], and the async workers never wait for a
//! lock or the network. On SQLite, short reads run in place
//! ([`shared::DbSession::read`]) and writes go to one writer thread that
//! commits them in groups ([`shared::DbSession::write`]).
//!
//! Run it with `cargo run -p declarative`, or `cargo run -p declarative -- demo`
//! for the console session. [`store`] is the file to compare with the other
//! patterns: the routes, the session and the demo are shared.

use actix_web::App;
use shared::DbPool;
use shared::http::AppService;

pub mod store;

/// The app: the plumbing of [`shared::http::base_app`] (session hook, JSON
/// errors, logging) and the routes of [`shared::routes`] over [`store::Store`].
/// `main` and the tests both build it here.
pub fn app(pool: DbPool) -> App<impl AppService> {
    shared::http::base_app(pool).configure(shared::routes::routes::<store::Store>)
}
