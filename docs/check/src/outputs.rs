//! The outputs the book shows, made by running the real code: the console
//! session of each pattern, what a pattern prints when it starts serving,
//! a tour of the HTTP API (the app served over TCP and asked by a client
//! that sends what `curl` sends, its answers printed byte for byte as
//! `curl -i` prints them), and the SQL each pattern sends. Each runs on a
//! fresh database (SQLite, or a new schema on PostgreSQL), so ids and
//! results are the same every time (the `date:` headers aside).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use conformance::server::{self, HttpReply};
use conformance::{Backend, TestDb};
use web_db::PoolSettings;
use web_db::database_url::DatabaseUrl;
use web_db::startup::{DEFAULT_BIND_ADDR, Settings};
use web_db::{AppError, DbPool};

mod sql;

/// The database file of the tours: `DATABASE_URL=tour.db`.
pub const TOUR_DATABASE: &str = "tour.db";

/// The output named `name` (`demo PATTERN`, `demo-again PATTERN`,
/// `serve PATTERN`, `http PATTERN`, `http PATTERN STEPS` for the first
/// steps of the tour, `lines`, `new-app help`, `new-app PATTERN`,
/// `sql PATTERN`, `sql-by-route sqlite|postgres` or `sql-relations
/// sqlite|postgres`), or `None` for a name it does not know.
pub fn render(name: &str) -> Option<String> {
    match name.split_whitespace().collect::<Vec<_>>()[..] {
        ["demo", pattern] => demo(pattern, 1),
        ["demo-again", pattern] => demo(pattern, 2),
        ["serve", pattern] => serve(pattern),
        ["http", pattern] => http_tour(pattern, Backend::Sqlite, usize::MAX),
        ["http", pattern, steps] => http_tour(pattern, Backend::Sqlite, steps.parse().ok()?),
        ["lines"] => Some(lines_of_data_access()),
        ["new-app", "help"] => Some(new_app::usage()),
        ["new-app", pattern] => new_app_run(pattern),
        ["sql", pattern] => sql::of_each_function(pattern),
        ["sql-by-route", "sqlite"] => Some(sql::by_route(Backend::Sqlite, sql::ROUTES)),
        ["sql-by-route", "postgres"] => Some(sql::by_route(Backend::Postgres, sql::ROUTES)),
        ["sql-relations", "sqlite"] => Some(sql::by_route(Backend::Sqlite, sql::RELATION_ROUTES)),
        ["sql-relations", "postgres"] => {
            Some(sql::by_route(Backend::Postgres, sql::RELATION_ROUTES))
        }
        _ => None,
    }
}

/// Why the output `name` cannot be made here, if it cannot: one of
/// PostgreSQL when no server is named. Its block is then neither checked
/// nor rewritten (CI names a server, and checks it).
pub fn cannot_render_here(name: &str) -> Option<String> {
    let wants_postgres = name.split_whitespace().any(|word| word == "postgres");
    (wants_postgres && conformance::db::postgres_server().is_none()).then(|| {
        format!(
            "no PostgreSQL server: set {} (or a postgres:// DATABASE_URL) to check it",
            conformance::POSTGRES_ENV
        )
    })
}

/// The files in which each pattern differs from the others.
const DATA_ACCESS: &[(&str, &[&str])] = &[
    (
        "declarative",
        &[
            "patterns/declarative/src/store.rs",
            "patterns/declarative/src/posts.rs",
        ],
    ),
    (
        "manual-mapping",
        &[
            "patterns/manual-mapping/src/store.rs",
            "patterns/manual-mapping/src/users_mapping.rs",
            "patterns/manual-mapping/src/posts.rs",
            "patterns/manual-mapping/src/posts_mapping.rs",
        ],
    ),
    (
        "sql-abstraction",
        &[
            "patterns/sql-abstraction/src/store.rs",
            "patterns/sql-abstraction/src/posts.rs",
            "patterns/sql-abstraction/src/reflected_table.rs",
            "patterns/sql-abstraction/src/json_rows.rs",
            "patterns/sql-abstraction/src/json_cell.rs",
        ],
    ),
];

/// Lines of code (not blank, not comments) of each pattern's data access.
fn lines_of_data_access() -> String {
    let mut table = String::from("pattern          lines of code  files");
    for (pattern, files) in DATA_ACCESS {
        let lines: usize = files
            .iter()
            .map(|file| {
                std::fs::read_to_string(crate::repo_root().join(file))
                    .unwrap_or_default()
                    .lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty() && !line.starts_with("//"))
                    .count()
            })
            .sum();
        let names: Vec<&str> = files
            .iter()
            .map(|f| f.rsplit('/').next().unwrap_or(f))
            .collect();
        table.push_str(&format!(
            "\n{pattern:<16} {lines:>13}  {}",
            names.join(", ")
        ));
    }
    table
}

/// `just new-app PATTERN ../my-service`: what it prints and the files it
/// writes (generated for real, into a temporary directory).
fn new_app_run(pattern: &str) -> Option<String> {
    let pattern = new_app::patterns::find(pattern)?;
    let temp = std::env::temp_dir().join(conformance::db::unique_name("book-new-app"));
    let request = new_app::Request {
        pattern,
        dir: temp.join("my-service"),
        package: None,
    };
    let generated = new_app::generate(&crate::repo_root(), &request);
    let _ = std::fs::remove_dir_all(&temp);
    let (package, files) = generated.ok()?;
    let shown = new_app::Request {
        dir: "../my-service".into(),
        ..request
    };
    let own: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with("vendor/"))
        .map(|f| format!("../my-service/{f}"))
        .collect();
    let mut vendored: Vec<&str> = files
        .iter()
        .filter_map(|f| f.strip_prefix("vendor/")?.split('/').next())
        .collect();
    vendored.sort();
    vendored.dedup();
    Some(format!(
        "$ just new-app {} ../my-service\n{}\n\n\
         $ find ../my-service -type f -not -path '*/vendor/*' | sort\n{}\n\n\
         $ ls ../my-service/vendor\n{}",
        pattern.name,
        new_app::report(&shown, &package, &files),
        own.join("\n"),
        vendored.join("\n")
    ))
}

type DemoFn = fn(&DbPool, &mut dyn Write) -> Result<(), AppError>;

/// What the `runs`-th run of the console session on one database prints.
fn demo(pattern: &str, runs: usize) -> Option<String> {
    let run: DemoFn = match pattern {
        "declarative" => declarative::demo::run,
        "manual-mapping" => manual_mapping::demo::run,
        "sql-abstraction" => sql_abstraction::demo::run,
        _ => return None,
    };
    let db = TestDb::sqlite();
    let mut out = Vec::new();
    for _ in 0..runs {
        out.clear();
        run(&db.pool, &mut out).ok()?;
    }
    Some(String::from_utf8_lossy(&out).trim_end().to_owned())
}

/// What `DATABASE_URL=tour.db cargo run -p PATTERN` prints on standard
/// output once it listens (the log goes to standard error).
fn serve(pattern: &str) -> Option<String> {
    if !DATA_ACCESS.iter().any(|(name, _)| *name == pattern) {
        return None;
    }
    let settings = Settings {
        database: DatabaseUrl::parse(TOUR_DATABASE).ok()?,
        database_is_default: false,
        bind_addr: DEFAULT_BIND_ADDR.to_owned(),
        pool: PoolSettings::default(),
    };
    let addr: SocketAddr = DEFAULT_BIND_ADDR.parse().ok()?;
    Some(shared::cli::announcement_with_a_try(
        pattern,
        &[addr],
        &settings,
    ))
}

/// One request of a tour: method, path (with its query), JSON body.
type Step = (&'static str, &'static str, Option<&'static str>);

/// The tour: every route, and the answers a client must handle. (`POST
/// /users` with `posts` is left to the chapter on relations: here a user
/// created after the refused one would have another id on PostgreSQL.)
const TOUR: &[Step] = &[
    (
        "POST",
        "/users",
        Some(r#"{"name":"admin","email":"admin@localhost"}"#),
    ),
    ("GET", "/users", None),
    ("GET", "/users?name=admin", None),
    ("GET", "/users/1", None),
    ("PATCH", "/users/1", Some(r#"{"email":"root@localhost"}"#)),
    (
        "POST",
        "/users/1/posts",
        Some(r#"{"title":"Hello","body":"My first post"}"#),
    ),
    (
        "POST",
        "/users/1/posts",
        Some(r#"{"title":"Draft","body":""}"#),
    ),
    ("DELETE", "/posts/2", None),
    ("GET", "/users/1/posts", None),
    ("GET", "/posts/1", None),
    ("GET", "/posts", None),
    ("GET", "/users?embed=posts", None),
    (
        "POST",
        "/users",
        Some(r#"{"name":"admin","email":"other@localhost"}"#),
    ),
    (
        "POST",
        "/users",
        Some(r#"{"name":"guest","email":"guest"}"#),
    ),
    ("DELETE", "/users/1", None),
    ("GET", "/users/1", None),
    ("GET", "/posts/1", None),
];

/// The SQL-abstraction tour adds text that looks like SQL: it is only data.
const SQL_LOOKING_TEXT: Step = (
    "POST",
    "/users",
    Some(r#"{"name":"Robert'); DROP TABLE users;--","email":"bobby@tables"}"#),
);

/// The tour of `pattern` (its first `steps` requests) on a fresh database
/// of `backend`; `None` for an unknown pattern, or PostgreSQL when no server
/// is named.
pub fn http_tour(pattern: &str, backend: Backend, steps: usize) -> Option<String> {
    let db = TestDb::on(backend)?;
    let pool = db.pool.clone();
    // Declared after `db`, so stopped before its file is removed.
    let server = match pattern {
        "declarative" => server::serve(declarative::app, pool),
        "manual-mapping" => server::serve(manual_mapping::app, pool),
        "sql-abstraction" => server::serve(sql_abstraction::app, pool),
        _ => return None,
    };
    let extra = (pattern == "sql-abstraction").then_some(&SQL_LOOKING_TEXT);
    let mut transcript = Vec::new();
    for step in TOUR.iter().chain(extra).take(steps) {
        transcript.push(format!(
            "{}\n{}",
            curl_command(step),
            curl_i(&server.addr, step)?
        ));
    }
    Some(transcript.join("\n\n"))
}

/// The `curl` command line a reader types for `step`.
fn curl_command(&(method, path, body): &Step) -> String {
    let mut command = String::from("$ curl -i");
    if method != "GET" {
        command.push_str(&format!(" -X {method}"));
    }
    let url = format!("http://127.0.0.1:8080{path}");
    // `?` and `&` mean something to the shell.
    if url.contains(['?', '&']) {
        command.push_str(&format!(" {}", shell_quoted(&url)));
    } else {
        command.push_str(&format!(" {url}"));
    }
    if let Some(body) = body {
        command.push_str(&format!(
            " -H 'content-type: application/json' -d {}",
            shell_quoted(body)
        ));
    }
    command
}

/// `text` in single quotes, for a POSIX shell.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Sends `step` over a new connection as curl does (HTTP/1.1, keep-alive,
/// its usual headers) and returns what `curl -i` prints: the status line and
/// the headers as the server sent them, a blank line, the body.
fn curl_i(addr: &str, &(method, path, body): &Step) -> Option<String> {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/8\r\nAccept: */*\r\n"
    );
    if let Some(body) = body {
        request.push_str(&format!(
            "content-type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        request.push_str("\r\n");
    }
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    // The connection stays open (keep-alive): read until the reply is whole.
    let mut raw = Vec::new();
    let mut chunk = [0_u8; 4096];
    let reply = loop {
        if let Some(reply) = HttpReply::parse(&raw) {
            break reply;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&chunk[..n]);
    };
    let mut printed = reply.head.replace("\r\n", "\n");
    if !reply.body.is_empty() {
        printed.push_str(&format!("\n\n{}", reply.text()));
    }
    Some(printed)
}
