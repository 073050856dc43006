    /// Inserts a comment on the post `post_id`, returning it with its new
    /// id. The database refuses a post that does not exist (the foreign key).
    pub fn create_comment(
        &self,
        conn: &mut DbConnection,
        post_id: i64,
        new_comment: &NewComment,
    ) -> QueryResult<Comment> {
        diesel::insert_into(comments::table)
            .values((comments::post_id.eq(post_id), new_comment))
            .get_result(conn)
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
        comments::table
            .filter(comments::post_id.eq(post_id))
            .filter(comments::id.gt(page.after))
            .order(comments::id.asc())
            .limit(page.limit)
            .offset(page.offset)
            .select(Comment::as_select())
            .load(conn)
            .map(Some)
    }

    /// The comment with this id, if there is one.
    pub fn find_comment(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Option<Comment>> {
        comments::table
            .find(id)
            .select(Comment::as_select())
            .first(conn)
            .optional()
    }

