//! `Idempotency-Key`: a client that lost the answer to a `POST` sends it
//! again with the same key, and gets the first answer without a second row.

use serde_json::json;

use super::spawn_app;

const ADA: &str = r#"{"name":"ada","email":"ada@example.com"}"#;

#[test]
fn a_repeat_with_the_same_key_gets_the_first_answer_and_writes_nothing() {
    let app = spawn_app();
    let key = [("Idempotency-Key", "7c1f0a2e-retry-me")];

    let first = app.request("POST", "/users", &key, Some(ADA));
    let repeat = app.request("POST", "/users", &key, Some(ADA));

    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(repeat.status, 201, "{}", repeat.text());
    assert_eq!(repeat.json(), first.json());
    assert_eq!(repeat.header("location"), first.header("location"));
    assert_eq!(repeat.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.get("/users").json().as_array().map(Vec::len), Some(1));
}

#[test]
fn a_key_sent_again_with_another_body_is_refused() {
    let app = spawn_app();
    let key = [("Idempotency-Key", "one-request-only")];
    app.request("POST", "/users", &key, Some(ADA));

    let other = json!({ "name": "grace", "email": "grace@example.com" }).to_string();
    let reused = app.request("POST", "/users", &key, Some(&other));

    assert_eq!(reused.status, 422, "{}", reused.text());
    assert_eq!(app.get("/users?name=grace").json(), json!([]));
}

#[test]
fn a_request_that_failed_runs_again_with_its_key() {
    let app = spawn_app();
    let key = [("Idempotency-Key", "try-again-later")];
    let ada = app.post("/users", r#"{"name":"ada","email":"taken@example.com"}"#);
    let taken = r#"{"name":"grace","email":"taken@example.com"}"#;
    assert_eq!(app.request("POST", "/users", &key, Some(taken)).status, 409);

    let ada = ada.header("location").expect("where ada is").to_owned();
    assert_eq!(app.delete(&ada).status, 204);
    let retried = app.request("POST", "/users", &key, Some(taken));

    assert_eq!(retried.status, 201, "{}", retried.text());
}

#[test]
fn a_bad_key_is_a_400() {
    let app = spawn_app();
    let long = "k".repeat(256);
    for key in ["", "has space", long.as_str()] {
        let reply = app.request("POST", "/users", &[("Idempotency-Key", key)], Some(ADA));
        assert_eq!(reply.status, 400, "{key:?}: {}", reply.text());
    }
    assert_eq!(app.get("/users").json(), json!([]));
}
