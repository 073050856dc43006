//! # {{name}}
//!
//! A JSON API over a `users` table and the `posts` that belong to them, with
//! actix-web and diesel, on SQLite or PostgreSQL.
//!
{{data_access}}
//!
//! The rest is the same whatever the data access: [`routes`] (one module
//! per resource, each handler with its part of the OpenAPI document),
//! [`models`] and [`post_models`] (what clients send and get, and the rules
//! their values keep), {{tables}} (the tables), and
//! [`database`], [`listing`], [`openapi`] and [`cli`]. Under all of it is
//! the crate `web_db` (in `vendor/web-db`): the pool, the request session
//! and its hook, the SQLite writer, migrations, idempotent writes, pages by
//! key and JSON errors.
//!
//! Run it with `cargo run`; test it with `cargo test`.
