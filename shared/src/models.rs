//! The `User` model and the rules its values must follow.
//!
//! The derives are what the *declarative* pattern is about: they map `User` to
//! the `users` table. The other patterns use the same types without them.

use diesel::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use web_db::error::AppError;
pub use web_db::http::Validate;
use crate::post_models::{NewPost, check_first_posts};
use crate::schema::users;

/// The longest name, in characters (not bytes: `é` is one).
pub const NAME_MAX_CHARS: usize = 50;
/// The shortest and longest email, in characters.
pub const EMAIL_CHARS: std::ops::RangeInclusive<usize> = 3..=120;

// The `pattern`s below state the rules of `check_name` and `check_email` in
// the OpenAPI document (JSON Schema, ECMAScript regular expressions; `\u0000`
// is NUL). A name's one required character is any but NUL and what Rust's
// `str::trim` strips (Unicode White_Space), listed by hand because `\S` would
// differ by two characters: the document and the code agree to the
// character, and the tests check that every copy of a pattern is the same.

/// A user as stored and as sent to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Queryable, Selectable, ToSchema)]
// The parent that posts belong to (`post_models::Post` derives `Associations`).
#[derive(Identifiable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct User {
    /// Assigned by the database.
    #[schema(minimum = 1)]
    pub id: i32,
    /// Unique, 1 to 50 characters.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: String,
    /// Unique, 3 to 120 characters with one `@`.
    #[schema(
        min_length = 3,
        max_length = 120,
        pattern = r"^[^@\u0000]+@[^@\u0000]+$"
    )]
    pub email: String,
}

/// The body of `POST /users`: a user that does not exist yet, and
/// optionally its first posts.
#[derive(Debug, Clone, Serialize, Deserialize, Insertable, ToSchema)]
#[diesel(table_name = users)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Unique, 1 to 50 characters, not blank.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: String,
    /// Unique, 3 to 120 characters with one `@` and text on both sides.
    #[schema(
        min_length = 3,
        max_length = 120,
        pattern = r"^[^@\u0000]+@[^@\u0000]+$"
    )]
    pub email: String,
    /// The user's first posts (at most 5), written with the user in one
    /// transaction: all of them, or nothing at all. Not a column of `users`.
    #[serde(default, deserialize_with = "present")]
    #[diesel(skip_insertion)]
    #[schema(nullable = false, max_items = 5)]
    pub posts: Option<Vec<NewPost>>,
}

/// The body of `PATCH /users/{id}`: the fields to change. An absent field is
/// left as it is; `null` is refused, as the columns cannot be null.
#[derive(Debug, Clone, Default, Deserialize, AsChangeset, ToSchema)]
#[diesel(table_name = users)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    /// A new name, if it changes.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: Option<String>,
    /// A new email, if it changes.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        nullable = false,
        min_length = 3,
        max_length = 120,
        pattern = r"^[^@\u0000]+@[^@\u0000]+$"
    )]
    pub email: Option<String>,
}

impl NewUser {
    /// A new user from its name and email (not yet validated).
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        NewUser {
            name: name.into(),
            email: email.into(),
            posts: None,
        }
    }
}

/// The 404 for a user id that does not exist.
pub fn user_not_found(id: i32) -> AppError {
    AppError::NotFound(format!("no user with id {id}"))
}

impl UserChanges {
    /// True when the request asks to change nothing: there is no UPDATE to run.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.email.is_none()
    }
}


impl Validate for NewUser {
    fn validate(&self) -> Result<(), AppError> {
        check_name(&self.name)?;
        check_email(&self.email)?;
        check_first_posts(self.posts.as_deref().unwrap_or_default())
    }
}

impl Validate for UserChanges {
    fn validate(&self) -> Result<(), AppError> {
        if let Some(name) = &self.name {
            check_name(name)?;
        }
        if let Some(email) = &self.email {
            check_email(email)?;
        }
        Ok(())
    }
}

/// The rules for a name. SQLite does not enforce `VARCHAR(50)`, so the app
/// does, and both backends give the same answer.
pub fn check_name(name: &str) -> Result<(), AppError> {
    check_not_blank("name", name, NAME_MAX_CHARS)
}

/// The rules of a text that must say something (a name, a post's title):
/// no NUL, not only white space, at most `max_chars` characters.
pub(crate) fn check_not_blank(field: &str, value: &str, max_chars: usize) -> Result<(), AppError> {
    check_no_nul(field, value)?;
    if value.trim().is_empty() {
        return Err(AppError::Invalid(format!("{field} must not be blank")));
    }
    check_at_most(field, value, max_chars)
}

/// At most `max_chars` characters (not bytes: `é` is one).
pub(crate) fn check_at_most(field: &str, value: &str, max_chars: usize) -> Result<(), AppError> {
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(AppError::Invalid(format!(
            "{field} must be at most {max_chars} characters, got {chars}"
        )));
    }
    Ok(())
}

/// The rules for an email: length, and one `@` with text on both sides.
pub fn check_email(email: &str) -> Result<(), AppError> {
    check_no_nul("email", email)?;
    let chars = email.chars().count();
    if !EMAIL_CHARS.contains(&chars) {
        return Err(AppError::Invalid(format!(
            "email must be {} to {} characters, got {chars}",
            EMAIL_CHARS.start(),
            EMAIL_CHARS.end()
        )));
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            Ok(())
        }
        _ => Err(AppError::Invalid(format!(
            "email must contain one @ with text on both sides, got {email:?}"
        ))),
    }
}

/// PostgreSQL text cannot hold a NUL character; refuse it on every backend.
pub(crate) fn check_no_nul(field: &str, value: &str) -> Result<(), AppError> {
    if value.contains('\0') {
        return Err(AppError::Invalid(format!(
            "{field} must not contain a NUL character"
        )));
    }
    Ok(())
}

/// Reads a field that may be absent but, when present, must have a value:
/// `{"name": null}` is a 400, not a silent "no change".
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_accented_characters_make_a_valid_name() {
        assert!(check_name(&"é".repeat(50)).is_ok());
        assert!(check_name(&"é".repeat(51)).is_err());
    }

    #[test]
    fn blank_and_nul_names_are_refused() {
        assert!(check_name("").is_err());
        assert!(check_name("   ").is_err());
        assert!(check_name("a\0b").is_err());
    }

    #[test]
    fn an_email_needs_one_at_with_text_on_both_sides() {
        assert!(check_email("a@b").is_ok());
        for bad in ["ab", "@ab", "ab@", "a@b@c", "a\0@b"] {
            assert!(check_email(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(check_email(&format!("{}@b", "a".repeat(118))).is_ok());
        assert!(check_email(&format!("{}@b", "a".repeat(119))).is_err());
    }

    #[test]
    fn null_in_a_patch_is_refused_and_absence_is_no_change() {
        assert!(serde_json::from_str::<UserChanges>(r#"{"name": null}"#).is_err());
        let changes: UserChanges = serde_json::from_str("{}").expect("empty patch parses");
        assert!(changes.is_empty());
    }
}
