//! Every row reachable: each list pages by key (`after`), and each answer
//! that came back full links to the next page (`Link: <…>; rel="next"`),
//! from numbered pages too. A client that follows the links reaches the last
//! row of every list, sees each row that lasted the whole walk exactly once
//! while others write, and never builds a URL.
//!
//! Each public function is a test case, run by the suite's macros: it fails
//! by panicking, with a message that says which promise broke. The helpers
//! panic the same way (see their `# Panics`) when an answer is not the JSON
//! array every list answers with: that is a broken promise too.

use actix_web::http::{StatusCode, header};
use serde_json::Value;

use crate::app::{Reply, TestApp};
use crate::contract::assert_json_error;

/// The target of the answer's `rel="next"` link, if it has one.
fn next_link(reply: &Reply) -> Option<String> {
    let link = reply.headers.get(header::LINK)?.to_str().ok()?;
    let (target, params) = link.split_once(';')?;
    assert_eq!(params.trim(), r#"rel="next""#, "{link}");
    let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
    Some(target.to_owned())
}

/// Follows `rel="next"` from `first` to the end of the list, doing
/// `between` after each page: every row seen, in order, and the number of
/// pages. Each page must hold at most `per_page` rows.
///
/// # Panics
///
/// If a page is not a 200 with a JSON array, holds more than `per_page`
/// rows, or the links go on past 1,000 pages.
async fn walk<F, Fut>(
    app: &TestApp,
    first: &str,
    per_page: usize,
    mut between: F,
) -> (Vec<Value>, usize)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (mut rows, mut pages) = (Vec::new(), 0);
    let mut uri = Some(first.to_owned());
    while let Some(current) = uri {
        let reply = app.get(&current).await;
        assert_eq!(reply.status, StatusCode::OK, "{current}: {reply:?}");
        let page = reply.body.as_array().expect("a list is an array");
        assert!(page.len() <= per_page, "{current}: {} rows", page.len());
        rows.extend(page.iter().cloned());
        pages += 1;
        assert!(pages <= 1_000, "the links of {first} never end");
        uri = next_link(&reply);
        between(pages).await;
    }
    (rows, pages)
}

/// The ids of `rows`.
///
/// # Panics
///
/// If a row has no whole-number `id`: every user and post has one.
fn ids(rows: &[Value]) -> Vec<i64> {
    rows.iter()
        .map(|row| row["id"].as_i64().expect("every row has an id"))
        .collect()
}

/// Users named `user00`, `user01`, …, created through the API, in id order.
async fn create_users(app: &TestApp, count: usize) -> Vec<Value> {
    let mut users = Vec::with_capacity(count);
    for i in 0..count {
        let name = format!("user{i:03}");
        users.push(app.create_user(&name, &format!("{name}@example.com")).await);
    }
    users
}

/// Following `rel="next"` from the first page reaches the last row of
/// every list (users, with a name and with embedded posts too; posts; a
/// user's posts), a page at a time, each row once, by ascending id; the
/// last page has no link.
pub async fn following_next_links_reaches_every_row_of_every_list(app: &TestApp) {
    let users = create_users(app, 23).await;
    let ada = &users[0];
    let mut posts = Vec::new();
    for i in 0..11 {
        posts.push(app.create_post(ada, &format!("ada {i}"), "").await);
        if i % 2 == 0 {
            posts.push(app.create_post(&users[1], &format!("bob {i}"), "").await);
        }
    }
    let ada_posts: Vec<i64> = ids(&posts)
        .into_iter()
        .zip(&posts)
        .filter(|(_, post)| post["user_id"] == ada["id"])
        .map(|(id, _)| id)
        .collect();
    let no_walk = |_| async {};

    let (rows, pages) = walk(app, "/users?per_page=5", 5, no_walk).await;
    assert_eq!(rows, users);
    assert_eq!(pages, 5, "23 users, 5 a page");
    let (rows, _) = walk(app, "/users?embed=posts&per_page=4", 4, no_walk).await;
    assert_eq!(ids(&rows), ids(&users), "the link keeps embed=posts");
    assert!(rows.iter().all(|user| user["posts"].is_array()), "{rows:?}");
    let (rows, pages) = walk(app, "/users?name=user007&per_page=1", 1, no_walk).await;
    assert_eq!(
        (rows, pages),
        (vec![users[7].clone()], 2),
        "the link keeps the name"
    );
    let (rows, pages) = walk(app, "/posts?per_page=4", 4, no_walk).await;
    assert_eq!(ids(&rows), ids(&posts));
    assert_eq!(pages, 5, "17 posts, 4 a page");
    let (rows, _) = walk(
        app,
        &format!("/users/{}/posts?per_page=3", ada["id"]),
        3,
        no_walk,
    )
    .await;
    assert_eq!(ids(&rows), ada_posts);

    // An exactly full last page links to an empty one, which has no link.
    let (rows, pages) = walk(app, "/posts?per_page=17", 17, no_walk).await;
    assert_eq!((rows.len(), pages), (17, 2));
}

/// `after` is the keyset form: the rows whose id is greater, by ascending
/// id, as deep as the list goes; a numbered page links to the rows after
/// its last, so page 100 is not the end of the list; a bad `after` is a 400.
pub async fn a_page_by_key_starts_after_the_id_and_numbered_pages_link_to_it(app: &TestApp) {
    let users = create_users(app, 101).await;
    let user_ids = ids(&users);
    let after = app
        .get(&format!("/users?after={}&per_page=3", user_ids[49]))
        .await;
    assert_eq!(
        ids(after
            .body
            .as_array()
            .expect("a list answers with a JSON array")),
        user_ids[50..53]
    );
    assert_eq!(
        next_link(&after),
        Some(format!("/users?after={}&per_page=3", user_ids[52]))
    );

    let hundredth = app.get("/users?page=100&per_page=1").await;
    assert_eq!(
        ids(hundredth
            .body
            .as_array()
            .expect("a list answers with a JSON array")),
        [user_ids[99]]
    );
    let door = next_link(&hundredth).expect("page 100 of a longer list links on");
    assert_eq!(door, format!("/users?after={}&per_page=1", user_ids[99]));
    assert_eq!(
        app.get(&door).await.body,
        Value::Array(vec![users[100].clone()])
    );
    let past_the_end = app.get(&format!("/users?after={}", user_ids[100])).await;
    assert_eq!(
        (past_the_end.body.clone(), next_link(&past_the_end)),
        (Value::Array(vec![]), None)
    );

    for list in ["/users", "/posts", &format!("/users/{}/posts", user_ids[0])] {
        for bad in ["-1", "9223372036854775808", "x", "1.5", ""] {
            let reply = app.get(&format!("{list}?after={bad}")).await;
            assert_json_error(&reply, StatusCode::BAD_REQUEST);
            assert!(
                reply.error().contains("after must be"),
                "{list} {bad}: {reply:?}"
            );
        }
    }
}

/// A walk while other clients insert and delete: every user that existed
/// for the whole walk is seen exactly once, no row twice, in ascending id
/// order; a user deleted before the walk reached it is not seen, and one
/// created during the walk (its id greater than any before it) is. Paged by
/// number instead, each delete behind the cursor would shift a row of the
/// next page back onto this one, unseen.
pub async fn a_walk_while_others_write_sees_every_lasting_row_once(app: &TestApp) {
    let users = create_users(app, 40).await;
    let user_ids = ids(&users);
    let (mut deleted_ahead, mut deleted_behind) = (Vec::new(), Vec::new());
    let (rows, _) = walk(app, "/users?per_page=3", 3, |page| {
        // After each of the first 8 pages: a user the walk has not reached
        // goes, one it has seen goes, and a new one comes.
        let writes = (page <= 8).then(|| (user_ids[40 - page], user_ids[(page - 1) * 3]));
        if let Some((ahead, behind)) = writes {
            deleted_ahead.push(ahead);
            deleted_behind.push(behind);
        }
        async move {
            let Some((ahead, behind)) = writes else {
                return;
            };
            for id in [ahead, behind] {
                let reply = app.delete(&format!("/users/{id}")).await;
                assert_eq!(reply.status, StatusCode::NO_CONTENT, "{id}: {reply:?}");
            }
            let name = format!("new{page:03}");
            app.create_user(&name, &format!("{name}@example.com")).await;
        }
    })
    .await;
    let seen = ids(&rows);
    assert!(
        seen.windows(2).all(|pair| pair[0] < pair[1]),
        "in id order, none twice: {seen:?}"
    );
    for id in &user_ids {
        let lasted = !deleted_ahead.contains(id) && !deleted_behind.contains(id);
        assert!(
            !lasted || seen.contains(id),
            "user {id} lasted the whole walk but was not seen: {seen:?}"
        );
        assert!(
            !deleted_ahead.contains(id) || !seen.contains(id),
            "user {id} was deleted before the walk reached it, yet seen: {seen:?}"
        );
    }
    let created = rows
        .iter()
        .filter(|row| row["name"].as_str().is_some_and(|n| n.starts_with("new")));
    assert_eq!(
        created.count(),
        8,
        "the users created during the walk come after it: {seen:?}"
    );
}

/// `embed=posts` holds at most 10 posts per user, its first by id, and
/// `more_posts` where it has more: the user's posts route after the last
/// one embedded, from which the links lead to the rest.
pub async fn embedded_posts_are_bounded_and_link_to_the_rest(app: &TestApp) {
    let users = create_users(app, 2).await;
    let (ada, bob) = (&users[0], &users[1]);
    let mut posts = Vec::new();
    for i in 0..13 {
        posts.push(app.create_post(ada, &format!("post {i:02}"), "").await);
    }
    let few = app.create_post(bob, "only one", "").await;
    let reply = app.get("/users?embed=posts").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let listed = reply
        .body
        .as_array()
        .expect("a list answers with a JSON array");
    assert_eq!(listed[0]["posts"], Value::Array(posts[..10].to_vec()));
    let more = listed[0]["more_posts"]
        .as_str()
        .expect("ada has more than 10 posts");
    assert_eq!(
        more,
        format!("/users/{}/posts?after={}", ada["id"], posts[9]["id"])
    );
    assert_eq!(listed[1]["posts"], Value::Array(vec![few]));
    assert!(
        listed[1].get("more_posts").is_none(),
        "bob has one post: {listed:?}"
    );
    let (rest, _) = walk(app, more, 20, |_| async {}).await;
    assert_eq!(rest, posts[10..]);
}
