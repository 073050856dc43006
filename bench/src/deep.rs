//! Deep pages: a list of [`DEEP_USERS`] users, walked to its end by its
//! links, and a page by key deep in it measured beside a read by id.
//!
//! The walk runs in this process, through each pattern's app (actix's test
//! service, no network), with every statement recorded
//! ([`web_db::sql_log::SqlRecording`]): it follows `rel="next"` from
//! `GET /users?per_page=100` until a page has no link, and prints the pages
//! it took, the last id it reached and the SELECTs per page. The speed is
//! wrk's, against the release binary, as for the other workloads.

use std::time::Instant;

use actix_web::http::header;
use actix_web::test;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use shared::database::init_db;
use web_db::DbPool;
use web_db::database_url::DatabaseUrl;
use web_db::http::AppService;
use web_db::sql_log::SqlRecording;
use web_db::{PoolSettings, engine};

/// The users of the deep list.
pub const DEEP_USERS: i64 = 1_000_000;

/// Migrates a fresh database and fills it with [`DEEP_USERS`] users in one
/// statement (the database counts; nothing crosses the wire per row).
pub fn seed(database_url: &str) -> Result<DbPool, String> {
    let url = DatabaseUrl::parse(database_url)?;
    let settings = PoolSettings {
        max_size: 1,
        ..PoolSettings::default()
    };
    let pool = engine(&url, &settings).map_err(|e| e.to_string())?;
    init_db(&pool)?;
    let numbers = match url {
        DatabaseUrl::Postgres(_) => format!("SELECT i FROM generate_series(1, {DEEP_USERS}) AS i"),
        DatabaseUrl::Sqlite(_) => format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {DEEP_USERS}) \
             SELECT i FROM n"
        ),
    };
    let insert = format!(
        "INSERT INTO users (name, email) \
         SELECT 'user' || i, 'user' || i || '@example.com' FROM ({numbers}) AS numbers"
    );
    pool.write_blocking(move |conn| conn.batch_execute(&insert))
        .map_err(|e| format!("seeding {DEEP_USERS} users: {e}"))?;
    if let DatabaseUrl::Postgres(_) = url {
        // Now rather than by autovacuum in the middle of a measurement.
        web_db::connection::init_openssl_for_libpq();
        let mut conn = diesel::pg::PgConnection::establish(database_url)
            .map_err(|e| format!("cannot connect to vacuum: {e}"))?;
        conn.batch_execute("VACUUM ANALYZE users")
            .map_err(|e| format!("vacuuming the {DEEP_USERS} users: {e}"))?;
    }
    Ok(pool)
}

/// What a walk by the links found.
pub struct Walk {
    pub pages: usize,
    pub users: usize,
    pub last_id: i64,
    pub most_selects_on_a_page: usize,
    pub seconds: f64,
}

/// Follows the links of `GET /users?per_page=100` through the pattern
/// `pattern`'s app on `pool` to the end of the list.
pub fn walk(pattern: &str, pool: DbPool) -> Result<Walk, String> {
    actix_web::rt::System::new().block_on(async move {
        match pattern {
            "declarative" => walk_app(declarative::app(pool.clone()), &pool).await,
            "manual-mapping" => walk_app(manual_mapping::app(pool.clone()), &pool).await,
            _ => walk_app(sql_abstraction::app(pool.clone()), &pool).await,
        }
    })
}

async fn walk_app<T: AppService>(app: actix_web::App<T>, pool: &DbPool) -> Result<Walk, String> {
    let app = test::init_service(app).await;
    let recording = SqlRecording::start(pool.url());
    let started = Instant::now();
    let mut walk = Walk {
        pages: 0,
        users: 0,
        last_id: 0,
        most_selects_on_a_page: 0,
        seconds: 0.0,
    };
    let mut next = Some("/users?per_page=100".to_owned());
    while let Some(uri) = next.take() {
        let answer =
            test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await;
        if !answer.status().is_success() {
            return Err(format!("GET {uri} answered {}", answer.status()));
        }
        next = answer
            .headers()
            .get(header::LINK)
            .and_then(|link| link.to_str().ok())
            .and_then(|link| link.strip_prefix('<')?.split_once('>'))
            .map(|(target, _)| target.to_owned());
        let users: serde_json::Value = test::read_body_json(answer).await;
        let users = users.as_array().ok_or("a page is a JSON array")?;
        walk.pages += 1;
        walk.users += users.len();
        if let Some(last) = users.last().and_then(|user| user["id"].as_i64()) {
            walk.last_id = last;
        }
        let selects = recording
            .take()
            .iter()
            .filter(|statement| statement.kind() == "SELECT")
            .count();
        walk.most_selects_on_a_page = walk.most_selects_on_a_page.max(selects);
    }
    walk.seconds = started.elapsed().as_secs_f64();
    Ok(walk)
}
