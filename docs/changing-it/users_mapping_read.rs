/// The columns a user is read from, as a type (a join names it too).
pub type UserColumns = (users::id, users::name, users::email, users::bio);

/// The columns a user is read from, in the order of [`UserRow`].
pub const USER_COLUMNS: UserColumns = (users::id, users::name, users::email, users::bio);

/// The names of [`USER_COLUMNS`], for the test that compares them with the
/// table the migrations really made.
pub const USER_COLUMN_NAMES: [&str; 4] = ["id", "name", "email", "bio"];

/// One row of [`USER_COLUMNS`], as the database returns it.
pub type UserRow = (i64, String, String, Option<String>);

/// A row becomes a `User`.
pub fn user_from_row((id, name, email, bio): UserRow) -> User {
    User {
        id,
        name,
        email,
        bio,
    }
}
