//! axum with sqlx and its `SqlitePool`, as sqlx's documentation sets it up:
//! one pool for reads and writes, WAL, a busy timeout, synced as
//! `SQLITE_SYNCHRONOUS` says. sqlx runs SQLite on a worker thread per
//! connection and keeps each prepared statement. `POST /users` and
//! `POST /tx/users` are the same autocommitted INSERT, a transaction of its
//! own on SQLite.

use std::str::FromStr;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bench_peers::{INSERT_USER, NewUser, SELECT_USER, Settings, User, say_listening};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

type UserRow = (i64, String, String);

fn unavailable(error: impl std::fmt::Display) -> Response {
    let body = Json(serde_json::json!({ "error": error.to_string() }));
    (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
}

async fn get_user(State(pool): State<SqlitePool>, Path(id): Path<i64>) -> Response {
    let row: Result<Option<UserRow>, _> = sqlx::query_as(SELECT_USER)
        .bind(id)
        .fetch_optional(&pool)
        .await;
    match row {
        Ok(Some((id, name, email))) => Json(User { id, name, email }).into_response(),
        Ok(None) => {
            let body = Json(serde_json::json!({ "error": "no such user" }));
            (StatusCode::NOT_FOUND, body).into_response()
        }
        Err(e) => unavailable(e),
    }
}

async fn create_user(State(pool): State<SqlitePool>, Json(new_user): Json<NewUser>) -> Response {
    let row: Result<UserRow, _> = sqlx::query_as(INSERT_USER)
        .bind(&new_user.name)
        .bind(&new_user.email)
        .fetch_one(&pool)
        .await;
    match row {
        Ok((id, name, email)) => {
            let location = format!("/users/{id}");
            let user = User { id, name, email };
            (
                StatusCode::CREATED,
                [(header::LOCATION, location)],
                Json(user),
            )
                .into_response()
        }
        Err(e) => unavailable(e),
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let settings = Settings::from_env()?;
    let synchronous = SqliteSynchronous::from_str(&settings.sqlite_synchronous)
        .map_err(|e| format!("SQLITE_SYNCHRONOUS: {e}"))?;
    let options = SqliteConnectOptions::new()
        .filename(settings.sqlite_path()?)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(u32::try_from(settings.pool_size).unwrap_or(10))
        // As in the other peers and the patterns: no ping before each use.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let app = Router::new()
        .route("/users/{id}", get(get_user))
        .route("/users", post(create_user))
        .route("/tx/users", post(create_user))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(&settings.bind_addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind_addr))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    say_listening(address);
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}
