//! The data access of the SQL-abstraction-layer pattern: no model type for
//! rows at all. Three ways of talking to the database, each where it fits:
//!
//! - diesel's **query builder** over the `users` table and its columns from
//!   `schema.rs`, returning plain tuples ([`Store::list_users`]): the schema
//!   is known at compile time, so the compiler checks names and types;
//! - a **table read at run time** with `diesel-dynamic-schema`, by table and
//!   column names that are plain strings ([`Store::first_user_named`]): the
//!   counterpart of reflecting a table;
//! - **textual SQL** with bound parameters (`$1, $2, …`, numbered in order of
//!   appearance, so the same text runs on SQLite and PostgreSQL) for the
//!   writes and one read.
//!
//! Rows come back as JSON objects keyed by column name ([`crate::json_rows`]).
//! Values always travel as bound parameters, never inside the SQL text: a
//! quote, `;` or `--` in a name is data, not SQL.

use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text, Untyped};
use diesel_dynamic_schema::{DynamicSelectClause, table};
use serde_json::{Value, json};
use shared::DbConnection;
use shared::listing::UserListing;
use shared::models::{NewUser, UserChanges};
use shared::schema::users;
use shared::user_store::UserStore;

use crate::json_rows::{NamedRow, row_to_json};

/// The SQL-abstraction data access.
pub struct Store;

impl UserStore for Store {
    type User = Value;

    fn list_users(conn: &mut DbConnection, listing: &UserListing) -> QueryResult<Vec<Value>> {
        let mut query = users::table
            .select((users::id, users::name, users::email))
            .order(users::id.asc())
            .limit(listing.limit)
            .offset(listing.offset)
            .into_boxed();
        if let Some(name) = &listing.name {
            query = query.filter(users::name.eq(name));
        }
        let rows: Vec<(i32, String, String)> = query.load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, email)| json!({ "id": id, "name": name, "email": email }))
            .collect())
    }

    fn find_user(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Value>> {
        let row: Option<NamedRow> =
            diesel::sql_query("SELECT id, name, email FROM users WHERE id = $1")
                .bind::<Integer, _>(id)
                .get_result(conn)
                .optional()?;
        Ok(row.map(row_to_json))
    }

    fn first_user_named(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Value>> {
        // The table and its columns are named by strings at run time:
        // nothing here comes from schema.rs.
        let users = table("users");
        let id = users.column::<Integer, _>("id");
        let name_column = users.column::<Text, _>("name");
        let mut columns = DynamicSelectClause::new();
        for column in ["id", "name", "email"] {
            columns.add_field(users.column::<Untyped, _>(column));
        }
        let row: Option<NamedRow> = users
            .select(columns)
            .filter(name_column.eq(name))
            .order(id.asc())
            .first(conn)
            .optional()?;
        Ok(row.map(row_to_json))
    }

    fn create_user(conn: &mut DbConnection, new_user: &NewUser) -> QueryResult<Value> {
        let row: NamedRow = diesel::sql_query(
            "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id, name, email",
        )
        .bind::<Text, _>(&new_user.name)
        .bind::<Text, _>(&new_user.email)
        .get_result(conn)?;
        Ok(row_to_json(row))
    }

    fn update_user(
        conn: &mut DbConnection,
        id: i32,
        changes: &UserChanges,
    ) -> QueryResult<Option<Value>> {
        // One statement for every combination of fields: a NULL parameter
        // keeps the column as it is. No SQL text is assembled at run time.
        let row: Option<NamedRow> = diesel::sql_query(
            "UPDATE users SET name = COALESCE($1, name), email = COALESCE($2, email) \
             WHERE id = $3 RETURNING id, name, email",
        )
        .bind::<Nullable<Text>, _>(&changes.name)
        .bind::<Nullable<Text>, _>(&changes.email)
        .bind::<Integer, _>(id)
        .get_result(conn)
        .optional()?;
        Ok(row.map(row_to_json))
    }

    fn delete_user(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
        let deleted = diesel::sql_query("DELETE FROM users WHERE id = $1")
            .bind::<Integer, _>(id)
            .execute(conn)?;
        Ok(deleted > 0)
    }
}
