//! The app under test, driven in-process, and the answers it gives.

use std::rc::Rc;

use actix_web::dev::Service;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{App, test};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;
use web_db::http::AppService;

use crate::db::TestDb;

/// One answer: status, headers and the body parsed as JSON (`Null` if empty).
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as JSON.
    pub body: Value,
}

impl Reply {
    /// The `error` message of a JSON error body, or "" if there is none.
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }

    /// The value of a header, or "" if it is missing.
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

type CallFn = dyn Fn(test::TestRequest) -> LocalBoxFuture<'static, Reply>;

/// A pattern's app, initialised in-process over a test database.
pub struct TestApp {
    /// The database the app uses.
    pub db: TestDb,
    call: Rc<CallFn>,
}

impl TestApp {
    /// Starts `app` in-process. The app is type-erased here so that the
    /// cases can be plain `async fn(&TestApp)`.
    pub async fn start<T>(app: App<T>, db: TestDb) -> TestApp
    where
        T: AppService,
    {
        let service = Rc::new(test::init_service(app).await);
        let call = move |req: test::TestRequest| -> LocalBoxFuture<'static, Reply> {
            let service = Rc::clone(&service);
            Box::pin(async move {
                match service.call(req.to_request()).await {
                    Ok(res) => {
                        let status = res.status();
                        let headers = res.headers().clone();
                        let bytes = test::read_body(res).await;
                        Reply {
                            status,
                            headers,
                            body: parse_body(&bytes),
                        }
                    }
                    // What the server would send for an error that escaped
                    // every handler (the hook turns panics into these).
                    Err(error) => {
                        let res = error.as_response_error().error_response();
                        let status = res.status();
                        let headers = res.headers().clone();
                        let bytes = actix_web::body::to_bytes(res.into_body())
                            .await
                            .unwrap_or_default();
                        Reply {
                            status,
                            headers,
                            body: parse_body(&bytes),
                        }
                    }
                }
            })
        };
        TestApp {
            db,
            call: Rc::new(call),
        }
    }

    /// Sends a request built by the caller.
    pub async fn send(&self, req: test::TestRequest) -> Reply {
        (self.call)(req).await
    }

    /// `GET uri`.
    pub async fn get(&self, uri: &str) -> Reply {
        self.send(test::TestRequest::get().uri(uri)).await
    }

    /// `POST uri` with a JSON body.
    pub async fn post_json(&self, uri: &str, body: Value) -> Reply {
        self.send(test::TestRequest::post().uri(uri).set_json(body))
            .await
    }

    /// `PATCH uri` with a JSON body.
    pub async fn patch_json(&self, uri: &str, body: Value) -> Reply {
        self.send(test::TestRequest::patch().uri(uri).set_json(body))
            .await
    }

    /// `DELETE uri`.
    pub async fn delete(&self, uri: &str) -> Reply {
        self.send(test::TestRequest::delete().uri(uri)).await
    }

    /// Creates a user through the API and returns it; fails the test if
    /// the API refuses.
    pub async fn create_user(&self, name: &str, email: &str) -> Value {
        let reply = self
            .post_json(
                "/users",
                serde_json::json!({ "name": name, "email": email }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "creating {name}: {reply:?}"
        );
        reply.body
    }

    /// Creates a post of `user` (a user as the API answered it) through
    /// the API and returns it; fails the test if the API refuses.
    pub async fn create_post(&self, user: &Value, title: &str, body: &str) -> Value {
        let reply = self
            .post_json(
                &format!("/users/{}/posts", user["id"]),
                serde_json::json!({ "title": title, "body": body }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "creating the post {title}: {reply:?}"
        );
        reply.body
    }
}

fn parse_body(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes).unwrap_or_else(|_| {
        panic!(
            "every body must be JSON, got {:?}",
            String::from_utf8_lossy(bytes)
        )
    })
}

/// The app under test, for printed counts: cargo names the package whose
/// tests run.
pub fn app_name() -> String {
    std::env::var("CARGO_PKG_NAME").unwrap_or_else(|_| "app".into())
}
