//! Comments on posts, as a client sees them: written, listed a page at a
//! time and read one by one, their rules, a post that does not exist, and
//! the comments going with their post.

use serde_json::{Value, json};

use super::spawn_app;

#[test]
fn comments_are_written_listed_read_and_deleted_with_their_post() {
    let app = spawn_app();
    let ada = app.post("/users", r#"{"name":"ada","email":"ada@example.com"}"#);
    let post = app.post(
        &format!("/users/{}/posts", ada.json()["id"]),
        r#"{"title":"Hello","body":""}"#,
    );
    let comments = format!("/posts/{}/comments", post.json()["id"]);

    let first = app.post(&comments, r#"{"body":"First!"}"#);
    let second = app.post(&comments, r#"{"body":"Second."}"#);

    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.json()["body"], "First!");
    let location = first.header("location").expect("a Location header");
    assert_eq!(app.get(location).json(), first.json());
    let both: Value = json!([first.json(), second.json()]);
    assert_eq!(app.get(&comments).json(), both);
    let page_two = app.get(&format!("{comments}?per_page=1&page=2"));
    assert_eq!(page_two.json(), json!([second.json()]));

    let deleted = app.delete(&format!("/posts/{}", post.json()["id"]));
    assert_eq!(deleted.status, 204);
    assert_eq!(app.get(&comments).status, 404);
    assert_eq!(app.get(location).status, 404);
}

#[test]
fn a_blank_comment_or_one_on_no_post_is_refused() {
    let app = spawn_app();

    let on_no_post = app.post("/posts/999999/comments", r#"{"body":"Hello?"}"#);
    let ada = app.post("/users", r#"{"name":"ada","email":"ada@example.com"}"#);
    let post = app.post(
        &format!("/users/{}/posts", ada.json()["id"]),
        r#"{"title":"Hello","body":""}"#,
    );
    let blank = app.post(
        &format!("/posts/{}/comments", post.json()["id"]),
        r#"{"body":"  "}"#,
    );

    assert_eq!(on_no_post.status, 404, "{}", on_no_post.text());
    assert_eq!(blank.status, 422, "{}", blank.text());
    assert_eq!(blank.json()["error"], "body must not be blank");
}
