//! Several instances of the app on one database, as behind a load balancer.
//! They may start at the same moment on a database nobody has migrated yet,
//! then serve it together. They share nothing but the database, so the
//! database alone decides which instance applies the migrations and which
//! of two creates of one name wins.
//!
//! Each case takes a list of binaries, so that a test can mix patterns
//! (`conformance/tests/mixed_instances.rs` does); the suite runs one
//! pattern's binary several times. Every case prints its counts on standard
//! error (`--nocapture` shows them).

use std::sync::Barrier;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::cli::{self, Server};
use crate::db::{Backend, EmptyDb, TEST_POOL, TestDb};
use crate::faults::{Tally, created_id, unique_user, user_json};
use crate::server::{HttpReply, send};

/// What every instance gets besides its database: the migration log at
/// info, so that a start-up that waits for another instance shows it, and a
/// small pool, as a deployment would size it: on PostgreSQL every instance
/// may open `DB_POOL_SIZE` connections, and all of them together must fit
/// the server's `max_connections`.
const INSTANCE_ENV: &[(&str, &str)] =
    &[("RUST_LOG", "warn,migrations=info"), ("DB_POOL_SIZE", "4")];
/// The `DB_POOL_SIZE` of [`INSTANCE_ENV`].
const INSTANCE_POOL_SIZE: i64 = 4;

/// How many instances start at the same moment on a fresh database.
pub const STARTED_TOGETHER: usize = 4;
/// How many instances share a database under load, or race for a name.
pub const SHARING: usize = 3;
/// How long the instances sharing a database are kept busy.
const LOAD_FOR: Duration = Duration::from_secs(3);
/// Client threads per instance under load, and racers per instance.
const CLIENTS_PER_INSTANCE: usize = 3;
const RACERS_PER_INSTANCE: usize = 4;
/// How many names the racers fight over, one after another.
const RACES: usize = 5;

/// [`started_together_all_serve`] with four instances of one binary.
pub fn instances_started_together_on_a_fresh_database_all_serve(binary: &str, backend: Backend) {
    started_together_all_serve(&[binary; STARTED_TOGETHER], backend);
}

/// [`sharing_a_database_under_load_loses_nothing`] with three instances of one binary.
pub fn instances_sharing_a_database_under_load_lose_nothing(binary: &str, backend: Backend) {
    sharing_a_database_under_load_loses_nothing(&[binary; SHARING], backend);
}

/// [`racing_creates_of_one_name_have_one_winner`] over three instances of one binary.
pub fn racing_creates_across_instances_have_one_winner(binary: &str, backend: Backend) {
    racing_creates_of_one_name_have_one_winner(&[binary; SHARING], backend);
}

/// One instance of each binary starts at the same moment on a database that
/// nothing has migrated yet. Every one comes up and answers a read and a
/// create; exactly one of them applied the migrations (the others waited for
/// it, or found nothing left to do); every one stops cleanly.
pub fn started_together_all_serve(binaries: &[&str], backend: Backend) {
    let Some(empty) = EmptyDb::on(backend) else {
        return crate::skipped();
    };
    let (mut serving, mut failed) = (Vec::new(), Vec::new());
    for start in start_together(binaries, &empty.url) {
        match start {
            Ok(server) => serving.push(server),
            Err(failure) => failed.push(failure),
        }
    }

    let mut tally = Tally::default();
    for server in &serving {
        tally.add(&request(&server.addr, "GET", "/users", None));
        let body = user_json(&unique_user("started-"));
        tally.add(&request(&server.addr, "POST", "/users", Some(&body)));
    }
    let (mut applied, mut waited, mut unclean_exits) = (0, 0, Vec::new());
    for server in &mut serving {
        server.signal("TERM");
        let status = server.wait_for_exit(Duration::from_secs(20));
        let output = server.output();
        // The log lines of `migrate`, whatever the number of migrations.
        applied += usize::from(output.contains("migrations] applied "));
        waited += usize::from(output.contains("migrations] waiting for another instance"));
        if !status.success() {
            unclean_exits.push(format!("{status}: {output}"));
        }
    }
    let rows = empty.open().count_users();
    eprintln!(
        "instances started together [{} {backend:?}]: {} launched, {} serving, {} failed; \
         migrations applied by {applied}, {waited} waited for it; {tally}; rows: {rows}",
        names(binaries),
        binaries.len(),
        serving.len(),
        failed.len(),
    );
    assert!(
        failed.is_empty(),
        "{} of {} instances did not start:\n{}",
        failed.len(),
        binaries.len(),
        failed.join("\n---\n")
    );
    assert_eq!(
        tally.count(200) + tally.count(201),
        tally.total(),
        "every instance answers: {tally}"
    );
    assert_eq!(rows, tally.count(201) as i64, "one row per 201");
    assert_eq!(applied, 1, "exactly one instance applies the migrations");
    assert!(unclean_exits.is_empty(), "{unclean_exits:#?}");
}

/// One instance of each binary on one database, with clients creating
/// users through one instance, renaming them through the next and reading
/// them back through the one after: what one instance commits, the others
/// see at once. No answer is a 5xx or missing, every answer is the expected
/// one, and the table holds exactly one row per 201.
pub fn sharing_a_database_under_load_loses_nothing(binaries: &[&str], backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let servers = all_started(start_together(binaries, &db.url));
    let addrs: Vec<&str> = servers.iter().map(|s| s.addr.as_str()).collect();
    let clients = CLIENTS_PER_INSTANCE * servers.len();
    let begun = Instant::now();
    let (outcomes, peak_connections) = std::thread::scope(|scope| {
        // On PostgreSQL, the most connections the server had open for the
        // instances at once (0 on SQLite).
        let peak = scope.spawn(|| {
            let mut peak = 0;
            while begun.elapsed() < LOAD_FOR {
                peak = peak.max(db.server_connections());
                std::thread::sleep(Duration::from_millis(100));
            }
            peak
        });
        let threads: Vec<_> = (0..clients)
            .map(|client| {
                let addrs = &addrs;
                scope.spawn(move || {
                    let mut answers = Answers::default();
                    let mut round = client;
                    while begun.elapsed() < LOAD_FOR {
                        let first = round;
                        let at = |hop: usize| addrs[(first + hop) % addrs.len()];
                        round += 1;
                        let body = user_json(&unique_user("shared-"));
                        let create = request(at(0), "POST", "/users", Some(&body));
                        let Some(created) = answers.expect("create", create, 201) else {
                            continue;
                        };
                        let path = format!("/users/{}", created_id(&created));
                        let new_name = unique_user("renamed-");
                        let rename = json!({ "name": new_name }).to_string();
                        let renamed = request(at(1), "PATCH", &path, Some(&rename));
                        answers.expect("rename", renamed, 200);
                        let read = request(at(2), "GET", &path, None);
                        if let Some(read) = answers.expect("read", read, 200)
                            && read.json()["name"] != new_name.as_str()
                        {
                            answers
                                .unexpected
                                .push(format!("a stale read: {}", read.text()));
                        }
                        let list = request(at(1), "GET", "/users?per_page=20", None);
                        answers.expect("list", list, 200);
                    }
                    answers
                })
            })
            .collect();
        let outcomes: Vec<Answers> = threads
            .into_iter()
            .map(|t| t.join().expect("a client thread"))
            .collect();
        (outcomes, peak.join().expect("the connection counter"))
    });
    let mut tally = Tally::default();
    let mut unexpected = Vec::new();
    for answers in outcomes {
        tally.merge(&answers.tally);
        unexpected.extend(answers.unexpected);
    }
    let rows = db.count_users();
    eprintln!(
        "instances sharing a database [{} {backend:?}]: {} instances, {clients} clients for \
         {LOAD_FOR:?}: {tally}; 5xx: {}, unexpected: {}; rows: {rows}, 201s: {}{}",
        names(binaries),
        servers.len(),
        tally.server_errors(),
        unexpected.len(),
        tally.count(201),
        if backend == Backend::Postgres {
            format!(
                "; server connections at most {peak_connections} (pools of \
                 {INSTANCE_POOL_SIZE} and a watchdog's per instance, and the test's own of {})",
                TEST_POOL.max_size
            )
        } else {
            String::new()
        }
    );
    assert_eq!(tally.server_errors(), 0, "{tally}: {unexpected:?}");
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert_eq!(rows, tally.count(201) as i64, "rows lost or left over");
    // Each pool keeps to its size, with one more for its watchdog, and the
    // admin connection counting them is one more.
    let allowed =
        servers.len() as i64 * (INSTANCE_POOL_SIZE + 1) + i64::from(TEST_POOL.max_size) + 1;
    assert!(
        peak_connections <= allowed,
        "{peak_connections} server connections, more than the pools allow ({allowed})"
    );
}

/// Clients spread over one instance of each binary all create a user of the
/// same name at the same moment, over several rounds: in each round exactly
/// one gets a 201 and every other a 409, whichever instance it asked.
pub fn racing_creates_of_one_name_have_one_winner(binaries: &[&str], backend: Backend) {
    let Some(db) = TestDb::on(backend) else {
        return crate::skipped();
    };
    let servers = all_started(start_together(binaries, &db.url));
    let racers = RACERS_PER_INSTANCE * servers.len();
    let mut tally = Tally::default();
    let mut rounds_with_one_winner = 0;
    for _ in 0..RACES {
        let name = unique_user("contested-");
        let barrier = Barrier::new(racers);
        let replies: Vec<Result<HttpReply, String>> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..racers)
                .map(|racer| {
                    let (servers, barrier, name) = (&servers, &barrier, &name);
                    scope.spawn(move || {
                        let addr = &servers[racer % servers.len()].addr;
                        let body =
                            json!({ "name": name, "email": format!("{name}.{racer}@example.com") });
                        barrier.wait();
                        request(addr, "POST", "/users", Some(&body.to_string()))
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().expect("a racer thread"))
                .collect()
        });
        let mut round = Tally::default();
        replies.iter().for_each(|reply| round.add(reply));
        if round.count(201) == 1 && round.count(409) == racers - 1 {
            rounds_with_one_winner += 1;
        }
        tally.merge(&round);
    }
    let rows = db.count_users();
    eprintln!(
        "racing creates of one name [{} {backend:?}]: {} instances, {RACES} rounds of {racers} \
         racers: {tally}; rounds with exactly one 201: {rounds_with_one_winner}; rows: {rows}",
        names(binaries),
        servers.len(),
    );
    assert_eq!(rounds_with_one_winner, RACES, "{tally}");
    assert_eq!(rows, RACES as i64);
}

/// What one client saw: every answer by status, and each one that was not
/// the expected answer.
#[derive(Default)]
struct Answers {
    tally: Tally,
    unexpected: Vec<String>,
}

impl Answers {
    /// Counts `reply`, and returns it if it has the status `want`.
    fn expect(
        &mut self,
        what: &str,
        reply: Result<HttpReply, String>,
        want: u16,
    ) -> Option<HttpReply> {
        self.tally.add(&reply);
        match reply {
            Ok(reply) if reply.status == want => Some(reply),
            other => {
                self.unexpected.push(format!("{what}: {other:?}"));
                None
            }
        }
    }
}

/// Starts one instance of each binary, released at the same moment, and
/// returns how each start-up went.
pub fn start_together(binaries: &[&str], database_url: &str) -> Vec<Result<Server, String>> {
    let barrier = Barrier::new(binaries.len());
    std::thread::scope(|scope| {
        let starts: Vec<_> = binaries
            .iter()
            .map(|binary| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    cli::try_start_with(binary, database_url, INSTANCE_ENV)
                })
            })
            .collect();
        starts
            .into_iter()
            .map(|start| start.join().expect("a start-up thread"))
            .collect()
    })
}

/// The servers, failing the test if any did not start.
fn all_started(starts: Vec<Result<Server, String>>) -> Vec<Server> {
    starts
        .into_iter()
        .map(|start| start.unwrap_or_else(|failure| panic!("an instance did not start: {failure}")))
        .collect()
}

/// One request; no complete reply is an `Err` with the cause.
fn request(addr: &str, method: &str, path: &str, json: Option<&str>) -> Result<HttpReply, String> {
    send(addr, method, path, json).map_err(|e| e.to_string())
}

/// The binaries by file name, for the printed counts: `declarative×3`, or
/// `declarative+manual-mapping+sql-abstraction`.
fn names(binaries: &[&str]) -> String {
    let name = |binary: &&str| {
        std::path::Path::new(binary)
            .file_name()
            .map_or_else(|| binary.to_string(), |n| n.to_string_lossy().into_owned())
    };
    let mut distinct: Vec<String> = binaries.iter().map(name).collect();
    distinct.dedup();
    match distinct.as_slice() {
        [one] => format!("{one}×{}", binaries.len()),
        _ => distinct.join("+"),
    }
}
