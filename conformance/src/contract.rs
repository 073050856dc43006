//! The HTTP contract of DESIGN.md, one behaviour per case. Every pattern
//! runs every case, on SQLite and on PostgreSQL.

use actix_web::http::{StatusCode, header};
use actix_web::test::TestRequest;
use diesel::connection::SimpleConnection;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::app::{Reply, TestApp};
use crate::db::Backend;

/// Fails unless `reply` is a JSON error `{"error": "…"}` with `status`.
pub(crate) fn assert_json_error(reply: &Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert!(
        !reply.error().is_empty(),
        "a {status} needs a JSON body {{\"error\": \"…\"}}, got {reply:?}"
    );
    assert_eq!(reply.header(header::CONTENT_TYPE), "application/json");
}

fn names(reply: &Reply) -> Vec<String> {
    let users = reply.body.as_array().expect("a JSON array of users");
    users
        .iter()
        .map(|u| u["name"].as_str().expect("a name").to_owned())
        .collect()
}

// ---- GET /users ------------------------------------------------------------

/// A new database has no users.
pub async fn an_empty_database_lists_no_users(app: &TestApp) {
    let reply = app.get("/users").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!([]));
}

/// Users come back in ascending id order, whole.
pub async fn users_are_listed_by_ascending_id(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let bob = app.create_user("bob", "bob@example.com").await;
    let reply = app.get("/users").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!([ada, bob]));
}

/// `name` filters by exact name: no prefix, no pattern, case matters.
pub async fn name_filters_by_exact_name(app: &TestApp) {
    app.create_user("ada", "ada@example.com").await;
    app.create_user("adam", "adam@example.com").await;
    app.create_user("Ada", "ada2@example.com").await;
    assert_eq!(names(&app.get("/users?name=ada").await), ["ada"]);
    assert_eq!(
        names(&app.get("/users?name=ad%25").await),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&app.get("/users?name=nobody").await),
        Vec::<String>::new()
    );
}

/// Twenty per page by default; `page` and `per_page` walk the list.
pub async fn pages_split_the_list(app: &TestApp) {
    for i in 0..25 {
        app.create_user(&format!("user{i:02}"), &format!("u{i}@example.com"))
            .await;
    }
    assert_eq!(names(&app.get("/users").await).len(), 20);
    let second = names(&app.get("/users?page=2").await);
    assert_eq!(second, ["user20", "user21", "user22", "user23", "user24"]);
    let third_of_ten = names(&app.get("/users?page=3&per_page=10").await);
    assert_eq!(third_of_ten.len(), 5);
    assert_eq!(third_of_ten[0], "user20");
    assert_eq!(names(&app.get("/users?page=9").await), Vec::<String>::new());
    assert_eq!(names(&app.get("/users?per_page=100").await).len(), 25);
}

/// A page or page size out of range, or not a number, is a 400.
pub async fn bad_paging_parameters_are_rejected(app: &TestApp) {
    for query in [
        "page=0",
        "page=-1",
        "page=abc",
        "page=1.5",
        "page=",
        "per_page=0",
        "per_page=101",
        "per_page=x",
        "page=99999999999999999999",
        "page=9223372036854775807&per_page=100",
    ] {
        let reply = app.get(&format!("/users?{query}")).await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
        let param = query.split('=').next().unwrap_or_default();
        assert!(reply.error().contains(param), "{query}: {reply:?}");
    }
}

/// Pages end at page 100 whatever `per_page` is (a list reaches its
/// 10,000th row and no further): page 100 is served, page 101 and any
/// huge page are a 400 that says the range. (Past a bound, `OFFSET` would
/// make the database step over rows without limit.)
pub async fn pages_end_at_page_one_hundred(app: &TestApp) {
    for query in ["page=100&per_page=100", "page=100&per_page=1"] {
        let reply = app.get(&format!("/users?{query}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {reply:?}");
        assert_eq!(reply.body, json!([]), "{query}");
    }
    for query in [
        "page=101&per_page=100",
        "page=101&per_page=1",
        "page=4611686018427387904&per_page=1",
        "page=4611686018427387904&per_page=2",
    ] {
        let reply = app.get(&format!("/users?{query}")).await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
        assert!(
            reply.error().contains("from 1 to 100"),
            "{query}: {reply:?}"
        );
    }
}

// ---- GET /users/{id} -------------------------------------------------------

/// A user is found by its id.
pub async fn a_user_is_found_by_id(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let reply = app.get(&format!("/users/{}", ada["id"])).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, ada);
}

/// An id with no user is a 404 that names the id.
pub async fn an_unknown_id_is_not_found(app: &TestApp) {
    for id in ["999", "2147483648", "9223372036854775807"] {
        let reply = app.get(&format!("/users/{id}")).await;
        assert_json_error(&reply, StatusCode::NOT_FOUND);
    }
    assert!(app.get("/users/999").await.error().contains("999"));
}

/// An id that is not a whole number from 1 to 9223372036854775807 is a 400, on
/// every route that takes one, and the message says what an id is.
pub async fn a_non_numeric_id_is_a_bad_request(app: &TestApp) {
    for id in [
        "abc",
        "1.5",
        "9223372036854775808",
        "99999999999999999999",
        "1e3",
        "0",
        "-5",
    ] {
        for uri in [
            format!("/users/{id}"),
            format!("/users/{id}/posts"),
            format!("/posts/{id}"),
        ] {
            let reply = app.get(&uri).await;
            assert_json_error(&reply, StatusCode::BAD_REQUEST);
            assert!(reply.error().contains("from 1 to"), "{uri}: {reply:?}");
        }
    }
}

// ---- POST /users -----------------------------------------------------------

/// 201 with the stored user and its address in `Location`.
pub async fn creating_a_user_answers_201_with_location(app: &TestApp) {
    let reply = app
        .post_json("/users", json!({"name": "ada", "email": "ada@example.com"}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.body["id"].as_i64().expect("an integer id");
    assert_eq!(
        reply.body,
        json!({"id": id, "name": "ada", "email": "ada@example.com"})
    );
    assert_eq!(reply.header(header::LOCATION), format!("/users/{id}"));
    assert_eq!(app.get(&format!("/users/{id}")).await.body, reply.body);
}

/// A name of 50 accented characters (100 bytes) fits; 51 does not.
pub async fn names_are_limited_in_characters_not_bytes(app: &TestApp) {
    let fifty = "é".repeat(50);
    let created = app.create_user(&fifty, "e@example.com").await;
    assert_eq!(created["name"], json!(fifty));
    let reply = app
        .post_json(
            "/users",
            json!({"name": "é".repeat(51), "email": "f@example.com"}),
        )
        .await;
    assert_json_error(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.error().contains("name"), "{reply:?}");
}

/// Unicode of every width is stored and read back unchanged.
pub async fn unicode_round_trips(app: &TestApp) {
    let name = "Zoë 🦀 漢字 ق";
    let created = app.create_user(name, "zoë@exämple.com").await;
    let reply = app.get(&format!("/users/{}", created["id"])).await;
    assert_eq!(reply.body["name"], json!(name));
    assert_eq!(reply.body["email"], json!("zoë@exämple.com"));
    assert_eq!(
        names(
            &app.get("/users?name=Zo%C3%AB%20%F0%9F%A6%80%20%E6%BC%A2%E5%AD%97%20%D9%82")
                .await
        ),
        [name]
    );
}

/// Values that break the model's rules are a 422 naming the field.
pub async fn invalid_values_are_unprocessable(app: &TestApp) {
    let long_email = format!("{}@example.com", "a".repeat(109));
    for (body, field) in [
        (json!({"name": "", "email": "a@example.com"}), "name"),
        (json!({"name": "   ", "email": "a@example.com"}), "name"),
        (
            json!({"name": "a".repeat(51), "email": "a@example.com"}),
            "name",
        ),
        (json!({"name": "a\u{0}b", "email": "a@example.com"}), "name"),
        (json!({"name": "ada", "email": "no-at-sign"}), "email"),
        (json!({"name": "ada", "email": "@example.com"}), "email"),
        (json!({"name": "ada", "email": "ada@"}), "email"),
        (json!({"name": "ada", "email": "a@b@c"}), "email"),
        (json!({"name": "ada", "email": "a@"}), "email"),
        (json!({"name": "ada", "email": long_email}), "email"),
        (
            json!({"name": "ada", "email": "a\u{0}@example.com"}),
            "email",
        ),
    ] {
        let reply = app.post_json("/users", body.clone()).await;
        assert_json_error(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.error().contains(field), "{body}: {reply:?}");
    }
    assert_eq!(app.db.count_users(), 0);
}

/// The longest valid email (120 characters) is accepted.
pub async fn an_email_of_120_characters_is_accepted(app: &TestApp) {
    let email = format!("{}@example.com", "a".repeat(108));
    assert_eq!(email.chars().count(), 120);
    app.create_user("ada", &email).await;
}

/// Malformed JSON, a missing, mistyped or unknown field: a 400 saying why.
pub async fn malformed_bodies_are_bad_requests(app: &TestApp) {
    for body in [
        "{",
        "not json",
        "",
        "[]",
        "null",
        r#"{"name": "ada"}"#,
        r#"{"email": "ada@example.com"}"#,
        r#"{"name": 42, "email": "ada@example.com"}"#,
        r#"{"name": null, "email": "ada@example.com"}"#,
        r#"{"name": "ada", "email": "ada@example.com", "admin": true}"#,
    ] {
        let reply = app
            .send(
                TestRequest::post()
                    .uri("/users")
                    .insert_header((header::CONTENT_TYPE, "application/json"))
                    .set_payload(body),
            )
            .await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
    }
    assert_eq!(app.db.count_users(), 0);
}

/// A body that is not declared as JSON is a 415.
pub async fn a_body_that_is_not_json_is_unsupported(app: &TestApp) {
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut req = TestRequest::post()
            .uri("/users")
            .set_payload(r#"{"name": "ada", "email": "ada@example.com"}"#);
        if let Some(content_type) = content_type {
            req = req.insert_header((header::CONTENT_TYPE, content_type));
        }
        let reply = app.send(req).await;
        assert_json_error(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}

/// A body over the limit is a 413, and nothing is stored.
pub async fn a_body_too_large_is_refused(app: &TestApp) {
    let huge = json!({"name": "a".repeat(100_000), "email": "ada@example.com"});
    let reply = app.post_json("/users", huge).await;
    assert_json_error(&reply, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.db.count_users(), 0);
}

/// A taken name is a 409 that says it is the name.
pub async fn a_duplicate_name_is_a_conflict(app: &TestApp) {
    app.create_user("ada", "ada@example.com").await;
    let reply = app
        .post_json(
            "/users",
            json!({"name": "ada", "email": "other@example.com"}),
        )
        .await;
    assert_json_error(&reply, StatusCode::CONFLICT);
    assert!(reply.error().contains("name"), "{reply:?}");
    assert_eq!(app.db.count_users(), 1);
}

/// A taken email is a 409 that says it is the email.
pub async fn a_duplicate_email_is_a_conflict(app: &TestApp) {
    app.create_user("ada", "ada@example.com").await;
    let reply = app
        .post_json(
            "/users",
            json!({"name": "other", "email": "ada@example.com"}),
        )
        .await;
    assert_json_error(&reply, StatusCode::CONFLICT);
    assert!(reply.error().contains("email"), "{reply:?}");
}

/// 64 creates at once all succeed, and the table holds exactly 64 rows.
pub async fn concurrent_creates_all_succeed(app: &TestApp) {
    let replies = join_all((0..64).map(|i| {
        app.post_json(
            "/users",
            json!({"name": format!("user{i}"), "email": format!("user{i}@example.com")}),
        )
    }))
    .await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    }
    let mut ids: Vec<i64> = replies
        .iter()
        .filter_map(|r| r.body["id"].as_i64())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 64, "every user gets an id of its own");
    assert_eq!(app.db.count_users(), 64);
}

/// Sixteen creates racing for one name: exactly one wins, the rest get 409.
pub async fn racing_duplicate_creates_have_one_winner(app: &TestApp) {
    let replies = join_all((0..16).map(|i| {
        app.post_json(
            "/users",
            json!({"name": "contested", "email": format!("racer{i}@example.com")}),
        )
    }))
    .await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let conflicts = replies
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 15), "{replies:?}");
    assert_eq!(app.db.count_users(), 1);
}

// ---- PATCH /users/{id} -----------------------------------------------------

/// Only the fields sent change.
pub async fn patching_changes_only_the_fields_sent(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let uri = format!("/users/{}", ada["id"]);
    let reply = app.patch_json(&uri, json!({"name": "ada lovelace"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.body,
        json!({"id": ada["id"], "name": "ada lovelace", "email": "ada@example.com"})
    );
    let reply = app
        .patch_json(&uri, json!({"email": "ada@lovelace.org"}))
        .await;
    assert_eq!(reply.body["email"], json!("ada@lovelace.org"));
    assert_eq!(reply.body["name"], json!("ada lovelace"));
    assert_eq!(app.get(&uri).await.body, reply.body);
}

/// An empty patch changes nothing and answers with the user.
pub async fn an_empty_patch_changes_nothing(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let reply = app
        .patch_json(&format!("/users/{}", ada["id"]), json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, ada);
}

/// Patching a user that does not exist is a 404.
pub async fn patching_an_unknown_user_is_not_found(app: &TestApp) {
    let reply = app.patch_json("/users/999", json!({"name": "x"})).await;
    assert_json_error(&reply, StatusCode::NOT_FOUND);
    let reply = app.patch_json("/users/999", json!({})).await;
    assert_json_error(&reply, StatusCode::NOT_FOUND);
}

/// Taking another user's name or email by PATCH is a 409; nothing changes.
pub async fn patching_to_a_taken_value_is_a_conflict(app: &TestApp) {
    app.create_user("ada", "ada@example.com").await;
    let bob = app.create_user("bob", "bob@example.com").await;
    let uri = format!("/users/{}", bob["id"]);
    let reply = app.patch_json(&uri, json!({"name": "ada"})).await;
    assert_json_error(&reply, StatusCode::CONFLICT);
    assert!(reply.error().contains("name"));
    let reply = app
        .patch_json(&uri, json!({"email": "ada@example.com"}))
        .await;
    assert_json_error(&reply, StatusCode::CONFLICT);
    assert!(reply.error().contains("email"));
    assert_eq!(app.get(&uri).await.body, bob);
}

/// Invalid values in a PATCH are a 422; malformed ones a 400.
pub async fn bad_patches_are_refused(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let uri = format!("/users/{}", ada["id"]);
    for body in [
        json!({"name": ""}),
        json!({"email": "nope"}),
        json!({"name": "a".repeat(51)}),
    ] {
        assert_json_error(
            &app.patch_json(&uri, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    for body in [
        json!({"name": null}),
        json!({"name": 1}),
        json!({"nmae": "typo"}),
        json!([]),
    ] {
        assert_json_error(&app.patch_json(&uri, body).await, StatusCode::BAD_REQUEST);
    }
    let reply = app.patch_json("/users/abc", json!({"name": "x"})).await;
    assert_json_error(&reply, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&uri).await.body, ada);
}

// ---- DELETE /users/{id} ----------------------------------------------------

/// A deleted user is gone, and its id is not reused.
pub async fn deleting_a_user_answers_204_and_it_is_gone(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let uri = format!("/users/{}", ada["id"]);
    let reply = app.delete(&uri).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, Value::Null);
    assert_json_error(&app.get(&uri).await, StatusCode::NOT_FOUND);
    assert_json_error(&app.delete(&uri).await, StatusCode::NOT_FOUND);
    let again = app.create_user("ada", "ada@example.com").await;
    assert_ne!(again["id"], ada["id"]);
}

/// Deleting an id with no user is a 404.
pub async fn deleting_an_unknown_user_is_not_found(app: &TestApp) {
    assert_json_error(&app.delete("/users/999").await, StatusCode::NOT_FOUND);
    assert_json_error(&app.delete("/users/abc").await, StatusCode::BAD_REQUEST);
}

// ---- what the framework answers itself -------------------------------------

/// An unknown route is a JSON 404.
pub async fn an_unknown_route_is_a_json_404(app: &TestApp) {
    for uri in ["/", "/nope", "/users/1/friends", "/users/"] {
        assert_json_error(&app.get(uri).await, StatusCode::NOT_FOUND);
    }
}

/// A method a route does not serve is a JSON 405 with `Allow`.
pub async fn a_wrong_method_is_a_json_405(app: &TestApp) {
    let reply = app.send(TestRequest::put().uri("/users")).await;
    assert_json_error(&reply, StatusCode::METHOD_NOT_ALLOWED);
    assert!(reply.header(header::ALLOW).contains("POST"), "{reply:?}");
    let reply = app.send(TestRequest::post().uri("/users/1")).await;
    assert_json_error(&reply, StatusCode::METHOD_NOT_ALLOWED);
    assert!(reply.header(header::ALLOW).contains("PATCH"), "{reply:?}");
}

// ---- values that look like SQL -------------------------------------------

/// Quotes, `;`, `--`, `%`, `_`, backslashes and unicode are data: they go
/// through every route and come back unchanged, and change no statement.
pub async fn text_that_looks_like_sql_round_trips_through_every_route(app: &TestApp) {
    let hostile = [
        ("Robert'); DROP TABLE users;--", "bobby'--@tables.example"),
        ("100% _sure_", "%_@%_"),
        ("\"double\" 'single' `back`", "q\"u'o`te@example.com"),
        ("back\\slash \\x00 $1 ?", "a\\b@example.com"),
        ("Ünïcödé 🦀 — ☃", "ü@exämple.com"),
    ];
    app.create_user("bystander", "bystander@example.com").await;
    for (name, email) in hostile {
        let created = app.create_user(name, email).await;
        assert_eq!(
            (created["name"].as_str(), created["email"].as_str()),
            (Some(name), Some(email))
        );
        let uri = format!("/users/{}", created["id"]);
        assert_eq!(app.get(&uri).await.body, created);

        let by_name = app
            .get(&format!("/users?name={}", percent_encode(name)))
            .await;
        assert_eq!(by_name.body, json!([created]), "exact match for {name:?}");

        let renamed = format!("{name} (renamed)");
        let reply = app.patch_json(&uri, json!({ "name": renamed })).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["name"], json!(renamed));
        assert_eq!(reply.body["email"], json!(email));

        assert_eq!(app.delete(&uri).await.status, StatusCode::NO_CONTENT);
    }
    // `%` and `_` are not patterns: they match only themselves.
    assert_eq!(app.get("/users?name=%25").await.body, json!([]));
    assert_eq!(app.get("/users?name=_").await.body, json!([]));
    // The table and the bystander are still there.
    assert_eq!(names(&app.get("/users").await), ["bystander"]);
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---- 64-bit ids ------------------------------------------------------------

/// Ids are 64-bit: once 2147483647 is taken, the next user gets
/// 2147483648, a post of it a `Location` that reads back, and the page of
/// users that ends on it a `Link` that leads on.
pub async fn ids_go_past_32_bits(app: &TestApp) {
    let edge = i64::from(i32::MAX);
    let mut conn = app.db.connection();
    conn.batch_execute(&format!(
        "INSERT INTO users (id, name, email) VALUES ({edge}, 'edge', 'edge@example.com')"
    ))
    .expect("a user with the last 32-bit id");
    if app.db.backend == Backend::Postgres {
        conn.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), {edge})"
        ))
        .expect("the sequence past it");
    }

    let created = app
        .post_json(
            "/users",
            json!({"name": "past", "email": "past@example.com"}),
        )
        .await;

    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.body["id"], json!(edge + 1));
    let location = created.header(header::LOCATION).to_owned();
    assert_eq!(location, format!("/users/{}", edge + 1));
    assert_eq!(app.get(&location).await.body, created.body);
    let post = app
        .post_json(
            &format!("{location}/posts"),
            json!({"title": "far", "body": ""}),
        )
        .await;
    assert_eq!(post.status, StatusCode::CREATED, "{post:?}");
    let post_location = post.header(header::LOCATION).to_owned();
    assert_eq!(
        app.get(&post_location).await.body["user_id"],
        json!(edge + 1)
    );
    let page = app.get(&format!("/users?after={edge}&per_page=1")).await;
    assert_eq!(page.body, json!([created.body]));
    let next = page.header(header::LINK).to_owned();
    let next = next
        .strip_prefix('<')
        .and_then(|link| link.split_once('>'))
        .map(|(uri, _)| uri.to_owned())
        .expect("a Link to the next page");
    assert_eq!(next, format!("/users?after={}&per_page=1", edge + 1));
    let last = app.get(&next).await;
    assert_eq!((last.status, last.body), (StatusCode::OK, json!([])));
}
