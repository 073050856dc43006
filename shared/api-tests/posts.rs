//! Posts, which belong to users: `/users/{id}/posts`, `/posts`, `/posts/{id}`,
//! and users with their posts.

use serde_json::{Value, json};
use web_db_test::TestApp;

use super::spawn_app;

fn create_user(app: &TestApp, name: &str) -> Value {
    let body = json!({ "name": name, "email": format!("{name}@example.com") });
    let created = app.post("/users", &body.to_string());
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()
}

#[test]
fn a_post_is_created_for_its_user_and_read_with_its_author() {
    let app = spawn_app();
    let ada = create_user(&app, "ada");

    let created = app.post(
        &format!("/users/{}/posts", ada["id"]),
        r#"{"title":"Notes","body":"On the engine."}"#,
    );

    assert_eq!(created.status, 201, "{}", created.text());
    let post = created.json();
    assert_eq!(post["user_id"], ada["id"]);
    let location = created.header("location").expect("a Location header");
    assert_eq!(location, format!("/posts/{}", post["id"]));
    let read = app.get(location).json();
    assert_eq!(read["title"], "Notes");
    assert_eq!(read["author"], ada);
    assert_eq!(app.get("/posts").json()[0]["author"], ada);
}

#[test]
fn a_post_for_an_unknown_user_is_a_404_and_an_invalid_one_a_422() {
    let app = spawn_app();
    let ada = create_user(&app, "ada");

    let unknown = app.post("/users/999999/posts", r#"{"title":"t","body":""}"#);
    let blank = app.post(
        &format!("/users/{}/posts", ada["id"]),
        r#"{"title":" ","body":""}"#,
    );

    assert_eq!(unknown.status, 404, "{}", unknown.text());
    assert_eq!(blank.status, 422, "{}", blank.text());
    assert_eq!(app.get("/posts").json(), json!([]));
}

#[test]
fn a_user_is_created_with_its_first_posts_or_not_at_all() {
    let app = spawn_app();

    let created = app.post(
        "/users",
        r#"{"name":"ada","email":"ada@example.com","posts":[{"title":"one","body":""},{"title":"two","body":""}]}"#,
    );
    let refused = app.post(
        "/users",
        r#"{"name":"grace","email":"grace@example.com","posts":[{"title":"fine","body":""},{"title":"","body":""}]}"#,
    );

    assert_eq!(created.status, 201, "{}", created.text());
    let posts = created.json()["posts"].clone();
    assert_eq!(
        (&posts[0]["title"], &posts[1]["title"]),
        (&json!("one"), &json!("two"))
    );
    assert_eq!(refused.status, 422);
    assert_eq!(app.get("/users?name=grace").json(), json!([]));
    assert_eq!(app.get("/posts").json().as_array().map(Vec::len), Some(2));
}

#[test]
fn deleting_a_user_deletes_its_posts() {
    let app = spawn_app();
    let ada = create_user(&app, "ada");
    let posts = format!("/users/{}/posts", ada["id"]);
    app.post(&posts, r#"{"title":"gone soon","body":""}"#);

    assert_eq!(app.delete(&format!("/users/{}", ada["id"])).status, 204);

    assert_eq!(app.get("/posts").json(), json!([]));
    assert_eq!(app.get(&posts).status, 404);
}

#[test]
fn users_embed_their_first_posts_on_request() {
    let app = spawn_app();
    let ada = create_user(&app, "ada");
    create_user(&app, "grace");
    let posts = format!("/users/{}/posts", ada["id"]);
    for n in 1..=11 {
        let post = app.post(
            &posts,
            &json!({ "title": format!("post {n}"), "body": "" }).to_string(),
        );
        assert_eq!(post.status, 201);
    }

    let users = app.get("/users?embed=posts").json();

    assert_eq!(users[0]["posts"].as_array().map(Vec::len), Some(10));
    let more = users[0]["more_posts"].as_str().expect("where the rest are");
    assert_eq!(app.get(more).json().as_array().map(Vec::len), Some(1));
    assert_eq!(users[1]["posts"], json!([]));
    assert_eq!(app.get("/users?embed=comments").status, 400);
}
