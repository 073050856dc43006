//! Which users `GET /users` returns: a page of them ([`web_db::paging::Page`],
//! read from `after`, `page` and `per_page`), optionally only those with an
//! exact `name`, and with `embed=posts` each with its first posts.

use serde::Deserialize;
use web_db::AppError;
use web_db::paging::Page;

/// The rest of the query string of `GET /users`, besides the page.
#[derive(Debug, Deserialize)]
pub struct UserQuery {
    /// Only the users with exactly this name.
    pub name: Option<String>,
    /// What to put in each user besides its own fields.
    pub embed: Option<Embed>,
}

/// What `embed` may ask for: `posts`, and nothing else (anything else is a
/// 400 that says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Embed {
    /// Each user with its first posts.
    Posts,
}

/// Which users a store lists: a page, of those with `name` if it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserListing {
    /// Only the user with exactly this name, if set.
    pub name: Option<String>,
    /// Which of the (named) users.
    pub page: Page,
}

impl UserListing {
    /// The page of the users named `name` (all of them if `None`). A name
    /// with a NUL character is refused (400): PostgreSQL text cannot hold
    /// one, so no user has it, and SQLite would answer otherwise.
    pub fn new(name: Option<String>, page: Page) -> Result<Self, AppError> {
        if name.as_deref().is_some_and(|name| name.contains('\0')) {
            return Err(AppError::BadRequest(
                "name must not contain a NUL character".into(),
            ));
        }
        Ok(UserListing { name, page })
    }

    /// The first page of every user.
    pub fn first_page() -> Self {
        UserListing {
            name: None,
            page: Page::first(),
        }
    }

    /// The first user named exactly `name` (lowest id): a page of one.
    pub fn first_named(name: &str) -> Self {
        UserListing {
            name: Some(name.to_owned()),
            page: Page {
                limit: 1,
                ..Page::first()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_a_nul_is_refused() {
        assert!(UserListing::new(Some("a\0b".into()), Page::first()).is_err());
        assert!(UserListing::new(Some("ab".into()), Page::first()).is_ok());
    }

    #[test]
    fn only_posts_can_be_embedded() {
        let embed = |query: &str| serde_urlencoded::from_str::<UserQuery>(query).map(|q| q.embed);
        assert_eq!(embed("").unwrap(), None);
        assert_eq!(embed("embed=posts").unwrap(), Some(Embed::Posts));
        for bad in ["embed=", "embed=post", "embed=Posts", "embed=posts,users"] {
            assert!(embed(bad).is_err(), "{bad:?}");
        }
    }
}
