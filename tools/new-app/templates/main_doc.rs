//! `cargo run` serves the JSON API; `cargo run -- demo` runs the console
//! session. The crate docs (`lib.rs`) say how the app is put together.
