//! `cargo run -p declarative` serves the JSON API; `-- demo` runs the console
//! session. See the crate docs (`lib.rs`) for what the pattern shows.

use std::process::ExitCode;

use declarative::store::Store;
use shared::startup::{Program, run};

fn main() -> ExitCode {
    run(Program {
        name: "declarative",
        app: declarative::app,
        demo: shared::demo::run::<Store>,
    })
}
