//! The rules of a text field a client sends (a name, a title, a body): no
//! NUL character, perhaps not blank, a length in characters. [`Text::check`]
//! checks them, for a body's [`crate::http::Validate`]; [`Text::schema`]
//! states the same rules in the OpenAPI document, so that the two agree to
//! the character.
//!
//! ```
//! use web_db::text::Text;
//!
//! const TITLE: Text = Text::not_blank("title", 200);
//!
//! assert!(TITLE.check("Notes").is_ok());
//! assert_eq!(TITLE.check("  ").unwrap_err().to_string(), "title must not be blank");
//! // In a model: `#[schema(schema_with = title_schema)] pub title: String,`
//! fn title_schema() -> utoipa::openapi::ObjectBuilder {
//!     TITLE.schema()
//! }
//! ```
//!
//! Why the app checks at all: SQLite does not enforce `VARCHAR(50)`, and
//! PostgreSQL's text cannot hold a NUL. Checked first, the same input gets
//! the same answer (a 422 that names the field) on both backends; the
//! database's own constraints stay as the last line of defence.

use std::ops::RangeInclusive;

use utoipa::openapi::ObjectBuilder;
use utoipa::openapi::schema::Type;

use crate::error::AppError;

/// The pattern of a text that says something: no NUL, and at least one
/// character that is not white space. In JSON Schema (ECMAScript regular
/// expressions; `\u0000` is NUL), listing by hand what Rust's `str::trim`
/// strips (Unicode `White_Space`), because `\S` would differ from it by two
/// characters.
pub const NOT_BLANK: &str = r"^[^\u0000]*[^\u0000\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$";

/// The pattern of a text that may be empty, but holds no NUL.
pub const NO_NUL: &str = r"^[^\u0000]*$";

/// The rules of one text field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// Its name, as the messages give it.
    pub field: &'static str,
    /// How many characters (not bytes: `é` is one) it may have.
    pub chars: RangeInclusive<usize>,
    /// Whether it may be empty or only white space.
    pub may_be_blank: bool,
    /// Its pattern in the OpenAPI document ([`NOT_BLANK`], [`NO_NUL`], or
    /// one of its own that holds no NUL either).
    pub pattern: &'static str,
}

impl Text {
    /// A text that must say something, of 1 to `max` characters.
    pub const fn not_blank(field: &'static str, max: usize) -> Text {
        Text {
            field,
            chars: 1..=max,
            may_be_blank: false,
            pattern: NOT_BLANK,
        }
    }

    /// A text that may be empty, of at most `max` characters.
    pub const fn any(field: &'static str, max: usize) -> Text {
        Text {
            field,
            chars: 0..=max,
            may_be_blank: true,
            pattern: NO_NUL,
        }
    }

    /// `Ok` if `value` keeps the rules; else a 422 that names the field and
    /// the rule: "title must not be blank", "name must be at most 50
    /// characters, got 51".
    pub fn check(&self, value: &str) -> Result<(), AppError> {
        let field = self.field;
        if value.contains('\0') {
            return Err(AppError::Invalid(format!(
                "{field} must not contain a NUL character"
            )));
        }
        if !self.may_be_blank && value.trim().is_empty() {
            return Err(AppError::Invalid(format!("{field} must not be blank")));
        }
        let chars = value.chars().count();
        let (min, max) = (*self.chars.start(), *self.chars.end());
        match chars {
            _ if self.chars.contains(&chars) => Ok(()),
            _ if min <= 1 => Err(AppError::Invalid(format!(
                "{field} must be at most {max} characters, got {chars}"
            ))),
            _ => Err(AppError::Invalid(format!(
                "{field} must be {min} to {max} characters, got {chars}"
            ))),
        }
    }

    /// The same rules as a JSON Schema string: `minLength`, `maxLength`,
    /// `pattern` and a description in words, for
    /// `#[schema(schema_with = …)]`.
    pub fn schema(&self) -> ObjectBuilder {
        let (min, max) = (*self.chars.start(), *self.chars.end());
        let description = match (min, self.may_be_blank) {
            (0, _) => format!("At most {max} characters, no NUL"),
            (_, false) => format!("{min} to {max} characters, not blank, no NUL"),
            (_, true) => format!("{min} to {max} characters, no NUL"),
        };
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .min_length(Some(*self.chars.start()).filter(|min| *min > 0))
            .max_length(Some(*self.chars.end()))
            .pattern(Some(self.pattern))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: Text = Text::not_blank("name", 50);

    #[test]
    fn lengths_are_counted_in_characters_not_bytes() {
        assert!(NAME.check(&"é".repeat(50)).is_ok());
        let error = NAME.check(&"é".repeat(51)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "name must be at most 50 characters, got 51"
        );
    }

    #[test]
    fn a_blank_or_nul_text_is_refused_where_the_rules_say() {
        for blank in ["", " ", "\t\n", "\u{3000}"] {
            assert!(NAME.check(blank).is_err(), "{blank:?}");
            assert!(Text::any("body", 10).check(blank).is_ok(), "{blank:?}");
        }
        let nul = Text::any("body", 10).check("a\0b").unwrap_err();
        assert_eq!(nul.to_string(), "body must not contain a NUL character");
    }

    #[test]
    fn a_range_that_starts_past_one_is_named_whole() {
        let email = Text {
            chars: 3..=120,
            ..Text::not_blank("email", 120)
        };
        let error = email.check("ab").unwrap_err();
        assert_eq!(
            error.to_string(),
            "email must be 3 to 120 characters, got 2"
        );
    }
}
