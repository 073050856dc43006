//! PostgreSQL's own speed on this machine, measured with `pgbench` in the
//! same run as the patterns: the yardstick for them on PostgreSQL.
//!
//! It runs in a scratch database it creates and drops, with as many clients
//! as the app's pool has connections, over the same connection settings as
//! the app (the URL as it is, in the clear unless it names an `sslmode`):
//!
//! - reads: `pgbench -S -M prepared`, a lookup by primary key per transaction;
//! - creates: an `INSERT … RETURNING` into the project's own `users` table
//!   (made by its migrations), with unique values, as `POST /users` sends;
//! - the same insert inside `BEGIN READ WRITE` … `COMMIT`, the statements the
//!   app's write path sends: what that shape costs the database itself.

use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use web_db::database_url::DatabaseUrl;

/// What pgbench reached, in transactions per second.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `pgbench -S -M prepared`.
    pub reads: f64,
    /// One `INSERT … RETURNING` per transaction.
    pub creates: f64,
    /// The same insert between `BEGIN READ WRITE` and `COMMIT`.
    pub creates_in_transaction: f64,
}

const INSERT: &str = "\\set n random(1, 9000000000000000000)
INSERT INTO users (name, email) VALUES ('p' || :n, 'p' || :n || '@pgbench.example') \
RETURNING id, name, email;
";

const INSERT_IN_TRANSACTION: &str = "\\set n random(1, 9000000000000000000)
BEGIN READ WRITE;
INSERT INTO users (name, email) VALUES ('t' || :n, 't' || :n || '@pgbench.example') \
RETURNING id, name, email;
COMMIT;
";

/// Measures the limits on the server of `server_url`, `seconds` per run
/// after a 2 s warm-up, with `clients` connections.
pub fn measure(server_url: &str, clients: u32, seconds: u64) -> Result<Limits, String> {
    let scratch = format!("bench_pgbench_{}", std::process::id());
    let mut admin = PgConnection::establish(server_url)
        .map_err(|e| format!("cannot reach PostgreSQL for pgbench: {e}"))?;
    // One statement per call: several in one string run as one transaction,
    // and CREATE DATABASE cannot run inside one.
    for statement in [
        format!("DROP DATABASE IF EXISTS {scratch}"),
        format!("CREATE DATABASE {scratch}"),
    ] {
        admin
            .batch_execute(&statement)
            .map_err(|e| format!("cannot create the scratch database {scratch}: {e}"))?;
    }
    let url = with_database(server_url, &scratch)?;
    let limits = run_all(&url, clients, seconds);
    let dropped = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"));
    let limits = limits?;
    dropped.map_err(|e| format!("cannot drop the scratch database {scratch}: {e}"))?;
    Ok(limits)
}

fn run_all(url: &str, clients: u32, seconds: u64) -> Result<Limits, String> {
    pgbench(url, &["-i", "-q", "-s", "10"])?;
    let parsed = DatabaseUrl::parse(url)?;
    web_db::migrate::run_pending_migrations(&parsed, shared::database::MIGRATIONS)?;
    // The million rows just loaded are written out now rather than during
    // the measured runs (refused without superuser or pg_checkpoint: then
    // the first run may pay for them).
    if let Ok(mut conn) = PgConnection::establish(url) {
        let _ = conn.batch_execute("CHECKPOINT");
    }
    let dir = std::env::temp_dir().join(format!("pgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let insert = dir.join("insert.sql");
    let insert_in_transaction = dir.join("insert_in_transaction.sql");
    std::fs::write(&insert, INSERT).map_err(|e| e.to_string())?;
    std::fs::write(&insert_in_transaction, INSERT_IN_TRANSACTION).map_err(|e| e.to_string())?;

    let tps = |script: &[&str]| -> Result<f64, String> {
        let clients = clients.to_string();
        let common = ["-n", "-M", "prepared", "-c", &clients, "-j", "2"];
        let mut warm_up: Vec<&str> = common.to_vec();
        warm_up.extend(["-T", "2"]);
        warm_up.extend(script);
        pgbench(url, &warm_up)?;
        let seconds = seconds.to_string();
        let mut measured: Vec<&str> = common.to_vec();
        measured.extend(["-T", &seconds]);
        measured.extend(script);
        parse_tps(&pgbench(url, &measured)?)
    };
    let limits = Limits {
        reads: tps(&["-S"])?,
        creates: tps(&["-f", &insert.display().to_string()])?,
        creates_in_transaction: tps(&["-f", &insert_in_transaction.display().to_string()])?,
    };
    let _ = std::fs::remove_dir_all(dir);
    Ok(limits)
}

/// Runs pgbench against `url`; its standard output, or what went wrong.
fn pgbench(url: &str, args: &[&str]) -> Result<String, String> {
    let output = Command::new("pgbench")
        .args(args)
        .arg(url)
        // In the clear, as the patterns and the peers are measured (see
        // `fresh_database`), unless the URL says otherwise.
        .env("PGSSLMODE", "disable")
        .output()
        .map_err(|e| {
            format!(
                "cannot run pgbench ({e}): it ships with the PostgreSQL server \
                 (Debian: apt-get install postgresql)"
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "pgbench {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The `tps = …` line of pgbench's report.
fn parse_tps(report: &str) -> Result<f64, String> {
    report
        .lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .ok_or_else(|| format!("pgbench printed no tps line:\n{report}"))
}

/// `server_url` with its database replaced by `database`, options kept.
fn with_database(server_url: &str, database: &str) -> Result<String, String> {
    let (scheme, rest) = server_url
        .split_once("://")
        .ok_or("DATABASE_URL is not a postgres:// URL")?;
    let (location, query) = match rest.split_once('?') {
        Some((location, query)) => (location, format!("?{query}")),
        None => (rest, String::new()),
    };
    let authority = location.split('/').next().unwrap_or(location);
    Ok(format!("{scheme}://{authority}/{database}{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_replaced_and_the_options_kept() {
        assert_eq!(
            with_database("postgres://root@127.0.0.1:5432/test?sslmode=require", "x")
                .expect("a URL with a database and options is accepted"),
            "postgres://root@127.0.0.1:5432/x?sslmode=require"
        );
        assert_eq!(
            with_database("postgresql://a:b@db", "x")
                .expect("a URL without a database is accepted"),
            "postgresql://a:b@db/x"
        );
    }

    #[test]
    fn the_rate_is_read_from_the_report() {
        let report =
            "latency average = 0.5 ms\ntps = 19413.910925 (without initial connection time)\n";
        assert_eq!(
            parse_tps(report).expect("a report with a tps line is read"),
            19413.910925
        );
        assert!(parse_tps("nothing").is_err());
    }
}
