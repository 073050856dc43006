//! The HTTP contract, the teardown hook and the binary's behaviour,
//! checked against this app: one test per case and backend. The `sqlite::`
//! cases always run; the `postgres::` cases run on a fresh schema of the
//! server that `TEST_DATABASE_URL` (or else a `postgres://` `DATABASE_URL`)
//! names. When neither was set as the tests were built (see `build.rs`),
//! the `postgres::` cases are marked ignored, with the reason.
