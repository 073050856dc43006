//! `cargo run -p sql-abstraction` serves the JSON API; `-- demo` runs the console
//! session. See the crate docs (`lib.rs`) for what the pattern shows.

use std::process::ExitCode;

use shared::startup::{Program, run};
use sql_abstraction::store::Store;

fn main() -> ExitCode {
    run(Program {
        name: "sql-abstraction",
        app: sql_abstraction::app,
        demo: shared::demo::run::<Store>,
    })
}
