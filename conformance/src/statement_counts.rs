//! How many statements each route sends, and which: counted with the SQL
//! log's recordings ([`web_db::sql_log`]), the instrumentation that feeds
//! `RUST_LOG=sql=debug`. A redundant round trip, or a loop that queries once
//! per row (N+1), fails one of these.
//!
//! A read runs in a read-only transaction that the session opens and rolls
//! back (a lookup by key runs alone), and a write in the transaction the
//! session makes for it, so their statements are named here in full. On SQLite the writer thread opens one
//! transaction per group of writes and gives each write a savepoint of its
//! own; on PostgreSQL each write is a `BEGIN READ WRITE` transaction.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::json;
use web_db::sql_log::{SqlRecording, Statement};

use crate::app::{Reply, TestApp};
use crate::db::Backend;

/// Sends `request` and returns the answer with every statement it sent.
async fn sent(app: &TestApp, request: TestRequest) -> (Reply, Vec<Statement>) {
    let recording = SqlRecording::start(app.db.pool.url());
    let reply = app.send(request).await;
    (reply, recording.take())
}

/// The kinds of the statements, `["BEGIN IMMEDIATE", "INSERT", …]`.
fn kinds(statements: &[Statement]) -> Vec<String> {
    statements.iter().map(Statement::kind).collect()
}

/// Fails with the SQL itself when the statements are not of `expected` kinds.
fn assert_sent(route: &str, statements: &[Statement], expected: &[&str]) {
    assert_eq!(
        kinds(statements),
        expected,
        "{route} sent:\n{}",
        statements
            .iter()
            .map(|s| format!("  {s}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The statements of a read that sent `work`: in its transaction, which
/// sees one moment of the database and is rolled back.
fn in_a_read(app: &TestApp, work: &[&'static str]) -> Vec<&'static str> {
    let begin = match app.db.backend {
        Backend::Sqlite => "BEGIN",
        Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    [&[begin], work, &["ROLLBACK"]].concat()
}

/// The kinds of the statements a read sent inside its transaction.
fn inside_the_read(app: &TestApp, statements: &[Statement]) -> Vec<String> {
    let kinds = kinds(statements);
    let frame = in_a_read(app, &[]);
    assert!(
        kinds.len() >= 2
            && kinds.first().map(String::as_str) == Some(frame[0])
            && kinds.last().map(String::as_str) == Some(frame[1]),
        "not a read's transaction: {kinds:?}"
    );
    kinds[1..kinds.len() - 1].to_vec()
}

/// The statements of a write that sent `work` and was committed.
fn committed(app: &TestApp, work: &[&'static str]) -> Vec<&'static str> {
    let (begin, end): (&[&str], &[&str]) = match app.db.backend {
        Backend::Sqlite => (
            &["BEGIN IMMEDIATE", "SAVEPOINT"],
            &["RELEASE SAVEPOINT", "COMMIT"],
        ),
        Backend::Postgres => (&["BEGIN READ WRITE"], &["COMMIT"]),
    };
    [begin, work, end].concat()
}

/// The statements of a write that sent `work` and was refused: its own
/// part is rolled back (on SQLite its savepoint; the group still commits).
fn rolled_back(app: &TestApp, work: &[&'static str]) -> Vec<&'static str> {
    let (begin, end): (&[&str], &[&str]) = match app.db.backend {
        Backend::Sqlite => (
            &["BEGIN IMMEDIATE", "SAVEPOINT"],
            &["ROLLBACK TO SAVEPOINT", "COMMIT"],
        ),
        Backend::Postgres => (&["BEGIN READ WRITE"], &["ROLLBACK"]),
    };
    [begin, work, end].concat()
}

/// `GET /users/{id}` sends one SELECT, whether the user exists or not.
pub async fn a_read_by_id_sends_one_select(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let (reply, statements) = sent(
        app,
        TestRequest::get().uri(&format!("/users/{}", ada["id"])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_sent("GET /users/{id}", &statements, &["SELECT"]);

    let (reply, statements) = sent(app, TestRequest::get().uri("/users/999999")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{reply:?}");
    assert_sent("GET /users/{unknown id}", &statements, &["SELECT"]);
}

/// A page of users is one SELECT (in its read's transaction) whatever its
/// size, with or without a name filter: no query per row.
pub async fn a_page_of_users_is_one_select_whatever_its_size(app: &TestApp) {
    for i in 0..30 {
        app.create_user(&format!("user{i:02}"), &format!("u{i}@example.com"))
            .await;
    }
    for uri in [
        "/users?per_page=1",
        "/users?per_page=30",
        "/users?page=2&per_page=20",
        "/users?name=user07",
    ] {
        let (reply, statements) = sent(app, TestRequest::get().uri(uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_sent(
            &format!("GET {uri}"),
            &statements,
            &in_a_read(app, &["SELECT"]),
        );
    }
}

/// A page by key is one SELECT at any depth, on every list (a user's posts
/// first look the user up: two), and it pages by key: its SQL holds `id >`.
pub async fn a_page_by_key_is_one_select_at_any_depth(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    for i in 0..5 {
        app.create_post(&ada, &format!("post {i}"), "").await;
    }
    let deep = i64::MAX - 1;
    for (uri, work) in [
        (format!("/users?after={deep}"), &["SELECT"][..]),
        (format!("/posts?after={deep}"), &["SELECT"][..]),
        ("/posts?after=2&per_page=2".to_owned(), &["SELECT"][..]),
        (
            format!("/users/{}/posts?after=2", ada["id"]),
            &["SELECT", "SELECT"][..],
        ),
    ] {
        let (reply, statements) = sent(app, TestRequest::get().uri(&uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {reply:?}");
        assert_sent(&format!("GET {uri}"), &statements, &in_a_read(app, work));
        assert!(
            statements.iter().any(|s| s.sql.contains("id` > ")
                || s.sql.contains("id\" > ")
                || s.sql.contains("id > ")),
            "GET {uri} pages by key: {statements:?}"
        );
    }
}

/// `POST /users` sends one INSERT (with `RETURNING`: no SELECT after it),
/// inside its transaction.
pub async fn a_create_sends_one_insert_in_its_transaction(app: &TestApp) {
    let request = TestRequest::post()
        .uri("/users")
        .set_json(json!({"name": "ada", "email": "ada@example.com"}));
    let (reply, statements) = sent(app, request).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_sent("POST /users", &statements, &committed(app, &["INSERT"]));
}

/// A create the database refuses (a taken name) sends its INSERT and rolls
/// it back: no SELECT first to check, the unique constraint decides.
pub async fn a_refused_create_sends_its_insert_and_rolls_it_back(app: &TestApp) {
    app.create_user("ada", "ada@example.com").await;
    let request = TestRequest::post()
        .uri("/users")
        .set_json(json!({"name": "ada", "email": "other@example.com"}));
    let (reply, statements) = sent(app, request).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
    assert_sent(
        "POST /users (taken name)",
        &statements,
        &rolled_back(app, &["INSERT"]),
    );
}

/// `PATCH /users/{id}` sends one UPDATE (with `RETURNING`), for a user that
/// exists or not; an empty PATCH sends one SELECT.
pub async fn a_patch_sends_one_update_in_its_transaction(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let uri = format!("/users/{}", ada["id"]);
    let patch = |uri: &str, body| TestRequest::patch().uri(uri).set_json(body);

    let (reply, statements) = sent(app, patch(&uri, json!({"email": "ada@example.org"}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_sent(
        "PATCH /users/{id}",
        &statements,
        &committed(app, &["UPDATE"]),
    );

    let (reply, statements) = sent(app, patch("/users/999999", json!({"name": "x"}))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{reply:?}");
    assert_sent(
        "PATCH /users/{unknown id}",
        &statements,
        &committed(app, &["UPDATE"]),
    );

    let (reply, statements) = sent(app, patch(&uri, json!({}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_sent("PATCH /users/{id} with {}", &statements, &["SELECT"]);
}

/// `DELETE /users/{id}` sends one DELETE, whether the user exists or not.
pub async fn a_delete_sends_one_delete_in_its_transaction(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    for (uri, status) in [
        (format!("/users/{}", ada["id"]), StatusCode::NO_CONTENT),
        ("/users/999999".to_owned(), StatusCode::NOT_FOUND),
    ] {
        let (reply, statements) = sent(app, TestRequest::delete().uri(&uri)).await;
        assert_eq!(reply.status, status, "{reply:?}");
        assert_sent(
            &format!("DELETE {uri}"),
            &statements,
            &committed(app, &["DELETE"]),
        );
    }
}

/// A request refused before it reaches the store (bad JSON, an invalid
/// value, a bad page, an unknown route) sends nothing at all.
pub async fn a_request_refused_before_the_store_sends_nothing(app: &TestApp) {
    let requests = [
        TestRequest::post()
            .uri("/users")
            .insert_header(("content-type", "application/json"))
            .set_payload("{"),
        TestRequest::post()
            .uri("/users")
            .set_json(json!({"name": "", "email": "x@y"})),
        TestRequest::get().uri("/users?page=0"),
        TestRequest::get().uri("/nowhere"),
    ];
    for request in requests {
        let (reply, statements) = sent(app, request).await;
        assert!(reply.status.is_client_error(), "{reply:?}");
        assert_sent(
            &format!("a request answered {}", reply.status),
            &statements,
            &[],
        );
    }
}

// ---- posts, and what joins them to users ------------------------------------

/// Ten users with three posts each, for the reads below.
async fn users_with_three_posts_each(app: &TestApp) {
    for i in 0..10 {
        let user = app
            .create_user(&format!("user{i:02}"), &format!("u{i}@example.com"))
            .await;
        for n in 0..3 {
            app.create_post(&user, &format!("post {n} of user {i}"), "")
                .await;
        }
    }
}

/// A page of posts with their authors is one SELECT (a join), whatever its
/// size; so is one post with its author, and a page of a user's posts costs
/// the same whatever its size.
pub async fn a_page_of_posts_with_authors_is_one_select_whatever_its_size(app: &TestApp) {
    users_with_three_posts_each(app).await;
    for uri in ["/posts?per_page=1", "/posts?per_page=30"] {
        let (reply, statements) = sent(app, TestRequest::get().uri(uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_sent(
            &format!("GET {uri}"),
            &statements,
            &in_a_read(app, &["SELECT"]),
        );
    }
    // One post by id is a lookup by key: its SELECT alone.
    let (reply, statements) = sent(app, TestRequest::get().uri("/posts/1")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_sent("GET /posts/1", &statements, &["SELECT"]);
    let mut counts = Vec::new();
    for uri in ["/users/1/posts?per_page=1", "/users/1/posts?per_page=3"] {
        let (reply, statements) = sent(app, TestRequest::get().uri(uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        let inside = inside_the_read(app, &statements);
        assert!(
            inside.iter().all(|kind| kind == "SELECT"),
            "GET {uri} sent:\n{statements:?}"
        );
        counts.push(inside.len());
    }
    assert_eq!(counts[0], counts[1], "a page of a user's posts: {counts:?}");
}

/// A page of users with their posts takes the same SELECTs whether it holds
/// one user or ten (at most two, the users then all of their posts, in one
/// read's transaction), with or without a name: never one query per user.
pub async fn a_page_of_users_with_posts_costs_the_same_whatever_its_size(app: &TestApp) {
    users_with_three_posts_each(app).await;
    let mut sent_per_page = Vec::new();
    for uri in [
        "/users?embed=posts&per_page=1",
        "/users?embed=posts&per_page=10",
        "/users?embed=posts&name=user03",
        "/users?embed=posts&after=2&per_page=5",
    ] {
        let (reply, statements) = sent(app, TestRequest::get().uri(uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        let posts: usize = reply
            .body
            .as_array()
            .map(|users| {
                users
                    .iter()
                    .map(|u| u["posts"].as_array().map_or(0, Vec::len))
                    .sum()
            })
            .unwrap_or_default();
        assert!(posts > 0, "GET {uri} embedded no posts: {reply:?}");
        sent_per_page.push((uri, inside_the_read(app, &statements)));
    }
    let (_, first) = &sent_per_page[0];
    assert!(
        !first.is_empty() && first.len() <= 2 && first.iter().all(|kind| kind == "SELECT"),
        "{sent_per_page:?}"
    );
    for (uri, kinds) in &sent_per_page {
        assert_eq!(
            kinds, first,
            "GET {uri} sent other statements: {sent_per_page:?}"
        );
    }
}

/// A post for a user that does not exist sends its INSERT, which the
/// foreign key refuses, and rolls it back: no SELECT first to check, which
/// a delete at the same moment could make wrong.
pub async fn a_post_for_a_missing_user_is_refused_by_its_insert(app: &TestApp) {
    let request = TestRequest::post()
        .uri("/users/999999/posts")
        .set_json(json!({"title": "t", "body": "b"}));
    let (reply, statements) = sent(app, request).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{reply:?}");
    assert_sent(
        "POST /users/{unknown id}/posts",
        &statements,
        &rolled_back(app, &["INSERT"]),
    );
}

/// A user with two posts is three INSERTs in one transaction; refused (a
/// taken name), its first INSERT is rolled back and no post is tried.
pub async fn a_user_with_posts_is_written_in_one_transaction(app: &TestApp) {
    let body = |email: &str| {
        json!({"name": "ada", "email": email, "posts": [
            {"title": "one", "body": ""},
            {"title": "two", "body": ""}
        ]})
    };
    let request = TestRequest::post()
        .uri("/users")
        .set_json(body("ada@example.com"));
    let (reply, statements) = sent(app, request).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_sent(
        "POST /users with two posts",
        &statements,
        &committed(app, &["INSERT", "INSERT", "INSERT"]),
    );
    let request = TestRequest::post()
        .uri("/users")
        .set_json(body("other@example.com"));
    let (reply, statements) = sent(app, request).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
    assert_sent(
        "POST /users with two posts (taken name)",
        &statements,
        &rolled_back(app, &["INSERT"]),
    );
}

/// Deleting a user with posts is one DELETE: the database deletes the posts
/// in the same statement (`ON DELETE CASCADE`).
pub async fn a_user_and_its_posts_go_in_one_delete(app: &TestApp) {
    users_with_three_posts_each(app).await;
    let (reply, statements) = sent(app, TestRequest::delete().uri("/users/1")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
    assert_sent(
        "DELETE /users/{id} with posts",
        &statements,
        &committed(app, &["DELETE"]),
    );
    assert_eq!(app.db.count_posts(), 27);
}

/// On SQLite, a list filtered by name reads the users through the index on
/// `name` (its unique constraint's), never the whole table: each SELECT it
/// sends is explained (`EXPLAIN QUERY PLAN`), and no step of the plan scans
/// `users`. (SQLite here plans without looking at bound values, so the plan
/// of the text is the plan of the request.)
pub async fn a_name_filter_reads_through_the_index(app: &TestApp) {
    for i in 0..30 {
        app.create_user(&format!("user{i:02}"), &format!("u{i}@example.com"))
            .await;
    }
    for uri in ["/users?name=user07", "/users?embed=posts&name=user07"] {
        assert_no_scan_of(app, uri, &["users"]).await;
    }
}

/// On SQLite, a page by key starts in an index at any depth: the users' and
/// the posts' primary keys (`id > ?`), and for a user's posts the index on
/// `(user_id, id)`. No step of any plan scans a table, as `OFFSET` must.
pub async fn a_page_by_key_reads_from_the_index(app: &TestApp) {
    for name in ["ada", "bob", "cy"] {
        let user = app.create_user(name, &format!("{name}@example.com")).await;
        for i in 0..3 {
            app.create_post(&user, &format!("post {i}"), "").await;
        }
    }
    for uri in [
        "/users?after=1",
        "/users?embed=posts&after=1",
        "/posts?after=2",
        "/users/1/posts?after=2",
    ] {
        assert_no_scan_of(app, uri, &["users", "posts"]).await;
    }
}

/// On SQLite, `embed=posts` reads each user's posts only up to the cut
/// after its first 10: the plan searches the index on `(user_id, id)` with a
/// bound on `id` (`id<?`, the 11th post's, found by a subquery), never all
/// of a user's posts, however many it wrote.
pub async fn embedded_posts_are_read_up_to_a_cut(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    for i in 0..12 {
        app.create_post(&ada, &format!("post {i}"), "").await;
    }
    let plans = plans_of(app, "/users?embed=posts").await;
    let posts_read = plans
        .iter()
        .flat_map(|(_, plan)| plan)
        .filter(|step| step.contains("posts_user_id_id (user_id=?"))
        .collect::<Vec<_>>();
    assert!(
        posts_read
            .iter()
            .any(|step| step.contains("(user_id=? AND id<?)")),
        "GET /users?embed=posts reads every post of its users: {plans:#?}"
    );
}

/// Sends `uri` and explains each SELECT it sent: no step may scan one of
/// `tables` from end to end.
async fn assert_no_scan_of(app: &TestApp, uri: &str, tables: &[&str]) {
    for (sql, plan) in plans_of(app, uri).await {
        for table in tables {
            // (`SCAN u` of a subquery `AS u` reads its few rows, not a table.)
            let scan = format!("SCAN {table}");
            assert!(
                !plan.iter().any(|step| step.starts_with(&scan)),
                "GET {uri} reads every row of {table}:\n  {sql}\n{plan:#?}"
            );
        }
    }
}

/// Sends `uri` and explains each SELECT it sent (`EXPLAIN QUERY PLAN`):
/// each statement's SQL with the steps of its plan.
async fn plans_of(app: &TestApp, uri: &str) -> Vec<(String, Vec<String>)> {
    #[derive(diesel::QueryableByName)]
    struct Step {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    let (reply, statements) = sent(app, TestRequest::get().uri(uri)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let mut conn = app.db.connection();
    let mut plans = Vec::new();
    for statement in statements.iter().filter(|s| s.kind() == "SELECT") {
        let plan: Vec<Step> = diesel::RunQueryDsl::load(
            diesel::sql_query(format!("EXPLAIN QUERY PLAN {}", statement.sql)),
            &mut conn,
        )
        .expect("explain the statement");
        let plan = plan.into_iter().map(|step| step.detail).collect();
        plans.push((statement.sql.clone(), plan));
    }
    plans
}
