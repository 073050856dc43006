//! The console session of `cargo run -p PATTERN -- demo`: the Flask page's
//! interactive session (add a user and commit, list the users, find the first
//! by name), run through the pattern's store and printed step by step.

use std::io::Write;

use serde::Serialize;

use crate::database::DbPool;
use crate::error::AppError;
use crate::listing::UserListing;
use crate::models::NewUser;
use crate::startup::Settings;
use crate::user_store::UserStore;

/// `cargo run -p NAME -- demo`: the session on standard output, under a
/// line naming the pattern and the database.
pub fn console<S: UserStore>(name: &str, settings: &Settings, pool: &DbPool) -> Result<(), String> {
    println!(
        "The Flask page's console session ({name}).\ndatabase: {}\n",
        settings.describe_database()
    );
    run::<S>(pool, &mut std::io::stdout().lock()).map_err(|e| format!("the demo failed: {e}"))
}

/// Runs the session with the store `S`, writing each call and its result to
/// `out` (standard output for `-- demo`; a buffer for the docs).
///
/// `pool.write` is `db_session.add(u)` and `db_session.commit()` in one:
/// the write runs in a transaction of its own and is committed before it
/// returns. `pool.read` runs on a connection that cannot write.
pub fn run<S: UserStore>(pool: &DbPool, out: &mut dyn Write) -> Result<(), AppError> {
    let mut console = Console { out, steps: 0 };

    let admin = NewUser::new("admin", "admin@localhost");
    let created = pool.write(move |conn| S::create_user(conn, &admin));
    console.show(
        "add a user and commit",
        r#"pool.write(|conn| Store::create_user(conn, &NewUser::new("admin", "admin@localhost")))"#,
        &created,
    )?;
    // Run the demo twice and the name is taken: the step shows the
    // database's refusal, and the session goes on.
    if let Err(error) = created {
        error.conflict_or_err()?;
    }

    let users = pool.read(|conn| S::list_users(conn, &UserListing::first_page()));
    console.show(
        "list the users (first page)",
        "pool.read(|conn| Store::list_users(conn, &UserListing::first_page()))",
        &users,
    )?;
    users?;

    let first = pool.read(|conn| S::first_user_named(conn, "admin"));
    console.show(
        "find the first user named admin",
        r#"pool.read(|conn| Store::first_user_named(conn, "admin"))"#,
        &first,
    )?;
    first?;
    Ok(())
}

/// Writes numbered steps.
struct Console<'a> {
    out: &'a mut dyn Write,
    steps: usize,
}

impl Console<'_> {
    /// One step: what it does, the call that did it, and the result as JSON
    /// (or the error the database gave, in its own words).
    fn show<T: Serialize>(
        &mut self,
        title: &str,
        call: &str,
        result: &Result<T, AppError>,
    ) -> Result<(), AppError> {
        self.steps += 1;
        let outcome = match result.as_ref().map(serde_json::to_string) {
            Ok(Ok(json)) => json,
            Ok(Err(e)) => format!("(cannot show the result as JSON: {e})"),
            Err(error) => format!("error: {error}"),
        };
        writeln!(
            self.out,
            "{}. {title}\n   >>> {call}\n   {outcome}\n",
            self.steps
        )
        .map_err(|e| AppError::Internal(format!("cannot write the demo: {e}")))
    }
}
