//! What every pattern serves, but for its data access: the `User` and
//! `Post` models and their tables, the migrations, the query strings of the
//! lists, the OpenAPI document's frame and the command line. (The routes,
//! in `shared/routes/`, are compiled into each pattern instead, as its own
//! module: they call that pattern's `Store`.) The database machinery under
//! all of it is the crate `web_db`.
//!
//! - [`database`]: the migrations, and [`database::init_db`].
//! - [`models`], [`post_models`] and [`schema`]: the `User` and `Post`
//!   models and their tables.
//! - [`listing`]: which users `GET /users` asks for.
//! - [`openapi`]: the OpenAPI document, with an explorer.
//! - [`cli`]: the command line, and what is printed at start-up.

pub mod cli;
pub mod database;
pub mod listing;
pub mod models;
pub mod openapi;
pub mod post_models;
pub mod schema;
