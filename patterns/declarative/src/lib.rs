//! # The declarative pattern
//!
//! The model type *is* the mapping: diesel derives on the shared `User`
//! (`Queryable`, `Selectable`, `Insertable`, `AsChangeset`) tie it to the
//! `users` table, and the query DSL does the rest. Relations are derives too:
//! `Post` `belongs_to(User)` (`Associations`). It is the Rust side of the
//! "Declarative" section of Flask's *SQLAlchemy in Flask* page.
//!
//! Diesel is synchronous: a query holds its thread until the answer comes.
//! Reads go through [`shared::DbSession::read`], on connections that cannot
//! write (on PostgreSQL on the blocking thread pool; on SQLite, being short,
//! right on the async worker); writes through [`shared::DbSession::write`],
//! which runs each in a transaction of its own and commits it (on SQLite on
//! one writer thread that commits the writes waiting together).
//!
//! Run it with `cargo run -p declarative`, or `cargo run -p declarative -- demo`
//! for the console session. [`store`] (users) and [`posts`] (posts, and what
//! joins them to users) are the files to compare with the other patterns:
//! the routes, the session and the demo are shared.

use actix_web::middleware::from_fn;
use actix_web::{App, web};
use web_db::DbPool;
use web_db::http::AppService;

pub mod posts;
pub mod store;

/// The app: the engine, the store, the routes of [`shared::routes`] over
/// [`store::Store`], and the teardown hook. `main` builds one per
/// worker thread; the tests build it here too.
pub fn app(pool: DbPool) -> App<impl AppService> {
    App::new()
        // The engine, for each request's session to borrow a connection from.
        .app_data(web::Data::new(pool.clone()))
        // The store, opened as each worker starts, for the routes to use.
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
