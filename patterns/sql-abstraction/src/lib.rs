//! # The SQL-abstraction-layer pattern
//!
//! No model type for rows at all: diesel's query builder over tables and
//! columns, a table read at run time by name (`diesel-dynamic-schema`), and
//! textual SQL with bound parameters, with rows turned into JSON by column
//! name. It is the Rust side of the "SQL Abstraction Layer" section of
//! Flask's *SQLAlchemy in Flask* page.
//!
//! Why choose it: full control of the SQL, and queries over tables the
//! program does not know at compile time. What it costs: the compiler checks
//! less (a typo in SQL text fails at run time), so every statement needs a
//! test; and values must always be bound, never pasted into SQL text.
//!
//! Diesel is synchronous, so queries run on actix's blocking thread pool
//! through [`shared::DbSession::run`]. On SQLite, short reads run in place
//! ([`shared::DbSession::read`]) and writes go to one writer thread that
//! commits them in groups ([`shared::DbSession::write`]).
//!
//! Run it with `cargo run -p sql-abstraction`, or
//! `cargo run -p sql-abstraction -- demo` for the console session. [`store`]
//! and [`json_rows`] are the files to compare with the other patterns: the
//! routes, the session and the demo are shared.

use actix_web::App;
use shared::DbPool;
use shared::http::AppService;

pub mod json_rows;
pub mod store;

/// The app: the plumbing of [`shared::http::base_app`] (session hook, JSON
/// errors, logging) and the routes of [`shared::routes`] over [`store::Store`].
/// `main` and the tests both build it here.
pub fn app(pool: DbPool) -> App<impl AppService> {
    shared::http::base_app(pool).configure(shared::routes::routes::<store::Store>)
}
