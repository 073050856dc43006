#!/usr/bin/env bash
# `just bench`: builds release binaries and runs the benchmark (bench/src/main.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "installing wrk from Debian's packages"
        apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
        echo "error: wrk is needed: 'sudo apt-get install wrk' (Debian, Ubuntu) or 'brew install wrk' (macOS)" >&2
        exit 1
    fi
fi
cargo build --release --quiet -p bench -p declarative -p manual-mapping -p sql-abstraction
# The peers too (a workspace of their own, bench/peers).
cargo build --release --quiet --manifest-path bench/peers/Cargo.toml --target-dir target/peers
exec target/release/bench
