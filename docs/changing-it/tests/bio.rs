//! A bio set, read and cleared with PATCH, and `GET /users/named/{name}`,
//! tested through each pattern's app as a client sees it: the app factory
//! over a database of the test's own, and requests built by hand. The three
//! patterns must answer alike, byte for byte.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use conformance::{Backend, TestDb};

/// A request with a JSON body.
fn json(request: TestRequest, body: impl Into<String>) -> TestRequest {
    request
        .insert_header(("content-type", "application/json"))
        .set_payload(body.into())
}

/// Sends `request` to `app`: the status and the body, as text.
macro_rules! send {
    ($app:expr, $request:expr) => {{
        let response = test::call_service($app, $request.to_request()).await;
        let status = response.status();
        let body = test::read_body(response).await;
        (status, String::from_utf8_lossy(&body).into_owned())
    }};
}

/// What one pattern answers to: a create, a bio set, a find by name, the
/// bio cleared, a bio too long, and a name nobody has.
macro_rules! answers_of {
    ($app:path, $db:expr) => {{
        let app = test::init_service($app($db.pool.clone())).await;
        let ada = r#"{"name":"ada","email":"ada@example.com"}"#;
        let bio = r#"{"bio":"wrote the first program"}"#;
        let too_long = format!(r#"{{"bio":"{}"}}"#, "é".repeat(161));
        vec![
            send!(&app, json(TestRequest::post().uri("/users"), ada)),
            send!(&app, json(TestRequest::patch().uri("/users/1"), bio)),
            send!(&app, TestRequest::get().uri("/users/named/ada")),
            send!(
                &app,
                json(TestRequest::patch().uri("/users/1"), r#"{"bio":null}"#)
            ),
            send!(&app, json(TestRequest::patch().uri("/users/1"), too_long)),
            send!(&app, TestRequest::get().uri("/users/named/nobody")),
        ]
    }};
}

async fn a_bio_is_set_found_and_cleared_alike_in_every_pattern(backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return;
    };
    let declarative = answers_of!(declarative::app, db);
    let user = r#"{"id":1,"name":"ada","email":"ada@example.com"}"#;
    let with_bio =
        r#"{"id":1,"name":"ada","email":"ada@example.com","bio":"wrote the first program"}"#;
    let expected = [
        // Without a bio, the answer is what it was before the column existed.
        (StatusCode::CREATED, user),
        (StatusCode::OK, with_bio),
        (StatusCode::OK, with_bio),
        // Cleared: gone from the answer again.
        (StatusCode::OK, user),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"error":"bio must be at most 160 characters, got 161"}"#,
        ),
        (
            StatusCode::NOT_FOUND,
            r#"{"error":"no user with that name"}"#,
        ),
    ];
    let expected: Vec<(StatusCode, String)> =
        expected.iter().map(|(s, b)| (*s, b.to_string())).collect();
    assert_eq!(declarative, expected);

    // The same requests, on a database of their own, for each other pattern.
    for (pattern, answers) in [
        ("manual-mapping", {
            let db = TestDb::on(backend).expect("a database");
            answers_of!(manual_mapping::app, db)
        }),
        ("sql-abstraction", {
            let db = TestDb::on(backend).expect("a database");
            answers_of!(sql_abstraction::app, db)
        }),
    ] {
        assert_eq!(answers, expected, "{pattern} answers otherwise");
    }
}

#[actix_web::test]
async fn a_bio_is_set_found_and_cleared_alike_in_every_pattern_on_sqlite() {
    a_bio_is_set_found_and_cleared_alike_in_every_pattern(Backend::Sqlite).await;
}

conformance::postgres_tests! {
    #[actix_web::test]
    async fn a_bio_is_set_found_and_cleared_alike_in_every_pattern_on_postgres() {
        a_bio_is_set_found_and_cleared_alike_in_every_pattern(Backend::Postgres).await;
    }
}
