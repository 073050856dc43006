    /// Inserts a comment on the post `post_id`, returning it with its new
    /// id. The database refuses a post that does not exist (the foreign key).
    pub fn create_comment(
        &self,
        conn: &mut DbConnection,
        post_id: i64,
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

    /// One page of a post's comments, in id order; `None` if there is no
    /// such post.
    pub fn comments_of_post(
        &self,
        conn: &mut DbConnection,
        post_id: i64,
        page: &Page,
    ) -> QueryResult<Option<Vec<Comment>>> {
        if self.find_post(conn, post_id)?.is_none() {
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

    /// The comment with this id, if there is one.
    pub fn find_comment(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Option<Comment>> {
        let row: Option<CommentRow> = comments::table
            .find(id)
            .select(COMMENT_COLUMNS)
            .first(conn)
            .optional()?;
        Ok(row.map(comment_from_row))
    }

