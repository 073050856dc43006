#!/usr/bin/env bash
# Builds the book into docs/book, installing mdbook from crates.io if it is missing.
set -euo pipefail
cd "$(dirname "$0")"
MDBOOK_VERSION=0.5.4
if ! mdbook --version 2>/dev/null | grep -q "v$MDBOOK_VERSION"; then
    echo "installing mdbook $MDBOOK_VERSION (compiled from crates.io, once: two minutes or so on 2 cores)"
    cargo install mdbook --locked --version "$MDBOOK_VERSION" \
        --no-default-features --features search
fi
mdbook build
echo "the book is in docs/book/index.html"
