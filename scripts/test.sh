#!/usr/bin/env bash
# Runs every test of the workspace: unit, conformance, rule, golden and
# end-to-end tests, the benchmarks once each in test mode, and the doc examples.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
cargo test --workspace --doc
