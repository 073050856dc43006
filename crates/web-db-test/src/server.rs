//! The app served over real TCP inside the test process, on a free port,
//! from a thread of its own.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer};
use web_db::DbPool;
use web_db::http::AppService;

/// The function that builds the app around a pool: the app's own
/// `app(pool)`, as `main` calls it for each worker.
pub trait AppFactory: Fn(DbPool) -> App<Self::Service> + Send + Clone + 'static {
    /// The service the app turns into.
    type Service: AppService;
}

impl<F, T> AppFactory for F
where
    F: Fn(DbPool) -> App<T> + Send + Clone + 'static,
    T: AppService,
{
    type Service = T;
}

/// The app served over TCP on a free port of 127.0.0.1; stopped when
/// dropped.
pub struct TestServer {
    /// `host:port` it listens on.
    pub addr: String,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Serves `app` over `pool` from a thread of its own.
    pub fn start<F: AppFactory>(app: F, pool: DbPool) -> TestServer {
        let (started_tx, started_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || app(pool.clone()))
                    .workers(2)
                    // The test process's own Ctrl-C must stay with the test runner.
                    .disable_signals()
                    .bind("127.0.0.1:0")
                    .expect("bind a free port on 127.0.0.1");
                let addr = server.addrs()[0].to_string();
                let server = server.run();
                let _ = started_tx.send((addr, server.handle()));
                let _ = server.await;
            });
        });
        let (addr, handle) = started_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the in-process server started within 10 s");
        TestServer {
            addr,
            handle,
            thread: Some(thread),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // The stop command is sent at once; the future only reports when
        // it is done, which joining the thread waits for anyway.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
