//! One database, a column added to `users` by hand, three patterns: the
//! SQL-abstraction pattern, which reads what it serves from the catalog as
//! it starts (the columns of the view `exposed_users`), serves no such
//! column until the view selects it, and then, once it starts again, with
//! no code change; the two others keep serving the shape their code names.
//!
//! Each "start" here is a new app from the pattern's app factory, which
//! opens the store as `main` does when the server starts.

use actix_web::test::{self, TestRequest};
use conformance::{Backend, Reply, TestApp, TestDb};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{Value, json};
use web_db::http::AppService;

/// `GET uri` on a freshly started `app`: the JSON it answers.
async fn get<T: AppService>(app: actix_web::App<T>, uri: &str) -> Value {
    let service = test::init_service(app).await;
    test::call_and_read_body_json(&service, TestRequest::get().uri(uri).to_request()).await
}

/// The answers of every route that serves a user, in a post or not: the
/// reads, then a create of bob and a change of ada's name (user 1).
struct EveryRoute {
    reads: Vec<Reply>,
    created: Reply,
    changed: Reply,
}

impl EveryRoute {
    async fn answers(app: &TestApp) -> EveryRoute {
        let mut reads = Vec::new();
        for uri in [
            "/users/1",
            "/users",
            "/users?embed=posts",
            "/users/1/posts",
            "/posts",
            "/posts/1",
        ] {
            reads.push(app.get(uri).await);
        }
        let bob = json!({"name": "bob", "email": "bob@example.com"});
        EveryRoute {
            reads,
            created: app.post_json("/users", bob).await,
            changed: app.patch_json("/users/1", json!({"name": "ada2"})).await,
        }
    }

    fn all(&self) -> impl Iterator<Item = &Reply> {
        self.reads.iter().chain([&self.created, &self.changed])
    }
}

/// Redefines the view `view` over `table` to select the columns it selects
/// now and `added`: the one step that decides what the SQL-abstraction
/// pattern serves of a table.
fn expose_also(db: &TestDb, view: &str, table: &str, added: &str) {
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let sql = match db.backend {
        Backend::Sqlite => format!("SELECT name FROM pragma_table_info('{view}') ORDER BY cid"),
        Backend::Postgres => format!(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{view}' \
             ORDER BY ordinal_position"
        ),
    };
    let columns: Vec<String> = diesel::sql_query(sql)
        .load::<Column>(&mut db.connection())
        .expect("the view's columns")
        .into_iter()
        .map(|column| column.name)
        .collect();
    let columns = columns.join(", ");
    db.connection()
        .batch_execute(&format!(
            "DROP VIEW {view}; CREATE VIEW {view} AS SELECT {columns}, {added} FROM {table}"
        ))
        .expect("redefine the view");
}

async fn a_column_added_by_hand_is_served_once_exposed_after_a_restart(backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return conformance::skipped();
    };
    let before = test::init_service(sql_abstraction::app(db.pool.clone())).await;
    let create = TestRequest::post()
        .uri("/users")
        .set_json(json!({"name": "ada", "email": "ada@example.com"}));
    let ada: Value = test::call_and_read_body_json(&before, create.to_request()).await;
    assert_eq!(
        ada,
        json!({"id": 1, "name": "ada", "email": "ada@example.com"})
    );
    db.connection()
        .batch_execute(
            "ALTER TABLE users ADD COLUMN nickname TEXT; \
             UPDATE users SET nickname = 'Countess' WHERE id = 1",
        )
        .expect("add a column by hand");
    let restarted = || sql_abstraction::app(db.pool.clone());

    // Added to the table, it is served by no start of the app.
    assert_eq!(get(restarted(), "/users/1").await, ada);

    // Exposed, it is served by an app started after that, not before.
    expose_also(&db, "exposed_users", "users", "nickname");
    let still: Value =
        test::call_and_read_body_json(&before, TestRequest::get().uri("/users/1").to_request())
            .await;
    assert_eq!(still, ada);
    let mut with_nickname = ada.clone();
    with_nickname["nickname"] = json!("Countess");
    assert_eq!(get(restarted(), "/users/1").await, with_nickname);
    assert_eq!(get(restarted(), "/users").await, json!([with_nickname]));
    assert_eq!(
        get(restarted(), "/users?name=ada").await,
        json!([with_nickname])
    );

    // The other two serve the shape their code names, from the same table.
    for answer in [
        get(declarative::app(db.pool.clone()), "/users/1").await,
        get(manual_mapping::app(db.pool.clone()), "/users/1").await,
    ] {
        assert_eq!(answer, ada);
    }
}

#[actix_web::test]
async fn a_column_added_by_hand_is_served_once_exposed_after_a_restart_on_sqlite() {
    a_column_added_by_hand_is_served_once_exposed_after_a_restart(Backend::Sqlite).await;
}

conformance::postgres_tests! {
    #[actix_web::test]
    async fn a_column_added_by_hand_is_served_once_exposed_after_a_restart_on_postgres() {
        a_column_added_by_hand_is_served_once_exposed_after_a_restart(Backend::Postgres).await;
    }
}

/// Columns added by hand, each set to a value with `leaked` in it: names
/// that say they are secrets, and names that say so in ways no list of
/// forbidden names foresees.
const HIDDEN_COLUMNS: &[&str] = &[
    "password_hash",
    "api_token",
    "totp_secret",
    "userpwd",
    "userSSN",
    "mfaCode",
    "refreshTok",
    "oauth_refresh",
    "credit_card",
    "cardNumber",
    "cvv",
    "iban",
    "p4ssword",
    "sekret",
    "ｐａｓｓｗｏｒｄ",
    "nickname",
];

fn add_hidden_columns(db: &TestDb) {
    let sql: String = HIDDEN_COLUMNS
        .iter()
        .map(|c| {
            format!(
                "ALTER TABLE users ADD COLUMN \"{c}\" TEXT; UPDATE users SET \"{c}\" = 'leaked-{c}';"
            )
        })
        .collect();
    db.connection()
        .batch_execute(&sql)
        .expect("add columns by hand");
}

/// The SQL-abstraction pattern started on `users` with a `nickname` column
/// added by hand and exposed, and user 1, ada, with one post; ada as
/// created.
async fn started_with_a_nickname_exposed(db: TestDb) -> (TestApp, Value) {
    db.connection()
        .batch_execute("ALTER TABLE users ADD COLUMN nickname TEXT")
        .expect("add a column by hand");
    expose_also(&db, "exposed_users", "users", "nickname");
    let app = TestApp::start(sql_abstraction::app(db.pool.clone()), db).await;
    let ada = app.create_user("ada", "ada@example.com").await;
    app.create_post(&ada, "hello", "").await;
    (app, ada)
}

/// No column added by hand to `users` is served by the SQL-abstraction
/// pattern, whatever its name, until the view selects it: not in a user, a
/// page of users, a user with posts, a post's author, nor in what a create
/// or a change answers.
async fn no_column_added_by_hand_is_served_whatever_its_name(backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return conformance::skipped();
    };
    let app = TestApp::start(sql_abstraction::app(db.pool.clone()), db).await;
    let ada = app.create_user("ada", "ada@example.com").await;
    app.create_post(&ada, "hello", "").await;
    add_hidden_columns(&app.db);

    // Started again, it reads the view, which selects none of them.
    let pool = app.db.pool.clone();
    let app = TestApp::start(sql_abstraction::app(pool), app.db).await;
    let answers = EveryRoute::answers(&app).await;
    for answer in answers.all() {
        assert!(answer.status.is_success(), "{answer:?}");
        let text = answer.body.to_string();
        assert!(
            !text.contains("leaked"),
            "a column added by hand served: {text}"
        );
    }
    assert_eq!(answers.reads[0].body, ada);
}

#[actix_web::test]
async fn no_column_added_by_hand_is_served_whatever_its_name_on_sqlite() {
    no_column_added_by_hand_is_served_whatever_its_name(Backend::Sqlite).await;
}

conformance::postgres_tests! {
    #[actix_web::test]
    async fn no_column_added_by_hand_is_served_whatever_its_name_on_postgres() {
        no_column_added_by_hand_is_served_whatever_its_name(Backend::Postgres).await;
    }
}

/// A column dropped while the SQL-abstraction pattern runs (it read the
/// view, with that column, as it started; the view is redefined without
/// it): every answer is either an error as JSON or true to the table, never
/// a 2xx with a value made up for the missing column; a create that fails
/// writes nothing. (Built without
/// SQLite's double-quoted-string fallback, `"nickname"` is a column that
/// is not there, not the text `nickname`.)
async fn a_column_dropped_under_a_running_app_never_gets_a_made_up_value(backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return conformance::skipped();
    };
    let (app, ada) = started_with_a_nickname_exposed(db).await;
    assert!(ada.get("nickname").is_none(), "a NULL is left out: {ada}");

    app.db
        .connection()
        .batch_execute(
            "DROP VIEW exposed_users; ALTER TABLE users DROP COLUMN nickname; \
             CREATE VIEW exposed_users AS SELECT id, name, email FROM users",
        )
        .expect("drop the column by hand");
    let answers = EveryRoute::answers(&app).await;
    for answer in answers.all() {
        if answer.status.is_success() {
            let text = answer.body.to_string();
            assert!(!text.contains("nickname"), "a made-up column: {text}");
        } else {
            assert!(!answer.error().is_empty(), "{answer:?}");
        }
    }
    let bob_written = answers.created.status.is_success();
    assert_eq!(app.db.count_users(), 1 + i64::from(bob_written));
}

#[actix_web::test]
async fn a_column_dropped_under_a_running_app_never_gets_a_made_up_value_on_sqlite() {
    a_column_dropped_under_a_running_app_never_gets_a_made_up_value(Backend::Sqlite).await;
}

conformance::postgres_tests! {
    #[actix_web::test]
    async fn a_column_dropped_under_a_running_app_never_gets_a_made_up_value_on_postgres() {
        a_column_dropped_under_a_running_app_never_gets_a_made_up_value(Backend::Postgres).await;
    }
}

/// A column added by hand, and exposed, with a name the answers use for
/// what they nest, `posts` on `users` and `author` on `posts`, does not take
/// its place: a user's posts and a post's author are still what they are.
async fn a_column_named_like_a_nested_field_does_not_replace_it(backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return conformance::skipped();
    };
    let app = TestApp::start(sql_abstraction::app(db.pool.clone()), db).await;
    let ada = app.create_user("ada", "ada@example.com").await;
    let post = app.create_post(&ada, "hello", "").await;
    app.db
        .connection()
        .batch_execute(
            "ALTER TABLE users ADD COLUMN posts INTEGER DEFAULT 0; \
             ALTER TABLE posts ADD COLUMN author TEXT DEFAULT 'ghostwriter'",
        )
        .expect("add the columns by hand");
    expose_also(&app.db, "exposed_users", "users", "posts");
    expose_also(&app.db, "exposed_posts", "posts", "author");
    let pool = app.db.pool.clone();
    let app = TestApp::start(sql_abstraction::app(pool), app.db).await;
    let with_posts = app.get("/users?embed=posts").await;
    assert_eq!(with_posts.body[0]["posts"], json!([post]), "{with_posts:?}");
    assert_eq!(app.get("/users/1").await.body, ada);
    let found = app.get("/posts/1").await;
    assert_eq!(found.body["author"], ada, "{found:?}");
}

#[actix_web::test]
async fn a_column_named_like_a_nested_field_does_not_replace_it_on_sqlite() {
    a_column_named_like_a_nested_field_does_not_replace_it(Backend::Sqlite).await;
}

conformance::postgres_tests! {
    #[actix_web::test]
    async fn a_column_named_like_a_nested_field_does_not_replace_it_on_postgres() {
        a_column_named_like_a_nested_field_does_not_replace_it(Backend::Postgres).await;
    }
}
