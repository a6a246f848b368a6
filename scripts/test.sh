#!/usr/bin/env bash
# Every test: Rust unit and integration tests (moto, cfn-lint, podman, a local registry,
# each started by the tests themselves) and, side by side with them, the pytest suites.
#
# Most tests wait (on health checks, rollouts, containers, servers), not compute, so the
# Rust tests run more at a time than there are cores (MYSFITS_TEST_THREADS, default 6);
# every test starts its own moto or engine, so none shares state with another.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
scripts/system-deps.sh
scripts/venv.sh
export MYSFITS_TEST_PYTHON="$PWD/.venv/bin/python"
cargo fmt --check
cargo test --workspace --quiet --no-run
logs=$(mktemp -d "${TMPDIR:-/tmp}/mysfits-test.XXXXXX")
# The moto patches, checked with the binary `cargo test` just built; the example apps;
# the "production" setup the attach tests start from (tests/foreign); the local engine.
MYSFITS_BIN="${CARGO_TARGET_DIR:-target}/debug/mysfits" \
  .venv/bin/python -m pytest tests/moto tests/python tests/foreign localaws -q -p no:cacheprovider \
  >"$logs/pytest.log" 2>&1 &
pytest_pid=$!
trap 'kill $pytest_pid 2>/dev/null || true' EXIT
rust=0
cargo test --workspace --quiet -- --test-threads="${MYSFITS_TEST_THREADS:-6}" 2>&1 | tee "$logs/cargo-test.log" || rust=$?
python=0
wait "$pytest_pid" || python=$?
trap - EXIT
echo
echo "pytest (tests/moto tests/python tests/foreign localaws):"
cat "$logs/pytest.log"
echo "tests done in $(( $(date +%s) - started ))s (logs: $logs)"
if [ "$rust" -ne 0 ] || [ "$python" -ne 0 ]; then
  echo "error: tests failed (cargo test: exit $rust, pytest: exit $python)" >&2
  exit 1
fi
