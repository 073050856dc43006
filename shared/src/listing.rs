//! The query string of `GET /users`: which users ([`UserListing`]: a page,
//! and an optional exact name) and what to embed in each ([`UserEmbed`]).
//! A page of any list is [`web_db::paging::Page`].

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::Ready;
use serde::Deserialize;
use web_db::AppError;
use web_db::paging::{Page, from_query};

/// Which users `GET /users` returns: the page, and the name filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserListing {
    /// Only the user with exactly this name, if set.
    pub name: Option<String>,
    /// Which of the (named) users.
    pub page: Page,
}

impl UserListing {
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

/// What `GET /users` puts in each user besides its own fields: `embed=posts`
/// adds its posts. Nothing else may be asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserEmbed {
    /// The users alone (no `embed`).
    #[default]
    Nothing,
    /// Each user with its posts (`embed=posts`).
    Posts,
}

/// The raw parameters. Numbers arrive as text so a bad one gets a message
/// naming the parameter rather than the parser's.
#[derive(Debug, Deserialize)]
struct ListingParams {
    name: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
    after: Option<String>,
}

/// The parameter of a [`UserEmbed`].
#[derive(Debug, Deserialize)]
struct EmbedParams {
    embed: Option<String>,
}

impl TryFrom<ListingParams> for UserListing {
    type Error = AppError;

    fn try_from(params: ListingParams) -> Result<Self, AppError> {
        let page = Page::parse(params.page, params.per_page, params.after)?;
        if params
            .name
            .as_deref()
            .is_some_and(|name| name.contains('\0'))
        {
            return Err(AppError::BadRequest(
                "name must not contain a NUL character".into(),
            ));
        }
        Ok(UserListing {
            name: params.name,
            page,
        })
    }
}

impl TryFrom<EmbedParams> for UserEmbed {
    type Error = AppError;

    fn try_from(params: EmbedParams) -> Result<Self, AppError> {
        match params.embed.as_deref() {
            None => Ok(UserEmbed::Nothing),
            Some("posts") => Ok(UserEmbed::Posts),
            Some(other) => Err(AppError::BadRequest(format!(
                "embed can only be \"posts\", got {other:?}"
            ))),
        }
    }
}

impl FromRequest for UserListing {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_query::<ListingParams, _>(req)
    }
}

impl FromRequest for UserEmbed {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_query::<EmbedParams, _>(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(page: Option<&str>, per_page: Option<&str>) -> Result<UserListing, AppError> {
        UserListing::try_from(ListingParams {
            name: None,
            page: page.map(Into::into),
            per_page: per_page.map(Into::into),
            after: None,
        })
    }

    #[test]
    fn defaults_are_the_first_page_of_every_user() {
        assert_eq!(listing(None, None).unwrap(), UserListing::first_page());
    }

    #[test]
    fn a_page_of_users_follows_the_rules_of_every_page() {
        assert_eq!(
            listing(Some("3"), Some("10")).unwrap().page,
            Page::parse(Some("3".into()), Some("10".into()), None).unwrap()
        );
        assert!(listing(Some("101"), Some("1")).is_err());
        assert!(listing(Some("1"), Some("101")).is_err());
    }

    #[test]
    fn a_name_with_a_nul_is_refused() {
        let params = ListingParams {
            name: Some("a\0b".into()),
            page: None,
            per_page: None,
            after: None,
        };
        assert!(UserListing::try_from(params).is_err());
    }

    #[test]
    fn only_posts_can_be_embedded() {
        let embed = |value: Option<&str>| {
            UserEmbed::try_from(EmbedParams {
                embed: value.map(Into::into),
            })
        };
        assert_eq!(embed(None).unwrap(), UserEmbed::Nothing);
        assert_eq!(embed(Some("posts")).unwrap(), UserEmbed::Posts);
        for bad in ["", "post", "Posts", "posts,users"] {
            assert!(embed(Some(bad)).is_err(), "{bad:?}");
        }
    }
}
