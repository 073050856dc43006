//! The outputs the book shows, made by running the real code: the console
//! session of each pattern, a tour of the HTTP API rendered as `curl -i`
//! would print it, and the SQL each pattern sends. Each runs on a fresh
//! database (SQLite, or a new schema on PostgreSQL), so ids and results are
//! the same every time.

use std::io::Write;

use actix_web::App;
use actix_web::http::header;
use actix_web::test::TestRequest;
use conformance::{Backend, Reply, TestApp, TestDb};
use shared::http::AppService;
use shared::{AppError, DbPool};

mod sql;

/// The output named `name` (`demo PATTERN`, `http PATTERN`, `lines`,
/// `new-app help`, `new-app PATTERN`, `sql PATTERN` or `sql-by-route
/// sqlite|postgres`), or `None` for a name it does not know.
pub fn render(name: &str) -> Option<String> {
    match name.split_whitespace().collect::<Vec<_>>()[..] {
        ["demo", pattern] => demo(pattern),
        ["http", pattern] => http_tour(pattern),
        ["lines"] => Some(lines_of_data_access()),
        ["new-app", "help"] => Some(new_app::usage()),
        ["new-app", pattern] => new_app_run(pattern),
        ["sql", pattern] => sql::of_each_function(pattern),
        ["sql-by-route", "sqlite"] => Some(sql::by_route(Backend::Sqlite)),
        ["sql-by-route", "postgres"] => Some(sql::by_route(Backend::Postgres)),
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
    ("declarative", &["patterns/declarative/src/store.rs"]),
    (
        "manual-mapping",
        &[
            "patterns/manual-mapping/src/store.rs",
            "patterns/manual-mapping/src/users_mapping.rs",
        ],
    ),
    (
        "sql-abstraction",
        &[
            "patterns/sql-abstraction/src/store.rs",
            "patterns/sql-abstraction/src/reflected_table.rs",
            "patterns/sql-abstraction/src/json_rows.rs",
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
    Some(format!(
        "$ just new-app {} ../my-service\n{}\n\n$ find ../my-service -type f | sort\n{}",
        pattern.name,
        new_app::report(&shown, &package, &files),
        files
            .iter()
            .map(|f| format!("../my-service/{f}"))
            .collect::<Vec<_>>()
            .join("\n")
    ))
}

type DemoFn = fn(&DbPool, &mut dyn Write) -> Result<(), AppError>;

fn demo(pattern: &str) -> Option<String> {
    let run: DemoFn = match pattern {
        "declarative" => shared::demo::run::<declarative::store::Store>,
        "manual-mapping" => shared::demo::run::<manual_mapping::store::Store>,
        "sql-abstraction" => shared::demo::run::<sql_abstraction::store::Store>,
        _ => return None,
    };
    let db = TestDb::sqlite();
    let mut out = Vec::new();
    run(&db.pool, &mut out).ok()?;
    Some(String::from_utf8_lossy(&out).trim_end().to_owned())
}

/// The requests of the tour: method, path, JSON body.
const TOUR: &[(&str, &str, Option<&str>)] = &[
    (
        "POST",
        "/users",
        Some(r#"{"name":"admin","email":"admin@localhost"}"#),
    ),
    ("GET", "/users", None),
    ("PATCH", "/users/1", Some(r#"{"email":"root@localhost"}"#)),
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
];

fn http_tour(pattern: &str) -> Option<String> {
    let db = TestDb::sqlite();
    let pool = db.pool.clone();
    actix_web::rt::System::new().block_on(async move {
        match pattern {
            "declarative" => Some(tour(declarative::app(pool), db).await),
            "manual-mapping" => Some(tour(manual_mapping::app(pool), db).await),
            "sql-abstraction" => Some(tour(sql_abstraction::app(pool), db).await),
            _ => None,
        }
    })
}

async fn tour<T>(app: App<T>, db: TestDb) -> String
where
    T: AppService,
{
    let app = TestApp::start(app, db).await;
    let mut transcript = Vec::new();
    for &(method, path, body) in TOUR {
        let mut request = match method {
            "POST" => TestRequest::post(),
            "PATCH" => TestRequest::patch(),
            "DELETE" => TestRequest::delete(),
            _ => TestRequest::get(),
        }
        .uri(path);
        let mut command = String::from("$ curl -i");
        if method != "GET" {
            command.push_str(&format!(" -X {method}"));
        }
        command.push_str(&format!(" http://127.0.0.1:8080{path}"));
        if let Some(body) = body {
            request = request
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(body);
            command.push_str(&format!(" -H 'content-type: application/json' -d '{body}'"));
        }
        let reply = app.send(request).await;
        transcript.push(format!("{command}\n{}", as_curl_prints(&reply)));
    }
    transcript.join("\n\n")
}

/// The status line, the headers a client acts on, and the body.
fn as_curl_prints(reply: &Reply) -> String {
    let mut text = format!(
        "HTTP/1.1 {} {}",
        reply.status.as_u16(),
        reply.status.canonical_reason().unwrap_or_default()
    );
    for name in [header::LOCATION, header::ALLOW, header::CONTENT_TYPE] {
        let value = reply.header(name.clone());
        if !value.is_empty() {
            text.push_str(&format!("\n{name}: {value}"));
        }
    }
    if !reply.body.is_null() {
        text.push_str(&format!("\n\n{}", reply.body));
    }
    text
}
