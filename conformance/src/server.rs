//! The app served over real TCP inside the test process
//! ([`web_db_test::server`]), with the probe routes, so the fault cases can
//! make a handler stop at a known point while a client or the database
//! misbehaves around it; and the plain HTTP/1.1 client
//! ([`web_db_test::http`]), which can misbehave on purpose (hang up early,
//! send bytes no library would).

use web_db::DbPool;

pub use web_db_test::TestServer;
pub use web_db_test::http::{Reply as HttpReply, exchange, request_bytes, send};
pub use web_db_test::server::AppFactory;

/// Serves `app`, with the probe routes, over `pool` on a free port of
/// 127.0.0.1, from a thread of its own; stopped when dropped.
pub fn serve<F: AppFactory>(app: F, pool: DbPool) -> TestServer {
    TestServer::start(
        move |pool| app(pool).configure(crate::hook::probe_routes),
        pool,
    )
}
