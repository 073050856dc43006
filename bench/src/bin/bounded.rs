//! Two costs that the default settings keep bounded, measured in-process on
//! the declarative app (`cargo run --release -p bench --bin bounded`; with
//! `DATABASE_URL=postgres://…`, on a scratch schema of that database):
//!
//! - a keyed `POST /users` with 1,000,000 forgotten `Idempotency-Key`s in
//!   the table, beside one with none: the first (which starts the sweep),
//!   then 200 more while the sweep deletes them, against 200 on a table
//!   with no forgotten key;
//! - the longest answer while another session holds a lock on `users` for
//!   12 s: 16 requests at once, reads by id and creates, with the default
//!   checkout timeout (3 s);
//! - the longest answer to 8 creates of a user with a post while `users` is
//!   locked for 2.7 s and `posts` for 12 s: each statement meets a lock of
//!   its own.

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::test::{self, TestRequest};
use diesel::connection::SimpleConnection;
use futures_util::future::join_all;
use web_db::connection::{Access, connect};
use web_db::database_url::DatabaseUrl;
use web_db::idempotency::KEY_LIFETIME;
use web_db::{DbPool, PoolSettings, engine};

const FORGOTTEN_KEYS: u32 = 1_000_000;

fn main() -> ExitCode {
    match actix_web::rt::System::new().block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let (url, cleanup) = scratch_database()?;
    println!("database: {url}");
    let result = measure(&url).await;
    cleanup();
    result
}

async fn measure(url: &DatabaseUrl) -> Result<(), String> {
    let pool = engine(url, &PoolSettings::for_backend(url)).map_err(|e| e.to_string())?;
    shared::database::init_db(&pool)?;
    let app = test::init_service(declarative::app(pool.clone())).await;

    let mut batch = 0;
    let mut post = |keyed: bool| {
        batch += 1;
        let body = format!(r#"{{"name":"u{batch}","email":"u{batch}@example.com"}}"#);
        let mut request = TestRequest::post()
            .uri("/users")
            .insert_header(("content-type", "application/json"))
            .set_payload(body);
        if keyed {
            request = request.insert_header(("Idempotency-Key", format!("key-{batch}")));
        }
        request.to_request()
    };
    let timed = async |request| {
        let started = Instant::now();
        let reply = test::call_service(&app, request).await;
        assert!(reply.status().is_success(), "{:?}", reply.status());
        started.elapsed()
    };

    // With none forgotten. (The first keyed POST starts a sweep of nothing.)
    timed(post(true)).await;
    let mut none = Vec::new();
    for _ in 0..200 {
        none.push(timed(post(true)).await);
    }
    let mut plain = Vec::new();
    for _ in 0..200 {
        plain.push(timed(post(false)).await);
    }

    forget_keys(url, FORGOTTEN_KEYS)?;
    // The next sweep is due a minute after the last: start with a fresh app
    // and pool, as a server started now would.
    let pool = engine(url, &PoolSettings::for_backend(url)).map_err(|e| e.to_string())?;
    let app2 = test::init_service(declarative::app(pool.clone())).await;
    let mut with = Vec::new();
    let sweep_started = Instant::now();
    for _ in 0..201 {
        let started = Instant::now();
        let reply = test::call_service(&app2, post(true)).await;
        assert!(reply.status().is_success(), "{:?}", reply.status());
        with.push(started.elapsed());
    }
    let first = with.remove(0);
    while keys_left(&pool)? > 1_000 {
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let swept_in = sweep_started.elapsed();
    println!(
        "keyed POST /users, none forgotten: median {:?}, max {:?} (plain POST: median {:?})",
        median(&mut none),
        none.iter().max().copied().unwrap_or_default(),
        median(&mut plain)
    );
    println!(
        "keyed POST /users, {FORGOTTEN_KEYS} forgotten: the first {first:?}; the next 200 during \
         the sweep: median {:?}, max {:?}; all swept in {swept_in:?}",
        median(&mut with),
        with.iter().max().copied().unwrap_or_default()
    );

    longest_answer_behind_a_lock(url).await?;
    longest_write_behind_two_locks(url).await
}

/// 16 requests at once, half reads by id, half creates, while another
/// session holds `users` locked for 12 s.
async fn longest_answer_behind_a_lock(url: &DatabaseUrl) -> Result<(), String> {
    if matches!(url, DatabaseUrl::Sqlite(_)) {
        println!("lock held 12 s: PostgreSQL only (SQLite has no table locks to wait for)");
        return Ok(());
    }
    let pool = engine(url, &PoolSettings::for_backend(url)).map_err(|e| e.to_string())?;
    let app = test::init_service(declarative::app(pool)).await;
    let mut locker = connect(url, Access::ReadWrite).map_err(|e| e.to_string())?;
    locker
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .map_err(|e| e.to_string())?;
    let held = Instant::now();
    let requests: Vec<_> = (0..16)
        .map(|i| {
            let request = if i % 2 == 0 {
                TestRequest::get().uri("/users/1").to_request()
            } else {
                TestRequest::post()
                    .uri("/users")
                    .insert_header(("content-type", "application/json"))
                    .set_payload(format!(r#"{{"name":"l{i}","email":"l{i}@example.com"}}"#))
                    .to_request()
            };
            let app = &app;
            async move {
                let started = Instant::now();
                let reply = test::call_service(app, request).await;
                (reply.status().as_u16(), started.elapsed())
            }
        })
        .collect();
    let (statuses, longest) = statuses_and_longest(&join_all(requests).await);
    // Hold the lock for its 12 s, as the review did, then let it go.
    actix_web::rt::time::sleep(Duration::from_secs(12).saturating_sub(held.elapsed())).await;
    locker.batch_execute("COMMIT").map_err(|e| e.to_string())?;
    println!(
        "lock held 12 s, 16 requests at once (checkout timeout 3 s): statuses {statuses:?}, \
         the longest answer {longest:?}"
    );
    Ok(())
}

/// 8 creates of a user with a post at once, while one session holds `users`
/// locked for 2.7 s and another `posts` for 12 s.
async fn longest_write_behind_two_locks(url: &DatabaseUrl) -> Result<(), String> {
    if matches!(url, DatabaseUrl::Sqlite(_)) {
        return Ok(());
    }
    let pool = engine(url, &PoolSettings::for_backend(url)).map_err(|e| e.to_string())?;
    let app = test::init_service(declarative::app(pool)).await;
    let mut lockers = Vec::new();
    for table in ["posts", "users"] {
        let mut locker = connect(url, Access::ReadWrite).map_err(|e| e.to_string())?;
        locker
            .batch_execute(&format!(
                "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
            ))
            .map_err(|e| e.to_string())?;
        lockers.push(locker);
    }
    let held = Instant::now();
    let requests = (0..8).map(|i| {
        let request = TestRequest::post()
            .uri("/users")
            .insert_header(("content-type", "application/json"))
            .set_payload(format!(
                r#"{{"name":"w{i}","email":"w{i}@example.com","posts":[{{"title":"t","body":""}}]}}"#
            ))
            .to_request();
        let app = &app;
        async move {
            let started = Instant::now();
            let reply = test::call_service(app, request).await;
            (reply.status().as_u16(), started.elapsed())
        }
    });
    let release_users = async {
        actix_web::rt::time::sleep(Duration::from_millis(2_700)).await;
        let mut users_locker = lockers.pop().ok_or("no session holds the users lock")?;
        users_locker
            .batch_execute("COMMIT")
            .map_err(|e| e.to_string())
    };
    let (answers, released) = futures_util::future::join(join_all(requests), release_users).await;
    released?;
    let (statuses, longest) = statuses_and_longest(&answers);
    actix_web::rt::time::sleep(Duration::from_secs(12).saturating_sub(held.elapsed())).await;
    lockers[0]
        .batch_execute("COMMIT")
        .map_err(|e| e.to_string())?;
    println!(
        "users locked 2.7 s and posts 12 s, 8 creates with a post at once (checkout timeout \
         3 s): statuses {statuses:?}, the longest answer {longest:?}"
    );
    Ok(())
}

/// The statuses answered (each once) and the longest answer.
fn statuses_and_longest(answers: &[(u16, Duration)]) -> (Vec<u16>, Duration) {
    let mut statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    statuses.sort_unstable();
    statuses.dedup();
    let longest = answers.iter().map(|(_, took)| *took).max();
    (statuses, longest.unwrap_or_default())
}

/// Adds `count` keys forgotten a minute ago, in one statement.
fn forget_keys(url: &DatabaseUrl, count: u32) -> Result<(), String> {
    let long_ago = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs()
        - KEY_LIFETIME.as_secs()
        - 60;
    let mut conn = connect(url, Access::ReadWrite).map_err(|e| e.to_string())?;
    conn.batch_execute(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
         INSERT INTO idempotency_keys (idempotency_key, request, created_at, status, body) \
         SELECT 'old-' || i, 'POST /users {{}}', {long_ago}, 201, '{{}}' FROM n"
    ))
    .map_err(|e| format!("cannot add forgotten keys: {e}"))
}

fn keys_left(pool: &DbPool) -> Result<i64, String> {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    pool.read_blocking(|conn| {
        diesel::RunQueryDsl::get_result::<Count>(
            diesel::sql_query("SELECT count(*) AS n FROM idempotency_keys"),
            conn,
        )
    })
    .map(|count| count.n)
    .map_err(|e| e.to_string())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// What removes a scratch database.
type Cleanup = Box<dyn FnOnce()>;

/// A fresh SQLite file in the temporary folder, or a fresh schema on the
/// PostgreSQL server `DATABASE_URL` names; and what removes it.
fn scratch_database() -> Result<(DatabaseUrl, Cleanup), String> {
    match std::env::var("DATABASE_URL") {
        Ok(server) if server.starts_with("postgres") => {
            let schema = format!("bounded_{}", std::process::id());
            let server_url = DatabaseUrl::parse(&server)?;
            let mut admin = connect(&server_url, Access::ReadWrite).map_err(|e| e.to_string())?;
            admin
                .batch_execute(&format!("CREATE SCHEMA {schema}"))
                .map_err(|e| e.to_string())?;
            let separator = if server.contains('?') { '&' } else { '?' };
            let url = DatabaseUrl::parse(&format!(
                "{server}{separator}options=-csearch_path%3D{schema}"
            ))?;
            let drop_it = move || {
                let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
            };
            Ok((url, Box::new(drop_it)))
        }
        _ => {
            let file = std::env::temp_dir().join(format!("bounded-{}.db", std::process::id()));
            let url = DatabaseUrl::Sqlite(file.display().to_string());
            let remove = move || {
                for suffix in ["", "-wal", "-shm", "-migrations.lock"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
                }
            };
            Ok((url, Box::new(remove)))
        }
    }
}
