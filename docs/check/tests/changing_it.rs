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

use std::path::Path;

use docs_check::copy::{Edit, Insertion, Scratch, assert_outcome, columns, read, text, write};
use docs_check::repo_root;

/// Where the chapter's changes are.
const CHANGES: &str = "docs/changing-it";

/// Step 1: the migrations, for both backends, and the table definition.
const NEW_MIGRATIONS: &[(&str, &str)] = &[
    (
        "migrations/sqlite/2026-12-10-000000_add_bio_to_users",
        "shared/migrations/sqlite/2026-12-10-000000_add_bio_to_users",
    ),
    (
        "migrations/postgres/2026-12-10-000000_add_bio_to_users",
        "shared/migrations/postgres/2026-12-10-000000_add_bio_to_users",
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
    find: "    /// Unique, 3 to 120 characters with one `@`.\n    #[schema(schema_with = email_schema)]\n    pub email: String,\n}\n",
    with: "user.rs",
}];

/// Step 2 also gives the bio its rules, beside the name's and the email's,
/// which the field's `schema_with` names.
const MODEL_RULES: &[Insertion] = &[Insertion {
    file: "shared/src/models.rs",
    before: "/// The rules of a name, in the OpenAPI document.\n",
    with: "check_bio.rs",
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
               pub type UserRow = (i64, String, String);\n\
               \n\
               /// A row becomes a `User`.\n\
               pub fn user_from_row((id, name, email): UserRow) -> User {\n\
               \x20   User { id, name, email }\n\
               }\n",
        with: "users_mapping_read.rs",
    },
    Edit {
        file: "patterns/manual-mapping/tests/mapping.rs",
        find: "fn user(id: i64, name: &str, email: &str) -> User {\n\
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
        find: "    /// A new email, if it changes.\n    #[serde(default, deserialize_with = \"present\")]\n    #[schema(schema_with = email_schema, nullable = false)]\n    pub email: Option<String>,\n}\n",
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
        find: "use diesel::sql_types::{BigInt, Nullable, Text, Untyped};\n",
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
               \x20       .bind::<BigInt, _>(id)\n",
        with: "sql_abstraction_update.rs",
    },
];

/// Step 4 also adds a function where nothing is replaced.
const PATCH_INSERTIONS: &[Insertion] = &[Insertion {
    file: "shared/src/models.rs",
    before: "\n#[cfg(test)]\nmod tests {",
    with: "sent.rs",
}];

/// Step 5: a route, registered (which also puts it in the OpenAPI
/// document).
const ROUTE: &[Edit] = &[Edit {
    file: "shared/routes/users.rs",
    find: "        .service(delete_user);\n",
    with: "routes_register.rs",
}];

/// Step 6: the test, a file of its own among the app's tests, which every
/// pattern's `tests/api.rs` compiles in.
const TEST_MODULES: &[Edit] = &[
    Edit {
        file: "patterns/declarative/tests/api.rs",
        find: "#[path = \"../../../shared/api-tests/idempotency.rs\"]\nmod idempotency;\n",
        with: "api_tests_mod.rs",
    },
    Edit {
        file: "patterns/manual-mapping/tests/api.rs",
        find: "#[path = \"../../../shared/api-tests/idempotency.rs\"]\nmod idempotency;\n",
        with: "api_tests_mod.rs",
    },
    Edit {
        file: "patterns/sql-abstraction/tests/api.rs",
        find: "#[path = \"../../../shared/api-tests/idempotency.rs\"]\nmod idempotency;\n",
        with: "api_tests_mod.rs",
    },
];

#[test]
#[cfg_attr(
    not(slow_tests),
    ignore = "builds a changed copy of the workspace: run with RUN_SLOW_TESTS=1 (just test-all)"
)]
fn the_chapter_changing_it_does_what_it_says() {
    let scratch = Scratch::new(
        CHANGES,
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("changing-it"),
    );

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
            &["--version", "2026-12-10-000000", "add_bio_to_users"],
        ]
        .concat();
        if let Some(output) = scratch.diesel(&args) {
            assert_outcome(&output, true, "diesel migration generate");
            generated.push_str(&text(&output.stdout));
        }
    }
    if !generated.is_empty() {
        scratch.assert_shows(&generated, "diesel-generate.txt");
    }
    for (change, to) in NEW_MIGRATIONS {
        scratch.add(change, to);
    }
    scratch.apply(SCHEMA);
    // What `diesel print-schema` prints for the migrated table is the new
    // schema.rs, but for the doc comments, the other name of Text, and the
    // ids: SQLite's are 64-bit, but print-schema calls them `Integer` there,
    // where schema.rs has `BigInt` (as PostgreSQL's are); the chapter says so.
    let printed = read(&repo_root().join(CHANGES).join("print-schema.txt"));
    let printed_columns: Vec<String> = columns(&printed)
        .into_iter()
        .map(|column| match column.as_str() {
            "id -> Integer" | "user_id -> Integer" => column.replace("Integer", "BigInt"),
            _ => column,
        })
        .collect();
    assert_eq!(
        printed_columns,
        columns(&read(&scratch.dir.join("shared/src/schema.rs"))),
        "{CHANGES}/print-schema.txt and the changed schema.rs list different columns"
    );
    let database = format!("sqlite://{}", scratch.dir.join("printed.db").display());
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
    scratch.assert_printed(&build, "declarative-build-error.txt");
    // The other two build, and the manual mapping's test sees the column
    // it does not map.
    let build = scratch.cargo(&["build", "-p", "manual-mapping", "-p", "sql-abstraction"]);
    assert_outcome(&build, true, "cargo build of the other two patterns");
    let mapping = scratch.cargo(&["test", "-p", "manual-mapping", "--test", "mapping"]);
    assert_outcome(&mapping, false, "the manual mapping's test");
    scratch.assert_printed(&mapping, "mapping-test-failure.txt");

    // Step 2: the field on `User`. The declarative pattern builds again;
    // the manual mapping, which builds a `User` by hand, does not.
    scratch.apply(MODEL);
    scratch.insert(MODEL_RULES);
    let build = scratch.cargo(&["build", "-p", "declarative", "-p", "sql-abstraction"]);
    assert_outcome(&build, true, "cargo build -p declarative, with the field");
    let build = scratch.cargo(&["build", "-p", "manual-mapping"]);
    assert_outcome(
        &build,
        false,
        "cargo build -p manual-mapping, with the field",
    );
    scratch.assert_printed(&build, "manual-mapping-build-error.txt");

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
    // finds a user by name. Step 6: tests of our own check both, in each
    // of the three patterns, on SQLite (and PostgreSQL when one is named):
    // the same answers, byte for byte.
    scratch.apply(PATCH);
    scratch.insert(PATCH_INSERTIONS);
    scratch.apply(ROUTE);
    let mut routes = read(&scratch.dir.join("shared/routes/users.rs"));
    routes.push('\n');
    routes.push_str(&read(&repo_root().join(CHANGES).join("routes_handler.rs")));
    write(&scratch.dir.join("shared/routes/users.rs"), &routes);
    scratch.add("tests/bio.rs", "shared/api-tests/bio.rs");
    scratch.apply(TEST_MODULES);
    for pattern in ["declarative", "manual-mapping", "sql-abstraction"] {
        let test = scratch.cargo(&["test", "-p", pattern, "--test", "api", "bio"]);
        assert_outcome(
            &test,
            true,
            &format!("cargo test -p {pattern} --test api bio"),
        );
        scratch.assert_printed(&test, "bio-test-output.txt");
        // With a server named, they pass on it too.
        scratch.assert_pass_on_postgres(&test, "tests/api.rs", "bio");
    }

    // The whole workspace is green with the change: every test of every
    // pattern, the contract's, the hook's, the mapping's, the reflection's
    // and the one that compares the three patterns' answers byte for byte.
    // (The chapter says `--exclude docs-check`: the copy has no docs-check.)
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
