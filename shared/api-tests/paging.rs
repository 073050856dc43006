//! Every list comes a page at a time, in ascending id order; a full page
//! links to the next (`Link: <…>; rel="next"`), so a client that follows
//! the links reads every row.

use serde_json::json;
use web_db_test::Reply;

use super::spawn_app;

/// The address in a `Link: <…>; rel="next"` header, if the answer has one.
fn next_page(reply: &Reply) -> Option<String> {
    let link = reply.header("link")?;
    let (target, rel) = link.split_once(';')?;
    (rel.trim() == r#"rel="next""#).then(|| target.trim_matches(['<', '>', ' ']).to_owned())
}

#[test]
fn following_the_links_reads_every_user_once() {
    let app = spawn_app();
    for n in 1..=7 {
        let body = json!({ "name": format!("user {n}"), "email": format!("u{n}@example.com") });
        assert_eq!(app.post("/users", &body.to_string()).status, 201);
    }

    let mut names = Vec::new();
    let mut page = Some("/users?per_page=3".to_owned());
    while let Some(path) = page {
        let reply = app.get(&path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        for user in reply.json().as_array().expect("a list") {
            names.push(user["name"].as_str().unwrap_or_default().to_owned());
        }
        page = next_page(&reply);
    }

    let expected: Vec<String> = (1..=7).map(|n| format!("user {n}")).collect();
    assert_eq!(names, expected);
}

#[test]
fn a_numbered_page_and_a_page_by_key_pick_the_same_rows() {
    let app = spawn_app();
    let mut ids = Vec::new();
    for n in 1..=5 {
        let body = json!({ "name": format!("user {n}"), "email": format!("u{n}@example.com") });
        ids.push(app.post("/users", &body.to_string()).json()["id"].clone());
    }

    let second = app.get("/users?page=2&per_page=2").json();
    let after = app
        .get(&format!("/users?after={}&per_page=2", ids[1]))
        .json();

    assert_eq!(second, after);
    assert_eq!((&second[0]["id"], &second[1]["id"]), (&ids[2], &ids[3]));
}

#[test]
fn a_bad_page_is_a_400_that_names_it() {
    let app = spawn_app();
    for (query, parameter) in [
        ("page=0", "page"),
        ("page=101", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=x", "per_page"),
        ("after=-1", "after"),
    ] {
        for list in ["/users", "/posts"] {
            let reply = app.get(&format!("{list}?{query}"));
            assert_eq!(reply.status, 400, "{list}?{query}");
            let error = reply.json()["error"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(error.contains(parameter), "{list}?{query}: {error}");
        }
    }
}
