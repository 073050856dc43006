//! The reference point: the plainest correct handlers, with no request
//! session and no hook, run beside the patterns to show what the shared
//! plumbing costs, or saves.
//!
//! - `GET /users/{id}` takes a connection from an r2d2 pool built with
//!   r2d2's defaults (which ping each connection as it is lent) inside
//!   `web::block`, runs one diesel query and answers with JSON.
//! - `POST /users` (SQLite only) is the simple way to write to SQLite: one
//!   connection that may write, behind a mutex, used inside `web::block`,
//!   each write its own `BEGIN IMMEDIATE … COMMIT`, with the same
//!   durability as the patterns (`DB_SQLITE_SYNCHRONOUS`, FULL unless set
//!   to normal). What the patterns' writer thread buys over it is the
//!   difference between the two in the benchmark's table.

use std::sync::{Arc, Mutex, PoisonError};

use actix_web::{App, HttpResponse, HttpServer, web};
use diesel::connection::SimpleConnection;
use shared::models::NewUser;
use web_db::DbConnection;
use web_db::connection::{Access, DbConnectionManager, connect, init_openssl_for_libpq};
use web_db::database_url::DatabaseUrl;

type Pool = r2d2::Pool<DbConnectionManager>;

/// The one connection that writes, on SQLite.
type Writer = Arc<Mutex<DbConnection>>;

async fn get_user(pool: web::Data<Pool>, id: web::Path<i64>) -> HttpResponse {
    let id = id.into_inner();
    let found = web::block(move || {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        declarative::store::Store
            .find_user(&mut conn, id)
            .map_err(|e| e.to_string())
    })
    .await;
    match found {
        Ok(Ok(Some(user))) => HttpResponse::Ok().json(user),
        Ok(Ok(None)) => HttpResponse::NotFound().finish(),
        _ => HttpResponse::InternalServerError().finish(),
    }
}

async fn create_user(writer: web::Data<Writer>, user: web::Json<NewUser>) -> HttpResponse {
    let writer = Arc::clone(&writer);
    let created = web::block(move || {
        let mut conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
        conn.batch_execute("BEGIN IMMEDIATE")?;
        match declarative::store::Store.create_user(&mut conn, &user) {
            Ok(user) => conn.batch_execute("COMMIT").map(|()| user),
            Err(error) => {
                let _ = conn.batch_execute("ROLLBACK");
                Err(error)
            }
        }
    })
    .await;
    match created {
        Ok(Ok(user)) => HttpResponse::Created()
            .insert_header(("location", format!("/users/{}", user.id)))
            .json(user),
        Ok(Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => HttpResponse::Conflict().finish(),
        _ => HttpResponse::InternalServerError().finish(),
    }
}

/// The SQLite connection that writes, with the durability asked for.
fn open_writer(url: &DatabaseUrl) -> std::io::Result<Writer> {
    let mut conn = connect(url, Access::ReadWrite).map_err(std::io::Error::other)?;
    let synchronous = match std::env::var("DB_SQLITE_SYNCHRONOUS").as_deref() {
        Ok("normal") => "NORMAL",
        _ => "FULL",
    };
    conn.batch_execute(&format!("PRAGMA synchronous = {synchronous}"))
        .map_err(std::io::Error::other)?;
    Ok(Arc::new(Mutex::new(conn)))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "users.db".to_owned());
    let url = DatabaseUrl::parse(&url).map_err(std::io::Error::other)?;
    init_openssl_for_libpq();
    let writer = match url {
        DatabaseUrl::Sqlite(_) => Some(open_writer(&url)?),
        DatabaseUrl::Postgres(_) => None,
    };
    let pool = Pool::builder()
        .max_size(10)
        .build(DbConnectionManager {
            url,
            wait_limit: None,
        })
        .map_err(std::io::Error::other)?;
    let addr = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:8091".to_owned());
    let server = HttpServer::new(move || {
        let app = App::new()
            .app_data(web::Data::new(pool.clone()))
            .route("/users/{id}", web::get().to(get_user));
        match &writer {
            Some(writer) => app
                .app_data(web::Data::new(Arc::clone(writer)))
                .route("/users", web::post().to(create_user)),
            None => app,
        }
    })
    .bind(&addr)?;
    for bound in server.addrs() {
        println!("plain listening on http://{bound}");
    }
    server.run().await
}
