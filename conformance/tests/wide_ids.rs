//! Ids are 64-bit on both backends. On SQLite an `INTEGER PRIMARY KEY`
//! always was; on PostgreSQL ids were `INTEGER` until the migration
//! `2026-12-08-000000_widen_ids`, and a database made before it keeps every
//! row through it, ids included, and then has room past 2147483647.

use conformance::{Backend, EmptyDb};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::MigrationHarness;

#[derive(QueryableByName, Debug, PartialEq)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// The type of `users.id`: `integer` or `bigint`.
fn type_of_user_ids(conn: &mut PgConnection) -> String {
    diesel::sql_query(
        "SELECT data_type AS line FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = 'users' AND column_name = 'id'",
    )
    .get_result::<Line>(conn)
    .expect("the type of users.id")
    .line
}

/// Every user with its posts, one line each, read through the views.
fn every_row(conn: &mut PgConnection) -> Vec<Line> {
    diesel::sql_query(
        "SELECT u.id || ' ' || u.name || ' ' || u.email || ' ' || \
         coalesce(string_agg(p.id || ':' || p.title, ',' ORDER BY p.id), '') AS line \
         FROM exposed_users u LEFT JOIN exposed_posts p ON p.user_id = u.id \
         GROUP BY u.id, u.name, u.email ORDER BY u.id",
    )
    .load(conn)
    .expect("every row")
}

conformance::postgres_tests! {
    #[test]
    fn widening_the_ids_keeps_every_row_and_makes_room_on_postgres() {
        let Some(db) = EmptyDb::on(Backend::Postgres) else {
            return conformance::skipped();
        };
        let mut conn = PgConnection::establish(&db.url).expect("a connection");
        conn.run_pending_migrations(shared::database::MIGRATIONS.postgres).expect("every migration");
        // The database as a version of the app made before the widening left it.
        conn.revert_last_migration(shared::database::MIGRATIONS.postgres).expect("the widening undone");
        assert_eq!(type_of_user_ids(&mut conn), "integer");
        conn.batch_execute(
            "INSERT INTO users (id, name, email) VALUES \
             (1, 'ada', 'ada@example.com'), (2147483647, 'edge', 'edge@example.com'); \
             INSERT INTO posts (user_id, title, body) VALUES \
             (1, 'hello', ''), (2147483647, 'last', 'of 32 bits'); \
             SELECT setval(pg_get_serial_sequence('users', 'id'), 2147483647)",
        )
        .expect("rows made before");
        let before = every_row(&mut conn);
        let full = conn.batch_execute("INSERT INTO users (name, email) VALUES ('n', 'n@example.com')");
        assert!(full.is_err(), "a 32-bit id past 2147483647");

        conn.run_pending_migrations(shared::database::MIGRATIONS.postgres).expect("the widening");

        assert_eq!(type_of_user_ids(&mut conn), "bigint");
        assert_eq!(every_row(&mut conn), before);
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let next: Id = diesel::sql_query(
            "INSERT INTO users (name, email) VALUES ('next', 'next@example.com') RETURNING id",
        )
        .get_result(&mut conn)
        .expect("a user past 32 bits");
        assert_eq!(next.id, 2_147_483_648);
    }
}
