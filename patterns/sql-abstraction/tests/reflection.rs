//! The store reads the columns the API serves (those the view
//! `exposed_users` selects) from the database when it opens, and every
//! answer has the columns it found: a column added to `users` by hand is in
//! them once the view selects it and a store opens after that, never before.

use shared::database::MIGRATIONS;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use web_db_test::{Backend, TestDb};

use diesel::connection::SimpleConnection;
use serde_json::{Value, json};
use shared::listing::UserListing;
use shared::models::{NewUser, UserChanges};
use sql_abstraction::store::Store;

/// A database of the test's own: SQLite, or PostgreSQL when
/// `TEST_DATABASE_URL` names a server.
fn test_db() -> TestDb {
    TestDb::on(Backend::from_env(), MIGRATIONS).expect("a database for the test")
}

/// The keys of a JSON object, in order.
fn keys(user: &Value) -> Vec<&str> {
    user.as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn alter(db: &TestDb, sql: &str) {
    db.connection()
        .batch_execute(sql)
        .expect("change the users table");
}

/// Makes the view `exposed_users` select `columns` of `users`: the one step
/// that decides what the API serves of the table.
fn expose(db: &TestDb, columns: &str) {
    alter(
        db,
        &format!(
            "DROP VIEW exposed_users; CREATE VIEW exposed_users AS SELECT {columns} FROM users"
        ),
    );
}

#[test]
fn a_column_added_by_hand_is_served_once_its_view_exposes_it() {
    let db = test_db();
    alter(&db, "ALTER TABLE users ADD COLUMN nickname TEXT");
    let mut conn = db.connection();
    let store = Store::open(&mut conn).expect("open the store");
    let ada = store
        .create_user(&mut conn, &NewUser::new("ada", "ada@example.com"))
        .expect("create a user");
    conn.batch_execute("UPDATE users SET nickname = 'Countess' WHERE name = 'ada'")
        .expect("set a nickname by hand");
    let id = ada["id"].as_i64().expect("an id");
    let found = store.find_user(&mut conn, id).expect("find by id");
    assert_eq!(found.as_ref().map(keys), Some(vec!["id", "name", "email"]));

    expose(&db, "id, name, email, nickname");
    let store = Store::open(&mut conn).expect("open the store again, as a restart does");

    let expected =
        json!({"id": id, "name": "ada", "email": "ada@example.com", "nickname": "Countess"});
    let found = store.find_user(&mut conn, id).expect("find by id");
    assert_eq!(found, Some(expected.clone()));
    let first = store
        .list_users(&mut conn, &UserListing::first_named("ada"))
        .expect("find by name");
    assert_eq!(first, std::slice::from_ref(&expected));
    let changes = UserChanges {
        email: Some("ada@example.org".into()),
        ..UserChanges::default()
    };
    let updated = store
        .update_user(&mut conn, id, &changes)
        .expect("update")
        .expect("the user exists");
    assert_eq!(keys(&updated), ["id", "name", "email", "nickname"]);
    // A NULL is left out of the answer, as a model leaves out a `None`.
    let grace = store
        .create_user(&mut conn, &NewUser::new("grace", "grace@example.com"))
        .expect("create a user");
    assert_eq!(keys(&grace), ["id", "name", "email"]);
}

#[test]
fn a_store_opened_before_the_change_keeps_the_columns_it_found() {
    let db = test_db();
    let mut conn = db.connection();
    let store = Store::open(&mut conn).expect("open the store");
    // With a value in every row, so that it would show if it were read.
    alter(
        &db,
        "ALTER TABLE users ADD COLUMN nickname TEXT NOT NULL DEFAULT 'Countess'",
    );
    expose(&db, "id, name, email, nickname");

    let ada = store
        .create_user(&mut conn, &NewUser::new("ada", "ada@example.com"))
        .expect("create a user after the change");
    assert_eq!(keys(&ada), ["id", "name", "email"]);
}

#[test]
fn a_column_without_a_json_form_is_left_out_even_when_exposed() {
    let db = test_db();
    alter(
        &db,
        match db.backend {
            Backend::Sqlite => "ALTER TABLE users ADD COLUMN avatar BLOB NOT NULL DEFAULT x'00'",
            Backend::Postgres => {
                "ALTER TABLE users ADD COLUMN avatar BYTEA NOT NULL DEFAULT '\\x00'"
            }
        },
    );
    expose(&db, "id, name, email, avatar");
    let mut conn = db.connection();
    let store = Store::open(&mut conn).expect("open the store");
    let ada = store
        .create_user(&mut conn, &NewUser::new("ada", "ada@example.com"))
        .expect("create a user");
    assert_eq!(keys(&ada), ["id", "name", "email"]);
}

#[test]
fn a_view_without_a_column_the_queries_name_does_not_open() {
    let db = test_db();
    expose(&db, "id, name");
    let mut conn = db.connection();
    let error = Store::open(&mut conn)
        .err()
        .expect("the store must not open");
    assert!(
        error.to_string().contains("no readable column email"),
        "{error}"
    );
}

/// The binary, on a view it cannot serve, stops at start-up and says why.
#[test]
fn the_server_does_not_start_on_a_view_it_cannot_serve() {
    let db = test_db();
    expose(&db, "id, name");
    let mut server = Command::new(env!("CARGO_BIN_EXE_sql-abstraction"))
        .env("DATABASE_URL", &db.url)
        .env("BIND_ADDR", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    // A binary that did start would serve forever: give it 30 s to stop.
    let started = Instant::now();
    while server.try_wait().expect("the binary's state").is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = server.kill();
            panic!("the binary started on a table it cannot serve");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = server.wait_with_output().expect("the binary's output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no readable column email"), "{stderr}");
}
