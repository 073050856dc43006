//! The app's tests, in plain `#[test]` functions, route by route. Each test
//! gets the app on a free port over a database of its own: SQLite, or
//! PostgreSQL when `TEST_DATABASE_URL` names a server.
