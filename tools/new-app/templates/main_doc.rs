//! `cargo run` serves the JSON API. Here the app is put together: the
//! settings, the engine (a pool of connections), the schema brought up to
//! date, then the app of `lib.rs` served by actix's `HttpServer`.
