//! What a pattern provides: its data access, as an implementation of
//! [`UserStore`]. The routes and the demo are written once, against this
//! trait, so the patterns differ only where their approach differs.

use diesel::QueryResult;
use serde::Serialize;

use web_db::connection::DbConnection;
use crate::listing::UserListing;
use crate::models::{NewUser, User, UserChanges};

/// The data access: every database operation the app needs.
///
/// Each function runs synchronously on a borrowed connection: diesel is
/// synchronous. The routes call the reads through [`crate::DbSession::read`]
/// and the writes through [`crate::DbSession::write`], which wraps each call
/// in a transaction and commits it: a store function never commits, so a
/// write of several statements cannot be half kept.
///
/// A store is a value, opened once as the app starts ([`UserStore::open`]):
/// most know their table at compile time and hold nothing, but one that reads
/// its table's shape from the database keeps what it read.
pub trait UserStore: Send + Sync + Sized + 'static {
    /// How the store represents a user read from the database: the [`User`]
    /// model, or a plain JSON object when there is no model.
    type User: Serialize + UserId + Send + 'static;

    /// Opens the store on a database, before the app takes a request: reads
    /// whatever it must know of the database first. A store whose table is
    /// known at compile time reads nothing.
    fn open(conn: &mut DbConnection) -> QueryResult<Self>;

    /// One page of users in id order, optionally only those with an exact name.
    fn list_users(
        &self,
        conn: &mut DbConnection,
        listing: &UserListing,
    ) -> QueryResult<Vec<Self::User>>;

    /// The user with this id, if there is one.
    fn find_user(&self, conn: &mut DbConnection, id: i32) -> QueryResult<Option<Self::User>>;

    /// The first user (lowest id) with this name, if there is one.
    fn first_user_named(
        &self,
        conn: &mut DbConnection,
        name: &str,
    ) -> QueryResult<Option<Self::User>>;

    /// Inserts a user, returning it with its new id.
    fn create_user(&self, conn: &mut DbConnection, new_user: &NewUser) -> QueryResult<Self::User>;

    /// Applies the changes that are present; `None` if no such user. `changes` is never empty: the routes answer an empty PATCH with
    /// [`UserStore::find_user`].
    fn update_user(
        &self,
        conn: &mut DbConnection,
        id: i32,
        changes: &UserChanges,
    ) -> QueryResult<Option<Self::User>>;

    /// Deletes a user; false if there was no such user.
    fn delete_user(&self, conn: &mut DbConnection, id: i32) -> QueryResult<bool>;
}

/// Where a created user can be found again: its id.
pub trait UserId {
    /// The user's id, if it has one.
    fn user_id(&self) -> Option<i32>;
}

impl UserId for User {
    fn user_id(&self) -> Option<i32> {
        Some(self.id)
    }
}

impl UserId for serde_json::Value {
    fn user_id(&self) -> Option<i32> {
        self["id"].as_i64().and_then(|id| i32::try_from(id).ok())
    }
}
