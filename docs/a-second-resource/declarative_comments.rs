//! The data access of comments in the declarative pattern: `Comment`
//! derives `Associations` with `belongs_to(Post)`, and
//! `joinable!(comments -> posts (post_id))` is in `schema.rs`.

use diesel::prelude::*;
use shared::DbConnection;
use shared::comment_models::{Comment, NewComment};
use shared::comment_store::CommentStore;
use shared::listing::Page;
use shared::schema::{comments, posts};

use crate::store::Store;

impl CommentStore for Store {
    type Comment = Comment;

    fn create_comment(
        &self,
        conn: &mut DbConnection,
        post_id: i32,
        new_comment: &NewComment,
    ) -> QueryResult<Comment> {
        diesel::insert_into(comments::table)
            .values((comments::post_id.eq(post_id), new_comment))
            .get_result(conn)
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
        comments::table
            .filter(comments::post_id.eq(post_id))
            .select(Comment::as_select())
            .order(comments::id.asc())
            .limit(page.limit)
            .offset(page.offset)
            .load(conn)
            .map(Some)
    }
}
