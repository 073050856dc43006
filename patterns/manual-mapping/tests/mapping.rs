//! The hand-written mapping must stay in step with the schema. Nothing in the
//! compiler ties `users_mapping.rs` to the migrations, and two `String`
//! columns swapped would still build; these tests fail instead.

use conformance::{Backend, TestDb};
use diesel::prelude::*;
use manual_mapping::users_mapping::{
    USER_COLUMN_NAMES, USER_COLUMNS, UserRow, insert_values, update_assignments, user_from_row,
    user_row,
};
use shared::models::{NewUser, User, UserChanges};
use shared::schema::users;

#[derive(QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// The columns of `users` as the migrations really made them, in order.
fn columns_in_database(db: &TestDb) -> Vec<String> {
    let sql = match db.backend {
        Backend::Sqlite => "SELECT name FROM pragma_table_info('users') ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = 'users' \
             ORDER BY ordinal_position"
        }
    };
    diesel::sql_query(sql)
        .load::<ColumnName>(&mut db.connection())
        .expect("read the table's columns")
        .into_iter()
        .map(|c| c.name)
        .collect()
}

fn the_mapping_covers_every_column_of_the_table(backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return conformance::skipped();
    };
    assert_eq!(
        columns_in_database(&db),
        USER_COLUMN_NAMES,
        "the users table and users_mapping.rs list different columns: \
         a migration changed the table, update the mapping (and schema.rs) with it"
    );
}

/// The `name` and `email` columns of a row, read by column name, without
/// the mapping.
fn columns_by_name(conn: &mut shared::DbConnection, id: i32) -> (String, String) {
    users::table
        .find(id)
        .select((users::name, users::email))
        .first(conn)
        .expect("read the columns by name")
}

fn each_field_goes_to_its_own_column_and_back(backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return conformance::skipped();
    };
    // Diesel's test idiom: every step in one transaction, never committed.
    let mut conn = db.connection();
    conn.begin_test_transaction()
        .expect("a transaction the test never commits");
    let conn = &mut conn;

    // Written through the mapping...
    let new_user = NewUser::new("the name", "the@email");
    let id: i32 = diesel::insert_into(users::table)
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
    let expected = User {
        id,
        name: "the name".into(),
        email: "the@email".into(),
    };
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

mod sqlite {
    use super::*;

    #[test]
    fn the_mapping_covers_every_column_of_the_table() {
        super::the_mapping_covers_every_column_of_the_table(Backend::Sqlite);
    }

    #[test]
    fn each_field_goes_to_its_own_column_and_back() {
        super::each_field_goes_to_its_own_column_and_back(Backend::Sqlite);
    }
}

mod postgres {
    use super::*;

    conformance::postgres_tests! {
        #[test]
        fn the_mapping_covers_every_column_of_the_table() {
            super::the_mapping_covers_every_column_of_the_table(Backend::Postgres);
        }

        #[test]
        fn each_field_goes_to_its_own_column_and_back() {
            super::each_field_goes_to_its_own_column_and_back(Backend::Postgres);
        }
    }
}
