//! Hostile input: whatever a client sends, the answer is a 4xx with a JSON
//! error (or a success, for input that happens to be valid), never a 5xx,
//! never a crash, and the connection is back in the pool.
//!
//! Most inputs are generated with proptest: 128 requests per case by
//! default, `PROPTEST_CASES=N` for more. A failure prints the smallest
//! input that still fails.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::from_fn;
use actix_web::test::TestRequest;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde_json::{Value, json};

use crate::app::{Reply, TestApp, app_name};
use crate::db::TestDb;
use crate::faults::Tally;
use crate::hook::IN_USE_HEADER;
use crate::server::{AppFactory, HttpReply, exchange, send, serve};

/// Generated requests per case and backend unless `PROPTEST_CASES` says.
const DEFAULT_CASES: u32 = 128;

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    Config {
        cases,
        // A failure is reported with its input; nothing is written next to
        // the sources (this crate is copied into apps as it is).
        failure_persistence: None,
        ..Config::default()
    }
}

// ---- the inputs ------------------------------------------------------------

/// One generated request, and the class of input it belongs to.
#[derive(Debug, Clone)]
struct HostileRequest {
    class: &'static str,
    method: Method,
    uri: String,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
}

/// Every byte outside the unreserved set, percent-encoded: any bytes at
/// all (invalid UTF-8, NUL, `/`, `?`) fit in a path segment or a value.
fn percent_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Bytes that a header value may carry on the wire, obs-text (0x80–0xFF,
/// not UTF-8) included; control characters become `?`.
fn header_bytes(bytes: Vec<u8>) -> Vec<u8> {
    bytes
        .into_iter()
        .map(|b| {
            if (b < 0x20 && b != b'\t') || b == 0x7f {
                b'?'
            } else {
                b
            }
        })
        .collect()
}

fn valid_user() -> String {
    json!({"name": "ada", "email": "ada@example.com"}).to_string()
}

/// JSON of any shape, with the field names the API knows among the keys.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        let key = prop_oneof![
            Just("name".to_owned()),
            Just("email".to_owned()),
            Just("posts".to_owned()),
            Just("title".to_owned()),
            Just("body".to_owned()),
            any::<String>()
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bodies that are not the JSON expected, by class.
fn bodies() -> impl Strategy<Value = (&'static str, Vec<u8>)> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300).prop_map(|b| ("random bytes", b)),
        any::<Index>().prop_map(|cut| {
            let whole = valid_user().into_bytes();
            ("truncated JSON", whole[..cut.index(whole.len())].to_vec())
        }),
        (1_usize..5000, any::<bool>(), any::<bool>()).prop_map(|(depth, arrays, closed)| {
            let (open, close) = if arrays {
                ("[", "]")
            } else {
                ("{\"name\":", "}")
            };
            let mut body = open.repeat(depth);
            body.push('1');
            if closed {
                body.push_str(&close.repeat(depth));
            }
            ("deeply nested JSON", body.into_bytes())
        }),
        (16_000_usize..40_000).prop_map(|size| {
            let body = json!({"name": "a".repeat(size), "email": "a@example.com"});
            ("oversized JSON", body.to_string().into_bytes())
        }),
        any_json().prop_map(|v| ("JSON of the wrong shape", v.to_string().into_bytes())),
        prop::collection::vec(any::<u8>(), 1..20).prop_map(|junk| {
            let mut body = b"{\"name\":\"".to_vec();
            body.extend(junk);
            body.extend(b"\",\"email\":\"a@example.com\"}");
            ("invalid UTF-8 in a string", body)
        }),
        (any::<String>(), any::<String>()).prop_map(|(name, email)| {
            let body = json!({"name": name, "email": email}).to_string();
            ("any text as values", body.into_bytes())
        }),
    ]
}

/// The content type a body is sent with: mostly JSON, else anything.
fn content_types() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        4 => Just(Some(b"application/json".to_vec())),
        1 => Just(None),
        1 => prop::sample::select(vec![
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
            "application/problem+json",
            "application/jsonx",
            "json",
            "",
        ])
        .prop_map(|t| Some(t.as_bytes().to_vec())),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| Some(header_bytes(b))),
    ]
}

/// Path segments where a user id goes.
fn ids() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i32>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<i128>().prop_map(|n| n.to_string()),
        (1_usize..3000).prop_map(|n| "9".repeat(n)),
        Just("-0".to_owned()),
        Just("1e3".to_owned()),
        Just("0x10".to_owned()),
        Just("+1".to_owned()),
        prop::collection::vec(any::<u8>(), 1..40).prop_map(|b| percent_encode(&b)),
    ]
}

/// Query strings for the lists: known and unknown keys, any values, some
/// of them huge.
fn queries() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("name".to_owned()),
        Just("page".to_owned()),
        Just("per_page".to_owned()),
        Just("after".to_owned()),
        Just("embed".to_owned()),
        prop::collection::vec(any::<u8>(), 0..10).prop_map(|b| percent_encode(&b)),
    ];
    let value = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0..=i64::MAX).prop_map(|n| n.to_string()),
        any::<i128>().prop_map(|n| n.to_string()),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| percent_encode(&b)),
        (1_usize..10_000).prop_map(|n| "x".repeat(n)),
        Just("%00".to_owned()),
        Just("%".to_owned()),
        Just("%ZZ".to_owned()),
    ];
    prop::collection::vec((key, value), 0..5).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

/// Headers no client should send: huge values, junk lengths, bytes that
/// are not UTF-8.
fn odd_headers() -> impl Strategy<Value = Vec<(&'static str, Vec<u8>)>> {
    let header = prop_oneof![
        (1_usize..100_000).prop_map(|n| ("x-junk", vec![b'a'; n])),
        prop::collection::vec(any::<u8>(), 0..60).prop_map(|b| ("x-junk", header_bytes(b))),
        prop::collection::vec(any::<u8>(), 0..60).prop_map(|b| ("accept", header_bytes(b))),
        prop::sample::select(vec!["abc", "-1", "99999999999999999999", "0", "1, 2", ""])
            .prop_map(|v| ("content-length", v.as_bytes().to_vec())),
        prop::sample::select(vec!["chunked", "gzip", "identity, chunked", "x"])
            .prop_map(|v| ("transfer-encoding", v.as_bytes().to_vec())),
    ];
    // Mostly none, so that each class of body or target is tried on its own.
    prop_oneof![
        3 => Just(Vec::new()),
        1 => prop::collection::vec(header, 1..3),
    ]
}

fn requests() -> impl Strategy<Value = HostileRequest> {
    // Where a body goes: a new user, a change to one, or a user's new post.
    let targets = prop_oneof![
        Just((Method::POST, "/users".to_owned())),
        ids().prop_map(|id| (Method::PATCH, format!("/users/{id}"))),
        ids().prop_map(|id| (Method::POST, format!("/users/{id}/posts"))),
    ];
    let with_body = (targets, bodies(), content_types(), odd_headers()).prop_map(
        |((method, uri), (class, body), content_type, mut headers)| {
            if let Some(content_type) = content_type {
                headers.push(("content-type", content_type));
            }
            HostileRequest {
                class,
                method,
                uri,
                headers,
                body,
            }
        },
    );
    let by_id = (
        prop::sample::select(vec![
            (Method::GET, "/users/"),
            (Method::DELETE, "/users/"),
            (Method::PATCH, "/users/"),
            (Method::GET, "/posts/"),
            (Method::DELETE, "/posts/"),
        ]),
        ids(),
        odd_headers(),
    )
        .prop_map(|((method, path), id, headers)| HostileRequest {
            class: "odd ids",
            method,
            uri: format!("{path}{id}"),
            headers,
            body: Vec::new(),
        });
    let listing = (
        prop::sample::select(vec!["/users", "/posts", "/users/1/posts"]),
        queries(),
        odd_headers(),
    )
        .prop_map(|(list, query, headers)| HostileRequest {
            class: "odd query strings",
            method: Method::GET,
            uri: format!("{list}?{query}"),
            headers,
            body: Vec::new(),
        });
    prop_oneof![3 => with_body, 1 => by_id, 1 => listing]
}

// ---- the checks ------------------------------------------------------------

/// What every answer must be: no 5xx; a 4xx in JSON with an `error`; the
/// connection back in the pool before the answer left.
fn check(request: &HostileRequest, reply: &Reply) -> Result<(), TestCaseError> {
    let shown = || format!("{} {}: {reply:?}", request.method, request.uri);
    prop_assert!(reply.status.as_u16() < 500, "a 5xx: {}", shown());
    if reply.status.is_client_error() {
        prop_assert!(!reply.error().is_empty(), "no JSON error: {}", shown());
        prop_assert_eq!(reply.header(header::CONTENT_TYPE), "application/json");
    }
    prop_assert_eq!(
        reply.header(HeaderName::from_static(IN_USE_HEADER)),
        "0",
        "a connection still out: {}",
        shown()
    );
    Ok(())
}

/// Generated hostile requests (malformed, truncated, deeply nested,
/// oversized and mistyped JSON; wrong, missing and non-UTF-8 content
/// types; ids out of range, negative or not numbers; odd and huge query
/// strings; huge, junk and non-UTF-8 header values), to the routes of users
/// and of posts, all get a JSON 4xx (or a success, when the input happens to
/// be valid), never a 5xx, and leave the pool whole.
pub fn generated_hostile_requests_get_a_json_4xx_never_a_5xx<F: AppFactory>(app: F, db: TestDb) {
    let backend = db.backend;
    let system = actix_web::rt::System::new();
    let app = app(db.pool.clone())
        .configure(crate::hook::probe_routes)
        .wrap(from_fn(crate::hook::report_connections_in_use));
    let app = system.block_on(TestApp::start(app, db));
    system.block_on(app.create_user("existing", "existing@example.com"));

    let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let tallies_cell = std::cell::RefCell::new(&mut tallies);
    let mut runner = TestRunner::new(config());
    let outcome = runner.run(&requests(), |request| {
        let mut test_request = TestRequest::default()
            .method(request.method.clone())
            .uri(&request.uri)
            .set_payload(request.body.clone());
        for (name, value) in &request.headers {
            let value = HeaderValue::from_bytes(value)
                .map_err(|e| TestCaseError::reject(format!("not a header value: {e}")))?;
            test_request = test_request.insert_header((*name, value));
        }
        let reply = system.block_on(app.send(test_request));
        tallies_cell
            .borrow_mut()
            .entry(request.class)
            .or_default()
            .add_key(reply.status.as_u16().to_string());
        check(&request, &reply)
    });
    let all: usize = tallies.values().map(Tally::total).sum();
    eprintln!(
        "generated hostile requests [{} {backend:?}]: {all} requests sent",
        app_name()
    );
    for (class, tally) in &tallies {
        eprintln!("  {class}: {tally}");
    }
    if let Err(failure) = outcome {
        match failure {
            TestError::Fail(reason, input) => {
                panic!("{reason}\nsmallest failing input: {input:#?}")
            }
            TestError::Abort(reason) => panic!("proptest gave up: {reason}"),
        }
    }
    let server_errors: usize = tallies.values().map(Tally::server_errors).sum();
    assert_eq!(server_errors, 0);
    assert!(app.db.pool_is_idle(), "{:?}", app.db.pool.state());
}

// ---- bytes on the wire -----------------------------------------------------

/// One request as raw bytes, and who answers it.
struct RawCase {
    class: &'static str,
    bytes: Vec<u8>,
    answered_by: Answerer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answerer {
    /// The request reaches the app: any status below 500, and a 4xx has a
    /// JSON error.
    App,
    /// actix-http's parser refuses the message before there is a request
    /// for the app to see: a 4xx (400 or 431) with an empty body, which no
    /// app code can change.
    HttpParser,
}

fn raw(head: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = head.as_bytes().to_vec();
    bytes.extend_from_slice(body);
    bytes
}

fn raw_cases() -> Vec<RawCase> {
    let close = "Host: test\r\nConnection: close\r\n";
    let user = valid_user();
    let app = |class, bytes| RawCase {
        class,
        bytes,
        answered_by: Answerer::App,
    };
    let parser = |class, bytes| RawCase {
        class,
        bytes,
        answered_by: Answerer::HttpParser,
    };
    let many_headers: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    vec![
        parser(
            "invalid UTF-8 in the path",
            raw("GET /users/", b"\xff\xfe HTTP/1.1\r\n")
                .into_iter()
                .chain(format!("{close}\r\n").into_bytes())
                .collect(),
        ),
        parser(
            "invalid UTF-8 in the query",
            raw("GET /users?name=", b"\xff\xfe")
                .into_iter()
                .chain(format!(" HTTP/1.1\r\n{close}\r\n").into_bytes())
                .collect(),
        ),
        app(
            "invalid UTF-8 in the content type",
            raw("POST /users HTTP/1.1\r\nContent-Type: application/", b"\xff")
                .into_iter()
                .chain(
                    format!(
                        "\r\nContent-Length: {}\r\n{close}\r\n{user}",
                        user.len()
                    )
                    .into_bytes(),
                )
                .collect(),
        ),
        app(
            "a query string of 8 KiB",
            format!(
                "GET /users?name={} HTTP/1.1\r\n{close}\r\n",
                "x".repeat(8 * 1024)
            )
            .into_bytes(),
        ),
        parser(
            "a query string of 100 KiB",
            format!(
                "GET /users?name={} HTTP/1.1\r\n{close}\r\n",
                "x".repeat(100 * 1024)
            )
            .into_bytes(),
        ),
        app(
            "a header value of 100 KiB",
            format!(
                "GET /users HTTP/1.1\r\nX-Junk: {}\r\n{close}\r\n",
                "a".repeat(100 * 1024)
            )
            .into_bytes(),
        ),
        parser(
            "200 headers",
            format!("GET /users HTTP/1.1\r\n{many_headers}{close}\r\n").into_bytes(),
        ),
        app(
            "an id past i64",
            format!("GET /users/9223372036854775808 HTTP/1.1\r\n{close}\r\n").into_bytes(),
        ),
        app(
            "a negative id",
            format!("DELETE /users/-5 HTTP/1.1\r\n{close}\r\n").into_bytes(),
        ),
        parser(
            "a Content-Length that is not a number",
            format!("POST /users HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: abc\r\n{close}\r\n{user}").into_bytes(),
        ),
        parser(
            "two different Content-Lengths",
            format!("POST /users HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 3\r\nContent-Length: 4\r\n{close}\r\n{user}").into_bytes(),
        ),
        app(
            "a Content-Length past the limit",
            format!("POST /users HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n{close}\r\n{user}").into_bytes(),
        ),
        app(
            "a chunk size that is not hex",
            format!("POST /users HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n{close}\r\nzz\r\n{user}\r\n0\r\n\r\n").into_bytes(),
        ),
        parser("not HTTP at all", b"hello\r\n\r\n".to_vec()),
        parser(
            "NUL in the request line",
            raw("GET /users\0 HTTP/1.1\r\n", close.as_bytes())
                .into_iter()
                .chain(*b"\r\n")
                .collect(),
        ),
        app(
            "an unknown method",
            format!("BREW /users HTTP/1.1\r\n{close}\r\n").into_bytes(),
        ),
    ]
}

/// Bytes no HTTP library would send (invalid UTF-8 in the request line and
/// a header, huge query strings and header values, 200 headers, bad or
/// conflicting lengths, bad chunks, not HTTP at all), over real TCP: none
/// gets a 5xx or goes unanswered, a 4xx from the app is JSON, what the HTTP
/// parser refuses gets a 4xx of its own, and the server serves on.
pub fn hostile_bytes_on_the_wire_get_a_4xx_never_a_5xx<F: AppFactory>(app: F, db: TestDb) {
    let server = serve(app, db.pool.clone());
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for case in raw_cases() {
        let reply =
            exchange(&server.addr, &case.bytes, Duration::from_secs(10)).map_err(|e| e.to_string());
        tally.add(&reply);
        let verdict = match (&reply, case.answered_by) {
            (Err(e), _) => Some(format!("no answer: {e}")),
            (Ok(r), Answerer::App) if r.status >= 500 => Some(format!("a 5xx: {r:?}")),
            (Ok(r), Answerer::App) if r.status >= 400 && !r.is_json_error() => {
                Some(format!("not a JSON error: {r:?}"))
            }
            (Ok(r), Answerer::HttpParser) if !(400..500).contains(&r.status) => {
                Some(format!("not a 4xx: {r:?}"))
            }
            _ => None,
        };
        eprintln!(
            "  {}: {} ({:?})",
            case.class,
            reply.as_ref().map_or_else(
                |e| e.clone(),
                |r: &HttpReply| format!("{} {}", r.status, r.text())
            ),
            case.answered_by
        );
        if let Some(verdict) = verdict {
            failures.push(format!("{}: {verdict}", case.class));
        }
    }
    eprintln!(
        "hostile bytes on the wire [{} {:?}]: {tally}",
        app_name(),
        db.backend
    );
    assert!(failures.is_empty(), "{failures:#?}");
    let reply = send(&server.addr, "GET", "/users", None).expect("the server serves on");
    assert_eq!(reply.status, 200);
    assert!(db.pool_is_idle(), "{:?}", db.pool.state());
}

// ---- NUL -------------------------------------------------------------------

/// A NUL character (which PostgreSQL text cannot hold) is refused on every
/// route that takes text, the same on both backends: a 422 naming the field
/// in a POST or PATCH body, a 400 in the `name` query parameter (a query
/// parameter is not content: like a bad `page`, it is a bad request), and a
/// 400 in place of an id. Nothing is stored or changed.
pub async fn a_nul_character_is_refused_on_every_route_that_takes_text(app: &TestApp) {
    let ada = app.create_user("ada", "ada@example.com").await;
    let uri = format!("/users/{}", ada["id"]);
    for (field, body) in [
        ("name", json!({"name": "a\u{0}b", "email": "b@example.com"})),
        ("email", json!({"name": "b", "email": "b\u{0}@example.com"})),
    ] {
        let reply = app.post_json("/users", body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{reply:?}");
        assert!(reply.error().contains(field), "{reply:?}");
    }
    for (field, body) in [
        ("name", json!({"name": "\u{0}"})),
        ("email", json!({"email": "a@exa\u{0}mple.com"})),
        (
            "name",
            json!({"name": "ada\u{0}", "email": "ada@example.com"}),
        ),
    ] {
        let reply = app.patch_json(&uri, body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{reply:?}");
        assert!(reply.error().contains(field), "{reply:?}");
    }
    for query in ["name=%00", "name=ada%00", "name=%00ada"] {
        let reply = app.get(&format!("/users?{query}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}: {reply:?}");
        assert!(reply.error().contains("NUL"), "{reply:?}");
    }
    for id in ["%00", "1%00"] {
        let reply = app.get(&format!("/users/{id}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{id}: {reply:?}");
    }
    assert_eq!(app.get(&uri).await.body, ada);
    assert_eq!(app.db.count_users(), 1);
}
