//! The peers: the fastest web stacks Rust people run against PostgreSQL and
//! SQLite, built from `bench/peers` (a workspace of its own) by `just bench`
//! and measured in the same run as the patterns, on the same routes, the
//! same table, as many pooled connections and, on SQLite, the same WAL and
//! `synchronous` settings.

use std::path::{Path, PathBuf};

/// Each peer on PostgreSQL: its binary, and its name in the table.
pub const POSTGRES_PEERS: [(&str, &str); 3] = [
    ("actix-tokio-postgres", "actix-web + tokio-postgres"),
    // The patterns' own query builder on an async connection, with no
    // database threads.
    ("actix-diesel-async", "actix-web + diesel-async"),
    ("axum-sqlx", "axum + sqlx"),
];

/// Each peer on SQLite: its binary, and its name in the table.
pub const SQLITE_PEERS: [(&str, &str); 2] = [
    // A blocking pool of rusqlite connections and one writer behind a mutex.
    ("actix-rusqlite", "actix-web + rusqlite"),
    ("axum-sqlx-sqlite", "axum + sqlx"),
];

/// What one peer served, in requests per second.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    /// `GET /users/{id}`.
    pub read: f64,
    /// `POST /users` with the INSERT between `BEGIN` and `COMMIT`, as the
    /// patterns' every write: the like-for-like create. (On SQLite an
    /// autocommitted INSERT, a transaction of its own.)
    pub create_in_transaction: f64,
    /// The p99 of `GET /users/{id}` at the `paced` workload's pace, in
    /// milliseconds, when it was run.
    pub paced_read_p99_ms: Option<f64>,
}

/// Where `bench/run.sh` builds the peers: `target/peers/release`, beside
/// the benchmark's own `target/release`.
pub fn binaries(bench_binaries: &Path) -> Option<PathBuf> {
    let folder = bench_binaries.parent()?.join("peers").join("release");
    (POSTGRES_PEERS.iter().chain(&SQLITE_PEERS))
        .all(|(binary, _)| folder.join(binary).exists())
        .then_some(folder)
}

/// The best of the peers at each route: what the patterns are held to
/// (the most requests a second, the shortest paced p99).
pub fn fastest(figures: &[Figures]) -> Figures {
    let best = |of: fn(&Figures) -> f64| figures.iter().map(of).fold(0.0, f64::max);
    Figures {
        read: best(|f| f.read),
        create_in_transaction: best(|f| f.create_in_transaction),
        paced_read_p99_ms: figures
            .iter()
            .filter_map(|f| f.paced_read_p99_ms)
            .reduce(f64::min),
    }
}
