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
    /// What to put in each user besides its own fields: `posts` or nothing.
    pub embed: Option<String>,
}

impl UserQuery {
    /// Whether each user comes with its first posts (`embed=posts`);
    /// anything else but no `embed` at all is a 400 that says so.
    pub fn embeds_posts(&self) -> Result<bool, AppError> {
        match self.embed.as_deref() {
            None => Ok(false),
            Some("posts") => Ok(true),
            Some(other) => Err(AppError::BadRequest(format!(
                "embed can only be \"posts\", got {other:?}"
            ))),
        }
    }
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
        let embeds = |embed: Option<&str>| {
            let query = UserQuery {
                name: None,
                embed: embed.map(Into::into),
            };
            query.embeds_posts()
        };
        assert!(!embeds(None).unwrap());
        assert!(embeds(Some("posts")).unwrap());
        for bad in ["", "post", "Posts", "posts,users"] {
            let error = embeds(Some(bad)).unwrap_err();
            assert!(error.to_string().contains("embed"), "{bad:?}: {error}");
        }
    }
}
