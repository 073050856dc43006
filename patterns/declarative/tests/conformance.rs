//! The HTTP contract, the after-request hook and the binary's behaviour,
//! checked against the declarative pattern on SQLite and PostgreSQL.

conformance::conformance_suite!(declarative::app, env!("CARGO_BIN_EXE_declarative"));
