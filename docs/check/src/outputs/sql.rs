//! The SQL the book shows, recorded with `web_db::sql_log` while the real
//! code runs: what each data-access function of a pattern sends (on
//! SQLite), and what each route sends through the app, the three patterns
//! side by side (on SQLite or PostgreSQL).

use actix_web::App;
use actix_web::http::header;
use actix_web::test::TestRequest;
use conformance::{Backend, TestApp, TestDb};
use shared::listing::UserListing;
use shared::models::{NewUser, UserChanges};
use web_db::DbConnection;
use web_db::http::AppService;
use web_db::sql_log::{SqlRecording, Statement};

/// The store functions the book shows the SQL of, as every pattern's
/// `Store` has them (inherent methods of the same names and arguments):
/// named once here so that one function can call them on each.
trait ShownStore: Sized {
    fn open(conn: &mut DbConnection) -> diesel::QueryResult<Self>;
    fn create_user(&self, conn: &mut DbConnection, user: &NewUser) -> diesel::QueryResult<()>;
    fn find_user(&self, conn: &mut DbConnection, id: i64) -> diesel::QueryResult<()>;
    fn list_users(&self, conn: &mut DbConnection, listing: &UserListing)
    -> diesel::QueryResult<()>;
    fn update_user(
        &self,
        conn: &mut DbConnection,
        id: i64,
        changes: &UserChanges,
    ) -> diesel::QueryResult<()>;
    fn delete_user(&self, conn: &mut DbConnection, id: i64) -> diesel::QueryResult<()>;
}

macro_rules! shown_store {
    ($($store:ty),*) => {$(
        impl ShownStore for $store {
            fn open(conn: &mut DbConnection) -> diesel::QueryResult<Self> {
                <$store>::open(conn)
            }
            fn create_user(&self, conn: &mut DbConnection, user: &NewUser) -> diesel::QueryResult<()> {
                <$store>::create_user(self, conn, user).map(drop)
            }
            fn find_user(&self, conn: &mut DbConnection, id: i64) -> diesel::QueryResult<()> {
                <$store>::find_user(self, conn, id).map(drop)
            }
            fn list_users(&self, conn: &mut DbConnection, listing: &UserListing) -> diesel::QueryResult<()> {
                <$store>::list_users(self, conn, listing).map(drop)
            }
            fn update_user(&self, conn: &mut DbConnection, id: i64, changes: &UserChanges) -> diesel::QueryResult<()> {
                <$store>::update_user(self, conn, id, changes).map(drop)
            }
            fn delete_user(&self, conn: &mut DbConnection, id: i64) -> diesel::QueryResult<()> {
                <$store>::delete_user(self, conn, id).map(drop)
            }
        }
    )*};
}

shown_store!(
    declarative::store::Store,
    manual_mapping::store::Store,
    sql_abstraction::store::Store
);

/// One call and the statements it sent, indented under it.
fn call_and_sql(call: &str, statements: &[Statement]) -> String {
    let mut text = call.to_owned();
    if statements.is_empty() {
        text.push_str("\n    (no SQL)");
    }
    for statement in statements {
        text.push_str(&format!("\n    {statement}"));
    }
    text
}

/// `sql PATTERN`: each function of the pattern's store called once, on a
/// connection of its own to a fresh SQLite database, with what it sent.
pub(super) fn of_each_function(pattern: &str) -> Option<String> {
    Some(match pattern {
        "declarative" => each_function::<declarative::store::Store>(),
        "manual-mapping" => each_function::<manual_mapping::store::Store>(),
        "sql-abstraction" => each_function::<sql_abstraction::store::Store>(),
        _ => return None,
    })
}

fn each_function<S: ShownStore>() -> String {
    let db = TestDb::sqlite();
    let mut conn = db.connection();
    let sql = SqlRecording::start(db.pool.url());
    let mut calls = Vec::new();
    // A call's outcome is not shown (the demo shows results), but a
    // failure is: it would be a bug for the book to hide.
    let mut show = |call: &str, failure: Option<String>| {
        let mut text = call_and_sql(call, &sql.take());
        if let Some(failure) = failure {
            text.push_str(&format!("\n    error: {failure}"));
        }
        calls.push(text);
    };
    let store = match S::open(&mut conn) {
        Ok(store) => {
            show("Store::open(conn)", None);
            store
        }
        Err(e) => {
            show("Store::open(conn)", Some(e.to_string()));
            return calls.join("\n\n");
        }
    };
    let admin = NewUser::new("admin", "admin@localhost");
    let outcome = store.create_user(&mut conn, &admin);
    show(
        r#"store.create_user(conn, &NewUser::new("admin", "admin@localhost"))"#,
        outcome.err().map(|e| e.to_string()),
    );
    let outcome = store.find_user(&mut conn, 1);
    show(
        "store.find_user(conn, 1)",
        outcome.err().map(|e| e.to_string()),
    );
    let first_page = UserListing::first_page();
    let outcome = store.list_users(&mut conn, &first_page);
    show(
        &format!("store.list_users(conn, &{first_page:?})"),
        outcome.err().map(|e| e.to_string()),
    );
    let named = UserListing {
        name: Some("admin".into()),
        ..UserListing::first_page()
    };
    let outcome = store.list_users(&mut conn, &named);
    show(
        &format!("store.list_users(conn, &{named:?})"),
        outcome.err().map(|e| e.to_string()),
    );
    let changes = UserChanges {
        email: Some("root@localhost".into()),
        ..UserChanges::default()
    };
    let outcome = store.update_user(&mut conn, 1, &changes);
    show(
        &format!("store.update_user(conn, 1, &{changes:?})"),
        outcome.err().map(|e| e.to_string()),
    );
    let outcome = store.delete_user(&mut conn, 1);
    show(
        "store.delete_user(conn, 1)",
        outcome.err().map(|e| e.to_string()),
    );
    calls.join("\n\n")
}

/// One request of a side-by-side: method, path, JSON body.
type Route = (&'static str, &'static str, Option<&'static str>);

/// The requests of the side-by-side of the users' routes.
pub(super) const ROUTES: &[Route] = &[
    (
        "POST",
        "/users",
        Some(r#"{"name":"admin","email":"admin@localhost"}"#),
    ),
    ("GET", "/users/1", None),
    ("GET", "/users?name=admin", None),
    ("PATCH", "/users/1", Some(r#"{"email":"root@localhost"}"#)),
    (
        "POST",
        "/users",
        Some(r#"{"name":"admin","email":"other@localhost"}"#),
    ),
    ("DELETE", "/users/1", None),
];

/// The requests of the side-by-side of relations: a user written with its
/// posts, a post written for a user (and for none), the joins that read
/// them, a page by key, and the delete that takes a user's posts with it.
pub(super) const RELATION_ROUTES: &[Route] = &[
    (
        "POST",
        "/users",
        Some(
            r#"{"name":"ada","email":"ada@example.com","posts":[{"title":"Notes","body":"On the engine"},{"title":"Sketch","body":""}]}"#,
        ),
    ),
    (
        "POST",
        "/users/1/posts",
        Some(r#"{"title":"Later","body":"A third"}"#),
    ),
    (
        "POST",
        "/users/9/posts",
        Some(r#"{"title":"Lost","body":""}"#),
    ),
    ("GET", "/posts/1", None),
    ("GET", "/posts?per_page=2", None),
    ("GET", "/posts?after=2&per_page=2", None),
    ("GET", "/users/1/posts", None),
    ("GET", "/users/1/posts?after=1", None),
    ("GET", "/users?embed=posts", None),
    ("DELETE", "/users/1", None),
];

const PATTERNS: [&str; 3] = ["declarative", "manual-mapping", "sql-abstraction"];

/// What one route answered and the statements it sent, as text.
struct Exchange {
    status: String,
    statements: Vec<String>,
}

/// `sql-by-route BACKEND` ([`ROUTES`]) and `sql-relations BACKEND`
/// ([`RELATION_ROUTES`]): each request sent to each pattern's app, each app
/// on a fresh database, with the statements it sent; patterns that sent the
/// very same statements share one listing.
pub(super) fn by_route(backend: Backend, routes: &'static [Route]) -> String {
    let exchanges: Vec<Vec<Exchange>> = actix_web::rt::System::new().block_on(async move {
        let mut all = Vec::new();
        for pattern in PATTERNS {
            // Only called when the backend can be reached (see
            // `cannot_render_here`), so the database is there.
            let Some(db) = TestDb::on(backend) else {
                return Vec::new();
            };
            let pool = db.pool.clone();
            all.push(match pattern {
                "declarative" => send_routes(declarative::app(pool), db, routes).await,
                "manual-mapping" => send_routes(manual_mapping::app(pool), db, routes).await,
                _ => send_routes(sql_abstraction::app(pool), db, routes).await,
            });
        }
        all
    });
    let mut text = Vec::new();
    for (index, (method, path, body)) in routes.iter().enumerate() {
        let mut route = format!("{method} {path}");
        if let Some(body) = body {
            route.push_str(&format!(" {body}"));
        }
        let answers: Vec<&Exchange> = exchanges.iter().filter_map(|e| e.get(index)).collect();
        if let Some(first) = answers.first() {
            route.push_str(&format!("  → {}", first.status));
        }
        // Patterns in order, each listing once with every pattern that sent it.
        let mut listed: Vec<(Vec<&str>, &Vec<String>)> = Vec::new();
        for (pattern, exchange) in PATTERNS.iter().zip(&answers) {
            match listed
                .iter_mut()
                .find(|(_, statements)| **statements == exchange.statements)
            {
                Some((patterns, _)) => patterns.push(pattern),
                None => listed.push((vec![pattern], &exchange.statements)),
            }
        }
        for (patterns, statements) in listed {
            let count = match statements.len() {
                1 => "1 statement".to_owned(),
                n => format!("{n} statements"),
            };
            route.push_str(&format!("\n  {}: {count}", patterns.join(", ")));
            for statement in statements {
                route.push_str(&format!("\n    {statement}"));
            }
        }
        text.push(route);
    }
    text.join("\n\n")
}

async fn send_routes<T: AppService>(app: App<T>, db: TestDb, routes: &[Route]) -> Vec<Exchange> {
    let app = TestApp::start(app, db).await;
    let mut exchanges = Vec::new();
    for &(method, path, body) in routes {
        let mut request = match method {
            "POST" => TestRequest::post(),
            "PATCH" => TestRequest::patch(),
            "DELETE" => TestRequest::delete(),
            _ => TestRequest::get(),
        }
        .uri(path);
        if let Some(body) = body {
            request = request
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(body);
        }
        let sql = SqlRecording::start(app.db.pool.url());
        let reply = app.send(request).await;
        // A list's link to its next page is part of its answer.
        let status = match reply.headers.get(header::LINK) {
            Some(link) => format!("{}, Link: {}", reply.status, link.to_str().unwrap_or("?")),
            None => reply.status.to_string(),
        };
        exchanges.push(Exchange {
            status,
            statements: sql.take().iter().map(ToString::to_string).collect(),
        });
    }
    exchanges
}
