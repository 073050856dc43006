//! Instances of different patterns serve one database together: the three
//! binaries start at the same moment on a fresh database, share it under
//! load, and race for one name. They can, because they share the schema and
//! the migrations, and only the database decides who wins.
//!
//! A test of one package can start only that package's binaries, so this
//! one has cargo build the three patterns' binaries first (nothing to do
//! when `cargo test --workspace` already built them).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use conformance::Backend;
use conformance::instances::{
    racing_creates_of_one_name_have_one_winner, sharing_a_database_under_load_loses_nothing,
    started_together_all_serve,
};

const PATTERNS: [&str; 3] = ["declarative", "manual-mapping", "sql-abstraction"];

/// The three patterns' binaries, built by the same cargo, profile and target
/// directory as this test.
fn binaries() -> &'static [String; 3] {
    static BUILT: OnceLock<[String; 3]> = OnceLock::new();
    BUILT.get_or_init(|| {
        // This test runs as <target>/<profile>/deps/mixed_instances-<hash>.
        let exe = std::env::current_exe().expect("the test's own path");
        let profile_dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("the test runs from <target>/<profile>/deps");
        let target_dir = profile_dir
            .parent()
            .expect("a target directory above the profile's");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args(["build", "--quiet", "--bins"])
            .arg("--target-dir")
            .arg(target_dir);
        // cargo's `dev` profile builds into `debug`; every other profile
        // into a directory of its own name.
        if let Some(profile) = profile_dir.file_name().filter(|name| *name != "debug") {
            build.arg("--profile").arg(profile);
        }
        for pattern in PATTERNS {
            build.args(["-p", pattern]);
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "cargo build of the patterns: {status}");
        PATTERNS.map(|pattern| binary_path(profile_dir.to_path_buf(), pattern))
    })
}

fn binary_path(profile_dir: PathBuf, pattern: &str) -> String {
    let path = profile_dir.join(format!("{pattern}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.exists(), "no binary at {}", path.display());
    path.display().to_string()
}

/// Four instances: each pattern once, and the first twice.
fn four_mixed() -> Vec<&'static str> {
    let [a, b, c] = binaries();
    vec![a, b, c, a]
}

fn three_mixed() -> Vec<&'static str> {
    binaries().iter().map(String::as_str).collect()
}

#[test]
fn mixed_instances_started_together_on_sqlite_all_serve() {
    started_together_all_serve(&four_mixed(), Backend::Sqlite);
}

conformance::postgres_tests! {
    #[test]
    fn mixed_instances_started_together_on_postgres_all_serve() {
        started_together_all_serve(&four_mixed(), Backend::Postgres);
    }
}

#[test]
fn mixed_instances_sharing_sqlite_under_load_lose_nothing() {
    sharing_a_database_under_load_loses_nothing(&three_mixed(), Backend::Sqlite);
}

conformance::postgres_tests! {
    #[test]
    fn mixed_instances_sharing_postgres_under_load_lose_nothing() {
        sharing_a_database_under_load_loses_nothing(&three_mixed(), Backend::Postgres);
    }
}

#[test]
fn racing_creates_across_mixed_instances_on_sqlite_have_one_winner() {
    racing_creates_of_one_name_have_one_winner(&three_mixed(), Backend::Sqlite);
}

conformance::postgres_tests! {
    #[test]
    fn racing_creates_across_mixed_instances_on_postgres_have_one_winner() {
        racing_creates_of_one_name_have_one_winner(&three_mixed(), Backend::Postgres);
    }
}
