//! [`TestApp`]: the app under test, served on a free port over a database
//! of its own, and the requests a test sends it.

use std::time::Duration;

use web_db::migrate::Migrations;

use crate::db::{Backend, TestDb};
use crate::http::{Reply, exchange, request_bytes_with};
use crate::server::{AppFactory, TestServer};

/// The app of one test: served over TCP on a free port of 127.0.0.1, over a
/// fresh database ([`Backend::from_env`]). Both go when it is dropped.
pub struct TestApp {
    /// The server; declared first, so that it stops before its database goes.
    server: TestServer,
    /// The database the app uses, for a test to look into.
    pub db: TestDb,
}

impl TestApp {
    /// Serves `app`, the app's own `app(pool)`, over a new database migrated
    /// with `migrations`.
    ///
    /// # Panics
    /// When the database cannot be made, or the server cannot start.
    pub fn spawn<F: AppFactory>(app: F, migrations: Migrations) -> TestApp {
        let backend = Backend::from_env();
        let db = TestDb::on(backend, migrations)
            .expect("a database on the backend the environment names");
        let server = TestServer::start(app, db.pool.clone());
        TestApp { server, db }
    }

    /// `host:port` the app listens on.
    pub fn addr(&self) -> &str {
        &self.server.addr
    }

    /// Sends `method path` with `headers` and, if given, a JSON `body`.
    ///
    /// # Panics
    /// When no complete answer comes within 30 s.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let request = request_bytes_with(method, path, headers, body);
        exchange(self.addr(), &request, Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"))
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], None)
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, body: &str) -> Reply {
        self.request("POST", path, &[], Some(body))
    }

    /// `PATCH path` with a JSON body.
    pub fn patch(&self, path: &str, body: &str) -> Reply {
        self.request("PATCH", path, &[], Some(body))
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> Reply {
        self.request("DELETE", path, &[], None)
    }
}
