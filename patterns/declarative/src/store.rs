//! The data access of users: every query the app runs on them.
//!
//! The derives on [`User`], [`NewUser`] and [`UserChanges`] (`models.rs`) are
//! the mapping: `User::as_select()` names the columns to read and how they
//! fill a `User`, `NewUser` is `Insertable`, and `UserChanges` is an
//! `AsChangeset` whose `None` fields are left out of the UPDATE. The query DSL
//! is checked against `schema.rs` at compile time: a misspelt column, or a
//! field whose type does not match its column, does not build.

use diesel::prelude::*;
use shared::listing::UserListing;
use shared::models::{NewUser, User, UserChanges};
use shared::schema::users;
use web_db::DbConnection;

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
            .select(User::as_select())
            .filter(users::id.gt(listing.page.after))
            .order(users::id.asc())
            .limit(listing.page.limit)
            .offset(listing.page.offset)
            .into_boxed();
        if let Some(name) = &listing.name {
            query = query.filter(users::name.eq(name));
        }
        query.load(conn)
    }

    /// The user with this id, if there is one.
    pub fn find_user(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Option<User>> {
        web_db::on_backend!(
            conn,
            users::table
                .find(id)
                .select(User::as_select())
                .first(conn)
                .optional()
        )
    }

    /// Inserts a user, returning it with its new id.
    pub fn create_user(&self, conn: &mut DbConnection, new_user: &NewUser) -> QueryResult<User> {
        web_db::on_backend!(
            conn,
            diesel::insert_into(users::table)
                .values(new_user)
                .get_result(conn)
        )
    }

    /// Applies the changes that are present (never none: the route answers
    /// an empty PATCH without an UPDATE); `None` if there is no such user.
    pub fn update_user(
        &self,
        conn: &mut DbConnection,
        id: i64,
        changes: &UserChanges,
    ) -> QueryResult<Option<User>> {
        diesel::update(users::table.find(id))
            .set(changes)
            .get_result(conn)
            .optional()
    }

    /// Deletes a user, and its posts with it; false if there was no such user.
    pub fn delete_user(&self, conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
        let deleted = diesel::delete(users::table.find(id)).execute(conn)?;
        Ok(deleted > 0)
    }
}
