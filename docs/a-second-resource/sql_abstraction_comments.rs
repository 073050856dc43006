    /// Inserts a comment on the post `post_id`, returning it with its new
    /// id. The database refuses a post that does not exist (the foreign key).
    pub fn create_comment(
        &self,
        conn: &mut DbConnection,
        post_id: i64,
        new_comment: &NewComment,
    ) -> QueryResult<Value> {
        let row: NamedRow = diesel::sql_query(
            "INSERT INTO comments (post_id, body) VALUES ($1, $2) RETURNING id, post_id, body",
        )
        .bind::<BigInt, _>(post_id)
        .bind::<Text, _>(&new_comment.body)
        .get_result(conn)?;
        Ok(row_to_json(row))
    }

    /// One page of a post's comments, in id order; `None` if there is no
    /// such post.
    pub fn comments_of_post(
        &self,
        conn: &mut DbConnection,
        post_id: i64,
        page: &Page,
    ) -> QueryResult<Option<Vec<Value>>> {
        if self.find_post(conn, post_id)?.is_none() {
            return Ok(None);
        }
        let rows: Vec<NamedRow> = diesel::sql_query(
            "SELECT id, post_id, body FROM comments WHERE post_id = $1 AND id > $2 \
             ORDER BY id LIMIT $3 OFFSET $4",
        )
        .bind::<BigInt, _>(post_id)
        .bind::<BigInt, _>(page.after)
        .bind::<BigInt, _>(page.limit)
        .bind::<BigInt, _>(page.offset)
        .load(conn)?;
        Ok(Some(rows.into_iter().map(row_to_json).collect()))
    }

    /// The comment with this id, if there is one.
    pub fn find_comment(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Option<Value>> {
        let row: Option<NamedRow> =
            diesel::sql_query("SELECT id, post_id, body FROM comments WHERE id = $1")
                .bind::<BigInt, _>(id)
                .get_result(conn)
                .optional()?;
        Ok(row.map(row_to_json))
    }

