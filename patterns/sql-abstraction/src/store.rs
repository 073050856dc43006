//! The data access of users: no model type for rows at all, and no table
//! known at compile time. The store reads the columns the API serves of
//! `users` (those of the view `exposed_users`) from the database when it
//! opens ([`crate::reflected_table`]), reads through that view, and answers
//! what a write returns of those columns; rows come back as JSON objects
//! keyed by column name ([`crate::json_rows`]). Two ways of talking to the
//! database, each where it fits:
//!
//! - the **query builder over a table read at run time**
//!   (`diesel-dynamic-schema`): table and columns are named by strings, and
//!   the builder still writes the SQL and binds the values
//!   ([`Store::list_users`]);
//! - **textual SQL** with bound parameters (`$1, $2, …`, numbered in order of
//!   appearance, so the same text runs on SQLite and PostgreSQL) for the
//!   writes, and for a row by id (`ById`, below), kept prepared.
//!
//! Values always travel as bound parameters, never inside the SQL text: a
//! quote, `;` or `--` in a name is data, not SQL. The only text the program
//! puts into SQL is the list of columns the catalog gave, quoted as names.

use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, Text, Untyped};
use serde_json::Value;
use shared::listing::UserListing;
use shared::models::{NewUser, UserChanges};
use web_db::DbConnection;
use web_db::connection::DbBackend;

use crate::json_rows::{NamedRow, row_to_json};
use crate::reflected_table::ReflectedTable;

/// The data access: every query the app runs, over the `users` and `posts`
/// tables as their views (`exposed_users`, `exposed_posts`) described them
/// when the store opened. Each
/// function runs on a connection the route borrowed for it; a write runs in
/// the transaction `DbSession::write` made for it, so none commits here.
pub struct Store {
    pub(crate) users: ReflectedTable,
    pub(crate) posts: ReflectedTable,
}

impl Store {
    /// Reads the columns of `exposed_users` and `exposed_posts` from the
    /// catalog: one statement each, once, as the app starts. The queries
    /// name `id`, `name` and `email`, and `id`, `user_id`, `title` and
    /// `body`, so a view without them fails here, not on a request.
    pub fn open(conn: &mut DbConnection) -> QueryResult<Store> {
        // A user's answer may nest its `posts`, a post's its `author`.
        let user_columns = ["id", "name", "email"];
        let users = ReflectedTable::read(conn, "exposed_users", &user_columns, &["posts"])?;
        let post_columns = ["id", "user_id", "title", "body"];
        let posts = ReflectedTable::read(conn, "exposed_posts", &post_columns, &["author"])?;
        Ok(Store { users, posts })
    }

    /// One page of users in id order, optionally only those with an exact name.
    pub fn list_users(
        &self,
        conn: &mut DbConnection,
        listing: &UserListing,
    ) -> QueryResult<Vec<Value>> {
        let users = self.users.table();
        let mut query = users
            .select(self.users.select_all())
            .filter(users.column::<BigInt, _>("id").gt(listing.page.after))
            .order(users.column::<BigInt, _>("id").asc())
            .limit(listing.page.limit)
            .offset(listing.page.offset)
            .into_boxed();
        if let Some(name) = &listing.name {
            query = query.filter(users.column::<Text, _>("name").eq(name));
        }
        let rows: Vec<NamedRow> = query.load(conn)?;
        Ok(rows.into_iter().map(row_to_json).collect())
    }

    /// The user with this id, if there is one.
    pub fn find_user(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Option<Value>> {
        let sql = format!(
            "SELECT {} FROM exposed_users WHERE id = ",
            self.users.column_list()
        );
        let row: Option<NamedRow> = ById { sql, id }.get_result(conn).optional()?;
        Ok(row.map(row_to_json))
    }

    /// Inserts a user, returning it with its new id.
    pub fn create_user(&self, conn: &mut DbConnection, new_user: &NewUser) -> QueryResult<Value> {
        let columns = self.users.column_list();
        let row: NamedRow = diesel::sql_query(format!(
            "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING {columns}"
        ))
        .bind::<Text, _>(&new_user.name)
        .bind::<Text, _>(&new_user.email)
        .get_result(conn)?;
        Ok(row_to_json(row))
    }

    /// Applies the changes that are present (never none: the route answers
    /// an empty PATCH without an UPDATE); `None` if there is no such user.
    pub fn update_user(
        &self,
        conn: &mut DbConnection,
        id: i64,
        changes: &UserChanges,
    ) -> QueryResult<Option<Value>> {
        // One statement for every combination of fields: a NULL parameter
        // keeps the column as it is. No SQL is assembled from the request.
        let columns = self.users.column_list();
        let row: Option<NamedRow> = diesel::sql_query(format!(
            "UPDATE users SET name = COALESCE($1, name), email = COALESCE($2, email) \
             WHERE id = $3 RETURNING {columns}"
        ))
        .bind::<Nullable<Text>, _>(&changes.name)
        .bind::<Nullable<Text>, _>(&changes.email)
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .optional()?;
        Ok(row.map(row_to_json))
    }

    /// Deletes a user, and its posts with it; false if there was no such user.
    pub fn delete_user(&self, conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
        let sql = "DELETE FROM users WHERE id = ".to_owned();
        let deleted = ById { sql, id }.execute(conn)?;
        Ok(deleted > 0)
    }
}

/// A statement on the row with this id, in textual SQL: `sql` ends in
/// `WHERE id = `, and the backend writes the placeholder after it (`?` or
/// `$1`). The connection keeps it prepared, keyed by its text, where
/// `diesel::sql_query` is never kept (its text might hold values, so it is
/// parsed again on every call: two fifths of what diesel and SQLite spent on
/// a read by id). Texts made here hold only the names the catalog gave, so
/// the statements kept are one per function that uses it. `Query` (rows of
/// any shape, read by name) and `RunQueryDsl` give it `get_result` and
/// `execute`.
pub(crate) struct ById {
    pub sql: String,
    pub id: i64,
}

impl QueryFragment<DbBackend> for ById {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DbBackend>) -> QueryResult<()> {
        out.push_sql(&self.sql);
        out.push_bind_param::<BigInt, _>(&self.id)
    }
}

impl QueryId for ById {
    type QueryId = ();
    // Not known from the type: diesel keys the statement by its text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for ById {
    type SqlType = Untyped;
}

impl RunQueryDsl<DbConnection> for ById {}
