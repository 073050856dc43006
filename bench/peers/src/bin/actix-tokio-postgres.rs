//! actix-web with tokio-postgres and a deadpool pool: `GET /users/{id}`,
//! `POST /users` (one autocommitted INSERT) and `POST /tx/users` (the same
//! INSERT between `BEGIN` and `COMMIT`, as every write of the patterns is).
//! Statements are prepared once per connection (`prepare_cached`).

use actix_web::{App, HttpResponse, HttpServer, web};
use bench_peers::{INSERT_USER, NewUser, SELECT_USER, Settings, User, say_listening};
use deadpool_postgres::{Manager, Pool};
use tokio_postgres::{NoTls, Row};

fn user(row: &Row) -> User {
    User {
        id: row.get(0),
        name: row.get(1),
        email: row.get(2),
    }
}

fn unavailable(error: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(serde_json::json!({ "error": error.to_string() }))
}

async fn get_user(pool: web::Data<Pool>, id: web::Path<i64>) -> HttpResponse {
    let client = match pool.get().await {
        Ok(client) => client,
        Err(e) => return unavailable(e),
    };
    let row = match client.prepare_cached(SELECT_USER).await {
        Ok(statement) => client.query_opt(&statement, &[&id.into_inner()]).await,
        Err(e) => Err(e),
    };
    match row {
        Ok(Some(row)) => HttpResponse::Ok().json(user(&row)),
        Ok(None) => HttpResponse::NotFound().json(serde_json::json!({ "error": "no such user" })),
        Err(e) => unavailable(e),
    }
}

async fn create(pool: &Pool, new_user: &NewUser, in_transaction: bool) -> Result<User, String> {
    let mut client = pool.get().await.map_err(|e| e.to_string())?;
    let row = if in_transaction {
        let transaction = client.transaction().await.map_err(|e| e.to_string())?;
        let statement = transaction
            .prepare_cached(INSERT_USER)
            .await
            .map_err(|e| e.to_string())?;
        let row = transaction
            .query_one(&statement, &[&new_user.name, &new_user.email])
            .await
            .map_err(|e| e.to_string())?;
        transaction.commit().await.map_err(|e| e.to_string())?;
        row
    } else {
        let statement = client
            .prepare_cached(INSERT_USER)
            .await
            .map_err(|e| e.to_string())?;
        client
            .query_one(&statement, &[&new_user.name, &new_user.email])
            .await
            .map_err(|e| e.to_string())?
    };
    Ok(user(&row))
}

async fn created(pool: &Pool, new_user: &NewUser, in_transaction: bool) -> HttpResponse {
    match create(pool, new_user, in_transaction).await {
        Ok(user) => HttpResponse::Created()
            .insert_header(("Location", format!("/users/{}", user.id)))
            .json(user),
        Err(e) => unavailable(e),
    }
}

async fn create_user(pool: web::Data<Pool>, new_user: web::Json<NewUser>) -> HttpResponse {
    created(&pool, &new_user, false).await
}

async fn create_user_in_transaction(
    pool: web::Data<Pool>,
    new_user: web::Json<NewUser>,
) -> HttpResponse {
    created(&pool, &new_user, true).await
}

#[actix_web::main]
async fn main() -> Result<(), String> {
    let settings = Settings::from_env()?;
    let config: tokio_postgres::Config = settings
        .database_url
        .parse()
        .map_err(|e| format!("DATABASE_URL: {e}"))?;
    let pool = Pool::builder(Manager::new(config, NoTls))
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
