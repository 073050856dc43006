//! The hand-written mapping must stay in step with the schema. Nothing in the
//! compiler ties `users_mapping.rs` or `posts_mapping.rs` to the migrations,
//! and two `String` columns swapped would still build; these tests fail
//! instead.

use diesel::prelude::*;
use manual_mapping::posts_mapping::{
    POST_COLUMN_NAMES, POST_COLUMNS, POST_WITH_AUTHOR_COLUMNS, PostRow, PostWithAuthorRow,
    post_from_row, post_with_author_from_row, users_with_posts,
};
use manual_mapping::users_mapping::{
    USER_COLUMN_NAMES, USER_COLUMNS, UserRow, insert_values, update_assignments, user_from_row,
    user_row,
};
use shared::database::MIGRATIONS;
use shared::models::{NewUser, User, UserChanges};
use shared::post_models::{NewPost, Post};
use shared::schema::{posts, users};
use web_db_test::{Backend, TestDb};

/// A database of the test's own: SQLite, or PostgreSQL when
/// `TEST_DATABASE_URL` names a server.
fn test_db() -> TestDb {
    TestDb::on(Backend::from_env(), MIGRATIONS).expect("a database for the test")
}

#[derive(QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// The columns of `table` as the migrations really made them, in order.
fn columns_in_database(db: &TestDb, table: &str) -> Vec<String> {
    let sql = match db.backend {
        Backend::Sqlite => "SELECT name FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 \
             ORDER BY ordinal_position"
        }
    };
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Text, _>(table)
        .load::<ColumnName>(&mut db.connection())
        .expect("read the table's columns")
        .into_iter()
        .map(|c| c.name)
        .collect()
}

/// Fails unless the columns of `table` are `mapped`, the columns that
/// `mapping_file` lists, in the same order.
fn assert_mapping_covers(db: &TestDb, table: &str, mapped: &[&str], mapping_file: &str) {
    assert_eq!(
        columns_in_database(db, table),
        mapped,
        "the {table} table and {mapping_file} list different columns: \
         a migration changed the table, update the mapping (and schema.rs) with it"
    );
}

#[test]
fn the_mapping_covers_every_column_of_the_table() {
    let db = test_db();
    assert_mapping_covers(&db, "users", &USER_COLUMN_NAMES, "users_mapping.rs");
}

/// The `User` the mapping should make of a row of these values. A field
/// added to `User` is added here, once.
fn user(id: i64, name: &str, email: &str) -> User {
    User {
        id,
        name: name.into(),
        email: email.into(),
    }
}

/// The `name` and `email` columns of a row, read by column name, without
/// the mapping.
fn columns_by_name(conn: &mut web_db::DbConnection, id: i64) -> (String, String) {
    users::table
        .find(id)
        .select((users::name, users::email))
        .first(conn)
        .expect("read the columns by name")
}

#[test]
fn each_field_goes_to_its_own_column_and_back() {
    let db = test_db();
    // Diesel's test idiom: every step in one transaction, never committed.
    let mut conn = db.connection();
    conn.begin_test_transaction()
        .expect("a transaction the test never commits");
    let conn = &mut conn;

    // Written through the mapping...
    let new_user = NewUser::new("the name", "the@email");
    let id: i64 = diesel::insert_into(users::table)
        .values(insert_values(&new_user))
        .returning(users::id)
        .get_result(conn)
        .expect("insert through the mapping");
    // ...each column, read by name without the mapping, holds its own field.
    let (name, email) = columns_by_name(conn, id);
    assert_eq!(
        (name.as_str(), email.as_str()),
        ("the name", "the@email"),
        "insert_values"
    );

    // Read through the mapping, each field gets its own column.
    let row: UserRow = user_row(id)
        .select(USER_COLUMNS)
        .first(conn)
        .expect("read a row");
    let expected = user(id, "the name", "the@email");
    assert_eq!(user_from_row(row), expected, "user_from_row");

    // A partial update touches only the column of the field present.
    let changes = UserChanges {
        email: Some("new@email".into()),
        ..UserChanges::default()
    };
    diesel::update(user_row(id))
        .set(update_assignments(&changes))
        .execute(conn)
        .expect("update through the mapping");
    let (name, email) = columns_by_name(conn, id);
    assert_eq!(
        (name.as_str(), email.as_str()),
        ("the name", "new@email"),
        "update_assignments"
    );
}

#[test]
fn the_posts_mapping_covers_every_column_of_its_table() {
    let db = test_db();
    assert_mapping_covers(&db, "posts", &POST_COLUMN_NAMES, "posts_mapping.rs");
}

/// A joined row's halves go to the post and to its author, each field from
/// its own column: the ids, and the two kinds of text, all differ here, so
/// a half or a column mapped to the wrong place fails.
#[test]
fn a_joined_row_maps_the_post_and_its_author_apart() {
    let db = test_db();
    let mut conn = db.connection();
    conn.begin_test_transaction()
        .expect("a transaction the test never commits");
    let conn = &mut conn;
    // Two users first, so that the author's id is not the post's.
    for name in ["first", "author"] {
        diesel::insert_into(users::table)
            .values(insert_values(&NewUser::new(name, format!("{name}@email"))))
            .execute(conn)
            .expect("insert a user");
    }
    let author_id: i64 = users::table
        .filter(users::name.eq("author"))
        .select(users::id)
        .first(conn)
        .expect("the author's id");
    let post_id: i64 = diesel::insert_into(posts::table)
        .values(manual_mapping::posts_mapping::insert_values(
            author_id,
            &NewPost::new("the title", "the body"),
        ))
        .returning(posts::id)
        .get_result(conn)
        .expect("insert through the mapping");
    let (title, body): (String, String) = posts::table
        .find(post_id)
        .select((posts::title, posts::body))
        .first(conn)
        .expect("read the columns by name");
    assert_eq!((title.as_str(), body.as_str()), ("the title", "the body"));

    let expected_post = Post {
        id: post_id,
        user_id: author_id,
        title: "the title".into(),
        body: "the body".into(),
    };
    let row: PostRow = posts::table
        .find(post_id)
        .select(POST_COLUMNS)
        .first(conn)
        .expect("read a post");
    assert_eq!(post_from_row(row), expected_post, "post_from_row");

    let joined: PostWithAuthorRow = posts::table
        .inner_join(users::table)
        .filter(posts::id.eq(post_id))
        .select(POST_WITH_AUTHOR_COLUMNS)
        .first(conn)
        .expect("read a joined row");
    let answer = post_with_author_from_row(joined);
    assert_eq!(answer.post, expected_post, "the post half");
    assert_eq!(
        answer.author,
        user(author_id, "author", "author@email"),
        "the author half"
    );
}

#[test]
fn posts_are_dealt_to_their_users_in_order_and_a_user_without_gets_none() {
    let user_numbered = |id: i64| user(id, &format!("u{id}"), &format!("u{id}@e"));
    let post = |id: i64, user_id: i64| Post {
        id,
        user_id,
        title: format!("p{id}"),
        body: String::new(),
    };
    let grouped = users_with_posts(
        vec![user_numbered(2), user_numbered(1), user_numbered(3)],
        vec![post(1, 1), post(2, 2), post(3, 1), post(4, 9)],
    );
    let dealt: Vec<(i64, Vec<i64>)> = grouped
        .iter()
        .map(|u| (u.user.id, u.posts.iter().map(|p| p.id).collect()))
        .collect();
    assert_eq!(dealt, [(2, vec![2]), (1, vec![1, 3]), (3, vec![])]);
}
