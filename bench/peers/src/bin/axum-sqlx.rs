//! axum with sqlx and its `PgPool`: `GET /users/{id}`, `POST /users` (one
//! autocommitted INSERT) and `POST /tx/users` (the same INSERT between
//! `BEGIN` and `COMMIT`). sqlx prepares each statement once per connection
//! and keeps it.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bench_peers::{INSERT_USER, NewUser, SELECT_USER, Settings, User, say_listening};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

type UserRow = (i64, String, String);

fn user((id, name, email): UserRow) -> User {
    User { id, name, email }
}

fn unavailable(error: impl std::fmt::Display) -> Response {
    let body = Json(serde_json::json!({ "error": error.to_string() }));
    (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
}

async fn get_user(State(pool): State<PgPool>, Path(id): Path<i64>) -> Response {
    let row: Result<Option<UserRow>, _> = sqlx::query_as(SELECT_USER)
        .bind(id)
        .fetch_optional(&pool)
        .await;
    match row {
        Ok(Some(row)) => Json(user(row)).into_response(),
        Ok(None) => {
            let body = Json(serde_json::json!({ "error": "no such user" }));
            (StatusCode::NOT_FOUND, body).into_response()
        }
        Err(e) => unavailable(e),
    }
}

fn created(row: Result<UserRow, sqlx::Error>) -> Response {
    match row {
        Ok(row) => {
            let user = user(row);
            let location = format!("/users/{}", user.id);
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

async fn create_user(State(pool): State<PgPool>, Json(new_user): Json<NewUser>) -> Response {
    created(
        sqlx::query_as(INSERT_USER)
            .bind(&new_user.name)
            .bind(&new_user.email)
            .fetch_one(&pool)
            .await,
    )
}

async fn create_user_in_transaction(
    State(pool): State<PgPool>,
    Json(new_user): Json<NewUser>,
) -> Response {
    let insert = async {
        let mut transaction = pool.begin().await?;
        let row: UserRow = sqlx::query_as(INSERT_USER)
            .bind(&new_user.name)
            .bind(&new_user.email)
            .fetch_one(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(row)
    };
    created(insert.await)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let settings = Settings::from_env()?;
    let pool = PgPoolOptions::new()
        .max_connections(u32::try_from(settings.pool_size).unwrap_or(10))
        // Its default pings each connection before lending it, a round trip
        // per request; off, as in the other peers' pools and the patterns'.
        .test_before_acquire(false)
        .connect(&settings.database_url)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let app = Router::new()
        .route("/users/{id}", get(get_user))
        .route("/users", post(create_user))
        .route("/tx/users", post(create_user_in_transaction))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(&settings.bind_addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind_addr))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    say_listening(address);
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}
