//! A store's functions are plain functions of a connection: they can be
//! tested without HTTP, inside diesel's test transaction, which is rolled
//! back when the connection is dropped. Nothing a test writes is kept.

use conformance::{Backend, TestDb};
use declarative::store::Store;
use diesel::Connection;
use shared::listing::UserListing;
use shared::models::NewUser;

fn a_created_user_is_found_by_name(backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return conformance::skipped();
    };
    let mut conn = db.connection();
    conn.begin_test_transaction()
        .expect("a transaction the test never commits");

    let ada = Store
        .create_user(&mut conn, &NewUser::new("ada", "ada@example.com"))
        .expect("create a user");
    let found = Store
        .list_users(&mut conn, &UserListing::first_named("ada"))
        .expect("find it by name");

    assert_eq!(found, [ada]);
    drop(conn);
    assert_eq!(db.count_users(), 0, "a test transaction commits nothing");
}

#[test]
fn sqlite_a_created_user_is_found_by_name() {
    a_created_user_is_found_by_name(Backend::Sqlite);
}

conformance::postgres_tests! {
    #[test]
    fn postgres_a_created_user_is_found_by_name() {
        a_created_user_is_found_by_name(Backend::Postgres);
    }
}
