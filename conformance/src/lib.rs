//! The HTTP contract that every pattern serves, written once as a test suite.
//!
//! A pattern runs the whole suite against its own app with one line in
//! `tests/conformance.rs`:
//!
//! ```ignore
//! conformance::conformance_suite!(declarative::app, env!("CARGO_BIN_EXE_declarative"));
//! ```
//!
//! That expands to one `#[test]` per case and backend: `sqlite::…` always,
//! `postgres::…` against a fresh schema on the server named by
//! `TEST_DATABASE_URL`, or by a PostgreSQL `DATABASE_URL`. When neither was
//! set as the tests were built, the `postgres::…` cases are marked ignored,
//! with the reason (`cargo test` counts them as ignored, not as passes; see
//! `build.rs`); when one is set, a server that cannot be reached fails them.

// This crate is test code that the patterns' tests call: where something
// the test needs cannot be done (start the binary, reach the database), it
// fails the test with a message (`expect`, `panic!`) instead of returning an
// error for every caller to unwrap.

pub mod app;
pub mod cli;
pub mod contract;
pub mod db;
pub mod explorer;
pub mod faults;
pub mod hook;
pub mod hostile;
pub mod idempotency;
pub mod instances;
pub mod pagination;
pub mod proxy;
pub mod relations;
pub mod secrets;
pub mod server;
pub mod sql_echo;
pub mod statement_counts;

pub use app::{Reply, TestApp};
pub use db::{Backend, EmptyDb, POSTGRES_ENV, TestDb};

/// Notes on standard error that a PostgreSQL case did not run: it was run
/// (with `--ignored`) although no server is named.
pub fn skipped() {
    eprintln!(
        "skipped: set {POSTGRES_ENV} (or DATABASE_URL) to postgres://root@127.0.0.1:5432/test to run the PostgreSQL cases"
    );
}

/// Whether the PostgreSQL cases of this build run: a server was named when
/// it was built (see `build.rs`). When false they are marked ignored.
pub const POSTGRES_CASES_RUN: bool = cfg!(postgres_tests);

/// Test functions that need PostgreSQL, written as usual: each one is
/// marked `#[ignore]`, with the reason, when no server was named as the
/// tests were built, so that `cargo test` reports it as ignored rather than
/// as a pass. Inside, [`TestDb::on`] finds the server.
///
/// ```ignore
/// conformance::postgres_tests! {
///     #[test]
///     fn postgres_a_created_user_is_found_by_name() {
///         a_created_user_is_found_by_name(Backend::Postgres);
///     }
/// }
/// ```
#[macro_export]
macro_rules! postgres_tests {
    () => {};
    ($(#[$attr:meta])* fn $name:ident() $body:block $($rest:tt)*) => {
        $crate::__on_backend!(Postgres, $(#[$attr])* fn $name() $body);
        $crate::postgres_tests!($($rest)*);
    };
    ($(#[$attr:meta])* async fn $name:ident() $body:block $($rest:tt)*) => {
        $crate::__on_backend!(Postgres, $(#[$attr])* async fn $name() $body);
        $crate::postgres_tests!($($rest)*);
    };
}

/// Emits an item unchanged, or, for a PostgreSQL case when no server was
/// named at build time, with `#[ignore]` and the reason.
#[cfg(postgres_tests)]
#[doc(hidden)]
#[macro_export]
macro_rules! __on_backend {
    ($backend:ident, $($item:tt)*) => {
        $($item)*
    };
}

/// Emits an item unchanged, or, for a PostgreSQL case when no server was
/// named at build time, with `#[ignore]` and the reason.
#[cfg(not(postgres_tests))]
#[doc(hidden)]
#[macro_export]
macro_rules! __on_backend {
    (Sqlite, $($item:tt)*) => {
        $($item)*
    };
    (Postgres, $($item:tt)*) => {
        #[ignore = "needs PostgreSQL: run with TEST_DATABASE_URL=postgres://root@127.0.0.1:5432/test (or your server)"]
        $($item)*
    };
}

/// Among the ignored PostgreSQL cases, one that runs: it says why the others
/// did not, and fails if a server has been named since the build (in a
/// `.env` created after it), which cargo cannot notice by itself.
#[cfg(not(postgres_tests))]
#[doc(hidden)]
#[macro_export]
macro_rules! __postgres_note {
    () => {
        #[test]
        fn no_server_was_named_when_these_tests_were_built() {
            $crate::db::no_server_named_since_the_build();
        }
    };
}

/// Nothing to note when the PostgreSQL cases run.
#[cfg(postgres_tests)]
#[doc(hidden)]
#[macro_export]
macro_rules! __postgres_note {
    () => {};
}

/// The case that restarts the PostgreSQL server for real, when the tests
/// were built with `PG_RESTART_COMMAND` set.
#[cfg(restart_drill)]
#[doc(hidden)]
#[macro_export]
macro_rules! __restart_drill {
    ($app:path) => {
        $crate::__server_cases!($app, Postgres, faults;
            a_real_postgres_restart_answers_503_then_recovers
        );
    };
}

/// The case that restarts the PostgreSQL server for real, listed as ignored:
/// it disturbs everything else on that server, so it runs only when asked.
#[cfg(not(restart_drill))]
#[doc(hidden)]
#[macro_export]
macro_rules! __restart_drill {
    ($app:path) => {
        #[test]
        #[ignore = "restarts the PostgreSQL server: build the tests with PG_RESTART_COMMAND set"]
        fn a_real_postgres_restart_answers_503_then_recovers() {
            panic!(
                "build the tests with PG_RESTART_COMMAND set (e.g. pg_ctlcluster 15 main restart) to run this case"
            );
        }
    };
}

/// Generates the whole suite for a pattern: the contract and hook cases for
/// the app factory `$app`, and the binary's cases for the executable `$bin`.
#[macro_export]
macro_rules! conformance_suite {
    ($app:path, $bin:expr) => {
        /// Every case against a temporary SQLite file.
        mod sqlite {
            $crate::__all_cases!($app, $bin, Sqlite);
            // What only SQLite's planner can be asked without values.
            $crate::__app_cases!($app, Sqlite, statement_counts;
                a_name_filter_reads_through_the_index,
                a_page_by_key_reads_from_the_index,
                embedded_posts_are_read_up_to_a_cut
            );
        }
        /// Every case against a fresh schema on the PostgreSQL server named by
        /// `TEST_DATABASE_URL` (or a PostgreSQL `DATABASE_URL`).
        mod postgres {
            $crate::__postgres_note!();
            $crate::__all_cases!($app, $bin, Postgres);
            // Faults only a database server can have.
            $crate::__server_cases!($app, Postgres, idempotency;
                a_retry_with_its_key_after_a_cut_commit_writes_once
            );
            $crate::__server_cases!($app, Postgres, faults;
                a_database_outage_answers_503_then_recovers,
                a_slow_database_never_stalls_the_worker
            );
            $crate::__app_cases!($app, Postgres, faults;
                a_column_type_changed_under_the_app_is_served_on
            );
            $crate::__restart_drill!($app);
            $crate::__binary_backend_cases!($bin, Postgres, secrets;
                a_password_in_the_url_never_shows
            );
            $crate::__binary_backend_cases!($bin, Postgres, faults;
                stuck_reads_hold_up_no_other_request,
                a_lock_held_long_is_waited_for_no_longer_than_the_checkout_timeout,
                a_write_meeting_several_locks_ends_within_the_checkout_timeout,
                a_role_the_url_takes_on_keeps_the_write_bounded,
                a_lock_timeout_answers_503_and_writes_nothing
            );
        }
        /// Start-up failures, which do not depend on a backend.
        mod startup {
            $crate::__binary_cases!(
                $bin;
                an_unknown_scheme_fails_clearly,
                an_unreachable_postgres_fails_clearly,
                an_unwritable_sqlite_path_fails_clearly,
                a_port_in_use_fails_clearly,
                a_bad_setting_fails_clearly,
                unknown_arguments_get_the_usage
            );
            $crate::__binary_cases!(
                $bin, secrets;
                a_password_never_shows_when_the_database_is_unreachable
            );
            $crate::__binary_cases!(
                $bin, explorer;
                the_api_explorer_lists_every_route
            );
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __all_cases {
    ($app:path, $bin:expr, $backend:ident) => {
        $crate::__app_cases!($app, $backend, contract;
            an_empty_database_lists_no_users,
            ids_go_past_32_bits,
            users_are_listed_by_ascending_id,
            name_filters_by_exact_name,
            pages_split_the_list,
            bad_paging_parameters_are_rejected,
            pages_end_at_page_one_hundred,
            a_user_is_found_by_id,
            an_unknown_id_is_not_found,
            a_non_numeric_id_is_a_bad_request,
            creating_a_user_answers_201_with_location,
            names_are_limited_in_characters_not_bytes,
            unicode_round_trips,
            invalid_values_are_unprocessable,
            an_email_of_120_characters_is_accepted,
            malformed_bodies_are_bad_requests,
            a_body_that_is_not_json_is_unsupported,
            a_body_too_large_is_refused,
            a_duplicate_name_is_a_conflict,
            a_duplicate_email_is_a_conflict,
            concurrent_creates_all_succeed,
            racing_duplicate_creates_have_one_winner,
            patching_changes_only_the_fields_sent,
            an_empty_patch_changes_nothing,
            patching_an_unknown_user_is_not_found,
            patching_to_a_taken_value_is_a_conflict,
            bad_patches_are_refused,
            deleting_a_user_answers_204_and_it_is_gone,
            deleting_an_unknown_user_is_not_found,
            an_unknown_route_is_a_json_404,
            a_wrong_method_is_a_json_405,
            text_that_looks_like_sql_round_trips_through_every_route
        );
        $crate::__app_cases!($app, $backend, relations;
            a_post_is_created_with_location_and_read_with_its_author,
            posting_for_an_unknown_user_is_not_found,
            invalid_posts_are_unprocessable,
            malformed_posts_are_refused_as_users_are,
            a_users_posts_are_listed_a_page_at_a_time,
            a_user_without_posts_has_an_empty_list,
            posts_are_listed_with_their_authors,
            an_unknown_post_is_not_found,
            deleting_a_post_answers_204_and_it_is_gone,
            deleting_a_user_deletes_its_posts,
            users_embed_their_posts_on_request,
            a_user_is_created_with_its_first_posts,
            a_user_with_an_invalid_post_is_not_created,
            a_taken_name_with_posts_writes_nothing,
            posts_racing_a_delete_of_their_user_never_point_at_nobody
        );
        $crate::__app_cases!($app, $backend, pagination;
            following_next_links_reaches_every_row_of_every_list,
            a_page_by_key_starts_after_the_id_and_numbered_pages_link_to_it,
            a_walk_while_others_write_sees_every_lasting_row_once,
            embedded_posts_are_bounded_and_link_to_the_rest
        );
        $crate::__app_cases!($app, $backend, hook;
            after_a_success_the_pool_is_whole,
            after_a_handler_error_the_pool_is_whole,
            after_bad_json_the_pool_is_whole,
            after_an_unknown_route_the_pool_is_whole,
            a_transaction_a_write_left_open_is_rolled_back,
            a_transaction_a_read_left_open_is_rolled_back,
            a_write_that_fails_halfway_keeps_nothing,
            a_panic_inside_a_write_is_rolled_back,
            a_panic_inside_a_read_is_a_json_500,
            a_write_through_the_read_path_is_refused,
            a_read_never_runs_on_the_worker,
            a_read_sees_one_moment_of_the_database,
            a_setting_a_read_changes_does_not_outlive_it,
            a_write_inside_a_write_is_refused_at_once,
            a_panic_in_a_handler_is_a_json_500,
            a_panic_in_a_write_loses_nothing_acknowledged,
            a_request_holds_no_connection_between_calls,
            a_session_used_after_its_request_is_refused,
            an_exhausted_pool_answers_503_with_retry_after,
            connections_closed_by_the_server_are_replaced
        );
        $crate::__app_cases!($app, $backend, faults;
            a_request_dropped_mid_write_keeps_all_of_it_or_nothing
        );
        $crate::__app_cases!($app, $backend, idempotency;
            a_repeat_with_the_same_key_gets_the_first_answer_and_writes_nothing,
            the_same_key_for_another_request_is_unprocessable,
            a_failed_request_with_a_key_runs_again,
            a_bad_key_is_a_bad_request,
            a_key_is_forgotten_after_a_day,
            forgotten_keys_are_swept_off_the_request_path,
            concurrent_repeats_of_one_key_write_once
        );
        $crate::__app_cases!($app, $backend, explorer;
            the_contract_is_served_as_an_openapi_document,
            each_field_keeps_its_rules_everywhere_in_the_document,
            every_route_the_app_serves_is_in_its_openapi_document
        );
        $crate::__app_cases!($app, $backend, statement_counts;
            a_read_by_id_sends_one_select,
            a_page_of_users_is_one_select_whatever_its_size,
            a_page_by_key_is_one_select_at_any_depth,
            a_create_sends_one_insert_in_its_transaction,
            a_refused_create_sends_its_insert_and_rolls_it_back,
            a_patch_sends_one_update_in_its_transaction,
            a_delete_sends_one_delete_in_its_transaction,
            a_request_refused_before_the_store_sends_nothing,
            a_page_of_posts_with_authors_is_one_select_whatever_its_size,
            a_page_of_users_with_posts_costs_the_same_whatever_its_size,
            a_post_for_a_missing_user_is_refused_by_its_insert,
            a_user_with_posts_is_written_in_one_transaction,
            a_user_and_its_posts_go_in_one_delete
        );
        $crate::__app_cases!($app, $backend, hostile;
            a_nul_character_is_refused_on_every_route_that_takes_text
        );
        $crate::__server_cases!($app, $backend, hostile;
            generated_hostile_requests_get_a_json_4xx_never_a_5xx,
            hostile_bytes_on_the_wire_get_a_4xx_never_a_5xx
        );
        $crate::__server_cases!($app, $backend, faults;
            a_client_that_hangs_up_leaks_no_connection_and_loses_no_commit
        );
        $crate::__binary_backend_cases!($bin, $backend, cli;
            serves_the_api_on_the_printed_port,
            the_demo_runs_the_console_session
        );
        $crate::__binary_backend_cases!($bin, $backend, sql_echo;
            the_sql_echo_shows_every_statement_with_its_values,
            the_default_log_shows_no_sql,
            a_slow_statement_is_logged_at_warn_with_the_echo_off,
            the_demo_shows_the_sql_of_each_step
        );
        $crate::__binary_backend_cases!($bin, $backend, faults;
            sigterm_under_load_loses_no_acknowledged_write,
            ctrl_c_under_load_loses_no_acknowledged_write,
            many_writers_and_readers_get_no_lock_errors
        );
        $crate::__binary_backend_cases!($bin, $backend, instances;
            instances_started_together_on_a_fresh_database_all_serve,
            instances_sharing_a_database_under_load_lose_nothing,
            racing_creates_across_instances_have_one_winner
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __app_cases {
    ($app:path, $backend:ident, $module:ident; $($case:ident),* $(,)?) => {
        $($crate::__on_backend!($backend,
            #[::actix_web::test]
            async fn $case() {
                let Some(db) = $crate::TestDb::on($crate::Backend::$backend) else {
                    return $crate::skipped();
                };
                let app = $app(db.pool.clone())
                    .configure($crate::hook::probe_routes)
                    .wrap(::actix_web::middleware::from_fn(
                        $crate::hook::report_connections_in_use,
                    ));
                let app = $crate::TestApp::start(app, db).await;
                $crate::$module::$case(&app).await;
            }
        );)*
    };
}

/// Cases that serve the app over TCP from the test process
/// (`fn(app_factory, TestDb)`).
#[doc(hidden)]
#[macro_export]
macro_rules! __server_cases {
    ($app:path, $backend:ident, $module:ident; $($case:ident),* $(,)?) => {
        $($crate::__on_backend!($backend,
            #[test]
            fn $case() {
                let Some(db) = $crate::TestDb::on($crate::Backend::$backend) else {
                    return $crate::skipped();
                };
                $crate::$module::$case($app, db);
            }
        );)*
    };
}

/// Cases of the real binary on one backend (`fn(binary, Backend)`).
#[doc(hidden)]
#[macro_export]
macro_rules! __binary_backend_cases {
    ($bin:expr, $backend:ident, $module:ident; $($case:ident),* $(,)?) => {
        $($crate::__on_backend!($backend,
            #[test]
            fn $case() {
                $crate::$module::$case($bin, $crate::Backend::$backend);
            }
        );)*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __binary_cases {
    ($bin:expr; $($case:ident),* $(,)?) => {
        $crate::__binary_cases!($bin, cli; $($case),*);
    };
    ($bin:expr, $module:ident; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::$module::$case($bin);
            }
        )*
    };
}
