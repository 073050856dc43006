//! Tests of a pattern's real binary: it starts, says where it is, serves
//! over TCP, runs its demo, and refuses bad configuration clearly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::db::{Backend, TestDb};

/// A running server process, stopped when dropped (also when a test fails).
pub struct Server {
    child: Child,
    /// `host:port` it listens on, as it printed.
    pub addr: String,
    /// The lines it printed on start-up.
    pub banner: Vec<String>,
    output: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Server {
    /// Sends the process a signal by name (`TERM`, `INT`), as `kill` or a
    /// Ctrl-C in its terminal would.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            // No `kill` on the machine: the signal test cannot run at all.
            .expect("run kill");
        assert!(status.success(), "kill -s {name} failed: {status}");
    }

    /// Waits for the process to exit by itself, failing the test if it is
    /// still running after `timeout`.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            // try_wait fails only if the OS cannot report on our own child.
            if let Some(status) = self.child.try_wait().expect("poll the server process") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything it printed, standard output and standard error, one line
    /// each; all of it once the process has exited.
    pub fn output(&mut self) -> String {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            for reader in self.readers.drain(..) {
                let _ = reader.join();
            }
        }
        self.output
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary, with a clean environment for the settings it reads.
pub(crate) fn command(binary: &str, database_url: &str) -> Command {
    let mut command = Command::new(binary);
    command
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("BIND_ADDR")
        .env_remove("DB_POOL_SIZE")
        .env_remove("DB_CHECKOUT_TIMEOUT_MS")
        .env_remove("DB_SLOW_MS")
        .env_remove("DB_SQLITE_SYNCHRONOUS")
        // No .env from the caller's directory may leak in.
        .current_dir(std::env::temp_dir());
    command
}

/// Starts the server on a port the OS picks and waits for its banner.
pub fn start(binary: &str, database_url: &str) -> Server {
    start_with(binary, database_url, &[])
}

/// [`start`], with more environment variables (`RUST_LOG`, pool settings).
/// What the server prints goes to the test's standard error as well as to
/// [`Server::output`].
pub fn start_with(binary: &str, database_url: &str, env: &[(&str, &str)]) -> Server {
    try_start_with(binary, database_url, env).unwrap_or_else(|failure| panic!("{failure}"))
}

/// [`start_with`], for a test that counts failed start-ups instead of
/// stopping at the first: a server that exits, or prints no banner within
/// 30 s, is an `Err` with everything it printed.
pub fn try_start_with(
    binary: &str,
    database_url: &str,
    env: &[(&str, &str)],
) -> Result<Server, String> {
    let mut child = command(binary, database_url)
        .env("BIND_ADDR", "127.0.0.1:0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let output = Arc::new(Mutex::new(Vec::new()));
    // Both were set to Stdio::piped() just above, so both are there.
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let (lines_tx, lines_rx) = mpsc::channel();
    let readers = vec![
        collect_lines(stdout, Arc::clone(&output), Some(lines_tx)),
        collect_lines(stderr, Arc::clone(&output), None),
    ];
    let mut banner = Vec::new();
    let mut server = Server {
        child,
        addr: String::new(),
        banner: Vec::new(),
        output,
        readers,
    };
    while !banner.iter().any(|l: &String| l.starts_with("try: ")) {
        let Ok(line) = lines_rx.recv_timeout(Duration::from_secs(30)) else {
            // Its standard output closed (it is exiting) or it hangs: give
            // it a moment to finish, so that its last words are in `output`.
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut status = None;
            while status.is_none() && Instant::now() < deadline {
                status = server.child.try_wait().ok().flatten();
                std::thread::sleep(Duration::from_millis(20));
            }
            let exit = status.map_or("still running".to_owned(), |s| s.to_string());
            return Err(format!(
                "no start-up banner from {binary} ({exit}); it printed:\n{}",
                server.output()
            ));
        };
        banner.push(line);
    }
    let listening = banner
        .iter()
        .find_map(|l| {
            l.split_once("listening on http://")
                .map(|(_, a)| a.to_owned())
        })
        .expect("a 'listening on' line");
    server.addr = listening;
    server.banner = banner;
    Ok(server)
}

/// Reads a stream of the server line by line into `output`, echoing it on
/// the test's standard error (shown when the test fails) and, while anyone
/// listens, to `lines`.
fn collect_lines(
    stream: impl Read + Send + 'static,
    output: Arc<Mutex<Vec<String>>>,
    lines: Option<mpsc::Sender<String>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            eprintln!("server: {line}");
            if let Some(lines) = &lines {
                let _ = lines.send(line.clone());
            }
            output
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line);
        }
    })
}

/// One HTTP/1.1 request over a fresh TCP connection: (status, body).
pub fn http(addr: &str, method: &str, path: &str, json: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("set a timeout");
    let body = json.unwrap_or("");
    let content_type = if json.is_some() {
        "Content-Type: application/json\r\n"
    } else {
        ""
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{content_type}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Runs the binary to completion with extra arguments.
pub fn run_to_end(binary: &str, database_url: &str, args: &[&str]) -> Output {
    run_to_end_with(binary, database_url, args, &[])
}

/// [`run_to_end`], with more environment variables (`RUST_LOG`).
pub fn run_to_end_with(
    binary: &str,
    database_url: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    command(binary, database_url)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run the binary")
}

fn assert_fails_clearly(output: &Output, expected: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "exit code; stderr: {stderr}");
    assert!(
        !stderr.contains("panicked"),
        "a panic instead of a message: {stderr}"
    );
    for word in expected {
        assert!(stderr.contains(word), "{word:?} missing from: {stderr}");
    }
    // It failed before it said it was serving: nobody was told to connect.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("listening on") && !stderr.contains("listening on"),
        "it said it was listening, then failed: {stdout}{stderr}"
    );
}

/// The binary serves the API over TCP on the port it prints.
pub fn serves_the_api_on_the_printed_port(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let server = start(binary, &db.url);
    assert!(
        server.banner.iter().any(|l| l.starts_with("database: ")),
        "{:?}",
        server.banner
    );
    let (status, body) = http(
        &server.addr,
        "POST",
        "/users",
        Some(r#"{"name":"ada","email":"ada@example.com"}"#),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(&server.addr, "GET", "/users?name=ada", None);
    assert_eq!(status, 200);
    let users: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(users[0]["email"], "ada@example.com");
    let (status, body) = http(&server.addr, "GET", "/nowhere", None);
    assert_eq!(status, 404);
    assert!(body.contains("\"error\""), "{body}");
}

/// `-- demo` runs the console session, and runs again on the same database.
pub fn the_demo_runs_the_console_session(binary: &str, backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    for run in 1..=2 {
        let output = run_to_end(binary, &db.url, &["demo"]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "run {run}: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // Before it writes, it says where.
        let header = stdout.split("0. open the store").next().unwrap_or_default();
        assert!(
            header.contains("database: ") && header.contains("It writes to that database"),
            "run {run}: {stdout}"
        );
        for step in [
            "1. add a user and commit",
            "2. list the users",
            "3. find the first user named admin",
            "4. add a post for admin and commit",
            "5. list the posts with their authors",
        ] {
            assert!(
                stdout.contains(step),
                "run {run}: {step:?} missing from {stdout}"
            );
        }
        assert!(
            stdout.contains(r#""name":"admin","email":"admin@localhost""#),
            "{stdout}"
        );
        if run == 2 {
            assert!(
                stdout.contains("error:"),
                "the second insert must be refused: {stdout}"
            );
        }
    }
    assert_eq!((db.count_users(), db.count_posts()), (1, 2));
}

/// An unknown URL scheme is refused with a message naming it.
pub fn an_unknown_scheme_fails_clearly(binary: &str) {
    let output = run_to_end(binary, "mysql://root@127.0.0.1/test", &[]);
    assert_fails_clearly(&output, &["\"mysql\"", "postgres://", "sqlite://"]);
}

/// An unreachable PostgreSQL is named by host and port, its password hidden.
pub fn an_unreachable_postgres_fails_clearly(binary: &str) {
    // Port 1 on loopback: nothing listens there, so the refusal is immediate.
    let output = run_to_end(binary, "postgres://app:hunter2@127.0.0.1:1/test", &[]);
    assert_fails_clearly(&output, &["PostgreSQL", "127.0.0.1", "1", "app:***@"]);
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !everything.contains("hunter2"),
        "the password leaked: {everything}"
    );
}

/// A SQLite file that cannot be created is refused with its path.
pub fn an_unwritable_sqlite_path_fails_clearly(binary: &str) {
    let output = run_to_end(binary, "sqlite:///nonexistent-folder/users.db", &[]);
    assert_fails_clearly(&output, &["/nonexistent-folder/users.db", "SQLite"]);
}

/// A port already in use is refused with the address and a way out.
pub fn a_port_in_use_fails_clearly(binary: &str) {
    let taken = TcpListener::bind("127.0.0.1:0").expect("take a port");
    let addr = taken.local_addr().expect("its address").to_string();
    let db = TestDb::sqlite();
    let output = command(binary, &db.url)
        .env("BIND_ADDR", &addr)
        .output()
        .expect("run the binary");
    assert_fails_clearly(&output, &[&addr, "BIND_ADDR"]);
}

/// A setting out of its range is refused with its name and what it takes.
pub fn a_bad_setting_fails_clearly(binary: &str) {
    let db = TestDb::sqlite();
    for (name, value, expected) in [
        ("DB_POOL_SIZE", "0", "from 1 to 1000"),
        ("DB_CHECKOUT_TIMEOUT_MS", "soon", "whole number"),
        // In range once, but too short to open a connection in.
        ("DB_CHECKOUT_TIMEOUT_MS", "1", "at least 100"),
        ("DB_SQLITE_SYNCHRONOUS", "sometimes", "full"),
    ] {
        let output = command(binary, &db.url)
            .env(name, value)
            .output()
            .expect("run the binary");
        assert_fails_clearly(&output, &[name, value, expected]);
    }
}

/// Arguments it does not know get the usage and exit code 2.
pub fn unknown_arguments_get_the_usage(binary: &str) {
    let output = run_to_end(binary, "sqlite://unused.db", &["--frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage:"));
}
