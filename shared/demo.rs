//! The console session of `cargo run -p PATTERN -- demo`: the Flask page's
//! interactive session (add a user and commit, list the users, find the first
//! by name), then a post for that user and the posts read back with their
//! authors (a join), run through the pattern's store and printed step by
//! step, each step with the SQL it sent, as SQLAlchemy's `echo=True` would
//! show it.
//!
//! Compiled into each pattern as its module `demo`, over its own `Store`
//! (as the routes are). It is the book's, not the app's: an app made by
//! `new-app` has neither this module nor the `demo` command.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use serde::Serialize;
use shared::cli::DEFAULT_SQLITE_FILE;
use shared::database::init_db;
use shared::listing::UserListing;
use shared::models::NewUser;
use shared::post_models::NewPost;
use web_db::error::AppError;
use web_db::paging::{Page, id_of};
use web_db::sql_log::{SqlRecording, Statement};
use web_db::startup::{self, Settings};
use web_db::{DbPool, engine};

use crate::store::Store;

/// `cargo run -p NAME -- demo`: the settings, the engine and the schema, as
/// for serving, then the session on standard output.
pub fn main(name: &str) -> ExitCode {
    startup::init_logging();
    startup::exit_code((|| {
        let settings = Settings::from_env(DEFAULT_SQLITE_FILE)?;
        let pool = engine(&settings.database, &settings.pool).map_err(|e| e.to_string())?;
        init_db(&pool)?;
        console(name, &settings, &pool)
    })())
}

/// The session on standard output, under a line naming the pattern and the
/// database.
pub fn console(name: &str, settings: &Settings, pool: &DbPool) -> Result<(), String> {
    println!(
        "The Flask page's console session ({name}).\n\
         database: {}\n\
         It writes to that database: a user named admin, and a post of theirs.\n",
        settings.describe_database()
    );
    run(pool, &mut std::io::stdout().lock()).map_err(|e| format!("the demo failed: {e}"))
}

/// Runs the session with the pattern's store, writing each call, the statements
/// it sent (`sql>` lines) and its result to `out` (standard output for
/// `-- demo`; a buffer for the docs).
///
/// `pool.write_blocking` is `db_session.add(u)` and `db_session.commit()` in one:
/// the write runs in a transaction of its own and is committed before it
/// returns. `pool.read_blocking` runs on a connection that cannot write.
pub fn run(pool: &DbPool, out: &mut dyn Write) -> Result<(), AppError> {
    // Every statement sent to the database from here on, by any connection
    // (on SQLite, writes run on the writer thread's own).
    let sql = SqlRecording::start(pool.url());
    let mut console = Console { out, sql, steps: 0 };

    let store = pool.read_blocking(Store::open).map(Arc::new);
    console.show(
        "open the store (what it reads of the database before the first request)",
        "let store = pool.read_blocking(Store::open)?",
        store.as_ref().err().map(|error| format!("error: {error}")),
    )?;
    let store = store?;

    let admin = NewUser::new("admin", "admin@localhost");
    let writer = Arc::clone(&store);
    let created = pool.write_blocking(move |conn| writer.create_user(conn, &admin));
    console.show(
        "add a user and commit",
        r#"pool.write_blocking(move |conn| store.create_user(conn, &NewUser::new("admin", "admin@localhost")))"#,
        as_json(&created),
    )?;
    // Run the demo twice and the name is taken: the step shows the
    // database's refusal, and the session goes on.
    if let Err(error) = created
        && !matches!(error, AppError::Conflict(_))
    {
        return Err(error);
    }

    let users = pool.read_blocking(|conn| store.list_users(conn, &UserListing::first_page()));
    console.show(
        "list the users (first page)",
        "pool.read_blocking(|conn| store.list_users(conn, &UserListing::first_page()))",
        as_json(&users),
    )?;
    users?;

    let first_admin = UserListing::first_named("admin");
    let first = pool.read_blocking(|conn| store.list_users(conn, &first_admin));
    let first = first.map(|users| users.into_iter().next());
    console.show(
        "find the first user named admin",
        r#"pool.read_blocking(|conn| store.list_users(conn, &UserListing::first_named("admin")))"#,
        as_json(&first),
    )?;
    let Some(admin_id) = first?.and_then(|admin| id_of(&admin)) else {
        return Err(AppError::Internal("the demo's user admin is gone".into()));
    };

    let hello = NewPost::new("Hello", "The first post.");
    let writer = Arc::clone(&store);
    let post = pool.write_blocking(move |conn| writer.create_post(conn, admin_id, &hello));
    console.show(
        "add a post for admin and commit",
        r#"pool.write_blocking(move |conn| store.create_post(conn, admin.id, &NewPost::new("Hello", "The first post.")))"#,
        as_json(&post),
    )?;
    post?;

    let posts = pool.read_blocking(|conn| store.list_posts(conn, &Page::first()));
    console.show(
        "list the posts with their authors (first page)",
        "pool.read_blocking(|conn| store.list_posts(conn, &Page::first()))",
        as_json(&posts),
    )?;
    posts?;
    Ok(())
}

/// Writes numbered steps.
struct Console<'a> {
    out: &'a mut dyn Write,
    sql: SqlRecording,
    steps: usize,
}

impl Console<'_> {
    /// One step: what it does, the call that did it, the statements it sent
    /// and what it gave back, if anything. Opening the store is step 0: the
    /// Flask page's session has no such step, its tables being read as its
    /// modules are imported.
    fn show(&mut self, title: &str, call: &str, result: Option<String>) -> Result<(), AppError> {
        let mut text = format!("{}. {title}\n   >>> {call}\n", self.steps);
        self.steps += 1;
        let sent = self.sql.take();
        if sent.is_empty() {
            text.push_str("   (no SQL)\n");
        }
        for statement in &sent {
            text.push_str(&format!("   sql> {}\n", shown(statement)));
        }
        if let Some(result) = result {
            text.push_str(&format!("   {result}\n"));
        }
        writeln!(self.out, "{text}")
            .map_err(|e| AppError::Internal(format!("cannot write the demo: {e}")))
    }
}

/// A result as JSON, or the error the database gave, in its own words.
fn as_json<T: Serialize>(result: &Result<T, AppError>) -> Option<String> {
    Some(match result.as_ref().map(serde_json::to_string) {
        Ok(Ok(json)) => json,
        Ok(Err(e)) => format!("(cannot show the result as JSON: {e})"),
        Err(error) => format!("error: {error}"),
    })
}

/// A statement as the demo prints it: with the database's refusal, if any.
fn shown(statement: &Statement) -> String {
    match &statement.error {
        Some(error) => format!("{statement} -- failed: {error}"),
        None => statement.to_string(),
    }
}
