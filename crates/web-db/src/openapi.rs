//! The parts of an OpenAPI description that every route of this kind
//! repeats, for a handler's `#[utoipa::path]`: the answers the library
//! itself gives ([`Unavailable`], [`BadId`], [`JsonBodyRefused`],
//! [`OutcomeUnknown`]) and the parameters it reads ([`PageQuery`],
//! [`IdempotencyKeyHeader`]).
//!
//! ```
//! use actix_web::{HttpResponse, get};
//! use web_db::error::{AppError, ErrorBody};
//! use web_db::openapi::{BadId, Unavailable};
//!
//! #[derive(serde::Serialize, utoipa::ToSchema)]
//! struct Note {
//!     id: i64,
//!     text: String,
//! }
//!
//! #[utoipa::path(
//!     get,
//!     path = "/notes/{id}",
//!     tag = "notes",
//!     params(("id" = i64, Path, minimum = 1, description = "The note's id")),
//!     responses(
//!         (status = 200, description = "The note", body = Note),
//!         (status = 404, description = "No note with this id", body = ErrorBody),
//!         BadId, Unavailable,
//!     )
//! )]
//! #[get("/notes/{id}")]
//! async fn get_note() -> Result<HttpResponse, AppError> {
//!     Err(AppError::NotFound("no note with id 1".into()))
//! }
//! ```

use std::collections::BTreeMap;

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, RefOr, Required, Response, ResponseBuilder};
use utoipa::{IntoParams, IntoResponses, PartialSchema};

use crate::error::ErrorBody;
use crate::http::JSON_LIMIT_BYTES;
use crate::idempotency::{HEADER, KEY_LIFETIME, MAX_KEY_LENGTH};
use crate::paging::{DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE};

/// Error answers: `{"error": "…"}`, by status, with a description each.
fn errors(list: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    let body = Content::new(Some(ErrorBody::schema()));
    list.iter()
        .map(|(status, description)| {
            let response = ResponseBuilder::new()
                .description(*description)
                .content("application/json", body.clone());
            let response = match status {
                503 => response.header("Retry-After", retry_after()),
                _ => response,
            };
            (status.to_string(), RefOr::T(response.build()))
        })
        .collect()
}

/// The `Retry-After` header of a 503.
fn retry_after() -> Header {
    HeaderBuilder::new()
        .schema(Some(integer(0, i64::MAX)))
        .description(Some("Seconds to wait"))
        .build()
}

fn integer(min: i64, max: i64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(min))
        .maximum(Some(max))
}

/// 503 with `Retry-After`: no database connection in time
/// ([`crate::AppError::Unavailable`]). Every route that uses the database.
pub struct Unavailable;

impl IntoResponses for Unavailable {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        errors(&[(503, "The database is unavailable or busy: try again")])
    }
}

/// 400 for an `{id}` in the path that is not a whole number from 1 to
/// 9223372036854775807 ([`crate::http::PathId`]).
pub struct BadId;

impl IntoResponses for BadId {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let description = "The id is not a whole number from 1 to 9223372036854775807";
        errors(&[(400, description)])
    }
}

/// 413 and 415: a JSON body too large, or not sent as JSON
/// ([`crate::http::json_errors`]). Every route that reads a body.
pub struct JsonBodyRefused;

impl IntoResponses for JsonBodyRefused {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let too_large = format!("The body is larger than {} KiB", JSON_LIMIT_BYTES / 1024);
        errors(&[
            (413, &too_large),
            (415, "The body is not sent as application/json"),
        ])
    }
}

/// 500 for a write whose commit went unanswered
/// ([`crate::AppError::OutcomeUnknown`]): what a client retrying with its
/// `Idempotency-Key` is told.
pub struct OutcomeUnknown;

impl IntoResponses for OutcomeUnknown {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let description = "The connection to the database was lost while the write was \
                           committed: it may or may not have been saved. Retry with the same \
                           Idempotency-Key to find out without writing twice";
        errors(&[(500, description)])
    }
}

/// A parameter that is not required.
fn optional(name: &str, place: ParameterIn, description: &str, schema: ObjectBuilder) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// The query parameters of a list ([`crate::paging::Page`]): `after`,
/// `page` and `per_page`.
pub struct PageQuery;

impl IntoParams for PageQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let per_page = format!("Rows per page (default {DEFAULT_PER_PAGE})");
        vec![
            optional(
                "after",
                ParameterIn::Query,
                "Only the rows whose id is greater than this (default 0): a page by key, as \
                 fast at any depth; the `Link` header's form",
                integer(0, i64::MAX),
            ),
            optional(
                "page",
                ParameterIn::Query,
                "Which page, from 1 (default 1): OFFSET (page - 1) * per_page",
                integer(1, MAX_PAGE),
            ),
            optional(
                "per_page",
                ParameterIn::Query,
                &per_page,
                integer(1, MAX_PER_PAGE),
            ),
        ]
    }
}

/// The `Idempotency-Key` request header ([`crate::idempotency`]).
pub struct IdempotencyKeyHeader;

impl IntoParams for IdempotencyKeyHeader {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let description = format!(
            "A key of your choosing (a UUID, say) that makes a retry safe: a repeat with the \
             same key and body gets the first answer and writes nothing; kept for {} hours",
            KEY_LIFETIME.as_secs() / 3600
        );
        let key = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_KEY_LENGTH))
            .pattern(Some(r"^[!-~]+$"));
        vec![optional(HEADER, ParameterIn::Header, &description, key)]
    }
}
