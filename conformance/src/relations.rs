//! The contract of the second table: posts that belong to users, the joins
//! that read them together, the write across both tables, and the foreign
//! key that holds even under concurrent deletes. One behaviour per case, on
//! SQLite and on PostgreSQL.

use actix_web::http::{StatusCode, header};
use actix_web::test::TestRequest;
use futures_util::future::join_all;
use serde_json::{Value, json};
use shared::post_models::MOST_FIRST_POSTS;

use crate::app::TestApp;
use crate::contract::assert_json_error;

/// The titles of a JSON array of posts, in order.
fn titles(posts: &Value) -> Vec<String> {
    let posts = posts.as_array().expect("a JSON array of posts");
    posts
        .iter()
        .map(|p| p["title"].as_str().expect("a title").to_owned())
        .collect()
}

/// `post` with its author, as `GET /posts` answers it.
fn with_author(post: &Value, author: &Value) -> Value {
    let mut answer = post.clone();
    answer["author"] = author.clone();
    answer
}

/// `user` with its posts, as `GET /users?embed=posts` answers it.
fn with_posts(user: &Value, posts: &[&Value]) -> Value {
    let mut answer = user.clone();
    answer["posts"] = Value::Array(posts.iter().map(|p| (*p).clone()).collect());
    answer
}

// ---- POST /users/{id}/posts, GET /posts/{id} -------------------------------

/// 201 with the stored post and its address; read back, it has its author.
pub async fn a_post_is_created_with_location_and_read_with_its_author(app: &TestApp) {
    app.create_user("bystander", "by@example.com").await;
    let ada = app.create_user("ada", "ada@example.com").await;
    let reply = app
        .post_json(
            &format!("/users/{}/posts", ada["id"]),
            json!({"title": "Notes", "body": "On the analytical engine"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.body["id"].as_i64().expect("an integer id");
    assert_eq!(
        reply.body,
        json!({"id": id, "user_id": ada["id"], "title": "Notes", "body": "On the analytical engine"})
    );
    assert_eq!(reply.header(header::LOCATION), format!("/posts/{id}"));
    let read = app.get(&format!("/posts/{id}")).await;
    assert_eq!(read.status, StatusCode::OK, "{read:?}");
    assert_eq!(read.body, with_author(&reply.body, &ada));
}

/// A post for a user that does not exist is a 404 naming the user, and is
/// not stored; a user id that is not a number is a 400.
pub async fn posting_for_an_unknown_user_is_not_found(app: &TestApp) {
    let post = json!({"title": "t", "body": "b"});
    let reply = app.post_json("/users/999999/posts", post.clone()).await;
    assert_json_error(&reply, StatusCode::NOT_FOUND);
    assert!(reply.error().contains("user"), "{reply:?}");
    for id in ["abc", "0", "-1"] {
        let reply = app
            .post_json(&format!("/users/{id}/posts"), post.clone())
            .await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
    }
    assert_eq!(app.db.count_posts(), 0);
}

/// A title of 200 characters (accented, so 400 bytes) and an empty body
/// fit; values past a rule are a 422 naming the field.
pub async fn invalid_posts_are_unprocessable(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let uri = format!("/users/{}/posts", ada["id"]);
    let longest = json!({"title": "é".repeat(200), "body": "é".repeat(2000)});
    assert_eq!(
        app.post_json(&uri, longest).await.status,
        StatusCode::CREATED
    );
    let empty_body = app.post_json(&uri, json!({"title": "t", "body": ""})).await;
    assert_eq!(empty_body.status, StatusCode::CREATED, "{empty_body:?}");
    for (body, field) in [
        (json!({"title": "", "body": "b"}), "title"),
        (json!({"title": " \t\n", "body": "b"}), "title"),
        (json!({"title": "é".repeat(201), "body": "b"}), "title"),
        (json!({"title": "a\u{0}b", "body": "b"}), "title"),
        (json!({"title": "t", "body": "é".repeat(2001)}), "body"),
        (json!({"title": "t", "body": "a\u{0}"}), "body"),
    ] {
        let reply = app.post_json(&uri, body.clone()).await;
        assert_json_error(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.error().contains(field), "{body}: {reply:?}");
    }
    assert_eq!(app.db.count_posts(), 2);
}

/// Malformed JSON, a missing, mistyped or unknown field: a 400; not JSON:
/// a 415; too large: a 413. Nothing is stored.
pub async fn malformed_posts_are_refused_as_users_are(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let uri = format!("/users/{}/posts", ada["id"]);
    for body in [
        "{",
        "[]",
        r#"{"title": "t"}"#,
        r#"{"body": "b"}"#,
        r#"{"title": 1, "body": "b"}"#,
        r#"{"title": null, "body": "b"}"#,
        r#"{"title": "t", "body": "b", "user_id": 2}"#,
    ] {
        let reply = app
            .send(
                TestRequest::post()
                    .uri(&uri)
                    .insert_header((header::CONTENT_TYPE, "application/json"))
                    .set_payload(body),
            )
            .await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
    }
    let reply = app
        .send(
            TestRequest::post()
                .uri(&uri)
                .insert_header((header::CONTENT_TYPE, "text/plain"))
                .set_payload(r#"{"title": "t", "body": "b"}"#),
        )
        .await;
    assert_json_error(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = json!({"title": "t", "body": "a".repeat(100_000)});
    assert_json_error(
        &app.post_json(&uri, huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    );
    assert_eq!(app.db.count_posts(), 0);
}

// ---- GET /users/{id}/posts, GET /posts --------------------------------------

/// A user's posts come by ascending id, a page at a time, and only theirs;
/// an unknown user is a 404, a bad page a 400.
pub async fn a_users_posts_are_listed_a_page_at_a_time(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let bob = app.create_user("bob", "bob@example.com").await;
    for i in 0..25 {
        app.create_post(&ada, &format!("ada {i:02}"), "").await;
        if i < 3 {
            app.create_post(&bob, &format!("bob {i}"), "").await;
        }
    }
    let uri = format!("/users/{}/posts", ada["id"]);
    let first = app.get(&uri).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(titles(&first.body).len(), 20);
    assert_eq!(titles(&first.body)[0], "ada 00");
    let second = titles(&app.get(&format!("{uri}?page=2")).await.body);
    assert_eq!(second, ["ada 20", "ada 21", "ada 22", "ada 23", "ada 24"]);
    let bobs = titles(&app.get(&format!("/users/{}/posts", bob["id"])).await.body);
    assert_eq!(bobs, ["bob 0", "bob 1", "bob 2"]);
    assert_json_error(&app.get("/users/999999/posts").await, StatusCode::NOT_FOUND);
    for query in ["page=0", "page=101", "per_page=0", "per_page=101", "page=x"] {
        let reply = app.get(&format!("{uri}?{query}")).await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
    }
}

/// A user with no posts has an empty list, not a 404.
pub async fn a_user_without_posts_has_an_empty_list(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let reply = app.get(&format!("/users/{}/posts", ada["id"])).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body, json!([]));
}

/// Every post comes by ascending id, each with its author, a page at a
/// time; a bad page is a 400.
pub async fn posts_are_listed_with_their_authors(app: &TestApp) {
    assert_eq!(app.get("/posts").await.body, json!([]));
    let ada = app.create_user("ada", "ada@example.com").await;
    let bob = app.create_user("bob", "bob@example.com").await;
    let first = app.create_post(&ada, "first", "by ada").await;
    let second = app.create_post(&bob, "second", "by bob").await;
    let third = app.create_post(&ada, "third", "by ada again").await;
    let reply = app.get("/posts").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.body,
        json!([
            with_author(&first, &ada),
            with_author(&second, &bob),
            with_author(&third, &ada)
        ])
    );
    let page = app.get("/posts?page=2&per_page=2").await;
    assert_eq!(page.body, json!([with_author(&third, &ada)]));
    for query in ["page=0", "page=101", "per_page=101", "per_page=-1"] {
        let reply = app.get(&format!("/posts?{query}")).await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
    }
}

/// An unknown post is a 404 that names it; an id that is not a number in
/// range is a 400 that names the path it is in.
pub async fn an_unknown_post_is_not_found(app: &TestApp) {
    let reply = app.get("/posts/999999").await;
    assert_json_error(&reply, StatusCode::NOT_FOUND);
    assert!(reply.error().contains("post"), "{reply:?}");
    for id in ["abc", "9223372036854775808", "1.5"] {
        let reply = app.get(&format!("/posts/{id}")).await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
        assert!(
            reply.error().contains(&format!("in /posts/{id}")),
            "{reply:?}"
        );
    }
}

// ---- DELETE /posts/{id}, DELETE /users/{id} ---------------------------------

/// A deleted post is gone, and its author stays.
pub async fn deleting_a_post_answers_204_and_it_is_gone(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let post = app.create_post(&ada, "gone soon", "").await;
    let uri = format!("/posts/{}", post["id"]);
    let reply = app.delete(&uri).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
    assert_eq!(reply.body, Value::Null);
    assert_json_error(&app.get(&uri).await, StatusCode::NOT_FOUND);
    assert_json_error(&app.delete(&uri).await, StatusCode::NOT_FOUND);
    assert_json_error(&app.delete("/posts/abc").await, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&format!("/users/{}", ada["id"])).await.body, ada);
}

/// Deleting a user deletes its posts (`ON DELETE CASCADE`, which SQLite
/// enforces too), and no one else's.
pub async fn deleting_a_user_deletes_its_posts(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let bob = app.create_user("bob", "bob@example.com").await;
    let adas = app.create_post(&ada, "ada's", "").await;
    let bobs = app.create_post(&bob, "bob's", "").await;
    assert_eq!(
        app.delete(&format!("/users/{}", ada["id"])).await.status,
        StatusCode::NO_CONTENT
    );
    assert_json_error(
        &app.get(&format!("/posts/{}", adas["id"])).await,
        StatusCode::NOT_FOUND,
    );
    assert_json_error(
        &app.get(&format!("/users/{}/posts", ada["id"])).await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(
        app.get("/posts").await.body,
        json!([with_author(&bobs, &bob)])
    );
    assert_eq!(app.db.count_posts(), 1);
}

// ---- GET /users?embed=posts ------------------------------------------------

/// `embed=posts` gives each user of the page its posts by ascending id
/// (an empty list for none), with `name` and paging as without it; without
/// `embed`, users come alone; any other value is a 400.
pub async fn users_embed_their_posts_on_request(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let bob = app.create_user("bob", "bob@example.com").await;
    let cy = app.create_user("cy", "cy@example.com").await;
    let one = app.create_post(&ada, "one", "1").await;
    let two = app.create_post(&cy, "two", "2").await;
    let three = app.create_post(&ada, "three", "3").await;

    let reply = app.get("/users?embed=posts").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.body,
        json!([
            with_posts(&ada, &[&one, &three]),
            with_posts(&bob, &[]),
            with_posts(&cy, &[&two])
        ])
    );
    let named = app.get("/users?embed=posts&name=cy").await;
    assert_eq!(named.body, json!([with_posts(&cy, &[&two])]));
    let paged = app.get("/users?embed=posts&page=2&per_page=1").await;
    assert_eq!(paged.body, json!([with_posts(&bob, &[])]));
    assert_eq!(app.get("/users").await.body, json!([ada, bob, cy]));
    for value in ["", "post", "Posts", "users", "posts,users"] {
        let reply = app.get(&format!("/users?embed={value}")).await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
        assert!(reply.error().contains("embed"), "{value}: {reply:?}");
    }
}

// ---- POST /users with posts ------------------------------------------------

/// A user sent with posts is created with them, in the order sent; the
/// answer is the user with its posts. An empty list creates none.
pub async fn a_user_is_created_with_its_first_posts(app: &TestApp) {
    let reply = app
        .post_json(
            "/users",
            json!({"name": "ada", "email": "ada@example.com", "posts": [
                {"title": "first", "body": "a"},
                {"title": "second", "body": ""}
            ]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let id = reply.body["id"].as_i64().expect("an integer id");
    assert_eq!(reply.header(header::LOCATION), format!("/users/{id}"));
    assert_eq!(titles(&reply.body["posts"]), ["first", "second"]);
    let listed = app.get(&format!("/users/{id}/posts")).await;
    assert_eq!(titles(&listed.body), ["first", "second"]);
    for post in listed.body.as_array().expect("posts") {
        assert_eq!(post["user_id"], json!(id));
    }
    let embedded = app.get("/users?embed=posts").await;
    assert_eq!(embedded.body[0]["posts"], listed.body);

    let none = app
        .post_json(
            "/users",
            json!({"name": "bob", "email": "bob@example.com", "posts": []}),
        )
        .await;
    assert_eq!(none.status, StatusCode::CREATED, "{none:?}");
    assert_eq!(none.body["posts"], json!([]));
    assert_eq!(app.db.count_posts(), 2);
}

/// One invalid post refuses the whole request, naming the post and the
/// field: neither the user nor any post is written.
pub async fn a_user_with_an_invalid_post_is_not_created(app: &TestApp) {
    let reply = app
        .post_json(
            "/users",
            json!({"name": "ada", "email": "ada@example.com", "posts": [
                {"title": "fine", "body": ""},
                {"title": "   ", "body": ""}
            ]}),
        )
        .await;
    assert_json_error(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.error().contains("posts[1].title"), "{reply:?}");
    for body in [
        json!({"name": "ada", "email": "ada@example.com", "posts": null}),
        json!({"name": "ada", "email": "ada@example.com", "posts": [{"title": "t"}]}),
        json!({"name": "ada", "email": "ada@example.com", "posts": {"title": "t", "body": ""}}),
    ] {
        let reply = app.post_json("/users", body.clone()).await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
    }
    let too_many: Vec<Value> = (0..=MOST_FIRST_POSTS)
        .map(|_| json!({"title": "t", "body": ""}))
        .collect();
    let reply = app
        .post_json(
            "/users",
            json!({"name": "ada", "email": "ada@example.com", "posts": too_many}),
        )
        .await;
    assert_json_error(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((app.db.count_users(), app.db.count_posts()), (0, 0));
}

/// A taken name with posts is a 409, and none of the posts is written.
pub async fn a_taken_name_with_posts_writes_nothing(app: &TestApp) {
    app.create_user("ada", "ada@example.com").await;
    let reply = app
        .post_json(
            "/users",
            json!({"name": "ada", "email": "other@example.com", "posts": [
                {"title": "never", "body": "written"}
            ]}),
        )
        .await;
    assert_json_error(&reply, StatusCode::CONFLICT);
    assert!(reply.error().contains("name"), "{reply:?}");
    assert_eq!((app.db.count_users(), app.db.count_posts()), (1, 0));
}

// ---- the foreign key under concurrency --------------------------------------

/// Posts written for a user while it is being deleted: each is either
/// written before the delete (and deleted with the user) or refused with a
/// 404 after it, never a 5xx, and no post is left pointing at nobody.
pub async fn posts_racing_a_delete_of_their_user_never_point_at_nobody(app: &TestApp) {
    for round in 0..4 {
        let user = app
            .create_user(&format!("doomed{round}"), &format!("d{round}@example.com"))
            .await;
        let posts_uri = format!("/users/{}/posts", user["id"]);
        let user_uri = format!("/users/{}", user["id"]);
        let requests = (0..24).map(|i| {
            let request = if i == 12 {
                TestRequest::delete().uri(&user_uri)
            } else {
                TestRequest::post()
                    .uri(&posts_uri)
                    .set_json(json!({"title": format!("post {i}"), "body": ""}))
            };
            app.send(request)
        });
        let replies = join_all(requests).await;
        for reply in &replies {
            assert!(
                [
                    StatusCode::CREATED,
                    StatusCode::NOT_FOUND,
                    StatusCode::NO_CONTENT
                ]
                .contains(&reply.status),
                "{reply:?}"
            );
        }
        assert_json_error(&app.get(&posts_uri).await, StatusCode::NOT_FOUND);
        let late = app
            .post_json(&posts_uri, json!({"title": "late", "body": ""}))
            .await;
        assert_json_error(&late, StatusCode::NOT_FOUND);
    }
    assert_eq!(app.db.count_posts(), 0, "every post went with its user");
    assert_eq!(app.db.count_orphan_posts(), 0);
}
