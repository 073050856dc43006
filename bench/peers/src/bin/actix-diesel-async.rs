//! actix-web with diesel-async: the same query builder as the declarative
//! pattern, on `AsyncPgConnection` (tokio-postgres underneath) and its
//! deadpool pool, with no thread hand-off. `GET /users/{id}`, `POST /users`
//! (one autocommitted INSERT) and `POST /tx/users` (the same INSERT in
//! `conn.transaction`, `BEGIN … COMMIT`). diesel prepares each statement
//! once per connection, as it does for the patterns. The pool lends a
//! connection without a test query, as every other pool here does.

use actix_web::{App, HttpResponse, HttpServer, web};
use bench_peers::{NewUser, Settings, User, say_listening};
use diesel::prelude::*;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        email -> Text,
    }
}

type UserRow = (i64, String, String);

fn user((id, name, email): UserRow) -> User {
    User { id, name, email }
}

fn unavailable(error: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(serde_json::json!({ "error": error.to_string() }))
}

async fn get_user(pool: web::Data<Pool<AsyncPgConnection>>, id: web::Path<i64>) -> HttpResponse {
    let mut conn = match pool.get().await {
        Ok(conn) => conn,
        Err(e) => return unavailable(e),
    };
    let row: QueryResult<Option<UserRow>> = users::table
        .find(id.into_inner())
        .first(&mut conn)
        .await
        .optional();
    match row {
        Ok(Some(row)) => HttpResponse::Ok().json(user(row)),
        Ok(None) => HttpResponse::NotFound().json(serde_json::json!({ "error": "no such user" })),
        Err(e) => unavailable(e),
    }
}

async fn insert(conn: &mut AsyncPgConnection, new_user: &NewUser) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values((
            users::name.eq(&new_user.name),
            users::email.eq(&new_user.email),
        ))
        .returning((users::id, users::name, users::email))
        .get_result(conn)
        .await
}

async fn create(
    pool: &Pool<AsyncPgConnection>,
    new_user: &NewUser,
    in_transaction: bool,
) -> Result<User, String> {
    let mut conn = pool.get().await.map_err(|e| e.to_string())?;
    let row = if in_transaction {
        conn.transaction(async |conn| insert(conn, new_user).await)
            .await
    } else {
        insert(&mut conn, new_user).await
    };
    row.map(user).map_err(|e| e.to_string())
}

async fn created(
    pool: &Pool<AsyncPgConnection>,
    new_user: &NewUser,
    in_transaction: bool,
) -> HttpResponse {
    match create(pool, new_user, in_transaction).await {
        Ok(user) => HttpResponse::Created()
            .insert_header(("Location", format!("/users/{}", user.id)))
            .json(user),
        Err(e) => unavailable(e),
    }
}

async fn create_user(
    pool: web::Data<Pool<AsyncPgConnection>>,
    new_user: web::Json<NewUser>,
) -> HttpResponse {
    created(&pool, &new_user, false).await
}

async fn create_user_in_transaction(
    pool: web::Data<Pool<AsyncPgConnection>>,
    new_user: web::Json<NewUser>,
) -> HttpResponse {
    created(&pool, &new_user, true).await
}

#[actix_web::main]
async fn main() -> Result<(), String> {
    let settings = Settings::from_env()?;
    // Its default checks each connection with a query before lending it, a
    // round trip per request; `Fast`, as deadpool-postgres and the patterns'
    // pool do, checks only that no transaction was left open.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        &settings.database_url,
        config,
    );
    let pool = Pool::builder(manager)
        .max_size(settings.pool_size)
        .build()
        .map_err(|e| e.to_string())?;
    let server = HttpServer::new({
        let pool = pool.clone();
        move || {
            App::new()
                .app_data(web::Data::new(pool.clone()))
                .route("/users/{id}", web::get().to(get_user))
                .route("/users", web::post().to(create_user))
                .route("/tx/users", web::post().to(create_user_in_transaction))
        }
    })
    .bind(&settings.bind_addr)
    .map_err(|e| format!("cannot listen on {}: {e}", settings.bind_addr))?;
    if let Some(address) = server.addrs().first() {
        say_listening(*address);
    }
    server.run().await.map_err(|e| e.to_string())
}
