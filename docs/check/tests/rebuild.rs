//! The second change of "Changing it" (`docs/src/changing-it.md`), done for
//! real: the CHECKs on `users`, a table rebuild on SQLite and an
//! `ALTER TABLE` on PostgreSQL, run by the app's own migration code
//! (`web_db::migrate`) on a database that holds users and posts. Every user
//! and every post must still be there afterwards, each post with its user,
//! and the new rules must hold.

use std::path::{Path, PathBuf};

use conformance::{Backend, TestDb};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::FileBasedMigrations;
use docs_check::repo_root;
use web_db::database_url::DatabaseUrl;

/// The app's migrations and the chapter's, in one folder per backend, as a
/// reader's `shared/migrations` holds them once the chapter is done.
fn migrations_after_the_chapter(backend: &str) -> (PathBuf, FileBasedMigrations) {
    let dir = std::env::temp_dir().join(conformance::db::unique_name("chapter-migrations"));
    for from in [
        repo_root().join("shared/migrations").join(backend),
        repo_root()
            .join("docs/changing-it/migrations")
            .join(backend),
    ] {
        copy_folders(&from, &dir);
    }
    let migrations = FileBasedMigrations::from_path(&dir).expect("the chapter's migrations");
    (dir, migrations)
}

fn copy_folders(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("a migrations folder") {
        let entry = entry.expect("a migration");
        // Only the migrations' folders (the diesel CLI leaves a
        // `.diesel_lock` file beside them).
        if !entry.path().is_dir() {
            continue;
        }
        let target = to.join(entry.file_name());
        std::fs::create_dir_all(&target).expect("create the migration's folder");
        for file in std::fs::read_dir(entry.path()).expect("a migration's files") {
            let file = file.expect("a migration's file");
            std::fs::copy(file.path(), target.join(file.file_name())).expect("copy a file");
        }
    }
}

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    owner: i64,
    #[diesel(sql_type = Text)]
    text: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn rows(db: &TestDb, sql: &str) -> Vec<Row> {
    let mut conn = db.connection();
    diesel::sql_query(sql)
        .load(&mut conn)
        .expect("read the rows")
}

fn count(db: &TestDb, sql: &str) -> i64 {
    let mut conn = db.connection();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .expect("count")
        .n
}

fn the_rebuild_keeps_every_user_and_post(backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return conformance::skipped();
    };
    let folder = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    // Users and posts, made with the app's schema as it is before the chapter.
    let mut seed = String::new();
    for i in 1..=20 {
        seed.push_str(&format!(
            "INSERT INTO users (name, email) VALUES ('user{i}', 'user{i}@example.com');"
        ));
        for n in 1..=3 {
            seed.push_str(&format!(
                "INSERT INTO posts (user_id, title, body) VALUES ({i}, 'post {n} of user {i}', '');"
            ));
        }
    }
    db.connection()
        .batch_execute(&seed)
        .expect("users and posts");
    let users = "SELECT id, id AS owner, name AS text FROM users ORDER BY id";
    let posts = "SELECT id, user_id AS owner, title AS text FROM posts ORDER BY id";
    let (users_before, posts_before) = (rows(&db, users), rows(&db, posts));

    let (dir, migrations) = migrations_after_the_chapter(folder);
    let url = DatabaseUrl::parse(&db.url).expect("the test database's URL");
    // One folder, of the URL's backend; the other set goes unused.
    let applied = web_db::migrate::run_migrations(&url, migrations.clone(), migrations)
        .expect("the chapter's migrations");
    let _ = std::fs::remove_dir_all(dir);
    // The bio column, then the CHECKs.
    assert_eq!(applied, 2);

    assert_eq!(rows(&db, users), users_before, "users changed");
    assert_eq!(rows(&db, posts), posts_before, "posts changed");
    if backend == Backend::Sqlite {
        // Every post's user_id names a user (`foreign_key_check` lists the
        // rows that break a foreign key), and the posts still cascade.
        assert_eq!(
            count(&db, "SELECT count(*) AS n FROM pragma_foreign_key_check"),
            0
        );
    }
    let mut conn = db.connection();
    for (rule, sql) in [
        (
            "an empty name",
            "INSERT INTO users (name, email) VALUES ('', 'x@example.com')",
        ),
        (
            "a name of 51 characters",
            &format!(
                "INSERT INTO users (name, email) VALUES ('{}', 'y@example.com')",
                "n".repeat(51)
            ),
        ),
        (
            "an email of 2 characters",
            "INSERT INTO users (name, email) VALUES ('z', 'a@')",
        ),
    ] {
        assert!(conn.batch_execute(sql).is_err(), "the database took {rule}");
    }
    conn.batch_execute("DELETE FROM users WHERE id = 1")
        .expect("delete a user");
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM posts"),
        posts_before.len() as i64 - 3,
        "a user's posts no longer go with it"
    );
}

#[test]
fn the_rebuild_keeps_every_user_and_post_on_sqlite() {
    the_rebuild_keeps_every_user_and_post(Backend::Sqlite);
}

conformance::postgres_tests! {
    #[test]
    fn the_rebuild_keeps_every_user_and_post_on_postgres() {
        the_rebuild_keeps_every_user_and_post(Backend::Postgres);
    }
}
