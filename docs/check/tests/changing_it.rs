//! The chapter "Changing it" (`docs/src/changing-it.md`), done for real on a
//! copy of the workspace, so that what it says a change does stays true.
//!
//! Every change the chapter shows is a file of `docs/changing-it/`: new files
//! are copied in, and each edit replaces a piece of an existing file, which
//! must still be there (if a source file changes so that it is not, this test
//! fails and names it: update the chapter with it). After each step the test
//! runs the cargo commands the chapter runs and checks that they succeed or
//! fail as it says, with the error lines it shows.
//!
//! The copy is built in a target folder of its own (see `Scratch::cargo`):
//! every dependency once, then the copy's crates again at each step. That
//! takes minutes, so `cargo test` lists this test as ignored unless
//! `RUN_SLOW_TESTS=1` was set when it was built: `just test-all`, and CI,
//! set it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where the chapter's changes are.
const CHANGES: &str = "docs/changing-it";

/// What the copy of the workspace holds: enough to build and test the
/// patterns.
const COPIED: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    ".cargo",
    "clippy.toml",
    "diesel.toml",
    "shared",
    "conformance",
    "patterns",
];

/// The copy's workspace members: the patterns and what they need.
const MEMBERS: &str = r#"members = ["shared", "conformance", "patterns/*"]"#;

/// An edit: in `file`, the text `find` is replaced by the file `with` of
/// `docs/changing-it`.
struct Edit {
    file: &'static str,
    find: &'static str,
    with: &'static str,
}

/// Step 1: the migrations, for both backends, and the table definition.
const NEW_MIGRATIONS: &[(&str, &str)] = &[
    (
        "migrations/sqlite/2026-12-01-000000_add_bio_to_users",
        "shared/migrations/sqlite/2026-12-01-000000_add_bio_to_users",
    ),
    (
        "migrations/postgres/2026-12-01-000000_add_bio_to_users",
        "shared/migrations/postgres/2026-12-01-000000_add_bio_to_users",
    ),
];

const SCHEMA: &[Edit] = &[Edit {
    file: "shared/src/schema.rs",
    find: "        email -> Varchar,\n",
    with: "schema.rs",
}];

/// Step 2: the field on the model.
const MODEL: &[Edit] = &[Edit {
    file: "shared/src/models.rs",
    find: "    /// Unique, 3 to 120 characters with one `@`.\n    #[schema(\n        min_length = 3,\n        max_length = 120,\n        pattern = r\"^[^@\\u0000]+@[^@\\u0000]+$\"\n    )]\n    pub email: String,\n}\n",
    with: "user.rs",
}];

/// Step 3: the manual mapping maps the column, and its test's expected
/// `User` has the field.
const MANUAL_MAPPING: &[Edit] = &[
    Edit {
        file: "patterns/manual-mapping/src/users_mapping.rs",
        find: "/// The columns a user is read from, as a type (a join names it too).\n\
               pub type UserColumns = (users::id, users::name, users::email);\n\
               \n\
               /// The columns a user is read from, in the order of [`UserRow`].\n\
               pub const USER_COLUMNS: UserColumns = (users::id, users::name, users::email);\n\
               \n\
               /// The names of [`USER_COLUMNS`], for the test that compares them with the\n\
               /// table the migrations really made.\n\
               pub const USER_COLUMN_NAMES: [&str; 3] = [\"id\", \"name\", \"email\"];\n\
               \n\
               /// One row of [`USER_COLUMNS`], as the database returns it.\n\
               pub type UserRow = (i32, String, String);\n\
               \n\
               /// A row becomes a `User`.\n\
               pub fn user_from_row((id, name, email): UserRow) -> User {\n\
               \x20   User { id, name, email }\n\
               }\n",
        with: "users_mapping_read.rs",
    },
    Edit {
        file: "patterns/manual-mapping/tests/mapping.rs",
        find: "fn user(id: i32, name: &str, email: &str) -> User {\n\
               \x20   User {\n\
               \x20       id,\n\
               \x20       name: name.into(),\n\
               \x20       email: email.into(),\n\
               \x20   }\n\
               }\n",
        with: "mapping_test_user.rs",
    },
];

/// Step 4: a PATCH may set or clear it, within its rules, in every pattern.
const PATCH: &[Edit] = &[
    Edit {
        file: "shared/src/models.rs",
        find: "    /// A new email, if it changes.\n    #[serde(default, deserialize_with = \"present\")]\n    #[schema(\n        nullable = false,\n        min_length = 3,\n        max_length = 120,\n        pattern = r\"^[^@\\u0000]+@[^@\\u0000]+$\"\n    )]\n    pub email: Option<String>,\n}\n",
        with: "user_changes.rs",
    },
    Edit {
        file: "shared/src/models.rs",
        find: "        self.name.is_none() && self.email.is_none()\n",
        with: "is_empty.rs",
    },
    Edit {
        file: "shared/src/models.rs",
        find: "        if let Some(email) = &self.email {\n            check_email(email)?;\n        }\n",
        with: "validate.rs",
    },
    Edit {
        file: "patterns/manual-mapping/src/users_mapping.rs",
        find: "/// The SET of an UPDATE: `None` leaves that column out.\n\
               pub type UpdateAssignments<'a> = (\n\
               \x20   Option<Eq<users::name, &'a str>>,\n\
               \x20   Option<Eq<users::email, &'a str>>,\n\
               );\n",
        with: "users_mapping_update.rs",
    },
    Edit {
        file: "patterns/manual-mapping/src/users_mapping.rs",
        find: "pub fn update_assignments(changes: &UserChanges) -> UpdateAssignments<'_> {\n\
               \x20   (\n\
               \x20       changes.name.as_deref().map(|name| users::name.eq(name)),\n\
               \x20       changes.email.as_deref().map(|email| users::email.eq(email)),\n\
               \x20   )\n\
               }\n",
        with: "update_assignments.rs",
    },
    Edit {
        file: "patterns/sql-abstraction/src/store.rs",
        find: "use diesel::sql_types::{Integer, Nullable, Text};\n",
        with: "sql_abstraction_use.rs",
    },
    Edit {
        file: "patterns/sql-abstraction/src/store.rs",
        find: "        // One statement for every combination of fields: a NULL parameter\n\
               \x20       // keeps the column as it is. No SQL is assembled from the request.\n\
               \x20       let columns = self.users.column_list();\n\
               \x20       let row: Option<NamedRow> = diesel::sql_query(format!(\n\
               \x20           \"UPDATE users SET name = COALESCE($1, name), email = COALESCE($2, email) \\\n\
               \x20            WHERE id = $3 RETURNING {columns}\"\n\
               \x20       ))\n\
               \x20       .bind::<Nullable<Text>, _>(&changes.name)\n\
               \x20       .bind::<Nullable<Text>, _>(&changes.email)\n\
               \x20       .bind::<Integer, _>(id)\n",
        with: "sql_abstraction_update.rs",
    },
];

/// Step 4 also adds two functions where nothing is replaced.
const PATCH_INSERTIONS: &[Insertion] = &[
    Insertion {
        file: "shared/src/models.rs",
        before: "\n#[cfg(test)]\nmod tests {",
        with: "sent.rs",
    },
    Insertion {
        file: "shared/src/models.rs",
        before: "/// PostgreSQL text cannot hold a NUL character; refuse it on every backend.\n",
        with: "check_bio.rs",
    },
];

/// Step 5: a route, registered and in the OpenAPI document.
const ROUTE: &[Edit] = &[
    Edit {
        file: "shared/src/routes.rs",
        find: "            .delete(delete_user::<S>),\n    );\n}\n",
        with: "routes_register.rs",
    },
    Edit {
        file: "shared/src/openapi.rs",
        find: "        routes::delete_user,\n",
        with: "openapi_paths.rs",
    },
];

/// An insertion: in `file`, the file `with` of `docs/changing-it` goes just
/// before the text `before`, which must be there once.
struct Insertion {
    file: &'static str,
    before: &'static str,
    with: &'static str,
}

fn repo_root() -> PathBuf {
    docs_check::repo_root()
}

/// A copy of the workspace in the temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("changing-it-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for name in COPIED {
            copy_tree(&repo_root().join(name), &dir.join(name));
        }
        let manifest = dir.join("Cargo.toml");
        let text = read(&manifest);
        let members = text
            .lines()
            .find(|line| line.starts_with("members = "))
            .expect("the workspace's members line");
        write(&manifest, &text.replace(members, MEMBERS));
        Scratch(dir)
    }

    /// Applies `edits`: each must find its text exactly once.
    fn apply(&self, edits: &[Edit]) {
        for edit in edits {
            let path = self.0.join(edit.file);
            let text = read(&path);
            assert_eq!(
                text.matches(edit.find).count(),
                1,
                "{} no longer holds, once, the text that {CHANGES}/{} replaces:\n{}\n\
                 update the change and the chapter with it",
                edit.file,
                edit.with,
                edit.find
            );
            let replacement = read(&repo_root().join(CHANGES).join(edit.with));
            write(&path, &text.replacen(edit.find, &replacement, 1));
        }
    }

    /// Makes `insertions`: each must find its place exactly once.
    fn insert(&self, insertions: &[Insertion]) {
        for insertion in insertions {
            let path = self.0.join(insertion.file);
            let text = read(&path);
            assert_eq!(
                text.matches(insertion.before).count(),
                1,
                "{} no longer holds, once, the text that {CHANGES}/{} goes before:\n{}\n\
                 update the change and the chapter with it",
                insertion.file,
                insertion.with,
                insertion.before
            );
            let added = read(&repo_root().join(CHANGES).join(insertion.with));
            write(
                &path,
                &text.replacen(insertion.before, &format!("{added}{}", insertion.before), 1),
            );
        }
    }

    /// Copies a file or folder of `docs/changing-it` into the copy.
    fn add(&self, change: &str, to: &str) {
        copy_tree(&repo_root().join(CHANGES).join(change), &self.0.join(to));
    }

    /// Runs the diesel CLI in the copy; `None` when it is not installed.
    fn diesel(&self, args: &[&str]) -> Option<Output> {
        Command::new("diesel")
            .args(args)
            .current_dir(&self.0)
            .output()
            .ok()
    }

    /// Runs cargo in the copy, as the chapter does, with no PostgreSQL
    /// server named: the outputs the chapter shows are those a reader sees
    /// without one (the PostgreSQL case is run apart, below).
    fn cargo(&self, args: &[&str]) -> Output {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        Command::new(cargo)
            .args(args)
            .current_dir(&self.0)
            // A target folder of its own: cargo names the artifacts of a
            // workspace's crates after their path *within* the workspace,
            // so the copy's `shared`, `declarative`… have the very names of
            // the workspace's, and built into its folder would replace them
            // under the tests still to run.
            .env(
                "CARGO_TARGET_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("changing-it"),
            )
            .env_remove("CARGO_BUILD_BUILD_DIR")
            .env_remove("RUSTFLAGS")
            .env_remove("TEST_DATABASE_URL")
            .env_remove("DATABASE_URL")
            .output()
            .expect("run cargo")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Copies a file or a folder, leaving out build output and databases.
fn copy_tree(from: &Path, to: &Path) {
    if from.is_file() {
        fs::create_dir_all(to.parent().expect("a folder")).expect("create a folder");
        fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        return;
    }
    fs::create_dir_all(to).expect("create a folder");
    let entries =
        fs::read_dir(from).unwrap_or_else(|e| panic!("read the folder {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("a folder entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "target" || name.ends_with(".db") || name.contains(".db-") {
            continue;
        }
        copy_tree(&entry.path(), &to.join(name));
    }
}

/// The columns of a `table!` definition: each `name -> Type` line, with
/// diesel's other name for `Text` made plain.
fn columns(table: &str) -> Vec<String> {
    table
        .lines()
        .map(str::trim)
        .filter(|line| line.contains(" -> "))
        .map(|line| line.trim_end_matches(',').replace("Varchar", "Text"))
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks that a command succeeded, or failed, as the chapter says.
fn assert_outcome(output: &Output, succeeds: bool, what: &str) {
    assert_eq!(
        output.status.success(),
        succeeds,
        "{what}: expected it to {}\n{}\n{}",
        if succeeds { "succeed" } else { "fail" },
        text(&output.stderr),
        text(&output.stdout)
    );
    // What succeeds must not warn either: a reader's build stays clean.
    if succeeds {
        let stderr = text(&output.stderr);
        assert!(
            !stderr.lines().any(|line| line.starts_with("warning")),
            "{what} warned:\n{stderr}"
        );
    }
}

/// Checks that `printed` holds every line of the excerpt the chapter shows
/// (`docs/changing-it/NAME`), in order, each line whole; a line `...` in the
/// excerpt stands for lines left out.
fn assert_shows(printed: &str, excerpt: &str) {
    let shown = read(&repo_root().join(CHANGES).join(excerpt));
    let mut lines = printed.lines().map(str::trim_end);
    // A test run's time is the one thing that changes from run to run.
    let timeless = |line: &str| -> String {
        line.split("; finished in ")
            .next()
            .unwrap_or(line)
            .to_owned()
    };
    for wanted in shown
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && *l != "...")
    {
        assert!(
            lines.any(|line| timeless(line) == timeless(wanted)),
            "the chapter shows, from {CHANGES}/{excerpt}:\n{wanted}\nbut cargo printed:\n{printed}"
        );
    }
}

/// Checks what a command printed, both streams (cargo prints its build on
/// stderr and a test run on stdout), against the excerpt the chapter shows;
/// on a failure, both are there to read.
fn assert_printed(output: &Output, excerpt: &str) {
    let printed = format!("{}\n{}", text(&output.stderr), text(&output.stdout));
    assert_shows(&printed, excerpt);
}

#[test]
#[cfg_attr(
    not(slow_tests),
    ignore = "builds a changed copy of the workspace: run with RUN_SLOW_TESTS=1 (just test-all)"
)]
fn the_chapter_changing_it_does_what_it_says() {
    let scratch = Scratch::new();

    // Step 1: a column. With the diesel CLI installed, the migrations'
    // folders are made by it, as the chapter shows (without it, the test
    // makes them, as a reader without the CLI does).
    let generate = [
        vec!["migration", "generate"],
        vec![
            "migration",
            "generate",
            "--migration-dir",
            "shared/migrations/postgres",
        ],
    ];
    let mut generated = String::new();
    for args in generate {
        let args = [
            &args[..],
            &["--version", "2026-12-01-000000", "add_bio_to_users"],
        ]
        .concat();
        if let Some(output) = scratch.diesel(&args) {
            assert_outcome(&output, true, "diesel migration generate");
            generated.push_str(&text(&output.stdout));
        }
    }
    if !generated.is_empty() {
        assert_shows(&generated, "diesel-generate.txt");
    }
    for (change, to) in NEW_MIGRATIONS {
        scratch.add(change, to);
    }
    scratch.apply(SCHEMA);
    // What `diesel print-schema` prints for the migrated table is the new
    // schema.rs, but for the doc comments and the other name of Text.
    let printed = read(&repo_root().join(CHANGES).join("print-schema.txt"));
    assert_eq!(
        columns(&printed),
        columns(&read(&scratch.0.join("shared/src/schema.rs"))),
        "{CHANGES}/print-schema.txt and the changed schema.rs list different columns"
    );
    let database = format!("sqlite://{}", scratch.0.join("printed.db").display());
    if let Some(run) = scratch.diesel(&["migration", "run", "--database-url", &database]) {
        assert_outcome(&run, true, "diesel migration run");
        let print = scratch
            .diesel(&["print-schema", "--database-url", &database])
            .expect("the diesel CLI, which just ran");
        assert_outcome(&print, true, "diesel print-schema");
        assert_eq!(text(&print.stdout).trim_end(), printed.trim_end());
    }

    // The declarative pattern no longer builds: its writes return whole
    // rows, and `User` has no field for the new column.
    let build = scratch.cargo(&["build", "-p", "declarative"]);
    assert_outcome(&build, false, "cargo build -p declarative, with the column");
    assert_printed(&build, "declarative-build-error.txt");
    // The other two build, and the manual mapping's test sees the column
    // it does not map.
    let build = scratch.cargo(&["build", "-p", "manual-mapping", "-p", "sql-abstraction"]);
    assert_outcome(&build, true, "cargo build of the other two patterns");
    let mapping = scratch.cargo(&["test", "-p", "manual-mapping", "--test", "mapping"]);
    assert_outcome(&mapping, false, "the manual mapping's test");
    assert_printed(&mapping, "mapping-test-failure.txt");

    // Step 2: the field on `User`. The declarative pattern builds again;
    // the manual mapping, which builds a `User` by hand, does not.
    scratch.apply(MODEL);
    let build = scratch.cargo(&["build", "-p", "declarative", "-p", "sql-abstraction"]);
    assert_outcome(&build, true, "cargo build -p declarative, with the field");
    let build = scratch.cargo(&["build", "-p", "manual-mapping"]);
    assert_outcome(
        &build,
        false,
        "cargo build -p manual-mapping, with the field",
    );
    assert_printed(&build, "manual-mapping-build-error.txt");

    // Step 3: the manual mapping maps the column; it builds, and its test
    // passes.
    scratch.apply(MANUAL_MAPPING);
    let mapping = scratch.cargo(&["test", "-p", "manual-mapping", "--test", "mapping"]);
    assert_outcome(
        &mapping,
        true,
        "the manual mapping's test, with the column mapped",
    );

    // Step 4: a PATCH sets or clears it, in every pattern. Step 5: a route
    // finds a user by name. Then a test of our own checks both in the three
    // patterns, on SQLite (and PostgreSQL when one is named).
    scratch.apply(PATCH);
    scratch.insert(PATCH_INSERTIONS);
    scratch.apply(ROUTE);
    let mut routes = read(&scratch.0.join("shared/src/routes.rs"));
    routes.push_str(&read(&repo_root().join(CHANGES).join("routes_handler.rs")));
    write(&scratch.0.join("shared/src/routes.rs"), &routes);
    scratch.add("tests/bio.rs", "conformance/tests/bio.rs");
    let test = scratch.cargo(&["test", "-p", "conformance", "--test", "bio"]);
    assert_outcome(&test, true, "cargo test -p conformance --test bio");
    assert_printed(&test, "bio-test-output.txt");
    // With a server named, its PostgreSQL case passes too: run by the test
    // program just built (`--ignored`, as no server was named when it was),
    // so that nothing is built twice.
    if let Some(url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
    {
        let stderr = text(&test.stderr);
        let program = stderr
            .lines()
            .find(|line| line.contains("Running tests/bio.rs"))
            .and_then(|line| line.rsplit_once('(')?.1.strip_suffix(')'))
            .expect("cargo names the test program it runs");
        let postgres = Command::new(scratch.0.join(program))
            .args([
                "--ignored",
                "--exact",
                "a_bio_is_set_found_and_cleared_alike_in_every_pattern_on_postgres",
            ])
            .env("TEST_DATABASE_URL", url)
            .output()
            .expect("run the test program");
        assert_outcome(&postgres, true, "the bio test on PostgreSQL");
        assert!(
            text(&postgres.stdout).contains("1 passed"),
            "{}",
            text(&postgres.stdout)
        );
    }

    // The whole workspace is green with the change: every test of every
    // pattern, the contract's, the hook's, the mapping's, the reflection's
    // and the one that compares the three patterns' answers byte for byte.
    let everything = scratch.cargo(&["test", "--workspace"]);
    assert_outcome(
        &everything,
        true,
        "cargo test --workspace on the changed workspace",
    );

    // Every change is written as rustfmt writes it.
    let fmt = scratch.cargo(&["fmt", "--all", "--check"]);
    assert_outcome(
        &fmt,
        true,
        "cargo fmt --all --check on the changed workspace",
    );
}
