//! What an app's `main` needs besides its own routes: the settings from the
//! environment, logging, the server's sizing and graceful stop, and the
//! lines printed once it listens.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use crate::database::{PoolSettings, SqliteDurability};
use crate::database_url::DatabaseUrl;
use crate::paging::number_in_range;
use crate::sql_log;

/// Where the server listens unless `BIND_ADDR` says otherwise.
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";

/// The shortest checkout timeout accepted, in milliseconds: below it, a
/// request could not even wait for a connection to be opened.
pub const MIN_CHECKOUT_TIMEOUT_MS: i64 = 100;

/// Logs to standard error: `info` (one line per request, the migrations,
/// the errors), with what `RUST_LOG` adds or changes on top.
/// `RUST_LOG=sql=debug` adds the SQL echo to that log rather than making it
/// the only thing logged; `RUST_LOG=warn` (a level with no target) lowers
/// the whole log.
pub fn init_logging() {
    let mut builder = env_logger::Builder::new();
    builder.parse_filters("info");
    if let Ok(filters) = std::env::var("RUST_LOG") {
        builder.parse_filters(&filters);
    }
    builder.init();
}

/// The exit code for what `main` did: a failure is printed as one line
/// saying what went wrong, never as a panic.
pub fn exit_code(outcome: Result<(), String>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Everything the environment (or `.env`) configures.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`, or the app's SQLite file in the working directory.
    pub database: DatabaseUrl,
    /// True when `DATABASE_URL` was not set.
    pub database_is_default: bool,
    /// `BIND_ADDR`: host and port to listen on.
    pub bind_addr: String,
    /// `DB_POOL_SIZE`, `DB_CHECKOUT_TIMEOUT_MS` and `DB_SQLITE_SYNCHRONOUS`.
    pub pool: PoolSettings,
}

impl Settings {
    /// Reads the settings from the environment, after loading `.env` if
    /// present; without `DATABASE_URL`, the database is the SQLite file
    /// `default_sqlite_file` in the working directory. Every variable read
    /// is in the help of [`read_args`]. `DB_SLOW_MS` is not kept here: it sets the
    /// slow-statement threshold of the SQL log, for the whole process, as
    /// `RUST_LOG` sets the log's level.
    pub fn from_env(default_sqlite_file: &str) -> Result<Self, String> {
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            return Err(format!("cannot read .env: {e}"));
        }
        let default = DatabaseUrl::Sqlite(in_working_dir(default_sqlite_file));
        let (database, database_is_default) = match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => (DatabaseUrl::parse(&url)?, false),
            _ => (default, true),
        };
        let mut pool = PoolSettings::for_backend(&database);
        if let Some(size) = number_from_env("DB_POOL_SIZE", 1, 1000)? {
            pool.max_size = size as u32;
        }
        if let Some(ms) = number_from_env("DB_CHECKOUT_TIMEOUT_MS", 1, 600_000)? {
            if ms < MIN_CHECKOUT_TIMEOUT_MS {
                return Err(format!(
                    "DB_CHECKOUT_TIMEOUT_MS must be at least {MIN_CHECKOUT_TIMEOUT_MS}, got {ms}: \
                     opening a connection takes longer than that, so every request would be \
                     answered 503"
                ));
            }
            pool.checkout_timeout = Duration::from_millis(ms as u64);
        }
        if let Ok(text) = std::env::var("DB_SQLITE_SYNCHRONOUS") {
            pool.sqlite_durability = match text.trim().to_ascii_lowercase().as_str() {
                "full" => SqliteDurability::PowerLoss,
                "normal" => SqliteDurability::AppCrash,
                _ => {
                    return Err(format!(
                        "DB_SQLITE_SYNCHRONOUS must be full (a 201 survives a power loss; the \
                         default) or normal (it survives the app crashing), got {text:?}"
                    ));
                }
            };
        }
        if let Some(ms) = number_from_env("DB_SLOW_MS", 1, 3_600_000)? {
            sql_log::set_slow_statement_threshold(Duration::from_millis(ms as u64));
        }
        Ok(Settings {
            database,
            database_is_default,
            bind_addr: std::env::var("BIND_ADDR").unwrap_or_else(|_| DEFAULT_BIND_ADDR.to_owned()),
            pool,
        })
    }

    /// HTTP worker threads: one per core.
    pub fn workers(&self) -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    /// Where the database is, for the start-up lines.
    pub fn describe_database(&self) -> String {
        let note = if self.database_is_default {
            " (DATABASE_URL is not set)"
        } else {
            ""
        };
        let database = &self.database;
        format!("{database} on {}{note}", database.backend_name())
    }
}

fn in_working_dir(file: &str) -> String {
    match std::env::current_dir() {
        Ok(dir) => dir.join(file).display().to_string(),
        Err(_) => file.to_owned(),
    }
}

/// The variable `name`, if set, as a whole number from `min` to `max`.
fn number_from_env(name: &str, min: i64, max: i64) -> Result<Option<i64>, String> {
    let text = std::env::var(name).ok();
    text.map(|text| number_in_range(name, text.trim(), min, max))
        .transpose()
}

/// Reads the command line of the program `name`, which takes no argument
/// but `--help`: that prints `about` and every setting [`Settings::from_env`]
/// reads (with `default_sqlite_file` as `DATABASE_URL`'s default), and is an
/// `Err` to exit with, 0; anything else prints the same with an error, 2.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     if let Err(exit) = web_db::startup::read_args("notes", "Serves notes.", "notes.db") {
///         return exit;
///     }
///     std::process::ExitCode::SUCCESS
/// }
/// ```
pub fn read_args(name: &str, about: &str, default_sqlite_file: &str) -> Result<(), ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = format!(
        "usage: {name} [--help]\n\n{about}\n\n{}",
        ENVIRONMENT.replace("DEFAULT_FILE", default_sqlite_file)
    );
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => Ok(()),
        ["-h" | "--help" | "help"] => {
            println!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("error: unexpected arguments {args:?}\n\n{usage}");
            Err(ExitCode::from(2))
        }
    }
}

const ENVIRONMENT: &str = "environment (or .env):
  DATABASE_URL            sqlite://PATH, a file path, or postgres://USER@HOST:PORT/DB
                          (default: DEFAULT_FILE in the working directory)
  BIND_ADDR               host:port to listen on (default 127.0.0.1:8080)
  DB_POOL_SIZE            most database connections at once (default: 10 on
                          PostgreSQL, twice the cores on SQLite)
  DB_CHECKOUT_TIMEOUT_MS  how long a request waits for a connection (default 3000,
                          at least 100)
  DB_SQLITE_SYNCHRONOUS   full: a 201 survives a power loss (default);
                          normal: faster, survives the app crashing only
  DB_SLOW_MS              statements slower than this are logged at warn (default 200)
  RUST_LOG                log verbosity, e.g. debug or warn (default info);
                          RUST_LOG=sql=debug adds every SQL statement with its values";

/// The message for a `bind` that failed, with a hint for the usual cause.
pub fn cannot_listen(bind_addr: &str, error: std::io::Error) -> String {
    let hint = if error.kind() == std::io::ErrorKind::AddrInUse {
        " (another program, maybe another copy of this one, uses it: set BIND_ADDR, e.g. BIND_ADDR=127.0.0.1:8081)"
    } else {
        ""
    };
    format!("cannot listen on {bind_addr}: {error}{hint}")
}

/// The server's address as a URL, `http://127.0.0.1:8080`: with port 0
/// the OS picks the port, and this names the one it picked.
pub fn base_url(addrs: &[SocketAddr], settings: &Settings) -> String {
    match addrs.first() {
        Some(addr) => format!("http://{addr}"),
        None => format!("http://{}", settings.bind_addr),
    }
}

/// The lines to print once the server listens: where, and on which database.
pub fn announcement(name: &str, addrs: &[SocketAddr], settings: &Settings) -> String {
    let url = base_url(addrs, settings);
    let database = settings.describe_database();
    format!("{name} listening on {url}\ndatabase: {database}")
}

/// Resolves on the first Ctrl-C (SIGINT) or, on Unix, SIGTERM: what
/// `kill`, `docker stop` and systemd send. Given to
/// `HttpServer::shutdown_signal`, it makes both a graceful stop: no new
/// connections, the requests in flight finished, then exit. Left to itself,
/// actix-server takes Ctrl-C as a forced stop that drops requests in
/// flight, some of them already committed.
pub async fn stop_requested() {
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

#[cfg(test)]
mod tests {
    use super::ENVIRONMENT;

    /// Every setting `--help` lists is in the app's `.env.example` too, where
    /// an owner looks for them (the crate sits two folders down from the
    /// app's root: `crates/web-db` here, `vendor/web-db` in a copied app).
    #[test]
    fn every_setting_is_in_the_env_example() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.env.example");
        let example = std::fs::read_to_string(example).expect("the app's .env.example");
        let settings = ENVIRONMENT
            .lines()
            .filter_map(|line| line.strip_prefix("  ")?.split_whitespace().next())
            .filter(|word| word.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        for setting in settings {
            assert!(
                example.contains(&format!("#{setting}=")),
                "{setting} is not in .env.example"
            );
        }
    }
}
