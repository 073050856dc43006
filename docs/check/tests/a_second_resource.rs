//! The chapter "A second resource, step by step"
//! (`docs/src/a-second-resource.md`), done for real on a copy of the
//! workspace: comments on posts, from the migrations to a test of their
//! own, each step's commands run and their outputs compared with what the
//! chapter shows. The changes are the files of `docs/a-second-resource/`.
//!
//! Like the test of "Changing it", it builds a copy of the workspace in a
//! target folder of its own, for minutes, so `cargo test` lists it as
//! ignored unless `RUN_SLOW_TESTS=1` was set when it was built.

use std::path::Path;

use docs_check::copy::{Edit, Insertion, Scratch, assert_outcome, read};
use docs_check::repo_root;

/// Where the chapter's changes are.
const CHANGES: &str = "docs/a-second-resource";

/// Step 1: the migrations, for both backends, and the table's definition.
const NEW_MIGRATIONS: &[(&str, &str)] = &[
    (
        "migrations/sqlite/2026-12-12-000000_create_comments",
        "shared/migrations/sqlite/2026-12-12-000000_create_comments",
    ),
    (
        "migrations/postgres/2026-12-12-000000_create_comments",
        "shared/migrations/postgres/2026-12-12-000000_create_comments",
    ),
];

const TABLE: &[Insertion] = &[Insertion {
    file: "shared/src/schema.rs",
    before: "diesel::table! {\n    /// The saved answers of writes",
    with: "schema_comments.rs",
}];

const JOINABLE: &[Edit] = &[Edit {
    file: "shared/src/schema.rs",
    find: "diesel::joinable!(posts -> users (user_id));\n\
           diesel::allow_tables_to_appear_in_same_query!(idempotency_keys, posts, users);\n",
    with: "schema_joinable.rs",
}];

/// Step 2: the model, the store's trait and the routes, in `shared`.
const SHARED_FILES: &[(&str, &str)] = &[
    ("comment_models.rs", "shared/src/comment_models.rs"),
    ("comment_store.rs", "shared/src/comment_store.rs"),
    ("comment_routes.rs", "shared/src/comment_routes.rs"),
];

const SHARED_EDITS: &[Edit] = &[Edit {
    file: "shared/src/lib.rs",
    find: "pub mod connection;\n",
    with: "lib_modules.rs",
}];

const SHARED_INSERTIONS: &[Insertion] = &[
    Insertion {
        file: "shared/src/lib.rs",
        before: "//! - [`startup`], [`demo`], [`database_url`]",
        with: "lib_doc.rs",
    },
    Insertion {
        file: "shared/src/error.rs",
        before: "    /// The whole cause, for the server's own log",
        with: "post_gone.rs",
    },
];

/// Step 3: each pattern's app registers the routes.
const REGISTER: &[Edit] = &[
    Edit {
        file: "patterns/declarative/src/lib.rs",
        find: "        .configure(shared::routes::routes::<store::Store>)\n",
        with: "app_configure.rs",
    },
    Edit {
        file: "patterns/manual-mapping/src/lib.rs",
        find: "        .configure(shared::routes::routes::<store::Store>)\n",
        with: "app_configure.rs",
    },
    Edit {
        file: "patterns/sql-abstraction/src/lib.rs",
        find: "        .configure(shared::routes::routes::<store::Store>)\n",
        with: "app_configure.rs",
    },
];

/// Step 4: each pattern's data access of comments.
const STORES: &[(&str, &str)] = &[
    (
        "declarative_comments.rs",
        "patterns/declarative/src/comments.rs",
    ),
    (
        "manual_mapping_comments.rs",
        "patterns/manual-mapping/src/comments.rs",
    ),
    (
        "sql_abstraction_comments.rs",
        "patterns/sql-abstraction/src/comments.rs",
    ),
];

const STORE_MODULES: &[Edit] = &[
    Edit {
        file: "patterns/declarative/src/lib.rs",
        find: "pub mod posts;\n",
        with: "mod_comments.rs",
    },
    Edit {
        file: "patterns/manual-mapping/src/lib.rs",
        find: "pub mod posts;\n",
        with: "mod_comments.rs",
    },
    Edit {
        file: "patterns/sql-abstraction/src/lib.rs",
        find: "pub mod json_rows;\n",
        with: "mod_comments_sql.rs",
    },
];

/// Step 5: the routes in the OpenAPI document.
const OPENAPI: &[Edit] = &[
    Edit {
        file: "shared/src/openapi.rs",
        find: "use crate::error::ErrorBody;\n",
        with: "openapi_use_models.rs",
    },
    Edit {
        file: "shared/src/openapi.rs",
        find: "use crate::{post_routes, routes};\n",
        with: "openapi_use_routes.rs",
    },
    Edit {
        file: "shared/src/openapi.rs",
        find: "        post_routes::delete_post\n    ),\n",
        with: "openapi_paths.rs",
    },
    Edit {
        file: "shared/src/openapi.rs",
        find: "        PostWithAuthor,\n        ErrorBody\n",
        with: "openapi_schemas.rs",
    },
];

/// Step 6: the test, a file of its own.
const TEST_FILE: (&str, &str) = ("tests/comments.rs", "conformance/tests/comments.rs");

/// The whole files the steps copy, in order: what the chapter's table of
/// files must list.
fn whole_files() -> Vec<(&'static str, &'static str)> {
    NEW_MIGRATIONS
        .iter()
        .chain(SHARED_FILES)
        .chain(STORES)
        .chain([&TEST_FILE])
        .copied()
        .collect()
}

/// The chapter's table of files names every whole file its steps copy, where
/// they copy it, in order, and nothing else: a reader copies from it.
#[test]
fn the_table_of_files_is_what_the_steps_copy() {
    let chapter = read(&repo_root().join("docs/src/a-second-resource.md"));
    let section = chapter
        .split("\n## The files\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a section \"The files\"");
    let rows: Vec<&str> = section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .collect();
    let copied = whole_files();
    assert_eq!(rows.len(), copied.len(), "the table:\n{section}");
    for (row, (change, to)) in rows.iter().zip(copied) {
        assert!(
            row.starts_with(&format!("| `{change}` | `{to}` |")),
            "the table says {row}; the step copies {change} to {to}"
        );
    }
}

#[test]
#[cfg_attr(
    not(slow_tests),
    ignore = "builds a changed copy of the workspace: run with RUN_SLOW_TESTS=1 (just test-all)"
)]
fn the_chapter_a_second_resource_does_what_it_says() {
    let scratch = Scratch::new(
        CHANGES,
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("a-second-resource"),
    );

    // Step 1: the table. Nothing uses it yet, and everything builds.
    for (change, to) in NEW_MIGRATIONS {
        scratch.add(change, to);
    }
    scratch.insert(TABLE);
    scratch.apply(JOINABLE);
    let build = scratch.cargo(&["build", "-p", "shared"]);
    assert_outcome(&build, true, "cargo build -p shared, with the table");

    // Step 2: the model, the trait, the routes; `shared` builds.
    for (change, to) in SHARED_FILES {
        scratch.add(change, to);
    }
    scratch.apply(SHARED_EDITS);
    scratch.insert(SHARED_INSERTIONS);
    let build = scratch.cargo(&["build", "-p", "shared"]);
    assert_outcome(
        &build,
        true,
        "cargo build -p shared, with the model and routes",
    );

    // Step 3: the apps register the routes, whose stores cannot serve them
    // yet: the compiler says which trait is missing.
    scratch.apply(REGISTER);
    let build = scratch.cargo(&["build", "-p", "declarative"]);
    assert_outcome(
        &build,
        false,
        "cargo build -p declarative, before its store",
    );
    scratch.assert_printed(&build, "trait-not-implemented.txt");

    // Step 4: each pattern's store implements it; all three build.
    for (change, to) in STORES {
        scratch.add(change, to);
    }
    scratch.apply(STORE_MODULES);
    let build = scratch.cargo(&[
        "build",
        "-p",
        "declarative",
        "-p",
        "manual-mapping",
        "-p",
        "sql-abstraction",
    ]);
    assert_outcome(&build, true, "cargo build of the three patterns");

    // Step 5: the suite notices the routes missing from the OpenAPI
    // document; once they are in it, it passes.
    let check = [
        "test",
        "-p",
        "declarative",
        "--test",
        "conformance",
        "--",
        "every_route",
    ];
    let missing = scratch.cargo(&check);
    assert_outcome(
        &missing,
        false,
        "the document's test, before the routes are in it",
    );
    scratch.assert_printed(&missing, "openapi-missing.txt");
    scratch.apply(OPENAPI);
    let described = scratch.cargo(&check);
    assert_outcome(
        &described,
        true,
        "the document's test, with the routes in it",
    );

    // Step 6: a test of its own, in the three patterns.
    scratch.add(TEST_FILE.0, TEST_FILE.1);
    let test = scratch.cargo(&["test", "-p", "conformance", "--test", "comments"]);
    assert_outcome(&test, true, "cargo test -p conformance --test comments");
    scratch.assert_printed(&test, "comments-test-output.txt");
    scratch.assert_passes_on_postgres(
        &test,
        "tests/comments.rs",
        "comments_are_written_listed_and_deleted_with_their_post_on_postgres",
    );

    // A crate added as the chapter shows: cargo reuses the workspace's
    // entry, under the crate's [dev-dependencies].
    let add = scratch.cargo(&["add", "-p", "declarative", "--dev", "serde_json"]);
    assert_outcome(&add, true, "cargo add -p declarative --dev serde_json");
    scratch.assert_printed(&add, "cargo-add-output.txt");
    let manifest = read(&scratch.dir.join("patterns/declarative/Cargo.toml"));
    let dev_dependencies = manifest
        .split("[dev-dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [dev-dependencies] table");
    let line = read(&repo_root().join(CHANGES).join("cargo-add-line.toml"));
    assert!(
        dev_dependencies.lines().any(|l| l == line.trim_end()),
        "the chapter shows {line} under [dev-dependencies]; cargo wrote:\n{manifest}"
    );

    // Every test of the changed workspace passes, and it is formatted.
    // (The chapter says `--exclude docs-check`: the copy has no docs-check.)
    let everything = scratch.cargo(&["test", "--workspace"]);
    assert_outcome(&everything, true, "cargo test --workspace with comments");
    let fmt = scratch.cargo(&["fmt", "--all", "--check"]);
    assert_outcome(&fmt, true, "cargo fmt --all --check with comments");
}
