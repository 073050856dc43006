//! The data access of users: every query the app runs on them, with every
//! row ⇄ `User` conversion going through [`crate::users_mapping`]. Nothing
//! outside this file sees a tuple or a column.

use diesel::prelude::*;
use shared::listing::UserListing;
use shared::models::{NewUser, User, UserChanges};
use shared::schema::users;
use web_db::DbConnection;

use crate::users_mapping::{
    USER_COLUMNS, UserRow, insert_values, update_assignments, user_from_row, user_row,
};

/// The data access: every query the app runs. Each function runs on a
/// connection the route borrowed for it; a write runs in the transaction
/// `DbSession::write` made for it, so none commits here, and one of several
/// statements is kept whole or not at all.
///
/// It holds nothing (the tables are known at compile time, in `schema.rs`),
/// but it is a value the app opens as it starts, kept in the app's data for
/// the routes ([`Store::open`]): a store that must read something of the
/// database first has a place to keep it.
pub struct Store;

impl Store {
    /// Opens the store, before the app takes a request: there is nothing
    /// to read.
    pub fn open(_: &mut DbConnection) -> QueryResult<Store> {
        Ok(Store)
    }

    /// One page of users in id order, optionally only those with an exact name.
    pub fn list_users(
        &self,
        conn: &mut DbConnection,
        listing: &UserListing,
    ) -> QueryResult<Vec<User>> {
        let mut query = users::table
            .select(USER_COLUMNS)
            .filter(users::id.gt(listing.page.after))
            .order(users::id.asc())
            .limit(listing.page.limit)
            .offset(listing.page.offset)
            .into_boxed();
        if let Some(name) = &listing.name {
            query = query.filter(users::name.eq(name));
        }
        let rows: Vec<UserRow> = query.load(conn)?;
        Ok(rows.into_iter().map(user_from_row).collect())
    }

    /// The user with this id, if there is one.
    pub fn find_user(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Option<User>> {
        let row: Option<UserRow> = web_db::on_backend!(
            conn,
            user_row(id).select(USER_COLUMNS).first(conn).optional()
        )?;
        Ok(row.map(user_from_row))
    }

    /// Inserts a user, returning it with its new id.
    pub fn create_user(&self, conn: &mut DbConnection, new_user: &NewUser) -> QueryResult<User> {
        let row: UserRow = web_db::on_backend!(
            conn,
            diesel::insert_into(users::table)
                .values(insert_values(new_user))
                .returning(USER_COLUMNS)
                .get_result(conn)
        )?;
        Ok(user_from_row(row))
    }

    /// Applies the changes that are present (never none: the route answers
    /// an empty PATCH without an UPDATE); `None` if there is no such user.
    pub fn update_user(
        &self,
        conn: &mut DbConnection,
        id: i64,
        changes: &UserChanges,
    ) -> QueryResult<Option<User>> {
        let row: Option<UserRow> = diesel::update(user_row(id))
            .set(update_assignments(changes))
            .returning(USER_COLUMNS)
            .get_result(conn)
            .optional()?;
        Ok(row.map(user_from_row))
    }

    /// Deletes a user, and its posts with it; false if there was no such user.
    pub fn delete_user(&self, conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
        let deleted = diesel::delete(user_row(id)).execute(conn)?;
        Ok(deleted > 0)
    }
}
