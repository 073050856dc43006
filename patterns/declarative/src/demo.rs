//! `cargo run -p declarative -- demo`: the Flask page's console session.

use shared::demo::Console;
use shared::demo_step;
use shared::listing::UserListing;
use shared::models::NewUser;
use shared::{AppError, DbConnection};

use crate::store;

/// Adds a user and commits, lists the users, finds the first by name.
pub fn run(conn: &mut DbConnection, console: &mut Console) -> Result<(), AppError> {
    let admin = NewUser::new("admin", "admin@localhost");
    let created = demo_step!(
        console,
        "add a user and commit",
        store::create_user(conn, &admin)
    );
    // Run the demo twice and the name is taken: the step above shows the
    // database's refusal, and the session goes on.
    if let Err(error) = created {
        AppError::from(error).conflict_or_err()?;
    }
    demo_step!(
        console,
        "list the users (first page)",
        store::list_users(conn, &UserListing::first_page())
    )?;
    demo_step!(
        console,
        "find the first user named admin",
        store::first_user_named(conn, "admin")
    )?;
    Ok(())
}
