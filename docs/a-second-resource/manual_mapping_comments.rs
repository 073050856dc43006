//! The data access of comments in the manual-mapping pattern: the mapping
//! of a comment, by hand, beside the queries that use it.

use diesel::prelude::*;
use shared::DbConnection;
use shared::comment_models::{Comment, NewComment};
use shared::comment_store::CommentStore;
use shared::listing::Page;
use shared::schema::{comments, posts};

use crate::store::Store;

/// The columns a comment is read from, in the order of [`CommentRow`].
const COMMENT_COLUMNS: (comments::id, comments::post_id, comments::body) =
    (comments::id, comments::post_id, comments::body);

/// One row of [`COMMENT_COLUMNS`].
type CommentRow = (i32, i32, String);

/// A row becomes a `Comment`.
fn comment_from_row((id, post_id, body): CommentRow) -> Comment {
    Comment { id, post_id, body }
}

impl CommentStore for Store {
    type Comment = Comment;

    fn create_comment(
        &self,
        conn: &mut DbConnection,
        post_id: i32,
        new_comment: &NewComment,
    ) -> QueryResult<Comment> {
        diesel::insert_into(comments::table)
            .values((
                comments::post_id.eq(post_id),
                comments::body.eq(new_comment.body.as_str()),
            ))
            .returning(COMMENT_COLUMNS)
            .get_result(conn)
            .map(comment_from_row)
    }

    fn comments_of_post(
        &self,
        conn: &mut DbConnection,
        post_id: i32,
        page: &Page,
    ) -> QueryResult<Option<Vec<Comment>>> {
        let post: Option<i32> = posts::table
            .find(post_id)
            .select(posts::id)
            .first(conn)
            .optional()?;
        if post.is_none() {
            return Ok(None);
        }
        let rows: Vec<CommentRow> = comments::table
            .filter(comments::post_id.eq(post_id))
            .filter(comments::id.gt(page.after))
            .select(COMMENT_COLUMNS)
            .order(comments::id.asc())
            .limit(page.limit)
            .offset(page.offset)
            .load(conn)?;
        Ok(Some(rows.into_iter().map(comment_from_row).collect()))
    }
}
