//! The data access of comments in the declarative pattern: `Comment`
//! derives `Associations` with `belongs_to(Post)`, so a post's comments are
//! `Comment::belonging_to(&post)`.

use diesel::prelude::*;
use shared::DbConnection;
use shared::comment_models::{Comment, NewComment};
use shared::comment_store::CommentStore;
use shared::listing::Page;
use shared::post_models::Post;
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
        let Some(post) = posts::table
            .find(post_id)
            .select(Post::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(None);
        };
        // `belongs_to(Post)` on `Comment` at work: WHERE post_id = post.id.
        Comment::belonging_to(&post)
            .select(Comment::as_select())
            .filter(comments::id.gt(page.after))
            .order(comments::id.asc())
            .limit(page.limit)
            .offset(page.offset)
            .load(conn)
            .map(Some)
    }
}
