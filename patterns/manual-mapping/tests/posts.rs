//! The write across two tables: a user and its first posts are written in
//! one transaction, so a post the database refuses takes the user with it.

use conformance::Backend;
use conformance::relations::a_post_the_database_refuses_takes_its_user_with_it;
use manual_mapping::store::Store;
use shared::models::NewUser;
use shared::post_models::NewPost;
use web_db::DbConnection;

fn create_user_with_posts(
    conn: &mut DbConnection,
    user: &NewUser,
    posts: &[NewPost],
) -> diesel::QueryResult<()> {
    let store = Store::open(conn)?;
    store.create_user_with_posts(conn, user, posts).map(drop)
}

#[test]
fn sqlite_a_post_the_database_refuses_takes_its_user_with_it() {
    a_post_the_database_refuses_takes_its_user_with_it(Backend::Sqlite, create_user_with_posts);
}

conformance::postgres_tests! {
    #[test]
    fn postgres_a_post_the_database_refuses_takes_its_user_with_it() {
        a_post_the_database_refuses_takes_its_user_with_it(Backend::Postgres, create_user_with_posts);
    }
}
