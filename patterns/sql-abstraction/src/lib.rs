//! # The SQL-abstraction-layer pattern
//!
//! No model type for rows at all: the `users` table read from the
//! database's catalog as the app starts (the Flask page's `autoload=True`),
//! diesel's query builder over that table by name (`diesel-dynamic-schema`),
//! and textual SQL with bound parameters, with rows turned into JSON by
//! column name. It is the Rust side of the "SQL Abstraction Layer" section
//! of Flask's *SQLAlchemy in Flask* page.
//!
//! Why choose it: full control of the SQL, and answers that follow the table
//! as the database has it, over tables the program does not know at compile
//! time. What it costs: the compiler checks less (a typo in SQL text fails
//! at run time), so every statement needs a test; values must always be
//! bound, never pasted into SQL text; and the answers' shape is decided by
//! whoever last changed the table.
//!
//! Diesel is synchronous: a query holds its thread until the answer comes.
//! Reads go through [`shared::DbSession::read`], on connections that cannot
//! write (on PostgreSQL on the blocking thread pool; on SQLite, being short,
//! right on the async worker); writes through [`shared::DbSession::write`],
//! which runs each in a transaction of its own and commits it (on SQLite on
//! one writer thread that commits the writes waiting together).
//!
//! Run it with `cargo run -p sql-abstraction`, or
//! `cargo run -p sql-abstraction -- demo` for the console session. [`store`]
//! (users), [`posts`] (posts, and what joins them to users),
//! [`reflected_table`] and [`json_rows`] are the files to compare with the
//! other patterns: the routes, the session and the demo are shared.

use actix_web::middleware::from_fn;
use actix_web::{App, web};
use web_db::DbPool;
use web_db::http::AppService;

pub mod json_rows;
pub mod posts;
pub mod reflected_table;
pub mod store;

/// The app: the engine, the store, the routes of [`shared::routes`] over
/// [`store::Store`], and the teardown hook. `main` builds one per
/// worker thread; the tests build it here too.
pub fn app(pool: DbPool) -> App<impl AppService> {
    App::new()
        // The engine, for each request's session to borrow a connection from.
        .app_data(web::Data::new(pool.clone()))
        // The store, opened as each worker starts: it reads the columns of
        // `users` and `posts` from the database then, the Flask page's
        // `autoload=True`.
        .data_factory(shared::routes::open_store::<store::Store>(pool))
        .configure(shared::routes::routes::<store::Store>)
        // The contract as an OpenAPI document, and an explorer for it.
        .service(shared::openapi::explorer())
        .configure(web_db::http::json_errors)
        // The middleware registered last runs first: the hook, last here,
        // opens the request's session before any extractor or handler runs
        // and removes it after everything else, the log line included.
        .wrap(web_db::http::json_error_bodies())
        .wrap(web_db::http::request_log())
        .wrap(from_fn(web_db::shutdown_session))
}
