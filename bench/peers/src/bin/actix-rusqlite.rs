//! actix-web with rusqlite, the plain way to serve SQLite from actix-web:
//! reads on an r2d2 pool of connections, run on actix's blocking pool
//! (`web::block`), each statement prepared once per connection
//! (`prepare_cached`); creates on one connection behind a mutex (SQLite
//! writes one transaction at a time), each INSERT its own transaction,
//! synced as `SQLITE_SYNCHRONOUS` says. `POST /tx/users` is the same
//! create: on SQLite an autocommitted INSERT is a transaction of its own.

use std::sync::{Arc, Mutex, PoisonError};

use actix_web::{App, HttpResponse, HttpServer, web};
use bench_peers::{INSERT_USER, NewUser, SELECT_USER, Settings, User, say_listening};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OptionalExtension, Row};

struct Database {
    reads: r2d2::Pool<SqliteConnectionManager>,
    writer: Arc<Mutex<Connection>>,
}

fn user(row: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        name: row.get(1)?,
        email: row.get(2)?,
    })
}

fn unavailable(error: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(serde_json::json!({ "error": error.to_string() }))
}

async fn get_user(db: web::Data<Database>, id: web::Path<i64>) -> HttpResponse {
    let (reads, id) = (db.reads.clone(), id.into_inner());
    let row = web::block(move || {
        let conn = reads.get().map_err(|e| e.to_string())?;
        let mut statement = conn
            .prepare_cached(SELECT_USER)
            .map_err(|e| e.to_string())?;
        statement
            .query_row([id], user)
            .optional()
            .map_err(|e| e.to_string())
    })
    .await;
    match row {
        Ok(Ok(Some(user))) => HttpResponse::Ok().json(user),
        Ok(Ok(None)) => {
            HttpResponse::NotFound().json(serde_json::json!({ "error": "no such user" }))
        }
        Ok(Err(e)) => unavailable(e),
        Err(e) => unavailable(e),
    }
}

async fn create_user(db: web::Data<Database>, new_user: web::Json<NewUser>) -> HttpResponse {
    let writer = Arc::clone(&db.writer);
    let created = web::block(move || {
        let conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut statement = conn
            .prepare_cached(INSERT_USER)
            .map_err(|e| e.to_string())?;
        statement
            .query_row([&new_user.name, &new_user.email], user)
            .map_err(|e| e.to_string())
    })
    .await;
    match created {
        Ok(Ok(user)) => HttpResponse::Created()
            .insert_header(("Location", format!("/users/{}", user.id)))
            .json(user),
        Ok(Err(e)) => unavailable(e),
        Err(e) => unavailable(e),
    }
}

/// The patterns' connection settings: WAL, a busy timeout, foreign keys.
fn set_up(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;",
    )
}

fn main() -> Result<(), String> {
    let settings = Settings::from_env()?;
    let path = settings.sqlite_path()?;
    let reads = r2d2::Pool::builder()
        .max_size(u32::try_from(settings.pool_size).unwrap_or(10))
        .build(SqliteConnectionManager::file(&path).with_init(set_up))
        .map_err(|e| format!("cannot open {path}: {e}"))?;
    let mut writer = Connection::open(&path).map_err(|e| format!("cannot open {path}: {e}"))?;
    set_up(&mut writer).map_err(|e| e.to_string())?;
    let synchronous = format!("PRAGMA synchronous = {}", settings.sqlite_synchronous);
    writer
        .execute_batch(&synchronous)
        .map_err(|e| e.to_string())?;
    let database = web::Data::new(Database {
        reads,
        writer: Arc::new(Mutex::new(writer)),
    });
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(database.clone())
                .route("/users/{id}", web::get().to(get_user))
                .route("/users", web::post().to(create_user))
                .route("/tx/users", web::post().to(create_user))
        })
        .bind(&settings.bind_addr)
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind_addr))?;
        for address in server.addrs() {
            say_listening(address);
        }
        server.run().await.map_err(|e| e.to_string())
    })
}
