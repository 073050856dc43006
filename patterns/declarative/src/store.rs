//! The data access of the declarative pattern: every query the app runs.
//!
//! The derives on [`User`], [`NewUser`] and [`UserChanges`] (in `shared`) are
//! the mapping: `User::as_select()` names the columns to read and how they
//! fill a `User`, `NewUser` is `Insertable`, and `UserChanges` is an
//! `AsChangeset` whose `None` fields are left out of the UPDATE. The query DSL
//! is checked against `schema.rs` at compile time: a misspelt column, or a
//! field whose type does not match its column, does not build.

use diesel::prelude::*;
use shared::DbConnection;
use shared::listing::UserListing;
use shared::models::{NewUser, User, UserChanges};
use shared::schema::users;
use shared::user_store::UserStore;

/// The declarative data access.
pub struct Store;

impl UserStore for Store {
    type User = User;

    /// The table is known at compile time (`schema.rs`): nothing to read.
    fn open(_: &mut DbConnection) -> QueryResult<Store> {
        Ok(Store)
    }

    fn list_users(&self, conn: &mut DbConnection, listing: &UserListing) -> QueryResult<Vec<User>> {
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

    fn find_user(&self, conn: &mut DbConnection, id: i32) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    fn first_user_named(&self, conn: &mut DbConnection, name: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::name.eq(name))
            .order(users::id.asc())
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    fn create_user(&self, conn: &mut DbConnection, new_user: &NewUser) -> QueryResult<User> {
        diesel::insert_into(users::table)
            .values(new_user)
            .get_result(conn)
    }

    fn update_user(
        &self,
        conn: &mut DbConnection,
        id: i32,
        changes: &UserChanges,
    ) -> QueryResult<Option<User>> {
        diesel::update(users::table.find(id))
            .set(changes)
            .get_result(conn)
            .optional()
    }

    fn delete_user(&self, conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
        let deleted = diesel::delete(users::table.find(id)).execute(conn)?;
        Ok(deleted > 0)
    }
}
