//! The HTTP contract, the teardown hook and the binary's behaviour,
//! checked against the sql-abstraction pattern on SQLite and PostgreSQL.

conformance::conformance_suite!(sql_abstraction::app, env!("CARGO_BIN_EXE_sql-abstraction"));
