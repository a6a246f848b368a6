#!/usr/bin/env bash
# Every test: Rust unit and integration tests (moto, cfn-lint, podman, a local registry,
# each started by the tests themselves), then the pytest suites.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
scripts/venv.sh
export MYSFITS_TEST_PYTHON="$PWD/.venv/bin/python"
cargo fmt --check
cargo test --quiet 2>&1 | tee /tmp/mysfits-cargo-test.log
# The moto patches, checked with the binary `cargo test` just built; then the example
# apps and the local engine.
MYSFITS_BIN="${CARGO_TARGET_DIR:-target}/debug/mysfits" \
  .venv/bin/python -m pytest tests/moto tests/python localaws -q
