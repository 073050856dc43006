//! The data access of comments: the [`CommentStore`] trait, which a store
//! implements as it does [`PostStore`].

use diesel::QueryResult;
use serde::Serialize;

use crate::comment_models::{Comment, NewComment};
use crate::connection::DbConnection;
use crate::listing::Page;
use crate::post_store::PostStore;

/// Every database operation on comments.
pub trait CommentStore: PostStore {
    /// How the store represents a comment: the `Comment` model, or a JSON
    /// object.
    type Comment: Serialize + CommentId + Send + 'static;

    /// Inserts a comment on the post `post_id`, returning it with its new
    /// id. The database refuses a post that does not exist (the foreign
    /// key): see [`crate::error::AppError::post_gone`].
    fn create_comment(
        &self,
        conn: &mut DbConnection,
        post_id: i32,
        new_comment: &NewComment,
    ) -> QueryResult<Self::Comment>;

    /// One page of the comments on a post, in id order; `None` if there is
    /// no such post.
    fn comments_of_post(
        &self,
        conn: &mut DbConnection,
        post_id: i32,
        page: &Page,
    ) -> QueryResult<Option<Vec<Self::Comment>>>;
}

/// Where a comment can be found again: its id (the next page of a list
/// starts after the last one).
pub trait CommentId {
    /// The comment's id, if it has one.
    fn comment_id(&self) -> Option<i32>;
}

impl CommentId for Comment {
    fn comment_id(&self) -> Option<i32> {
        Some(self.id)
    }
}

impl CommentId for serde_json::Value {
    fn comment_id(&self) -> Option<i32> {
        self["id"].as_i64().and_then(|id| i32::try_from(id).ok())
    }
}
