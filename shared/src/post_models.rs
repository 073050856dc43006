//! The `Post` model, the rules its values must follow, and the two answers
//! that put users and posts together.
//!
//! As on `User`, the derives are the *declarative* pattern's mapping:
//! `Associations` with `belongs_to(User)` is what lets it load
//! `Post::belonging_to(&users)` and sort the posts with `grouped_by`. The
//! other patterns use the same types without them.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::ObjectBuilder;
use web_db::error::AppError;
use web_db::paging::id_of;
use web_db::text::Text;

use crate::models::{User, Validate};
use crate::schema::posts;

/// A post's title: 1 to 200 characters, not blank.
pub const TITLE: Text = Text::not_blank("title", 200);
/// A post's body: up to 2,000 characters, and may be empty.
pub const BODY: Text = Text::any("body", 2000);
/// The most posts `POST /users` creates with a user: few enough that a user
/// with that many posts, each as long as it may be, still fits the 16 KiB
/// body limit (as ASCII), so that the limit of the body and the limits of
/// its values do not contradict each other.
pub const MOST_FIRST_POSTS: usize = 5;

/// The rules of a title, in the OpenAPI document.
fn title_schema() -> ObjectBuilder {
    TITLE.schema()
}

/// The rules of a body, in the OpenAPI document.
fn body_schema() -> ObjectBuilder {
    BODY.schema()
}

/// A post as stored and as sent to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Queryable, Selectable, ToSchema)]
// The child of `User`: `Post::belonging_to(&users)` finds their posts.
#[derive(Identifiable, Associations)]
#[diesel(belongs_to(User))]
#[diesel(table_name = posts)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Post {
    /// Assigned by the database.
    #[schema(minimum = 1)]
    pub id: i64,
    /// The id of the user who wrote it.
    #[schema(minimum = 1)]
    pub user_id: i64,
    /// 1 to 200 characters, not blank.
    #[schema(schema_with = title_schema)]
    pub title: String,
    /// Up to 2,000 characters.
    #[schema(schema_with = body_schema)]
    pub body: String,
}

/// The body of `POST /users/{id}/posts`, and each of the first posts of
/// `POST /users`: a post whose user is named elsewhere.
#[derive(Debug, Clone, Serialize, Deserialize, Insertable, ToSchema)]
#[diesel(table_name = posts, treat_none_as_default_value = false)] // no Option column: each insert is one SQL text, kept prepared
#[serde(deny_unknown_fields)]
pub struct NewPost {
    /// 1 to 200 characters, not blank.
    #[schema(schema_with = title_schema)]
    pub title: String,
    /// Up to 2,000 characters; may be empty.
    #[schema(schema_with = body_schema)]
    pub body: String,
}

/// A post with the user who wrote it: `GET /posts` and `GET /posts/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PostWithAuthor {
    /// The post's own fields, at the top level.
    #[serde(flatten)]
    pub post: Post,
    /// The user who wrote it.
    pub author: User,
}

/// The most posts a user of `GET /users?embed=posts` holds: its first, by
/// id. Without a bound, one answer would grow with every post a user ever
/// wrote; the rest are a page of the user's posts route away
/// (`more_posts`). More than [`MOST_FIRST_POSTS`], so the answer to a
/// `POST /users` holds every post it made.
pub const EMBEDDED_POSTS: usize = 10;
const _: () = assert!(MOST_FIRST_POSTS <= EMBEDDED_POSTS);

#[diesel::declare_sql_function]
extern "SQL" {
    /// SQL's `COALESCE(value, otherwise)`: `value`, or `otherwise` where it
    /// is NULL. The query builder has no function of its own for it: this
    /// declares it, for a store that reads a user's first posts (a user
    /// with fewer has no "11th post", and its cut is then no cut).
    fn coalesce(value: Nullable<BigInt>, otherwise: BigInt) -> BigInt;
}

/// A user with its posts: each user of `GET /users?embed=posts`, and the
/// answer to a `POST /users` that sent posts. (Without them, a user is
/// answered as a plain [`User`]: hence `posts` is not required.)
// Made by `UserWithPosts::new`, which keeps the bound on `posts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserWithPosts {
    /// The user's own fields, at the top level.
    #[serde(flatten)]
    pub user: User,
    /// Its first posts, by ascending id: at most 10.
    #[schema(required = false, max_items = 10)]
    pub posts: Vec<Post>,
    /// Only when it has more posts than `posts` holds: where the rest are,
    /// `/users/{id}/posts?after={the last id in posts}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false)]
    pub more_posts: Option<String>,
}

/// The 404 for a post id that does not exist.
pub fn post_not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no post with id {id}"))
}

impl UserWithPosts {
    /// A user with its posts (by ascending id): the first
    /// [`EMBEDDED_POSTS`], and `more_posts` if there were more.
    pub fn new(user: User, mut posts: Vec<Post>) -> Self {
        let more_posts = keep_embedded_posts(user.id, &mut posts);
        UserWithPosts {
            user,
            posts,
            more_posts,
        }
    }
}

/// Keeps the first [`EMBEDDED_POSTS`] of a user's posts (by ascending id)
/// and, if there were more, says where the rest are: the user's posts
/// route, after the last post kept. The store's embedding goes through
/// here, however it read the posts.
pub fn keep_embedded_posts<P: Serialize>(user_id: i64, posts: &mut Vec<P>) -> Option<String> {
    if posts.len() <= EMBEDDED_POSTS {
        return None;
    }
    posts.truncate(EMBEDDED_POSTS);
    let last = posts.last().and_then(id_of)?;
    Some(format!("/users/{user_id}/posts?after={last}"))
}

impl NewPost {
    /// A new post from its title and body (not yet validated).
    pub fn new(title: impl Into<String>, body: impl Into<String>) -> Self {
        NewPost {
            title: title.into(),
            body: body.into(),
        }
    }
}

impl Validate for NewPost {
    fn validate(&self) -> Result<(), AppError> {
        TITLE.check(&self.title)?;
        BODY.check(&self.body)
    }
}

/// The rules for the posts sent with a new user: at most
/// [`MOST_FIRST_POSTS`], each valid. The message names the post that is not,
/// `posts[2].title must not be blank`, and nothing is written.
pub fn check_first_posts(posts: &[NewPost]) -> Result<(), AppError> {
    if posts.len() > MOST_FIRST_POSTS {
        return Err(AppError::Invalid(format!(
            "posts must hold at most {MOST_FIRST_POSTS} posts, got {}",
            posts.len()
        )));
    }
    for (index, post) in posts.iter().enumerate() {
        post.validate().map_err(|error| match error {
            AppError::Invalid(rule) => AppError::Invalid(format!("posts[{index}].{rule}")),
            other => other,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_one_to_two_hundred_characters_not_blank() {
        assert!(TITLE.check("a").is_ok());
        assert!(TITLE.check(&"é".repeat(200)).is_ok());
        for bad in [String::new(), " \t".into(), "é".repeat(201), "a\0b".into()] {
            assert!(TITLE.check(&bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_body_may_be_empty_but_not_too_long_or_hold_a_nul() {
        assert!(BODY.check("").is_ok());
        assert!(BODY.check(&"é".repeat(2000)).is_ok());
        assert!(BODY.check(&"é".repeat(2001)).is_err());
        assert!(BODY.check("a\0").is_err());
    }

    #[test]
    fn the_first_post_that_breaks_a_rule_is_named() {
        let posts = [NewPost::new("fine", ""), NewPost::new(" ", "")];
        let error = check_first_posts(&posts).expect_err("a blank title");
        assert_eq!(error.to_string(), "posts[1].title must not be blank");
        let too_many = vec![NewPost::new("t", "b"); MOST_FIRST_POSTS + 1];
        assert!(check_first_posts(&too_many).is_err());
        assert!(check_first_posts(&too_many[..MOST_FIRST_POSTS]).is_ok());
    }

    #[test]
    fn a_user_embeds_its_first_ten_posts_and_says_where_the_rest_are() {
        // Posts by their ids alone: the cut reads nothing else.
        let post = |id: i64| serde_json::json!({ "id": id });
        let mut ten: Vec<_> = (1..=10).map(post).collect();
        assert_eq!(keep_embedded_posts(7, &mut ten), None);
        assert_eq!(ten.len(), 10);
        let mut eleven: Vec<_> = (1..=11).map(post).collect();
        let more = keep_embedded_posts(7, &mut eleven);
        assert_eq!(eleven, (1..=10).map(post).collect::<Vec<_>>());
        assert_eq!(more.as_deref(), Some("/users/7/posts?after=10"));
    }

    #[test]
    fn null_posts_are_refused_and_absent_posts_are_none() {
        use crate::models::NewUser;
        let absent: NewUser =
            serde_json::from_str(r#"{"name": "a", "email": "a@b"}"#).expect("no posts");
        assert!(absent.posts.is_none());
        let null = r#"{"name": "a", "email": "a@b", "posts": null}"#;
        assert!(serde_json::from_str::<NewUser>(null).is_err());
    }
}
