//! Pages of a list: which rows a request asked for ([`Page`], read from the
//! query string), and the answer, with the `Link` to the next page
//! ([`list_answer`]).
//!
//! A list can be paged two ways, and both end in one statement:
//!
//! - **by key**, `?after=<id>&per_page=<n>`: the rows whose id is greater
//!   than `after`, `WHERE id > ? ORDER BY id LIMIT ?`. The index on `id`
//!   finds the first of them directly, so a page costs the same at any
//!   depth, and a row inserted or deleted elsewhere in the list moves no
//!   other row from one page to the next;
//! - **by number**, `?page=<k>&per_page=<n>`, as most ORMs' `paginate()`
//!   does: `OFFSET (k - 1) * n`, which makes the database step
//!   over every row before the page. Hence the bound on `page`.
//!
//! Every answer that came back full carries a `Link` header with
//! `rel="next"`, always in the keyset form: the rows after the last one
//! sent. A client that follows it walks the whole list, from page 100 of
//! the numbered pages too, and never builds a URL.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::{Ready, ready};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Rows per page when the client does not say.
pub const DEFAULT_PER_PAGE: i64 = 20;
/// The most rows one page may hold.
pub const MAX_PER_PAGE: i64 = 100;
/// The deepest numbered page served: with [`MAX_PER_PAGE`], `page` reaches
/// the 10,000th row of a list and no further; `after` reaches every row.
///
/// `OFFSET n` makes the database step over n rows, so without a bound a
/// request for page 50,000 scans a million rows. Bounded, every numbered
/// page is a short read. A bound on `page` alone, rather than on
/// `(page - 1) * per_page`, is one the OpenAPI document can state (a
/// `maximum`), so a client, or a fuzzer, can know it in advance. Deeper than
/// this, follow the `Link` of the last page, or ask for `after=<id>`.
pub const MAX_PAGE: i64 = 100;

/// One page of a list, checked and turned into the three numbers of its
/// SQL: `WHERE id > after ORDER BY id LIMIT limit OFFSET offset`. A page by
/// key has `offset` 0; a numbered page has `after` 0 (ids start at 1); sent
/// together, `page` counts pages after `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Only rows whose id is greater than this.
    pub after: i64,
    /// The most rows to return.
    pub limit: i64,
    /// How many of those rows (in id order) to skip first.
    pub offset: i64,
}

impl Page {
    /// The first page, of the default size.
    pub fn first() -> Self {
        Page {
            after: 0,
            limit: DEFAULT_PER_PAGE,
            offset: 0,
        }
    }

    /// Checks the three parameters as a query string carries them (each
    /// `None` when absent): a bad one is a 400 that names it.
    pub fn parse(
        page: Option<String>,
        per_page: Option<String>,
        after: Option<String>,
    ) -> Result<Self, AppError> {
        let page = parse_in_range("page", page, 1, MAX_PAGE, 1)?;
        let per_page = parse_in_range("per_page", per_page, 1, MAX_PER_PAGE, DEFAULT_PER_PAGE)?;
        let after = parse_in_range("after", after, 0, i64::MAX, 0)?;
        Ok(Page {
            after,
            limit: per_page,
            // At most (MAX_PAGE - 1) * MAX_PER_PAGE: far from overflowing.
            offset: (page - 1) * per_page,
        })
    }

    /// The page after this one, if this one came back full (`returned`
    /// rows, the last with id `last_id`): the rows after that id, as many
    /// again. A page that came back short was the end of the list, as it
    /// stood when it was read.
    pub fn next(&self, returned: usize, last_id: Option<i64>) -> Option<Page> {
        let full = i64::try_from(returned).is_ok_and(|returned| returned >= self.limit);
        let last_id = last_id.filter(|_| full)?;
        Some(Page {
            after: last_id,
            limit: self.limit,
            offset: 0,
        })
    }
}

/// The answer to a list request: 200 with the rows as a JSON array and,
/// when more rows may follow, a `Link` header (RFC 8288) to the next page:
/// `Link: </users?after=20&per_page=20>; rel="next"`. `path` is the list's
/// path and `filters` the parameters that chose its rows (the next page
/// keeps them). A row's key is its `id` field ([`id_of`]).
///
/// ```
/// # use web_db::paging::{Page, list_answer};
/// #[derive(serde::Serialize)]
/// struct Note { id: i64, text: &'static str }
///
/// let page = Page { after: 0, limit: 1, offset: 0 };
/// let answer = list_answer("/notes", &[], &page, &[Note { id: 7, text: "hi" }]);
/// let link = answer.headers().get("link").unwrap();
/// assert_eq!(link, r#"</notes?after=7&per_page=1>; rel="next""#);
/// ```
pub fn list_answer<T: Serialize>(
    path: &str,
    filters: &[(&str, &str)],
    page: &Page,
    rows: &[T],
) -> HttpResponse {
    let mut answer = HttpResponse::Ok();
    if let Some(next) = page.next(rows.len(), rows.last().and_then(id_of)) {
        let (after, per_page) = (next.after.to_string(), next.limit.to_string());
        let mut params = filters.to_vec();
        params.extend([("after", after.as_str()), ("per_page", per_page.as_str())]);
        // Percent-encodes each value: a name may hold `&`, `=` or spaces.
        let query = serde_urlencoded::to_string(&params).unwrap_or_default();
        answer.insert_header((header::LINK, format!("<{path}?{query}>; rel=\"next\"")));
    }
    answer.json(rows)
}

/// A row's key: the `id` field it has as JSON, whatever its Rust type (a
/// struct, or a JSON object read from the database); `None` if it has none.
/// The key of a page ([`Page::after`]) and of a created row's `Location`.
pub fn id_of(row: &impl Serialize) -> Option<i64> {
    serde_json::to_value(row).ok()?.get("id")?.as_i64()
}

/// The raw parameters. Numbers arrive as text so a bad one gets a message
/// naming the parameter rather than the parser's.
#[derive(Debug, Deserialize)]
struct PageParams {
    page: Option<String>,
    per_page: Option<String>,
    after: Option<String>,
}

/// `value`, if given, as a whole number from `min` to `max` (or else a
/// 400 naming `param`); `default` if not.
fn parse_in_range(
    param: &str,
    value: Option<String>,
    min: i64,
    max: i64,
    default: i64,
) -> Result<i64, AppError> {
    value.map_or(Ok(default), |text| {
        number_in_range(param, &text, min, max).map_err(AppError::BadRequest)
    })
}

/// `text` as a whole number from `min` to `max`, or a message that names
/// `name` and says what it takes.
pub(crate) fn number_in_range(name: &str, text: &str, min: i64, max: i64) -> Result<i64, String> {
    match text.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{name} must be a whole number from {min} to {max}, got {text:?}"
        )),
    }
}

/// The page a request asks for (`after`, `page` and `per_page` in its query
/// string): a handler argument. A bad one is a 400 that names it.
impl FromRequest for Page {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            web::Query::<PageParams>::from_query(req.query_string())
                .map_err(|e| {
                    AppError::BadRequest(format!("the query string could not be read: {e}"))
                })
                .and_then(|p| Page::parse(p.0.page, p.0.per_page, p.0.after)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(
        page: Option<&str>,
        per_page: Option<&str>,
        after: Option<&str>,
    ) -> Result<Page, AppError> {
        Page::parse(
            page.map(Into::into),
            per_page.map(Into::into),
            after.map(Into::into),
        )
    }

    #[test]
    fn defaults_are_the_first_page_of_twenty() {
        assert_eq!(page(None, None, None).unwrap(), Page::first());
    }

    #[test]
    fn page_three_of_ten_skips_twenty() {
        assert_eq!(
            page(Some("3"), Some("10"), None).unwrap(),
            Page {
                after: 0,
                limit: 10,
                offset: 20
            }
        );
    }

    #[test]
    fn a_page_by_key_skips_nothing_at_any_depth() {
        let deep = page(None, Some("100"), Some("9223372036854775807")).unwrap();
        assert_eq!(
            deep,
            Page {
                after: i64::MAX,
                limit: 100,
                offset: 0
            }
        );
        assert_eq!(page(None, None, Some("0")).unwrap(), Page::first());
        let both = page(Some("3"), Some("10"), Some("50")).unwrap();
        assert_eq!(
            both,
            Page {
                after: 50,
                limit: 10,
                offset: 20
            }
        );
    }

    #[test]
    fn out_of_range_and_non_numbers_are_refused() {
        for (number, per_page) in [
            ("0", "1"),
            ("-1", "1"),
            ("x", "1"),
            ("1", "0"),
            ("1", "101"),
        ] {
            assert!(
                page(Some(number), Some(per_page), None).is_err(),
                "{number} {per_page}"
            );
        }
        assert!(page(Some(&i64::MAX.to_string()), Some("100"), None).is_err());
        for after in ["-1", "9223372036854775808", "1.5", "x", ""] {
            let error = page(None, None, Some(after)).unwrap_err();
            assert!(error.to_string().contains("after must be"), "{error}");
        }
    }

    #[test]
    fn pages_end_at_page_one_hundred_whatever_the_page_size() {
        let last = page(Some("100"), Some("100"), None).unwrap();
        assert_eq!(last.offset, 9_900);
        for per_page in ["1", "2", "100"] {
            for number in ["101", "4611686018427387904"] {
                let error = page(Some(number), Some(per_page), None).unwrap_err();
                assert!(error.to_string().contains("from 1 to 100"), "{error}");
            }
        }
    }

    #[test]
    fn only_a_full_page_has_a_next_one_and_it_starts_after_its_last_row() {
        let numbered = page(Some("100"), Some("10"), None).unwrap();
        let next = numbered.next(10, Some(10_005)).expect("a full page");
        assert_eq!(
            next,
            Page {
                after: 10_005,
                limit: 10,
                offset: 0
            }
        );
        assert_eq!(numbered.next(9, Some(10_005)), None);
        assert_eq!(numbered.next(0, None), None);
    }

    fn link_of(answer: &HttpResponse) -> Option<String> {
        answer
            .headers()
            .get(header::LINK)
            .map(|link| link.to_str().expect("ASCII").to_owned())
    }

    #[test]
    fn the_link_keeps_the_filters_percent_encoded() {
        let page = page(None, Some("2"), None).unwrap();
        let rows = [serde_json::json!({"id": 1}), serde_json::json!({"id": 7})];
        let full = list_answer("/users", &[("name", "a&b =é")], &page, &rows);
        assert_eq!(
            link_of(&full).as_deref(),
            Some("</users?name=a%26b+%3D%C3%A9&after=7&per_page=2>; rel=\"next\"")
        );
        let short = list_answer("/users", &[], &page, &rows[..1]);
        assert_eq!(link_of(&short), None);
    }
}
