//! Makes cargo build this crate again when a migration is added or changed.
//!
//! `embed_migrations!` (in `src/database.rs`) copies the migrations into the
//! binary when the crate is compiled, and cargo does not know that it read
//! them: without this, a new migration folder would be left out of the next
//! build, and the app would start without applying it, silently. (diesel's
//! documentation of the macro gives this same script.)

fn main() {
    println!("cargo::rerun-if-changed=migrations");
}
