//! What the peers share: the JSON of a user, and how they start (the
//! settings the benchmark passes, and the line it waits for).

use serde::{Deserialize, Serialize};

/// A user, as the patterns answer it.
#[derive(Serialize)]
pub struct User {
    /// Assigned by the database.
    pub id: i64,
    /// Unique.
    pub name: String,
    /// Unique.
    pub email: String,
}

/// The body of `POST /users`.
#[derive(Deserialize)]
pub struct NewUser {
    /// The new user's name.
    pub name: String,
    /// The new user's email.
    pub email: String,
}

/// What the benchmark passes: the database, the address, the pool size.
pub struct Settings {
    /// `DATABASE_URL`: a `postgres://` URL, or `sqlite://` and a file.
    pub database_url: String,
    /// `BIND_ADDR`, `127.0.0.1:0` for any free port.
    pub bind_addr: String,
    /// `POOL_SIZE`: the patterns' pool size, so both sides hold as many
    /// connections.
    pub pool_size: usize,
    /// `SQLITE_SYNCHRONOUS`: `full` (the default, as the patterns') or
    /// `normal`.
    pub sqlite_synchronous: String,
}

impl Settings {
    /// Reads the settings from the environment.
    pub fn from_env() -> Result<Settings, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        Ok(Settings {
            database_url: var("DATABASE_URL")?,
            bind_addr: var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:0".to_owned()),
            pool_size: var("POOL_SIZE")
                .ok()
                .and_then(|size| size.parse().ok())
                .unwrap_or(10),
            sqlite_synchronous: var("SQLITE_SYNCHRONOUS").unwrap_or_else(|_| "full".to_owned()),
        })
    }

    /// The SQLite file `DATABASE_URL` names.
    pub fn sqlite_path(&self) -> Result<String, String> {
        let path = self.database_url.strip_prefix("sqlite://");
        path.map(str::to_owned)
            .ok_or_else(|| format!("not a sqlite:// URL: {}", self.database_url))
    }
}

/// The line the benchmark waits for, as the patterns print it.
pub fn say_listening(address: std::net::SocketAddr) {
    println!("listening on http://{address}");
}

/// The two statements of the peers that write their SQL by hand
/// (tokio-postgres, sqlx, rusqlite: SQLite reads `$1` as the first
/// parameter too); the diesel-async peer builds its own with diesel's query
/// builder, as the patterns do.
pub const SELECT_USER: &str = "SELECT id, name, email FROM users WHERE id = $1";
/// `POST /users`, autocommitted, or inside `BEGIN … COMMIT` on `/tx/users`.
pub const INSERT_USER: &str =
    "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id, name, email";
