//! The HTTP contract, the teardown hook and the binary's behaviour,
//! checked against the declarative pattern on SQLite and PostgreSQL.

conformance::conformance_suite!(declarative::app, env!("CARGO_BIN_EXE_declarative"));
