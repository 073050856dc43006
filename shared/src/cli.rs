//! The command line: the binary takes no argument but `--help`
//! (`web_db::startup::read_args`), and reads its settings from the
//! environment. Once it listens it says where.

use std::net::SocketAddr;

use web_db::Settings;
use web_db::startup::{announcement, base_url};

/// Where the data is kept when `DATABASE_URL` is not set.
pub const DEFAULT_SQLITE_FILE: &str = "users.db";

/// What `--help` says the program does, above the settings it reads.
pub const ABOUT: &str = "Serves the JSON API of users and posts on BIND_ADDR (default \
                         127.0.0.1:8080),\nafter bringing the database's schema up to date.";

/// Prints where the server listens, on which database, and a request to try.
pub fn announce(name: &str, addrs: &[SocketAddr], settings: &Settings) {
    println!("{}", announcement_with_a_try(name, addrs, settings));
}

/// The lines [`announce`] prints.
pub fn announcement_with_a_try(name: &str, addrs: &[SocketAddr], settings: &Settings) -> String {
    let url = base_url(addrs, settings);
    format!(
        "{}\ntry: curl -i -X POST {url}/users -H 'content-type: application/json' \
         -d '{{\"name\":\"admin\",\"email\":\"admin@localhost\"}}'",
        announcement(name, addrs, settings)
    )
}
