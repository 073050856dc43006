//! The query strings of the lists: a page of any list ([`Page`]), and for
//! `GET /users` an optional exact name ([`UserListing`]) and what to embed
//! in each user ([`UserEmbed`]).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::{Ready, ready};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Users per page when the client does not say.
pub const DEFAULT_PER_PAGE: i64 = 20;
/// The most users one page may hold.
pub const MAX_PER_PAGE: i64 = 100;
/// The deepest page served: with [`MAX_PER_PAGE`], a list reaches its
/// 10,000th row and no further.
///
/// `OFFSET n` makes the database step over n rows, so without a bound a
/// request for page 50,000 scans a million rows. Bounded, every listing is
/// a short read. A bound on `page` alone, rather than on
/// `(page - 1) * per_page`, is one the OpenAPI document can state (a
/// `maximum`), so a client, or a fuzzer, can know it in advance. Deeper than
/// this, narrow the list (`name=`).
pub const MAX_PAGE: i64 = 100;

/// Which users `GET /users` returns, checked and turned into LIMIT/OFFSET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserListing {
    /// Only the user with exactly this name, if set.
    pub name: Option<String>,
    /// The most rows to return.
    pub limit: i64,
    /// How many rows (in id order) to skip first.
    pub offset: i64,
}

impl UserListing {
    /// The first page of every user: what the demo lists.
    pub fn first_page() -> Self {
        UserListing {
            name: None,
            limit: DEFAULT_PER_PAGE,
            offset: 0,
        }
    }
}

/// One page of a list with nothing else to choose (`GET /posts`, `GET
/// /users/{id}/posts`), checked and turned into LIMIT/OFFSET by the rules
/// of [`UserListing`]'s pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// The most rows to return.
    pub limit: i64,
    /// How many rows (in id order) to skip first.
    pub offset: i64,
}

impl Page {
    /// The first page, of the default size.
    pub fn first() -> Self {
        Page {
            limit: DEFAULT_PER_PAGE,
            offset: 0,
        }
    }

    fn parse(page: Option<String>, per_page: Option<String>) -> Result<Self, AppError> {
        let page = parse_in_range("page", page, 1, MAX_PAGE, 1)?;
        let per_page = parse_in_range("per_page", per_page, 1, MAX_PER_PAGE, DEFAULT_PER_PAGE)?;
        // At most (MAX_PAGE - 1) * MAX_PER_PAGE: far from overflowing.
        Ok(Page {
            limit: per_page,
            offset: (page - 1) * per_page,
        })
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
}

/// The parameters of a [`Page`].
#[derive(Debug, Deserialize)]
struct PageParams {
    page: Option<String>,
    per_page: Option<String>,
}

/// The parameter of a [`UserEmbed`].
#[derive(Debug, Deserialize)]
struct EmbedParams {
    embed: Option<String>,
}

impl TryFrom<ListingParams> for UserListing {
    type Error = AppError;

    fn try_from(params: ListingParams) -> Result<Self, AppError> {
        let Page { limit, offset } = Page::parse(params.page, params.per_page)?;
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
            limit,
            offset,
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

fn parse_in_range(
    param: &str,
    value: Option<String>,
    min: i64,
    max: i64,
    default: i64,
) -> Result<i64, AppError> {
    let Some(text) = value else {
        return Ok(default);
    };
    match text.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(AppError::BadRequest(format!(
            "{param} must be a whole number from {min} to {max}, got {text:?}"
        ))),
    }
}

/// Reads the query string into `P`, then checks it into `T`.
fn from_query<P, T>(req: &HttpRequest) -> Ready<Result<T, actix_web::Error>>
where
    P: DeserializeOwned,
    T: TryFrom<P, Error = AppError>,
{
    ready(
        web::Query::<P>::from_query(req.query_string())
            .map_err(|e| AppError::BadRequest(format!("the query string could not be read: {e}")))
            .and_then(|params| T::try_from(params.into_inner()))
            .map_err(Into::into),
    )
}

impl FromRequest for UserListing {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_query::<ListingParams, _>(req)
    }
}

impl TryFrom<PageParams> for Page {
    type Error = AppError;

    fn try_from(params: PageParams) -> Result<Self, AppError> {
        Page::parse(params.page, params.per_page)
    }
}

impl FromRequest for Page {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_query::<PageParams, _>(req)
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
        })
    }

    #[test]
    fn defaults_are_the_first_page_of_twenty() {
        assert_eq!(listing(None, None).unwrap(), UserListing::first_page());
    }

    #[test]
    fn page_three_of_ten_skips_twenty() {
        let page = listing(Some("3"), Some("10")).unwrap();
        assert_eq!((page.limit, page.offset), (10, 20));
    }

    #[test]
    fn out_of_range_and_non_numbers_are_refused() {
        for (page, per_page) in [
            ("0", "1"),
            ("-1", "1"),
            ("x", "1"),
            ("1", "0"),
            ("1", "101"),
        ] {
            assert!(
                listing(Some(page), Some(per_page)).is_err(),
                "{page} {per_page}"
            );
        }
        assert!(listing(Some(&i64::MAX.to_string()), Some("100")).is_err());
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

    #[test]
    fn a_page_of_posts_follows_the_rules_of_a_page_of_users() {
        let page = |page: &str, per_page: &str| {
            Page::try_from(PageParams {
                page: Some(page.into()),
                per_page: Some(per_page.into()),
            })
        };
        assert_eq!(
            page("3", "10").unwrap(),
            Page {
                limit: 10,
                offset: 20
            }
        );
        assert!(page("101", "1").is_err());
        assert!(page("1", "101").is_err());
    }

    #[test]
    fn pages_end_at_page_one_hundred_whatever_the_page_size() {
        let last = listing(Some("100"), Some("100")).unwrap();
        assert_eq!(last.offset, 9_900);
        for per_page in ["1", "2", "100"] {
            for page in ["101", "4611686018427387904"] {
                let error = listing(Some(page), Some(per_page)).unwrap_err();
                assert!(error.to_string().contains("from 1 to 100"), "{error}");
            }
        }
    }
}
