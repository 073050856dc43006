//! The ceiling: an actix-web server that answers `GET /users/{id}` with the
//! same JSON the patterns send, without any database. The benchmark compares
//! every pattern with it, in the same run, on the same machine.

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::json;

async fn get_user(id: web::Path<i64>) -> HttpResponse {
    let id = id.into_inner();
    HttpResponse::Ok().json(json!({
        "id": id,
        "name": format!("user{id}"),
        "email": format!("user{id}@example.com"),
    }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:8090".to_owned());
    let server =
        HttpServer::new(|| App::new().route("/users/{id}", web::get().to(get_user))).bind(&addr)?;
    for bound in server.addrs() {
        println!("ceiling listening on http://{bound}");
    }
    server.run().await
}
