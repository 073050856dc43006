//! `cargo run -p manual-mapping` serves the JSON API; `-- demo` runs the console
//! session. See the crate docs (`lib.rs`) for what the pattern shows.

use std::process::ExitCode;

use manual_mapping::store::Store;
use shared::startup::{Program, run};

fn main() -> ExitCode {
    run(Program {
        name: "manual-mapping",
        app: manual_mapping::app,
        demo: shared::demo::run::<Store>,
    })
}
