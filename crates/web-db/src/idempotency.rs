//! Retries that never write twice: the `Idempotency-Key` header.
//!
//! A client that sent `POST /users` and lost the answer (a timeout, a
//! dropped connection, a 500 saying the outcome is unknown) cannot tell
//! whether the user was created. Sent again as it was, the request would
//! create a second row, or answer 409 for the client's own user. So a
//! `POST` may carry a key of the client's choosing (a UUID, say), as
//! Stripe's API and the IETF draft "The Idempotency-Key HTTP Header Field"
//! describe:
//!
//! - the first request with a key does the write and saves its answer
//!   (status, `Location`, body) in the same transaction: both are kept, or
//!   neither;
//! - a repeat with the same key and the same request gets the saved answer,
//!   with `Idempotent-Replayed: true`, and writes nothing;
//! - the same key with another request (another body, another route) is a
//!   422: a key names one request;
//! - a request that failed saved nothing (its transaction was rolled back),
//!   so a repeat runs it again;
//! - keys expire [`KEY_LIFETIME`] after their first use; after that the key
//!   is new again.
//!
//! Two requests with one key at the same moment cannot both write: the
//! first to insert the key holds it, and the second waits for it (on
//! PostgreSQL the unique index makes it wait; on SQLite writes run one at a
//! time), then finds its answer.
//!
//! A handler takes the header as an [`Idempotency`] argument and runs its
//! write through [`crate::DbSession::create`], which does all of the above:
//!
//! ```
//! use actix_web::HttpResponse;
//! use diesel::prelude::*;
//! use web_db::http::{ValidJson, Validate};
//! use web_db::idempotency::{Idempotency, created};
//! use web_db::{AppError, DbSession};
//!
//! diesel::table! {
//!     notes (id) {
//!         id -> BigInt,
//!         text -> Text,
//!     }
//! }
//!
//! #[derive(serde::Deserialize, serde::Serialize, Insertable)]
//! #[diesel(table_name = notes)]
//! struct NewNote {
//!     text: String,
//! }
//!
//! impl Validate for NewNote {
//!     fn validate(&self) -> Result<(), AppError> {
//!         web_db::text::Text::not_blank("text", 200).check(&self.text)
//!     }
//! }
//!
//! #[derive(serde::Serialize, Queryable)]
//! struct Note {
//!     id: i64,
//!     text: String,
//! }
//!
//! async fn create_note(
//!     session: DbSession,
//!     idempotency: Idempotency,
//!     ValidJson(new_note): ValidJson<NewNote>,
//! ) -> Result<HttpResponse, AppError> {
//!     session
//!         .create(idempotency, new_note, |conn, new_note| {
//!             // The row, and a 201 with `Location: /notes/{id}`.
//!             let note: Note = diesel::insert_into(notes::table).values(new_note).get_result(conn)?;
//!             created("/notes", &note)
//!         })
//!         .await
//! }
//! ```
//!
//! The keys live in the table `idempotency_keys`, which the app's
//! migrations create (see this crate's README for its SQL). A key is
//! forgotten [`KEY_LIFETIME`] after its first use. The rows of forgotten
//! keys are deleted off the request path: a keyed create starts a sweep
//! when none ran for [`SWEEP_EVERY`], a task of its own that deletes them
//! [`SWEEP_BATCH`] at a time, each batch an ordinary write. So the table
//! holds the keys of the last day and of at most a minute more, and a
//! keyed create costs the same whatever it holds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel::QueryResult;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use futures_util::future::{Ready, ready};
use serde::Serialize;

use crate::connection::DbConnection;
use crate::database::DbPool;
use crate::error::AppError;

/// The request header that carries the key.
pub const HEADER: &str = "Idempotency-Key";

/// The response header set on a saved answer sent again.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// How long a key is remembered after its first use: a day, as Stripe does,
/// long enough for any client's retries.
pub const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The most time between two sweeps of forgotten keys.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// How many forgotten keys one write of a sweep deletes: a few
/// milliseconds of work, so that on SQLite it holds the writer no longer
/// than an ordinary group of writes does.
pub const SWEEP_BATCH: i64 = 500;

/// The longest key accepted, in characters (a UUID has 36).
pub const MAX_KEY_LENGTH: usize = 255;

/// The `Idempotency-Key` of a request, if it sent one, and what the request
/// asked for (its method and path): a handler argument. A key that is
/// empty, too long, or not visible ASCII is a 400.
#[derive(Debug, Clone, Default)]
pub struct Idempotency {
    key: Option<String>,
    /// `POST /users/7/posts`: with the body, what a key is tied to.
    route: String,
}

/// An answer to a write, as it is sent and as it is saved for a repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedAnswer {
    /// The status: 201 for a create.
    pub status: u16,
    /// The `Location` header, for a create.
    pub location: Option<String>,
    /// The JSON body, as sent.
    pub body: String,
}

/// What a write with a key came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Once {
    /// The write ran now; this is its answer.
    Done(SavedAnswer),
    /// The key was used before for this same request: its saved answer.
    Replayed(SavedAnswer),
    /// The key was used before for another request: nothing was written.
    KeyReused,
}

/// The answer to a create: 201, the row as JSON, and `Location`, the
/// `collection` followed by the row's `id` (`/users/7`).
pub fn created(collection: &str, row: &impl Serialize) -> QueryResult<SavedAnswer> {
    let id = crate::paging::id_of(row).ok_or_else(|| {
        diesel::result::Error::QueryBuilderError(
            format!("a row created in {collection} came back without an id").into(),
        )
    })?;
    SavedAnswer::created(format!("{collection}/{id}"), row)
}

impl SavedAnswer {
    /// A 201 with `location` and `body` as JSON.
    pub fn created(location: String, body: &impl Serialize) -> QueryResult<SavedAnswer> {
        let body = serde_json::to_string(body)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        Ok(SavedAnswer {
            status: StatusCode::CREATED.as_u16(),
            location: Some(location),
            body,
        })
    }

    fn into_response(self, replayed: bool) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut response = HttpResponse::build(status);
        response.content_type("application/json");
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        if replayed {
            response.insert_header((REPLAYED_HEADER, "true"));
        }
        response.body(self.body)
    }
}

impl Once {
    /// The HTTP answer: the write's own, the saved one, or a 422.
    pub fn into_response(self) -> Result<HttpResponse, AppError> {
        match self {
            Once::Done(answer) => Ok(answer.into_response(false)),
            Once::Replayed(answer) => Ok(answer.into_response(true)),
            Once::KeyReused => Err(AppError::Invalid(format!(
                "this {HEADER} was used for another request (another body or route): \
                 a key names one request; send a new key for a new request"
            ))),
        }
    }
}

impl Idempotency {
    /// No key: every request runs.
    pub fn none() -> Self {
        Idempotency::default()
    }

    /// True when the request sent a key.
    pub fn has_key(&self) -> bool {
        self.key.is_some()
    }

    /// What a request with this key and `body` asked for, to tell a repeat
    /// from another request under the same key: its route, and its body as
    /// the server read it (so the order of its JSON fields, or spaces
    /// between them, do not count).
    pub fn request_text(&self, body: &impl Serialize) -> Result<String, AppError> {
        request_text(&self.route, body)
    }

    /// Runs `work`, a write that answers `SavedAnswer`, at most once per key,
    /// inside the write's transaction: with no key it just runs. `request`
    /// says what was asked ([`Idempotency::request_text`]).
    pub fn once(
        &self,
        conn: &mut DbConnection,
        request: &str,
        work: impl FnOnce(&mut DbConnection) -> QueryResult<SavedAnswer>,
    ) -> QueryResult<Once> {
        let Some(key) = &self.key else {
            return work(conn).map(Once::Done);
        };
        let now = unix_seconds();
        // This key, if it is past its lifetime, is new again (the others
        // are left to the sweep: deleting them all here would make this
        // request pay for every key forgotten since the last one).
        diesel::sql_query(
            "DELETE FROM idempotency_keys WHERE idempotency_key = $1 AND created_at < $2",
        )
        .bind::<Text, _>(key)
        .bind::<BigInt, _>(now - KEY_LIFETIME.as_secs() as i64)
        .execute(conn)?;
        // Hold the key; if another request holds it, wait for it to commit
        // (PostgreSQL's unique index does), then find its answer.
        let claimed = diesel::sql_query(
            "INSERT INTO idempotency_keys (idempotency_key, request, created_at) \
             VALUES ($1, $2, $3) ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind::<Text, _>(key)
        .bind::<Text, _>(request)
        .bind::<BigInt, _>(now)
        .execute(conn)?;
        if claimed == 0 {
            return saved_answer(conn, key, request);
        }
        let answer = work(conn)?;
        diesel::sql_query(
            "UPDATE idempotency_keys SET status = $1, location = $2, body = $3 \
             WHERE idempotency_key = $4",
        )
        .bind::<Integer, _>(i32::from(answer.status))
        .bind::<Nullable<Text>, _>(answer.location.as_deref())
        .bind::<Text, _>(&answer.body)
        .bind::<Text, _>(key)
        .execute(conn)?;
        Ok(Once::Done(answer))
    }
}

/// Deletes the rows of the keys past their lifetime, [`SWEEP_BATCH`] in
/// each write, until none is left; answers how many it deleted. Started by
/// [`crate::DbSession::create`] at most once per [`SWEEP_EVERY`], in a task
/// of its own; a tool may await it too.
pub async fn forget_expired_keys(pool: &DbPool) -> Result<usize, AppError> {
    let mut forgotten = 0;
    loop {
        let cutoff = unix_seconds() - KEY_LIFETIME.as_secs() as i64;
        let deleted = pool
            .write(move |conn| {
                diesel::sql_query(
                    "DELETE FROM idempotency_keys WHERE idempotency_key IN \
                     (SELECT idempotency_key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)",
                )
                .bind::<BigInt, _>(cutoff)
                .bind::<BigInt, _>(SWEEP_BATCH)
                .execute(conn)
            })
            .await?;
        forgotten += deleted;
        if deleted < SWEEP_BATCH as usize {
            return Ok(forgotten);
        }
    }
}

/// A key's row as it was saved.
#[derive(QueryableByName)]
struct SavedRow {
    #[diesel(sql_type = Text)]
    request: String,
    #[diesel(sql_type = Nullable<Integer>)]
    status: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    location: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    body: Option<String>,
}

fn saved_answer(conn: &mut DbConnection, key: &str, request: &str) -> QueryResult<Once> {
    let row: SavedRow = diesel::sql_query(
        "SELECT request, status, location, body FROM idempotency_keys \
         WHERE idempotency_key = $1",
    )
    .bind::<Text, _>(key)
    .get_result(conn)?;
    if row.request != request {
        return Ok(Once::KeyReused);
    }
    match (row.status, row.body) {
        (Some(status), Some(body)) => Ok(Once::Replayed(SavedAnswer {
            status: u16::try_from(status).unwrap_or(500),
            location: row.location,
            body,
        })),
        // A row is inserted and completed in one transaction: another
        // transaction never sees it half done.
        _ => Err(diesel::result::Error::QueryBuilderError(
            "an idempotency key was saved without its answer".into(),
        )),
    }
}

/// What a request asked, in a form that is the same for the same request:
/// its route and its body as the server read it (so the order of its JSON
/// fields, or spaces between them, do not count).
fn request_text(route: &str, body: &impl Serialize) -> Result<String, AppError> {
    let body = serde_json::to_string(body)
        .map_err(|e| AppError::Internal(format!("cannot serialize a request body: {e}")))?;
    Ok(format!("{route} {body}"))
}

fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Reads and checks the header's value. The IETF draft writes it as a
/// quoted string (`"8e03…"`); Stripe's clients send it bare: both are read.
fn parse_key(value: &[u8]) -> Result<String, AppError> {
    let bad = || {
        AppError::BadRequest(format!(
            "{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (a UUID, say)"
        ))
    };
    let value = std::str::from_utf8(value).map_err(|_| bad())?.trim();
    let key = value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(value);
    let visible = |c: char| c.is_ascii_graphic();
    if key.is_empty() || key.len() > MAX_KEY_LENGTH || !key.chars().all(visible) {
        return Err(bad());
    }
    Ok(key.to_owned())
}

impl FromRequest for Idempotency {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let route = format!("{} {}", req.method(), req.path());
        let mut values = req.headers().get_all(HEADER);
        let key = match (values.next(), values.next()) {
            (None, _) => Ok(None),
            (Some(value), None) => parse_key(value.as_bytes()).map(Some),
            (Some(_), Some(_)) => Err(AppError::BadRequest(format!(
                "send one {HEADER} header, not several"
            ))),
        };
        ready(key.map(|key| Idempotency { key, route }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_read_bare_or_quoted() {
        assert_eq!(parse_key(b"abc-123").unwrap(), "abc-123");
        assert_eq!(parse_key(b"\"abc-123\"").unwrap(), "abc-123");
        assert_eq!(parse_key(b"  abc  ").unwrap(), "abc");
    }

    #[test]
    fn a_bad_key_is_refused() {
        let long = "k".repeat(MAX_KEY_LENGTH + 1);
        for bad in [
            &b""[..],
            b"\"\"",
            b"a b",
            b"caf\xc3\xa9",
            b"\xff",
            long.as_bytes(),
        ] {
            let error = parse_key(bad).unwrap_err();
            assert!(
                matches!(error, AppError::BadRequest(_)),
                "{bad:?}: {error:?}"
            );
        }
        assert!(parse_key("k".repeat(MAX_KEY_LENGTH).as_bytes()).is_ok());
    }

    #[test]
    fn the_same_request_reads_the_same_whatever_its_field_order() {
        #[derive(Serialize)]
        struct Body {
            name: &'static str,
        }
        assert_eq!(
            request_text("POST /users", &Body { name: "ada" }).unwrap(),
            r#"POST /users {"name":"ada"}"#
        );
    }
}
