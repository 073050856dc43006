//! `/users` and `/users/{id}`: what each answers, and what it refuses.

use serde_json::{Value, json};

use super::spawn_app;

#[test]
fn a_created_user_is_answered_201_with_its_location_and_reads_back_the_same() {
    let app = spawn_app();

    let created = app.post("/users", r#"{"name":"ada","email":"ada@example.com"}"#);

    assert_eq!(created.status, 201, "{}", created.text());
    let user = created.json();
    assert_eq!(
        (&user["name"], &user["email"]),
        (&json!("ada"), &json!("ada@example.com"))
    );
    let location = created.header("location").expect("a Location header");
    assert_eq!(location, format!("/users/{}", user["id"]));
    let read = app.get(location);
    assert_eq!(read.status, 200);
    assert_eq!(read.json(), user);
}

#[test]
fn users_are_listed_by_ascending_id_and_filtered_by_exact_name() {
    let app = spawn_app();
    for name in ["ada", "grace", "Ada"] {
        let body = json!({ "name": name, "email": format!("{name}@example.com") });
        assert_eq!(app.post("/users", &body.to_string()).status, 201);
    }

    let all = app.get("/users").json();
    let names: Vec<&Value> = all
        .as_array()
        .expect("a list")
        .iter()
        .map(|u| &u["name"])
        .collect();
    assert_eq!(names, [&json!("ada"), &json!("grace"), &json!("Ada")]);
    let ada = app.get("/users?name=ada").json();
    assert_eq!(ada.as_array().map(Vec::len), Some(1));
    assert_eq!(ada[0]["name"], "ada");
}

#[test]
fn an_unknown_user_is_a_404_and_an_id_that_is_not_one_a_400() {
    let app = spawn_app();

    let unknown = app.get("/users/999999");
    assert_eq!(unknown.status, 404);
    assert!(unknown.is_json_error(), "{}", unknown.text());
    for bad in ["abc", "0", "-1", "1.5", "9223372036854775808"] {
        let reply = app.get(&format!("/users/{bad}"));
        assert_eq!(reply.status, 400, "/users/{bad}: {}", reply.text());
        assert!(reply.is_json_error());
    }
}

#[test]
fn invalid_values_are_unprocessable_and_write_nothing() {
    let app = spawn_app();
    let too_long = "n".repeat(51);
    for body in [
        json!({ "name": "", "email": "a@example.com" }),
        json!({ "name": "   ", "email": "a@example.com" }),
        json!({ "name": too_long, "email": "a@example.com" }),
        json!({ "name": "ada", "email": "no-at-sign" }),
        json!({ "name": "a\u{0}da", "email": "a@example.com" }),
    ] {
        let reply = app.post("/users", &body.to_string());
        assert_eq!(reply.status, 422, "{body}: {}", reply.text());
        assert!(reply.is_json_error());
    }
    // A name is counted in characters, not bytes: 50 of `é` is 100 bytes.
    let fifty = json!({ "name": "é".repeat(50), "email": "e@example.com" });
    assert_eq!(app.post("/users", &fifty.to_string()).status, 201);
    assert_eq!(app.get("/users").json().as_array().map(Vec::len), Some(1));
}

#[test]
fn a_body_that_is_not_the_json_expected_is_refused_before_the_database() {
    let app = spawn_app();
    for body in [
        "{",
        "[]",
        r#"{"name":"ada"}"#,
        r#"{"name":1,"email":"a@b"}"#,
    ] {
        let reply = app.post("/users", body);
        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        assert!(reply.is_json_error());
    }
    let unknown_field = r#"{"name":"ada","email":"a@b.c","admin":true}"#;
    assert_eq!(app.post("/users", unknown_field).status, 400);
    let text = app.request("POST", "/users", &[("Content-Type", "text/plain")], None);
    assert_eq!(text.status, 415);
    let huge = json!({ "name": "ada", "email": "a@b.c", "x": "y".repeat(20_000) });
    assert_eq!(app.post("/users", &huge.to_string()).status, 413);
}

#[test]
fn a_taken_name_or_email_is_a_conflict() {
    let app = spawn_app();
    app.post("/users", r#"{"name":"ada","email":"ada@example.com"}"#);

    let same_name = app.post("/users", r#"{"name":"ada","email":"other@example.com"}"#);
    let same_email = app.post("/users", r#"{"name":"other","email":"ada@example.com"}"#);

    assert_eq!(same_name.status, 409);
    assert!(
        same_name.json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains("name")
    );
    assert_eq!(same_email.status, 409);
    assert!(
        same_email.json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains("email")
    );
}

#[test]
fn patching_changes_only_the_fields_sent() {
    let app = spawn_app();
    let ada = app
        .post("/users", r#"{"name":"ada","email":"ada@example.com"}"#)
        .json();
    let path = format!("/users/{}", ada["id"]);

    let patched = app.patch(&path, r#"{"email":"ada@example.org"}"#);

    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["name"], "ada");
    assert_eq!(patched.json()["email"], "ada@example.org");
    assert_eq!(app.get(&path).json(), patched.json());
    assert_eq!(app.patch(&path, "{}").json(), patched.json());
    assert_eq!(app.patch(&path, r#"{"name":null}"#).status, 400);
    assert_eq!(app.patch("/users/999999", r#"{"name":"x"}"#).status, 404);
}

#[test]
fn a_deleted_user_is_gone() {
    let app = spawn_app();
    let ada = app
        .post("/users", r#"{"name":"ada","email":"ada@example.com"}"#)
        .json();
    let path = format!("/users/{}", ada["id"]);

    let deleted = app.delete(&path);

    assert_eq!(deleted.status, 204);
    assert_eq!(app.get(&path).status, 404);
    assert_eq!(app.delete(&path).status, 404);
}

#[test]
fn an_unknown_route_is_a_json_404_and_a_wrong_method_a_405_with_allow() {
    let app = spawn_app();

    let unknown = app.get("/nothing/here");
    let wrong = app.request("PUT", "/users/1", &[], Some("{}"));

    assert_eq!(unknown.status, 404);
    assert!(unknown.is_json_error());
    assert_eq!(wrong.status, 405);
    assert!(wrong.is_json_error());
    assert_eq!(wrong.header("allow"), Some("GET, HEAD, PATCH, DELETE"));
}

#[test]
fn every_get_route_answers_head_with_the_same_status_and_headers_and_no_body() {
    let app = spawn_app();
    let ada = app.post("/users", r#"{"name":"ada","email":"ada@example.com"}"#);
    let user = format!("/users/{}", ada.json()["id"]);
    let post = app.post(&format!("{user}/posts"), r#"{"title":"Hi","body":""}"#);
    let post = format!("/posts/{}", post.json()["id"]);

    for path in [
        "/users?per_page=1",
        &user,
        &format!("{user}/posts"),
        "/posts",
        &post,
        "/users/999999",
        "/openapi.json",
    ] {
        let get = app.get(path);
        let head = app.request("HEAD", path, &[], None);

        assert_eq!(head.status, get.status, "HEAD {path}");
        for header in ["content-type", "content-length", "link"] {
            assert_eq!(
                head.header(header),
                get.header(header),
                "HEAD {path}: {header}"
            );
        }
        assert!(
            head.body.is_empty(),
            "HEAD {path} sent a body: {}",
            head.text()
        );
    }
}

#[test]
fn the_openapi_document_describes_every_route() {
    let app = spawn_app();

    let document = app.get("/openapi.json").json();

    for (path, methods) in [
        ("/users", &["get", "post"][..]),
        ("/users/{id}", &["get", "patch", "delete"]),
        ("/users/{id}/posts", &["get", "post"]),
        ("/posts", &["get"]),
        ("/posts/{id}", &["get", "delete"]),
    ] {
        for method in methods {
            let operation = &document["paths"][path][method];
            assert!(operation["responses"].is_object(), "{method} {path}");
        }
    }
}
