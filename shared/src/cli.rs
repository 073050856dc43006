//! The command line: the binary takes no argument but `--help`, and reads
//! its settings from the environment. Once it listens it says where.

use std::net::SocketAddr;
use std::process::ExitCode;

use web_db::Settings;
use web_db::startup::{announcement, base_url, environment_help};

/// Where the data is kept when `DATABASE_URL` is not set.
pub const DEFAULT_SQLITE_FILE: &str = "users.db";

/// Reads the arguments of the program `name`: none serves the JSON API;
/// `--help` prints the usage (exit code 0); anything else prints it with an
/// error (exit code 2).
pub fn read_args(name: &str) -> Result<(), ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => Ok(()),
        ["-h" | "--help" | "help"] => {
            println!("{}", usage(name));
            Err(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("error: unexpected arguments {args:?}\n\n{}", usage(name));
            Err(ExitCode::from(2))
        }
    }
}

fn usage(name: &str) -> String {
    format!(
        "usage: {name} [--help]

Serves the JSON API of users and posts on BIND_ADDR (default 127.0.0.1:8080),
after bringing the database's schema up to date.

{}",
        environment_help(DEFAULT_SQLITE_FILE)
    )
}

/// Prints where the server listens, on which database, and a request to try.
pub fn announce(name: &str, addrs: &[SocketAddr], settings: &Settings) {
    let url = base_url(addrs, settings);
    println!(
        "{}\ntry: curl -i -X POST {url}/users -H 'content-type: application/json' \
         -d '{{\"name\":\"admin\",\"email\":\"admin@localhost\"}}'",
        announcement(name, addrs, settings)
    );
}
