//! Decides, when the tests are built, whether their PostgreSQL cases run.
//!
//! They run when `TEST_DATABASE_URL`, or a `DATABASE_URL` that names
//! PostgreSQL, is set in the environment or in `.env`: the rule by which
//! `postgres_server` (in `src/db.rs`) finds the server when they run.
//! Otherwise the cfg `postgres_tests` stays unset and every PostgreSQL case
//! is marked `#[ignore]` with the reason, so that `cargo test` counts them as
//! ignored instead of reporting passes for cases that never ran.
//!
//! Cargo runs this script again when either variable changes, or the `.env`
//! file found here changes. A `.env` created after the last build is not
//! noticed; a test then says so and how to rebuild.
//!
//! The same way, the case that restarts the PostgreSQL server for real runs
//! only when `PG_RESTART_COMMAND` names how to restart it: the
//! cfg `restart_drill`. Otherwise it is listed as ignored, with the reason.

fn main() {
    // Where this script is a whole app's, beside the `migrations/` that
    // `embed_migrations!` copies into it, a migration added must rebuild
    // the app: cargo does not know the macro read them.
    if std::path::Path::new("migrations").is_dir() {
        println!("cargo::rerun-if-changed=migrations");
    }
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo::rerun-if-env-changed=DATABASE_URL");
    println!("cargo::rustc-check-cfg=cfg(restart_drill)");
    println!("cargo::rerun-if-env-changed=PG_RESTART_COMMAND");
    if std::env::var("PG_RESTART_COMMAND").is_ok_and(|c| !c.trim().is_empty()) {
        println!("cargo::rustc-cfg=restart_drill");
    }
    // `.env` is looked for here and in the folders above, as the tests look
    // for it; a value in the environment wins over one in the file.
    if let Ok(path) = dotenvy::dotenv() {
        println!("cargo::rerun-if-changed={}", path.display());
    }
    if postgres_named() {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}

fn postgres_named() -> bool {
    let test_url = std::env::var("TEST_DATABASE_URL").unwrap_or_default();
    let app_url = std::env::var("DATABASE_URL").unwrap_or_default();
    !test_url.is_empty()
        || app_url.starts_with("postgres://")
        || app_url.starts_with("postgresql://")
}
