#!/usr/bin/env bash
# Every test: Rust unit and integration tests (moto, cfn-lint, podman, a local registry,
# each started by the tests themselves), then the example apps' pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
scripts/venv.sh
export MYSFITS_TEST_PYTHON="$PWD/.venv/bin/python"
cargo fmt --check
cargo test --quiet 2>&1 | tee /tmp/mysfits-cargo-test.log
.venv/bin/python tests/moto/check_core_stack.py
.venv/bin/python -m pytest tests/python localaws -q
