//! The data access of posts, and of what joins them to users. No model
//! here either: what the API serves of `posts` (the view `exposed_posts`)
//! was read from the catalog with `users` ([`crate::store::Store::open`]),
//! and rows come back as JSON, nested by column name ([`crate::json_rows`]).
//!
//! - a post with its author is one SELECT with a join, in SQL text, whose
//!   author columns are renamed `"author.id"`, `"author.name"`, …: the row
//!   nests itself into `{…, "author": {…}}`;
//! - users with their posts are one SELECT whatever the page size: the page
//!   of users (a subquery, so that LIMIT counts users, not rows) LEFT JOINed
//!   to their first posts (cut per user by a second subquery), one row per
//!   post, and the rows that repeat a user are folded into one user with a
//!   list of posts;
//! - a post of one user is read with the query builder over the reflected
//!   table, as `list_users` reads users;
//! - a user with its first posts is one INSERT per row, in the transaction
//!   the route makes, so that if any is refused, none is kept.
//!
//! No read here costs a query per row (N+1). As everywhere in this app,
//! values are bound (`$1`, `$2`, …, numbered in order of appearance), never
//! pasted into the SQL text.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use serde_json::Value;
use shared::listing::UserListing;
use shared::models::NewUser;
use shared::post_models::{EMBEDDED_POSTS, NewPost, keep_embedded_posts};
use web_db::DbConnection;
use web_db::paging::{Page, id_of};

use crate::json_rows::{NamedRow, parents_with_children, row_to_json};
use crate::store::{ById, Store};

impl Store {
    /// The SELECT of posts joined to their authors, up to its WHERE.
    fn posts_with_authors(&self) -> String {
        format!(
            "SELECT {}, {} FROM exposed_posts AS p JOIN exposed_users AS u ON u.id = p.user_id",
            self.posts.qualified_column_list("p", None),
            self.users.qualified_column_list("u", Some("author"))
        )
    }

    /// Inserts a post of the user `user_id`, returning it with its new id.
    /// The database refuses a user that does not exist (the foreign key),
    /// even one deleted a moment ago by another request.
    pub fn create_post(
        &self,
        conn: &mut DbConnection,
        user_id: i64,
        new_post: &NewPost,
    ) -> QueryResult<Value> {
        let columns = self.posts.column_list();
        let row: NamedRow = diesel::sql_query(format!(
            "INSERT INTO posts (user_id, title, body) VALUES ($1, $2, $3) RETURNING {columns}"
        ))
        .bind::<BigInt, _>(user_id)
        .bind::<Text, _>(&new_post.title)
        .bind::<Text, _>(&new_post.body)
        .get_result(conn)?;
        Ok(row_to_json(row))
    }

    /// One page of the posts of a user, in id order; `None` if there is no
    /// such user.
    pub fn posts_of_user(
        &self,
        conn: &mut DbConnection,
        user_id: i64,
        page: &Page,
    ) -> QueryResult<Option<Vec<Value>>> {
        if self.find_user(conn, user_id)?.is_none() {
            return Ok(None);
        }
        let posts = self.posts.table();
        let rows: Vec<NamedRow> = posts
            .select(self.posts.select_all())
            .filter(posts.column::<BigInt, _>("user_id").eq(user_id))
            .filter(posts.column::<BigInt, _>("id").gt(page.after))
            .order(posts.column::<BigInt, _>("id").asc())
            .limit(page.limit)
            .offset(page.offset)
            .load(conn)?;
        Ok(Some(rows.into_iter().map(row_to_json).collect()))
    }

    /// One page of every post in id order, each with its author.
    pub fn list_posts(&self, conn: &mut DbConnection, page: &Page) -> QueryResult<Vec<Value>> {
        let select = self.posts_with_authors();
        let rows: Vec<NamedRow> = diesel::sql_query(format!(
            "{select} WHERE p.id > $1 ORDER BY p.id LIMIT $2 OFFSET $3"
        ))
        .bind::<BigInt, _>(page.after)
        .bind::<BigInt, _>(page.limit)
        .bind::<BigInt, _>(page.offset)
        .load(conn)?;
        Ok(rows.into_iter().map(row_to_json).collect())
    }

    /// The post with this id and its author, if there is one.
    pub fn find_post(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Option<Value>> {
        let sql = format!("{} WHERE p.id = ", self.posts_with_authors());
        let row: Option<NamedRow> = ById { sql, id }.get_result(conn).optional()?;
        Ok(row.map(row_to_json))
    }

    /// Deletes a post; false if there was no such post.
    pub fn delete_post(&self, conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
        let sql = "DELETE FROM posts WHERE id = ".to_owned();
        let deleted = ById { sql, id }.execute(conn)?;
        Ok(deleted > 0)
    }

    /// The page of users [`Store::list_users`] returns, each with its first
    /// posts: `EMBEDDED_POSTS` at most, and where the rest are.
    pub fn list_users_with_posts(
        &self,
        conn: &mut DbConnection,
        listing: &UserListing,
    ) -> QueryResult<Vec<Value>> {
        // One of two fixed filters, never text from the request. A single
        // `name = COALESCE($1, name)` would serve both, but the planner
        // cannot use the index on `name` through it: it would read every
        // user. Either way `$1` is bound, to the name or to NULL. Each
        // user's posts stop at its 11th, one more than are embedded (to know
        // if there are more): the subquery finds that post's id in the index
        // on (user_id, id), so a user with a million posts costs 11 entries
        // of it, not a million rows.
        let only_named = match listing.name {
            Some(_) => "name = $1",
            None => "$1 IS NULL",
        };
        let rows: Vec<NamedRow> = diesel::sql_query(format!(
            "SELECT {}, {} \
             FROM (SELECT {} FROM exposed_users WHERE {only_named} AND id > $2 \
                   ORDER BY id LIMIT $3 OFFSET $4) AS u \
             LEFT JOIN exposed_posts AS p ON p.user_id = u.id \
               AND p.id <= COALESCE((SELECT id FROM exposed_posts WHERE user_id = u.id \
                                     ORDER BY id LIMIT 1 OFFSET $5), 9223372036854775807) \
             ORDER BY u.id, p.id",
            self.users.qualified_column_list("u", None),
            self.posts.qualified_column_list("p", Some("posts")),
            self.users.column_list()
        ))
        .bind::<Nullable<Text>, _>(&listing.name)
        .bind::<BigInt, _>(listing.page.after)
        .bind::<BigInt, _>(listing.page.limit)
        .bind::<BigInt, _>(listing.page.offset)
        .bind::<BigInt, _>(EMBEDDED_POSTS as i64)
        .load(conn)?;
        Ok(parents_with_children(rows, "posts")
            .into_iter()
            .map(|(user, posts)| user_with_posts(user, posts))
            .collect())
    }

    /// Inserts a user, then its first posts: a write across two tables. It
    /// runs in the one transaction the route makes, so a post the database
    /// refuses takes the user with it.
    pub fn create_user_with_posts(
        &self,
        conn: &mut DbConnection,
        new_user: &NewUser,
        first_posts: &[NewPost],
    ) -> QueryResult<Value> {
        let user = self.create_user(conn, new_user)?;
        let user_id = id_of(&user).ok_or_else(|| {
            diesel::result::Error::QueryBuilderError("the new user came back without an id".into())
        })?;
        let posts = first_posts
            .iter()
            .map(|post| self.create_post(conn, user_id, post))
            .collect::<QueryResult<Vec<Value>>>()?;
        Ok(user_with_posts(user, posts))
    }
}

/// The user's object gets a field `posts` with its first posts, and
/// `more_posts` if it has more (`keep_embedded_posts`, as the models do).
fn user_with_posts(mut user: Value, mut posts: Vec<Value>) -> Value {
    let more_posts = id_of(&user).and_then(|id| keep_embedded_posts(id, &mut posts));
    if let Value::Object(fields) = &mut user {
        fields.insert("posts".to_owned(), Value::Array(posts));
        if let Some(more_posts) = more_posts {
            fields.insert("more_posts".to_owned(), Value::String(more_posts));
        }
    }
    user
}
