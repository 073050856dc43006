//! The contract for machines: the OpenAPI document served at
//! `/openapi.json`, and the API explorer at `/docs/`, opened in a real
//! browser (headless Chromium) by the real binary.

use std::path::PathBuf;
use std::process::Command;

use actix_web::http::StatusCode;

use crate::app::TestApp;
use crate::cli;
use crate::db::TestDb;

/// Set (CI sets it) to fail rather than skip the browser test when no
/// Chromium is installed.
pub const REQUIRE_BROWSER_ENV: &str = "REQUIRE_BROWSER_TESTS";

/// `GET /openapi.json` is an OpenAPI 3 document with every route of the API
/// and the bodies' limits: what a client generator or a fuzzer reads.
pub async fn the_contract_is_served_as_an_openapi_document(app: &TestApp) {
    let reply = app.get("/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let document = &reply.body;
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "{document}"
    );
    for (path, methods) in [
        ("/users", &["get", "post"][..]),
        ("/users/{id}", &["get", "patch", "delete"][..]),
        ("/users/{id}/posts", &["get", "post"][..]),
        ("/posts", &["get"][..]),
        ("/posts/{id}", &["get", "delete"][..]),
    ] {
        for method in methods {
            assert!(
                document["paths"][path][method]["responses"].is_object(),
                "{method} {path} is not described"
            );
        }
    }
    let new_user = &document["components"]["schemas"]["NewUser"];
    assert_eq!(new_user["properties"]["name"]["maxLength"], 50);
    assert_eq!(new_user["additionalProperties"], false);
    let new_post = &document["components"]["schemas"]["NewPost"];
    assert_eq!(new_post["properties"]["title"]["maxLength"], 200);
    assert_eq!(new_post["properties"]["body"]["maxLength"], 2000);
    assert_eq!(new_post["additionalProperties"], false);
}

/// The document states each field's rules once and alike wherever the field
/// appears: a name and an email keep one pattern in `User`, `NewUser` and
/// `UserChanges`; a title keeps a name's pattern, a body one of its own;
/// a new user takes at most `MOST_FIRST_POSTS` posts; and request bodies
/// refuse unknown fields, as the app does.
pub async fn each_field_keeps_its_rules_everywhere_in_the_document(app: &TestApp) {
    let document = app.get("/openapi.json").await.body;
    let schemas = &document["components"]["schemas"];
    for field in ["name", "email"] {
        let patterns: Vec<&serde_json::Value> = ["User", "NewUser", "UserChanges"]
            .iter()
            .map(|schema| &schemas[schema]["properties"][field]["pattern"])
            .collect();
        assert!(patterns[0].is_string(), "{field}: {patterns:?}");
        assert!(
            patterns.iter().all(|p| *p == patterns[0]),
            "{field}: {patterns:?}"
        );
    }
    let name = &schemas["User"]["properties"]["name"]["pattern"];
    for schema in ["Post", "NewPost"] {
        let fields = &schemas[schema]["properties"];
        assert_eq!(&fields["title"]["pattern"], name, "{schema}");
        assert_eq!(fields["title"]["maxLength"], 200, "{schema}");
        assert_eq!(fields["body"]["maxLength"], 2000, "{schema}");
        assert_eq!(fields["body"]["pattern"], r"^[^\u0000]*$", "{schema}");
    }
    assert_eq!(
        schemas["NewUser"]["properties"]["posts"]["maxItems"],
        shared::post_models::MOST_FIRST_POSTS
    );
    for schema in ["NewUser", "UserChanges", "NewPost"] {
        assert_eq!(schemas[schema]["additionalProperties"], false, "{schema}");
    }
}

/// The path patterns of every resource the app registered (`/users/{id}`,
/// …), read from actix's own map of them, which a probe route returns as
/// actix prints it (`patterns: Single("/users/{id}")` for each resource).
async fn registered_paths(app: &TestApp) -> Vec<String> {
    let reply = app
        .send(actix_web::test::TestRequest::get().uri("/__probe/resource-map"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let printed = reply.body.as_str().unwrap_or_default();
    let mut paths: Vec<String> = printed
        .split("Single(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once("\")").map(|(path, _)| path.to_owned()))
        .filter(|path| path.starts_with('/'))
        .collect();
    paths.sort();
    paths.dedup();
    assert!(
        paths.iter().any(|p| p == "/users/{id}"),
        "no resource found in actix's map (has its printed form changed?): {printed}"
    );
    paths
}

/// Every route the app serves is in its OpenAPI document, with every method
/// it answers: a route added with `route(…)`, past the `#[utoipa::path]`
/// that `service(…)` asks for, fails this test. The paths come
/// from what actix registered; the methods from the `Allow` header of the
/// 405 a resource answers to a method nobody registers. The document's own
/// routes, the explorer's and the tests' probes are left out.
pub async fn every_route_the_app_serves_is_in_its_openapi_document(app: &TestApp) {
    let document = app.get("/openapi.json").await.body;
    for path in registered_paths(app).await {
        if path == "/openapi.json" || path.starts_with("/docs/") || path.starts_with("/__probe/") {
            continue;
        }
        let described = &document["paths"][&path];
        assert!(
            described.is_object(),
            "{path} is served but not in /openapi.json: give its handler a \
             #[utoipa::path] and register it with `service(…)`"
        );
        let concrete = path.replace("{id}", "1");
        let reply = app
            .send(
                actix_web::test::TestRequest::default()
                    .method(actix_web::http::Method::from_bytes(b"PROPFIND").expect("a method"))
                    .uri(&concrete),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{path}: {reply:?}"
        );
        let allowed = reply.header(actix_web::http::header::ALLOW).to_lowercase();
        assert!(
            !allowed.is_empty(),
            "{path}: a 405 without Allow: {reply:?}"
        );
        // HEAD is GET without its body (`head_as_get`): no operation of its own.
        for method in allowed.split(',').map(str::trim).filter(|m| *m != "head") {
            assert!(
                described[method]["responses"].is_object(),
                "{} {path} is served but not in /openapi.json",
                method.to_uppercase()
            );
        }
    }
}

/// The Chromium to drive: `CHROMIUM`, or the first of the usual names on
/// the `PATH`.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .map(|name| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// The explorer at `/docs/` loads in a real browser and lists every route:
/// its files ship inside the binary, and it reads the live document.
pub fn the_api_explorer_lists_every_route(binary: &str) {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os(REQUIRE_BROWSER_ENV).is_none(),
            "{REQUIRE_BROWSER_ENV} is set but no Chromium was found (set CHROMIUM to its path)"
        );
        eprintln!(
            "skipped: no Chromium to open the API explorer in (apt-get install chromium, or set CHROMIUM)"
        );
        return;
    };
    let db = TestDb::sqlite();
    let server = cli::start(binary, &db.url);
    let profile = std::env::temp_dir().join(crate::db::unique_name("chromium"));
    // Flags as for any headless run in a closed network: no sandbox (tests
    // may run as root), no GPU, and none of the browser's own traffic.
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Lets the page's scripts fetch the document and render it.
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("http://{}/docs/", server.addr))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", browser.display()));
    let _ = std::fs::remove_dir_all(&profile);
    let page = String::from_utf8_lossy(&output.stdout);
    let listed = |method: &str, path: &str| {
        page.contains(&format!(r#"data-path="{path}""#))
            && page.contains(&format!(r#"opblock-summary-method">{method}<"#))
    };
    let routes = [
        ("GET", "/users"),
        ("POST", "/users"),
        ("GET", "/users/{id}"),
        ("PATCH", "/users/{id}"),
        ("DELETE", "/users/{id}"),
        ("GET", "/users/{id}/posts"),
        ("POST", "/users/{id}/posts"),
        ("GET", "/posts"),
        ("GET", "/posts/{id}"),
        ("DELETE", "/posts/{id}"),
    ];
    let missing: Vec<_> = routes
        .iter()
        .filter(|(method, path)| !listed(method, path))
        .collect();
    eprintln!(
        "the API explorer in {}: {} of {} routes listed",
        browser.display(),
        routes.len() - missing.len(),
        routes.len()
    );
    assert!(
        missing.is_empty(),
        "not listed: {missing:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
