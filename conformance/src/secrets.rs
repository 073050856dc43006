//! A password in `DATABASE_URL` never leaves the process: not in the log at
//! its most verbose, not in an error body, not in a start-up message, on
//! the success paths and the failure paths alike.

use std::time::Duration;

use web_db::database_url::DatabaseUrl;
use web_db::engine;

use crate::cli::{self, run_to_end_with};
use crate::db::{Backend, TEST_POOL, TestDb};
use crate::faults::Tally;
use crate::proxy::{TcpProxy, redirect_url, server_address, with_password};
use crate::server::send;

/// The password the cases put in their URLs. PostgreSQL's trust
/// authentication ignores it, so the server is reached all the same.
const PASSWORD: &str = "s3cret-pw";

fn assert_hidden(what: &str, text: &str) {
    assert!(
        !text.contains(PASSWORD) && !text.contains("s3cret"),
        "the password shows in {what}:\n{text}"
    );
}

/// The binary runs on a PostgreSQL URL with a password, logging at `trace`
/// (the SQL echo, `sql=debug`, included), and is sent successes and every
/// kind of error: 201, 200, 400, 404, 405,
/// 409, 422, and 503s while its database is unreachable (through a proxy
/// that is cut, then restored). The password appears nowhere in what it
/// printed (banner, log, shutdown) or in any body, nor in a debug print of
/// the pool; the masked URL does.
pub fn a_password_in_the_url_never_shows(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let upstream = server_address(&db.url).expect("the test URL names a host and port");
    let proxy = TcpProxy::start(&upstream);
    let url = with_password(
        &redirect_url(&db.url, &proxy.addr).expect("a URL through the proxy"),
        PASSWORD,
    );
    // A debug print of the pool (of its settings and its URL) is safe too.
    let pool = engine(&DatabaseUrl::parse(&url).expect("a URL"), &TEST_POOL)
        .expect("a pool with the password");
    assert_hidden("the pool's debug output", &format!("{pool:?}"));
    drop(pool);
    let mut server = cli::start_with(
        binary,
        &url,
        &[("RUST_LOG", "trace"), ("DB_CHECKOUT_TIMEOUT_MS", "500")],
    );
    let addr = server.addr.clone();
    let user = r#"{"name":"ada","email":"ada@example.com"}"#;
    let mut tally = Tally::default();
    let mut bodies = String::new();
    let mut exchange = |method: &str, path: &str, json: Option<&str>| {
        let reply = send(&addr, method, path, json).map_err(|e| e.to_string());
        tally.add(&reply);
        if let Ok(reply) = &reply {
            bodies.push_str(&reply.text());
            bodies.push('\n');
        }
        reply.map_or(0, |r| r.status)
    };
    assert_eq!(exchange("POST", "/users", Some(user)), 201);
    assert_eq!(exchange("GET", "/users?name=ada", None), 200);
    assert_eq!(exchange("POST", "/users", Some(user)), 409);
    assert_eq!(exchange("POST", "/users", Some("{oops")), 400);
    assert_eq!(
        exchange("POST", "/users", Some(r#"{"name":"","email":"x"}"#)),
        422
    );
    assert_eq!(exchange("GET", "/users/999", None), 404);
    assert_eq!(exchange("PUT", "/users", None), 405);
    assert_eq!(exchange("GET", "/users?page=0", None), 400);
    proxy.cut();
    assert_eq!(exchange("GET", "/users", None), 503);
    assert_eq!(exchange("POST", "/users", Some(user)), 503);
    proxy.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if exchange("GET", "/users", None) == 200 {
            recovered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    server.signal("TERM");
    let status = server.wait_for_exit(Duration::from_secs(20));
    let output = server.output();
    eprintln!(
        "password in the URL [{backend:?}]: {tally}; {} lines printed at RUST_LOG=trace; \
         exit: {status}",
        output.lines().count()
    );
    assert!(recovered, "the server did not recover after the outage");
    assert!(
        output.contains("root:***@") || output.contains(":***@"),
        "the masked URL is not shown: {output}"
    );
    assert!(
        output.contains("TRACE") || output.contains("DEBUG"),
        "nothing was logged below info: is RUST_LOG read?\n{output}"
    );
    assert!(
        output.contains("DEBUG sql] postgres #") && output.contains("INSERT"),
        "the SQL echo logged no statement:\n{output}"
    );
    assert_hidden("the server's output", &output);
    assert_hidden("the response bodies", &bodies);
}

/// The binary cannot reach its database (nothing listens, or the URL is
/// one libpq cannot read): its error message and its `trace` log hide the
/// password, however the URL carries it.
pub fn a_password_never_shows_when_the_database_is_unreachable(binary: &str) {
    for url in [
        format!("postgres://app:{PASSWORD}@127.0.0.1:1/test"),
        format!("postgresql://app:{PASSWORD}@127.0.0.1:1/test?sslmode=disable"),
        format!("postgres://app@127.0.0.1:1/test?password={PASSWORD}"),
        // A bad percent escape: libpq quotes the part it cannot decode.
        format!("postgres://app:{PASSWORD}%zz@127.0.0.1:1/test"),
        format!("postgres://app:{PASSWORD}@[::1/test"),
    ] {
        let output = run_to_end_with(binary, &url, &[], &[("RUST_LOG", "trace")]);
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        eprintln!("unreachable, password in the URL: exit {}", output.status);
        assert_eq!(output.status.code(), Some(1), "{printed}");
        assert_hidden(&format!("the output for a URL like {url:?}"), &printed);
    }
}
