//! `cargo run -p manual-mapping` serves the JSON API; `-- demo` runs the console
//! session. Here the app is put together, in the order of the Flask page:
//! the engine (a pool of connections), the schema, then the app of `lib.rs`
//! (routes and teardown hook) served by actix's `HttpServer`.

use std::process::ExitCode;

use actix_web::HttpServer;
use manual_mapping::store::Store;
use shared::cli::{self, Command, DEFAULT_SQLITE_FILE};
use shared::database::init_db;
use web_db::{DbPool, Settings, engine, startup};

/// The package name, as `cargo run -p NAME` takes it.
const NAME: &str = env!("CARGO_PKG_NAME");

fn main() -> ExitCode {
    let command = match Command::from_args(NAME) {
        Ok(command) => command,
        Err(exit) => return exit, // --help, or arguments it does not know
    };
    startup::init_logging();
    startup::exit_code(run(command))
}

fn run(command: Command) -> Result<(), String> {
    let settings = Settings::from_env(DEFAULT_SQLITE_FILE)?;
    // SQLAlchemy's `create_engine`: a pool of connections.
    let pool = engine(&settings.database, &settings.pool).map_err(|e| e.to_string())?;
    // The Flask page's `init_db()`: the schema, brought up to date.
    init_db(&pool)?;
    match command {
        Command::Demo => shared::demo::console::<Store>(NAME, &settings, &pool),
        Command::Serve => actix_web::rt::System::new().block_on(serve(&settings, pool)),
    }
}

async fn serve(settings: &Settings, pool: DbPool) -> Result<(), String> {
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
