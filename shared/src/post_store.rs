//! The data access of the second resource, posts, and of what joins them to
//! users: the [`PostStore`] trait. One trait per resource, so that neither
//! grows a method for everything; a store implements both.

use diesel::QueryResult;
use serde::Serialize;

use web_db::connection::DbConnection;
use crate::listing::UserListing;
use web_db::paging::Page;
use crate::models::NewUser;
use crate::post_models::{NewPost, Post, PostWithAuthor, UserWithPosts};
use crate::user_store::{UserId, UserStore};

/// Every database operation on posts, and the reads and the write that put
/// a user and its posts together.
///
/// As for [`UserStore`], each function runs on a borrowed connection, and
/// the routes make the transaction a write runs in: a function of several
/// statements, [`PostStore::create_user_with_posts`], is written as if
/// nothing could fail halfway, and if something does, none of it is kept.
///
/// No read here may cost a query per row (N+1): a page of posts with their
/// authors, or of users with their posts, takes the same number of
/// statements whatever its size (the conformance suite counts them).
pub trait PostStore: UserStore {
    /// How the store represents a post: the [`Post`] model, or a JSON object.
    type Post: Serialize + PostId + Send + 'static;
    /// A post with its `author`.
    type PostWithAuthor: Serialize + PostId + Send + 'static;
    /// A user with its `posts`.
    type UserWithPosts: Serialize + UserId + Send + 'static;

    /// Inserts a post of the user `user_id`, returning it with its new id.
    /// The database refuses a user that does not exist (the foreign key),
    /// even one deleted a moment ago by another request: see
    /// [`web_db::AppError::on_foreign_key_violation`].
    fn create_post(
        &self,
        conn: &mut DbConnection,
        user_id: i32,
        new_post: &NewPost,
    ) -> QueryResult<Self::Post>;

    /// One page of the posts of a user, in id order; `None` if there is no
    /// such user.
    fn posts_of_user(
        &self,
        conn: &mut DbConnection,
        user_id: i32,
        page: &Page,
    ) -> QueryResult<Option<Vec<Self::Post>>>;

    /// One page of every post in id order, each with its author.
    fn list_posts(
        &self,
        conn: &mut DbConnection,
        page: &Page,
    ) -> QueryResult<Vec<Self::PostWithAuthor>>;

    /// The post with this id and its author, if there is one.
    fn find_post(
        &self,
        conn: &mut DbConnection,
        id: i32,
    ) -> QueryResult<Option<Self::PostWithAuthor>>;

    /// Deletes a post; false if there was no such post.
    fn delete_post(&self, conn: &mut DbConnection, id: i32) -> QueryResult<bool>;

    /// The page of users [`UserStore::list_users`] returns, each with its
    /// first posts: [`crate::post_models::EMBEDDED_POSTS`] at most, and
    /// where the rest are ([`crate::post_models::keep_embedded_posts`]).
    fn list_users_with_posts(
        &self,
        conn: &mut DbConnection,
        listing: &UserListing,
    ) -> QueryResult<Vec<Self::UserWithPosts>>;

    /// A user and its posts as one answer: how the store puts them together.
    fn user_with_posts(user: Self::User, posts: Vec<Self::Post>) -> Self::UserWithPosts;

    /// Inserts a user, then its first posts: a write across two tables. It
    /// runs in the one transaction the route makes, so a post the database
    /// refuses takes the user with it; written here once, as it is the same
    /// statements in each store's own words.
    fn create_user_with_posts(
        &self,
        conn: &mut DbConnection,
        new_user: &NewUser,
        first_posts: &[NewPost],
    ) -> QueryResult<Self::UserWithPosts> {
        let user = self.create_user(conn, new_user)?;
        let user_id = user.user_id().ok_or_else(|| {
            diesel::result::Error::QueryBuilderError("the new user came back without an id".into())
        })?;
        let posts = first_posts
            .iter()
            .map(|post| self.create_post(conn, user_id, post))
            .collect::<QueryResult<Vec<Self::Post>>>()?;
        Ok(Self::user_with_posts(user, posts))
    }
}

/// Where a created post can be found again: its id.
pub trait PostId {
    /// The post's id, if it has one.
    fn post_id(&self) -> Option<i32>;
}

impl PostId for Post {
    fn post_id(&self) -> Option<i32> {
        Some(self.id)
    }
}

impl PostId for PostWithAuthor {
    fn post_id(&self) -> Option<i32> {
        Some(self.post.id)
    }
}

impl PostId for serde_json::Value {
    fn post_id(&self) -> Option<i32> {
        self["id"].as_i64().and_then(|id| i32::try_from(id).ok())
    }
}

impl UserId for UserWithPosts {
    fn user_id(&self) -> Option<i32> {
        Some(self.user.id)
    }
}
