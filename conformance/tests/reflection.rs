//! One database, a column added to `users` by hand, three patterns: the
//! SQL-abstraction pattern, which reads the table's columns from the
//! catalog as it starts, serves the new column once it starts again, with
//! no code change; the two others keep serving the shape their code names.
//!
//! Each "start" here is a new app from the pattern's app factory, which
//! opens the store as `main` does when the server starts.

use actix_web::test::{self, TestRequest};
use conformance::{Backend, TestDb};
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};
use shared::http::AppService;

/// `GET uri` on a freshly started `app`: the JSON it answers.
async fn get<T: AppService>(app: actix_web::App<T>, uri: &str) -> Value {
    let service = test::init_service(app).await;
    test::call_and_read_body_json(&service, TestRequest::get().uri(uri).to_request()).await
}

async fn a_column_added_by_hand_shows_up_after_a_restart(backend: Backend) {
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

    // The app that was running keeps the columns it found when it started.
    let still: Value =
        test::call_and_read_body_json(&before, TestRequest::get().uri("/users/1").to_request())
            .await;
    assert_eq!(still, ada);

    // Started again, it serves the table as the database has it now.
    let with_nickname = json!({
        "id": 1, "name": "ada", "email": "ada@example.com", "nickname": "Countess"
    });
    let restarted = || sql_abstraction::app(db.pool.clone());
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
async fn a_column_added_by_hand_shows_up_after_a_restart_on_sqlite() {
    a_column_added_by_hand_shows_up_after_a_restart(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_column_added_by_hand_shows_up_after_a_restart_on_postgres() {
    a_column_added_by_hand_shows_up_after_a_restart(Backend::Postgres).await;
}
