//! The command line of every pattern's binary: serve (no argument), the
//! console session (`demo`), or `--help`; and the lines it prints once it
//! listens.

use std::net::SocketAddr;
use std::process::ExitCode;

use web_db::Settings;
use web_db::startup::{announcement, base_url, environment_help};

/// Where the data is kept when `DATABASE_URL` is not set.
pub const DEFAULT_SQLITE_FILE: &str = "users.db";

/// What the command line asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// No argument: serve the JSON API.
    Serve,
    /// `demo`: run the console session and exit.
    Demo,
}

impl Command {
    /// Reads the arguments of the program `name`. `--help` prints the usage
    /// (success); anything unknown prints it with an error (exit code 2).
    pub fn from_args(name: &str) -> Result<Command, ExitCode> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [] => Ok(Command::Serve),
            ["demo"] => Ok(Command::Demo),
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
}

fn usage(name: &str) -> String {
    format!(
        "usage: cargo run -p {name} [-- demo]

  (no argument)  serve the JSON API on BIND_ADDR (default 127.0.0.1:8080)
  demo           run the console session of the Flask page and exit

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
