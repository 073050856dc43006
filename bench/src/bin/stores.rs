//! Time each pattern's data access in-process, without HTTP: microseconds per
//! call, on a fresh SQLite database with 1,000 users. Shows what the
//! database layer alone costs, apart from the framework.

use std::time::Instant;

use shared::database::{PoolSettings, engine, init_db};
use shared::database_url::DatabaseUrl;
use shared::listing::UserListing;
use shared::models::NewUser;
use shared::store::UserStore;

fn time<S: UserStore>(pattern: &str) {
    let path = std::env::temp_dir().join(format!("stores-{pattern}-{}.db", std::process::id()));
    let url = DatabaseUrl::Sqlite(path.display().to_string());
    let pool = engine(&url, &PoolSettings::default()).expect("a database");
    init_db(&pool).expect("migrations");
    let mut conn = pool.get().expect("a connection");
    for i in 1..=1000 {
        S::create_user(&mut conn, &NewUser::new(format!("u{i}"), format!("u{i}@x"))).expect("seed");
    }
    let n = 20_000;
    let start = Instant::now();
    for i in 0..n {
        S::find_user(&mut conn, 1 + i % 1000).expect("find");
    }
    let find = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    let listing = UserListing::first_page();
    let start = Instant::now();
    for _ in 0..n / 10 {
        S::list_users(&mut conn, &listing).expect("list");
    }
    let list = start.elapsed().as_secs_f64() * 1e6 / f64::from(n / 10);
    let start = Instant::now();
    for i in 0..n / 10 {
        S::create_user(&mut conn, &NewUser::new(format!("n{i}"), format!("n{i}@x")))
            .expect("create");
    }
    let create = start.elapsed().as_secs_f64() * 1e6 / f64::from(n / 10);
    let start = Instant::now();
    for _ in 0..n {
        let _ = pool.get().expect("checkout");
    }
    let checkout = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!(
        "{pattern:<16} find {find:7.1} µs   list(20) {list:7.1} µs   create {create:7.1} µs   pool checkout {checkout:5.1} µs"
    );
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn main() {
    time::<declarative::store::Store>("declarative");
    time::<manual_mapping::store::Store>("manual-mapping");
    time::<sql_abstraction::store::Store>("sql-abstraction");
}
