//! The store's functions are plain functions of a connection: they can be
//! tested without HTTP.

use diesel::Connection;
use shared::database::MIGRATIONS;
use shared::listing::UserListing;
use shared::models::NewUser;
use shared::post_models::NewPost;
use web_db::paging::Page;
use web_db_test::{Backend, TestDb};

use super::Store;

/// A database of the test's own: SQLite, or PostgreSQL when
/// `TEST_DATABASE_URL` names a server.
fn test_db() -> TestDb {
    TestDb::on(Backend::from_env(), MIGRATIONS).expect("a database for the test")
}

/// Inside diesel's test transaction, which is rolled back when the
/// connection is dropped: nothing a test writes is kept.
#[test]
fn a_created_user_is_found_by_name_and_nothing_is_kept() {
    let db = test_db();
    let mut conn = db.connection();
    conn.begin_test_transaction()
        .expect("a transaction the test never commits");
    let store = Store::open(&mut conn).expect("open the store");

    let ada = store
        .create_user(&mut conn, &NewUser::new("ada", "ada@example.com"))
        .expect("create a user");
    let found = store
        .list_users(&mut conn, &UserListing::first_named("ada"))
        .expect("find it by name");

    assert_eq!(found, [ada]);
    drop(conn);
    assert_eq!(
        users_and_posts(&db),
        (0, 0),
        "a test transaction keeps nothing"
    );
}

/// A user and its first posts are written by one call of the store, in the
/// one transaction `DbPool::write_blocking` makes for it. Here the database itself
/// refuses the second post, after the user and the first post were
/// inserted: a title one character too long, which only the app's own
/// check would have stopped (PostgreSQL's `VARCHAR(200)`, SQLite's
/// `CHECK`). The whole transaction is rolled back: the user and the first
/// post are gone too. With valid posts, all of it is kept.
#[test]
fn a_post_the_database_refuses_takes_its_user_with_it() {
    let db = test_db();
    let create = |posts: Vec<NewPost>| {
        let ada = NewUser::new("ada", "ada@example.com");
        db.pool.write_blocking(move |conn| {
            let store = Store::open(conn)?;
            store.create_user_with_posts(conn, &ada, &posts).map(drop)
        })
    };

    let refused = create(vec![
        NewPost::new("kept?", ""),
        NewPost::new("é".repeat(201), ""),
    ]);
    assert!(
        refused.is_err(),
        "the database took a title of 201 characters"
    );
    assert_eq!(users_and_posts(&db), (0, 0));

    let kept = create(vec![
        NewPost::new("one", ""),
        NewPost::new("é".repeat(200), ""),
    ]);
    kept.expect("a user with two valid posts");
    assert_eq!(users_and_posts(&db), (1, 2));
}

/// How many users and posts the database holds (a first page of each: the
/// tests here write a few).
fn users_and_posts(db: &TestDb) -> (usize, usize) {
    db.pool
        .read_blocking(|conn| {
            let store = Store::open(conn)?;
            let users = store.list_users(conn, &UserListing::first_page())?;
            let posts = store.list_posts(conn, &Page::first())?;
            Ok((users.len(), posts.len()))
        })
        .expect("count the rows")
}
