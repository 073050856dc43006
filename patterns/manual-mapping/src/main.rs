//! `cargo run -p manual-mapping` serves the JSON API (`-- demo` runs the console
//! session instead). Here the app is put together: the settings, the engine
//! (a pool of connections), the schema brought up to date, then the app of
//! `lib.rs` served by actix's `HttpServer`.

use std::process::ExitCode;

use actix_web::HttpServer;
use manual_mapping::store::Store;
use shared::cli::{self, DEFAULT_SQLITE_FILE};
use shared::database::init_db;
use web_db::{DbPool, Settings, engine, startup};

/// The package name, as `cargo run -p NAME` takes it.
const NAME: &str = env!("CARGO_PKG_NAME");

fn main() -> ExitCode {
    // The book's console session; an app `new-app` makes has no such command.
    if std::env::args().nth(1).is_some_and(|arg| arg == "demo") {
        return manual_mapping::demo::main(NAME);
    }
    if let Err(exit) = startup::read_args(NAME, cli::ABOUT, DEFAULT_SQLITE_FILE) {
        return exit; // --help, or arguments it does not know
    }
    startup::init_logging();
    startup::exit_code(run())
}

fn run() -> Result<(), String> {
    let settings = Settings::from_env(DEFAULT_SQLITE_FILE)?;
    // A pool of connections to the database the settings name.
    let pool = engine(&settings.database, &settings.pool).map_err(|e| e.to_string())?;
    // The schema, brought up to date.
    init_db(&pool)?;
    actix_web::rt::System::new().block_on(serve(&settings, pool))
}

async fn serve(settings: &Settings, pool: DbPool) -> Result<(), String> {
    // The store each worker opens, opened once here first: a database or a
    // setting it cannot work with stops the app before it says it listens.
    pool.read(Store::open)
        .await
        .map_err(|e| format!("cannot open the store: {}", e.cause()))?;
    let app_pool = pool.clone();
    // Each worker thread builds its own app, around a handle on the one pool.
    let server = HttpServer::new(move || manual_mapping::app(app_pool.clone()))
        .workers(settings.workers())
        // Ctrl-C and SIGTERM both finish the requests in flight, then exit.
        .shutdown_signal(startup::stop_requested())
        .bind(&settings.bind_addr)
        .map_err(|e| startup::cannot_listen(&settings.bind_addr, e))?;
    cli::announce(NAME, &server.addrs(), settings);
    server
        .run()
        .await
        .map_err(|e| format!("the server stopped: {e}"))?;
    // Every request is answered; answer the writes still queued, too.
    pool.close();
    Ok(())
}
