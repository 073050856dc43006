//! `just bench`: each pattern, side by side with a server that uses no
//! database at all, under the same load from `wrk`, on this machine.
//!
//! For each pattern it seeds a fresh SQLite database with 1,000 users,
//! starts the release binary, and runs five workloads (32 connections, a
//! warm-up, then `BENCH_SECONDS`, default 10): `GET /users/{id}` over random
//! ids, `GET /users?page=..` (20 rows), `POST /users` with unique users, a
//! 90/10 read/write mix, and reads by id at a set pace (each connection one
//! every [`PACE_MS`]), where wrk is not the one short of a core. It prints requests/s,
//! latency, non-2xx answers and the ratio to the ceiling, and for writes the
//! rows found against the 201s counted. Then, on a database of a million users ([`deep`]), it walks
//! each pattern's list to its end by its `Link` headers, counting the
//! statements of each page, and measures a page by key deep in the list
//! (`GET /users?after=`) beside a read by id. When `DATABASE_URL` names a
//! PostgreSQL server, it runs the patterns there too, each in a schema of
//! its own, and first measures the database's own limits with pgbench
//! ([`pgbench`]) and the fastest Rust stacks on the same routes
//! ([`peers`]): there the ratios that matter are to the fastest peer. The
//! ceiling and the peers are measured again right before each server, and
//! each server's ratios are taken to those figures, so that the machine's
//! drift over a run does not favour the servers measured late. It writes
//! the ratios as an SVG chart ([`chart`]).
//! Nothing is asserted: the figures vary between runs, so the table leads
//! with ratios taken in the same run.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use shared::database::init_db;
use shared::models::NewUser;
use shared::schema::users;
use web_db::DbPool;
use web_db::database_url::DatabaseUrl;
use web_db::{PoolSettings, engine};

mod chart;
mod deep;
mod peers;
mod pgbench;

const PATTERNS: [&str; 3] = ["declarative", "manual-mapping", "sql-abstraction"];
const ALL_WORKLOADS: [(&str, &str); 5] = [
    ("read", "GET /users/{id}"),
    ("page", "GET /users?page="),
    ("write", "POST /users"),
    ("mixed", "90% GET / 10% POST"),
    ("paced", "GET /users/{id} paced"),
];
/// The `paced` workload: each connection sends its next read this many
/// milliseconds after the last answer, about 11,000 to 13,000 requests a
/// second at 32 connections, under what every server served at full speed
/// in the recorded runs (17,000 a second and more). At full speed
/// wrk shares the machine's cores with the server, and the faster the
/// server the busier wrk is, so the slowest answers it times include its
/// own waits for a core (the no-database ceiling, the fastest server, has
/// the longest p99). At one pace for all, what differs in the p99 is what
/// the server does.
const PACE_MS: u32 = 2;
const SEED_USERS: usize = 1000;
/// SQLite's two durabilities (`DB_SQLITE_SYNCHRONOUS`), with their labels:
/// the patterns run every workload at the first, the default, and creates
/// at the second too.
const DURABILITIES: [(&str, &str); 2] = [
    ("full", "POST /users (FULL)"),
    ("normal", "POST /users (NORMAL)"),
];
/// wrk's connections, unless `BENCH_CONNECTIONS` says otherwise (256, say,
/// for the tail under eight times the load).
const CONNECTIONS: u32 = 32;
/// The patterns log every statement slower than this (`DB_SLOW_MS`), in the
/// run's output under the row it slowed: a stall of the writer (a commit
/// held up by a checkpoint or by the disk's sync) shows there as a `COMMIT`
/// with its time, as a p99 of hundreds of milliseconds shows that it
/// happened.
const SLOW_STATEMENT_MS: &str = "50";

/// One wrk run, as its `done` hook reported it.
#[derive(Debug, Default, Clone, Copy)]
struct Run {
    requests: u64,
    duration_us: u64,
    p50_us: u64,
    p99_us: u64,
    non2xx: u64,
    socket_errors: u64,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.requests as f64 / (self.duration_us.max(1) as f64 / 1e6)
    }
}

/// A warm-up and the measured run after it.
struct Load {
    warm_up: Run,
    measured: Run,
}

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Peak resident memory so far, in MiB (Linux `VmHWM`).
    fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024.0)
    }
}

struct Bench {
    binaries: PathBuf,
    script: PathBuf,
    /// The same script with reads at the `paced` workload's pace.
    paced_script: PathBuf,
    seconds: u64,
    /// wrk's connections (`BENCH_CONNECTIONS`, or [`CONNECTIONS`]).
    connections: u32,
    // Every wrk run gets its own prefix for the users it creates, so runs
    // never collide on the unique name.
    runs: std::cell::Cell<u64>,
    started: u64,
    /// Set once `CHECKPOINT` was refused and said so.
    checkpoint_refused: std::cell::Cell<bool>,
}

/// A peer serving for the whole of a backend's part of a run.
struct RunningPeer {
    name: &'static str,
    server: Server,
    cleanup: Cleanup,
    /// The PostgreSQL server it uses; none on SQLite.
    server_url: Option<String>,
}

impl RunningPeer {
    /// Its name without the framework, to fit the table.
    fn short_name(&self) -> &str {
        self.name.strip_prefix("actix-web + ").unwrap_or(self.name)
    }
}

/// How many connections the patterns' pool holds on `server_url`
/// (`DB_POOL_SIZE`, or the default): pgbench's clients and the peers' pools
/// get as many.
fn app_pool_size(server_url: &str) -> Result<u32, String> {
    match std::env::var("DB_POOL_SIZE") {
        Ok(size) => size
            .parse()
            .map_err(|_| format!("DB_POOL_SIZE must be a whole number, got {size:?}")),
        Err(_) => Ok(PoolSettings::for_backend(&DatabaseUrl::parse(server_url)?).max_size),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    if Command::new("wrk").arg("--version").output().is_err() {
        return Err(
            "wrk is not installed: `apt-get install wrk` (Debian, Ubuntu), \
             `brew install wrk` (macOS), or build it from its sources"
                .into(),
        );
    }
    let seconds = match std::env::var("BENCH_SECONDS") {
        Ok(s) => s
            .parse()
            .map_err(|_| format!("BENCH_SECONDS must be a whole number, got {s:?}"))?,
        Err(_) => 10,
    };
    let connections =
        match std::env::var("BENCH_CONNECTIONS") {
            Ok(c) => c.parse().ok().filter(|&c| c >= 2).ok_or_else(|| {
                format!("BENCH_CONNECTIONS must be a whole number from 2, got {c:?}")
            })?,
            Err(_) => CONNECTIONS,
        };
    let work = std::env::temp_dir().join(format!("bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let script = work.join("wrk.lua");
    std::fs::write(&script, include_str!("wrk.lua")).map_err(|e| e.to_string())?;
    // A script of its own: wrk calls `delay` before every request of a
    // script that defines it (wrk's SCRIPTING), a cost the other workloads
    // should not carry.
    let paced_script = work.join("wrk-paced.lua");
    let pace = format!("\nfunction delay() return {PACE_MS} end\n");
    std::fs::write(&paced_script, [include_str!("wrk.lua"), &pace].concat())
        .map_err(|e| e.to_string())?;
    let binaries = std::env::current_exe()
        .map_err(|e| e.to_string())?
        .parent()
        .map(Path::to_path_buf)
        .ok_or("no folder for the binaries")?;
    let bench = Bench {
        binaries,
        script,
        paced_script,
        seconds,
        connections,
        runs: std::cell::Cell::new(0),
        checkpoint_refused: std::cell::Cell::new(false),
        started: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };

    let machine = format!(
        "{} cores, {}, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        cpu_model(),
        today()
    );
    println!(
        "machine: {machine}; wrk -c{connections}, {seconds} s per workload after a 2 s warm-up\n"
    );
    // The yardsticks are measured again before each server (the rows
    // `(no database)` and `(peer) …` of the tables); these cells hold the
    // latest figures.
    let ceiling = std::cell::Cell::new(0.0);
    let fastest_peer = std::cell::Cell::new(None::<peers::Figures>);

    let only = std::env::var("BENCH_WORKLOADS").unwrap_or_default();
    let workloads: Vec<(&str, &str)> = ALL_WORKLOADS
        .into_iter()
        .filter(|(name, _)| only.is_empty() || only.split(',').any(|w| w == *name))
        .collect();

    let mut backends = vec![("SQLite", None)];
    if let Ok(url) = std::env::var("DATABASE_URL")
        && url.starts_with("postgres")
    {
        backends.push(("PostgreSQL", Some(url)));
    }
    let mut panels = Vec::new();
    for (backend, server_url) in backends {
        println!("== {backend} ==");
        // On PostgreSQL the database's own limits, measured first, in the
        // same run: the yardstick the patterns are held to there.
        let limits = match &server_url {
            Some(url) => {
                let clients = app_pool_size(url)?;
                let limits = pgbench::measure(url, clients, seconds)?;
                println!(
                    "pgbench, {clients} clients: -S -M prepared {:.0}/s; INSERT … RETURNING {:.0}/s \
                     (in BEGIN READ WRITE … COMMIT: {:.0}/s)",
                    limits.reads, limits.creates, limits.creates_in_transaction
                );
                Some(limits)
            }
            None => None,
        };
        // And the fastest Rust stacks on this backend, on the same routes,
        // in the same run: what a reader would choose instead. Started
        // once, measured again before each server.
        let running_peers = bench.start_peers(&work, server_url.as_deref())?;
        let yardstick = |workload: &str| match (limits, workload) {
            (Some(l), "read") => Some(l.reads),
            (Some(l), "write") => Some(l.creates),
            _ => None,
        };
        // Reads against reads, and creates against the peers' create in a
        // transaction: every write of the patterns is one.
        let peer_yardstick = |workload: &str| match (fastest_peer.get(), workload) {
            (Some(p), "read") => Some(p.read),
            (Some(p), "write") => Some(p.create_in_transaction),
            _ => None,
        };
        println!(
            "{:<22} {:<21} {:>7} {:>7} {:>7} {:>9} {:>9} {:>9} {:>7}",
            "pattern",
            "workload",
            "ceiling",
            if limits.is_some() { "pgbench" } else { "" },
            if running_peers.is_empty() { "" } else { "peer" },
            "req/s",
            "p50 ms",
            "p99 ms",
            "non-2xx"
        );
        let mut rows: Vec<(String, &str, f64)> = Vec::new();
        let mut print_row = |pattern: &str, workload: &str, label: &str, result: &Run| {
            let against_database = yardstick(workload).map(|limit| result.per_second() / limit);
            let against_peer = peer_yardstick(workload).map(|best| result.per_second() / best);
            let p99_ms = result.p99_us as f64 / 1000.0;
            // Paced, the servers serve about as many requests a second (the
            // req/s column shows it): what compares is the tail, to the best
            // peer's at the same pace.
            let (against_ceiling, note) = match workload {
                "paced" => (
                    String::new(),
                    fastest_peer
                        .get()
                        .and_then(|p| p.paced_read_p99_ms)
                        .map_or(String::new(), |best| {
                            format!("  p99 {:.2} × the best peer's paced", p99_ms / best)
                        }),
                ),
                _ => (
                    format!("{:.2}", result.per_second() / ceiling.get()),
                    String::new(),
                ),
            };
            println!(
                "{pattern:<22} {label:<21} {against_ceiling:>7} {:>7} {:>7} {:>9.0} {:>9.2} {:>9.2} {:>7}{note}{}",
                against_database.map_or(String::new(), |r| format!("{r:.2}")),
                against_peer.map_or(String::new(), |r| format!("{r:.2}")),
                result.per_second(),
                result.p50_us as f64 / 1000.0,
                p99_ms,
                result.non2xx,
                if result.socket_errors > 0 {
                    format!("  ({} socket errors)", result.socket_errors)
                } else {
                    String::new()
                }
            );
            let ratio = against_peer
                .or(against_database)
                .unwrap_or(result.per_second() / ceiling.get());
            rows.push((pattern.to_owned(), chart_workload(workload), ratio));
        };
        // The machine's speed drifts (the ceiling measured 93,000 to
        // 137,000 requests/s in three runs within half an hour on one
        // machine): each server's ratios are taken to the ceiling and the
        // peers measured just before it, rows of the table.
        let remeasure_yardsticks = || -> Result<(), String> {
            let no_database = bench.ceiling()?;
            ceiling.set(no_database.per_second());
            println!(
                "{:<22} {:<21} {:>7.2} {:>7} {:>7} {:>9.0} {:>9.2} {:>9.2} {:>7}",
                "(no database)",
                "GET /users/{id}",
                1.0,
                "",
                "",
                no_database.per_second(),
                no_database.p50_us as f64 / 1000.0,
                no_database.p99_us as f64 / 1000.0,
                no_database.non2xx
            );
            if !running_peers.is_empty() {
                let paced = workloads.iter().any(|(w, _)| *w == "paced");
                fastest_peer.set(Some(bench.measure_peers(&running_peers, paced)?));
            }
            Ok(())
        };
        // On PostgreSQL, a CHECKPOINT once a server is seeded and started:
        // its measurement does not pay for what came before.
        let settle = || {
            if let Some(url) = &server_url {
                bench.checkpoint(url);
            }
        };
        {
            remeasure_yardsticks()?;
            let (database_url, cleanup) = fresh_database(&work, "plain", server_url.as_deref())?;
            seed(&database_url)?;
            let server = start(
                &bench.binaries.join("plain"),
                &[("DATABASE_URL", database_url.as_str())],
            )?;
            settle();
            let result = bench.load(&server, "read")?.measured;
            print_row("(plain handler)", "read", "GET /users/{id}", &result);
            drop(server);
            // The simple way to write to SQLite, at each durability: what
            // the patterns' writer thread is measured against.
            if server_url.is_none() && workloads.iter().any(|(w, _)| *w == "write") {
                for (synchronous, label) in DURABILITIES {
                    let server = start(
                        &bench.binaries.join("plain"),
                        &[
                            ("DATABASE_URL", database_url.as_str()),
                            ("DB_SQLITE_SYNCHRONOUS", synchronous),
                        ],
                    )?;
                    let result = bench.load(&server, "write")?.measured;
                    print_row("(plain handler)", "plain-write", label, &result);
                }
            }
            cleanup();
        }
        for pattern in PATTERNS {
            remeasure_yardsticks()?;
            let (database_url, cleanup) = fresh_database(&work, pattern, server_url.as_deref())?;
            let pool = seed(&database_url)?;
            let server = start(
                &bench.binaries.join(pattern),
                &[
                    ("DATABASE_URL", database_url.as_str()),
                    ("RUST_LOG", "warn"),
                    ("DB_SLOW_MS", SLOW_STATEMENT_MS),
                ],
            )?;
            settle();
            let mut write_check = None;
            for &(workload, label) in &workloads {
                let rows_before = count_users(&pool)?;
                let load = bench.load(&server, workload)?;
                let result = load.measured;
                if workload == "write" {
                    let rows = count_users(&pool)? - rows_before;
                    let created = load.warm_up.requests - load.warm_up.non2xx + result.requests
                        - result.non2xx;
                    write_check = Some((rows, created));
                }
                print_row(pattern, workload, label, &result);
            }
            let memory = server.peak_rss_mib();
            drop(server);
            // Creates again at the other durability, in the same run.
            if server_url.is_none() && write_check.is_some() {
                let (synchronous, label) = DURABILITIES[1];
                let server = start(
                    &bench.binaries.join(pattern),
                    &[
                        ("DATABASE_URL", database_url.as_str()),
                        ("RUST_LOG", "warn"),
                        ("DB_SLOW_MS", SLOW_STATEMENT_MS),
                        ("DB_SQLITE_SYNCHRONOUS", synchronous),
                    ],
                )?;
                let result = bench.load(&server, "write")?.measured;
                print_row(pattern, "write-normal", label, &result);
            }
            let writes = match write_check {
                // wrk stops with up to one request per connection in flight: those
                // may commit after wrk stopped counting, so rows may exceed 201s by
                // at most the connections of each run (warm-up and measured), and
                // must never fall short of them.
                Some((rows, created)) => format!(
                    "; POST: {rows} rows added, {created} 201s received ({} cut off in flight at wrk's stop)",
                    rows - created as i64
                ),
                None => String::new(),
            };
            println!(
                "{pattern:<22} peak memory {}{writes}\n",
                memory.map_or("?".to_owned(), |m| format!("{m:.1} MiB")),
            );
            cleanup();
        }
        for peer in running_peers {
            drop(peer.server);
            (peer.cleanup)();
        }
        if only.is_empty() || only.split(',').any(|w| w == "deep") {
            bench.deep_pages(&work, server_url.as_deref())?;
        }
        panels.extend(chart_panels(
            backend,
            limits,
            fastest_peer.get(),
            ceiling.get(),
            &rows,
        ));
    }
    let chart = chart::svg(
        "The patterns against their yardsticks",
        &format!("{machine}; {} s per workload", seconds),
        &panels,
    );
    let chart_path = bench.binaries.join("bench.svg");
    std::fs::write(&chart_path, chart)
        .map_err(|e| format!("cannot write {}: {e}", chart_path.display()))?;
    println!("chart: {}", chart_path.display());
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

impl Bench {
    /// The ceiling's reads by id: a server with no database,
    /// started for this measurement alone.
    fn ceiling(&self) -> Result<Run, String> {
        let server = start(&self.binaries.join("ceiling"), &[])?;
        Ok(self.load(&server, "read")?.measured)
    }

    /// A warm-up, then the measured run.
    fn load(&self, server: &Server, workload: &str) -> Result<Load, String> {
        Ok(Load {
            warm_up: self.wrk(server, workload, 2)?,
            measured: self.wrk(server, workload, self.seconds)?,
        })
    }

    /// Starts each peer of the backend (PostgreSQL at `server_url`, or
    /// SQLite) on a fresh database seeded as the patterns' are, and
    /// measures once, for the record, what the patterns' creates are not
    /// held to: on PostgreSQL its autocommitted create, on SQLite its
    /// create at `synchronous = NORMAL`. None when the peers were not built
    /// (`bench/run.sh` builds them).
    fn start_peers(
        &self,
        work: &Path,
        server_url: Option<&str>,
    ) -> Result<Vec<RunningPeer>, String> {
        let Some(folder) = peers::binaries(&self.binaries) else {
            println!("(the peers are not built: `just bench` builds them)");
            return Ok(Vec::new());
        };
        let list = match server_url {
            Some(_) => peers::POSTGRES_PEERS.as_slice(),
            None => peers::SQLITE_PEERS.as_slice(),
        };
        let mut running = Vec::new();
        for &(binary, name) in list {
            let (database_url, cleanup) = fresh_database(work, binary, server_url)?;
            seed(&database_url)?;
            let pool_size = app_pool_size(&database_url)?.to_string();
            let start_peer = |synchronous: &str| {
                start(
                    &folder.join(binary),
                    &[
                        ("DATABASE_URL", database_url.as_str()),
                        ("POOL_SIZE", pool_size.as_str()),
                        ("SQLITE_SYNCHRONOUS", synchronous),
                    ],
                )
            };
            let (synchronous, label) = match server_url {
                None => ("normal", "POST /users (NORMAL)"),
                Some(_) => ("full", "POST /users, autocommitted"),
            };
            let server = start_peer(synchronous)?;
            if let Some(url) = server_url {
                self.checkpoint(url);
            }
            let result = self.load(&server, "write")?.measured;
            println!(
                "peer: {name:<27} {label}: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms",
                result.per_second(),
                result.p50_us as f64 / 1000.0,
                result.p99_us as f64 / 1000.0
            );
            drop(server);
            let server = start_peer("full")?;
            running.push(RunningPeer {
                name,
                server,
                cleanup,
                server_url: server_url.map(str::to_owned),
            });
        }
        Ok(running)
    }

    /// Reads by id and creates in a transaction on each running peer, each
    /// a row of the table; the best of them at each.
    fn measure_peers(
        &self,
        running: &[RunningPeer],
        paced: bool,
    ) -> Result<peers::Figures, String> {
        let mut all = Vec::new();
        for peer in running {
            if let Some(url) = &peer.server_url {
                self.checkpoint(url);
            }
            let read = self.load(&peer.server, "read")?.measured;
            let create = self.load(&peer.server, "write-tx")?.measured;
            let create_label = match peer.server_url {
                Some(_) => "POST in BEGIN…COMMIT",
                None => "POST /users",
            };
            let mut rows = vec![("GET /users/{id}", read), (create_label, create)];
            let paced_read = match paced {
                true => Some(self.load(&peer.server, "paced")?.measured),
                false => None,
            };
            rows.extend(paced_read.map(|run| ("GET /users/{id} paced", run)));
            for (label, result) in rows {
                println!(
                    "{:<22} {label:<21} {:>7} {:>7} {:>7} {:>9.0} {:>9.2} {:>9.2} {:>7}",
                    format!("(peer) {}", peer.short_name()),
                    "",
                    "",
                    "",
                    result.per_second(),
                    result.p50_us as f64 / 1000.0,
                    result.p99_us as f64 / 1000.0,
                    result.non2xx
                );
            }
            all.push(peers::Figures {
                read: read.per_second(),
                create_in_transaction: create.per_second(),
                paced_read_p99_ms: paced_read.map(|run| run.p99_us as f64 / 1000.0),
            });
        }
        Ok(peers::fastest(&all))
    }

    /// `CHECKPOINT`: the server writes out now what the work before left
    /// dirty, so that it does not do it during the next measurement. Needs
    /// a superuser or `pg_checkpoint`; if refused, says so once.
    fn checkpoint(&self, server_url: &str) {
        let refused = diesel::pg::PgConnection::establish(server_url)
            .map_err(|e| e.to_string())
            .and_then(|mut admin| admin.batch_execute("CHECKPOINT").map_err(|e| e.to_string()));
        if let Err(e) = refused
            && !self.checkpoint_refused.replace(true)
        {
            println!("(CHECKPOINT refused, {e}: a measurement may pay for the one before it)");
        }
    }

    /// A list of a million users, in one database for every pattern: each
    /// pattern's walk to its end by the links, then a read by id and a page
    /// by key deep in the list, each over random ids.
    fn deep_pages(&self, work: &Path, server_url: Option<&str>) -> Result<(), String> {
        let (database_url, cleanup) = fresh_database(work, "deep", server_url)?;
        let pool = deep::seed(&database_url)?;
        if let Some(url) = server_url {
            self.checkpoint(url);
        }
        println!(
            "deep pages: {} users; a walk by the links of GET /users?per_page=100, then wrk",
            deep::DEEP_USERS
        );
        println!(
            "{:<22} {:<28} {:>9} {:>9} {:>9} {:>9}",
            "pattern", "workload", "req/s", "p50 ms", "p99 ms", "non-2xx"
        );
        for pattern in PATTERNS {
            let walk = deep::walk(pattern, pool.clone())?;
            println!(
                "{pattern:<22} walk: {} pages, {} users, the last id {}, at most {} SELECT a page, {:.1} s",
                walk.pages, walk.users, walk.last_id, walk.most_selects_on_a_page, walk.seconds
            );
            let server = start(
                &self.binaries.join(pattern),
                &[
                    ("DATABASE_URL", database_url.as_str()),
                    ("RUST_LOG", "warn"),
                ],
            )?;
            let mut figures = Vec::new();
            for (workload, label) in [
                ("deep-read", "GET /users/{id}"),
                ("shallow-page", "GET /users?after=<0..1k>"),
                ("deep-page", "GET /users?after=<900k..1M>"),
            ] {
                let run = self.load(&server, workload)?.measured;
                println!(
                    "{pattern:<22} {label:<28} {:>9.0} {:>9.2} {:>9.2} {:>9}",
                    run.per_second(),
                    run.p50_us as f64 / 1000.0,
                    run.p99_us as f64 / 1000.0,
                    run.non2xx
                );
                figures.push(run.per_second());
            }
            let label = "GET /users/{id}, 16 of 32";
            let alone = self.reads_beside(&server, "deep-read")?;
            let beside = self.reads_beside(&server, "deep-page")?;
            for (what, run) in [
                ("beside 16 reading by id", alone),
                ("beside 16 paging deep", beside),
            ] {
                println!(
                    "{pattern:<22} {label:<28} {:>9.0} {:>9.2} {:>9.2} {:>9}  ({what})",
                    run.per_second(),
                    run.p50_us as f64 / 1000.0,
                    run.p99_us as f64 / 1000.0,
                    run.non2xx
                );
            }
            println!(
                "{pattern:<22} a page of 20 by key 900,000 deep: {:.2}× the speed of one at the start, \
                 {:.2}× that of a read by id; reads by id beside deep pages: {:.2}× their speed beside reads\n",
                figures[2] / figures[1],
                figures[2] / figures[0],
                beside.per_second() / alone.per_second()
            );
        }
        cleanup();
        Ok(())
    }

    fn wrk(&self, server: &Server, workload: &str, seconds: u64) -> Result<Run, String> {
        let output = self
            .wrk_command(server, workload, seconds, self.connections)
            .output()
            .map_err(|e| format!("cannot run wrk: {e}"))?;
        Self::wrk_result(&output)
    }

    /// The wrk command of one workload, on `connections` connections.
    fn wrk_command(
        &self,
        server: &Server,
        workload: &str,
        seconds: u64,
        connections: u32,
    ) -> Command {
        self.runs.set(self.runs.get() + 1);
        let nonce = format!("{}r{}", self.started, self.runs.get());
        let (script, workload) = match workload {
            "paced" => (&self.paced_script, "read"),
            other => (&self.script, other),
        };
        let mut command = Command::new("wrk");
        command
            .args([
                "-t2",
                &format!("-c{connections}"),
                &format!("-d{seconds}s"),
                "--latency",
                "-s",
            ])
            .arg(script)
            .arg(&server.url)
            .args(["--", workload, &nonce, &deep::DEEP_USERS.to_string()]);
        command
    }

    /// Reads by id on half the connections while the other half run
    /// `others` (`deep-read` for the baseline, `deep-page` for clients
    /// walking the list): what a read by key costs beside them.
    fn reads_beside(&self, server: &Server, others: &str) -> Result<Run, String> {
        let half = self.connections / 2;
        let others = self
            .wrk_command(server, others, self.seconds, half)
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run wrk: {e}"))?;
        let reads = self
            .wrk_command(server, "deep-read", self.seconds, half)
            .output()
            .map_err(|e| format!("cannot run wrk: {e}"));
        others.wait_with_output().map_err(|e| format!("wrk: {e}"))?;
        Self::wrk_result(&reads?)
    }

    /// The figures wrk's `done` hook printed.
    fn wrk_result(output: &std::process::Output) -> Result<Run, String> {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .ok_or_else(|| {
                format!(
                    "wrk printed no result: {stdout}{}",
                    String::from_utf8_lossy(&output.stderr)
                )
            })?;
        let mut run = Run::default();
        for pair in line.split_whitespace() {
            let (key, value) = pair.split_once('=').unwrap_or((pair, "0"));
            let value: u64 = value.parse().unwrap_or(0);
            match key {
                "requests" => run.requests = value,
                "duration_us" => run.duration_us = value,
                "p50_us" => run.p50_us = value,
                "p99_us" => run.p99_us = value,
                "non2xx" => run.non2xx = value,
                "socket_errors" => run.socket_errors = value,
                _ => {}
            }
        }
        Ok(run)
    }
}

fn start(binary: &Path, env: &[(&str, &str)]) -> Result<Server, String> {
    let mut child = Command::new(binary)
        .envs(env.iter().copied())
        .env("BIND_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start {} (run `just bench`, which builds it): {e}",
                binary.display()
            )
        })?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some((_, addr)) = line.split_once("listening on ") {
                    break addr.trim().to_owned();
                }
            }
            _ => return Err(format!("{} stopped before it listened", binary.display())),
        }
    };
    // Keep reading so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    std::thread::sleep(Duration::from_millis(200));
    Ok(Server { child, url })
}

type Cleanup = Box<dyn FnOnce()>;

fn fresh_database(
    work: &Path,
    pattern: &str,
    server_url: Option<&str>,
) -> Result<(String, Cleanup), String> {
    match server_url {
        None => {
            let path = work.join(format!("{pattern}.db"));
            Ok((format!("sqlite://{}", path.display()), Box::new(|| ())))
        }
        Some(server_url) => {
            let schema = format!("bench_{}_{}", pattern.replace('-', "_"), std::process::id());
            web_db::connection::init_openssl_for_libpq();
            let mut admin =
                diesel::pg::PgConnection::establish(server_url).map_err(|e| e.to_string())?;
            admin
                .batch_execute(&format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
                ))
                .map_err(|e| e.to_string())?;
            let separator = if server_url.contains('?') { '&' } else { '?' };
            let mut url = format!("{server_url}{separator}options=-csearch_path%3D{schema}");
            // libpq's default, `prefer`, encrypts even a local connection
            // when the server offers TLS, and the peers speak none: every
            // side of the comparison then talks to the server in the clear,
            // unless the URL asks otherwise.
            if !server_url.contains("sslmode=") {
                url.push_str("&sslmode=disable");
            }
            Ok((
                url,
                Box::new(move || {
                    let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }),
            ))
        }
    }
}

/// Migrates and fills a database with `SEED_USERS` users; returns a small
/// pool on it, to count rows with later.
fn seed(database_url: &str) -> Result<DbPool, String> {
    let url = DatabaseUrl::parse(database_url)?;
    let settings = PoolSettings {
        max_size: 1,
        ..PoolSettings::default()
    };
    let pool = engine(&url, &settings).map_err(|e| e.to_string())?;
    init_db(&pool)?;
    pool.write_blocking(|conn| {
        for i in 1..=SEED_USERS {
            let user = NewUser::new(format!("user{i}"), format!("user{i}@example.com"));
            declarative::store::Store.create_user(conn, &user)?;
        }
        Ok(())
    })
    .map_err(|e| format!("seeding: {e}"))?;
    Ok(pool)
}

fn count_users(pool: &DbPool) -> Result<i64, String> {
    pool.read_blocking(|conn| users::table.count().get_result(conn))
        .map_err(|e| e.to_string())
}

/// The panels of the chart for one backend: reads and creates, each
/// pattern's ratio to the backend's yardstick (the no-database ceiling on
/// SQLite; on PostgreSQL the fastest peer, or pgbench when the peers were
/// not built), against the targets set for them.
fn chart_panels(
    backend: &str,
    limits: Option<pgbench::Limits>,
    fastest_peer: Option<peers::Figures>,
    ceiling: f64,
    rows: &[(String, &str, f64)],
) -> Vec<chart::Panel> {
    let panel = |workload: &str, label: &str, yardstick: String, target: f64| chart::Panel {
        title: format!("{backend} · {label}"),
        yardstick,
        target,
        bars: rows
            .iter()
            .filter(|(_, w, _)| *w == workload)
            .map(|(pattern, _, ratio)| (pattern.clone(), *ratio))
            .collect(),
    };
    // The targets: on SQLite, group commit should make creates several
    // times a peer's, each of which pays for its own sync.
    let (read_target, create_target, create) = match limits {
        None => (1.0, 3.0, "create"),
        Some(_) => (0.9, 0.9, "insert in BEGIN … COMMIT"),
    };
    match (fastest_peer, limits) {
        (Some(p), _) => vec![
            panel(
                "read",
                "GET /users/{id}",
                format!(
                    "the fastest peer, measured before each ({:.0}/s last)",
                    p.read
                ),
                read_target,
            ),
            panel(
                "write",
                "POST /users",
                format!(
                    "the fastest peer's {create}, measured before each ({:.0}/s last)",
                    p.create_in_transaction
                ),
                create_target,
            ),
        ],
        (None, Some(l)) => vec![
            panel(
                "read",
                "GET /users/{id}",
                format!("pgbench -S -M prepared ({:.0}/s)", l.reads),
                0.5,
            ),
            panel(
                "write",
                "POST /users",
                format!("pgbench INSERT … RETURNING ({:.0}/s)", l.creates),
                0.5,
            ),
        ],
        (None, None) => vec![
            panel(
                "read",
                "GET /users/{id}",
                format!("the no-database ceiling, measured before each ({ceiling:.0}/s last)"),
                0.5,
            ),
            panel(
                "write",
                "POST /users",
                format!("the no-database ceiling, measured before each ({ceiling:.0}/s last)"),
                0.2,
            ),
        ],
    }
}

/// Only reads by id and creates have a yardstick of their own.
fn chart_workload(workload: &str) -> &'static str {
    match workload {
        "read" => "read",
        "write" => "write",
        _ => "other",
    }
}

/// Today's date, from `date` (no date crate for one line of output).
fn today() -> String {
    Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}
