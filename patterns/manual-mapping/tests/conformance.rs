//! The HTTP contract, the teardown hook and the binary's behaviour,
//! checked against the manual-mapping pattern on SQLite and PostgreSQL.

conformance::conformance_suite!(manual_mapping::app, env!("CARGO_BIN_EXE_manual-mapping"));
