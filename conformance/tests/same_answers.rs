//! The three patterns are interchangeable: the same requests, in the same
//! order, get byte-for-byte the same answers (status, the headers a client
//! acts on, and body) from each, on each backend: users, posts, and the
//! answers that join them.

use actix_web::http::header;
use actix_web::test::TestRequest;
use conformance::{Backend, Reply, TestApp, TestDb};
use serde_json::json;

/// A session touching every route and every kind of answer.
fn script() -> Vec<TestRequest> {
    let post = |body: serde_json::Value| TestRequest::post().uri("/users").set_json(body);
    let patch = |uri: &str, body: serde_json::Value| TestRequest::patch().uri(uri).set_json(body);
    let posted = |uri: &str, body: serde_json::Value| TestRequest::post().uri(uri).set_json(body);
    vec![
        TestRequest::get().uri("/users"),
        post(json!({"name": "admin", "email": "admin@localhost"})),
        post(json!({"name": "Zoë 🦀", "email": "zoe@example.com"})),
        post(json!({"name": "admin", "email": "other@localhost"})),
        post(json!({"name": "other", "email": "admin@localhost"})),
        post(json!({"name": "", "email": "x@y"})),
        post(json!({"name": "x", "email": "nope"})),
        post(json!({"name": "x"})),
        TestRequest::post()
            .uri("/users")
            .set_payload("{")
            .insert_header((header::CONTENT_TYPE, "application/json")),
        TestRequest::post().uri("/users").set_payload("{}"),
        TestRequest::get().uri("/users"),
        TestRequest::get().uri("/users?name=admin"),
        TestRequest::get().uri("/users?page=2&per_page=1"),
        TestRequest::get().uri("/users?page=0"),
        TestRequest::get().uri("/users/1"),
        TestRequest::get().uri("/users/999"),
        TestRequest::get().uri("/users/abc"),
        patch("/users/1", json!({"email": "root@localhost"})),
        patch("/users/1", json!({})),
        patch("/users/2", json!({"name": "admin"})),
        patch("/users/999", json!({"name": "ghost"})),
        // Posts, and what joins them to users.
        posted(
            "/users/1/posts",
            json!({"title": "Hello", "body": "first post"}),
        ),
        posted("/users/2/posts", json!({"title": "Zoë's 🦀", "body": ""})),
        posted(
            "/users/1/posts",
            json!({"title": "Again", "body": "second"}),
        ),
        posted("/users/999/posts", json!({"title": "t", "body": "b"})),
        posted("/users/1/posts", json!({"title": " ", "body": ""})),
        posted("/users/1/posts", json!({"title": "t"})),
        TestRequest::get().uri("/posts"),
        TestRequest::get().uri("/posts?page=2&per_page=2"),
        TestRequest::get().uri("/posts/1"),
        TestRequest::get().uri("/posts/999"),
        TestRequest::get().uri("/posts/abc"),
        TestRequest::get().uri("/users/1/posts"),
        TestRequest::get().uri("/users/999/posts"),
        TestRequest::get().uri("/users?embed=posts"),
        TestRequest::get().uri("/users?embed=posts&name=admin"),
        TestRequest::get().uri("/users?embed=nope"),
        post(
            json!({"name": "writer", "email": "w@example.com", "posts": [
                {"title": "one", "body": "1"}, {"title": "two", "body": "2"}
            ]}),
        ),
        post(
            json!({"name": "nobody", "email": "n@example.com", "posts": [
                {"title": "fine", "body": ""}, {"title": "", "body": ""}
            ]}),
        ),
        post(
            json!({"name": "writer", "email": "w2@example.com", "posts": [
                {"title": "never", "body": ""}
            ]}),
        ),
        TestRequest::delete().uri("/posts/1"),
        TestRequest::delete().uri("/posts/1"),
        TestRequest::delete().uri("/users/2"),
        TestRequest::delete().uri("/users/2"),
        TestRequest::put().uri("/users"),
        TestRequest::get().uri("/nowhere"),
        TestRequest::get().uri("/users"),
        TestRequest::get().uri("/users?embed=posts"),
        TestRequest::get().uri("/posts"),
    ]
}

/// What a client sees of one answer, as text to compare.
fn answer(reply: &Reply) -> String {
    format!(
        "{} location={:?} allow={:?} content-type={:?} {}",
        reply.status,
        reply.header(header::LOCATION),
        reply.header(header::ALLOW),
        reply.header(header::CONTENT_TYPE),
        reply.body
    )
}

async fn run_script<T>(app: actix_web::App<T>, db: TestDb) -> Vec<String>
where
    T: web_db::http::AppService,
{
    let app = TestApp::start(app, db).await;
    let mut answers = Vec::new();
    for request in script() {
        answers.push(answer(&app.send(request).await));
    }
    answers
}

async fn all_patterns_answer_alike(backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return conformance::skipped();
    };
    let declarative = run_script(declarative::app(db.pool.clone()), db).await;

    let others = [
        ("manual-mapping", {
            let db = TestDb::on(backend).expect("a second database");
            run_script(manual_mapping::app(db.pool.clone()), db).await
        }),
        ("sql-abstraction", {
            let db = TestDb::on(backend).expect("a third database");
            run_script(sql_abstraction::app(db.pool.clone()), db).await
        }),
    ];
    for (pattern, answers) in others {
        for (step, (expected, actual)) in declarative.iter().zip(&answers).enumerate() {
            assert_eq!(
                actual, expected,
                "{pattern} answers step {step} differently"
            );
        }
    }
}

#[actix_web::test]
async fn all_patterns_answer_alike_on_sqlite() {
    all_patterns_answer_alike(Backend::Sqlite).await;
}

conformance::postgres_tests! {
    #[actix_web::test]
    async fn all_patterns_answer_alike_on_postgres() {
        all_patterns_answer_alike(Backend::Postgres).await;
    }
}
