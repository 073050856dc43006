//! The chapter "A second resource, step by step"
//! (`docs/src/a-second-resource.md`), done for real on a copy of the
//! workspace: comments on posts, from the migrations to tests of their own,
//! each step's commands run and their outputs compared with what the
//! chapter shows, and an app made from the changed workspace by `new-app`
//! built and tested with them. The changes are the files of
//! `docs/a-second-resource/`.
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

/// Step 2: the model, beside posts'.
const MODEL_USE: &[Edit] = &[Edit {
    file: "shared/src/post_models.rs",
    find: "use crate::schema::posts;\n",
    with: "post_models_use.rs",
}];

const MODEL: &[Insertion] = &[Insertion {
    file: "shared/src/post_models.rs",
    before: "#[cfg(test)]\n",
    with: "comment_models.rs",
}];

/// Step 3: the routes, beside posts'.
const ROUTE_EDITS: &[Edit] = &[
    Edit {
        file: "shared/routes/posts.rs",
        find: "use shared::post_models::{NewPost, Post, PostWithAuthor, post_not_found};\n",
        with: "routes_use.rs",
    },
    Edit {
        file: "shared/routes/posts.rs",
        find: "        .service(create_post);\n",
        with: "routes_register.rs",
    },
];

const ROUTES: &[Insertion] = &[Insertion {
    file: "shared/routes/posts.rs",
    before: "/// Writes a post for a user.\n",
    with: "comment_routes.rs",
}];

/// Where each pattern's store of posts is, and what its functions go
/// before: the last function of its `impl Store`.
const LAST_STORE_FUNCTION: &str =
    "    /// Inserts a user, then its first posts: a write across two tables. It\n";

/// Step 4: each pattern's data access of comments.
const STORES: &[Insertion] = &[
    Insertion {
        file: "patterns/declarative/src/posts.rs",
        before: LAST_STORE_FUNCTION,
        with: "declarative_comments.rs",
    },
    Insertion {
        file: "patterns/manual-mapping/src/posts_mapping.rs",
        before: "/// The columns a post is read from, as a type.\n",
        with: "manual_mapping_mapping.rs",
    },
    Insertion {
        file: "patterns/manual-mapping/src/posts.rs",
        before: LAST_STORE_FUNCTION,
        with: "manual_mapping_comments.rs",
    },
    Insertion {
        file: "patterns/sql-abstraction/src/posts.rs",
        before: LAST_STORE_FUNCTION,
        with: "sql_abstraction_comments.rs",
    },
];

const STORE_IMPORTS: &[Edit] = &[
    Edit {
        file: "patterns/declarative/src/posts.rs",
        find: "use shared::post_models::{EMBEDDED_POSTS, NewPost, Post, PostWithAuthor, UserWithPosts, coalesce};\n\
               use shared::schema::{posts, users};\n",
        with: "declarative_use.rs",
    },
    Edit {
        file: "patterns/manual-mapping/src/posts_mapping.rs",
        find: "use shared::post_models::{NewPost, Post, PostWithAuthor, UserWithPosts};\n\
               use shared::schema::posts;\n",
        with: "manual_mapping_mapping_use.rs",
    },
    Edit {
        file: "patterns/manual-mapping/src/posts.rs",
        find: "use shared::post_models::{EMBEDDED_POSTS, NewPost, Post, PostWithAuthor, UserWithPosts, coalesce};\n\
               use shared::schema::{posts, users};\n",
        with: "manual_mapping_use.rs",
    },
    Edit {
        file: "patterns/manual-mapping/src/posts.rs",
        find: "use crate::posts_mapping::{\n    POST_COLUMNS, POST_WITH_AUTHOR_COLUMNS, PostRow, PostWithAuthorRow, insert_values,\n    post_from_row, post_row, post_with_author_from_row, users_with_posts,\n};\n",
        with: "manual_mapping_use_mapping.rs",
    },
    Edit {
        file: "patterns/sql-abstraction/src/posts.rs",
        find: "use shared::post_models::{EMBEDDED_POSTS, NewPost, keep_embedded_posts};\n",
        with: "sql_abstraction_use.rs",
    },
];

/// Step 6: the tests, a file of their own among the app's tests.
const TEST_FILE: (&str, &str) = ("tests/comments.rs", "shared/api-tests/comments.rs");

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

/// The whole files the steps copy, in order: what the chapter's table of
/// files must list.
fn whole_files() -> Vec<(&'static str, &'static str)> {
    NEW_MIGRATIONS.iter().chain([&TEST_FILE]).copied().collect()
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

/// Lines of code of Rust text: not blank, not comments.
fn lines_of_code(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .count()
}

/// What comments cost an app made from the declarative pattern: the Rust
/// the steps add to the files it holds (an edit counts what it adds over
/// what it replaces), at most 150 lines in at most four files. The tests
/// are not counted: they are step 6's, and a file of their own.
#[test]
fn comments_cost_the_declarative_app_at_most_150_lines_in_four_files() {
    let change = |with: &str| read(&repo_root().join(CHANGES).join(with));
    let mut files = Vec::new();
    let mut lines = 0;
    let declarative = |file: &str| file.starts_with("shared/") || file.contains("/declarative/");
    for edit in [TABLE, MODEL, ROUTES, STORES].into_iter().flatten() {
        if declarative(edit.file) {
            lines += lines_of_code(&change(edit.with));
            files.push(edit.file);
        }
    }
    for edit in [JOINABLE, MODEL_USE, ROUTE_EDITS, STORE_IMPORTS]
        .into_iter()
        .flatten()
    {
        if declarative(edit.file) {
            lines += lines_of_code(&change(edit.with)).saturating_sub(lines_of_code(edit.find));
            files.push(edit.file);
        }
    }
    files.sort();
    files.dedup();
    assert!(lines <= 150, "comments cost {lines} lines of Rust");
    assert!(files.len() <= 4, "comments touch {files:?}");
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

    // Step 2: the model, beside posts'; `shared` builds.
    scratch.apply(MODEL_USE);
    scratch.insert(MODEL);
    let build = scratch.cargo(&["build", "-p", "shared"]);
    assert_outcome(&build, true, "cargo build -p shared, with the model");

    // Step 3: the routes, whose stores cannot serve them yet: the compiler
    // says which function is missing.
    scratch.apply(ROUTE_EDITS);
    scratch.insert(ROUTES);
    let build = scratch.cargo(&["build", "-p", "declarative"]);
    assert_outcome(
        &build,
        false,
        "cargo build -p declarative, before its store",
    );
    scratch.assert_printed(&build, "no-such-method.txt");

    // Step 4: each pattern's store; all three build.
    scratch.insert(STORES);
    scratch.apply(STORE_IMPORTS);
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

    // Step 5: the OpenAPI document has the routes already, as the test that
    // compares it with the routes actix registered says.
    let described = scratch.cargo(&[
        "test",
        "-p",
        "declarative",
        "--test",
        "conformance",
        "--",
        "every_route",
    ]);
    assert_outcome(&described, true, "the document's test, with comments");

    // Step 6: tests of their own, in the three patterns.
    scratch.add(TEST_FILE.0, TEST_FILE.1);
    scratch.apply(TEST_MODULES);
    let test = scratch.cargo(&["test", "-p", "declarative", "--test", "api", "comments"]);
    assert_outcome(&test, true, "cargo test -p declarative --test api comments");
    scratch.assert_printed(&test, "comments-test-output.txt");
    scratch.assert_pass_on_postgres(&test, "tests/api.rs", "comments");

    // A crate added as the chapter shows: cargo reuses the workspace's
    // entry, under the crate's [dev-dependencies].
    let add = scratch.cargo(&["add", "-p", "declarative", "--dev", "serde_urlencoded"]);
    assert_outcome(
        &add,
        true,
        "cargo add -p declarative --dev serde_urlencoded",
    );
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

    // An app made from the changed workspace has comments, and their tests.
    let app = scratch.dir.with_extension("app");
    let _ = std::fs::remove_dir_all(&app);
    let app_arg = app.to_str().expect("a UTF-8 temporary path");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let made = scratch.run_in(
        &scratch.dir,
        &cargo,
        &[
            "run",
            "-q",
            "-p",
            "new-app",
            "--",
            "declarative",
            app_arg,
            "--name",
            "commented",
        ],
    );
    assert_outcome(&made, true, "new-app declarative, with comments");
    let app_test = scratch.run_in(&app, &cargo, &["test"]);
    assert_outcome(&app_test, true, "cargo test in the app made with comments");
    let stdout = String::from_utf8_lossy(&app_test.stdout);
    assert!(
        stdout.contains(
            "comments::comments_are_written_listed_read_and_deleted_with_their_post ... ok"
        ),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&app);
}
