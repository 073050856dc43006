//! Tests of the teardown hook itself: whatever a request did, once its
//! response is out the pool is whole again and nothing uncommitted survived.
//!
//! A few probe routes, mounted only in tests, misbehave on purpose.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_web::ResponseError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::test::TestRequest;
use actix_web::{HttpResponse, web};
use diesel::connection::{Connection, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use futures_util::future::{LocalBoxFuture, join_all};
use serde_json::json;
use shared::schema::users;
use web_db::connection::{Access, connect};
use web_db::{AppError, DbConnection, DbPool, DbSession};

use crate::app::{Reply, TestApp};

/// Routes that misbehave on purpose, to prove the hook cleans up after them.
pub fn probe_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/__probe/panic-in-write", web::post().to(panic_in_write))
        .route("/__probe/panic-in-read", web::post().to(panic_in_read))
        .route(
            "/__probe/panic-after-query",
            web::post().to(panic_after_query),
        )
        .route(
            "/__probe/write-leaves-transaction-open",
            web::post().to(write_leaves_transaction_open),
        )
        .route(
            "/__probe/read-leaves-transaction-open",
            web::post().to(read_leaves_transaction_open),
        )
        .route(
            "/__probe/write-through-read",
            web::post().to(write_through_read),
        )
        .route(
            "/__probe/wait-between-reads",
            web::post().to(wait_between_reads),
        )
        .route(
            "/__probe/session-kept-past-the-request/{tag}",
            web::post().to(session_kept_past_the_request),
        )
        .route(
            "/__probe/write-fails-halfway",
            web::post().to(write_fails_halfway),
        )
        .route("/__probe/where-reads-run", web::post().to(where_reads_run))
        .route("/__probe/resource-map", web::get().to(resource_map))
        .route(
            "/__probe/read-across-a-delete",
            web::post().to(read_across_a_delete),
        )
        .route(
            "/__probe/read-changes-settings",
            web::post().to(read_changes_settings),
        )
        .route(
            "/__probe/write-inside-a-write",
            web::post().to(write_inside_a_write),
        )
        .configure(crate::faults::probe_routes);
}

/// Inserts the user `name` (email `name@example.com`), by column names rather
/// than `NewUser`: the suite needs no derive on the model.
pub(crate) fn insert_user_named(conn: &mut DbConnection, name: &str) -> QueryResult<usize> {
    diesel::insert_into(users::table)
        .values((
            users::name.eq(name),
            users::email.eq(format!("{name}@example.com")),
        ))
        .execute(conn)
}

/// A bug after a write that is not committed yet: inserts a user, then
/// panics inside the write. On SQLite this runs on the writer thread,
/// inside a group of writes.
fn write_then_panic(conn: &mut DbConnection) -> QueryResult<()> {
    insert_user_named(conn, "probe")?;
    panic!("probe: a bug after an uncommitted write");
}

async fn panic_in_write(session: DbSession) -> Result<HttpResponse, AppError> {
    session.write(write_then_panic).await?;
    Ok(HttpResponse::Ok().finish())
}

/// A bug in a read, after its query ran.
async fn panic_in_read(session: DbSession) -> Result<HttpResponse, AppError> {
    session
        .read(|conn| -> QueryResult<()> {
            conn.batch_execute("SELECT 1")?;
            panic!("probe: a bug in a read");
        })
        .await?;
    Ok(HttpResponse::Ok().finish())
}

async fn panic_after_query(session: DbSession) -> HttpResponse {
    let _ = session.read(|conn| conn.batch_execute("SELECT 1")).await;
    panic!("probe: a bug in async code after a query");
}

/// A buggy write that opens a transaction of its own, writes, and returns
/// without closing it. Committing around it would commit its half.
async fn write_leaves_transaction_open(session: DbSession) -> Result<HttpResponse, AppError> {
    session
        .write(|conn| -> QueryResult<()> {
            <DbConnection as Connection>::TransactionManager::begin_transaction(conn)?;
            insert_user_named(conn, "probe")?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// A buggy read that opens a transaction and returns without closing it.
async fn read_leaves_transaction_open(session: DbSession) -> Result<HttpResponse, AppError> {
    session
        .read(|conn| -> QueryResult<()> {
            <DbConnection as Connection>::TransactionManager::begin_transaction(conn)?;
            conn.batch_execute("SELECT 1")
        })
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// A buggy handler that writes through the read path, with and without a
/// transaction of its own around the write.
async fn write_through_read(session: DbSession) -> Result<HttpResponse, AppError> {
    let plain = session
        .read(|conn| insert_user_named(conn, "probe"))
        .await
        .err();
    let in_transaction = session
        .read(|conn| conn.transaction(|conn| insert_user_named(conn, "probe2")))
        .await
        .err();
    let status = |error: Option<AppError>| error.map(|e| e.status_code().as_u16());
    Ok(HttpResponse::Ok().json(json!({
        "plain": status(plain),
        "in_transaction": status(in_transaction),
    })))
}

/// The threads a handler and a `read` of one request run on.
async fn where_reads_run(session: DbSession) -> Result<HttpResponse, AppError> {
    let thread = || format!("{:?}", std::thread::current().id());
    let handler = thread();
    let read = session.read(move |_| Ok(thread())).await?;
    Ok(HttpResponse::Ok().json(json!({"handler": handler, "read": read})))
}

/// actix's map of the app's resources, as actix prints it: what
/// `explorer::every_route_the_app_serves_is_in_its_openapi_document` reads
/// the registered paths from.
async fn resource_map(req: actix_web::HttpRequest) -> HttpResponse {
    HttpResponse::Ok().json(format!("{:?}", req.resource_map()))
}

/// How many users there are, as `conn` sees it.
fn users_seen(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// A read that counts the users, has another connection delete every one
/// of them and commit, then counts again: what its second statement sees.
async fn read_across_a_delete(
    session: DbSession,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, AppError> {
    let url = pool.url().clone();
    let (before, after) = session
        .read(move |conn| {
            let before = users_seen(conn)?;
            let mut other = connect(&url, Access::ReadWrite)
                .map_err(|e| diesel::result::Error::QueryBuilderError(Box::new(e)))?;
            diesel::delete(users::table).execute(&mut other)?;
            Ok((before, users_seen(conn)?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({"before": before, "after": after})))
}

/// A buggy read that tries to undo what keeps its connection from writing,
/// and on PostgreSQL points `search_path` elsewhere.
async fn read_changes_settings(session: DbSession) -> Result<HttpResponse, AppError> {
    session
        .read(|conn| match conn {
            DbConnection::Sqlite(_) => conn.batch_execute("PRAGMA query_only = OFF"),
            DbConnection::Postgres(_) => conn.batch_execute(
                "SET default_transaction_read_only = off; SET search_path TO pg_catalog",
            ),
        })
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// A write that starts another write from inside its own work, as an audit
/// row written "on the side" would: what the inner one got.
async fn write_inside_a_write(
    session: DbSession,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, AppError> {
    let pool = DbPool::clone(&pool);
    let inner = session
        .write(move |conn| {
            let inner = pool.write_blocking(|conn| insert_user_named(conn, "inner"));
            insert_user_named(conn, "outer")?;
            Ok(inner.err().map(|e| e.cause()))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "inner_refused": inner })))
}

/// A write of two statements whose second breaks a unique rule (the user
/// `ada` exists): the session's transaction must undo the first too.
async fn write_fails_halfway(session: DbSession) -> Result<HttpResponse, AppError> {
    session
        .write(|conn| {
            insert_user_named(conn, "first-of-two")?;
            insert_user_named(conn, "ada")
        })
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// A handler that reads, then waits for something else (another service,
/// say), then reads again: how many connections it holds while it waits.
async fn wait_between_reads(
    session: DbSession,
    pool: web::Data<web_db::DbPool>,
) -> Result<HttpResponse, AppError> {
    session.read(|conn| conn.batch_execute("SELECT 1")).await?;
    let in_use = pool.state().connections - pool.state().idle_connections;
    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    session.read(|conn| conn.batch_execute("SELECT 1")).await?;
    Ok(HttpResponse::Ok().json(json!({ "in_use_while_waiting": in_use })))
}

/// A handler that keeps the session for later, in a task that outlives the
/// request, and uses it once the response is gone.
async fn session_kept_past_the_request(session: DbSession, tag: web::Path<String>) -> HttpResponse {
    let tag = tag.into_inner();
    actix_web::rt::spawn(async move {
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        let late = session.read(|conn| conn.batch_execute("SELECT 1")).await;
        late_uses().insert(tag, late.map_err(|e| format!("{e:?}")));
    });
    HttpResponse::Ok().finish()
}

/// What the late use of a kept session got, by the probe's tag.
fn late_uses() -> std::sync::MutexGuard<'static, HashMap<String, Result<(), String>>> {
    static LATE_USES: std::sync::OnceLock<std::sync::Mutex<HashMap<String, Result<(), String>>>> =
        std::sync::OnceLock::new();
    LATE_USES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The header in which [`report_connections_in_use`] reports.
pub const IN_USE_HEADER: &str = "x-test-connections-in-use";

/// A middleware wrapped around the whole app under test (outside the hook):
/// it reports how many connections are still checked out as the response
/// leaves the app, so the tests see what the hook did, not what dropping the
/// request later would do.
pub async fn report_connections_in_use(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(pool) = req
        .app_data::<web::Data<DbPool>>()
        .map(|p| DbPool::clone(p))
    else {
        return Err(AppError::Internal("no pool to report on".into()).into());
    };
    let in_use = || {
        let state = pool.state();
        (
            HeaderName::from_static(IN_USE_HEADER),
            HeaderValue::from(state.connections - state.idle_connections),
        )
    };
    match next.call(req).await {
        Ok(mut res) => {
            let (name, value) = in_use();
            res.headers_mut().insert(name, value);
            Ok(res.map_into_boxed_body())
        }
        // An error that escaped the app (a panic the hook caught): keep it
        // an error, with the header on the response it stands for.
        Err(error) => {
            let mut response = error.error_response();
            let (name, value) = in_use();
            response.headers_mut().insert(name, value);
            Err(InternalError::from_response(error, response).into())
        }
    }
}

/// What the hook guarantees after every request: the connection was back in
/// the pool before the response left the app, no transaction was left open,
/// and only committed work is in the table.
fn assert_session_removed(app: &TestApp, reply: &Reply, users_expected: i64) {
    assert_eq!(
        reply.header(HeaderName::from_static(IN_USE_HEADER)),
        "0",
        "a connection was still checked out as the response left: {reply:?}"
    );
    assert!(
        app.db.pool_is_idle(),
        "a connection was not returned: {:?}",
        app.db.pool.state()
    );
    assert_eq!(
        app.db.connections_idle_in_transaction(),
        0,
        "idle in transaction"
    );
    assert_eq!(
        app.db.count_users(),
        users_expected,
        "uncommitted work survived"
    );
}

/// After a failure, the app (and the connection that saw it) serves the
/// next write normally, and cleans up after it too.
async fn app_serves_on(app: &TestApp) {
    let reply = app
        .post_json("/users", json!({"name": "ada", "email": "ada@example.com"}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_session_removed(app, &reply, 1);
}

/// A panic answers a plain JSON 500, leaves nothing behind, and the app
/// goes on serving.
async fn assert_a_clean_json_500(app: &TestApp, reply: &Reply) {
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.body, json!({"error": "internal error"}));
    assert_session_removed(app, reply, 0);
    app_serves_on(app).await;
}

/// After successful reads and writes.
pub async fn after_a_success_the_pool_is_whole(app: &TestApp) {
    app.create_user("ada", "ada@example.com").await;
    let reply = app.get("/users").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_session_removed(app, &reply, 1);
}

/// After a handler error (a conflict from the database).
pub async fn after_a_handler_error_the_pool_is_whole(app: &TestApp) {
    app.create_user("ada", "ada@example.com").await;
    let reply = app
        .post_json("/users", json!({"name": "ada", "email": "x@example.com"}))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_session_removed(app, &reply, 1);
}

/// After an extractor refused the body.
pub async fn after_bad_json_the_pool_is_whole(app: &TestApp) {
    let reply = app
        .send(
            TestRequest::post()
                .uri("/users")
                .insert_header(("content-type", "application/json"))
                .set_payload("{oops"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_session_removed(app, &reply, 0);
}

/// After a 404 from the default service.
pub async fn after_an_unknown_route_the_pool_is_whole(app: &TestApp) {
    let reply = app.get("/nowhere").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_session_removed(app, &reply, 0);
    let reply = app.get("/users/424242").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_session_removed(app, &reply, 0);
}

/// A write that left a transaction of its own open is rolled back whole,
/// not committed around its open half: a JSON 500, nothing kept.
pub async fn a_transaction_a_write_left_open_is_rolled_back(app: &TestApp) {
    let reply = app
        .send(TestRequest::post().uri("/__probe/write-leaves-transaction-open"))
        .await;
    assert_a_clean_json_500(app, &reply).await;
}

/// A read that left a transaction open has it rolled back before the
/// connection is used again: a JSON 500, and the pool serves on.
pub async fn a_transaction_a_read_left_open_is_rolled_back(app: &TestApp) {
    let reply = app
        .send(TestRequest::post().uri("/__probe/read-leaves-transaction-open"))
        .await;
    assert_a_clean_json_500(app, &reply).await;
}

/// A write whose second statement fails is undone whole: the client gets
/// the failure (409) and the first statement's row is not kept, though no
/// store code asked for a transaction.
pub async fn a_write_that_fails_halfway_keeps_nothing(app: &TestApp) {
    app.create_user("ada", "ada@example.com").await;
    let reply = app
        .send(TestRequest::post().uri("/__probe/write-fails-halfway"))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
    assert_session_removed(app, &reply, 1);
}

/// A panic inside a write: JSON 500, the write is rolled back.
pub async fn a_panic_inside_a_write_is_rolled_back(app: &TestApp) {
    let reply = app
        .send(TestRequest::post().uri("/__probe/panic-in-write"))
        .await;
    assert_a_clean_json_500(app, &reply).await;
}

/// A panic inside a read: JSON 500, the connection goes back.
pub async fn a_panic_inside_a_read_is_a_json_500(app: &TestApp) {
    let reply = app
        .send(TestRequest::post().uri("/__probe/panic-in-read"))
        .await;
    assert_a_clean_json_500(app, &reply).await;
}

/// A write sent through `DbSession::read`, with or without a transaction of
/// its own, is refused by the database (the read path's connections cannot
/// write): a 500 for a bug, and nothing written.
pub async fn a_write_through_the_read_path_is_refused(app: &TestApp) {
    let reply = app
        .send(TestRequest::post().uri("/__probe/write-through-read"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body, json!({"plain": 500, "in_transaction": 500}));
    assert_session_removed(app, &reply, 0);
    app_serves_on(app).await;
}

/// A `read`, the read a handler reaches for first, never runs on the async
/// worker that serves other requests, on any backend, whatever it reads
/// (only a `lookup` by key may, on SQLite).
pub async fn a_read_never_runs_on_the_worker(app: &TestApp) {
    let reply = app
        .send(TestRequest::post().uri("/__probe/where-reads-run"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_ne!(
        reply.body["read"], reply.body["handler"],
        "a read ran on the worker's own thread: {}",
        reply.body
    );
    assert_session_removed(app, &reply, 0);
}

/// A read's statements all see the database as it was at one moment: a
/// delete committed by another connection between two of them is not seen
/// by the second (a user deleted between reading it and reading its posts
/// is never "a user with no posts").
pub async fn a_read_sees_one_moment_of_the_database(app: &TestApp) {
    app.create_user("ada", "ada@example.com").await;
    let reply = app
        .send(TestRequest::post().uri("/__probe/read-across-a-delete"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body, json!({"before": 1, "after": 1}));
    assert_session_removed(app, &reply, 0);
}

/// A read that turns off what keeps its connection read-only (SQLite's
/// `query_only`, PostgreSQL's `default_transaction_read_only`) and changes
/// `search_path` changes nothing for the requests after it: the pool's
/// SQLite connections are opened read-only, and a read's transaction,
/// settings included, is rolled back.
pub async fn a_setting_a_read_changes_does_not_outlive_it(app: &TestApp) {
    let reply = app
        .send(TestRequest::post().uri("/__probe/read-changes-settings"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    // The pool lends its most recently returned connection first: these
    // run on the connection the read changed, and on the others.
    for _ in 0..crate::db::TEST_POOL.max_size * 2 {
        let reply = app
            .send(TestRequest::post().uri("/__probe/write-through-read"))
            .await;
        assert_eq!(
            reply.body,
            json!({"plain": 500, "in_transaction": 500}),
            "a write went through the read path after a read changed the settings"
        );
        assert_eq!(app.get("/users").await.status, StatusCode::OK);
    }
    assert_eq!(app.db.count_users(), 0);
}

/// A write started from inside another write's work is refused at once,
/// with a message that says why, and the outer write goes on: on SQLite it
/// would otherwise wait for the writer thread, which waits for it, forever;
/// on PostgreSQL it would commit on its own.
pub async fn a_write_inside_a_write_is_refused_at_once(app: &TestApp) {
    let reply = actix_web::rt::time::timeout(
        Duration::from_secs(10),
        app.send(TestRequest::post().uri("/__probe/write-inside-a-write")),
    )
    .await
    .expect("a write inside a write hung");
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let refused = reply.body["inner_refused"].as_str().unwrap_or_default();
    assert!(refused.contains("inside another write"), "{reply:?}");
    assert_session_removed(app, &reply, 1);
}

/// A panic in a write among concurrent creates: the write that panicked
/// answers a JSON 500 and keeps nothing; every other create answers 201 and
/// is kept, even those that shared its group commit on SQLite (each write
/// has a savepoint of its own); and writing goes on working afterwards.
pub async fn a_panic_in_a_write_loses_nothing_acknowledged(app: &TestApp) {
    let reply = app
        .send(TestRequest::post().uri("/__probe/panic-in-write"))
        .await;
    assert_a_clean_json_500(app, &reply).await;

    // The panicking write in the middle of the creates, so that it is likely
    // to share a group (and a commit) with some of them.
    let mut requests: Vec<LocalBoxFuture<'_, Reply>> = (0..16)
        .map(|i| {
            let body = json!({"name": format!("user{i}"), "email": format!("user{i}@example.com")});
            Box::pin(app.post_json("/users", body)) as LocalBoxFuture<'_, Reply>
        })
        .collect();
    requests.insert(
        8,
        Box::pin(app.send(TestRequest::post().uri("/__probe/panic-in-write"))),
    );
    let mut replies = join_all(requests).await;
    let panicked = replies.remove(8);
    assert_eq!(panicked.status, StatusCode::INTERNAL_SERVER_ERROR);
    for reply in &replies {
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "a create beside a panicking write: {:?}",
            reply.body
        );
    }
    eprintln!(
        "a panicking write beside {} creates: every create 201",
        replies.len()
    );
    // "ada" from the first part, and every create.
    assert_eq!(app.db.count_users(), 1 + replies.len() as i64);
    app.create_user("after", "after@example.com").await;
}

/// A panic in async handler code: JSON 500, and the app goes on serving.
pub async fn a_panic_in_a_handler_is_a_json_500(app: &TestApp) {
    let reply = app
        .send(TestRequest::post().uri("/__probe/panic-after-query"))
        .await;
    assert_a_clean_json_500(app, &reply).await;
}

/// How long the test keeps every connection of the pool busy: well past
/// the test pool's checkout timeout.
const POOL_BUSY: Duration = Duration::from_millis(2500);

/// Every connection busy with slow work: requests that cannot get one
/// within the checkout timeout get a JSON 503 with `Retry-After` (and get it
/// before the slow work ends, not after), and once the pool is free again
/// the app serves normally.
pub async fn an_exhausted_pool_answers_503_with_retry_after(app: &TestApp) {
    let connections = crate::db::TEST_POOL.max_size as usize;
    let pool = app.db.pool.clone();
    let busy: Vec<_> = (0..connections)
        .map(|_| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                pool.read_blocking(|conn| {
                    std::thread::sleep(POOL_BUSY);
                    conn.batch_execute("SELECT 1")
                })
            })
        })
        .collect();
    let all_busy = eventually_in_use(&pool, connections).await;
    assert!(all_busy, "the pool never got busy: {:?}", pool.state());
    let started = Instant::now();
    let replies = join_all((0..connections).map(|_| async {
        let reply = app.get("/users").await;
        (reply, started.elapsed())
    }))
    .await;
    for (reply, after) in &replies {
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
        assert_eq!(reply.header(header::RETRY_AFTER), "1", "{reply:?}");
        assert!(!reply.error().is_empty(), "{reply:?}");
        assert!(
            *after < POOL_BUSY,
            "a 503 came only after {after:?}: it waited past the timeout"
        );
    }
    for thread in busy {
        let _ = thread.join();
    }
    let reply = app.get("/users").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_session_removed(app, &reply, 0);
}

/// Waits (up to 5 s) until `connections` of the pool are checked out.
async fn eventually_in_use(pool: &DbPool, connections: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let state = pool.state();
        if (state.connections - state.idle_connections) as usize >= connections {
            return true;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// Connections the server closed (here: terminated with
/// `pg_terminate_backend`, as a restart would) are replaced by the pool:
/// no request fails for it, and none answers 500. SQLite has no server to
/// lose, so there the case only checks that the app serves on.
pub async fn connections_closed_by_the_server_are_replaced(app: &TestApp) {
    // Open a few connections, then have the server end all of them.
    join_all((0..4).map(|_| app.get("/users"))).await;
    let terminated = app.db.terminate_connections();
    if app.db.backend == crate::Backend::Postgres {
        assert!(
            terminated > 0,
            "no connection of the test was found to terminate"
        );
    }
    let replies = join_all((0..8).map(|_| app.get("/users"))).await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
    app_serves_on(app).await;
}

/// A request holds no connection while it waits between two reads: each
/// call gives its connection back before it returns, so a handler that
/// waits for something else cannot starve the pool.
pub async fn a_request_holds_no_connection_between_calls(app: &TestApp) {
    let reply = app
        .send(TestRequest::post().uri("/__probe/wait-between-reads"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body, json!({"in_use_while_waiting": 0}));
    assert_session_removed(app, &reply, 0);
}

/// A session kept by a task that outlives its request is refused once the
/// request is over, with a message that says what to use instead.
pub async fn a_session_used_after_its_request_is_refused(app: &TestApp) {
    let tag = crate::db::unique_name("late");
    let reply = app
        .send(TestRequest::post().uri(&format!("/__probe/session-kept-past-the-request/{tag}")))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    let late = loop {
        if let Some(late) = late_uses().remove(&tag) {
            break late;
        }
        assert!(Instant::now() < deadline, "the late use never happened");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    };
    let error = late.expect_err("a session used after its request was refused");
    assert!(error.contains("after its request ended"), "{error}");
    assert_session_removed(app, &reply, 0);
}
