//! The data access of comments in the SQL-abstraction pattern: SQL text
//! with bound parameters, rows turned into JSON by column name.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use serde_json::Value;
use shared::DbConnection;
use shared::comment_models::NewComment;
use shared::comment_store::CommentStore;
use shared::listing::Page;

use crate::json_rows::{NamedRow, row_to_json};
use crate::store::Store;

impl CommentStore for Store {
    type Comment = Value;

    fn create_comment(
        &self,
        conn: &mut DbConnection,
        post_id: i32,
        new_comment: &NewComment,
    ) -> QueryResult<Value> {
        let row: NamedRow = diesel::sql_query(
            "INSERT INTO comments (post_id, body) VALUES ($1, $2) RETURNING id, post_id, body",
        )
        .bind::<Integer, _>(post_id)
        .bind::<Text, _>(&new_comment.body)
        .get_result(conn)?;
        Ok(row_to_json(row))
    }

    fn comments_of_post(
        &self,
        conn: &mut DbConnection,
        post_id: i32,
        page: &Page,
    ) -> QueryResult<Option<Vec<Value>>> {
        let post: Option<NamedRow> = diesel::sql_query("SELECT id FROM posts WHERE id = $1")
            .bind::<Integer, _>(post_id)
            .get_result(conn)
            .optional()?;
        if post.is_none() {
            return Ok(None);
        }
        let rows: Vec<NamedRow> = diesel::sql_query(
            "SELECT id, post_id, body FROM comments WHERE post_id = $1 AND id > $2 \
             ORDER BY id LIMIT $3 OFFSET $4",
        )
        .bind::<Integer, _>(post_id)
        .bind::<Integer, _>(page.after)
        .bind::<BigInt, _>(page.limit)
        .bind::<BigInt, _>(page.offset)
        .load(conn)?;
        Ok(Some(rows.into_iter().map(row_to_json).collect()))
    }
}
