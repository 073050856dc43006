//! Comments on posts, through each pattern's app as a client sees it: a
//! comment written and listed, the rules of its body, a post that does not
//! exist, and the comments going with their post. The three patterns must
//! answer alike, byte for byte.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use conformance::{Backend, TestDb};

/// A request with a JSON body.
fn json(request: TestRequest, body: &str) -> TestRequest {
    request
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_owned())
}

/// Sends a request to `app`: the status and the body, as text.
macro_rules! send {
    ($app:expr, $request:expr) => {{
        let response = test::call_service($app, $request.to_request()).await;
        let status = response.status();
        let body = test::read_body(response).await;
        (status, String::from_utf8_lossy(&body).into_owned())
    }};
}

/// What one pattern answers to the same requests, on a database of its own.
macro_rules! answers_of {
    ($app:path, $backend:expr) => {{
        let db = TestDb::on($backend).expect("a database");
        let app = test::init_service($app(db.pool.clone())).await;
        let user = r#"{"name":"ada","email":"ada@example.com"}"#;
        let post = r#"{"title":"Hello","body":""}"#;
        vec![
            send!(&app, json(TestRequest::post().uri("/users"), user)),
            send!(&app, json(TestRequest::post().uri("/users/1/posts"), post)),
            send!(
                &app,
                json(
                    TestRequest::post().uri("/posts/1/comments"),
                    r#"{"body":"First!"}"#
                )
            ),
            send!(
                &app,
                json(
                    TestRequest::post().uri("/posts/1/comments"),
                    r#"{"body":"Second."}"#
                )
            ),
            send!(&app, TestRequest::get().uri("/posts/1/comments")),
            send!(
                &app,
                TestRequest::get().uri("/posts/1/comments?per_page=1&page=2")
            ),
            send!(
                &app,
                json(
                    TestRequest::post().uri("/posts/1/comments"),
                    r#"{"body":"  "}"#
                )
            ),
            send!(
                &app,
                json(
                    TestRequest::post().uri("/posts/9/comments"),
                    r#"{"body":"hi"}"#
                )
            ),
            send!(&app, TestRequest::get().uri("/posts/9/comments")),
            send!(&app, TestRequest::delete().uri("/posts/1")),
            send!(&app, TestRequest::get().uri("/posts/1/comments")),
        ]
    }};
}

async fn comments_are_written_listed_and_deleted_with_their_post(backend: Backend) {
    if TestDb::on(backend).is_none() {
        return;
    }
    let expected: Vec<(StatusCode, &str)> = vec![
        // POST /users
        (
            StatusCode::CREATED,
            r#"{"id":1,"name":"ada","email":"ada@example.com"}"#,
        ),
        // POST /users/1/posts
        (
            StatusCode::CREATED,
            r#"{"id":1,"user_id":1,"title":"Hello","body":""}"#,
        ),
        // POST /posts/1/comments
        (
            StatusCode::CREATED,
            r#"{"id":1,"post_id":1,"body":"First!"}"#,
        ),
        // POST /posts/1/comments
        (
            StatusCode::CREATED,
            r#"{"id":2,"post_id":1,"body":"Second."}"#,
        ),
        // GET /posts/1/comments
        (
            StatusCode::OK,
            r#"[{"id":1,"post_id":1,"body":"First!"},{"id":2,"post_id":1,"body":"Second."}]"#,
        ),
        // GET /posts/1/comments?per_page=1&page=2
        (StatusCode::OK, r#"[{"id":2,"post_id":1,"body":"Second."}]"#),
        // POST /posts/1/comments, a blank body
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"error":"body must not be blank"}"#,
        ),
        // POST /posts/9/comments: no such post
        (StatusCode::NOT_FOUND, r#"{"error":"no post with id 9"}"#),
        // GET /posts/9/comments
        (StatusCode::NOT_FOUND, r#"{"error":"no post with id 9"}"#),
        // DELETE /posts/1
        (StatusCode::NO_CONTENT, ""),
        // GET /posts/1/comments: the post, and its comments, gone
        (StatusCode::NOT_FOUND, r#"{"error":"no post with id 1"}"#),
    ];
    let expected: Vec<(StatusCode, String)> = expected
        .into_iter()
        .map(|(s, b)| (s, b.to_owned()))
        .collect();
    for (pattern, answers) in [
        ("declarative", answers_of!(declarative::app, backend)),
        ("manual-mapping", answers_of!(manual_mapping::app, backend)),
        (
            "sql-abstraction",
            answers_of!(sql_abstraction::app, backend),
        ),
    ] {
        assert_eq!(answers, expected, "{pattern}");
    }
}

#[actix_web::test]
async fn comments_are_written_listed_and_deleted_with_their_post_on_sqlite() {
    comments_are_written_listed_and_deleted_with_their_post(Backend::Sqlite).await;
}

conformance::postgres_tests! {
    #[actix_web::test]
    async fn comments_are_written_listed_and_deleted_with_their_post_on_postgres() {
        comments_are_written_listed_and_deleted_with_their_post(Backend::Postgres).await;
    }
}
