//! Time each pattern's data access in-process, without HTTP: microseconds per
//! call, on a fresh SQLite database with 1,000 users. Shows what the
//! database layer alone costs, apart from the framework: the store's
//! functions on a connection of their own, then a read and a write as the
//! routes make them, through the pool (`pool.read`) and the SQLite writer
//! thread (`pool.write`).

use std::process::ExitCode;
use std::time::Instant;

use shared::database::init_db;
use shared::listing::UserListing;
use shared::models::NewUser;
use web_db::DbConnection;
use web_db::connection::{Access, connect};
use web_db::database_url::DatabaseUrl;
use web_db::{PoolSettings, engine};

/// The store functions timed here, as every pattern's `Store` has them
/// (inherent methods of the same names and arguments): named once so that
/// one function can time each.
trait TimedStore: Sized + Send + Sync + 'static {
    fn open(conn: &mut DbConnection) -> diesel::QueryResult<Self>;
    fn create_user(&self, conn: &mut DbConnection, user: &NewUser) -> diesel::QueryResult<()>;
    fn find_user(&self, conn: &mut DbConnection, id: i64) -> diesel::QueryResult<()>;
    fn list_users(&self, conn: &mut DbConnection, listing: &UserListing)
    -> diesel::QueryResult<()>;
}

macro_rules! timed_store {
    ($($store:ty),*) => {$(
        impl TimedStore for $store {
            fn open(conn: &mut DbConnection) -> diesel::QueryResult<Self> {
                <$store>::open(conn)
            }
            fn create_user(&self, conn: &mut DbConnection, user: &NewUser) -> diesel::QueryResult<()> {
                <$store>::create_user(self, conn, user).map(drop)
            }
            fn find_user(&self, conn: &mut DbConnection, id: i64) -> diesel::QueryResult<()> {
                <$store>::find_user(self, conn, id).map(drop)
            }
            fn list_users(&self, conn: &mut DbConnection, listing: &UserListing) -> diesel::QueryResult<()> {
                <$store>::list_users(self, conn, listing).map(drop)
            }
        }
    )*};
}

timed_store!(
    declarative::store::Store,
    manual_mapping::store::Store,
    sql_abstraction::store::Store
);

/// Microseconds per call of `call`, run `times` times; the first error stops it.
fn per_call<E: std::fmt::Display>(
    times: u32,
    mut call: impl FnMut(u32) -> Result<(), E>,
) -> Result<f64, String> {
    let start = Instant::now();
    for i in 0..times {
        call(i).map_err(|e| e.to_string())?;
    }
    Ok(start.elapsed().as_secs_f64() * 1e6 / f64::from(times))
}

fn time<S: TimedStore>(pattern: &str) -> Result<(), String> {
    let path = std::env::temp_dir().join(format!("stores-{pattern}-{}.db", std::process::id()));
    let url = DatabaseUrl::Sqlite(path.display().to_string());
    let pool = engine(&url, &PoolSettings::default()).map_err(|e| e.to_string())?;
    init_db(&pool)?;
    let mut conn = connect(&url, Access::ReadWrite).map_err(|e| e.to_string())?;
    let store = std::sync::Arc::new(S::open(&mut conn).map_err(|e| e.to_string())?);
    per_call(1000, |i| {
        store
            .create_user(&mut conn, &NewUser::new(format!("u{i}"), format!("u{i}@x")))
            .map(drop)
    })?;
    let n = 20_000;
    let find = per_call(n, |i| {
        store.find_user(&mut conn, 1 + (i % 1000) as i64).map(drop)
    })?;
    let listing = UserListing::first_page();
    let list = per_call(n / 10, |_| store.list_users(&mut conn, &listing).map(drop))?;
    let create = per_call(n / 10, |i| {
        store
            .create_user(&mut conn, &NewUser::new(format!("n{i}"), format!("n{i}@x")))
            .map(drop)
    })?;
    drop(conn);
    let pooled_find = per_call(n, |i| {
        pool.read_blocking(|conn| store.find_user(conn, 1 + (i % 1000) as i64))
            .map(drop)
    })?;
    let pooled_create = per_call(n / 10, |i| {
        let user = NewUser::new(format!("p{i}"), format!("p{i}@x"));
        let store = std::sync::Arc::clone(&store);
        pool.write_blocking(move |conn| store.create_user(conn, &user))
            .map(drop)
    })?;
    println!(
        "{pattern:<16} find {find:7.1} µs   list(20) {list:7.1} µs   create {create:7.1} µs   \
         pool.read_blocking(find) {pooled_find:6.1} µs   pool.write_blocking(create) {pooled_create:6.1} µs"
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(())
}

fn main() -> ExitCode {
    let outcome = time::<declarative::store::Store>("declarative")
        .and_then(|()| time::<manual_mapping::store::Store>("manual-mapping"))
        .and_then(|()| time::<sql_abstraction::store::Store>("sql-abstraction"));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
