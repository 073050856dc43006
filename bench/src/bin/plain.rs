//! The reference point: the plainest correct handler, with no request
//! session and no hook. `GET /users/{id}` takes a connection from an r2d2
//! pool built with r2d2's defaults (which ping each connection as it is
//! lent) inside `web::block`, runs one diesel query and answers with JSON.
//! The benchmark runs it beside the patterns to show what the shared
//! plumbing costs, or saves.

use actix_web::{App, HttpResponse, HttpServer, web};
use shared::connection::{DbConnectionManager, init_openssl_for_libpq};
use shared::database_url::DatabaseUrl;
use shared::user_store::UserStore;

type Pool = r2d2::Pool<DbConnectionManager>;

async fn get_user(pool: web::Data<Pool>, id: web::Path<i32>) -> HttpResponse {
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

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "users.db".to_owned());
    let url = DatabaseUrl::parse(&url).map_err(std::io::Error::other)?;
    init_openssl_for_libpq();
    let pool = Pool::builder()
        .max_size(10)
        .build(DbConnectionManager::new(url))
        .map_err(std::io::Error::other)?;
    let addr = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:8091".to_owned());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .route("/users/{id}", web::get().to(get_user))
    })
    .bind(&addr)?;
    for bound in server.addrs() {
        println!("plain listening on http://{bound}");
    }
    server.run().await
}
