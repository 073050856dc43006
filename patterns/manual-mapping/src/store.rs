//! The data access of the manual-mapping pattern: the same queries as the
//! declarative pattern, but every row ⇄ `User` conversion goes through
//! [`crate::users_mapping`]. Nothing outside this file sees a tuple or a column.

use diesel::prelude::*;
use shared::DbConnection;
use shared::listing::UserListing;
use shared::models::{NewUser, User, UserChanges};
use shared::schema::users;
use shared::user_store::UserStore;

use crate::users_mapping::{
    USER_COLUMNS, UserRow, insert_values, update_assignments, user_from_row, user_row,
};

/// The manual-mapping data access.
pub struct Store;

impl UserStore for Store {
    type User = User;

    /// The table is known at compile time (`schema.rs`): nothing to read.
    fn open(_: &mut DbConnection) -> QueryResult<Store> {
        Ok(Store)
    }

    fn list_users(&self, conn: &mut DbConnection, listing: &UserListing) -> QueryResult<Vec<User>> {
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

    fn find_user(&self, conn: &mut DbConnection, id: i32) -> QueryResult<Option<User>> {
        let row: Option<UserRow> = user_row(id).select(USER_COLUMNS).first(conn).optional()?;
        Ok(row.map(user_from_row))
    }

    fn first_user_named(&self, conn: &mut DbConnection, name: &str) -> QueryResult<Option<User>> {
        let row: Option<UserRow> = users::table
            .filter(users::name.eq(name))
            .order(users::id.asc())
            .select(USER_COLUMNS)
            .first(conn)
            .optional()?;
        Ok(row.map(user_from_row))
    }

    fn create_user(&self, conn: &mut DbConnection, new_user: &NewUser) -> QueryResult<User> {
        let row: UserRow = diesel::insert_into(users::table)
            .values(insert_values(new_user))
            .returning(USER_COLUMNS)
            .get_result(conn)?;
        Ok(user_from_row(row))
    }

    fn update_user(
        &self,
        conn: &mut DbConnection,
        id: i32,
        changes: &UserChanges,
    ) -> QueryResult<Option<User>> {
        let row: Option<UserRow> = diesel::update(user_row(id))
            .set(update_assignments(changes))
            .returning(USER_COLUMNS)
            .get_result(conn)
            .optional()?;
        Ok(row.map(user_from_row))
    }

    fn delete_user(&self, conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
        let deleted = diesel::delete(user_row(id)).execute(conn)?;
        Ok(deleted > 0)
    }
}
