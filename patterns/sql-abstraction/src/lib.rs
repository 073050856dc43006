//! # The SQL-abstraction-layer pattern
//!
//! No model type for rows at all: what the API serves of `users` and
//! `posts` (the views `exposed_users` and `exposed_posts` that the
//! migrations define) read from the database's catalog as the app starts
//! (the Flask page's `autoload=True`), diesel's query builder over it by
//! name (`diesel-dynamic-schema`), and textual SQL with bound parameters,
//! with rows turned into JSON by column name. It is the Rust side of the
//! "SQL Abstraction Layer" section of Flask's *SQLAlchemy in Flask* page.
//!
//! Why choose it: full control of the SQL, and answers that follow the
//! schema as the database has it, over tables the program does not know at
//! compile time. What it costs: the compiler checks less (a typo in SQL
//! text fails at run time), so every statement needs a test; values must
//! always be bound, never pasted into SQL text; and the answers' shape is
//! decided by migrations (the views), not by the code.
//!
//! [`store`] (users), [`posts`] (posts, and what joins them to users),
//! [`reflected_table`], [`json_rows`] and [`json_cell`] are this pattern's own: the data
//! access, the files to compare with the other patterns. The rest is the
//! app every pattern serves: [`routes`] (compiled in from `shared/routes/`),
//! the models and migrations (the crate `shared`), and the database
//! machinery (the crate `web_db`).
//!
//! Run it with `cargo run -p sql-abstraction`; `cargo run -p sql-abstraction
//! -- demo` runs the console session instead.

use actix_web::middleware::from_fn;
use actix_web::{App, web};
use shared::openapi::{ApiDoc, explorer};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use web_db::DbPool;
use web_db::http::{AppService, head_as_get, json_error_bodies, json_errors_for, request_log};

// The console session of `-- demo`: the book's tour, compiled in over this
// pattern's `Store` like the routes (an app `new-app` makes has none).
#[path = "../../../shared/demo.rs"]
pub mod demo;
pub mod json_cell;
pub mod json_rows;
pub mod posts;
pub mod reflected_table;
// The routes are the same in every pattern: one folder, `shared/routes`,
// compiled into each as its own module, over its own `Store`.
#[path = "../../../shared/routes/mod.rs"]
pub mod routes;
pub mod store;

/// The app: the engine, the store, the routes, and the teardown hook.
/// `main` builds one per worker thread; the tests build it here too.
///
/// Diesel is synchronous, so database work never runs on the async worker
/// that took the request: reads and writes go to the database threads
/// (`DbSession::read`, `DbSession::write`; writes on SQLite to its one
/// writer thread, which commits the writes waiting together). The one
/// exception is a lookup of one row by key on SQLite, which takes
/// microseconds and runs in place when a connection is free
/// (`DbSession::lookup`).
pub fn app(pool: DbPool) -> App<impl AppService> {
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        // The engine, for each request's session to borrow a connection from.
        .app_data(web::Data::new(pool.clone()))
        // The store, opened as each worker starts: it reads then the columns
        // the views `exposed_users` and `exposed_posts` select.
        .data_factory(pool.data_factory(store::Store::open))
        // Each route, and its part of the OpenAPI document.
        .configure(routes::routes)
        .split_for_parts();
    app.service(explorer(api.clone()))
        // JSON for what no handler answers: 404, 405 with `Allow`, bad JSON.
        .configure(json_errors_for(&api))
        // The middleware registered last runs first: the hook, last here,
        // opens the request's session before any extractor or handler runs
        // and removes it after everything else, the log line included.
        .wrap(json_error_bodies())
        // HEAD wherever GET is served: the GET's answer without its body.
        .wrap(from_fn(head_as_get))
        .wrap(request_log())
        .wrap(from_fn(web_db::shutdown_session))
}
