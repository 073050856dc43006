//! The mapping between the `users` table and `User`, written by hand, in one
//! place.
//!
//! Nothing here relies on a diesel derive of `User`: each direction of the
//! mapping is a plain function:
//!
//! | operation | mapping |
//! |---|---|
//! | read    | [`USER_COLUMNS`] are selected, each row becomes a `User` in [`user_from_row`] |
//! | insert  | [`insert_values`] turns a `NewUser` into column assignments |
//! | update  | [`update_assignments`] turns the fields present in `UserChanges` into assignments |
//! | delete  | [`user_row`] says which row an id names |
//!
//! The price: nothing ties this file to `schema.rs` or to the migrations but
//! the types. A column added to the table, or two `String` columns swapped,
//! still compiles. `tests/mapping.rs` catches both, on every backend.

use diesel::dsl::{Eq, Find};
use diesel::prelude::*;
use shared::models::{NewUser, User, UserChanges};
use shared::schema::users;

/// The columns a user is read from, as a type (a join names it too).
pub type UserColumns = (users::id, users::name, users::email);

/// The columns a user is read from, in the order of [`UserRow`].
pub const USER_COLUMNS: UserColumns = (users::id, users::name, users::email);

/// The names of [`USER_COLUMNS`], for the test that compares them with the
/// table the migrations really made.
pub const USER_COLUMN_NAMES: [&str; 3] = ["id", "name", "email"];

/// One row of [`USER_COLUMNS`], as the database returns it.
pub type UserRow = (i64, String, String);

/// A row becomes a `User`.
pub fn user_from_row((id, name, email): UserRow) -> User {
    User { id, name, email }
}

/// The values of an INSERT: one assignment per column written.
pub type InsertValues<'a> = (Eq<users::name, &'a str>, Eq<users::email, &'a str>);

/// The SET of an UPDATE: `None` leaves that column out.
pub type UpdateAssignments<'a> = (
    Option<Eq<users::name, &'a str>>,
    Option<Eq<users::email, &'a str>>,
);

/// A `NewUser` becomes the values of an INSERT.
pub fn insert_values(new_user: &NewUser) -> InsertValues<'_> {
    (
        users::name.eq(new_user.name.as_str()),
        users::email.eq(new_user.email.as_str()),
    )
}

/// The fields present in `UserChanges` become the SET of an UPDATE; an
/// absent field (`None`) is left out of it.
pub fn update_assignments(changes: &UserChanges) -> UpdateAssignments<'_> {
    (
        changes.name.as_deref().map(|name| users::name.eq(name)),
        changes.email.as_deref().map(|email| users::email.eq(email)),
    )
}

/// The row a user id names, for updates and deletes.
pub fn user_row(id: i64) -> Find<users::table, i64> {
    users::table.find(id)
}
