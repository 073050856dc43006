//! The `Comment` model and its rules: what readers say about a post.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppError;
use crate::models::{Validate, check_not_blank};
use crate::post_models::Post;
use crate::schema::comments;

/// The longest comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 500;

/// A comment as stored and as sent to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Queryable, Selectable, ToSchema)]
// The child of `Post`, as a post is the child of `User`.
#[derive(Identifiable, Associations)]
#[diesel(belongs_to(Post))]
#[diesel(table_name = comments)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Comment {
    /// Assigned by the database.
    #[schema(minimum = 1)]
    pub id: i32,
    /// The post it is about.
    #[schema(minimum = 1)]
    pub post_id: i32,
    /// 1 to 500 characters, not blank.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub body: String,
}

/// The body of `POST /posts/{id}/comments`: a comment whose post is named by
/// the path.
#[derive(Debug, Clone, Serialize, Deserialize, Insertable, ToSchema)]
#[diesel(table_name = comments)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// 1 to 500 characters, not blank.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub body: String,
}

impl Validate for NewComment {
    fn validate(&self) -> Result<(), AppError> {
        check_not_blank("body", &self.body, COMMENT_MAX_CHARS)
    }
}
