//! The mapping between the `posts` table and `Post`, written by
//! hand, and the mapping of the rows that join a post and its author.
//!
//! As in [`crate::users_mapping`], each direction is a plain function:
//!
//! | operation | mapping |
//! |---|---|
//! | read    | [`POST_COLUMNS`] are selected, each row becomes a `Post` in [`post_from_row`] |
//! | join    | [`POST_WITH_AUTHOR_COLUMNS`]: a post's columns then its author's, one row becomes a `PostWithAuthor` in [`post_with_author_from_row`] |
//! | group   | [`users_with_posts`] deals a page of posts out to their users |
//! | insert  | [`insert_values`] turns a user id and a `NewPost` into column assignments |
//! | delete  | [`post_row`] says which row an id names |
//!
//! A joined row is a pair of rows, `(PostRow, UserRow)`: the author half is
//! mapped by [`user_from_row`], so a user is built in one place only. As for
//! users, nothing but `tests/mapping.rs` ties this file to the migrations.

use std::collections::HashMap;

use diesel::dsl::{Eq, Find};
use diesel::prelude::*;
use shared::models::User;
use shared::post_models::{NewPost, Post, PostWithAuthor, UserWithPosts};
use shared::schema::posts;

use crate::users_mapping::{USER_COLUMNS, UserColumns, UserRow, user_from_row};

/// The columns a post is read from, as a type.
pub type PostColumns = (posts::id, posts::user_id, posts::title, posts::body);

/// The columns a post is read from, in the order of [`PostRow`].
pub const POST_COLUMNS: PostColumns = (posts::id, posts::user_id, posts::title, posts::body);

/// The names of [`POST_COLUMNS`], for the test that compares them with the
/// table the migrations really made.
pub const POST_COLUMN_NAMES: [&str; 4] = ["id", "user_id", "title", "body"];

/// One row of [`POST_COLUMNS`], as the database returns it.
pub type PostRow = (i64, i64, String, String);

/// A row becomes a `Post`.
pub fn post_from_row((id, user_id, title, body): PostRow) -> Post {
    Post {
        id,
        user_id,
        title,
        body,
    }
}

/// The columns of a post joined to its author: the post's, then the user's.
pub const POST_WITH_AUTHOR_COLUMNS: (PostColumns, UserColumns) = (POST_COLUMNS, USER_COLUMNS);

/// One row of [`POST_WITH_AUTHOR_COLUMNS`]: a post's row and its author's.
pub type PostWithAuthorRow = (PostRow, UserRow);

/// A joined row becomes a post with its author.
pub fn post_with_author_from_row((post, author): PostWithAuthorRow) -> PostWithAuthor {
    PostWithAuthor {
        post: post_from_row(post),
        author: user_from_row(author),
    }
}

/// Deals `posts` out to the `users` they belong to: each user, in the order
/// given, with its posts in the order given. A post of a user not in
/// `users` is dropped.
pub fn users_with_posts(users: Vec<User>, posts: Vec<Post>) -> Vec<UserWithPosts> {
    let mut by_user: HashMap<i64, Vec<Post>> = HashMap::new();
    for post in posts {
        by_user.entry(post.user_id).or_default().push(post);
    }
    users
        .into_iter()
        .map(|user| {
            let posts = by_user.remove(&user.id).unwrap_or_default();
            // Its first posts, and where the rest are.
            UserWithPosts::new(user, posts)
        })
        .collect()
}

/// The values of an INSERT: one assignment per column written.
pub type InsertValues<'a> = (
    Eq<posts::user_id, i64>,
    Eq<posts::title, &'a str>,
    Eq<posts::body, &'a str>,
);

/// A user id and a `NewPost` become the values of an INSERT.
pub fn insert_values(user_id: i64, new_post: &NewPost) -> InsertValues<'_> {
    (
        posts::user_id.eq(user_id),
        posts::title.eq(new_post.title.as_str()),
        posts::body.eq(new_post.body.as_str()),
    )
}

/// The row a post id names, for deletes.
pub fn post_row(id: i64) -> Find<posts::table, i64> {
    posts::table.find(id)
}
