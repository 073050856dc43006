//! The app's own tests, in plain `#[test]` functions, route by route: the
//! files of `shared/api-tests`, compiled here over this pattern's app (an
//! app that `new-app` makes keeps them as its `tests/api`). Each test gets
//! the app on a free port over a database of its own: SQLite, or PostgreSQL
//! when `TEST_DATABASE_URL` names a server.

use web_db_test::TestApp;

// The store the tests of `store.rs` call.
use declarative::store::Store;

/// The app, served for one test.
fn spawn_app() -> TestApp {
    TestApp::spawn(declarative::app, shared::database::MIGRATIONS)
}

#[path = "../../../shared/api-tests/idempotency.rs"]
mod idempotency;
#[path = "../../../shared/api-tests/paging.rs"]
mod paging;
#[path = "../../../shared/api-tests/posts.rs"]
mod posts;
#[path = "../../../shared/api-tests/store.rs"]
mod store;
#[path = "../../../shared/api-tests/users.rs"]
mod users;
