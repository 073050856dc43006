//! One error type for an app's handlers, and how each error becomes an HTTP
//! answer; database errors are turned into the right one here.
//!
//! Every answer is JSON: `{"error": "<what went wrong>"}`. Causes inside the
//! server (SQL, driver messages, file paths) are logged, never sent.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed: bad JSON, a missing field, a bad query parameter (400).
    #[error("{0}")]
    BadRequest(String),
    /// No such row, or no such route (404).
    #[error("{0}")]
    NotFound(String),
    /// The value would break a uniqueness rule: a name or an email taken (409).
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than the app accepts (413).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body is not declared as JSON (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The JSON is well formed but a value breaks a rule of the model (422).
    #[error("{0}")]
    Invalid(String),
    /// No working database connection could be had in time: the pool is
    /// exhausted, the server is down, or it closed the connection (503).
    /// Worth retrying. Holds the cause, for the log.
    #[error("the database is unavailable or busy, try again shortly")]
    Unavailable(String),
    /// The connection to the database was lost while a write was being
    /// committed: it may or may not have been saved (500). Not a plain
    /// "try again": a client that retries with the same `Idempotency-Key`
    /// gets the saved answer if it was saved, and the write if it was not.
    /// Holds the cause, for the log.
    #[error(
        "the connection to the database was lost while this write was being committed, so it \
         may or may not have been saved: retry with the same Idempotency-Key header to get \
         its answer without writing twice (without a key, look before you retry)"
    )]
    OutcomeUnknown(String),
    /// The database failed in a way the client cannot fix (500).
    #[error("internal error")]
    Database(#[source] DieselError),
    /// A bug or a broken invariant in the server (500).
    #[error("internal error")]
    Internal(String),
}

/// The body of every error answer.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// What went wrong, in words meant for the client's developer.
    pub error: String,
}

impl AppError {
    /// The error of a write that refers to another row (a post to its
    /// user), with the database's refusal of a missing row (a foreign key
    /// violation) made `missing()`, a 404 say. Look nothing up first:
    /// between that read and the INSERT another request may delete the row,
    /// while the foreign key is checked inside the INSERT itself and cannot
    /// be raced. Any other violation stays what it is, a bug (500).
    ///
    /// ```
    /// # use web_db::AppError;
    /// fn user_not_found(id: i64) -> AppError {
    ///     AppError::NotFound(format!("no user with id {id}"))
    /// }
    /// # let error = AppError::Conflict("taken".into());
    /// let error = error.on_foreign_key_violation(|| user_not_found(7));
    /// # assert!(matches!(error, AppError::Conflict(_)));
    /// ```
    pub fn on_foreign_key_violation(self, missing: impl FnOnce() -> AppError) -> Self {
        match self {
            AppError::Database(DieselError::DatabaseError(
                DatabaseErrorKind::ForeignKeyViolation,
                _,
            )) => missing(),
            other => other,
        }
    }

    /// The whole cause, for the server's own log or a start-up message:
    /// for a 5xx, what the client is not told.
    pub fn cause(&self) -> String {
        match self {
            AppError::Database(cause) => cause.to_string(),
            AppError::Internal(cause)
            | AppError::Unavailable(cause)
            | AppError::OutcomeUnknown(cause) => cause.clone(),
            other => other.to_string(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Internal(_) | AppError::OutcomeUnknown(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        // The server-side cause is logged here, once, and never leaves the server.
        match self {
            AppError::Database(cause) => log::error!("database error: {cause}"),
            AppError::Internal(cause) => log::error!("internal error: {cause}"),
            AppError::Unavailable(cause) => log::warn!("no working database connection: {cause}"),
            AppError::OutcomeUnknown(cause) => {
                log::error!("a write's outcome is unknown, its COMMIT got no answer: {cause}")
            }
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        if let AppError::Unavailable(_) = self {
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        let error = self.to_string();
        response.json(ErrorBody { error })
    }
}

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> Self {
        let DieselError::DatabaseError(kind, info) = &error else {
            return match error {
                DieselError::NotFound => AppError::NotFound("not found".to_owned()),
                other => AppError::Database(other),
            };
        };
        let message = info.message();
        match kind {
            DatabaseErrorKind::UniqueViolation => AppError::Conflict(already_exists(info.as_ref())),
            // The server went away under the query (restarted, or the
            // connection was terminated), or the query could not be sent:
            // the pool drops this connection, and a retry gets a fresh one.
            // (A COMMIT that went unanswered is not this: see
            // `AppError::OutcomeUnknown`.) Or PostgreSQL gave up on this
            // transaction and rolled it back, for reasons of the moment: a
            // serializable conflict (or the reasons below).
            DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::UnableToSendCommand
            | DatabaseErrorKind::SerializationFailure => AppError::Unavailable(message.to_owned()),
            // Another process holds SQLite's write lock past busy_timeout.
            // Or PostgreSQL lost a deadlock, or cancelled the statement: it
            // waited past a `lock_timeout` or `statement_timeout`, or the
            // pool's watchdog stopped a call past its time. Nothing was
            // kept, and the same request may succeed now.
            _ if message.contains("database is locked")
                || message.contains("database is busy")
                || message.contains("deadlock detected")
                || message.contains("canceling statement due to")
                // A migration changed a column under a prepared statement.
                || message == "cached plan must not change result type" =>
            {
                AppError::Unavailable(message.to_owned())
            }
            // The connection reads only: PostgreSQL's read-only default, or
            // SQLite's `query_only`. A bug in the code, named plainly in the log.
            _ if *kind == DatabaseErrorKind::ReadOnlyTransaction
                || message.contains("attempt to write a readonly database") =>
            {
                AppError::Internal(format!(
                    "a write was sent through the read path ({message}): \
                     writes go through DbSession::write, which commits them"
                ))
            }
            _ => AppError::Database(error),
        }
    }
}

/// "this email is already taken", from the column the database names:
/// SQLite in its message (`UNIQUE constraint failed: users.email`),
/// PostgreSQL in its detail (`Key (email)=(…) already exists.`). The value
/// itself is not repeated.
fn already_exists(info: &dyn DatabaseErrorInformation) -> String {
    let sqlite = info
        .message()
        .strip_prefix("UNIQUE constraint failed: ")
        .and_then(|columns| columns.split(", ").next())
        .and_then(|column| column.split_once('.'))
        .map(|(_table, column)| column);
    let postgres = info
        .details()
        .and_then(|details| details.strip_prefix("Key ("))
        .and_then(|rest| rest.split_once(')'))
        .map(|(columns, _)| columns.split(", ").next().unwrap_or(columns));
    match sqlite.or(postgres) {
        Some(column) => format!("this {column} is already taken"),
        None => "these values are already taken".to_owned(),
    }
}

impl From<r2d2::Error> for AppError {
    fn from(error: r2d2::Error) -> Self {
        AppError::Unavailable(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database error as a driver reports it, for the conversions below.
    struct Reported {
        message: &'static str,
        details: Option<&'static str>,
        table: Option<&'static str>,
    }

    impl DatabaseErrorInformation for Reported {
        fn message(&self) -> &str {
            self.message
        }
        fn details(&self) -> Option<&str> {
            self.details
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            self.table
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn reported(kind: DatabaseErrorKind, message: &'static str) -> AppError {
        let info = Reported {
            message,
            details: None,
            table: None,
        };
        DieselError::DatabaseError(kind, Box::new(info)).into()
    }

    #[test]
    fn a_unique_violation_names_the_column_sqlite_names() {
        let kind = DatabaseErrorKind::UniqueViolation;
        for (message, expected) in [
            (
                "UNIQUE constraint failed: users.name",
                "this name is already taken",
            ),
            (
                "UNIQUE constraint failed: users.email",
                "this email is already taken",
            ),
            (
                "UNIQUE constraint failed: comments.post_id, comments.author_id",
                "this post_id is already taken",
            ),
            ("UNIQUE constraint failed", "these values are already taken"),
        ] {
            let error = reported(kind, message);
            assert!(
                matches!(&error, AppError::Conflict(m) if m == expected),
                "{error:?}"
            );
        }
    }

    #[test]
    fn a_unique_violation_names_the_column_postgres_names_without_the_value() {
        let info = Reported {
            message: "duplicate key value violates unique constraint \"users_name_key\"",
            details: Some("Key (name)=(ada) already exists."),
            table: Some("users"),
        };
        let error: AppError =
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, Box::new(info)).into();
        assert!(
            matches!(&error, AppError::Conflict(m) if m == "this name is already taken"),
            "{error:?}"
        );
    }

    #[test]
    fn a_foreign_key_violation_is_a_missing_row_only_where_one_is_expected() {
        let violation = || {
            reported(
                DatabaseErrorKind::ForeignKeyViolation,
                "FOREIGN KEY constraint failed",
            )
        };
        assert_eq!(violation().status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let missing = || AppError::NotFound("no user with id 7".into());
        let gone = violation().on_foreign_key_violation(missing);
        assert_eq!(gone.status_code(), StatusCode::NOT_FOUND);
        assert_eq!(gone.to_string(), "no user with id 7");
        let conflict = AppError::Conflict("taken".into()).on_foreign_key_violation(missing);
        assert_eq!(conflict.status_code(), StatusCode::CONFLICT);
    }

    #[test]
    fn a_connection_lost_or_unusable_is_worth_retrying() {
        for kind in [
            DatabaseErrorKind::ClosedConnection,
            DatabaseErrorKind::UnableToSendCommand,
        ] {
            let error = reported(kind, "server closed the connection unexpectedly");
            assert_eq!(
                error.status_code(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_write_whose_commit_went_unanswered_is_not_a_plain_retry() {
        let error = AppError::OutcomeUnknown("server closed the connection".into());
        assert_eq!(error.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let response = error.error_response();
        assert!(response.headers().get(header::RETRY_AFTER).is_none());
        assert!(error.to_string().contains("Idempotency-Key"), "{error}");
    }

    #[test]
    fn what_postgresql_gave_up_on_for_now_is_worth_retrying() {
        for (kind, message) in [
            (DatabaseErrorKind::Unknown, "deadlock detected"),
            (
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access due to concurrent update",
            ),
            (
                DatabaseErrorKind::Unknown,
                "canceling statement due to lock timeout",
            ),
            (
                DatabaseErrorKind::Unknown,
                "canceling statement due to statement timeout",
            ),
            (
                DatabaseErrorKind::Unknown,
                "canceling statement due to user request",
            ),
            (
                DatabaseErrorKind::Unknown,
                "cached plan must not change result type",
            ),
        ] {
            let error = reported(kind, message);
            assert_eq!(
                error.status_code(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{message}"
            );
        }
    }

    #[test]
    fn a_locked_sqlite_database_is_worth_retrying() {
        for message in ["database is locked", "database is busy"] {
            let error = reported(DatabaseErrorKind::Unknown, message);
            assert_eq!(
                error.status_code(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{message}"
            );
        }
    }

    #[test]
    fn a_write_on_the_read_path_is_a_bug_named_in_the_log() {
        for error in [
            reported(
                DatabaseErrorKind::ReadOnlyTransaction,
                "cannot execute INSERT in a read-only transaction",
            ),
            reported(
                DatabaseErrorKind::Unknown,
                "attempt to write a readonly database",
            ),
        ] {
            assert!(
                matches!(&error, AppError::Internal(m) if m.contains("DbSession::write")),
                "{error:?}"
            );
            assert_eq!(error.to_string(), "internal error");
        }
    }
}
