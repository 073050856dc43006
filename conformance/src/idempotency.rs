//! Retries with an `Idempotency-Key`: a repeat gets the first answer and
//! writes nothing, whatever became of the first attempt, on every `POST`.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::test::TestRequest;
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use futures_util::future::join_all;
use serde_json::{Value, json};
use web_db::database_url::DatabaseUrl;
use web_db::engine;
use web_db::idempotency::{HEADER, KEY_LIFETIME, REPLAYED_HEADER};
use web_db::sql_log::SqlRecording;

use crate::app::{Reply, TestApp};
use crate::db::{TEST_POOL, TestDb, unique_name};
use crate::proxy::{CommitCut, TcpProxy, redirect_url, server_address};
use crate::server::{AppFactory, HttpReply, exchange, serve};

/// `POST uri` with `body` and the key.
async fn post_with_key(app: &TestApp, uri: &str, key: &str, body: Value) -> Reply {
    app.send(
        TestRequest::post()
            .uri(uri)
            .insert_header((HEADER, key))
            .set_json(body),
    )
    .await
}

fn replayed(reply: &Reply) -> bool {
    reply.header(HeaderName::from_static("idempotent-replayed")) == "true"
}

/// The first request with a key creates; a repeat with the same key and
/// body gets the same status, `Location` and body, marked as replayed, and
/// writes nothing: for a user, a user with posts, and a post.
pub async fn a_repeat_with_the_same_key_gets_the_first_answer_and_writes_nothing(app: &TestApp) {
    let ada = json!({"name": "ada", "email": "ada@example.com"});
    let first = post_with_key(app, "/users", "key-ada", ada.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    assert!(!replayed(&first), "{first:?}");
    // The same body, its fields in another order: the same request.
    let reordered = json!({"email": "ada@example.com", "name": "ada"});
    for body in [ada, reordered] {
        let again = post_with_key(app, "/users", "key-ada", body).await;
        assert_eq!(again.status, StatusCode::CREATED, "{again:?}");
        assert!(replayed(&again), "{again:?}");
        assert_eq!(again.body, first.body);
        assert_eq!(
            again.header(header::LOCATION),
            first.header(header::LOCATION)
        );
    }
    assert_eq!(app.db.count_users(), 1);

    let with_posts = json!({"name": "bob", "email": "bob@example.com",
        "posts": [{"title": "one", "body": ""}]});
    let first = post_with_key(app, "/users", "key-bob", with_posts.clone()).await;
    let again = post_with_key(app, "/users", "key-bob", with_posts).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    assert!(replayed(&again), "{again:?}");

    let uri = format!("/users/{}/posts", first.body["id"]);
    let post = json!({"title": "retried", "body": "once"});
    let first = post_with_key(app, &uri, "key-post", post.clone()).await;
    let again = post_with_key(app, &uri, "key-post", post).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    assert!(replayed(&again), "{again:?}");
    assert_eq!((app.db.count_users(), app.db.count_posts()), (2, 2));
}

/// The same key with another body, or on another route, is a 422 that
/// writes nothing: a key names one request.
pub async fn the_same_key_for_another_request_is_unprocessable(app: &TestApp) {
    let first = post_with_key(
        app,
        "/users",
        "key-1",
        json!({"name": "ada", "email": "ada@example.com"}),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let other_body = post_with_key(
        app,
        "/users",
        "key-1",
        json!({"name": "eve", "email": "eve@example.com"}),
    )
    .await;
    let other_route = post_with_key(
        app,
        &format!("/users/{}/posts", first.body["id"]),
        "key-1",
        json!({"title": "t", "body": ""}),
    )
    .await;
    for reply in [other_body, other_route] {
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{reply:?}");
        assert!(reply.error().contains(HEADER), "{reply:?}");
    }
    assert_eq!((app.db.count_users(), app.db.count_posts()), (1, 0));
}

/// A request that failed saved no answer, so a repeat with its key runs
/// again: a 409, then, once the name is free, a 201.
pub async fn a_failed_request_with_a_key_runs_again(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let body = json!({"name": "ada", "email": "other@example.com"});
    let refused = post_with_key(app, "/users", "key-ada2", body.clone()).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    app.delete(&format!("/users/{}", ada["id"])).await;
    let again = post_with_key(app, "/users", "key-ada2", body).await;
    assert_eq!(again.status, StatusCode::CREATED, "{again:?}");
    assert!(!replayed(&again), "{again:?}");
}

/// A key that is empty, too long, not visible ASCII, or sent twice is a
/// 400 naming the header, and nothing is written.
pub async fn a_bad_key_is_a_bad_request(app: &TestApp) {
    let body = json!({"name": "ada", "email": "ada@example.com"});
    let too_long = "k".repeat(256);
    for key in ["", "a key", &too_long] {
        let reply = post_with_key(app, "/users", key, body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{key:?}: {reply:?}");
        assert!(reply.error().contains(HEADER), "{reply:?}");
    }
    let twice = app
        .send(
            TestRequest::post()
                .uri("/users")
                .append_header((HEADER, "a"))
                .append_header((HEADER, "b"))
                .set_json(body),
        )
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{twice:?}");
    assert_eq!(app.db.count_users(), 0);
}

/// A key is forgotten [`KEY_LIFETIME`] after its first use: then it is new
/// again, and another request may use it.
pub async fn a_key_is_forgotten_after_a_day(app: &TestApp) {
    let first = post_with_key(
        app,
        "/users",
        "key-old",
        json!({"name": "ada", "email": "ada@example.com"}),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    // A day and a second ago.
    app.db
        .connection()
        .batch_execute(&format!(
            "UPDATE idempotency_keys SET created_at = created_at - {}",
            KEY_LIFETIME.as_secs() + 1
        ))
        .expect("age the key");
    let later = post_with_key(
        app,
        "/users",
        "key-old",
        json!({"name": "eve", "email": "eve@example.com"}),
    )
    .await;
    assert_eq!(later.status, StatusCode::CREATED, "{later:?}");
    assert!(!replayed(&later), "{later:?}");
    assert_eq!(app.db.count_users(), 2);
}

/// Keys forgotten long ago are deleted off the request path: a keyed
/// create among 20,000 of them sends no statement that reaches them (it
/// deletes its own key, if forgotten, and nothing else), and the sweep it
/// starts then deletes them all, a bounded batch per write.
pub async fn forgotten_keys_are_swept_off_the_request_path(app: &TestApp) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock past 1970")
        .as_secs();
    let long_ago = now - KEY_LIFETIME.as_secs() - 60;
    app.db
        .connection()
        .batch_execute(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
             INSERT INTO idempotency_keys (idempotency_key, request, created_at, status, body) \
             SELECT 'old-' || i, 'POST /users {{}}', {long_ago}, 201, '{{}}' FROM n"
        ))
        .expect("keys forgotten long ago");
    let recording = SqlRecording::start(app.db.pool.url());

    let created = post_with_key(
        app,
        "/users",
        "key-new",
        json!({"name": "ada", "email": "ada@example.com"}),
    )
    .await;

    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let reaching_them: Vec<String> = recording
        .take()
        .into_iter()
        .filter(|s| s.sql.starts_with("DELETE"))
        .filter(|s| !s.sql.contains("idempotency_key = ") && !s.sql.contains("LIMIT"))
        .map(|s| s.sql)
        .collect();
    assert!(reaching_them.is_empty(), "{reaching_them:?}");
    let keys_left = || {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT count(*) AS n FROM idempotency_keys")
            .get_result::<Count>(&mut app.db.connection())
            .expect("count the keys")
            .n
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while keys_left() > 1 && std::time::Instant::now() < deadline {
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(keys_left(), 1, "the forgotten keys were not swept");
}

/// Eight copies of one request with one key, sent at the same moment (a
/// client retrying before its first attempt was answered): one user, and
/// every answer is the same 201.
pub async fn concurrent_repeats_of_one_key_write_once(app: &TestApp) {
    let body = json!({"name": "ada", "email": "ada@example.com"});
    let replies =
        join_all((0..8).map(|_| post_with_key(app, "/users", "key-race", body.clone()))).await;
    let first = &replies[0];
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
        assert_eq!(reply.body, first.body);
    }
    assert_eq!(replies.iter().filter(|r| !replayed(r)).count(), 1);
    assert_eq!(app.db.count_users(), 1);
}

/// `POST uri` with `body` and `Idempotency-Key: key`, over a fresh
/// connection to `addr`.
fn post_over_tcp(addr: &str, uri: &str, key: &str, body: &Value) -> HttpReply {
    let body = body.to_string();
    let request = format!(
        "POST {uri} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{HEADER}: {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange(addr, request.as_bytes(), Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("no answer to POST {uri}: {e}"))
}

/// PostgreSQL's connection is cut while a write commits (a proxy between
/// the pool and the server ends it on the client's COMMIT), once before the
/// server has the COMMIT and once after it committed. The app cannot tell
/// which: it answers a JSON 500 that says the outcome is unknown and asks
/// for a retry with the key, never a 503 "try again". The client retries
/// with its key and ends with exactly one row either way: a replay of the
/// saved answer, or the write done now. For `POST /users` and for a post.
pub fn a_retry_with_its_key_after_a_cut_commit_writes_once<F: AppFactory>(app: F, db: TestDb) {
    let upstream = server_address(&db.url).expect("TEST_DATABASE_URL names a host and port");
    let proxy = TcpProxy::start(&upstream);
    let url = redirect_url(&db.url, &proxy.addr).expect("a URL through the proxy");
    // In the clear, so that the proxy can see the COMMIT go by.
    let separator = if url.contains('?') { '&' } else { '?' };
    let url =
        DatabaseUrl::parse(&format!("{url}{separator}sslmode=disable")).expect("the proxy's URL");
    let pool = engine(&url, &TEST_POOL).expect("a pool through the proxy");
    let server = serve(app, pool.clone());
    let author = post_over_tcp(
        &server.addr,
        "/users",
        "author",
        &json!({"name": "author", "email": "author@example.com"}),
    );
    let posts_uri = format!("/users/{}/posts", author.json()["id"]);

    for when in [
        CommitCut::AfterTheServerHasIt,
        CommitCut::BeforeTheServerHasIt,
    ] {
        let name = unique_name("cut");
        let key = format!("key-{name}");
        for (uri, body) in [
            (
                "/users",
                json!({"name": name, "email": format!("{name}@example.com")}),
            ),
            (posts_uri.as_str(), json!({"title": name, "body": ""})),
        ] {
            let key = format!("{key}-{}", uri.len());
            proxy.cut_at_next_commit(when);
            let first = post_over_tcp(&server.addr, uri, &key, &body);
            assert!(proxy.commit_trap_went_off(), "{when:?}: no COMMIT was cut");
            assert_eq!(first.status, 500, "{when:?} {uri}: {}", first.text());
            assert!(first.header("retry-after").is_none(), "{first:?}");
            assert!(first.is_json_error(), "{first:?}");
            assert!(
                first.json()["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("may or may not") && e.contains(HEADER)),
                "{first:?}"
            );
            let retried = post_over_tcp(&server.addr, uri, &key, &body);
            assert_eq!(retried.status, 201, "{when:?} {uri}: {}", retried.text());
            assert_eq!(
                retried.header(REPLAYED_HEADER) == Some("true"),
                when == CommitCut::AfterTheServerHasIt,
                "{when:?} {uri}: {retried:?}"
            );
        }
        let users_named = db
            .pool
            .read_blocking(move |conn| {
                use diesel::prelude::*;
                use shared::schema::users;
                users::table
                    .filter(users::name.eq(&name))
                    .count()
                    .get_result::<i64>(conn)
            })
            .expect("count the users");
        assert_eq!(users_named, 1, "{when:?}: users");
    }
    // The author's two posts, one per kind of cut: no more.
    assert_eq!(db.count_posts(), 2);
    drop(server);
    drop(pool);
}
