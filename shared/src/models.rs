//! The `User` model and the rules its values must follow.
//!
//! The derives are what the *declarative* pattern is about: they map `User` to
//! the `users` table. The other patterns use the same types without them.

use diesel::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::ObjectBuilder;
use web_db::error::AppError;
pub use web_db::http::Validate;
use web_db::text::Text;

use crate::post_models::{NewPost, check_first_posts};
use crate::schema::users;

/// A user's name: 1 to 50 characters, not blank.
pub const NAME: Text = Text::not_blank("name", 50);
/// A user's email: 3 to 120 characters, one `@` with text on both sides
/// (checked by [`check_email`]).
pub const EMAIL: Text = Text {
    chars: 3..=120,
    pattern: r"^[^@\u0000]+@[^@\u0000]+$",
    ..Text::not_blank("email", 120)
};

/// The rules of a name, in the OpenAPI document.
fn name_schema() -> ObjectBuilder {
    NAME.schema()
}

/// The rules of an email, in the OpenAPI document.
fn email_schema() -> ObjectBuilder {
    EMAIL.schema()
}

/// A user as stored and as sent to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Queryable, Selectable, ToSchema)]
// The parent that posts belong to (`post_models::Post` derives `Associations`).
#[derive(Identifiable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct User {
    /// Assigned by the database.
    #[schema(minimum = 1)]
    pub id: i64,
    /// Unique, 1 to 50 characters.
    #[schema(schema_with = name_schema)]
    pub name: String,
    /// Unique, 3 to 120 characters with one `@`.
    #[schema(schema_with = email_schema)]
    pub email: String,
}

/// The body of `POST /users`: a user that does not exist yet, and
/// optionally its first posts.
#[derive(Debug, Clone, Serialize, Deserialize, Insertable, ToSchema)]
#[diesel(table_name = users, treat_none_as_default_value = false)] // no Option column: each insert is one SQL text, kept prepared
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Unique, 1 to 50 characters, not blank.
    #[schema(schema_with = name_schema)]
    pub name: String,
    /// Unique, 3 to 120 characters with one `@` and text on both sides.
    #[schema(schema_with = email_schema)]
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
    #[schema(schema_with = name_schema, nullable = false)]
    pub name: Option<String>,
    /// A new email, if it changes.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = email_schema, nullable = false)]
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
pub fn user_not_found(id: i64) -> AppError {
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
        NAME.check(&self.name)?;
        check_email(&self.email)?;
        check_first_posts(self.posts.as_deref().unwrap_or_default())
    }
}

impl Validate for UserChanges {
    fn validate(&self) -> Result<(), AppError> {
        if let Some(name) = &self.name {
            NAME.check(name)?;
        }
        if let Some(email) = &self.email {
            check_email(email)?;
        }
        Ok(())
    }
}

/// The rules for an email: length, and one `@` with text on both sides.
pub fn check_email(email: &str) -> Result<(), AppError> {
    EMAIL.check(email)?;
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
        assert!(NAME.check(&"é".repeat(50)).is_ok());
        assert!(NAME.check(&"é".repeat(51)).is_err());
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
