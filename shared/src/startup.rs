//! What `cargo run` does: read the configuration, open the
//! database, migrate it, then serve the app or run the demo.

use std::process::ExitCode;
use std::time::Duration;

use actix_web::{App, HttpServer};

use crate::database::{DbConnection, DbPool, PoolSettings, engine, init_db};
use crate::database_url::{DEFAULT_SQLITE_FILE, DatabaseUrl};
use crate::http::AppService;

/// Where the server listens unless `BIND_ADDR` says otherwise.
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";

/// The program as `main` hands it over: its name, its app factory and its demo.
pub struct Program<F> {
    /// The package name, as in `cargo run -p NAME`.
    pub name: &'static str,
    /// Builds the app around a pool; called once per server worker.
    pub app: F,
    /// The console session of `-- demo`.
    pub demo: fn(&mut DbConnection, &mut dyn std::io::Write) -> Result<(), crate::AppError>,
}

/// Everything the environment (or `.env`) configures.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`, or a SQLite file in the working directory.
    pub database: DatabaseUrl,
    /// True when `DATABASE_URL` was not set.
    pub database_is_default: bool,
    /// `BIND_ADDR`: host and port to listen on.
    pub bind_addr: String,
    /// `DB_POOL_SIZE` and `DB_CHECKOUT_TIMEOUT_MS`.
    pub pool: PoolSettings,
}

impl Settings {
    /// Reads the settings from the environment, after loading `.env` if present.
    pub fn from_env() -> Result<Self, String> {
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            return Err(format!("cannot read .env: {e}"));
        }
        let (database, database_is_default) = match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => (DatabaseUrl::parse(&url)?, false),
            _ => (DatabaseUrl::Sqlite(default_sqlite_path()), true),
        };
        let mut pool = PoolSettings::for_backend(&database);
        if let Some(size) = number_from_env("DB_POOL_SIZE", 1, 1000)? {
            pool.max_size = size as u32;
        }
        if let Some(ms) = number_from_env("DB_CHECKOUT_TIMEOUT_MS", 1, 600_000)? {
            pool.checkout_timeout = Duration::from_millis(ms);
        }
        Ok(Settings {
            database,
            database_is_default,
            bind_addr: std::env::var("BIND_ADDR").unwrap_or_else(|_| DEFAULT_BIND_ADDR.to_owned()),
            pool,
        })
    }
}

fn default_sqlite_path() -> String {
    match std::env::current_dir() {
        Ok(dir) => dir.join(DEFAULT_SQLITE_FILE).display().to_string(),
        Err(_) => DEFAULT_SQLITE_FILE.to_owned(),
    }
}

fn number_from_env(name: &str, min: u64, max: u64) -> Result<Option<u64>, String> {
    let Ok(text) = std::env::var(name) else {
        return Ok(None);
    };
    match text.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "{name} must be a whole number from {min} to {max}, got {text:?}"
        )),
    }
}

const USAGE: &str = "usage: cargo run -p NAME [-- demo]

  (no argument)  serve the JSON API on BIND_ADDR (default 127.0.0.1:8080)
  demo           run the console session of the Flask page and exit

environment (or .env):
  DATABASE_URL            sqlite://PATH, a file path, or postgres://USER@HOST:PORT/DB
                          (default: users.db in the working directory)
  BIND_ADDR               host:port to listen on
  DB_POOL_SIZE            most database connections at once (default: 10 on
                          PostgreSQL, twice the cores on SQLite)
  DB_CHECKOUT_TIMEOUT_MS  how long a request waits for a connection (default 3000)
  RUST_LOG                log verbosity, e.g. debug or warn (default info)";

/// The whole of `main`: returns a failure exit code, with a
/// one-line message saying what it was doing, rather than panicking.
pub fn run<F, T>(program: Program<F>) -> ExitCode
where
    F: Fn(DbPool) -> App<T> + Send + Clone + 'static,
    T: AppService,
{
    let args: Vec<String> = std::env::args().skip(1).collect();
    let demo = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => false,
        ["demo"] => true,
        ["-h" | "--help" | "help"] => {
            println!("{}", USAGE.replace("NAME", program.name));
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!(
                "error: unexpected arguments {args:?}\n\n{}",
                USAGE.replace("NAME", program.name)
            );
            return ExitCode::from(2);
        }
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();

    let outcome = Settings::from_env().and_then(|settings| {
        let pool = open_database(&settings)?;
        if demo {
            run_demo(&program, &settings, &pool)
        } else {
            serve(program, &settings, pool)
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the pool and brings the schema up to date.
pub fn open_database(settings: &Settings) -> Result<DbPool, String> {
    let pool = engine(&settings.database, &settings.pool).map_err(|e| e.to_string())?;
    init_db(&pool)?;
    Ok(pool)
}

fn describe_database(settings: &Settings) -> String {
    let note = if settings.database_is_default {
        " (DATABASE_URL is not set)"
    } else {
        ""
    };
    format!(
        "{} on {}{note}",
        settings.database,
        settings.database.backend_name()
    )
}

fn run_demo<F>(program: &Program<F>, settings: &Settings, pool: &DbPool) -> Result<(), String> {
    println!(
        "The Flask page's console session ({}).\ndatabase: {}\n",
        program.name,
        describe_database(settings)
    );
    let mut conn = pool
        .get()
        .map_err(|e| format!("no database connection: {e}"))?;
    (program.demo)(&mut conn, &mut std::io::stdout().lock())
        .map_err(|e| format!("the demo failed: {e}"))
}

fn serve<F, T>(program: Program<F>, settings: &Settings, pool: DbPool) -> Result<(), String>
where
    F: Fn(DbPool) -> App<T> + Send + Clone + 'static,
    T: AppService,
{
    let app = program.app;
    let bind_addr = settings.bind_addr.clone();
    let pool_size = settings.pool.max_size;
    actix_web::rt::System::new().block_on(async move {
        // One server worker per core, and a bounded number of threads for
        // blocking database work. Context switches between the workers and
        // these threads are the largest cost of a request, and a thread
        // beyond the pool's connections can only wait for one. Twice the
        // pool in all keeps a thread free for every request that holds a
        // connection, even when as many others wait for one.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let blocking_threads = (2 * pool_size as usize).div_ceil(workers).max(1);
        let server = HttpServer::new(move || app(pool.clone()))
            .workers(workers)
            .worker_max_blocking_threads(blocking_threads)
            // Ctrl-C and SIGTERM alike stop gracefully: no new connections,
            // the requests in flight are finished, then the process exits.
            // Left to itself, actix-server takes Ctrl-C as a forced stop
            // that drops requests in flight, some of them already committed.
            .shutdown_signal(stop_requested())
            .bind(&bind_addr)
            .map_err(|e| {
                let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
                    " (another program, maybe another copy of this one, uses it: set BIND_ADDR, e.g. BIND_ADDR=127.0.0.1:8081)"
                } else {
                    ""
                };
                format!("cannot listen on {bind_addr}: {e}{hint}")
            })?;
        // With port 0 the OS picks the port: print the one it picked.
        let url = match server.addrs().first() {
            Some(addr) => format!("http://{addr}"),
            None => format!("http://{bind_addr}"),
        };
        println!("{} listening on {url}", program.name);
        println!("database: {}", describe_database(settings));
        println!(
            "try: curl -i -X POST {url}/users -H 'content-type: application/json' \
             -d '{{\"name\":\"admin\",\"email\":\"admin@localhost\"}}'"
        );
        server
            .run()
            .await
            .map_err(|e| format!("the server stopped: {e}"))
    })
}

/// Resolves on the first Ctrl-C (SIGINT) or, on Unix, SIGTERM: what
/// `kill`, `docker stop` and systemd send.
async fn stop_requested() {
    let ctrl_c = Box::pin(actix_web::rt::signal::ctrl_c());
    #[cfg(unix)]
    {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                let terminated = Box::pin(async move { terminate.recv().await });
                futures_util::future::select(ctrl_c, terminated).await;
            }
            Err(e) => {
                log::warn!("cannot listen for SIGTERM ({e}); only Ctrl-C stops the server");
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    log::info!("stopping: finishing the requests in flight, then exiting");
}
