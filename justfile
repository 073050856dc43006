# Convenience recipes. Every one is a plain cargo command underneath: see README.md.

# The PostgreSQL server the PostgreSQL tests use.
postgres_url := env_var_or_default("TEST_DATABASE_URL", "postgres://root@127.0.0.1:5432/test")

# List the recipes
default:
    @just --list

# Serve a pattern's JSON API on 127.0.0.1:8080 (declarative, manual-mapping, sql-abstraction)
run pattern="declarative":
    cargo run -p {{pattern}}

# Serve a pattern on a fresh SQLite database of its own, tour.db, as the book's tours start
tour pattern="declarative":
    rm -f tour.db tour.db-shm tour.db-wal tour.db-migrations.lock
    DATABASE_URL=tour.db cargo run -p {{pattern}}

# Serve a pattern on a fresh PostgreSQL schema of its own, tour (dropped and made again; needs psql)
tour-postgres pattern="declarative":
    psql {{postgres_url}} -c 'DROP SCHEMA IF EXISTS tour CASCADE' -c 'CREATE SCHEMA tour'
    DATABASE_URL='{{postgres_url}}?options=-csearch_path%3Dtour' cargo run -p {{pattern}}

# Run a pattern's console session (the Flask page's interactive example)
demo pattern="declarative":
    cargo run -p {{pattern}} -- demo

# Run every test on SQLite (the PostgreSQL cases are reported as ignored unless TEST_DATABASE_URL is set)
test:
    cargo test --workspace

# Run every test on SQLite and on PostgreSQL, the slow end-to-end ones too (a changed copy of the workspace, generated apps)
test-all:
    RUN_SLOW_TESTS=1 TEST_DATABASE_URL={{postgres_url}} cargo test --workspace

# Start your own app from a pattern, outside this repo: just new-app declarative ../my-service [--name NAME] (--help lists the patterns)
[no-cd]
[positional-arguments]
new-app *args:
    @cargo run -q -p new-app -- "$@"

# Run the hostile-input tests with many more generated requests (both backends)
soak cases="5000":
    PROPTEST_CASES={{cases}} TEST_DATABASE_URL={{postgres_url}} cargo test --workspace -- hostile --nocapture

# Restart the PostgreSQL server for real while each pattern is under load (disturbs anything else using that server)
outage-drill restart_command="pg_ctlcluster 15 main restart":
    PG_RESTART_COMMAND="{{restart_command}}" TEST_DATABASE_URL={{postgres_url}} cargo test --workspace -- a_real_postgres_restart --nocapture --test-threads=1

# Fuzz every pattern from its own OpenAPI document with schemathesis (installs it in target/; more examples: just fuzz-api 1000)
fuzz-api examples="100" seed="1":
    SCHEMATHESIS_EXAMPLES={{examples}} SCHEMATHESIS_SEED={{seed}} TEST_DATABASE_URL={{postgres_url}} bash .ci/schemathesis

# Build the book into docs/book (installs mdbook if missing)
docs:
    bash docs/build.sh

# Rewrite the outputs the book shows (demo runs, curl answers) from the real programs
docs-output:
    cargo run -q -p docs-check --bin regenerate-docs-output

# Formatting, lints and docs, as CI checks them
lint:
    cargo fmt --all --check
    rustfmt --edition 2024 --check bench/peers/src/lib.rs bench/peers/src/bin/*.rs
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# Benchmark every pattern against a no-database ceiling with wrk (BENCH_SECONDS=10; DATABASE_URL=postgres://… adds PostgreSQL)
bench:
    bash bench/run.sh

# Everything CI runs
ci:
    bash .ci/run
