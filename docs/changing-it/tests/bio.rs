//! A bio set with PATCH, and `GET /users/named/{name}`, tested through the
//! app as a client sees it: the app factory over a database of the test's
//! own, and requests built by hand.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use conformance::{Backend, TestDb};
use shared::models::User;

/// A request with a JSON body.
fn json(request: TestRequest, body: impl Into<String>) -> TestRequest {
    request
        .insert_header(("content-type", "application/json"))
        .set_payload(body.into())
}

async fn a_bio_set_with_patch_is_found_by_name(backend: Backend) {
    // Arrange: the app over a new, migrated database, and one user.
    let Some(db) = TestDb::on(backend) else {
        return;
    };
    let app = test::init_service(declarative::app(db.pool.clone())).await;
    let create = json(
        TestRequest::post().uri("/users"),
        r#"{"name":"ada","email":"ada@example.com"}"#,
    );
    let created = test::call_service(&app, create.to_request()).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    // Without a bio, the answer is what it was before the column existed.
    let body = test::read_body(created).await;
    assert_eq!(body, r#"{"id":1,"name":"ada","email":"ada@example.com"}"#);

    // Act: give her a bio, then ask for her by name.
    let patch = json(
        TestRequest::patch().uri("/users/1"),
        r#"{"bio":"wrote the first program"}"#,
    );
    let patched = test::call_service(&app, patch.to_request()).await;
    let find = TestRequest::get().uri("/users/named/ada");
    let found: User = test::call_and_read_body_json(&app, find.to_request()).await;

    // Assert
    assert_eq!(patched.status(), StatusCode::OK);
    assert_eq!(found.bio.as_deref(), Some("wrote the first program"));
}

#[actix_web::test]
async fn a_bio_set_with_patch_is_found_by_name_on_sqlite() {
    a_bio_set_with_patch_is_found_by_name(Backend::Sqlite).await;
}

conformance::postgres_tests! {
    #[actix_web::test]
    async fn a_bio_set_with_patch_is_found_by_name_on_postgres() {
        a_bio_set_with_patch_is_found_by_name(Backend::Postgres).await;
    }
}

#[actix_web::test]
async fn a_bio_longer_than_160_characters_is_refused() {
    let db = TestDb::sqlite();
    let app = test::init_service(declarative::app(db.pool.clone())).await;
    let create = json(
        TestRequest::post().uri("/users"),
        r#"{"name":"ada","email":"ada@example.com"}"#,
    );
    test::call_service(&app, create.to_request()).await;

    let bio = "é".repeat(161);
    let patch = json(
        TestRequest::patch().uri("/users/1"),
        format!(r#"{{"bio":"{bio}"}}"#),
    );
    let response = test::call_service(&app, patch.to_request()).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn an_unknown_name_is_not_found() {
    let db = TestDb::sqlite();
    let app = test::init_service(declarative::app(db.pool.clone())).await;

    let find = TestRequest::get().uri("/users/named/nobody");
    let response = test::call_service(&app, find.to_request()).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = test::read_body(response).await;
    assert_eq!(body, r#"{"error":"no user with that name"}"#);
}
