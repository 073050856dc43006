//! The app every pattern serves, but for its data access: the `User` and
//! `Post` models and their tables, the migrations, the routes (written once,
//! over the [`user_store::UserStore`] and [`post_store::PostStore`] traits
//! that each pattern implements its own way), the OpenAPI document and the
//! demo. The Rust counterpart of the Flask page's `database.py` and
//! `models.py`; the database machinery under it is the crate `web_db`.
//!
//! - [`database`]: the migrations, and [`database::init_db`].
//! - [`models`], [`post_models`] and [`schema`]: the `User` and `Post`
//!   models and their tables.
//! - [`user_store`] and [`post_store`]: the data access the routes need,
//!   one trait per resource.
//! - [`routes`], [`post_routes`], [`listing`]: the HTTP API, written once
//!   over those traits; [`openapi`]: the same contract as an OpenAPI
//!   document, with an explorer.
//! - [`cli`], [`demo`]: the command line of each pattern's binary, and the
//!   console session.

pub mod cli;
pub mod database;
pub mod demo;
pub mod listing;
pub mod models;
pub mod openapi;
pub mod post_models;
pub mod post_routes;
pub mod post_store;
pub mod routes;
pub mod schema;
pub mod user_store;

pub use web_db::{AppError, DbConnection, DbPool, DbSession, shutdown_session};
