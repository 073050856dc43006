//! The SQL echo of the real binary: `RUST_LOG=sql=debug` logs every
//! statement with its values and duration, the default log none, and a
//! slow statement is logged at warn whatever the echo says. The demo shows
//! the statements of each step.

use std::time::Duration;

use diesel::connection::SimpleConnection;

use crate::cli::{http, run_to_end, start_with};
use crate::db::{Backend, TestDb};

const ADA: &str = r#"{"name":"ada","email":"ada@example.com"}"#;

/// Starts the binary with `env`, creates a user and reads it, stops the
/// binary and returns everything it printed.
fn serve_a_create_and_a_read(binary: &str, db: &TestDb, env: &[(&str, &str)]) -> String {
    let mut server = start_with(binary, &db.url, env);
    let (status, body) = http(&server.addr, "POST", "/users", Some(ADA));
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(&server.addr, "GET", "/users/1", None);
    assert_eq!(status, 200, "{body}");
    server.signal("TERM");
    server.wait_for_exit(Duration::from_secs(20));
    server.output()
}

/// The lines logged on the `sql` target.
fn sql_lines(output: &str) -> Vec<&str> {
    output.lines().filter(|l| l.contains(" sql] ")).collect()
}

/// `RUST_LOG=sql=debug` shows each statement as sent, with its values, its
/// duration, the backend, and the transaction statements around a write.
pub fn the_sql_echo_shows_every_statement_with_its_values(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    // No slow-statement warning among the lines, however loaded the machine.
    let env = [("RUST_LOG", "sql=debug"), ("DB_SLOW_MS", "3600000")];
    let output = serve_a_create_and_a_read(binary, &db, &env);
    let lines = sql_lines(&output);
    let backend_name = match backend {
        Backend::Sqlite => "sqlite #",
        Backend::Postgres => "postgres #",
    };
    let logged = |words: &[&str]| {
        lines
            .iter()
            .any(|line| words.iter().all(|word| line.contains(word)))
    };
    assert!(
        lines
            .iter()
            .all(|l| l.contains("DEBUG") && l.contains(" ms: ")),
        "every line has its duration: {lines:#?}"
    );
    assert!(
        logged(&[backend_name, "INSERT", r#""ada""#, r#""ada@example.com""#]),
        "{output}"
    );
    assert!(
        logged(&[backend_name, "SELECT", "users", "binds: [1"]),
        "{output}"
    );
    assert!(logged(&["BEGIN"]) && logged(&["COMMIT"]), "{output}");
    // What connections run to set themselves up, and the migrations.
    let set_up = match backend {
        Backend::Sqlite => "PRAGMA busy_timeout",
        Backend::Postgres => "default_transaction_read_only",
    };
    assert!(logged(&[set_up]), "{output}");
    assert!(logged(&["__diesel_schema_migrations"]), "{output}");
    // The echo adds to the default log, it does not replace it: the
    // request lines (`POST /users HTTP/1.1 201 …`) are still there.
    assert!(
        output
            .lines()
            .any(|l| l.contains("INFO") && l.contains("POST /users")),
        "RUST_LOG=sql=debug turned the request log off: {output}"
    );
}

/// At `RUST_LOG=info`, the default, no statement is logged.
pub fn the_default_log_shows_no_sql(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let env = [("RUST_LOG", "info"), ("DB_SLOW_MS", "3600000")];
    let output = serve_a_create_and_a_read(binary, &db, &env);
    assert!(
        output.contains("INFO"),
        "the request log is there: {output}"
    );
    assert_eq!(sql_lines(&output), Vec::<&str>::new(), "{output}");
}

/// A statement slower than `DB_SLOW_MS` is logged at warn with the echo
/// off, without its values: here an INSERT (or, on SQLite, the writer's
/// `BEGIN IMMEDIATE`) waits for a lock the test holds for half a second.
pub fn a_slow_statement_is_logged_at_warn_with_the_echo_off(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let mut server = start_with(
        binary,
        &db.url,
        &[("RUST_LOG", "info"), ("DB_SLOW_MS", "100")],
    );
    let mut locker = db.connection();
    locker
        .batch_execute(match backend {
            Backend::Sqlite => "BEGIN EXCLUSIVE",
            Backend::Postgres => "BEGIN; LOCK TABLE users IN SHARE MODE",
        })
        .expect("take a lock that holds writes back");
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        locker.batch_execute("COMMIT").expect("release the lock");
    });
    let (status, body) = http(&server.addr, "POST", "/users", Some(ADA));
    assert_eq!(status, 201, "{body}");
    release.join().expect("the thread that held the lock");
    server.signal("TERM");
    server.wait_for_exit(Duration::from_secs(20));
    let output = server.output();
    let slow: Vec<&str> = sql_lines(&output)
        .into_iter()
        .filter(|l| l.contains("WARN") && l.contains("slow statement"))
        .collect();
    // The statement that waited; on a loaded machine others may be slow too.
    let waited = match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "INSERT",
    };
    assert!(
        slow.iter()
            .any(|l| l.contains(waited) && l.contains("DB_SLOW_MS is 100")),
        "{output}"
    );
    assert!(
        slow.iter().all(|l| !l.contains("ada@example.com")),
        "no values at warn: {output}"
    );
    assert!(
        sql_lines(&output).iter().all(|l| !l.contains("DEBUG")),
        "the echo stays off: {output}"
    );
}

/// `-- demo` prints under each step the statements it sent.
pub fn the_demo_shows_the_sql_of_each_step(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let output = run_to_end(binary, &db.url, &["demo"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let steps: Vec<&str> = stdout.split("\n\n").collect();
    let step = |title: &str| {
        steps
            .iter()
            .find(|s| s.contains(title))
            .unwrap_or_else(|| panic!("no step {title:?} in {stdout}"))
            .to_string()
    };
    let create = step("1. add a user and commit");
    for kind in [
        "sql> BEGIN",
        "sql> INSERT",
        "sql> COMMIT",
        r#""admin@localhost""#,
    ] {
        assert!(create.contains(kind), "{kind:?} missing from {create}");
    }
    for title in [
        "2. list the users",
        "3. find the first user named admin",
        "5. list the posts with their authors",
    ] {
        // One SELECT, in the read's transaction: BEGIN, SELECT, ROLLBACK.
        let read = step(title);
        assert_eq!(read.matches("sql> SELECT").count(), 1, "{read}");
        assert_eq!(read.matches("sql> BEGIN").count(), 1, "{read}");
        assert_eq!(read.matches("sql> ROLLBACK").count(), 1, "{read}");
        assert_eq!(read.matches("sql> ").count(), 3, "{read}");
    }
}
