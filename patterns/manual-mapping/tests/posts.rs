//! The write across two tables: a user and its first posts are written in
//! one transaction, so a post the database refuses takes the user with it.

use conformance::Backend;
use conformance::relations::a_post_the_database_refuses_takes_its_user_with_it;
use manual_mapping::store::Store;

#[test]
fn sqlite_a_post_the_database_refuses_takes_its_user_with_it() {
    a_post_the_database_refuses_takes_its_user_with_it::<Store>(Backend::Sqlite);
}

conformance::postgres_tests! {
    #[test]
    fn postgres_a_post_the_database_refuses_takes_its_user_with_it() {
        a_post_the_database_refuses_takes_its_user_with_it::<Store>(Backend::Postgres);
    }
}
